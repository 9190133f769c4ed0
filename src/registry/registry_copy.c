/* registry copy: every row of every table, verbatim (event ids and hashes,
 * the registry's identity, checkpoints), from one registry into a new or
 * empty one, whatever the backends. The copy is one write transaction on
 * the destination, audited against the source's head before it commits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modelseal/util.h"
#include "registry_int.h"

/* The tables of schema 4 in the order their references need, and their
 * columns: 'i' an integer, 't' text (maybe NULL). Both backends have
 * these exact tables and columns. */
struct copy_table {
	const char *name, *columns, *types, *order;
};

static const struct copy_table tables[] = {
    {"meta", "name, value", "tt", "name"},
    {"models",
     "id, digest, name, version, method, hash, size, files, signer, statement, bundle, created,"
     " provenance",
     "itttttiitttit", "id"},
    {"edges", "child, parent, relation", "ttt", "child, parent"},
    {"events", "id, time, kind, subject, detail, prev_hash, hash", "iittttt", "id"},
    {"trusted_keys", "keyid, pem, label, added", "ttti", "keyid"},
    {"trusted_cas", "id, pem, subject, label, added", "tttti", "id"},
    {"trusted_identities", "id, identity, issuer, trusted_root, label, added", "ttttti", "id"},
    {"revocations", "kind, subject, reason, time, identity, issuer", "tttitt", "kind, subject"},
    {"checkpoints", "registry, size, head, time, envelope", "titit", "registry, size"},
};

/* Rows of a table (the registry's own meta row aside). */
static int count_rows(struct ms_registry *r, const struct copy_table *t, int64_t *n)
{
	char *sql = ms_asprintf("SELECT count(*) FROM %s%s", t->name,
	                        strcmp(t->name, "meta") == 0 ? " WHERE name <> 'registry_id'" : "");
	struct db_stmt *st = reg_prepare(r, sql);
	int rc = st ? reg_step(r, st) : -1;
	*n = rc == DB_ROW ? db_column_int64(st, 0) : 0;
	db_finalize(st);
	free(sql);
	return rc < 0 ? -1 : 0;
}

/* A destination that holds anything beyond what creating it made. */
static int check_empty(struct ms_registry *dst)
{
	for (size_t i = 0; i < MS_ARRAY_LEN(tables); i++) {
		int64_t n;
		if (count_rows(dst, &tables[i], &n) < 0)
			return -1;
		if (n > 0) {
			reg_error(dst,
			          "not empty (%lld %s rows): registry copy writes only into a new "
			          "or empty registry",
			          (long long)n, tables[i].name);
			return -1;
		}
	}
	return 0;
}

static char *insert_sql(const struct copy_table *t)
{
	struct ms_buf b = {0};
	ms_buf_printf(&b, "INSERT INTO %s (%s) VALUES (", t->name, t->columns);
	for (size_t i = 0; t->types[i]; i++)
		ms_buf_printf(&b, "%s?%zu", i ? ", " : "", i + 1);
	ms_buf_printf(&b, ")");
	return b.data;
}

static void bind_row(struct db_stmt *from, struct db_stmt *to, const char *types)
{
	for (int i = 0; types[i]; i++) {
		if (types[i] == 'i' && !db_column_is_null(from, i))
			db_bind_int64(to, i + 1, db_column_int64(from, i));
		else
			reg_bind_text(to, i + 1, db_column_text(from, i));
	}
}

static int copy_table(struct ms_registry *src, struct ms_registry *dst, const struct copy_table *t,
                      int64_t *n)
{
	char *select = ms_asprintf("SELECT %s FROM %s ORDER BY %s", t->columns, t->name, t->order);
	char *insert = insert_sql(t);
	struct db_stmt *from = reg_prepare(src, select);
	struct db_stmt *to = from ? reg_prepare(dst, insert) : NULL;
	int rc = to ? 0 : -1;
	*n = 0;
	while (rc == 0 && (rc = reg_step(src, from)) == DB_ROW) {
		db_reset(to);
		bind_row(from, to, t->types);
		rc = reg_step(dst, to) < 0 ? -1 : 0;
		(*n)++;
	}
	db_finalize(from);
	db_finalize(to);
	free(select);
	free(insert);
	return rc < 0 ? -1 : 0;
}

