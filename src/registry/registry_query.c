/* Reading the registry: REF resolution, one model, the log, and lineage
 * walks (recursive CTEs over the edge indexes). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/suggest.h"
#include "modelseal/util.h"
#include "registry_int.h"

#define MIN_PREFIX 4

/* A model's columns stored before its statement and bundle, then all of
 * them to created (which SQLite stores after the texts). */
#define SUMMARY_COLS "m.digest, m.name, m.version, m.method, m.hash, m.size, m.files, m.signer"
#define MODEL_COLS SUMMARY_COLS ", m.created"

/* Exact or prefix match of a hex digest: 0 found, 1 none, -1 error
 * (ambiguous prefix included). */
static int match_prefix(struct ms_registry *r, const char *ref, const char *hex,
                        char digest[MS_HEX_LEN + 1])
{
	/* Hex digits sort before 'g', so [hex, hex+"g") holds every extension. */
	char *upper = ms_asprintf("%sg", hex);
	struct db_stmt *st =
	    reg_prepare(r, "SELECT digest FROM models WHERE digest >= ?1 AND digest < ?2"
	                   " ORDER BY digest LIMIT 2");
	if (!st) {
		free(upper);
		return -1;
	}
	reg_bind_text(st, 1, hex);
	reg_bind_text(st, 2, upper);
	free(upper);
	int n = 0, rc;
	while ((rc = reg_step(r, st)) == DB_ROW) {
		if (n == 0)
			snprintf(digest, MS_HEX_LEN + 1, "%s", db_column_text(st, 0));
		n++;
	}
	db_finalize(st);
	if (rc < 0)
		return -1;
	if (n > 1) {
		ms_error("ambiguous REF '%s': more than one recorded model starts with %s; "
		         "give more digits",
		         ref, hex);
		return -1;
	}
	return n == 1 ? 0 : 1;
}

struct version_match {
	const char *version;
	char *digest;
	int found;
};

static int match_version(const struct ms_model_info *m, void *ctx)
{
	struct version_match *v = ctx;
	if (!m->version || strcmp(m->version, v->version) != 0)
		return 0;
	memcpy(v->digest, m->digest, MS_HEX_LEN + 1);
	v->found = 1;
	return 1;
}

/* Through ms_registry_log, so that NAME@VERSION means the model whose
 * 'signed' event carries that name, whatever the rows were edited to
 * (sign --parent writes it into signed provenance). */
static int match_name(struct ms_registry *r, const char *ref, char digest[MS_HEX_LEN + 1])
{
	const char *at = strrchr(ref, '@');
	char *name = ms_strndup(ref, (size_t)(at - ref));
	struct version_match v = {at + 1, digest, 0};
	int rc = ms_registry_log(r, name, 0, match_version, &v);
	free(name);
	return rc < 0 ? -1 : v.found ? 0 : 1;
}

/* s as 4 to 64 hex digits of either case, lower-cased into out. */
static int hex_arg(const char *s, char out[MS_HEX_LEN + 1])
{
	size_t n = strlen(s);
	if (n < MIN_PREFIX || n > MS_HEX_LEN)
		return 0;
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	return reg_is_hex(out, MIN_PREFIX, MS_HEX_LEN);
}

int ms_registry_find_ref(struct ms_registry *reg, const char *ref, char digest[MS_HEX_LEN + 1])
{
	char hex[MS_HEX_LEN + 1];
	int rc = 1;
	if (strncmp(ref, "sha256:", 7) == 0) {
		if (!hex_arg(ref + 7, hex)) {
			ms_error("bad REF '%s': sha256: needs %d to %d hex digits", ref, MIN_PREFIX,
			         MS_HEX_LEN);
			return -1;
		}
		return match_prefix(reg, ref, hex, digest);
	}
	/* NAME@VERSION first, then a digest prefix: the registry's names win
	 * over files in the current directory. */
	if (strchr(ref, '@') && ref[0] != '@')
		rc = match_name(reg, ref, digest);
	if (rc == 1 && hex_arg(ref, hex))
		rc = match_prefix(reg, ref, hex, digest);
	return rc;
}

struct labels {
	char **v;
	size_t n;
};

static int collect_label(const struct ms_model_info *m, void *arg)
{
	struct labels *l = arg;
	if (!m->name || !m->version)
		return 0;
	l->v = ms_reallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = ms_asprintf("%s@%s", m->name, m->version);
	return 0;
}

char *ms_registry_ref_hint(struct ms_registry *reg, const char *ref)
{
	struct labels l = {0};
	const char *hint = NULL;
	if (reg && strchr(ref, '@') && ms_registry_log(reg, NULL, 0, collect_label, &l) == 0)
		hint = ms_suggest(ref, (const char *const *)l.v, l.n);
	char *out = hint ? ms_asprintf("; did you mean '%s'?", ms_esc(hint)) : ms_strdup("");
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	return out;
}

