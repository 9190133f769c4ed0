/* The registry handle: where it lives, opening it safely, the statement
 * wrapper, transactions and schema migrations. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "modelseal/cli.h"
#include "modelseal/util.h"
#include "registry_int.h"

#define BUSY_TIMEOUT_MS 10000
/* verify must never wait long on a registry someone else is writing. */
#define EVENT_BUSY_TIMEOUT_MS 1500

void reg_error(struct ms_registry *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (r->silent)
		ms_debug("registry %s: %s", r->path, msg);
	else
		ms_error("registry %s: %s", r->path, msg);
}

/* The first words of a statement, on one line, for error messages. */
static void sql_excerpt(const char *sql, char *out, size_t size)
{
	size_t n = 0;
	int space = 0;
	for (; *sql && n + 5 < size; sql++) {
		if (*sql == ' ' || *sql == '\t' || *sql == '\n') {
			space = n > 0;
			continue;
		}
		if (space)
			out[n++] = ' ';
		space = 0;
		out[n++] = *sql;
	}
	if (*sql)
		out[n++] = '.', out[n++] = '.', out[n++] = '.';
	out[n] = '\0';
}

static void report_sql(struct ms_registry *r, int rc, const char *sql)
{
	char ex[72];
	sql_excerpt(sql ? sql : "", ex, sizeof ex);
	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		reg_error(r, "the file is corrupt or not a SQLite database (%s, in: %s)",
		          sqlite3_errmsg(r->db), ex);
	else if (rc == SQLITE_BUSY)
		reg_error(r, "still locked by another process after waiting (in: %s)", ex);
	else
		reg_error(r, "%s (in: %s)", sqlite3_errmsg(r->db), ex);
}

sqlite3_stmt *reg_prepare(struct ms_registry *r, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		report_sql(r, rc, sql);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

sqlite3_stmt *reg_prepare_cached(struct ms_registry *r, const char *sql)
{
	size_t i = 0, n = MS_ARRAY_LEN(r->cached);
	while (i < n && r->cached_sql[i] && r->cached_sql[i] != sql)
		i++;
	if (i < n && r->cached_sql[i] == sql) {
		sqlite3_reset(r->cached[i]);
		sqlite3_clear_bindings(r->cached[i]);
		return r->cached[i];
	}
	sqlite3_stmt *st = reg_prepare(r, sql);
	if (st && i == n) { /* full: callers reset, never finalize, so keep it */
		sqlite3_finalize(r->cached[n - 1]);
		i = n - 1;
	}
	if (st) {
		r->cached_sql[i] = sql;
		r->cached[i] = st;
	}
	return st;
}

void reg_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
}

int reg_step(struct ms_registry *r, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	report_sql(r, sqlite3_errcode(r->db), sqlite3_sql(st));
	return -1;
}

int reg_exec(struct ms_registry *r, const char *sql)
{
	while (*sql) {
		sqlite3_stmt *st = NULL;
		const char *tail = NULL;
		int rc = sqlite3_prepare_v2(r->db, sql, -1, &st, &tail);
		if (rc != SQLITE_OK) {
			report_sql(r, rc, sql);
			return -1;
		}
		if (!st) /* only whitespace or a comment was left */
			break;
		while ((rc = reg_step(r, st)) == SQLITE_ROW)
			;
		sqlite3_finalize(st);
		if (rc < 0)
			return -1;
		sql = tail;
	}
	return 0;
}

void reg_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

char *reg_column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? ms_strdup((const char *)s) : NULL;
}

int reg_writable(struct ms_registry *r)
{
	if (!r->readonly)
		return 0;
	reg_error(r, "cannot write: the registry is read-only for this user");
	return -1;
}

int reg_begin(struct ms_registry *r)
{
	if (reg_writable(r) < 0)
		return -1;
	/* The next write after ms_registry_lock() joins the transaction that
	 * already holds the lock; its commit releases it. */
	if (r->held && !sqlite3_get_autocommit(r->db)) {
		r->held = 0;
		return 0;
	}
	r->held = 0;
	return reg_exec(r, "BEGIN IMMEDIATE");
}

int ms_registry_lock(struct ms_registry *r)
{
	if (reg_begin(r) < 0)
		return -1;
	r->held = 1;
	return 0;
}

void ms_registry_unlock(struct ms_registry *r)
{
	r->held = 0;
	reg_rollback(r);
}

int reg_commit(struct ms_registry *r)
{
	if (reg_exec(r, "COMMIT") == 0) {
		r->wrote = 1;
		return 0;
	}
	reg_rollback(r);
	return -1;
}

