/* Audit: rebuilds the registry's state from its event log and reports, row
 * by row, every difference: the database's own consistency, its schema and
 * triggers, every event of the chain, every models, edges, trusted_keys,
 * trusted_cas, trusted_identities and revocations row against the events that back it, and every
 * event whose row is missing. */
#include <cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/util.h"
#include "registry_int.h"

/* Enough to name every row of a badly damaged registry without flooding. */
#define MAX_PROBLEMS 1000

void reg_audit_found(struct ms_audit *a, int64_t id, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++) /* one line each */
		if (*p == '\n')
			*p = ' ';
	if (!a->problem) {
		a->bad_id = id;
		a->problem = ms_strdup(msg);
	}
	if (a->n_problems == MAX_PROBLEMS) {
		a->n_more++;
		return;
	}
	a->problems = ms_reallocarray(a->problems, a->n_problems + 1, sizeof *a->problems);
	a->problems[a->n_problems++] = ms_strdup(msg);
}

static const char *col(struct db_stmt *st, int i)
{
	const char *s = db_column_text(st, i);
	return s ? s : "";
}

/* ---- the chain: every event, not only the first bad one ---- */

static void check_event(const struct reg_event *e, int64_t want_id, const char *prev,
                        struct ms_audit *a)
{
	char hash[MS_HEX_LEN + 1];
	if (e->id != want_id)
		reg_audit_found(a, e->id, "event %lld: events %lld to %lld are missing (removed)",
		                (long long)e->id, (long long)want_id, (long long)e->id - 1);
	else if (strcmp(e->prev, prev) != 0)
		reg_audit_found(
		    a, e->id,
		    "event %lld: prev_hash does not match event %lld (the chain was cut or "
		    "rewritten)",
		    (long long)e->id, (long long)e->id - 1);
	ms_event_hash(e->id, e->time, e->kind, e->subject, e->detail, e->prev, hash);
	if (strcmp(e->hash, hash) != 0)
		reg_audit_found(
		    a, e->id, "event %lld (%s %s): row content does not match its hash (rewritten)",
		    (long long)e->id, e->kind, e->subject);
}

static int check_chain(struct ms_registry *r, struct ms_audit *a)
{
	struct db_stmt *st = reg_prepare(r, "SELECT " REG_EVENT_COLS " FROM events ORDER BY id");
	if (!st)
		return -1;
	int rc;
	int64_t last = 0;
	while ((rc = reg_step(r, st)) == DB_ROW) {
		struct reg_event e;
		reg_event_from_row(st, &e);
		check_event(&e, last + 1, a->head, a);
		last = e.id;
		a->n_events++;
		memcpy(a->head, e.hash, sizeof a->head);
		reg_event_free(&e);
	}
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

/* ---- models and edges against their 'signed' events ---- */

struct edge {
	char parent[MS_HEX_LEN + 1];
	char relation[16];
	int64_t event;
	int seen;
};

/* Every edges row, read once and sorted here (not by the database's
 * collation) for check_edges to look up by child: one query for all the
 * models rather than one each (a round trip each on a server). */
struct edge_row {
	char *child, *parent, *relation;
};
struct edge_rows {
	struct edge_row *v;
	size_t n;
};

static int edge_cmp(const void *a, const void *b)
{
	const struct edge_row *x = a, *y = b;
	int c = strcmp(x->child, y->child);
	return c ? c : strcmp(x->parent, y->parent);
}

static void edge_rows_free(struct edge_rows *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].child);
		free(e->v[i].parent);
		free(e->v[i].relation);
	}
	free(e->v);
}

static int load_edges(struct ms_registry *r, struct edge_rows *out)
{
	struct db_stmt *st = reg_prepare(r, "SELECT child, parent, relation FROM edges");
	size_t cap = 0;
	int rc = st ? 0 : -1;
	memset(out, 0, sizeof *out);
	while (st && (rc = reg_step(r, st)) == DB_ROW) {
		if (out->n == cap)
			out->v = ms_reallocarray(out->v, cap = cap ? 2 * cap : 64, sizeof *out->v);
		out->v[out->n++] = (struct edge_row){ms_strdup(col(st, 0)), ms_strdup(col(st, 1)),
		                                     ms_strdup(col(st, 2))};
	}
	db_finalize(st);
	if (out->n)
		qsort(out->v, out->n, sizeof *out->v, edge_cmp);
	return rc < 0 ? -1 : 0;
}

