/* The SQLite backend: a registry in one local file (the default). WAL lets
 * readers run beside the one writer; BEGIN IMMEDIATE serialises writers;
 * the schema is versioned by PRAGMA user_version and marked as ours by
 * PRAGMA application_id. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "modelseal/util.h"
#include "registry_int.h"

#define BUSY_TIMEOUT_MS 10000
/* verify must never wait long on a registry someone else is writing. */
#define EVENT_BUSY_TIMEOUT_MS 1500

struct sq_stmt {
	struct db_stmt base;
	sqlite3_stmt *st;
};

static sqlite3 *conn(struct ms_registry *r)
{
	return r->conn;
}

static sqlite3_stmt *raw(struct db_stmt *st)
{
	return ((struct sq_stmt *)st)->st;
}

static void report_sql(struct ms_registry *r, int rc, const char *sql)
{
	char ex[72];
	db_sql_excerpt(sql ? sql : "", ex, sizeof ex);
	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		reg_error(r, "the file is corrupt or not a SQLite database (%s, in: %s)",
		          sqlite3_errmsg(conn(r)), ex);
	else if (rc == SQLITE_BUSY)
		reg_error(r, "still locked by another process after waiting (in: %s)", ex);
	else
		reg_error(r, "%s (in: %s)", sqlite3_errmsg(conn(r)), ex);
}

static struct db_stmt *sq_prepare(struct ms_registry *r, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(conn(r), sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		report_sql(r, rc, sql);
		sqlite3_finalize(st);
		return NULL;
	}
	struct sq_stmt *s = ms_calloc(1, sizeof *s);
	s->base.r = r;
	s->base.sql = sql;
	s->st = st;
	return &s->base;
}

static void sq_finalize(struct db_stmt *st)
{
	sqlite3_finalize(raw(st));
	free(st);
}

static void sq_reset(struct db_stmt *st)
{
	sqlite3_reset(raw(st));
}

static void sq_bind_text(struct db_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(raw(st), i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(raw(st), i);
}

static void sq_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(raw(st), i, v);
}

static int sq_step(struct db_stmt *st)
{
	int rc = sqlite3_step(raw(st));
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	report_sql(st->r, sqlite3_errcode(conn(st->r)), st->sql);
	return -1;
}

static const char *sq_column_text(struct db_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(raw(st), i);
}

static int64_t sq_column_int64(struct db_stmt *st, int i)
{
	return sqlite3_column_int64(raw(st), i);
}

static int sq_column_is_null(struct db_stmt *st, int i)
{
	return sqlite3_column_type(raw(st), i) == SQLITE_NULL;
}

static int64_t sq_changes(struct db_stmt *st)
{
	return sqlite3_changes(conn(st->r));
}

static int sq_exec(struct ms_registry *r, const char *sql)
{
	while (*sql) {
		sqlite3_stmt *st = NULL;
		const char *tail = NULL;
		int rc = sqlite3_prepare_v2(conn(r), sql, -1, &st, &tail);
		if (rc != SQLITE_OK) {
			report_sql(r, rc, sql);
			return -1;
		}
		if (!st) /* only whitespace or a comment was left */
			break;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			report_sql(r, rc, sql);
			return -1;
		}
		sql = tail;
	}
	return 0;
}

static int sq_in_transaction(struct ms_registry *r)
{
	return !sqlite3_get_autocommit(conn(r));
}

static int sq_begin_read(struct ms_registry *r)
{
	return sq_exec(r, "BEGIN");
}

static int sq_begin_write(struct ms_registry *r)
{
	return sq_exec(r, "BEGIN IMMEDIATE");
}

static int sq_commit(struct ms_registry *r)
{
	return sq_exec(r, "COMMIT");
}

static void sq_rollback(struct ms_registry *r)
{
	if (sq_in_transaction(r))
		sqlite3_exec(conn(r), "ROLLBACK", NULL, NULL, NULL);
}

static int pragma_int(struct ms_registry *r, const char *sql, int *out)
{
	struct db_stmt *st = sq_prepare(r, sql);
	if (!st)
		return -1;
	int rc = sq_step(st);
	*out = rc == DB_ROW ? (int)sq_column_int64(st, 0) : 0;
	sq_finalize(st);
	return rc < 0 ? -1 : 0;
}