int ms_registry_resolve_ref(struct ms_registry *reg, const char *ref, char digest[MS_HEX_LEN + 1])
{
	int rc = ms_registry_find_ref(reg, ref, digest);
	if (rc == 1) {
		char *hint = ms_registry_ref_hint(reg, ref);
		ms_error("unknown REF '%s': no recorded NAME@VERSION or digest%s", ref, hint);
		free(hint);
	}
	return rc == 0 ? 0 : -1;
}

void ms_model_links_free(struct ms_model_link *links, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(links[i].name);
		free(links[i].version);
	}
	free(links);
}

void ms_model_info_free(struct ms_model_info *m)
{
	free(m->name);
	free(m->version);
	free(m->method);
	free(m->hash);
	free(m->signer);
	free(m->statement);
	free(m->bundle);
	free(m->provenance);
	ms_model_links_free(m->parents, m->n_parents);
	memset(m, 0, sizeof *m);
}

void reg_read_model_summary(struct db_stmt *st, struct ms_model_info *m)
{
	memset(m, 0, sizeof *m);
	snprintf(m->digest, sizeof m->digest, "%s", db_column_text(st, 0));
	m->name = reg_column_dup(st, 1);
	m->version = reg_column_dup(st, 2);
	m->method = reg_column_dup(st, 3);
	m->hash = reg_column_dup(st, 4);
	m->size = (uint64_t)db_column_int64(st, 5);
	m->n_files = (uint64_t)db_column_int64(st, 6);
	m->signer = reg_column_dup(st, 7);
}

void reg_read_model_row(struct db_stmt *st, struct ms_model_info *m)
{
	reg_read_model_summary(st, m);
	m->created = db_column_int64(st, 8);
}

/* Edges of one model joined with the names on the other end. */
static int read_links(struct ms_registry *r, struct db_stmt *st, const char *digest,
                      struct ms_model_link **out, size_t *n_out)
{
	size_t n = 0, cap = 0;
	struct ms_model_link *v = NULL;
	int rc;
	db_reset(st);
	reg_bind_text(st, 1, digest);
	while ((rc = reg_step(r, st)) == DB_ROW) {
		if (n == cap)
			v = ms_reallocarray(v, cap = cap ? 2 * cap : 4, sizeof *v);
		snprintf(v[n].digest, sizeof v[n].digest, "%s", db_column_text(st, 0));
		v[n].name = reg_column_dup(st, 1);
		v[n].version = reg_column_dup(st, 2);
		if (ms_relation_parse(db_column_text(st, 3), &v[n].relation) < 0)
			v[n].relation = MS_REL_FINETUNE; /* the CHECK constraint rules this out */
		n++;
	}
	*out = v;
	*n_out = n;
	if (rc < 0) {
		ms_model_links_free(v, n);
		*out = NULL;
		*n_out = 0;
		return -1;
	}
	return 0;
}

#define PARENTS_SQL                                                                                \
	"SELECT e.parent, m.name, m.version, e.relation FROM edges e"                              \
	" JOIN models m ON m.digest = e.parent WHERE e.child = ?1"                                 \
	" ORDER BY e.relation = 'dataset', m.name, m.version, e.parent"

int ms_registry_children(struct ms_registry *reg, const char *digest, struct ms_model_link **out,
                         size_t *n_out)
{
	struct db_stmt *st = reg_prepare(reg, "SELECT e.child, m.name, m.version, e.relation"
	                                      " FROM edges e JOIN models m ON m.digest = e.child"
	                                      " WHERE e.parent = ?1 ORDER BY m.created, m.id");
	*out = NULL;
	*n_out = 0;
	if (!st)
		return -1;
	int rc = read_links(reg, st, digest, out, n_out);
	db_finalize(st);
	return rc;
}