/* The first edges row of child, or n when it has none. */
static size_t first_edge(const struct edge_rows *e, const char *child)
{
	size_t lo = 0, hi = e->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(e->v[mid].child, child) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Every edge the model's 'signed' events record; a later event's relation
 * for the same parent wins, as the ON CONFLICT update does. The newest of
 * those events goes to *latest (id 0 when there is none). */
static int expected_edges(struct ms_registry *r, const char *digest, struct edge **out, size_t *n,
                          struct reg_event *latest)
{
	struct db_stmt *st = reg_prepare(r, "SELECT " REG_EVENT_COLS " FROM events"
	                                    " WHERE subject = ?1 AND kind = 'signed' ORDER BY id");
	if (!st)
		return -1;
	char *subject = ms_asprintf("sha256:%s", digest);
	reg_bind_text(st, 1, subject);
	free(subject);
	int rc;
	while ((rc = reg_step(r, st)) == DB_ROW) {
		reg_event_free(latest);
		reg_event_from_row(st, latest);
		cJSON *d = cJSON_Parse(latest->detail), *p;
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(d, "parents"))
		{
			const char *pd =
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "digest"));
			const char *rel =
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "relation"));
			if (!pd || !rel || strncmp(pd, "sha256:", 7) != 0)
				continue;
			size_t i = 0;
			while (i < *n && strcmp((*out)[i].parent, pd + 7) != 0)
				i++;
			if (i == *n) {
				*out = ms_reallocarray(*out, *n + 1, sizeof **out);
				memset(&(*out)[i], 0, sizeof **out);
				snprintf((*out)[i].parent, sizeof(*out)[i].parent, "%s", pd + 7);
				(*n)++;
			}
			snprintf((*out)[i].relation, sizeof(*out)[i].relation, "%s", rel);
			(*out)[i].event = db_column_int64(st, 0);
		}
		cJSON_Delete(d);
	}
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

/* The model's edges rows against the edges its events record. */
static void check_edges(const char *digest, struct edge *want, size_t n,
                        const struct edge_rows *rows, struct ms_audit *a)
{
	for (size_t k = first_edge(rows, digest);
	     k < rows->n && strcmp(rows->v[k].child, digest) == 0; k++) {
		const char *parent = rows->v[k].parent, *relation = rows->v[k].relation;
		size_t i = 0;
		while (i < n && strcmp(want[i].parent, parent) != 0)
			i++;
		if (i == n)
			reg_audit_found(a, 0,
			                "edges row sha256:%s -> sha256:%s (%s): no 'signed' event "
			                "records it",
			                digest, parent, relation);
		else if (strcmp(want[i].relation, relation) != 0)
			reg_audit_found(
			    a, want[i].event,
			    "edges row sha256:%s -> sha256:%s: relation %s, but event %lld "
			    "records %s",
			    digest, parent, relation, (long long)want[i].event, want[i].relation);
		if (i < n)
			want[i].seen = 1;
	}
	for (size_t i = 0; i < n; i++)
		if (!want[i].seen)
			reg_audit_found(
			    a, want[i].event,
			    "edges row sha256:%s -> sha256:%s (%s) is missing: event %lld "
			    "records it",
			    digest, want[i].parent, want[i].relation, (long long)want[i].event);
}

/* The row's columns as reg_read_model_row reads them, then its texts. */
static void read_model(struct db_stmt *st, struct ms_model_info *m)
{
	reg_read_model_row(st, m);
	m->statement = reg_column_dup(st, 9);
	m->bundle = reg_column_dup(st, 10);
	m->provenance = reg_column_dup(st, 11);
}