static int sq_schema_version(struct ms_registry *r, int *version)
{
	return pragma_int(r, "PRAGMA user_version", version);
}

static int sq_migrate_step(struct ms_registry *r, int from, int *to)
{
	char set[64];
	*to = from + 1;
	snprintf(set, sizeof set, "PRAGMA user_version = %d", *to);
	return sq_exec(r, ms_registry_migrations[from]) < 0 ||
	               (ms_registry_migration_hooks[from] &&
	                ms_registry_migration_hooks[from](r) < 0) ||
	               sq_exec(r, set) < 0
	           ? -1
	           : 0;
}

static int sq_after_copy(struct ms_registry *r)
{
	(void)r; /* INTEGER PRIMARY KEY takes the ids as given */
	return 0;
}

/* ---- opening ---- */

static int check_parent(const char *path)
{
	char *dir = ms_dirname(path);
	struct stat st;
	int ok = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
	if (!ok)
		ms_error("registry %s: directory '%s' does not exist (create it first, or leave "
		         "--registry and $MODELSEAL_REGISTRY unset for the default location)",
		         path, dir);
	free(dir);
	return ok ? 0 : -1;
}

/* mkdir -p of the directories above path, new ones 0700. */
static int make_parents(const char *path)
{
	char *dir = ms_strdup(path);
	char *slash = strrchr(dir, '/');
	int rc = 0;
	if (!slash || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	for (char *p = dir + 1; rc == 0; p++) {
		int end = *p == '\0';
		if (*p != '/' && !end)
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			ms_error("cannot create directory %s: %s", dir, strerror(errno));
			rc = -1;
		}
		if (end)
			break;
		*p = '/';
	}
	free(dir);
	return rc;
}

/* WAL lets readers run beside the one writer. Switching needs a moment
 * with no other transaction open; the mode then persists in the file. */