int ms_registry_get_model(struct ms_registry *reg, const char *digest, unsigned what,
                          struct ms_model_info *out)
{
	memset(out, 0, sizeof *out);
	int full = (what & MS_INFO_FULL) != 0;
	/* Without the texts, not even selected: SQLite would load them (and
	 * created, stored after them) into the row, megabytes for a large
	 * model whose name verify only prints. */
	struct db_stmt *st =
	    reg_prepare(reg, full ? "SELECT " MODEL_COLS ", m.statement, m.bundle, m.provenance"
	                            " FROM models m WHERE m.digest = ?1"
	                          : "SELECT " SUMMARY_COLS " FROM models m WHERE m.digest = ?1");
	if (!st)
		return -1;
	reg_bind_text(st, 1, digest);
	int rc = reg_step(reg, st);
	if (rc == DB_ROW && full) {
		reg_read_model_row(st, out);
		out->statement = reg_column_dup(st, 9);
		out->bundle = reg_column_dup(st, 10);
		out->provenance = reg_column_dup(st, 11);
	} else if (rc == DB_ROW) {
		reg_read_model_summary(st, out);
	}
	db_finalize(st);
	if (rc != DB_ROW)
		return rc < 0 ? -1 : 1;
	/* Only what the event log backs: an unbacked row is not a record. */
	rc = reg_model_check(reg, out, full ? REG_ROW_TEXTS | REG_ROW_CREATED : 0);
	if (rc <= 0) {
		ms_model_info_free(out);
		return rc < 0 ? -1 : 1;
	}
	if (what & MS_INFO_PARENTS) {
		st = reg_prepare(reg, PARENTS_SQL);
		if (!st || read_links(reg, st, digest, &out->parents, &out->n_parents) < 0) {
			db_finalize(st);
			ms_model_info_free(out);
			return -1;
		}
		db_finalize(st);
	}
	return 0;
}

struct log_pass {
	struct ms_registry *reg;
	const char *name;
	int (*fn)(const struct ms_model_info *m, void *ctx);
	void *ctx;
	int renamed; /* a row's name was not its event's */
};

/* One row: checked against its event, then handed on when (still) named
 * as asked. 1 to stop, 0 to go on, -1 error. */
static int log_row(struct log_pass *p, struct db_stmt *pst, struct ms_model_info *m)
{
	char *row_name = m->name ? ms_strdup(m->name) : NULL;
	int backed = reg_model_check(p->reg, m, REG_ROW_CREATED), rc = 0;
	if (backed != 1 || (row_name && m->name && strcmp(row_name, m->name) != 0) ||
	    (row_name && !m->name))
		p->renamed = 1;
	free(row_name);
	if (backed < 0 ||
	    (backed && read_links(p->reg, pst, m->digest, &m->parents, &m->n_parents) < 0))
		rc = -1;
	else if (backed && (!p->name || (m->name && strcmp(m->name, p->name) == 0)))
		rc = p->fn(m, p->ctx) ? 1 : 0;
	ms_model_info_free(m);
	return rc;
}

/* The rows come in the order of their created, which the models_created
 * index holds: reading it costs nothing here, and a row whose created was
 * edited is warned about, as it steers the order. */
static int log_pass(struct log_pass *p, const char *sql, uint64_t limit)
{
	struct db_stmt *st = reg_prepare(p->reg, sql);
	struct db_stmt *pst = reg_prepare(p->reg, PARENTS_SQL);
	int rc = -1, stop = 0;
	if (st && pst) {
		reg_bind_text(st, 1, p->name);
		/* PostgreSQL refuses LIMIT -1: no limit is the largest one. */
		db_bind_int64(st, 2, limit && limit < INT64_MAX ? (int64_t)limit : INT64_MAX);
		while (!stop && (rc = reg_step(p->reg, st)) == DB_ROW) {
			struct ms_model_info m;
			reg_read_model_row(st, &m);
			stop = log_row(p, pst, &m);
			if (stop < 0)
				rc = -1;
		}
	}
	db_finalize(st);
	db_finalize(pst);
	return rc < 0 ? -1 : stop;
}

int ms_registry_log(struct ms_registry *reg, const char *name, uint64_t limit,
                    int (*fn)(const struct ms_model_info *m, void *ctx), void *ctx)
{
	struct log_pass p = {reg, name, fn, ctx, 0};
	/* Two statements: "?1 IS NULL OR" would keep SQLite off the name index. */
	int rc = log_pass(&p,
	                  name ? "SELECT " MODEL_COLS " FROM models m WHERE m.name = ?1"
	                         " ORDER BY m.created DESC, m.id DESC LIMIT ?2"
	                       : "SELECT " MODEL_COLS " FROM models m WHERE ?1 IS NULL"
	                         " ORDER BY m.created DESC, m.id DESC LIMIT ?2",
	                  limit);
	/* A renamed row may hide the model that really has the name: then
	 * every other row is checked too (slow, only on a tampered registry). */
	if (rc == 0 && name && p.renamed)
		rc = log_pass(&p,
		              "SELECT " MODEL_COLS
		              " FROM models m WHERE (m.name IS NULL OR m.name <> ?1)"
		              " ORDER BY m.created DESC, m.id DESC LIMIT ?2",
		              limit);
	return rc < 0 ? -1 : 0;
}