void reg_rollback(struct ms_registry *r)
{
	if (!sqlite3_get_autocommit(r->db))
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
}

int reg_is_hex(const char *s, size_t min, size_t max)
{
	size_t n = strspn(s, "0123456789abcdef");
	return s[n] == '\0' && n >= min && n <= max;
}

/* The registry's location; NULL when none can be derived (no HOME). */
static char *locate(void)
{
	if (ms_global.registry && *ms_global.registry)
		return ms_strdup(ms_global.registry);
	const char *env = getenv("MODELSEAL_REGISTRY");
	if (env && *env)
		return ms_strdup(env);
	const char *xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg == '/')
		return ms_asprintf("%s/modelseal/registry.db", xdg);
	const char *home = getenv("HOME");
	if (home && *home)
		return ms_asprintf("%s/.local/share/modelseal/registry.db", home);
	return NULL;
}

char *ms_registry_default_path(void)
{
	char *p = locate();
	if (!p)
		ms_error("no registry location: set --registry, MODELSEAL_REGISTRY or HOME");
	return p;
}

/* Whether the registry's place was given (an argument, --registry or
 * $MODELSEAL_REGISTRY) rather than the default under XDG_DATA_HOME/HOME. */
static int explicit_location(const char *path)
{
	const char *env = getenv("MODELSEAL_REGISTRY");
	return path || (ms_global.registry && *ms_global.registry) || (env && *env);
}

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

const char *ms_registry_path(const struct ms_registry *reg)
{
	return reg->path;
}

