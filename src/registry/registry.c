/* The registry handle: where it lives, the statement API over its
 * backend (db.h), transactions and schema migrations. */
#include <errno.h>
#include <openssl/crypto.h>
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

/* ---- the statement API over the backend ---- */

struct db_stmt *reg_prepare(struct ms_registry *r, const char *sql)
{
	return r->be->prepare(r, sql);
}

int reg_step(struct ms_registry *r, struct db_stmt *st)
{
	(void)r; /* the statement knows its registry */
	return st->r->be->step(st);
}

void db_finalize(struct db_stmt *st)
{
	if (st)
		st->r->be->finalize(st);
}

void db_reset(struct db_stmt *st)
{
	st->r->be->reset(st);
}

void reg_bind_text(struct db_stmt *st, int i, const char *s)
{
	st->r->be->bind_text(st, i, s);
}

void db_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	st->r->be->bind_int64(st, i, v);
}

const char *db_column_text(struct db_stmt *st, int i)
{
	return st->r->be->column_text(st, i);
}

int64_t db_column_int64(struct db_stmt *st, int i)
{
	return st->r->be->column_int64(st, i);
}

int db_column_is_null(struct db_stmt *st, int i)
{
	return st->r->be->column_is_null(st, i);
}

int64_t db_changes(struct db_stmt *st)
{
	return st->r->be->changes(st);
}

int reg_exec(struct ms_registry *r, const char *sql)
{
	return r->be->exec(r, sql);
}

char *reg_column_dup(struct db_stmt *st, int i)
{
	const char *s = db_column_text(st, i);
	return s ? ms_strdup(s) : NULL;
}

struct db_stmt *reg_prepare_cached(struct ms_registry *r, const char *sql)
{
	size_t i = 0, n = MS_ARRAY_LEN(r->cached);
	while (i < n && r->cached_sql[i] && r->cached_sql[i] != sql)
		i++;
	if (i < n && r->cached_sql[i] == sql) {
		db_reset(r->cached[i]);
		return r->cached[i];
	}
	struct db_stmt *st = reg_prepare(r, sql);
	if (st && i == n) { /* full: callers reset, never finalize, so keep it */
		db_finalize(r->cached[n - 1]);
		i = n - 1;
	}
	if (st) {
		r->cached_sql[i] = sql;
		r->cached[i] = st;
	}
	return st;
}

void reg_done(struct db_stmt *st)
{
	db_reset(st);
}

int reg_begin_read(struct ms_registry *r)
{
	return r->be->begin_read(r);
}

int reg_in_transaction(struct ms_registry *r)
{
	return r->be->in_transaction(r);
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
	if (r->held && reg_in_transaction(r)) {
		r->held = 0;
		return 0;
	}
	r->held = 0;
	free(r->name_held);
	r->name_held = NULL;
	return r->be->begin_write(r);
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
	free(r->name_held);
	r->name_held = NULL;
	reg_rollback(r);
}

int reg_commit(struct ms_registry *r)
{
	if (r->be->commit(r) == 0) {
		r->wrote = 1;
		return 0;
	}
	reg_rollback(r);
	return -1;
}

void reg_rollback(struct ms_registry *r)
{
	r->be->rollback(r);
}