static void use_wal(struct ms_registry *r)
{
	sqlite3_stmt *q = NULL;
	int wal = sqlite3_prepare_v2(conn(r), "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK &&
	          sqlite3_step(q) == SQLITE_ROW &&
	          strcmp((const char *)sqlite3_column_text(q, 0), "wal") == 0;
	sqlite3_finalize(q);
	if (wal)
		return;
	for (int tries = 0; tries < 100; tries++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(conn(r), "PRAGMA journal_mode=WAL", -1, &st, NULL) !=
		    SQLITE_OK)
			return;
		int rc = sqlite3_step(st);
		int ok = rc == SQLITE_ROW &&
		         strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
		sqlite3_finalize(st);
		if (ok)
			return;
		if (rc != SQLITE_ROW && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	}
	ms_debug("registry %s: could not switch to WAL; using the rollback journal", r->path);
}

/* Refuses files that are not ours. */
static int check_identity(struct ms_registry *r, int *version)
{
	int app, n_tables;
	/* One snapshot: another process may be creating the schema right now. */
	if (sq_exec(r, "BEGIN") < 0)
		return -1;
	int rc = pragma_int(r, "PRAGMA application_id", &app) < 0 ||
	                 pragma_int(r, "PRAGMA user_version", version) < 0 ||
	                 pragma_int(r, "SELECT count(*) FROM sqlite_master", &n_tables) < 0
	             ? -1
	             : 0;
	sq_rollback(r);
	if (rc < 0)
		return -1;
	if ((unsigned)app != MS_REGISTRY_APP_ID && (app != 0 || n_tables > 0 || *version != 0)) {
		reg_error(r, "not a modelseal registry (a SQLite database of something else)");
		return -1;
	}
	return 0;
}

static int open_file(struct ms_registry *r, unsigned flags, int busy_ms, int *version)
{
	sqlite3 *db = NULL;
	int oflags = r->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (flags & MS_REG_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	int rc = sqlite3_open_v2(r->location, &db, oflags, NULL);
	r->conn = db;
	if (rc != SQLITE_OK) {
		reg_error(r, "cannot open: %s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		return -1;
	}
	sqlite3_busy_timeout(db, busy_ms);
	if (check_identity(r, version) < 0)
		return -1;
	/* Readers of an up-to-date registry take no lock beyond their read. */
	if (!r->readonly) {
		use_wal(r);
		/* verify's own event (silent) commits without an fsync: in WAL mode a
		 * power cut can only lose the newest such events, never leave a hole
		 * in the chain, and the next write made with FULL (sign, trust,
		 * revoke, checkpoint) syncs them too. It keeps verify fast. */
		if (sq_exec(r, r->silent ? "PRAGMA synchronous = NORMAL"
		                         : "PRAGMA synchronous = FULL") < 0)
			return -1;
	}
	return sq_exec(r, "PRAGMA foreign_keys = ON");
}

/* verify's event path: only a registry that exists and may be written. */
static int usable_for_event(const char *path)
{
	struct stat st;
	char *dir = ms_dirname(path);
	int usable = stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, W_OK) == 0 &&
	             access(dir, W_OK) == 0; /* WAL needs its -wal and -shm files */
	free(dir);
	if (!usable)
		ms_debug("registry %s: missing or not writable; result not recorded", path);
	return usable;
}

static int sq_open(struct ms_registry *r, unsigned flags, int *version)
{
	const char *p = r->location;
	struct stat st;
	if (r->silent)
		return usable_for_event(p) ? open_file(r, 0, EVENT_BUSY_TIMEOUT_MS, version) : -1;
	if (stat(p, &st) != 0) {
		if (errno != ENOENT || !(flags & MS_REG_CREATE)) {
			ms_error("no registry at %s: %s", p,
			         errno == ENOENT ? "sign a model first" : strerror(errno));
			return -1;
		}
		/* Only the default location is made for the user: a path given
		 * by --registry or $MODELSEAL_REGISTRY whose directory is missing
		 * is more likely a typo than a wish. */
		if (!r->given ? make_parents(p) < 0 : check_parent(p) < 0)
			return -1;
	} else if (!S_ISREG(st.st_mode)) {
		ms_error("registry %s: not a regular file", p);
		return -1;
	}
	/* Someone else's registry may be read, not written. */
	r->readonly =
	    (flags & MS_REG_READONLY) || (!(flags & MS_REG_CREATE) && access(p, W_OK) != 0);
	return open_file(r, flags, BUSY_TIMEOUT_MS, version);
}

static void sq_close(struct ms_registry *r)
{
	/* Only writers (sign, trust, revoke, checkpoint) copy the WAL into the
	 * database when they close; readers and verify's own event leave it to
	 * them (or to SQLite's automatic checkpoint at 1000 pages), so that a
	 * verify never waits for that fsync. */
	if (!r->wrote || r->silent)
		sqlite3_db_config(conn(r), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_close_v2(conn(r));
	r->conn = NULL;
}

/* ---- audit ---- */

static const char *col(struct db_stmt *st, int i)
{
	const char *s = sq_column_text(st, i);
	return s ? s : "";
}

static const char *raw_col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

/* PRAGMA integrity_check and foreign_key_check. A damaged file stops the
 * audit there: nothing read from it can be believed. */
static int integrity(struct ms_registry *r, struct ms_audit *a)
{
	struct db_stmt *st = sq_prepare(r, "PRAGMA integrity_check");
	if (!st)
		return -1;
	int rc = reg_step(r, st), damaged = 0;
	if (rc == DB_ROW && strcmp(col(st, 0), "ok") != 0) {
		reg_audit_found(a, 0, "database damaged: %s", col(st, 0));
		damaged = 1;
	}
	db_finalize(st);
	if (rc < 0 || damaged)
		return rc < 0 ? -1 : 1;
	st = sq_prepare(r, "PRAGMA foreign_key_check");
	if (!st)
		return -1;
	while ((rc = reg_step(r, st)) == DB_ROW)
		reg_audit_found(
		    a, 0, "database inconsistent: row %lld of table %s refers to a missing %s",
		    (long long)db_column_int64(st, 1), col(st, 0), col(st, 2));
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

/* ---- schema: what the migrations make, and nothing else ---- */

struct schema_item {
	char *type, *name, *sql;
};

static void schema_free(struct schema_item *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].type);
		free(v[i].name);
		free(v[i].sql);
	}
	free(v);
}

/* SQLite's own catalogue; another backend compares its own. */
static int read_schema(sqlite3 *db, struct schema_item **out, size_t *n)
{
	sqlite3_stmt *st;
	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db,
	                       "SELECT type, name, coalesce(sql, '') FROM sqlite_master"
	                       " WHERE name NOT LIKE 'sqlite\\_stat%' ESCAPE '\\'"
	                       " AND name <> 'sqlite_sequence' ORDER BY type, name",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = ms_reallocarray(*out, *n + 1, sizeof **out);
		(*out)[(*n)++] =
		    (struct schema_item){ms_strdup(raw_col(st, 0)), ms_strdup(raw_col(st, 1)),
		                         ms_strdup(raw_col(st, 2))};
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The schema the migration steps build, in a scratch in-memory database. */
static int expected_schema(struct schema_item **out, size_t *n)
{
	sqlite3 *db;
	int rc =
	    sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK ? 0 : -1;
	for (int i = 0; rc == 0 && i < MS_REGISTRY_SCHEMA_VERSION; i++)
		rc = sqlite3_exec(db, ms_registry_migrations[i], NULL, NULL, NULL) == SQLITE_OK
		         ? 0
		         : -1;
	if (rc == 0)
		rc = read_schema(db, out, n);
	sqlite3_close(db);
	if (rc < 0)
		ms_error("cannot build the expected registry schema (SQLite in-memory database)");
	return rc;
}

static const struct schema_item *schema_find(const struct schema_item *v, size_t n,
                                             const struct schema_item *want)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].type, want->type) == 0 && strcmp(v[i].name, want->name) == 0)
			return &v[i];
	return NULL;
}

