/* Signed lineage that travels with a model: an in-toto Statement v1 with a
 * SLSA Provenance v1 predicate (DESIGN.md "Formats: Lineage"). */
#ifndef MODELSEAL_PROVENANCE_H
#define MODELSEAL_PROVENANCE_H

#include <stddef.h>
#include <stdint.h>

#include "modelseal/registry.h"

#define MS_SLSA_PREDICATE_TYPE "https://slsa.dev/provenance/v1"
/* What a modelseal lineage statement describes: a model made from parent
 * models and datasets by the named relation, recorded at signing time. */
#define MS_PROVENANCE_BUILD_TYPE "https://modelseal.dev/lineage/v1"
#define MS_PROVENANCE_BUILDER_ID "https://modelseal.dev/sign"

struct ms_provenance {
	const char *subject_name; /* the model's base name, as in the OMS statement */
	const char *root;         /* root digest, hex */
	const char *name;         /* --name/--version, or NULL */
	const char *version;
	const char *method;               /* serialization: "shards" | "files" */
	const char *hash;                 /* "sha256" | "blake2b" */
	uint64_t shard_size;              /* shards only */
	const struct ms_model_link *deps; /* parents and datasets */
	size_t n_deps;
	int64_t time; /* finishedOn, Unix time */
};

/* The statement JSON to sign (compact), freshly allocated:
 *   subject = [{name, digest: {sha256: root}}]
 *   predicate.buildDefinition = {buildType, externalParameters: {name,
 *     version, serialization: {method, hash_type[, shard_size]}},
 *     resolvedDependencies: [{name, digest: {sha256}, annotations:
 *     {relation}}]}
 *   predicate.runDetails = {builder: {id, version: {modelseal}},
 *     metadata: {finishedOn}} */
char *ms_provenance_statement(const struct ms_provenance *p);

/* Where the provenance bundle goes, from the signature path:
 * MODEL/model.sig -> MODEL/model.provenance.sig, FILE.sig ->
 * FILE.provenance.sig (any X.sig -> X.provenance.sig; other names get
 * ".provenance.sig" appended). Freshly allocated. */
char *ms_provenance_path(const char *signature);

#endif
