/* modelseal registry copy: a registry moved between SQLite and PostgreSQL
 * (either way, or to the same kind), event ids and hashes unchanged. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/lineage.h"
#include "modelseal/registry.h"
#include "modelseal/util.h"

const char cmd_registry_usage[] =
    "usage: modelseal registry copy SRC DST\n"
    "\n"
    "Copies the registry SRC into DST, a new or empty registry: every table\n"
    "row for row, with the event log's ids and hashes, the registry's\n"
    "identity and its checkpoints, in one transaction on DST. SRC and DST\n"
    "are each a SQLite file or a postgresql:// URL. SRC must pass audit; the\n"
    "copy is audited afterwards and has the same head hash. The global\n"
    "--registry and $MODELSEAL_REGISTRY are not used.\n";

const struct option cmd_registry_options[] = {{NULL, 0, NULL, 0}};

static void report(const struct ms_copy *c)
{
	if (ms_global.json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "from", c->from);
		cJSON_AddStringToObject(o, "to", c->to);
		cJSON_AddNumberToObject(o, "events", (double)c->n_events);
		cJSON_AddStringToObject(o, "head", c->head);
		cJSON *rows = cJSON_AddObjectToObject(o, "rows");
		for (size_t i = 0; i < c->n_tables; i++)
			cJSON_AddNumberToObject(rows, c->names[i], (double)c->rows[i]);
		ms_registry_print_json(o);
		return;
	}
	printf("copied %s to %s: %llu events, head %s\n", c->from, c->to,
	       (unsigned long long)c->n_events, c->head);
	for (size_t i = 0; ms_global.verbose && i < c->n_tables; i++)
		printf("  %-20s %lld rows\n", c->names[i], (long long)c->rows[i]);
}

int cmd_registry(int argc, char **argv)
{
	while (ms_getopt(argc, argv, "", cmd_registry_options) != -1)
		return ms_usage_error("registry takes no options");
	if (optind >= argc || strcmp(argv[optind], "copy") != 0)
		return ms_usage_error(optind < argc ? "unknown registry subcommand '%s'"
		                                    : "registry needs a subcommand: copy%s",
		                      optind < argc ? argv[optind] : "");
	if (argc - optind != 3)
		return ms_usage_error("registry copy takes SRC and DST");
	struct ms_copy c;
	if (ms_registry_copy(argv[optind + 1], argv[optind + 2], &c) < 0)
		return MS_ERR;
	report(&c);
	ms_copy_free(&c);
	return MS_OK;
}