static int check_schema(struct ms_registry *r, struct ms_audit *a)
{
	struct schema_item *want = NULL, *have = NULL;
	size_t n_want = 0, n_have = 0;
	int rc = expected_schema(&want, &n_want);
	if (rc == 0 && read_schema(conn(r), &have, &n_have) < 0) {
		reg_error(r, "cannot read the schema: %s", sqlite3_errmsg(conn(r)));
		rc = -1;
	}
	for (size_t i = 0; rc == 0 && i < n_want; i++) {
		const struct schema_item *h = schema_find(have, n_have, &want[i]);
		if (!h)
			reg_audit_found(a, 0, "schema: %s %s is missing (dropped)", want[i].type,
			                want[i].name);
		else if (strcmp(h->sql, want[i].sql) != 0)
			reg_audit_found(a, 0, "schema: %s %s was changed", want[i].type,
			                want[i].name);
	}
	for (size_t i = 0; rc == 0 && i < n_have; i++)
		if (!schema_find(want, n_want, &have[i]))
			reg_audit_found(a, 0,
			                "schema: %s %s is not part of the registry schema (added)",
			                have[i].type, have[i].name);
	schema_free(want, n_want);
	schema_free(have, n_have);
	return rc;
}

static int sq_check_database(struct ms_registry *r, struct ms_audit *a)
{
	/* The audit reads every page, several of them many times: a larger page
	 * cache than SQLite's 2 MiB default saves re-reading them. */
	sq_exec(r, "PRAGMA cache_size = -32768");
	int rc = integrity(r, a);
	return rc == 0 ? check_schema(r, a) : rc;
}

const struct db_backend db_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .reset = sq_reset,
    .bind_text = sq_bind_text,
    .bind_int64 = sq_bind_int64,
    .step = sq_step,
    .column_text = sq_column_text,
    .column_int64 = sq_column_int64,
    .column_is_null = sq_column_is_null,
    .changes = sq_changes,
    .exec = sq_exec,
    .begin_read = sq_begin_read,
    .begin_write = sq_begin_write,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .in_transaction = sq_in_transaction,
    .schema_version = sq_schema_version,
    .migrate_step = sq_migrate_step,
    .check_database = sq_check_database,
    .after_copy = sq_after_copy,
};