static int check_model(struct ms_registry *r, const struct ms_model_info *m,
                       const struct edge_rows *edges, struct ms_audit *a)
{
	struct reg_event e = {0};
	struct reg_model_fields row, ev;
	struct edge *want = NULL;
	size_t n_want = 0;
	int rc = expected_edges(r, m->digest, &want, &n_want, &e) < 0 ? -1 : e.id != 0;
	if (rc == 0)
		reg_audit_found(a, 0, "models row sha256:%s%s%s%s: no 'signed' event backs it",
		                m->digest, m->name ? " (" : "", m->name ? m->name : "",
		                m->name ? ")" : "");
	if (rc > 0 && reg_fields_from_detail(e.detail, &ev) < 0) {
		reg_audit_found(a, e.id, "event %lld: detail is not a JSON object",
		                (long long)e.id);
	} else if (rc > 0) {
		struct ms_buf diff = {0};
		reg_fields_from_info(m, 1, &row);
		reg_fields_diff(&row, &ev, &diff);
		if (diff.len)
			reg_audit_found(
			    a, e.id,
			    "models row sha256:%s differs from its 'signed' event %lld in: %s",
			    m->digest, (long long)e.id, diff.data);
		else if (!ev.complete)
			reg_audit_found(
			    a, e.id,
			    "models row sha256:%s: its 'signed' event %lld does not record the "
			    "whole row (it disagreed with the row when the registry was migrated)",
			    m->digest, (long long)e.id);
		ms_buf_free(&diff);
		reg_fields_free(&row);
		reg_fields_free(&ev);
	}
	reg_event_free(&e);
	if (rc >= 0)
		check_edges(m->digest, want, n_want, edges, a);
	free(want);
	return rc < 0 ? -1 : 0;
}

static int check_models(struct ms_registry *r, struct ms_audit *a)
{
	struct edge_rows edges;
	if (load_edges(r, &edges) < 0) {
		edge_rows_free(&edges);
		return -1;
	}
	struct db_stmt *st =
	    reg_prepare(r, "SELECT digest, name, version, method, hash, size, files,"
	                   " signer, created, statement, bundle, provenance"
	                   " FROM models ORDER BY id");
	int rc = st ? 0 : -1;
	while (st && (rc = reg_step(r, st)) == DB_ROW) {
		struct ms_model_info m;
		read_model(st, &m);
		int bad = check_model(r, &m, &edges, a) < 0;
		ms_model_info_free(&m);
		if (bad) {
			rc = -1;
			break;
		}
	}
	db_finalize(st);
	edge_rows_free(&edges);
	if (rc < 0)
		return -1;
	/* The other way round: models the log signed that have no row. */
	/* NOT EXISTS: an anti-join on both backends (PostgreSQL runs NOT IN
	 * row by row once the digests outgrow its work_mem). */
	st = reg_prepare(r, "SELECT max(e.id), e.subject FROM events e WHERE e.kind = 'signed'"
	                    " AND NOT EXISTS (SELECT 1 FROM models m"
	                    " WHERE m.digest = substr(e.subject, 8))"
	                    " GROUP BY e.subject ORDER BY 1");
	if (!st)
		return -1;
	while ((rc = reg_step(r, st)) == DB_ROW)
		reg_audit_found(a, db_column_int64(st, 0),
		                "event %lld signed %s, but its models row is missing (deleted)",
		                (long long)db_column_int64(st, 0), col(st, 1));
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

/* ---- trusted keys and revocations against the replayed log ---- */

static const struct reg_key_state *key_state(const struct reg_trust_replay *p, const char *id)
{
	for (size_t i = 0; i < p->n_keys; i++)
		if (strcmp(p->keys[i].keyid, id) == 0)
			return &p->keys[i];
	return NULL;
}

static int str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int check_key_rows(struct ms_registry *r, const struct reg_trust_replay *p,
                          struct ms_audit *a)
{
	struct db_stmt *st =
	    reg_prepare(r, "SELECT keyid, pem, label FROM trusted_keys ORDER BY keyid");
	if (!st)
		return -1;
	int rc;
	char pem_id[MS_HEX_LEN + 1];
	while ((rc = reg_step(r, st)) == DB_ROW) {
		const char *id = col(st, 0);
		const struct reg_key_state *k = key_state(p, id);
		const char *label = db_column_text(st, 2);
		reg_sha256_hex(col(st, 1), pem_id);
		if (!k || !k->trusted)
			reg_audit_found(a, k ? k->event : 0,
			                "trusted_keys row %s: no 'trusted' event backs it%s", id,
			                k ? " (the log removed it)" : "");
		else if (strcmp(pem_id, id) != 0 || (k->pem && strcmp(k->pem, col(st, 1)) != 0))
			reg_audit_found(
			    a, k->event,
			    "trusted_keys row %s: its PEM is not the key event %lld trusts", id,
			    (long long)k->event);
		else if (!str_eq(label, k->label))
			reg_audit_found(a, k->event,
			                "trusted_keys row %s: label '%s' differs from event %lld",
			                id, label ? label : "(none)", (long long)k->event);
	}
	db_finalize(st);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < p->n_keys; i++) {
		if (!p->keys[i].trusted)
			continue;
		st = reg_prepare(r, "SELECT 1 FROM trusted_keys WHERE keyid = ?1");
		if (!st)
			return -1;
		reg_bind_text(st, 1, p->keys[i].keyid);
		rc = reg_step(r, st);
		db_finalize(st);
		if (rc < 0)
			return -1;
		if (rc == DB_DONE)
			reg_audit_found(
			    a, p->keys[i].event,
			    "event %lld trusts key %s, but its trusted_keys row is missing "
			    "(deleted)",
			    (long long)p->keys[i].event, p->keys[i].keyid);
	}
	return 0;
}

