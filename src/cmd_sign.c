/* modelseal sign: hash a model and write its signature bundle. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "modelseal/cli.h"
#include "modelseal/output.h"
#include "modelseal/commands.h"
#include "modelseal/json.h"
#include "modelseal/lfs.h"
#include "modelseal/sign.h"
#include "modelseal/sign_lineage.h"
#include "modelseal/util.h"
#include "modelseal/x509.h"

const char cmd_sign_usage[] =
    "usage: modelseal sign --key KEY [--certificate-chain PEM] [--signature FILE]\n"
    "                      [--passphrase-file FILE]\n"
    "                      [--name N] [--version V] [--parent REF=RELATION]...\n"
    "                      [--dataset REF]... [--trust-file FILE] [--no-record]\n"
    "                      [--allow-lfs-pointers] [--statement FILE]\n"
    "                      [HASHING] MODEL\n"
    "\n"
    "Hash MODEL (a directory or a file), sign the OMS statement with the secret KEY\n"
    "(Ed25519 or ECDSA) and write the Sigstore bundle to MODEL/model.sig (directory)\n"
    "or MODEL.sig (file). Prints the root digest, the key id and the signature path.\n"
    "\n"
    "Options:\n"
    "  -k, --key KEY            secret key (PKCS#8 PEM, mode 0600): Ed25519 or ECDSA\n"
    "  --certificate-chain PEM  X.509 certificate of KEY, then its intermediates: the\n"
    "                           bundle carries the chain instead of a key hint\n"
    "  -s, --signature FILE     write the bundle to FILE instead\n"
    "  --passphrase-file FILE   read the key's passphrase from the first line of FILE\n"
    "                           (else $MODELSEAL_PASSPHRASE, else a prompt on the terminal)\n"
    "  --name N, --version V    model name and version for the registry\n"
    "  --parent REF=RELATION    the model was made from REF: finetune, adapter,\n"
    "                           quantized, or merge (one --parent per merged model)\n"
    "  --dataset REF            the model was trained on the dataset REF\n"
    "  --trust-file FILE        verify path REFs with the keys of FILE (modelseal\n"
    "                           trust export) instead of the trust store's\n"
    "  --no-record              do not record the model in the registry\n"
    "  --statement FILE         sign FILE (a statement 'modelseal hash' merged from\n"
    "                           parts) instead of hashing,\n"
    "                           once it is checked to cover exactly MODEL's files\n"
    "                           and sizes\n"
    "  --allow-lfs-pointers     sign Git LFS pointer files as they are (else refused:\n"
    "                           run 'git lfs pull' first)\n"
    "  REF: NAME@VERSION, sha256:<hex or unique prefix>, or a signed model's path\n"
    "  (used only once verified with the trust store, or FILE, or KEY's public half).\n"
    "  A signed SLSA provenance statement (name, version, signing time, parents,\n"
    "  datasets, and what README.md's model card declares) is written beside the\n"
    "  signature (MODEL/model.provenance.sig, FILE.provenance.sig).\n"
    "\n" MS_HASHING_USAGE;

enum {
	OPT_KEY = 'k',
	OPT_SIGNATURE = 's',
	OPT_PASSPHRASE_FILE = 0x300,
	OPT_PASSPHRASE,
	OPT_NAME,
	OPT_VERSION,
	OPT_PARENT,
	OPT_DATASET,
	OPT_NO_RECORD,
	OPT_STATEMENT,
	OPT_CERTIFICATE_CHAIN,
	OPT_ALLOW_LFS_POINTERS,
	OPT_TRUST_FILE,
};

const struct option cmd_sign_options[] = {
    MS_HASHING_LONGOPTS,
    {"key", required_argument, NULL, OPT_KEY},
    {"signature", required_argument, NULL, OPT_SIGNATURE},
    {"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
    /* spelled out so that getopt does not take it for --passphrase-file */
    {"passphrase", required_argument, NULL, OPT_PASSPHRASE},
    {"name", required_argument, NULL, OPT_NAME},
    {"version", required_argument, NULL, OPT_VERSION},
    {"parent", required_argument, NULL, OPT_PARENT},
    {"dataset", required_argument, NULL, OPT_DATASET},
    {"no-record", no_argument, NULL, OPT_NO_RECORD},
    {"statement", required_argument, NULL, OPT_STATEMENT},
    {"certificate-chain", required_argument, NULL, OPT_CERTIFICATE_CHAIN},
    {"allow-lfs-pointers", no_argument, NULL, OPT_ALLOW_LFS_POINTERS},
    {"trust-file", required_argument, NULL, OPT_TRUST_FILE},
    {NULL, 0, NULL, 0},
};