/* The recursive walk: ancestors follow child -> parent (edges primary key),
 * descendants parent -> child (edges_parent index). UNION stops at nodes
 * already seen, so shared ancestors and even cycles terminate. The walk
 * starts from the models row, not the bare parameter, so that its column
 * has the column's type and collation on PostgreSQL too. */
#define WALK_UP                                                                                    \
	"WITH RECURSIVE walk(digest) AS (SELECT digest FROM models WHERE digest = ?1 UNION"        \
	" SELECT e.parent FROM edges e JOIN walk w ON e.child = w.digest) "
#define WALK_DOWN                                                                                  \
	"WITH RECURSIVE walk(digest) AS (SELECT digest FROM models WHERE digest = ?1 UNION"        \
	" SELECT e.child FROM edges e JOIN walk w ON e.parent = w.digest) "

static int lineage_nodes(struct ms_registry *r, const char *digest, int down, struct ms_lineage *l)
{
	struct db_stmt *st = reg_prepare(
	    r, down ? WALK_DOWN "SELECT " MODEL_COLS " FROM walk JOIN models m USING (digest)"
	                        " WHERE m.digest <> ?1 ORDER BY m.created, m.id"
	            : WALK_UP "SELECT " MODEL_COLS " FROM walk JOIN models m USING (digest)"
	                      " WHERE m.digest <> ?1 ORDER BY m.created, m.id");
	if (!st)
		return -1;
	reg_bind_text(st, 1, digest);
	size_t cap = 16; /* ms_registry_lineage allocates that many */
	int rc;
	while ((rc = reg_step(r, st)) == DB_ROW) {
		if (l->n_nodes == cap)
			l->nodes = ms_reallocarray(l->nodes, cap *= 2, sizeof *l->nodes);
		reg_read_model_row(st, &l->nodes[l->n_nodes++]);
	}
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

static int lineage_edges(struct ms_registry *r, const char *digest, int down, struct ms_lineage *l)
{
	struct db_stmt *st =
	    reg_prepare(r, down ? WALK_DOWN "SELECT e.child, e.parent, e.relation FROM edges e"
	                                    " WHERE e.parent IN (SELECT digest FROM walk)"
	                                    " ORDER BY e.parent, e.child"
	                        : WALK_UP "SELECT e.child, e.parent, e.relation FROM edges e"
	                                  " WHERE e.child IN (SELECT digest FROM walk)"
	                                  " ORDER BY e.child, e.parent");
	if (!st)
		return -1;
	reg_bind_text(st, 1, digest);
	size_t cap = 0;
	int rc;
	while ((rc = reg_step(r, st)) == DB_ROW) {
		if (l->n_edges == cap)
			l->edges =
			    ms_reallocarray(l->edges, cap = cap ? 2 * cap : 16, sizeof *l->edges);
		struct ms_lineage_edge *e = &l->edges[l->n_edges++];
		snprintf(e->child, sizeof e->child, "%s", db_column_text(st, 0));
		snprintf(e->parent, sizeof e->parent, "%s", db_column_text(st, 1));
		if (ms_relation_parse(db_column_text(st, 2), &e->relation) < 0)
			e->relation = MS_REL_FINETUNE;
	}
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

int ms_registry_lineage(struct ms_registry *reg, const char *digest, int descendants,
                        struct ms_lineage *out)
{
	memset(out, 0, sizeof *out);
	/* Everything in one read transaction: one snapshot. */
	if (reg_begin_read(reg) < 0)
		return -1;
	out->nodes = ms_calloc(16, sizeof *out->nodes);
	int rc = ms_registry_get_model(reg, digest, 0, &out->nodes[0]);
	if (rc == 1)
		reg_error(reg, "sha256:%s is not recorded", digest);
	if (rc == 0) {
		out->n_nodes = 1;
		if (lineage_nodes(reg, digest, descendants, out) < 0 ||
		    lineage_edges(reg, digest, descendants, out) < 0)
			rc = -1;
	}
	reg_rollback(reg);
	if (rc != 0) {
		ms_lineage_free(out);
		return -1;
	}
	return 0;
}

void ms_lineage_free(struct ms_lineage *l)
{
	for (size_t i = 0; i < l->n_nodes; i++)
		ms_model_info_free(&l->nodes[i]);
	free(l->nodes);
	free(l->edges);
	memset(l, 0, sizeof *l);
}

int ms_registry_count_signed_by(struct ms_registry *reg, const char *keyid, uint64_t *n)
{
	struct db_stmt *st = reg_prepare(reg, "SELECT count(*) FROM models WHERE signer = ?1");
	if (!st)
		return -1;
	reg_bind_text(st, 1, keyid);
	int rc = reg_step(reg, st);
	*n = rc == DB_ROW ? (uint64_t)db_column_int64(st, 0) : 0;
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}