void ms_registry_close(struct ms_registry *reg)
{
	if (!reg)
		return;
	/* Only writers (sign, trust, revoke, checkpoint) copy the WAL into the
	 * database when they close; readers and verify's own event leave it to
	 * them (or to SQLite's automatic checkpoint at 1000 pages), so that a
	 * verify never waits for that fsync. */
	if (reg->db && (!reg->wrote || reg->silent))
		sqlite3_db_config(reg->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	for (size_t i = 0; i < MS_ARRAY_LEN(reg->cached); i++)
		sqlite3_finalize(reg->cached[i]);
	sqlite3_close_v2(reg->db);
	free(reg->path);
	free(reg);
}

static int pragma_int(struct ms_registry *r, const char *sql, int *out)
{
	sqlite3_stmt *st = reg_prepare(r, sql);
	if (!st)
		return -1;
	int rc = reg_step(r, st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

/* WAL lets readers run beside the one writer. Switching needs a moment
 * with no other transaction open; the mode then persists in the file. */
static void use_wal(struct ms_registry *r)
{
	sqlite3_stmt *q = NULL;
	int wal = sqlite3_prepare_v2(r->db, "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK &&
	          sqlite3_step(q) == SQLITE_ROW &&
	          strcmp((const char *)sqlite3_column_text(q, 0), "wal") == 0;
	sqlite3_finalize(q);
	if (wal)
		return;
	for (int tries = 0; tries < 100; tries++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(r->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) !=
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

/* Each step in its own transaction; the version is re-read under the write
 * lock because another process may have migrated meanwhile. */
static int migrate(struct ms_registry *r)
{
	for (;;) {
		int v;
		if (reg_begin(r) < 0)
			return -1;
		if (pragma_int(r, "PRAGMA user_version", &v) < 0)
			goto fail;
		if (v >= MS_REGISTRY_SCHEMA_VERSION) {
			reg_rollback(r);
			return 0;
		}
		char set[64];
		snprintf(set, sizeof set, "PRAGMA user_version = %d", v + 1);
		if (reg_exec(r, ms_registry_migrations[v]) < 0 ||
		    (ms_registry_migration_hooks[v] && ms_registry_migration_hooks[v](r) < 0) ||
		    reg_exec(r, set) < 0)
			goto fail;
		if (reg_commit(r) < 0)
			return -1;
		ms_debug("registry %s: migrated to schema %d", r->path, v + 1);
	}
fail:
	reg_rollback(r);
	return -1;
}

/* Refuses files that are not ours, or newer than this binary. Sets *fresh
 * for an empty database. */
static int check_identity(struct ms_registry *r, int *version)
{
	int app, n_tables;
	/* One snapshot: another process may be creating the schema right now. */
	if (reg_exec(r, "BEGIN") < 0)
		return -1;
	int rc = pragma_int(r, "PRAGMA application_id", &app) < 0 ||
	                 pragma_int(r, "PRAGMA user_version", version) < 0 ||
	                 pragma_int(r, "SELECT count(*) FROM sqlite_master", &n_tables) < 0
	             ? -1
	             : 0;
	reg_rollback(r);
	if (rc < 0)
		return -1;
	if ((unsigned)app != MS_REGISTRY_APP_ID && (app != 0 || n_tables > 0 || *version != 0)) {
		reg_error(r, "not a modelseal registry (a SQLite database of something else)");
		return -1;
	}
	if (*version > MS_REGISTRY_SCHEMA_VERSION) {
		reg_error(r,
		          "schema version %d is newer than this modelseal knows (%d); "
		          "upgrade modelseal",
		          *version, MS_REGISTRY_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

static int open_db(struct ms_registry *r, unsigned flags, int busy_ms)
{
	int oflags = r->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (flags & MS_REG_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	int rc = sqlite3_open_v2(r->path, &r->db, oflags, NULL);
	if (rc != SQLITE_OK) {
		reg_error(r, "cannot open: %s", r->db ? sqlite3_errmsg(r->db) : sqlite3_errstr(rc));
		return -1;
	}
	sqlite3_busy_timeout(r->db, busy_ms);

	int version;
	if (check_identity(r, &version) < 0)
		return -1;
	if (version < MS_REGISTRY_SCHEMA_VERSION && r->readonly) {
		reg_error(r, "schema version %d needs upgrading, but the registry is read-only",
		          version);
		return -1;
	}
	/* Readers of an up-to-date registry take no lock beyond their read. */
	if (!r->readonly) {
		use_wal(r);
		/* verify's own event (silent) commits without an fsync: in WAL mode a
		 * power cut can only lose the newest such events, never leave a hole
		 * in the chain, and the next write made with FULL (sign, trust,
		 * revoke, checkpoint) syncs them too. It keeps verify fast. */
		if (reg_exec(r, r->silent ? "PRAGMA synchronous = NORMAL"
		                          : "PRAGMA synchronous = FULL") < 0 ||
		    (version < MS_REGISTRY_SCHEMA_VERSION && migrate(r) < 0))
			return -1;
	}
	return reg_exec(r, "PRAGMA foreign_keys = ON");
}

static struct ms_registry *reg_new(char *path)
{
	struct ms_registry *r = ms_calloc(1, sizeof *r);
	r->path = path;
	return r;
}

int ms_registry_open(const char *path, unsigned flags, struct ms_registry **out)
{
	char *p = path ? ms_strdup(path) : ms_registry_default_path();
	struct stat st;
	*out = NULL;
	if (!p)
		return -1;
	if (stat(p, &st) != 0) {
		if (errno != ENOENT || !(flags & MS_REG_CREATE)) {
			ms_error("no registry at %s: %s", p,
			         errno == ENOENT ? "sign a model first" : strerror(errno));
			free(p);
			return -1;
		}
		/* Only the default location is made for the user: a path given
		 * by --registry or $MODELSEAL_REGISTRY whose directory is missing
		 * is more likely a typo than a wish. */
		if (!explicit_location(path) ? make_parents(p) < 0 : check_parent(p) < 0) {
			free(p);
			return -1;
		}
	} else if (!S_ISREG(st.st_mode)) {
		ms_error("registry %s: not a regular file", p);
		free(p);
		return -1;
	}
	struct ms_registry *r = reg_new(p);
	/* Someone else's registry may be read, not written. */
	r->readonly =
	    (flags & MS_REG_READONLY) || (!(flags & MS_REG_CREATE) && access(p, W_OK) != 0);
	if (open_db(r, flags, BUSY_TIMEOUT_MS) < 0) {
		ms_registry_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

int ms_registry_open_existing_for_event(const char *path, struct ms_registry **out)
{
	char *p = path ? ms_strdup(path) : locate();
	struct stat st;
	*out = NULL;
	if (!p)
		return 0;
	char *dir = ms_dirname(p);
	int usable = stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, W_OK) == 0 &&
	             access(dir, W_OK) == 0; /* WAL needs its -wal and -shm files */
	free(dir);
	if (!usable) {
		ms_debug("registry %s: missing or not writable; result not recorded", p);
		free(p);
		return 0;
	}
	struct ms_registry *r = reg_new(p);
	r->silent = 1;
	if (open_db(r, 0, EVENT_BUSY_TIMEOUT_MS) < 0) {
		ms_registry_close(r);
		return 0;
	}
	*out = r;
	return 1;
}
