/* The registry's database backends (like curl's lib/vtls/): one small
 * statement API that the registry modules use instead of a database
 * library, and one implementation per database, SQLite (db_sqlite.c) and
 * PostgreSQL (db_postgresql.c). SQL given to prepare is shared between
 * them: ?N placeholders (PostgreSQL's backend rewrites them to $N), and
 * only what both dialects accept (INSERT ... ON CONFLICT, no INSERT OR
 * REPLACE, GLOB or PRAGMA). What differs (opening, the schema and its
 * migrations, the database's own integrity check in audit) is a hook. */
#ifndef MODELSEAL_REGISTRY_DB_H
#define MODELSEAL_REGISTRY_DB_H

#include <stddef.h>
#include <stdint.h>

struct ms_registry;
struct ms_audit;

/* Every backend's statement starts with this. */
struct db_stmt {
	struct ms_registry *r;
	const char *sql; /* as given to prepare, for error messages */
};

/* What step returns besides -1 (an error, reported). */
enum { DB_DONE = 0, DB_ROW = 1 };

struct db_backend {
	const char *name; /* "sqlite", "postgresql" */
	/* Opens r->location: checks that it is a modelseal registry (or an
	 * empty database it may create one in, with MS_REG_CREATE), sets
	 * r->readonly, and the schema version in *version (0: none yet).
	 * r->silent: verify's event path (quiet, short waits). */
	int (*open)(struct ms_registry *r, unsigned flags, int *version);
	void (*close)(struct ms_registry *r);
	struct db_stmt *(*prepare)(struct ms_registry *r, const char *sql);
	void (*finalize)(struct db_stmt *st);
	/* Back to before the first step; the bindings stay. */
	void (*reset)(struct db_stmt *st);
	void (*bind_text)(struct db_stmt *st, int i, const char *s); /* NULL: SQL NULL */
	void (*bind_int64)(struct db_stmt *st, int i, int64_t v);
	int (*step)(struct db_stmt *st);
	/* Valid until the next step, reset or finalize; NULL for SQL NULL. */
	const char *(*column_text)(struct db_stmt *st, int i);
	int64_t (*column_int64)(struct db_stmt *st, int i);
	int (*column_is_null)(struct db_stmt *st, int i);
	/* Rows the last step of a write changed. */
	int64_t (*changes)(struct db_stmt *st);
	/* Every statement of sql, no parameters. */
	int (*exec)(struct ms_registry *r, const char *sql);
	/* A read snapshot; a write transaction that serialises every writer
	 * (so the event chain never forks); commit; rollback (never fails). */
	int (*begin_read)(struct ms_registry *r);
	int (*begin_write)(struct ms_registry *r);
	int (*commit)(struct ms_registry *r);
	void (*rollback)(struct ms_registry *r);
	int (*in_transaction)(struct ms_registry *r);
	/* Inside begin_write: the schema version now, and one migration step
	 * from version from (to *to, with the version recorded). */
	int (*schema_version)(struct ms_registry *r, int *version);
	int (*migrate_step)(struct ms_registry *r, int from, int *to);
	/* audit: the database's own checks and the schema against what the
	 * migrations make. 0 fine, 1 damaged beyond reading on, -1 error. */
	int (*check_database)(struct ms_registry *r, struct ms_audit *a);
	/* registry copy: after rows were inserted with their ids. */
	int (*after_copy)(struct ms_registry *r);
};

extern const struct db_backend db_sqlite;
extern const struct db_backend db_postgresql;

/* The statement API over r's backend (registry.c). prepare returns NULL
 * after reporting; step DB_ROW, DB_DONE or -1 after reporting. */
struct db_stmt *reg_prepare(struct ms_registry *r, const char *sql);
int reg_step(struct ms_registry *r, struct db_stmt *st);
void db_finalize(struct db_stmt *st); /* NULL is fine */
void db_reset(struct db_stmt *st);
void reg_bind_text(struct db_stmt *st, int i, const char *s);
void db_bind_int64(struct db_stmt *st, int i, int64_t v);
const char *db_column_text(struct db_stmt *st, int i);
int64_t db_column_int64(struct db_stmt *st, int i);
int db_column_is_null(struct db_stmt *st, int i);
int64_t db_changes(struct db_stmt *st);
int reg_exec(struct ms_registry *r, const char *sql);
/* A read snapshot; rolled back by reg_rollback. */
int reg_begin_read(struct ms_registry *r);
int reg_in_transaction(struct ms_registry *r);

/* ---- backend-independent helpers (db_url.c) ---- */

/* Whether a registry location is a PostgreSQL URL (postgresql:// or
 * postgres://, any case of the scheme). */
int db_is_postgresql_url(const char *location);
/* The location as it may be shown: a URL without its password or any
 * other secret parameter (password, sslpassword, sslkey's passphrase...),
 * freshly allocated. A path comes back as it is. */
char *db_redact_location(const char *location);
/* The first words of a statement, on one line, for error messages. */
void db_sql_excerpt(const char *sql, char *out, size_t size);
/* sql with ?N and ? placeholders as $N (outside quoted strings and
 * identifiers), freshly allocated; *n_params the highest number used. */
char *db_numbered_placeholders(const char *sql, int *n_params);

#endif