static int check_revocation_rows(struct ms_registry *r, const struct reg_trust_replay *p,
                                 struct ms_audit *a)
{
	struct db_stmt *st = reg_prepare(r, "SELECT kind, subject, reason, identity, issuer"
	                                    " FROM revocations ORDER BY kind, subject");
	if (!st)
		return -1;
	int rc;
	struct ms_trust rows = {0};
	while ((rc = reg_step(r, st)) == DB_ROW) {
		const char *kind = col(st, 0), *subject = col(st, 1);
		const struct ms_revocation *rev = ms_trust_revocation(&p->revs, kind, subject);
		if (!rev)
			reg_audit_found(a, 0, "revocations row %s %s: no 'revoked' event backs it",
			                kind, subject);
		else if (strcmp(rev->reason, col(st, 2)) != 0)
			reg_audit_found(
			    a, 0, "revocations row %s %s: reason differs from its 'revoked' event",
			    kind, subject);
		else if (!str_eq(rev->identity, db_column_text(st, 3)) ||
		         !str_eq(rev->issuer, db_column_text(st, 4)))
			reg_audit_found(
			    a, 0,
			    "revocations row %s %s: identity or issuer differs from its 'revoked' "
			    "event",
			    kind, subject);
		if (strlen(kind) < sizeof rows.revs->kind && ms_is_hex64(subject))
			ms_trust_add_revocation(&rows, kind, subject, "", 0);
	}
	db_finalize(st);
	for (size_t i = 0; rc >= 0 && i < p->revs.n_revs; i++) {
		const struct ms_revocation *rev = &p->revs.revs[i];
		if (!ms_trust_revocation(&rows, rev->kind, rev->subject))
			reg_audit_found(a, 0,
			                "%s %s%s is revoked in the log, but its revocations row is "
			                "missing (deleted)",
			                rev->kind, strcmp(rev->kind, "model") == 0 ? "sha256:" : "",
			                rev->subject);
	}
	ms_trust_free(&rows);
	return rc < 0 ? -1 : 0;
}

/* trusted_cas and trusted_identities rows against the CAs and identities
 * the log trusts: each column the verdict depends on must be the event's. */
static void check_ca_row(struct db_stmt *st, const struct ms_trust *t, struct ms_audit *a)
{
	const char *id = col(st, 0);
	const struct ms_trust_ca *c = ms_trust_find_ca(t, id);
	const char *label = db_column_text(st, 3);
	if (!c)
		reg_audit_found(a, 0, "trusted_cas row %s: no 'trusted' event backs it", id);
	else if (strcmp(c->pem, col(st, 1)) != 0 || strcmp(c->subject, col(st, 2)) != 0)
		reg_audit_found(
		    a, 0, "trusted_cas row %s: its certificate is not the one its event trusts",
		    id);
	else if (!str_eq(label, c->label))
		reg_audit_found(a, 0, "trusted_cas row %s: label '%s' differs from its event", id,
		                label ? label : "(none)");
}

