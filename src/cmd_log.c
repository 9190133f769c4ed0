/* modelseal log: the registry's models, newest first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/lineage.h"
#include "modelseal/registry.h"
#include "modelseal/registry_trust.h"
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

/* One line of the text log, its fields escaped for the terminal. */
struct log_row {
	char *model, *digest, *signer, *when, *from;
};

struct log_ctx {
	cJSON *models; /* --json */
	uint64_t shown;
	struct ms_registry *reg;
	struct log_row *rows; /* text: printed at the end, in columns */
	size_t n_rows;
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

/* "finetune: base@1, dataset: data@2  [revoked: REASON]", escaped. */
static char *lineage_note(const struct ms_model_info *m, const char *revoked)
{
	char label[256];
	struct ms_buf b = {0};
	for (size_t i = 0; i < m->n_parents; i++) {
		const struct ms_model_link *p = &m->parents[i];
		if (p->name)
			ms_model_label(p->name, p->version, label, sizeof label);
		else
			snprintf(label, sizeof label, "sha256:%.12s", p->digest);
		ms_buf_printf(&b, "%s%s: %s", i ? ", " : "", ms_relation_name(p->relation),
		              ms_esc(label));
	}
	if (revoked)
		ms_buf_printf(&b, "%s[%s]", b.len ? "  " : "", ms_esc(revoked));
	ms_buf_append(&b, "", 1);
	return b.data;
}

/* Names of any length (Hugging Face ids with a revision) keep the columns
 * of the other rows: the name column is as wide as the widest name, up to
 * a limit past which a long name just pushes its own row. */
#define NAME_COLUMN_MAX 80

static void print_rows(const struct log_ctx *c)
{
	int width = 5; /* "MODEL" */
	for (size_t i = 0; i < c->n_rows; i++) {
		int n = (int)strlen(c->rows[i].model);
		if (n > width)
			width = n > NAME_COLUMN_MAX ? NAME_COLUMN_MAX : n;
	}
	if (c->n_rows)
		printf("%-*s  %-19s  %-16s  %-20s  %s\n", width, "MODEL", "DIGEST", "SIGNER",
		       "SIGNED", "FROM");
	for (size_t i = 0; i < c->n_rows; i++) {
		const struct log_row *r = &c->rows[i];
		printf("%-*s  sha256:%-12s  %-16s  %-20s%s%s\n", width, r->model, r->digest,
		       r->signer, r->when, *r->from ? "  " : "", r->from);
		free(r->model);
		free(r->digest);
		free(r->signer);
		free(r->when);
		free(r->from);
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
	c->rows = ms_reallocarray(c->rows, c->n_rows + 1, sizeof *c->rows);
	struct log_row *r = &c->rows[c->n_rows++];
	r->model = ms_strdup(ms_esc(ms_model_label(m->name, m->version, label, sizeof label)));
	r->digest = ms_strndup(ms_esc(m->digest), 12);
	r->signer = ms_strndup(ms_esc(m->signer ? m->signer : "-"), 16);
	r->when = ms_strdup(m->created ? ms_time_format(m->created, when, sizeof when) : "-");
	r->from = lineage_note(m, revoked);
	free(revoked);
	return 0;
}

const struct option cmd_log_options[] = {
    {"max-count", required_argument, NULL, 'n'},
    {NULL, 0, NULL, 0},
};

/* Nothing signed on this machine yet: an empty history, not an error. */
static int empty_history(const char *name)
{
	if (name) {
		ms_error("no recorded model is named '%s' (nothing is recorded here yet)", name);
		return MS_ERR;
	}
	/* no location at all (no HOME): nothing to name, and no error */
	char *path = ms_registry_shown_location();
	if (ms_global.json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "registry", path ? path : "");
		cJSON_AddArrayToObject(doc, "models");
		ms_registry_print_json(doc);
	} else {
		ms_note("no models recorded yet ('modelseal sign' creates the registry%s%s)",
		        path ? " at " : "", path ? path : "");
	}
	free(path);
	return MS_OK;
}

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
	int have = ms_registry_open_if_exists(&reg);
	if (have < 0)
		return MS_ERR;
	if (!have)
		return empty_history(name);
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
	print_rows(&ctx); /* and frees them */
	free(ctx.rows);
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
