/* Signed lineage that travels with a model: an in-toto Statement v1 with a
 * SLSA Provenance v1 predicate (DESIGN.md "Formats: Lineage"). */
#ifndef MODELSEAL_PROVENANCE_H
#define MODELSEAL_PROVENANCE_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "modelseal/model_card.h"
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
	const struct ms_model_card *card; /* declared lineage, or NULL */
	int64_t time;                     /* finishedOn, Unix time */
};

/* The statement JSON to sign (compact), freshly allocated:
 *   subject = [{name, digest: {sha256: root}}]
 *   predicate.buildDefinition = {buildType, externalParameters: {name,
 *     version, serialization: {method, hash_type[, shard_size]}[,
 *     model_card: the declared lineage, see ms_model_card_to_json]},
 *     resolvedDependencies: [{name, digest: {sha256}, annotations:
 *     {relation}}]}
 *   predicate.runDetails = {builder: {id, version: {modelseal}},
 *     metadata: {finishedOn}} */
char *ms_provenance_statement(const struct ms_provenance *p);

/* The model_card object (declared lineage) of a provenance bundle's
 * statement, as a new cJSON tree, or NULL when it has none or does not
 * parse. The signature is not checked: for bundles the local registry
 * recorded when it signed, or that were verified before. */
cJSON *ms_provenance_declared(const char *bundle);

/* Where the provenance bundle goes, from the signature path:
 * MODEL/model.sig -> MODEL/model.provenance.sig, FILE.sig ->
 * FILE.provenance.sig (any X.sig -> X.provenance.sig; other names get
 * ".provenance.sig" appended). Freshly allocated. */
char *ms_provenance_path(const char *signature);

#endif
