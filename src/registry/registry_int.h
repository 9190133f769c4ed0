/* Internals shared by src/registry/: the handle over a database backend
 * (db.h) and what the modules share. */
#ifndef MODELSEAL_REGISTRY_INT_H
#define MODELSEAL_REGISTRY_INT_H

#include <cJSON.h>

#include "modelseal/registry.h"
#include "modelseal/trust.h"
#include "modelseal/util.h"
#include "db.h"

struct ms_registry {
	const struct db_backend *be;
	void *conn;         /* the backend's connection */
	char *location;     /* as given: a path or a URL (may hold a password) */
	char *path;         /* as shown: the location without secrets */
	int readonly;       /* opened read-only: writes are refused up front */
	int silent;         /* verify's event path: errors only with -v */
	int held;           /* ms_registry_lock()'s transaction awaits the next write */
	char *name_held;    /* "NAME@VERSION DIGEST" checked free inside that transaction */
	int wrote;          /* committed a write */
	int commit_unknown; /* the connection was lost in COMMIT: recorded or not, unknown */
	int given;          /* the location was given (not the default) */
	int retryable;      /* the last error was a serialization failure, a deadlock, or
	                       another writer took the chain's head (PostgreSQL) */
	int quiet;          /* reg_retry will try again: such an error is not shown */
	/* reg_prepare_cached: statements run once per model or event */
	const char *cached_sql[4];
	struct db_stmt *cached[4];
};

