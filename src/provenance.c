/* The SLSA Provenance v1 statement of a model's lineage. */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/bundle.h"
#include "modelseal/lineage.h"
#include "modelseal/manifest.h"
#include "modelseal/provenance.h"
#include "modelseal/util.h"

static cJSON *sha256_digest(const char *hex)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "sha256", hex);
	return d;
}

/* A dependency is named as the registry knows it: NAME@VERSION when it has
 * one, else its digest. */
static cJSON *dependency(const struct ms_model_link *l)
{
	cJSON *o = cJSON_CreateObject();
	char *name = l->name ? ms_asprintf("%s@%s", l->name, l->version)
	                     : ms_asprintf("sha256:%s", l->digest);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddItemToObject(o, "digest", sha256_digest(l->digest));
	cJSON *ann = cJSON_AddObjectToObject(o, "annotations");
	cJSON_AddStringToObject(ann, "relation", ms_relation_name(l->relation));
	free(name);
	return o;
}

static cJSON *build_definition(const struct ms_provenance *p)
{
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "buildType", MS_PROVENANCE_BUILD_TYPE);
	cJSON *ext = cJSON_AddObjectToObject(b, "externalParameters");
	if (p->name) {
		cJSON_AddStringToObject(ext, "name", p->name);
		cJSON_AddStringToObject(ext, "version", p->version);
	}
	cJSON *ser = cJSON_AddObjectToObject(ext, "serialization");
	cJSON_AddStringToObject(ser, "method", p->method);
	cJSON_AddStringToObject(ser, "hash_type", p->hash);
	if (strcmp(p->method, "shards") == 0)
		cJSON_AddNumberToObject(ser, "shard_size", (double)p->shard_size);
	/* What the model card declares, kept apart from the proven
	 * resolvedDependencies: nothing verified it. */
	if (p->card)
		cJSON_AddItemToObject(ext, "model_card", ms_model_card_to_json(p->card));
	cJSON *deps = cJSON_AddArrayToObject(b, "resolvedDependencies");
	for (size_t i = 0; i < p->n_deps; i++)
		cJSON_AddItemToArray(deps, dependency(&p->deps[i]));
	return b;
}

static cJSON *run_details(const struct ms_provenance *p)
{
	char when[32];
	cJSON *r = cJSON_CreateObject();
	cJSON *builder = cJSON_AddObjectToObject(r, "builder");
	cJSON_AddStringToObject(builder, "id", MS_PROVENANCE_BUILDER_ID);
	cJSON *ver = cJSON_AddObjectToObject(builder, "version");
	cJSON_AddStringToObject(ver, "modelseal", MODELSEAL_VERSION);
	cJSON *meta = cJSON_AddObjectToObject(r, "metadata");
	cJSON_AddStringToObject(meta, "finishedOn", ms_time_format(p->time, when, sizeof when));
	return r;
}

char *ms_provenance_statement(const struct ms_provenance *p)
{
	cJSON *st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "_type", MS_STATEMENT_TYPE);
	cJSON *subjects = cJSON_AddArrayToObject(st, "subject");
	cJSON *subject = cJSON_CreateObject();
	cJSON_AddStringToObject(subject, "name", p->subject_name);
	cJSON_AddItemToObject(subject, "digest", sha256_digest(p->root));
	cJSON_AddItemToArray(subjects, subject);
	cJSON_AddStringToObject(st, "predicateType", MS_SLSA_PREDICATE_TYPE);
	cJSON *pred = cJSON_AddObjectToObject(st, "predicate");
	cJSON_AddItemToObject(pred, "buildDefinition", build_definition(p));
	cJSON_AddItemToObject(pred, "runDetails", run_details(p));
	char *text = cJSON_PrintUnformatted(st);
	cJSON_Delete(st);
	if (!text) {
		ms_error("out of memory");
		exit(MS_ERR);
	}
	return text;
}

cJSON *ms_provenance_declared(const char *bundle)
{
	struct ms_bundle b;
	if (!bundle || ms_bundle_parse(bundle, strlen(bundle), "provenance", &b) < 0)
		return NULL;
	cJSON *st = cJSON_ParseWithLength((const char *)b.payload, b.payload_len);
	const cJSON *card = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(st, "predicate"),
	                                         "buildDefinition"),
	        "externalParameters"),
	    "model_card");
	cJSON *out = cJSON_IsObject(card) ? cJSON_Duplicate(card, 1) : NULL;
	cJSON_Delete(st);
	ms_bundle_free(&b);
	return out;
}

char *ms_provenance_path(const char *signature)
{
	size_t n = strlen(signature);
	if (n > 4 && strcmp(signature + n - 4, ".sig") == 0)
		return ms_asprintf("%.*s.provenance.sig", (int)(n - 4), signature);
	return ms_asprintf("%s.provenance.sig", signature);
}
