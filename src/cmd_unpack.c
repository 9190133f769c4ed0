/* modelseal unpack: verify an archive, then extract it safely. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/hashing.h"
#include "modelseal/json.h"
#include "modelseal/unpack.h"
#include "modelseal/util.h"

const char cmd_unpack_usage[] =
    "usage: modelseal unpack --key PUB... [-j N] ARCHIVE DEST\n"
    "\n"
    "Verify ARCHIVE (its signature ARCHIVE.sig, else its model.sig member) with the\n"
    "public key(s) exactly as 'verify --archive' does, and only if it verifies\n"
    "extract it so that DEST is the model directory, with DEST/model.sig. DEST must\n"
    "not exist or be an empty directory; on any failure it is not created.\n"
    "\n"
    "Options:\n"
    "  -k, --key PUB           trusted public key; repeatable, any one may have signed\n"
    "  -j, --jobs N            hashing threads (default: online CPUs)\n";

static const struct option unpack_opts[] = {
    {"key", required_argument, NULL, 'k'},
    {"jobs", required_argument, NULL, MS_OPT_JOBS},
    {NULL, 0, NULL, 0},
};

static int load_keys(const char **paths, size_t n, struct ms_pubkey ***keys, size_t *n_keys)
{
	*keys = ms_calloc(n + 1, sizeof **keys);
	*n_keys = 0;
	if (n == 0) {
		ms_error("no trusted key: give the signer's public key with --key PUB");
		return MS_FAIL;
	}
	for (size_t i = 0; i < n; i++) {
		if (ms_pubkey_load(paths[i], &(*keys)[i]) < 0)
			return MS_ERR;
		*n_keys = i + 1;
	}
	return MS_OK;
}

static void report(const char *archive, const char *dest, int rc,
                   const struct ms_verify_result *res)
{
	char hex[2 * MS_ROOT_LEN + 1] = "";
	if (res->signer)
		ms_hex_encode(res->signed_manifest.root, MS_ROOT_LEN, hex);
	if (ms_global.json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "verified", res->verified);
		cJSON_AddBoolToObject(j, "unpacked", rc == MS_OK);
		cJSON_AddStringToObject(j, "archive", archive);
		cJSON_AddStringToObject(j, "dest", dest);
		char *digest = res->signer ? ms_asprintf("sha256:%s", hex) : NULL;
		cJSON_AddItemToObject(j, "digest",
		                      digest ? cJSON_CreateString(digest) : cJSON_CreateNull());
		cJSON_AddItemToObject(j, "signer",
		                      res->signer ? cJSON_CreateString(ms_pubkey_id(res->signer))
		                                  : cJSON_CreateNull());
		cJSON *problems = cJSON_AddArrayToObject(j, "problems");
		for (size_t i = 0; i < res->problems.n; i++) {
			const struct ms_problem *p = &res->problems.v[i];
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "path", p->path);
			cJSON_AddStringToObject(o, "problem", p->kind);
			cJSON_AddItemToObject(o, "detail",
			                      p->detail ? cJSON_CreateString(p->detail)
			                                : cJSON_CreateNull());
			cJSON_AddItemToArray(problems, o);
		}
		char *text = ms_json_print(j);
		fputs(text, stdout);
		free(text);
		free(digest);
		cJSON_Delete(j);
		return;
	}
	if (rc == MS_OK) {
		printf("verified sha256:%s signed by %s\n", hex, ms_pubkey_id(res->signer));
		printf("unpacked into %s\n", dest);
		return;
	}
	for (size_t i = 0; i < res->problems.n; i++) {
		const struct ms_problem *p = &res->problems.v[i];
		printf("%s: %s%s%s%s\n", p->kind, p->path, p->detail ? " (" : "",
		       p->detail ? p->detail : "", p->detail ? ")" : "");
	}
	ms_error("verification FAILED: %zu problem%s; nothing was unpacked", res->problems.n,
	         res->problems.n == 1 ? "" : "s");
}

int cmd_unpack(int argc, char **argv)
{
	const char **key_paths = NULL;
	size_t n_paths = 0;
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	int c, rc = MS_OK;
	while (rc == MS_OK && (c = ms_getopt(argc, argv, "k:j:", unpack_opts)) != -1) {
		if (c == 'k') {
			key_paths = ms_reallocarray(key_paths, n_paths + 1, sizeof *key_paths);
			key_paths[n_paths++] = optarg;
		} else if (ms_hashing_option(c, optarg, &o) < 0) {
			rc = MS_ERR;
		}
	}
	if (rc == MS_OK && argc - optind != 2)
		rc = ms_usage_error(argc - optind < 2 ? "give ARCHIVE and DEST"
		                                      : "too many operands");
	struct ms_pubkey **keys = NULL;
	size_t n_keys = 0;
	if (rc == MS_OK)
		rc = load_keys(key_paths, n_paths, &keys, &n_keys);
	if (rc == MS_OK) {
		struct ms_verify_request req = {
		    .model = argv[optind], .keys = keys, .n_keys = n_keys, .jobs = o.jobs};
		struct ms_verify_result res;
		rc = ms_unpack(&req, argv[optind + 1], &res);
		if (rc != MS_ERR)
			report(argv[optind], argv[optind + 1], rc, &res);
		ms_verify_result_free(&res);
	}
	for (size_t i = 0; i < n_keys; i++)
		ms_pubkey_free(keys[i]);
	free(keys);
	free(key_paths);
	ms_hash_opts_free(&o);
	return rc;
}