/* "registry PATH: ..." as an error, or as a debug line when silent. */
void reg_error(struct ms_registry *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A statement kept prepared in the handle (sql: a string literal, told
 * apart by its address), reset (bind every parameter again). Never finalize it; reset it
 * (reg_done) as soon as its row is read, so that it holds no snapshot. */
struct db_stmt *reg_prepare_cached(struct ms_registry *r, const char *sql);
void reg_done(struct db_stmt *st);
/* A column as a fresh string, NULL for SQL NULL. */
char *reg_column_dup(struct db_stmt *st, int i);

/* The backend's write transaction (serialised; waits up to its timeout),
 * COMMIT, ROLLBACK. */
int reg_begin(struct ms_registry *r);
/* Inside a write transaction: the migration steps a registry opened with
 * MS_REG_SCHEMA_LATER still needs (none when its schema is current). */
int reg_build_schema(struct ms_registry *r);
int reg_commit(struct ms_registry *r);
void reg_rollback(struct ms_registry *r);
/* -1 with an error when the registry was opened read-only. */
int reg_writable(struct ms_registry *r);

/* Runs fn (one whole write transaction: begin to commit) again when it
 * failed only from a serialization failure or a deadlock (PostgreSQL
 * SQLSTATE 40001, 40P01), or because a writer behind another lock took the
 * chain's head first, up to REG_MAX_TRIES times in all. */
#define REG_MAX_TRIES 5
int reg_retry(struct ms_registry *r, int (*fn)(struct ms_registry *r, const void *ctx),
              const void *ctx);

/* Runs st (a write) and appends an event in the transaction the caller
 * began, then commits; rolls back on error. Finalizes st, frees detail. */
int reg_write_with_event(struct ms_registry *r, struct db_stmt *st, const char *kind,
                         const char *subject, cJSON *detail);

/* A new revocation of a subject replaces the old one, whole (what INSERT
 * OR REPLACE did; both dialects take ON CONFLICT). */
#define REVOCATION_REPLACES                                                                        \
	" ON CONFLICT (kind, subject) DO UPDATE SET reason = excluded.reason,"                     \
	" time = excluded.time, identity = excluded.identity, issuer = excluded.issuer"

/* Appends an event inside the caller's transaction. */
int reg_append_event(struct ms_registry *r, const char *kind, const char *subject,
                     const char *detail);

/* SQLite's migration steps (registry_schema.c): steps[i] takes
 * user_version i to i + 1, its SQL then its hook (NULL when none), in one
 * transaction. */
extern const char *const ms_registry_migrations[MS_REGISTRY_SCHEMA_VERSION];
extern int (*const ms_registry_migration_hooks[MS_REGISTRY_SCHEMA_VERSION])(struct ms_registry *);

/* ---- state bound to the event log (registry_state.c) ----
 *
 * Every row that can change a verdict is backed by the chained event that
 * made it: a model by its newest 'signed' event, whose detail records the
 * whole row (reg_model_detail); a trusted key by its 'trusted' event (the
 * key id is the SHA-256 of the PEM); a revocation by its 'revoked' event.
 * Readers that decide verdicts take the event's word over the row's. */

struct reg_event {
	int64_t id, time;
	char *kind, *subject, *detail;
	char prev[MS_HEX_LEN + 1], hash[MS_HEX_LEN + 1];
};
#define REG_EVENT_COLS "id, time, kind, subject, detail, prev_hash, hash"
/* Reads the REG_EVENT_COLS at columns 0..6 of the current row. */
void reg_event_from_row(struct db_stmt *st, struct reg_event *e);
void reg_event_free(struct reg_event *e);
/* Whether the event's hash is that of its content and it is linked to the
 * events before and after it: 1 yes, 0 no, -1 error. */
int reg_event_intact(struct ms_registry *r, const struct reg_event *e);
/* The newest 'signed' event of a model (hex digest): 1 found, 0 none, -1 error. */
int reg_latest_signed(struct ms_registry *r, const char *digest, struct reg_event *e);
extern const char reg_zero_hash[MS_HEX_LEN + 1];

/* The verdict-bearing fields of a models row. Text hashes are "" for none;
 * has_* says which fields an (older) event detail records. */
struct reg_model_fields {
	char *name, *version, *method, *hash, *signer;
	int64_t size, files, created;
	char statement_sha256[MS_HEX_LEN + 1], bundle_sha256[MS_HEX_LEN + 1],
	    provenance_sha256[MS_HEX_LEN + 1];
	int complete;  /* a detail from schema 3 on: every field recorded */
	int has_name;  /* name and version recorded (maybe as unnamed) */
	int has_texts; /* the text hashes are known */
};
void reg_fields_free(struct reg_model_fields *f);
/* A 'signed' event's detail as fields: 0, or -1 when it is not a JSON object. */
int reg_fields_from_detail(const char *detail, struct reg_model_fields *f);
/* The fields of a model as read (texts hashed when loaded). */
void reg_fields_from_info(const struct ms_model_info *m, int texts, struct reg_model_fields *f);
/* Appends to out the names of the fields where row and ev differ. */
void reg_fields_diff(const struct reg_model_fields *row, const struct reg_model_fields *ev,
                     struct ms_buf *out);
/* The detail of a 'signed' event for the model as it now stands in the
 * tables (row and edges), NULL after reporting. migrated marks the events
 * the schema 3 migration adds. */
char *reg_model_detail(struct ms_registry *r, const char *digest, int migrated);
/* What a model read from the table holds besides reg_read_model_summary's
 * columns. */
enum { REG_ROW_TEXTS = 1 << 0, REG_ROW_CREATED = 1 << 1 };
/* Checks a model read from the table against its newest 'signed' event and
 * corrects m from the event where they differ (texts that differ become
 * NULL), with a warning; without REG_ROW_CREATED, created is the event's.
 * 1 backed, 0 no intact event (m unusable), -1 error. */
int reg_model_check(struct ms_registry *r, struct ms_model_info *m, unsigned read);
/* The schema 3 migration hook: binds each model whose row agrees with its
 * older 'signed' event to a new, complete one. */
int reg_bind_existing_models(struct ms_registry *r);
/* The trust state the log implies (registry_trust.c): the newest
 * 'trusted'/'untrusted' event of each key, the newest 'revoked' event of
 * each subject. lenient: events are not checked for being intact (audit
 * checks the whole chain itself); otherwise a damaged one is an error. */
struct reg_key_state {
	char keyid[MS_HEX_LEN + 1];
	char *label, *pem; /* pem from the event (schema 3 on), else NULL */
	int64_t event;     /* the deciding event */
	int trusted;
};
struct reg_trust_replay {
	struct ms_registry *reg;
	int lenient;
	struct reg_key_state *keys; /* in the order they were (last) trusted */
	size_t n_keys;
	struct ms_trust revs;    /* revocations only */
	struct ms_trust anchors; /* the CAs and identities the log trusts */
};
int reg_trust_replay_log(struct reg_trust_replay *p);
void reg_trust_replay_free(struct reg_trust_replay *p);

/* Fills m from a row whose columns start with digest, name, version,
 * method, hash, size, files, signer, created (registry_query.c). */
void reg_read_model_row(struct db_stmt *st, struct ms_model_info *m);
/* The same without created: the columns a table row stores before its
 * texts, which SQLite reads without walking the texts' overflow pages. */
void reg_read_model_summary(struct db_stmt *st, struct ms_model_info *m);

/* A JSON number as an integer, fallback when it is none or out of range. */
int64_t reg_json_int(const cJSON *n, int64_t fallback);

/* SHA-256 of a string, lower-case hex. */
void reg_sha256_hex(const char *s, char out[MS_HEX_LEN + 1]);

/* An audit problem (registry_audit.c): id the event concerned, or 0. */
void reg_audit_found(struct ms_audit *a, int64_t id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* application_id of a modelseal registry ("MSRG"). */
#define MS_REGISTRY_APP_ID 0x4d535247

/* Whether s is 1..64 lower-case hex digits. */
int reg_is_hex(const char *s, size_t min, size_t max);

#endif
