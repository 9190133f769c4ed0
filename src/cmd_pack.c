/* modelseal pack: a signed model directory and its signatures in one archive. */
#include <stdlib.h>

#include "modelseal/archive.h"
#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/lineage.h"
#include "modelseal/util.h"

const char cmd_pack_usage[] =
    "usage: modelseal pack [-o ARCHIVE] MODEL\n"
    "\n"
    "Write the signed model directory MODEL (with model.sig, and\n"
    "model.provenance.sig if present) into one archive, deterministically:\n"
    "packing the same model twice gives the same bytes.\n"
    "\n"
    "Options:\n"
    "  -o, --output ARCHIVE    where to write (default MODEL.tar.zst, or MODEL.tar.gz\n"
    "                          without zstd); the format follows the extension:\n"
    "                          .tar .tar.gz .tgz .tar.bz2 .tar.xz .txz .tar.zst .tzst .zip\n";

const struct option cmd_pack_options[] = {
    {"output", required_argument, NULL, 'o'},
    {NULL, 0, NULL, 0},
};

int cmd_pack(int argc, char **argv)
{
	const char *out = NULL;
	int c;
	while ((c = ms_getopt(argc, argv, "o:", cmd_pack_options)) != -1)
		if (c == 'o')
			out = optarg;
	if (optind == argc)
		return ms_usage_error("no MODEL given");
	if (argc - optind > 1)
		return ms_usage_error("one MODEL at a time (got '%s' too)", argv[optind + 1]);
	const char *model = argv[optind];
	char *def = out ? NULL : ms_archive_default_path(model);
	int rc = ms_archive_pack(model, out ? out : def);
	if (rc == 0 && ms_global.json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "model", model);
		cJSON_AddStringToObject(j, "archive", out ? out : def);
		ms_registry_print_json(j);
	} else if (rc == 0) {
		ms_note("packed '%s' into '%s'", model, out ? out : def);
	}
	free(def);
	return rc < 0 ? MS_ERR : MS_OK;
}