struct sign_args {
	const char *key;
	const char *chain_path; /* --certificate-chain */
	struct ms_sign_chain chain;
	struct ms_passphrase_src pass;
	struct ms_sign_request req;
	struct ms_sign_lineage lin; /* --parent, --dataset, --no-record, registry */
	char *provenance;           /* path written, or NULL */
	int allow_lfs_pointers;     /* --allow-lfs-pointers */
};

static int on_sign_option(int opt, const char *arg, void *ctx)
{
	struct sign_args *a = ctx;
	switch (opt) {
	case OPT_KEY:
		a->key = arg;
		return 1;
	case OPT_SIGNATURE:
		a->req.signature = arg;
		return 1;
	case OPT_PASSPHRASE_FILE:
		a->pass.file = arg;
		return 1;
	case OPT_PASSPHRASE:
		ms_usage_error("%s", ms_no_argv_passphrase);
		return -1;
	case OPT_NAME:
		a->req.name = a->lin.name = arg;
		return 1;
	case OPT_VERSION:
		a->req.version = a->lin.version = arg;
		return 1;
	case OPT_PARENT:
		return ms_sign_lineage_add_parent(&a->lin, arg) < 0 ? -1 : 1;
	case OPT_DATASET:
		ms_sign_lineage_add_dataset(&a->lin, arg);
		return 1;
	case OPT_TRUST_FILE:
		a->lin.trust_file = arg;
		return 1;
	case OPT_NO_RECORD:
		a->lin.no_record = 1;
		return 1;
	case OPT_STATEMENT:
		a->req.statement = arg;
		return 1;
	case OPT_CERTIFICATE_CHAIN:
		a->chain_path = arg;
		return 1;
	case OPT_ALLOW_LFS_POINTERS:
		a->allow_lfs_pointers = 1;
		return 1;
	}
	return 0;
}

static void report(const struct ms_sign_result *res, const struct sign_args *a)
{
	const struct ms_sign_request *req = &a->req;
	const char *registry =
	    a->lin.reg && !a->lin.no_record ? ms_registry_path(a->lin.reg) : NULL;
	char hex[2 * MS_ROOT_LEN + 1];
	ms_hex_encode(res->manifest.root, MS_ROOT_LEN, hex);
	if (!ms_global.json) {
		/* The paths hold the model's name, which may come with the
		 * model (an uploaded directory). */
		printf("digest: sha256:%s\nsigner: %s\nsignature: %s\n", hex, res->keyid,
		       ms_esc(res->signature));
		if (a->provenance)
			printf("provenance: %s\n", ms_esc(a->provenance));
		if (registry)
			printf("recorded: %s\n", ms_esc(registry));
		return;
	}
	cJSON *j = cJSON_CreateObject();
	char *digest = ms_asprintf("sha256:%s", hex);
	cJSON_AddStringToObject(j, "digest", digest);
	cJSON_AddStringToObject(j, "signer", res->keyid);
	cJSON_AddStringToObject(j, "signature", res->signature);
	cJSON_AddStringToObject(j, "model", req->model);
	cJSON_AddStringToObject(j, "subject", res->manifest.name);
	if (req->name)
		cJSON_AddStringToObject(j, "name", req->name);
	if (req->version)
		cJSON_AddStringToObject(j, "version", req->version);
	cJSON_AddStringToObject(j, "method", ms_method_name(res->manifest.method));
	cJSON_AddNumberToObject(j, "files", (double)res->manifest.n_files);
	cJSON_AddNumberToObject(j, "bytes", (double)res->manifest.total_bytes);
	if (a->provenance)
		cJSON_AddStringToObject(j, "provenance", a->provenance);
	else
		cJSON_AddNullToObject(j, "provenance");
	if (registry)
		cJSON_AddStringToObject(j, "registry", registry);
	else
		cJSON_AddNullToObject(j, "registry");
	char *text = ms_json_print(j);
	fputs(text, stdout);
	free(text);
	free(digest);
	cJSON_Delete(j);
}

/* Before signing: no Git LFS pointer in place of weights (unless allowed),
 * the model card's declared lineage, and the model is not its own parent. */
