/* modelseal log: the registry's models, newest first. */
#include <stdio.h>
#include <stdlib.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/lineage.h"
#include "modelseal/registry.h"
#include "modelseal/util.h"

const char cmd_log_usage[] =
    "usage: modelseal log [-n N] [NAME]\n"
    "\n"
    "Lists the models recorded in the registry, newest first: name@version,\n"
    "short root digest, signer key id, time, and what each was made from.\n"
    "\n"
    "Options:\n"
    "  -n, --max-count N  show at most N models\n"
    "  NAME               only the versions of this model\n";

struct log_ctx {
	cJSON *models; /* --json */
	uint64_t shown;
	struct ms_registry *reg;
};

/* "revoked: REASON" for the model, or "key revoked: REASON" for its
 * signer; NULL when neither is revoked (or on error, reported). */
static char *revocation_note(struct ms_registry *reg, const struct ms_model_info *m)
{
	char *reason = NULL;
	if (ms_registry_revocation(reg, "model", m->digest, &reason, NULL) == 1) {
		char *note = ms_asprintf("revoked: %s", reason);
		free(reason);
		return note;
	}
	if (m->signer && ms_registry_revocation(reg, "key", m->signer, &reason, NULL) == 1) {
		char *note = ms_asprintf("key revoked: %s", reason);
		free(reason);
		return note;
	}
	return NULL;
}

static void print_parents(const struct ms_model_info *m)
{
	char label[256];
	for (size_t i = 0; i < m->n_parents; i++) {
		const struct ms_model_link *p = &m->parents[i];
		if (p->name)
			ms_model_label(p->name, p->version, label, sizeof label);
		else
			snprintf(label, sizeof label, "sha256:%.12s", p->digest);
		printf("%s%s: %s", i ? ", " : "  ", ms_relation_name(p->relation), ms_esc(label));
	}
}

static int log_one(const struct ms_model_info *m, void *arg)
{
	struct log_ctx *c = arg;
	char label[256], when[32];
	c->shown++;
	if (c->models) {
		/* the same {reason, time} objects as show and trust list */
		cJSON *o = ms_model_info_to_json(m, 1);
		cJSON_AddItemToObject(o, "revoked",
		                      ms_registry_revocation_json(c->reg, "model", m->digest));
		cJSON_AddItemToObject(o, "key_revoked",
		                      ms_registry_revocation_json(c->reg, "key", m->signer));
		cJSON_AddItemToArray(c->models, o);
		return 0;
	}
	char *revoked = revocation_note(c->reg, m);
	printf("%-24s sha256:%.12s  %.16s  %s",
	       ms_esc(ms_model_label(m->name, m->version, label, sizeof label)), ms_esc(m->digest),
	       ms_esc(m->signer), ms_time_format(m->created, when, sizeof when));
	print_parents(m);
	if (revoked)
		printf("  [%s]", ms_esc(revoked));
	putchar('\n');
	free(revoked);
	return 0;
}

const struct option cmd_log_options[] = {
    {"max-count", required_argument, NULL, 'n'},
    {NULL, 0, NULL, 0},
};

int cmd_log(int argc, char **argv)
{
	uint64_t limit = 0;
	int c;
	while ((c = ms_getopt(argc, argv, "n:", cmd_log_options)) != -1)
		if (c == 'n' && ms_parse_u64(optarg, 1, INT64_MAX, &limit) < 0)
			return ms_usage_error("-n needs a positive number, not '%s'", optarg);
	if (argc - optind > 1)
		return ms_usage_error("log takes at most one NAME");
	const char *name = optind < argc ? argv[optind] : NULL;

	struct ms_registry *reg;
	if (ms_registry_open(NULL, 0, &reg) < 0)
		return MS_ERR;
	struct log_ctx ctx = {0};
	ctx.reg = reg;
	cJSON *doc = NULL;
	if (ms_global.json) {
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "registry", ms_registry_path(reg));
		ctx.models = cJSON_AddArrayToObject(doc, "models");
	}
	int rc = ms_registry_log(reg, name, limit, log_one, &ctx);
	ms_registry_close(reg);
	if (rc == 0 && name && ctx.shown == 0) {
		ms_error("no recorded model is named '%s'", name);
		rc = -1;
	}
	if (rc < 0) {
		cJSON_Delete(doc);
		return MS_ERR;
	}
	if (doc)
		ms_registry_print_json(doc);
	return MS_OK;
}
