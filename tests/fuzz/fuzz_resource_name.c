/* Resource names inside a well-formed, correctly rooted statement: the input
 * is one name (shards method when the first byte is odd, files otherwise).
 * An accepted name must be a safe path and print back to the same name, so
 * what is verified is exactly what was signed. */
#include <openssl/evp.h>

#include "fuzz.h"
#include "modelseal/json.h"
#include "modelseal/manifest.h"
#include "modelseal/util.h"

MS_FUZZ_INIT

static char *statement_with(const char *name, int shards)
{
	static const uint8_t digest[32] = {1, 2, 3};
	char hex[65], root_hex[65];
	uint8_t root[32];
	ms_hex_encode(digest, 32, hex);
	EVP_Digest(digest, 32, root, NULL, EVP_sha256(), NULL);
	ms_hex_encode(root, 32, root_hex);

	cJSON *st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "_type", MS_STATEMENT_TYPE);
	cJSON *subj = cJSON_CreateObject();
	cJSON_AddStringToObject(subj, "name", "m");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(subj, "digest"), "sha256", root_hex);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(st, "subject"), subj);
	cJSON_AddStringToObject(st, "predicateType", MS_OMS_PREDICATE_TYPE);
	cJSON *pred = cJSON_AddObjectToObject(st, "predicate");
	cJSON *ser = cJSON_AddObjectToObject(pred, "serialization");
	cJSON_AddStringToObject(ser, "method", shards ? "shards" : "files");
	cJSON_AddStringToObject(ser, "hash_type", "sha256");
	if (shards)
		cJSON_AddNumberToObject(ser, "shard_size", 16);
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "name", name);
	cJSON_AddStringToObject(r, "algorithm", shards ? "sha256-sharded-16" : "sha256");
	cJSON_AddStringToObject(r, "digest", hex);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(pred, "resources"), r);
	char *text = cJSON_PrintUnformatted(st);
	cJSON_Delete(st);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	char *name = ms_fuzz_cstr(data + 1, size - 1);
	char *text = statement_with(name, data[0] & 1);
	struct ms_manifest m;
	if (text && ms_statement_parse(text, strlen(text), &m) == 0) {
		MS_FUZZ_ASSERT(m.n_res == 1 && ms_path_is_safe(m.res[0].path));
		char *back = ms_resource_name(&m, &m.res[0]);
		MS_FUZZ_ASSERT(strcmp(back, name) == 0);
		free(back);
		ms_manifest_free(&m);
	}
	free(text);
	free(name);
	return 0;
}
