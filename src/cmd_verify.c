/* modelseal verify: check a model against its signature, the trust store,
 * revocations and an optional deploy policy (the gate is in gate.c). */
#include <stdio.h>
#include <stdlib.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/gate.h"
#include "modelseal/hashing.h"
#include "modelseal/output.h"
#include "modelseal/sigstore.h"
#include "modelseal/util.h"

const char cmd_verify_usage[] =
    "usage: modelseal verify [--key PUB]... [--ca PEM]... [--trusted-root FILE] [--identity ID]\n"
    "                        [--issuer URL] [--ignore-certificate] [--policy FILE]\n"
    "                        [--trust-file FILE] [--signature FILE]\n"
    "                        [--ignore PATH]... [--ignore-unsigned-files] [-j N] [--archive] "
    "MODEL\n"
    "                        [--allow-symlinks]\n"
    "\n"
    "Verify the signature of MODEL (MODEL/model.sig or MODEL.sig) with a trusted\n"
    "key (a Sigstore keyless one with --trusted-root, for --identity at --issuer),\n"
    "then re-hash MODEL with the settings recorded in the signed statement\n"
    "and report every modified, missing or extra file, every revocation and\n"
    "every policy rule that fails. Exit 0 only when all passes.\n"
    "\n"
    "Options:\n"
    "  -k, --key PUB              trust this public key (Ed25519 or ECDSA P-256/384/521\n"
    "                             PEM); repeatable. --key, --ca and --identity replace\n"
    "                             the trust store's keys, CAs and identities entirely\n"
    "  --ca PEM                   trust these X.509 root certificates for bundles that\n"
    "                             carry a certificate chain; repeatable\n"
    "  --identity ID              the signer: with --ca the certificate must carry ID\n"
    "                             (SAN email, URI or DNS name, or subject CN); with\n"
    "                             --trusted-root its SAN must be ID exactly\n"
    "  --ignore-certificate       check a bundle that carries a certificate with a bare\n"
    "                             --key instead (recorded in the verdict)\n"
    "  -p, --policy FILE          also apply this deploy policy (JSON)\n"
    "  -t, --trust-file FILE      trusted keys and revocations from FILE ('trust\n"
    "                             export') instead of the registry's keys\n"
    "  -s, --signature FILE       read the bundle from FILE instead\n"
    "  --trusted-root FILE        verify Sigstore keyless bundles (Fulcio certificate,\n"
    "                             Rekor entry) offline against this trusted_root.json\n"
    "                             (for --identity, else the trust store's identities)\n"
    "  --issuer URL               ... whose OIDC issuer is exactly this (needs\n"
    "                             --identity)\n"
    "  --ignore PATH              also leave PATH (relative to the model) out; repeatable\n"
    "  --ignore-unsigned-files    files that were not signed are not an error\n"
    "  -j, --jobs N               hashing threads (default: online CPUs)\n"
    "  --archive                  MODEL is a tar/zip archive, verified without extracting;\n"
    "                             its signature is MODEL.sig, else its model.sig member\n"
    "  --allow-symlinks           follow symlinks to files inside MODEL even when the\n"
    "                             statement does not allow them (hub cache links into\n"
    "                             the snapshot's own models--ORG--NAME are always followed)\n";

enum {
	OPT_KEY = 'k',
	OPT_POLICY = 'p',
	OPT_TRUST_FILE = 't',
	OPT_SIGNATURE = 's',
	OPT_IGNORE_UNSIGNED = 0x300,
	OPT_TRUSTED_ROOT,
	OPT_ISSUER,
	OPT_CA,
	OPT_IDENTITY,
	OPT_IGNORE_CERTIFICATE,
};

const struct option cmd_verify_options[] = {
    {"key", required_argument, NULL, OPT_KEY},
    {"policy", required_argument, NULL, OPT_POLICY},
    {"trust-file", required_argument, NULL, OPT_TRUST_FILE},
    {"signature", required_argument, NULL, OPT_SIGNATURE},
    {"ignore", required_argument, NULL, MS_OPT_IGNORE},
    {"ignore-unsigned-files", no_argument, NULL, OPT_IGNORE_UNSIGNED},
    {"trusted-root", required_argument, NULL, OPT_TRUSTED_ROOT},
    {"issuer", required_argument, NULL, OPT_ISSUER},
    {"ca", required_argument, NULL, OPT_CA},
    {"identity", required_argument, NULL, OPT_IDENTITY},
    {"ignore-certificate", no_argument, NULL, OPT_IGNORE_CERTIFICATE},
    {"jobs", required_argument, NULL, MS_OPT_JOBS},
    {"archive", no_argument, NULL, MS_OPT_ARCHIVE},
    {"allow-symlinks", no_argument, NULL, MS_OPT_ALLOW_SYMLINKS},
    {NULL, 0, NULL, 0},
};