/* The source must pass audit: a damaged chain is not spread further. */
static int audit_source(struct ms_registry *src, struct ms_audit *a)
{
	int rc = ms_registry_audit(src, a);
	if (rc == 1)
		reg_error(src, "not intact (%s): refusing to copy it; run 'modelseal audit'",
		          a->problem);
	return rc == 0 ? 0 : -1;
}

static int copy_rows(struct ms_registry *src, struct ms_registry *dst, struct ms_copy *out)
{
	/* Creating the destination gave it an identity of its own; the copy
	 * takes the source's. */
	if (reg_exec(dst, "DELETE FROM meta") < 0)
		return -1;
	for (size_t i = 0; i < MS_ARRAY_LEN(tables); i++) {
		int64_t n;
		if (copy_table(src, dst, &tables[i], &n) < 0)
			return -1;
		out->rows[i] = n;
		out->names[i] = tables[i].name;
	}
	out->n_tables = MS_ARRAY_LEN(tables);
	return dst->be->after_copy(dst);
}

static int check_copy(struct ms_registry *dst, const struct ms_audit *want)
{
	struct ms_audit got;
	int rc = ms_registry_audit(dst, &got);
	if (rc == 1)
		reg_error(dst, "the copy does not pass audit: %s", got.problem);
	else if (rc == 0 && (got.n_events != want->n_events || strcmp(got.head, want->head) != 0))
		reg_error(dst, "the copy's log (%llu events, head %.16s...) is not the source's",
		          (unsigned long long)got.n_events, got.head);
	int ok = rc == 0 && got.n_events == want->n_events && strcmp(got.head, want->head) == 0;
	ms_audit_free(&got);
	return ok ? 0 : -1;
}

/* A SQLite file the copy made and did not fill goes again, with its WAL. */
static void remove_new_file(const char *path)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < MS_ARRAY_LEN(suffixes); i++) {
		char *p = ms_asprintf("%s%s", path, suffixes[i]);
		unlink(p);
		free(p);
	}
}

int ms_registry_copy(const char *from, const char *to, struct ms_copy *out)
{
	struct ms_registry *src = NULL, *dst = NULL;
	struct ms_audit a = {0};
	struct stat st;
	int new_file = !ms_registry_is_url(to) && lstat(to, &st) != 0 && errno == ENOENT;
	memset(out, 0, sizeof *out);
	int rc = ms_registry_open(from, 0, &src) < 0 || audit_source(src, &a) < 0 ||
	                 ms_registry_open(to, MS_REG_CREATE | MS_REG_SCHEMA_LATER, &dst) < 0
	             ? -1
	             : 0;
	/* The source read as one snapshot; the destination written in one
	 * transaction that holds its write lock, checked before it commits. Its
	 * schema is built in that transaction too: a copy that fails leaves a
	 * new PostgreSQL database as empty as it found it. */
	if (rc == 0 && (rc = reg_begin_read(src)) == 0 && (rc = reg_begin(dst)) == 0) {
		rc = reg_build_schema(dst) < 0 || check_empty(dst) < 0 ||
		             copy_rows(src, dst, out) < 0 || check_copy(dst, &a) < 0
		         ? -1
		         : 0;
		rc = rc == 0 ? reg_commit(dst) : (reg_rollback(dst), -1);
	}
	if (src)
		reg_rollback(src);
	if (rc == 0) {
		out->n_events = a.n_events;
		memcpy(out->head, a.head, sizeof out->head);
		out->from = ms_strdup(ms_registry_path(src));
		out->to = ms_strdup(ms_registry_path(dst));
	}
	int made = new_file && dst != NULL;
	ms_audit_free(&a);
	ms_registry_close(src);
	ms_registry_close(dst);
	if (rc < 0 && made)
		remove_new_file(to);
	return rc;
}

void ms_copy_free(struct ms_copy *c)
{
	free(c->from);
	free(c->to);
	memset(c, 0, sizeof *c);
}
