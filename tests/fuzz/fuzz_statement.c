/* The OMS statement parser (ms_statement_parse), on the raw input and again
 * with the subject digest recomputed from the resources, so that inputs get
 * past the root check into the success path. What it accepts must be safe
 * (every name a safe relative path) and survive print and parse unchanged. */
#include <openssl/evp.h>

#include "fuzz.h"
#include "modelseal/json.h"
#include "modelseal/manifest.h"
#include "modelseal/util.h"

MS_FUZZ_INIT

static void check_accepted(const struct ms_manifest *m)
{
	for (size_t i = 0; i < m->n_res; i++) {
		MS_FUZZ_ASSERT(ms_path_is_safe(m->res[i].path));
		MS_FUZZ_ASSERT(m->res[i].start < m->res[i].end || m->method == MS_METHOD_FILES);
	}
	char *json = ms_statement_to_json(m);
	struct ms_manifest again;
	MS_FUZZ_ASSERT(ms_statement_parse(json, strlen(json), &again) == 0);
	char *json2 = ms_statement_to_json(&again);
	MS_FUZZ_ASSERT(strcmp(json, json2) == 0);
	free(json2);
	free(json);
	ms_manifest_free(&again);
}

static void parse(const char *text, size_t len)
{
	struct ms_manifest m;
	if (ms_statement_parse(text, len, &m) == 0) {
		check_accepted(&m);
		ms_manifest_free(&m);
	}
}

/* Writes SHA-256 over the hex-decoded resource digests into the subject,
 * as a signer would; resources whose digest is not hex are skipped. */
static int fix_subject(cJSON *st)
{
	cJSON *pred = cJSON_GetObjectItemCaseSensitive(st, "predicate");
	cJSON *res = cJSON_GetObjectItemCaseSensitive(pred, "resources");
	cJSON *subj = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(st, "subject"), 0);
	cJSON *dig = cJSON_GetObjectItemCaseSensitive(subj, "digest");
	if (!cJSON_IsArray(res) || !cJSON_IsObject(dig))
		return -1;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	const cJSON *r;
	cJSON_ArrayForEach(r, res)
	{
		const char *hex = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "digest"));
		uint8_t bytes[MS_DIGEST_MAX];
		size_t n = hex ? strlen(hex) / 2 : 0;
		if (n && n <= MS_DIGEST_MAX && ms_hex_decode(hex, bytes, n) == 0)
			EVP_DigestUpdate(ctx, bytes, n);
	}
	uint8_t root[32];
	char root_hex[65];
	EVP_DigestFinal_ex(ctx, root, NULL);
	EVP_MD_CTX_free(ctx);
	ms_hex_encode(root, sizeof root, root_hex);
	cJSON_DeleteItemFromObjectCaseSensitive(dig, "sha256");
	cJSON_AddStringToObject(dig, "sha256", root_hex);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse((const char *)data, size);
	cJSON *st = cJSON_ParseWithLength((const char *)data, size);
	if (st && fix_subject(st) == 0) {
		char *text = cJSON_PrintUnformatted(st);
		if (text)
			parse(text, strlen(text));
		free(text);
	}
	cJSON_Delete(st);
	return 0;
}
