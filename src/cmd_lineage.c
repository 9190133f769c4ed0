/* modelseal lineage: what a model was made from, or what was made from it. */
#include <stdio.h>
#include <string.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/lineage.h"
#include "modelseal/pathref.h"
#include "modelseal/registry.h"
#include "modelseal/util.h"

const char cmd_lineage_usage[] =
    "usage: modelseal lineage [--descendants] [--format tree|json|dot] REF\n"
    "\n"
    "Prints the ancestry of a model (its parents, their parents, and the\n"
    "datasets on the way) from the registry.\n"
    "\n"
    "Options:\n"
    "  --descendants         walk the other way: every model made from REF\n"
    "  --format FORMAT       tree (default), json, or dot (Graphviz digraph);\n"
    "                        --json is the same as --format json\n";

int cmd_lineage(int argc, char **argv)
{
	enum { OPT_DESCENDANTS = 0x300, OPT_FORMAT };
	static const struct option longopts[] = {
	    {"descendants", no_argument, NULL, OPT_DESCENDANTS},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {NULL, 0, NULL, 0},
	};
	enum ms_lineage_format fmt = MS_LINEAGE_TREE;
	int descendants = 0, fmt_given = 0, c;
	while ((c = ms_getopt(argc, argv, "", longopts)) != -1) {
		if (c == OPT_DESCENDANTS)
			descendants = 1;
		else if (c == OPT_FORMAT && ms_lineage_format_parse(optarg, &fmt) < 0)
			return ms_usage_error("unknown format '%s' (tree, json or dot)", optarg);
		else if (c == OPT_FORMAT)
			fmt_given = 1;
	}
	if (argc - optind != 1)
		return ms_usage_error("lineage needs exactly one REF");
	if (ms_global.json) {
		if (fmt_given && fmt != MS_LINEAGE_JSON)
			return ms_usage_error("--json conflicts with --format %s",
			                      fmt == MS_LINEAGE_DOT ? "dot" : "tree");
		fmt = MS_LINEAGE_JSON;
	}

	struct ms_registry *reg;
	char digest[MS_HEX_LEN + 1];
	struct ms_lineage l;
	if (ms_registry_open(NULL, 0, &reg) < 0)
		return MS_ERR;
	int rc = ms_ref_resolve(reg, argv[optind], NULL, digest);
	if (rc == 0)
		rc = ms_registry_lineage(reg, digest, descendants, &l);
	ms_registry_close(reg);
	if (rc < 0)
		return MS_ERR;
	if (fmt == MS_LINEAGE_JSON)
		ms_registry_print_json(ms_lineage_to_json(&l, descendants));
	else if (fmt == MS_LINEAGE_DOT)
		ms_lineage_print_dot(stdout, &l);
	else
		ms_lineage_print_tree(stdout, &l, descendants);
	ms_lineage_free(&l);
	return MS_OK;
}