static void check_identity_row(struct db_stmt *st, const struct ms_trust *t, struct ms_audit *a)
{
	const char *id = col(st, 0);
	const struct ms_trust_identity *i = ms_trust_find_identity(t, id);
	const char *root = db_column_text(st, 3);
	const char *label = db_column_text(st, 4);
	if (!i)
		reg_audit_found(a, 0, "trusted_identities row %s: no 'trusted' event backs it", id);
	else if (strcmp(i->identity, col(st, 1)) != 0 || strcmp(i->issuer, col(st, 2)) != 0)
		reg_audit_found(
		    a, 0,
		    "trusted_identities row %s: identity or issuer differs from its event "
		    "(%s at %s)",
		    id, i->identity, i->issuer);
	else if (!str_eq(root, i->trusted_root))
		reg_audit_found(
		    a, 0, "trusted_identities row %s: trusted_root differs from its event", id);
	else if (!str_eq(label, i->label))
		reg_audit_found(a, 0,
		                "trusted_identities row %s: label '%s' differs from its event", id,
		                label ? label : "(none)");
}

static int check_anchor_rows(struct ms_registry *r, const struct reg_trust_replay *p,
                             struct ms_audit *a)
{
	static const char *const sql[] = {
	    "SELECT id, pem, subject, label FROM trusted_cas ORDER BY id",
	    "SELECT id, identity, issuer, trusted_root, label FROM trusted_identities ORDER BY id"};
	struct ms_trust rows = {0};
	int rc = 0;
	for (size_t q = 0; rc >= 0 && q < MS_ARRAY_LEN(sql); q++) {
		struct db_stmt *st = reg_prepare(r, sql[q]);
		if (!st)
			return -1;
		while ((rc = reg_step(r, st)) == DB_ROW) {
			if (q == 0)
				check_ca_row(st, &p->anchors, a);
			else
				check_identity_row(st, &p->anchors, a);
			if (ms_is_hex64(col(st, 0)))
				ms_trust_add_ca(&rows, col(st, 0), "", "", NULL);
		}
		db_finalize(st);
	}
	for (size_t i = 0; rc >= 0 && i < p->anchors.n_cas; i++)
		if (!ms_trust_find_ca(&rows, p->anchors.cas[i].id))
			reg_audit_found(
			    a, 0,
			    "the log trusts CA %s (%s), but its trusted_cas row is missing "
			    "(deleted)",
			    p->anchors.cas[i].id, p->anchors.cas[i].subject);
	for (size_t i = 0; rc >= 0 && i < p->anchors.n_ids; i++)
		if (!ms_trust_find_ca(&rows, p->anchors.ids[i].id))
			reg_audit_found(
			    a, 0,
			    "the log trusts identity %s at %s, but its trusted_identities row is "
			    "missing (deleted)",
			    p->anchors.ids[i].identity, p->anchors.ids[i].issuer);
	ms_trust_free(&rows);
	return rc < 0 ? -1 : 0;
}

static int check_trust(struct ms_registry *r, struct ms_audit *a)
{
	struct reg_trust_replay p = {.reg = r, .lenient = 1};
	int rc = reg_trust_replay_log(&p);
	if (rc == 0)
		rc = check_key_rows(r, &p, a) < 0 || check_anchor_rows(r, &p, a) < 0 ||
		             check_revocation_rows(r, &p, a) < 0
		         ? -1
		         : 0;
	reg_trust_replay_free(&p);
	return rc;
}

int ms_registry_audit(struct ms_registry *reg, struct ms_audit *out)
{
	memset(out, 0, sizeof *out);
	memset(out->head, '0', MS_HEX_LEN);
	/* One read transaction: a consistent snapshot while others sign
	 * (unless the caller holds one already). */
	int own = !reg_in_transaction(reg);
	if (own && reg_begin_read(reg) < 0)
		return -1;
	int rc = reg->be->check_database(reg, out);
	if (rc == 0)
		rc = check_chain(reg, out) < 0 || check_models(reg, out) < 0 ||
		             check_trust(reg, out) < 0
		         ? -1
		         : 0;
	if (own)
		reg_rollback(reg);
	if (rc < 0)
		return -1;
	return out->problem ? 1 : 0;
}

void ms_audit_free(struct ms_audit *a)
{
	free(a->problem);
	for (size_t i = 0; i < a->n_problems; i++)
		free(a->problems[i]);
	free(a->problems);
	a->problem = NULL;
	a->problems = NULL;
	a->n_problems = 0;
}