static int before_sign(const struct ms_manifest *m, void *ctx)
{
	struct sign_args *a = ctx;
	if (a->req.hash->archive)
		return ms_sign_lineage_check(&a->lin, m);
	if (ms_lfs_check_model(a->req.model, m, a->allow_lfs_pointers) && !a->allow_lfs_pointers)
		return -1;
	ms_sign_lineage_read_card(&a->lin, a->req.model, m);
	return ms_sign_lineage_check(&a->lin, m);
}

/* After the signature is written to its temp file: the provenance's beside
 * it, then the registry's lock and name check and the record (one
 * transaction), and only once it is committed are both put in place. A
 * record that fails (a name taken meanwhile, a lost database connection, a
 * locked registry) leaves the model's signature files as they were. The
 * lock comes last so that a registry still connecting has had the hash
 * and the signing to do it in, and so that it is held for the record
 * alone. */
static int after_sign(struct sign_args *a, struct ms_sign_result *res, const struct ms_seckey *key)
{
	char *prov_bundle = NULL, *prov_tmp = NULL;
	if (ms_sign_lineage_wants_provenance(&a->lin) &&
	    ms_sign_lineage_write_provenance(&a->lin, &res->manifest, res->signature, key,
	                                     &prov_bundle, &a->provenance, &prov_tmp) < 0)
		return -1;
	if (ms_sign_lineage_lock(&a->lin, &res->manifest) < 0) {
		free(prov_bundle);
		if (prov_tmp)
			unlink(prov_tmp);
		free(prov_tmp);
		return -1;
	}
	int rc = ms_sign_lineage_record(&a->lin, &res->manifest, res->statement, res->bundle,
	                                res->keyid, prov_bundle);
	free(prov_bundle);
	if (rc < 0) {
		if (ms_registry_commit_unknown(a->lin.reg))
			ms_error("%s: its signature files are unchanged, but the registry may have "
			         "recorded it; see 'modelseal log', and sign it again",
			         a->req.model);
		else
			ms_error("%s was not signed: the registry did not record it; its signature "
			         "files are unchanged",
			         a->req.model);
		if (prov_tmp)
			unlink(prov_tmp);
	} else if (ms_sign_put_in_place(res) < 0 ||
	           (prov_tmp && ms_rename_temp(prov_tmp, a->provenance) < 0)) {
		if (prov_tmp)
			unlink(prov_tmp);
		ms_error("%s was recorded in the registry, but its signature files could not be "
		         "put in place; sign it again",
		         a->req.model);
		rc = -1;
	}
	free(prov_tmp);
	return rc;
}

int cmd_sign(int argc, char **argv)
{
	struct ms_hash_opts hash;
	struct sign_args a = {.req = {.hash = &hash}};
	ms_hash_opts_init(&hash);
	int rc = MS_ERR;
	struct ms_seckey *key = NULL;
	if (ms_parse_hashing_command(argc, argv, cmd_sign_options, MS_HASHING_SHORTOPTS "k:s:",
	                             on_sign_option, &a, &hash, &a.req.model) < 0)
		goto out;
	ms_output_context("model", a.req.model);
	if (!a.key) {
		rc = ms_usage_error("no secret key given (--key KEY)");
		goto out;
	}
	/* Parents and datasets first: a mistyped REF must not cost a
	 * passphrase prompt, and a wrong passphrase must not cost a full hash
	 * (path REFs are verified, which hashes them, once the key is open). */
	if (ms_sign_lineage_prepare(&a.lin) < 0 ||
	    (a.chain_path &&
	     ms_x509_chain_load(a.chain_path, &a.chain.ders, &a.chain.lens, &a.chain.n) < 0) ||
	    ms_sign_lineage_registry_ready(&a.lin) < 0 ||
	    ms_seckey_load(a.key, &a.pass, &key) < 0 ||
	    ms_sign_lineage_resolve_paths(&a.lin, ms_seckey_public(key)) < 0 ||
	    ms_sign_lineage_exclude_provenance(&a.lin, a.req.model, a.req.signature, &hash) < 0)
		goto out;
	a.req.chain = &a.chain;
	a.req.before_sign = before_sign;
	a.req.before_sign_ctx = &a;
	struct ms_sign_result res;
	if (ms_sign_model(&a.req, key, &res) < 0)
		goto out;
	if (after_sign(&a, &res, key) == 0) {
		report(&res, &a);
		rc = MS_OK;
	}
	ms_sign_result_free(&res);
out:
	ms_seckey_free(key);
	ms_x509_chain_free(a.chain.ders, a.chain.lens, a.chain.n);
	ms_hash_opts_free(&hash);
	ms_sign_lineage_free(&a.lin);
	free(a.provenance);
	return rc;
}
