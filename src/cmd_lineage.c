/* modelseal lineage: what a model was made from, or what was made from it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/lineage.h"
#include "modelseal/pathref.h"
#include "modelseal/policy.h"
#include "modelseal/registry.h"
#include "modelseal/util.h"

const char cmd_lineage_usage[] =
    "usage: modelseal lineage [--descendants] [--format tree|json|dot] [--key PUB]...\n"
    "                         [--trust-file FILE] REF\n"
    "\n"
    "Prints the ancestry of a model (its parents, their parents, and the\n"
    "datasets on the way) from the registry. A path REF is verified first; a\n"
    "model the registry does not hold (or a host without a registry) is walked\n"
    "through the signed provenance beside it and its sibling models.\n"
    "\n"
    "Options:\n"
    "  --descendants         walk the other way: every model made from REF\n"
    "                        (registry only)\n"
    "  --format FORMAT       tree (default), json, or dot (Graphviz digraph);\n"
    "                        --json is the same as --format json\n"
    "  -k, --key PUB         verify a path REF and its provenance with this key\n"
    "                        instead of the trust store; repeatable\n"
    "  -t, --trust-file FILE keys and revocations from FILE ('trust export')\n";

static int check_args(int argc, int fmt_given, enum ms_lineage_format *fmt)
{
	if (argc - optind != 1)
		return ms_usage_error("lineage needs exactly one REF");
	if (ms_global.json) {
		if (fmt_given && *fmt != MS_LINEAGE_JSON)
			return ms_usage_error("--json conflicts with --format %s",
			                      *fmt == MS_LINEAGE_DOT ? "dot" : "tree");
		*fmt = MS_LINEAGE_JSON;
	}
	return MS_OK;
}

/* The registry's walk carries no documents: the root's provenance, for
 * its declared lineage. */
static int root_provenance(struct ms_registry *reg, struct ms_lineage *l)
{
	struct ms_model_info m;
	if (ms_registry_get_model(reg, l->nodes[0].digest, MS_INFO_FULL, &m) != 0) {
		ms_lineage_free(l);
		return -1;
	}
	free(l->nodes[0].provenance);
	l->nodes[0].provenance = m.provenance;
	m.provenance = NULL;
	ms_model_info_free(&m);
	return 0;
}

/* The walk: the registry's when it holds the model, else the signed
 * provenance's (ancestors only: nothing on disk points down). */
static int walk(const char *ref, int descendants, struct ms_pathref_view *v, struct ms_lineage *l)
{
	struct ms_registry *reg = NULL;
	char digest[MS_HEX_LEN + 1];
	v->path = ref;
	int rc = ms_ref_or_view(ref, &reg, v, digest);
	if (rc == 0 && (rc = ms_registry_lineage(reg, digest, descendants, l)) == 0)
		rc = root_provenance(reg, l);
	else if (rc == 1 && descendants) {
		ms_error("--descendants needs the registry's record of the model, and '%s' "
		         "is not recorded there",
		         ref);
		rc = -1;
	} else if (rc == 1) {
		struct ms_policy_input in = {
		    &v->req, &v->res, v->keys, v->n_keys, &v->trust, reg, (int64_t)time(NULL)};
		rc = ms_provenance_lineage(&in, l);
	}
	ms_pathref_view_free(v);
	ms_registry_close(reg);
	return rc;
}

static int run(const char *ref, int descendants, enum ms_lineage_format fmt,
               struct ms_pathref_view *v)
{
	struct ms_lineage l;
	if (walk(ref, descendants, v, &l) < 0)
		return MS_ERR;
	if (fmt == MS_LINEAGE_JSON)
		ms_registry_print_json(ms_lineage_to_json(&l, descendants));
	else if (fmt == MS_LINEAGE_DOT)
		ms_lineage_print_dot(stdout, &l);
	else {
		ms_lineage_print_tree(stdout, &l, descendants);
		ms_declared_print(stdout, l.nodes[0].provenance);
	}
	ms_lineage_free(&l);
	return MS_OK;
}

enum { OPT_DESCENDANTS = 0x300, OPT_FORMAT };

const struct option cmd_lineage_options[] = {
    {"descendants", no_argument, NULL, OPT_DESCENDANTS},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"key", required_argument, NULL, 'k'},
    {"trust-file", required_argument, NULL, 't'},
    {NULL, 0, NULL, 0},
};

int cmd_lineage(int argc, char **argv)
{
	enum ms_lineage_format fmt = MS_LINEAGE_TREE;
	int descendants = 0, fmt_given = 0, c;
	struct ms_pathref_view v = {0};
	const char **keys = NULL;
	while ((c = ms_getopt(argc, argv, "k:t:", cmd_lineage_options)) != -1) {
		if (c == OPT_DESCENDANTS)
			descendants = 1;
		else if (c == OPT_FORMAT && ms_lineage_format_parse(optarg, &fmt) < 0) {
			free(keys);
			return ms_usage_error("unknown format '%s' (tree, json or dot)", optarg);
		} else if (c == OPT_FORMAT)
			fmt_given = 1;
		else if (c == 't')
			v.trust_file = optarg;
		else if (c == 'k') {
			keys = ms_reallocarray(keys, v.n_key_paths + 1, sizeof *keys);
			keys[v.n_key_paths++] = optarg;
		}
	}
	v.key_paths = keys;
	int rc = check_args(argc, fmt_given, &fmt);
	if (rc == MS_OK)
		rc = run(argv[optind], descendants, fmt, &v);
	free(keys);
	return rc;
}
