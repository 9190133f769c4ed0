/* modelseal verify: check a model against its signature. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/hashing.h"
#include "modelseal/json.h"
#include "modelseal/registry.h"
#include "modelseal/util.h"
#include "modelseal/verify.h"

const char cmd_verify_usage[] =
    "usage: modelseal verify --key PUB... [--signature FILE] [--ignore PATH]...\n"
    "                        [--ignore-unsigned-files] [-j N] MODEL\n"
    "\n"
    "Verify the signature of MODEL (MODEL/model.sig or MODEL.sig) with the public\n"
    "key(s), then re-hash MODEL with the settings recorded in the signed statement\n"
    "and report every modified, missing or extra file. Exit 0 only when all matches.\n"
    "\n"
    "Options:\n"
    "  -k, --key PUB              trusted public key (Ed25519 or ECDSA P-256/384/521\n"
    "                             PEM); repeatable, any one may have signed\n"
    "  -s, --signature FILE       read the bundle from FILE instead\n"
    "  --ignore PATH              also leave PATH (relative to the model) out; repeatable\n"
    "  --ignore-unsigned-files    files that were not signed are not an error\n"
    "  -j, --jobs N               hashing threads (default: online CPUs)\n";

enum { OPT_KEY = 'k', OPT_SIGNATURE = 's', OPT_IGNORE_UNSIGNED = 0x300 };

static const struct option verify_opts[] = {
    {"key", required_argument, NULL, OPT_KEY},
    {"signature", required_argument, NULL, OPT_SIGNATURE},
    {"ignore", required_argument, NULL, MS_OPT_IGNORE},
    {"ignore-unsigned-files", no_argument, NULL, OPT_IGNORE_UNSIGNED},
    {"jobs", required_argument, NULL, MS_OPT_JOBS},
    {NULL, 0, NULL, 0},
};

struct verify_args {
	const char **key_paths;
	size_t n_key_paths;
	struct ms_hash_opts opts; /* only --ignore and --jobs */
	struct ms_verify_request req;
};

static int parse_args(int argc, char **argv, struct verify_args *a)
{
	int c;
	while ((c = ms_getopt(argc, argv, "k:s:j:", verify_opts)) != -1) {
		if (c == OPT_KEY) {
			a->key_paths =
			    ms_reallocarray(a->key_paths, a->n_key_paths + 1, sizeof *a->key_paths);
			a->key_paths[a->n_key_paths++] = optarg;
		} else if (c == OPT_SIGNATURE) {
			a->req.signature = optarg;
		} else if (c == OPT_IGNORE_UNSIGNED) {
			a->req.ignore_unsigned = 1;
		} else if (ms_hashing_option(c, optarg, &a->opts) < 0) {
			return -1;
		}
	}
	if (optind == argc)
		return ms_usage_error("no MODEL given"), -1;
	if (argc - optind > 1)
		return ms_usage_error("one MODEL at a time (got '%s' too)", argv[optind + 1]), -1;
	a->req.model = argv[optind];
	a->req.ignore = a->opts.ignore;
	a->req.n_ignore = a->opts.n_ignore;
	a->req.jobs = a->opts.jobs;
	return 0;
}

/* The keys to trust: the --key files. Without any, the trust store takes
 * over (issue 6); until it exists there is nothing to trust. */
static int load_keys(const struct verify_args *a, struct ms_pubkey ***keys, size_t *n)
{
	*keys = NULL;
	*n = 0;
	if (a->n_key_paths == 0) {
		ms_error("no trusted key: give the signer's public key with --key PUB");
		return MS_FAIL;
	}
	*keys = ms_calloc(a->n_key_paths, sizeof **keys);
	for (size_t i = 0; i < a->n_key_paths; i++) {
		if (ms_pubkey_load(a->key_paths[i], &(*keys)[i]) < 0)
			return MS_ERR;
		*n = i + 1;
	}
	return MS_OK;
}