struct verify_args {
	const char **key_paths;
	size_t n_key_paths;
	const char **ca_paths;
	size_t n_ca_paths;
	const char *policy, *trust_file, *trusted_root;
	struct ms_hash_opts opts; /* only --ignore, --jobs, --archive, --allow-symlinks */
	struct ms_verify_request req;
};

static int parse_args(int argc, char **argv, struct verify_args *a)
{
	int c;
	while ((c = ms_getopt(argc, argv, "k:p:t:s:j:", cmd_verify_options)) != -1) {
		if (c == OPT_KEY) {
			a->key_paths =
			    ms_reallocarray(a->key_paths, a->n_key_paths + 1, sizeof *a->key_paths);
			a->key_paths[a->n_key_paths++] = optarg;
		} else if (c == OPT_POLICY) {
			a->policy = optarg;
		} else if (c == OPT_TRUST_FILE) {
			a->trust_file = optarg;
		} else if (c == OPT_SIGNATURE) {
			a->req.signature = optarg;
		} else if (c == OPT_IGNORE_UNSIGNED) {
			a->req.ignore_unsigned = 1;
		} else if (c == OPT_TRUSTED_ROOT) {
			a->trusted_root = optarg;
		} else if (c == OPT_ISSUER) {
			a->req.issuer = optarg;
		} else if (c == OPT_CA) {
			a->ca_paths =
			    ms_reallocarray(a->ca_paths, a->n_ca_paths + 1, sizeof *a->ca_paths);
			a->ca_paths[a->n_ca_paths++] = optarg;
		} else if (c == OPT_IDENTITY) {
			if (!*optarg)
				return ms_usage_error("--identity is empty"), -1;
			a->req.identity = optarg;
		} else if (c == OPT_IGNORE_CERTIFICATE) {
			a->req.ignore_certificate = 1;
		} else if (ms_hashing_option(c, optarg, &a->opts) < 0) {
			return -1;
		}
	}
	/* A keyless signature proves only that someone with an OIDC account
	 * signed: without the expected signer it proves nothing. */
	if (a->trusted_root && !a->req.identity != !a->req.issuer)
		return ms_usage_error("--trusted-root needs --identity and --issuer together: who "
		                      "must have signed (or neither, for the trust store's "
		                      "identities)"),
		       -1;
	if (a->req.issuer && !a->trusted_root)
		return ms_usage_error("--issuer only applies with --trusted-root"), -1;
	if (optind == argc)
		return ms_usage_error("no MODEL given"), -1;
	if (argc - optind > 1)
		return ms_usage_error("one MODEL at a time (got '%s' too)", argv[optind + 1]), -1;
	a->req.model = argv[optind];
	ms_output_context("model", a->req.model);
	a->req.ignore = a->opts.ignore;
	a->req.n_ignore = a->opts.n_ignore;
	a->req.jobs = a->opts.jobs;
	a->req.archive = a->opts.archive;
	a->req.allow_symlinks = a->opts.allow_symlinks;
	return 0;
}

int cmd_verify(int argc, char **argv)
{
	struct verify_args a = {0};
	struct ms_gate g = {0};
	struct ms_trusted_root tr = {0};
	int rc = MS_ERR;
	ms_hash_opts_init(&a.opts);
	if (parse_args(argc, argv, &a) == 0 &&
	    (!a.trusted_root || ms_trusted_root_load(a.trusted_root, &tr) == 0)) {
		a.req.trusted_root = a.trusted_root ? &tr : NULL;
		g.key_paths = a.key_paths;
		g.n_key_paths = a.n_key_paths;
		g.ca_paths = a.ca_paths;
		g.n_ca_paths = a.n_ca_paths;
		g.policy_path = a.policy;
		g.trust_file = a.trust_file;
		g.req = a.req;
		rc = ms_gate_run(&g);
		if (rc != MS_ERR)
			ms_gate_print(&g);
	}
	ms_gate_free(&g);
	ms_trusted_root_free(&tr);
	free(a.key_paths);
	free(a.ca_paths);
	ms_hash_opts_free(&a.opts);
	return rc;
}