int reg_retry(struct ms_registry *r, int (*fn)(struct ms_registry *r, const void *ctx),
              const void *ctx)
{
	for (int tries = 1;; tries++) {
		r->retryable = 0;
		r->quiet = tries < REG_MAX_TRIES;
		int rc = fn(r, ctx);
		r->quiet = 0;
		if (rc == 0 || !r->retryable || tries == REG_MAX_TRIES)
			return rc;
		ms_debug("registry %s: serialization failure, deadlock or chain head taken; trying "
		         "again (%d of %d)",
		         r->path, tries + 1, REG_MAX_TRIES);
	}
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

char *ms_registry_shown_location(void)
{
	char *p = locate();
	char *shown = p ? db_redact_location(p) : NULL;
	if (p)
		OPENSSL_cleanse(p, strlen(p));
	free(p);
	return shown;
}

/* Whether the registry's place was given (an argument, --registry or
 * $MODELSEAL_REGISTRY) rather than the default under XDG_DATA_HOME/HOME. */
static int given_location(const char *path)
{
	const char *env = getenv("MODELSEAL_REGISTRY");
	return path || (ms_global.registry && *ms_global.registry) || (env && *env);
}

const char *ms_registry_path(const struct ms_registry *reg)
{
	return reg->path;
}

int ms_registry_commit_unknown(const struct ms_registry *reg)
{
	return reg && reg->commit_unknown;
}

int ms_registry_is_url(const char *location)
{
	return db_is_postgresql_url(location);
}

void ms_registry_close(struct ms_registry *reg)
{
	if (!reg)
		return;
	for (size_t i = 0; i < MS_ARRAY_LEN(reg->cached); i++)
		db_finalize(reg->cached[i]);
	if (reg->conn)
		reg->be->close(reg);
	/* The location may carry a password. */
	if (reg->location)
		OPENSSL_cleanse(reg->location, strlen(reg->location));
	free(reg->location);
	free(reg->path);
	free(reg->name_held);
	free(reg);
}

/* The next migration step, in the write transaction open; *done when the
 * schema is already this binary's. */
static int migrate_step(struct ms_registry *r, int *done)
{
	int v, to;
	*done = 0;
	if (r->be->schema_version(r, &v) < 0)
		return -1;
	if (v >= MS_REGISTRY_SCHEMA_VERSION) {
		*done = 1;
		return 0;
	}
	if (r->be->migrate_step(r, v, &to) < 0)
		return -1;
	ms_debug("registry %s: migrated to schema %d", r->path, to);
	return 0;
}

/* Each step in its own transaction; the version is re-read under the write
 * lock because another process may have migrated meanwhile. */
static int migrate(struct ms_registry *r)
{
	for (;;) {
		int done;
		if (reg_begin(r) < 0)
			return -1;
		if (migrate_step(r, &done) < 0 || done) {
			reg_rollback(r);
			return done ? 0 : -1;
		}
		if (reg_commit(r) < 0)
			return -1;
	}
}

int reg_build_schema(struct ms_registry *r)
{
	for (int done = 0; !done;)
		if (migrate_step(r, &done) < 0)
			return -1;
	return 0;
}

static struct ms_registry *reg_new(char *location, int given)
{
	struct ms_registry *r = ms_calloc(1, sizeof *r);
	r->location = location;
	r->path = db_redact_location(location);
	r->given = given;
	r->be = db_is_postgresql_url(location) ? &db_postgresql : &db_sqlite;
	return r;
}

/* The backend's open, then the migrations a writer applies. */
static int open_db(struct ms_registry *r, unsigned flags)
{
	int version;
	int rc = r->be->open(r, flags, &version);
	if (rc != 0)
		return rc; /* 1: not there (MS_REG_MAYBE) */
	if (version > MS_REGISTRY_SCHEMA_VERSION) {
		reg_error(r,
		          "schema version %d is newer than this modelseal knows (%d); "
		          "upgrade modelseal",
		          version, MS_REGISTRY_SCHEMA_VERSION);
		return -1;
	}
	if (version < MS_REGISTRY_SCHEMA_VERSION && r->readonly) {
		reg_error(r, "schema version %d needs upgrading, but the registry is read-only",
		          version);
		return -1;
	}
	if (flags & MS_REG_SCHEMA_LATER)
		return 0;
	return version < MS_REGISTRY_SCHEMA_VERSION ? migrate(r) : 0;
}

int ms_registry_open(const char *path, unsigned flags, struct ms_registry **out)
{
	char *p = path ? ms_strdup(path) : ms_registry_default_path();
	*out = NULL;
	if (!p)
		return -1;
	struct ms_registry *r = reg_new(p, given_location(path));
	int rc = open_db(r, flags);
	if (rc != 0) {
		ms_registry_close(r);
		return rc < 0 ? -1 : 0;
	}
	*out = r;
	return 0;
}

int ms_registry_open_existing_for_event(const char *path, struct ms_registry **out)
{
	char *p = path ? ms_strdup(path) : locate();
	*out = NULL;
	if (!p)
		return 0;
	struct ms_registry *r = reg_new(p, 1);
	r->silent = 1;
	if (open_db(r, 0) != 0) {
		ms_registry_close(r);
		return 0;
	}
	*out = r;
	return 1;
}
