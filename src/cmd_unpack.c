/* modelseal unpack: verify an archive, then extract it safely. */
#include <cJSON.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/gate.h"
#include "modelseal/hashing.h"
#include "modelseal/json.h"
#include "modelseal/unpack.h"
#include "modelseal/util.h"

const char cmd_unpack_usage[] =
    "usage: modelseal unpack [--key PUB]... [--policy FILE] [--trust-file FILE] [-j N] ARCHIVE "
    "DEST\n"
    "\n"
    "Verify ARCHIVE (its signature ARCHIVE.sig, else its model.sig member) exactly as\n"
    "'verify --archive' does, with the same trusted keys, revocations and policy, and\n"
    "only if everything passes extract it so that DEST is the model directory, with\n"
    "DEST/model.sig. DEST must not exist or be an empty directory; on any failure it\n"
    "is not created.\n"
    "\n"
    "Options:\n"
    "  -k, --key PUB           trust this public key instead of the trust store;\n"
    "                          repeatable, any one may have signed\n"
    "  -p, --policy FILE       also apply this deploy policy (JSON)\n"
    "  -t, --trust-file FILE   trusted keys and revocations from FILE ('trust export')\n"
    "  -j, --jobs N            hashing threads (default: online CPUs)\n";

const struct option cmd_unpack_options[] = {
    {"key", required_argument, NULL, 'k'},
    {"policy", required_argument, NULL, 'p'},
    {"trust-file", required_argument, NULL, 't'},
    {"jobs", required_argument, NULL, MS_OPT_JOBS},
    {NULL, 0, NULL, 0},
};

/* The archive is extracted into a staging directory beside DEST; DEST only
 * appears once the gate has also accepted revocations and the policy. */
struct staging {
	const char *dest;
	char *path;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static void staging_remove(struct staging *s)
{
	if (s->path)
		(void)nftw(s->path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(s->path);
	s->path = NULL;
}

static int unpack_staged(const struct ms_verify_request *req, struct ms_verify_result *res,
                         void *ctx)
{
	struct staging *s = ctx;
	if (!s->path) {
		char *dir = ms_dirname(s->dest), *base = ms_basename(s->dest);
		s->path = ms_asprintf("%s/.%s.gate-unpack-XXXXXX", dir, base);
		free(dir);
		free(base);
		if (!mkdtemp(s->path)) {
			ms_error("cannot create a directory beside '%s': %s", s->dest,
			         strerror(errno));
			free(s->path);
			s->path = NULL;
			memset(res, 0, sizeof *res);
			return MS_ERR;
		}
	}
	return ms_unpack(req, s->path, res);
}

static int move_into_place(struct staging *s)
{
	if (rename(s->path, s->dest) < 0) {
		ms_error("cannot rename '%s' to '%s': %s", s->path, s->dest, strerror(errno));
		return -1;
	}
	free(s->path);
	s->path = NULL;
	return 0;
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
	const char **key_paths = NULL;
	struct ms_gate g = {0};
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	int c, rc = MS_OK;
	while (rc == MS_OK && (c = ms_getopt(argc, argv, "k:p:t:j:", cmd_unpack_options)) != -1) {
		if (c == 'k') {
			key_paths =
			    ms_reallocarray(key_paths, g.n_key_paths + 1, sizeof *key_paths);
			key_paths[g.n_key_paths++] = optarg;
		} else if (c == 'p') {
			g.policy_path = optarg;
		} else if (c == 't') {
			g.trust_file = optarg;
		} else if (ms_hashing_option(c, optarg, &o) < 0) {
			rc = MS_ERR;
		}
	}
	if (rc == MS_OK && argc - optind != 2)
		rc = ms_usage_error(argc - optind < 2 ? "give ARCHIVE and DEST"
		                                      : "too many operands");
	struct staging s = {rc == MS_OK ? argv[optind + 1] : NULL, NULL};
	if (rc == MS_OK && ms_unpack_check_dest(s.dest) < 0)
		rc = MS_ERR;
	if (rc == MS_OK) {
		g.key_paths = key_paths;
		g.req =
		    (struct ms_verify_request){.model = argv[optind], .archive = 1, .jobs = o.jobs};
		g.verify_fn = unpack_staged;
		g.verify_ctx = &s;
		rc = ms_gate_run(&g);
		if (rc == MS_OK && move_into_place(&s) < 0)
			rc = MS_ERR;
		if (rc != MS_ERR)
			report(&g, argv[optind], s.dest, rc);
	}
	staging_remove(&s);
	ms_gate_free(&g);
	free(key_paths);
	ms_hash_opts_free(&o);
	return rc;
}
