/* modelseal audit: is the registry's event chain intact? */
#include <stdio.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/lineage.h"
#include "modelseal/registry.h"
#include "modelseal/util.h"

const char cmd_audit_usage[] =
    "usage: modelseal audit\n"
    "\n"
    "Re-computes the hash chain of the registry's event log, checks that each\n"
    "model's stored signature is the one its 'signed' event records, and runs\n"
    "SQLite's integrity and foreign key checks. Exit 0 when intact, 1 naming\n"
    "the first bad event otherwise. Prints the hash of the last event (the\n"
    "head), which can be kept elsewhere to detect a rewrite of the whole log.\n";

static void print_json(const char *path, int rc, const struct ms_audit *a)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "registry", path);
	cJSON_AddBoolToObject(o, "ok", rc == 0);
	cJSON_AddNumberToObject(o, "events", (double)a->n_events);
	if (rc == 0) {
		cJSON_AddStringToObject(o, "head", a->head);
	} else {
		if (a->bad_id)
			cJSON_AddNumberToObject(o, "bad_event", (double)a->bad_id);
		else
			cJSON_AddNullToObject(o, "bad_event");
		cJSON_AddStringToObject(o, "problem", a->problem);
	}
	ms_registry_print_json(o);
}

int cmd_audit(int argc, char **argv)
{
	while (ms_getopt(argc, argv, "", NULL) != -1)
		;
	if (optind != argc)
		return ms_usage_error("audit takes no operands");
	struct ms_registry *reg;
	struct ms_audit a;
	if (ms_registry_open(NULL, 0, &reg) < 0)
		return MS_ERR;
	int rc = ms_registry_audit(reg, &a);
	if (rc >= 0 && ms_global.json) {
		print_json(ms_registry_path(reg), rc, &a);
	} else if (rc == 0) {
		printf("registry %s: intact (%llu events, database ok)\n", ms_registry_path(reg),
		       (unsigned long long)a.n_events);
		printf("head %s\n", a.head);
	} else if (rc == 1) {
		printf("registry %s: NOT intact: %s\n", ms_registry_path(reg), a.problem);
	}
	ms_registry_close(reg);
	ms_audit_free(&a);
	return rc < 0 ? MS_ERR : rc == 1 ? MS_FAIL : MS_OK;
}
