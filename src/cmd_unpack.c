/* modelseal unpack: verify an archive, then extract it safely. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/gate.h"
#include "modelseal/hashing.h"
#include "modelseal/json.h"
#include "modelseal/unpack.h"
#include "modelseal/util.h"

const char cmd_unpack_usage[] =
    "usage: modelseal unpack [--key PUB]... [--ca PEM]... [--trusted-root FILE] [--identity ID]\n"
    "                        [--issuer URL] [--policy FILE] [--trust-file FILE] [-j N]\n"
    "                        ARCHIVE DEST\n"
    "\n"
    "Verify ARCHIVE (its signature ARCHIVE.sig, else its model.sig member) exactly as\n"
    "'verify --archive' does, with the same trusted keys, revocations and policy, and\n"
    "only if everything passes extract it so that DEST is the model directory, with\n"
    "DEST/model.sig. DEST must not exist or be an empty directory; on any failure it\n"
    "is not created.\n"
    "\n"
    "Options (the trust options mean what they mean for verify):\n"
    "  -k, --key PUB           trust this public key; repeatable, any one may have\n"
    "                          signed. --key, --ca and --identity replace the trust\n"
    "                          store's keys, CAs and identities entirely\n"
    "  --ca PEM                trust these X.509 root certificates for bundles that\n"
    "                          carry a certificate chain; repeatable\n"
    "  --identity ID           the signer: with --ca the certificate must carry ID;\n"
    "                          with --trusted-root its SAN must be ID exactly\n"
    "  --trusted-root FILE     verify Sigstore keyless bundles offline against this\n"
    "                          trusted_root.json (for --identity, else the trust\n"
    "                          store's identities)\n"
    "  --issuer URL            ... whose OIDC issuer is exactly this (needs --identity)\n"
    "  -p, --policy FILE       also apply this deploy policy (JSON)\n"
    "  -t, --trust-file FILE   trusted keys and revocations from FILE ('trust export')\n"
    "  -j, --jobs N            hashing threads (default: online CPUs)\n";

const struct option cmd_unpack_options[] = {
    MS_TRUST_LONGOPTS,
    {"jobs", required_argument, NULL, MS_OPT_JOBS},
    {NULL, 0, NULL, 0},
};

/* The archive is extracted into a staging directory beside DEST; DEST only
 * appears once the gate has also accepted revocations and the policy. */
struct staging {
	const char *dest;
	struct ms_unpack u;
};

static int unpack_staged(const struct ms_verify_request *req, struct ms_verify_result *res,
                         void *ctx)
{
	struct staging *s = ctx;
	return ms_unpack_stage(req, s->dest, &s->u, res);
}

static void report(const struct ms_gate *g, const char *archive, const char *dest, int rc)
{
	if (ms_global.json) {
		cJSON *j = ms_gate_to_json(g);
		cJSON_AddBoolToObject(j, "unpacked", rc == MS_OK);
		cJSON_AddStringToObject(j, "archive", archive);
		cJSON_AddStringToObject(j, "dest", dest);
		char *text = ms_json_print(j);
		fputs(text, stdout);
		free(text);
		cJSON_Delete(j);
		return;
	}
	ms_gate_print(g);
	if (rc == MS_OK)
		printf("unpacked into %s\n", dest);
	else
		ms_note("nothing was unpacked");
}

int cmd_unpack(int argc, char **argv)
{
	struct ms_trust_args t = {0};
	struct ms_gate g = {0};
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	int c, rc = MS_OK;
	while (rc == MS_OK &&
	       (c = ms_getopt(argc, argv, MS_TRUST_SHORTOPTS "j:", cmd_unpack_options)) != -1) {
		int r = ms_trust_option(c, optarg, &t);
		if (r < 0 || (r == 0 && ms_hashing_option(c, optarg, &o) < 0))
			rc = MS_ERR;
	}
	if (rc == MS_OK && ms_trust_args_check(&t) < 0)
		rc = MS_ERR;
	if (rc == MS_OK && argc - optind != 2)
		rc = ms_usage_error(argc - optind < 2 ? "give ARCHIVE and DEST"
		                                      : "too many operands");
	/* DEST/ means DEST: the staging directory goes beside it, not in it */
	if (rc == MS_OK) {
		char *d = argv[optind + 1];
		for (size_t n = strlen(d); n > 1 && d[n - 1] == '/'; n--)
			d[n - 1] = '\0';
	}
	struct staging s = {.dest = rc == MS_OK ? argv[optind + 1] : NULL, .u = {.lock_fd = -1}};
	if (rc == MS_OK && ms_unpack_check_dest(s.dest) < 0)
		rc = MS_ERR;
	if (rc == MS_OK) {
		g.req =
		    (struct ms_verify_request){.model = argv[optind], .archive = 1, .jobs = o.jobs};
		g.verify_fn = unpack_staged;
		g.verify_ctx = &s;
		rc = ms_trust_args_apply(&t, &g) < 0 ? MS_ERR : ms_gate_run(&g);
		if (rc == MS_OK && ms_unpack_commit(&s.u, s.dest) < 0)
			rc = MS_ERR;
		if (rc != MS_ERR)
			report(&g, argv[optind], s.dest, rc);
	}
	ms_unpack_discard(&s.u);
	ms_gate_free(&g);
	ms_trust_args_free(&t);
	ms_hash_opts_free(&o);
	return rc;
}
