/* Internals shared by src/registry*.c: the handle and a thin statement
 * wrapper whose errors name the SQL that failed. */
#ifndef MODELSEAL_REGISTRY_INT_H
#define MODELSEAL_REGISTRY_INT_H

#include <sqlite3.h>

#include "modelseal/registry.h"

struct ms_registry {
	sqlite3 *db;
	char *path;
	int readonly; /* opened read-only: writes are refused up front */
	int silent;   /* verify's event path: errors only with -v */
	int held;     /* ms_registry_lock()'s transaction awaits the next write */
};

/* "registry PATH: ..." as an error, or as a debug line when silent. */
void reg_error(struct ms_registry *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prepared statements only. prepare returns NULL after reporting; step
 * returns SQLITE_ROW or SQLITE_DONE, or -1 after reporting (naming the SQL). */
sqlite3_stmt *reg_prepare(struct ms_registry *r, const char *sql);
int reg_step(struct ms_registry *r, sqlite3_stmt *st);
/* Runs every statement of sql (no parameters) to completion. */
int reg_exec(struct ms_registry *r, const char *sql);
/* Binds text (NULL binds SQL NULL). */
void reg_bind_text(sqlite3_stmt *st, int i, const char *s);
/* A column as a fresh string, NULL for SQL NULL. */
char *reg_column_dup(sqlite3_stmt *st, int i);

/* BEGIN IMMEDIATE (waits up to the busy timeout), COMMIT, ROLLBACK. */
int reg_begin(struct ms_registry *r);
int reg_commit(struct ms_registry *r);
void reg_rollback(struct ms_registry *r);
/* -1 with an error when the registry was opened read-only. */
int reg_writable(struct ms_registry *r);

/* Appends an event inside the caller's transaction. */
int reg_append_event(struct ms_registry *r, const char *kind, const char *subject,
                     const char *detail);

/* The migration steps: steps[i] takes user_version i to i + 1. */
extern const char *const ms_registry_migrations[MS_REGISTRY_SCHEMA_VERSION];

/* application_id of a modelseal registry ("MSRG"). */
#define MS_REGISTRY_APP_ID 0x4d535247

/* Whether s is 1..64 lower-case hex digits. */
int reg_is_hex(const char *s, size_t min, size_t max);

#endif
