/* modelseal digest: the root digest of a model. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/hashing.h"
#include "modelseal/json.h"
#include "modelseal/util.h"

const char cmd_digest_usage[] =
    "usage: modelseal digest [HASHING] MODEL\n"
    "\n"
    "Print the root digest of MODEL (a directory or a file) as sha256:<hex>.\n"
    "\n"
    MS_HASHING_USAGE;

const struct option cmd_digest_options[] = {MS_HASHING_LONGOPTS, {NULL, 0, NULL, 0}};

int cmd_digest(int argc, char **argv)
{
	struct ms_hash_opts o;
	const char *model;
	ms_hash_opts_init(&o);
	if (ms_parse_hashing_command(argc, argv, cmd_digest_options, MS_HASHING_SHORTOPTS, NULL,
	                             NULL, &o, &model) < 0) {
		ms_hash_opts_free(&o);
		return MS_ERR;
	}
	struct ms_manifest m;
	int rc = ms_model_hash(model, &o, &m);
	ms_hash_opts_free(&o);
	if (rc < 0)
		return MS_ERR;
	char hex[2 * MS_ROOT_LEN + 1];
	ms_hex_encode(m.root, MS_ROOT_LEN, hex);
	if (ms_global.json) {
		cJSON *out = cJSON_CreateObject();
		char *digest = ms_asprintf("sha256:%s", hex);
		cJSON_AddStringToObject(out, "digest", digest);
		cJSON_AddStringToObject(out, "name", m.name);
		cJSON_AddStringToObject(out, "method", ms_method_name(m.method));
		cJSON_AddStringToObject(out, "hash", ms_hash_alg_name(m.alg));
		if (m.method == MS_METHOD_SHARDS)
			cJSON_AddNumberToObject(out, "shard_size", (double)m.shard_size);
		cJSON_AddNumberToObject(out, "files", (double)m.n_files);
		cJSON_AddNumberToObject(out, "bytes", (double)m.total_bytes);
		cJSON_AddNumberToObject(out, "resources", (double)m.n_res);
		char *text = ms_json_print(out);
		fputs(text, stdout);
		free(text);
		free(digest);
		cJSON_Delete(out);
	} else {
		printf("sha256:%s\n", hex);
	}
	ms_manifest_free(&m);
	return MS_OK;
}