static void report_json(const struct ms_verify_request *req, const struct ms_verify_result *res)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "verified", res->verified);
	cJSON_AddStringToObject(j, "model", req->model);
	if (res->signature)
		cJSON_AddStringToObject(j, "signature", res->signature);
	else
		cJSON_AddNullToObject(j, "signature");
	if (res->signer) {
		char hex[2 * MS_ROOT_LEN + 1];
		ms_hex_encode(res->signed_manifest.root, MS_ROOT_LEN, hex);
		char *digest = ms_asprintf("sha256:%s", hex);
		cJSON_AddStringToObject(j, "digest", digest);
		cJSON_AddStringToObject(j, "signer", ms_pubkey_id(res->signer));
		free(digest);
	} else {
		cJSON_AddNullToObject(j, "digest");
		cJSON_AddNullToObject(j, "signer");
	}
	cJSON *problems = cJSON_AddArrayToObject(j, "problems");
	for (size_t i = 0; i < res->problems.n; i++) {
		const struct ms_problem *p = &res->problems.v[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", p->path);
		cJSON_AddStringToObject(o, "problem", p->kind);
		if (p->detail)
			cJSON_AddStringToObject(o, "detail", p->detail);
		else
			cJSON_AddNullToObject(o, "detail");
		cJSON_AddItemToArray(problems, o);
	}
	char *text = ms_json_print(j);
	fputs(text, stdout);
	free(text);
	cJSON_Delete(j);
}

/* One line on success; on failure every problem on stdout and a summary
 * on stderr. */
static void report_text(const struct ms_verify_result *res)
{
	if (res->verified) {
		char hex[2 * MS_ROOT_LEN + 1];
		ms_hex_encode(res->signed_manifest.root, MS_ROOT_LEN, hex);
		printf("verified sha256:%s signed by %s\n", hex, ms_pubkey_id(res->signer));
		return;
	}
	for (size_t i = 0; i < res->problems.n; i++) {
		const struct ms_problem *p = &res->problems.v[i];
		printf("%s: %s%s%s%s\n", p->kind, p->path, p->detail ? " (" : "",
		       p->detail ? p->detail : "", p->detail ? ")" : "");
	}
	ms_error("verification FAILED: %zu problem%s; do not deploy this model", res->problems.n,
	         res->problems.n == 1 ? "" : "s");
}

/* A 'verified' or 'failed' event, only where a writable registry already
 * exists: deploy hosts without one are neither slowed down nor failed. */
static void note_in_registry(const struct ms_verify_request *req,
                             const struct ms_verify_result *res)
{
	char hex[2 * MS_ROOT_LEN + 1];
	char *subject;
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "model", req->model);
	if (res->signer) { /* the statement is trusted: name the model by its root */
		ms_hex_encode(res->signed_manifest.root, MS_ROOT_LEN, hex);
		subject = ms_asprintf("sha256:%s", hex);
		cJSON_AddStringToObject(d, "signer", ms_pubkey_id(res->signer));
	} else {
		char *abs = realpath(req->model, NULL);
		subject = ms_strdup(abs ? abs : req->model);
		free(abs);
	}
	cJSON_AddNumberToObject(d, "problems", (double)res->problems.n);
	if (res->problems.n) {
		char *first =
		    ms_asprintf("%s: %s", res->problems.v[0].kind, res->problems.v[0].path);
		cJSON_AddStringToObject(d, "first_problem", first);
		free(first);
	}
	char *detail = cJSON_PrintUnformatted(d);
	ms_registry_note_event(res->verified ? MS_EV_VERIFIED : MS_EV_FAILED, subject, detail);
	free(detail);
	free(subject);
	cJSON_Delete(d);
}

int cmd_verify(int argc, char **argv)
{
	struct verify_args a = {0};
	struct ms_pubkey **keys = NULL;
	size_t n_keys = 0;
	ms_hash_opts_init(&a.opts);
	int rc = parse_args(argc, argv, &a) < 0 ? MS_ERR : load_keys(&a, &keys, &n_keys);
	if (rc == MS_OK) {
		struct ms_verify_result res;
		a.req.keys = keys;
		a.req.n_keys = n_keys;
		rc = ms_verify_model(&a.req, &res);
		/* issue 6: the policy check goes here */
		if (rc != MS_ERR)
			note_in_registry(&a.req, &res);
		if (rc != MS_ERR && ms_global.json)
			report_json(&a.req, &res);
		else if (rc != MS_ERR)
			report_text(&res);
		ms_verify_result_free(&res);
	} else if (rc == MS_FAIL && ms_global.json) {
		struct ms_verify_result res = {0};
		ms_problems_add(&res.problems, a.req.model, "untrusted",
		                ms_strdup("no trusted key given"));
		report_json(&a.req, &res);
		ms_verify_result_free(&res);
	}
	for (size_t i = 0; i < n_keys; i++)
		ms_pubkey_free(keys[i]);
	free(keys);
	free(a.key_paths);
	ms_hash_opts_free(&a.opts);
	return rc;
}
