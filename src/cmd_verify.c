/* modelseal verify: check a model against its signature, the trust store,
 * revocations and an optional deploy policy (the gate is in gate.c). */
#include <stdio.h>
#include <stdlib.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/gate.h"
#include "modelseal/hashing.h"
#include "modelseal/output.h"
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
	OPT_SIGNATURE = 's',
	OPT_IGNORE_UNSIGNED = 0x300,
	OPT_IGNORE_CERTIFICATE,
};

const struct option cmd_verify_options[] = {
    MS_TRUST_LONGOPTS,
    {"signature", required_argument, NULL, OPT_SIGNATURE},
    {"ignore", required_argument, NULL, MS_OPT_IGNORE},
    {"ignore-unsigned-files", no_argument, NULL, OPT_IGNORE_UNSIGNED},
    {"ignore-certificate", no_argument, NULL, OPT_IGNORE_CERTIFICATE},
    {"jobs", required_argument, NULL, MS_OPT_JOBS},
    {"archive", no_argument, NULL, MS_OPT_ARCHIVE},
    {"allow-symlinks", no_argument, NULL, MS_OPT_ALLOW_SYMLINKS},
    {NULL, 0, NULL, 0},
};

struct verify_args {
	struct ms_trust_args trust;
	struct ms_hash_opts opts; /* only --ignore, --jobs, --archive, --allow-symlinks */
	struct ms_verify_request req;
};

static int parse_args(int argc, char **argv, struct verify_args *a)
{
	int c;
	while ((c = ms_getopt(argc, argv, MS_TRUST_SHORTOPTS "s:j:", cmd_verify_options)) != -1) {
		int r = ms_trust_option(c, optarg, &a->trust);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		if (c == OPT_SIGNATURE)
			a->req.signature = optarg;
		else if (c == OPT_IGNORE_UNSIGNED)
			a->req.ignore_unsigned = 1;
		else if (c == OPT_IGNORE_CERTIFICATE)
			a->req.ignore_certificate = 1;
		else if (ms_hashing_option(c, optarg, &a->opts) < 0)
			return -1;
	}
	if (ms_trust_args_check(&a->trust) < 0)
		return -1;
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
	int rc = MS_ERR;
	ms_hash_opts_init(&a.opts);
	if (parse_args(argc, argv, &a) == 0) {
		g.req = a.req;
		if (ms_trust_args_apply(&a.trust, &g) == 0) {
			rc = ms_gate_run(&g);
			if (rc != MS_ERR)
				ms_gate_print(&g);
		}
	}
	ms_gate_free(&g);
	ms_trust_args_free(&a.trust);
	ms_hash_opts_free(&a.opts);
	return rc;
}
