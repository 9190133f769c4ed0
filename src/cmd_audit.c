/* modelseal audit: does the registry's state follow from its event log,
 * and does the log extend a signed checkpoint? */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/checkpoint.h"
#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/lineage.h"
#include "modelseal/registry.h"
#include "modelseal/registry_trust.h"
#include "modelseal/util.h"

const char cmd_audit_usage[] =
    "usage: modelseal audit [--checkpoint FILE --key PUB]\n"
    "\n"
    "Rebuilds the registry's state from its hash-chained event log and reports\n"
    "every difference, row by row: rewritten or removed events, models, edges,\n"
    "trusted keys and revocations without the event that backs them or that\n"
    "differ from it, events whose row is missing, a changed schema or dropped\n"
    "trigger, and SQLite's integrity and foreign key checks. Exit 0 when\n"
    "intact, 1 naming every problem otherwise. Prints the hash of the last\n"
    "event (the head).\n"
    "\n"
    "A log rewritten from the first event on, or cut at its end, is only\n"
    "caught against a signed checkpoint kept outside the registry\n"
    "(modelseal checkpoint):\n"
    "\n"
    "Options:\n"
    "  -c, --checkpoint FILE   the log must extend this checkpoint (exit 1 when it\n"
    "                          was truncated or rewritten below it)\n"
    "  -k, --key PUB           the public key the checkpoint must be signed by\n"
    "                          (repeatable; required with --checkpoint)\n";

struct audit_args {
	const char *checkpoint;
	struct ms_pubkey **keys;
	size_t n_keys;
	struct ms_checkpoint cp;
};

static void print_json(const char *path, int rc, const struct ms_audit *a,
                       const struct audit_args *args)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "registry", path);
	cJSON_AddBoolToObject(o, "ok", rc == 0);
	cJSON_AddNumberToObject(o, "events", (double)a->n_events);
	cJSON_AddStringToObject(o, "head", a->head);
	if (args->checkpoint) {
		cJSON *c = cJSON_AddObjectToObject(o, "checkpoint");
		cJSON_AddStringToObject(c, "file", args->checkpoint);
		cJSON_AddNumberToObject(c, "size", (double)args->cp.size);
		cJSON_AddStringToObject(c, "head", args->cp.head);
	}
	if (rc != 0) {
		if (a->bad_id)
			cJSON_AddNumberToObject(o, "bad_event", (double)a->bad_id);
		else
			cJSON_AddNullToObject(o, "bad_event");
		cJSON_AddStringToObject(o, "problem", a->problem);
		cJSON *list = cJSON_AddArrayToObject(o, "problems");
		for (size_t i = 0; i < a->n_problems; i++)
			cJSON_AddItemToArray(list, cJSON_CreateString(a->problems[i]));
		cJSON_AddNumberToObject(o, "more_problems", (double)a->n_more);
	}
	ms_registry_print_json(o);
}

static void print_text(const char *path, int rc, const struct ms_audit *a,
                       const struct audit_args *args)
{
	if (rc == 0) {
		printf("registry %s: intact (%llu events, database ok)\n", path,
		       (unsigned long long)a->n_events);
		printf("head %s\n", a->head);
		if (args->checkpoint)
			printf("extends checkpoint %s (%llu events)\n", args->checkpoint,
			       (unsigned long long)args->cp.size);
		return;
	}
	size_t n = a->n_problems + a->n_more;
	printf("registry %s: NOT intact (%zu problem%s)\n", path, n, n == 1 ? "" : "s");
	for (size_t i = 0; i < a->n_problems; i++)
		printf("  %s\n", ms_esc_message(a->problems[i]));
	if (a->n_more)
		printf("  ... and %zu more\n", a->n_more);
}

const struct option cmd_audit_options[] = {
    {"checkpoint", required_argument, NULL, 'c'},
    {"key", required_argument, NULL, 'k'},
    {NULL, 0, NULL, 0},
};

static int parse_args(int argc, char **argv, struct audit_args *a)
{
	int c;
	while ((c = ms_getopt(argc, argv, "c:k:", cmd_audit_options)) != -1) {
		if (c == 'c') {
			a->checkpoint = optarg;
			continue;
		}
		a->keys = ms_reallocarray(a->keys, a->n_keys + 1, sizeof *a->keys);
		if (ms_pubkey_load(optarg, &a->keys[a->n_keys]) < 0)
			return MS_ERR;
		a->n_keys++;
	}
	if (optind != argc)
		return ms_usage_error("audit takes no operands");
	if (a->checkpoint && !a->n_keys)
		return ms_usage_error("--checkpoint needs --key PUB: the key that signed it");
	if (a->n_keys && !a->checkpoint)
		return ms_usage_error("--key only goes with --checkpoint FILE");
	return MS_OK;
}

/* Nothing signed here yet: an empty log is intact, unless a checkpoint says
 * there was a longer one (then it was removed: not intact). */
static int no_registry(const struct audit_args *args)
{
	char *path = ms_registry_shown_location();
	struct ms_audit a = {0};
	int rc = 0;
	memset(a.head, '0', MS_HEX_LEN); /* the head of an empty log */
	if (args->checkpoint && args->cp.size > 0) {
		a.problem = ms_asprintf("there is no registry, but checkpoint %s records %llu "
		                        "events: the log was removed",
		                        args->checkpoint, (unsigned long long)args->cp.size);
		a.problems = ms_calloc(1, sizeof *a.problems);
		a.problems[a.n_problems++] = ms_strdup(a.problem);
		rc = 1;
	}
	if (ms_global.json)
		print_json(path ? path : "", rc, &a, args);
	else if (rc == 0)
		printf("registry %s%snone yet (nothing recorded on this machine): nothing to "
		       "check\n",
		       path ? path : "", path ? ": " : "");
	else
		print_text(path ? path : "", rc, &a, args);
	if (rc == 1)
		ms_error("%s", a.problem);
	ms_audit_free(&a);
	free(path);
	return rc == 1 ? MS_FAIL : MS_OK;
}

static int run(struct audit_args *args)
{
	struct ms_registry *reg;
	struct ms_audit a = {0};
	if (args->checkpoint) {
		int rc = ms_checkpoint_load(args->checkpoint, args->keys, args->n_keys, &args->cp);
		if (rc != MS_OK)
			return rc;
	}
	int have = ms_registry_open_if_exists(&reg);
	if (have <= 0)
		return have < 0 ? MS_ERR : no_registry(args);
	int rc = ms_registry_audit(reg, &a);
	if (rc >= 0 && args->checkpoint && ms_registry_check_checkpoint(reg, &args->cp, &a) < 0)
		rc = -1;
	if (rc >= 0 && a.problem)
		rc = 1;
	if (rc >= 0 && ms_global.json)
		print_json(ms_registry_path(reg), rc, &a, args);
	else if (rc >= 0)
		print_text(ms_registry_path(reg), rc, &a, args);
	if (rc == 1)
		ms_error("registry %s is NOT intact: %s", ms_registry_path(reg), a.problem);
	ms_registry_close(reg);
	ms_audit_free(&a);
	return rc < 0 ? MS_ERR : rc == 1 ? MS_FAIL : MS_OK;
}

int cmd_audit(int argc, char **argv)
{
	struct audit_args a = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc == MS_OK)
		rc = run(&a);
	for (size_t i = 0; i < a.n_keys; i++)
		ms_pubkey_free(a.keys[i]);
	free(a.keys);
	return rc;
}
