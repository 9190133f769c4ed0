/* The lineage registry: a local SQLite database of signed models, their
 * parents and datasets, trusted keys, revocations and a hash-chained event
 * log (DESIGN.md "Registry"). Every function reports its own errors with
 * "modelseal: error: registry PATH: ..." and returns -1. */
#ifndef MODELSEAL_REGISTRY_H
#define MODELSEAL_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#define MS_REGISTRY_SCHEMA_VERSION 4
#define MS_HEX_LEN 64 /* a root digest (SHA-256) in lower-case hex */

struct ms_registry;

enum ms_registry_flags {
	MS_REG_CREATE = 1 << 0,   /* create the file and its directories (0700) */
	MS_REG_READONLY = 1 << 1, /* never write; a schema that needs migrating is an error */
	MS_REG_MAYBE = 1 << 2,    /* a registry not there yet: 0 with *out NULL, quietly */
	/* no migration when opened: the caller builds the schema inside its own
	 * first write transaction, so that a failure leaves none behind */
	MS_REG_SCHEMA_LATER = 1 << 3,
};

/* --registry PATH (or a postgresql:// URL), else $MODELSEAL_REGISTRY, else
 * ${XDG_DATA_HOME:-$HOME/.local/share}/modelseal/registry.db. Freshly
 * allocated; NULL with an error when neither HOME nor XDG_DATA_HOME is set. */
char *ms_registry_default_path(void);
/* The same as it may be shown (a URL without its password), or NULL
 * quietly when there is no location at all. */
char *ms_registry_shown_location(void);

/* Opens (path NULL: the default path), migrates an older schema and returns
 * the handle in *out. Without MS_REG_CREATE a missing registry is an error.
 * A file that is not a modelseal registry, is corrupt, or has a newer schema
 * than this binary knows is a clear error. A registry the user may not write
 * is opened read-only (writes then fail with an error). */
int ms_registry_open(const char *path, unsigned flags, struct ms_registry **out);

/* For verify: opens the registry only when it already exists and is
 * writable. Returns 1 with *out set, or 0 quietly (no registry, read-only,
 * unusable: reason with -v only). Never blocks for long on a busy registry. */
int ms_registry_open_existing_for_event(const char *path, struct ms_registry **out);

void ms_registry_close(struct ms_registry *reg);
/* The location as it may be shown: a path, or a URL without its password. */
const char *ms_registry_path(const struct ms_registry *reg);
/* Whether a write failed with the connection lost in its COMMIT, so that
 * it may have been recorded after all (PostgreSQL). */
int ms_registry_commit_unknown(const struct ms_registry *reg);
/* Whether a location is a PostgreSQL URL (postgresql:// or postgres://). */
int ms_registry_is_url(const char *location);

/* How a model relates to what it was made from (Hugging Face vocabulary),
 * or a dataset it was trained on. */
enum ms_relation {
	MS_REL_FINETUNE,
	MS_REL_ADAPTER,
	MS_REL_QUANTIZED,
	MS_REL_MERGE,
	MS_REL_DATASET,
};
const char *ms_relation_name(enum ms_relation rel);
/* One of finetune, adapter, quantized, merge, dataset; -1 (quietly) else. */
int ms_relation_parse(const char *s, enum ms_relation *out);

struct ms_parent_ref {
	char digest[MS_HEX_LEN + 1];
	enum ms_relation relation;
};

/* A model to record after it was signed. Strings are borrowed. */
struct ms_model_record {
	char digest[MS_HEX_LEN + 1]; /* root digest, lower-case hex */
	const char *name;            /* name and version: both or neither */
	const char *version;
	const char *method; /* "shards" | "files" */
	const char *hash;   /* "sha256" | "blake2b" */
	uint64_t size;
	uint64_t n_files;
	const char *signer;                  /* key id (hex) */
	const char *statement;               /* the signed statement JSON */
	const char *bundle;                  /* the Sigstore bundle JSON */
	const char *provenance;              /* the signed SLSA provenance bundle, or NULL */
	int64_t created;                     /* Unix time; 0: now */
	const struct ms_parent_ref *parents; /* parents and datasets */
	size_t n_parents;
};

/* Whether name@version may be bound to digest: -1 with an error when it
 * already names another model, or when digest is recorded under another
 * name. 0 when free (or already bound to this digest). */
int ms_registry_check_name(struct ms_registry *reg, const char *name, const char *version,
                           const char *digest);

/* Records the model, its edges and a 'signed' event in one transaction.
 * Signing an already recorded model again updates its signature. */
int ms_registry_record_model(struct ms_registry *reg, const struct ms_model_record *m);

enum ms_event_kind {
	MS_EV_SIGNED,
	MS_EV_VERIFIED,
	MS_EV_FAILED,
	MS_EV_REVOKED,
	MS_EV_TRUSTED,
	MS_EV_UNTRUSTED,
};
const char *ms_event_kind_name(enum ms_event_kind kind);

/* Appends one event (its own transaction). subject: "sha256:<hex>" for a
 * model, the key id for a key. detail: a JSON object text, or NULL for {}. */
int ms_registry_record_event(struct ms_registry *reg, enum ms_event_kind kind, const char *subject,
                             const char *detail);

/* For verify: appends one event when a writable registry already exists
 * (ms_registry_open_existing_for_event), else does nothing. Never fails the
 * caller: problems are only shown with -v. Returns 1 recorded, 0 not. */
int ms_registry_note_event(enum ms_event_kind kind, const char *subject, const char *detail);

/* The event hash: SHA-256 (hex) of the canonical encoding of one row; see
 * registry_events.c for the exact bytes. */
void ms_event_hash(int64_t id, int64_t time, const char *kind, const char *subject,
                   const char *detail, const char *prev_hash, char out[MS_HEX_LEN + 1]);

/* REF: "NAME@VERSION", "sha256:<hex or unique prefix>" or a bare hex
 * prefix (at least 4 digits) of a recorded model. Paths are not REFs here:
 * a path is believed only once verified (pathref.h). -1 with an error
 * naming REF when it is unknown or ambiguous. */
int ms_registry_resolve_ref(struct ms_registry *reg, const char *ref, char digest[MS_HEX_LEN + 1]);
/* The same, but quietly 1 when nothing recorded matches. */
int ms_registry_find_ref(struct ms_registry *reg, const char *ref, char digest[MS_HEX_LEN + 1]);

struct ms_model_link {
	char digest[MS_HEX_LEN + 1];
	char *name, *version; /* NULL when unnamed */
	enum ms_relation relation;
};

/* One recorded model as read back. */
struct ms_model_info {
	char digest[MS_HEX_LEN + 1];
	char *name, *version;
	char *method, *hash, *signer;
	uint64_t size, n_files;
	int64_t created;
	char *statement, *bundle, *provenance; /* only with MS_INFO_FULL */
	struct ms_model_link *parents;         /* parents and datasets */
	size_t n_parents;
};
void ms_model_info_free(struct ms_model_info *m);

enum { MS_INFO_FULL = 1 << 0, MS_INFO_PARENTS = 1 << 1 };

/* "; did you mean 'NAME@VERSION'?" for a mistyped NAME@VERSION REF (the
 * closest recorded one), else ""; freshly allocated. */
char *ms_registry_ref_hint(struct ms_registry *reg, const char *ref);

/* 0 found, 1 not recorded (quietly), -1 error. */
int ms_registry_get_model(struct ms_registry *reg, const char *digest, unsigned what,
                          struct ms_model_info *out);

/* Direct children of a model (relation = theirs to it). */
int ms_registry_children(struct ms_registry *reg, const char *digest, struct ms_model_link **out,
                         size_t *n_out);
void ms_model_links_free(struct ms_model_link *links, size_t n);

/* Calls fn for each model (name NULL: all), newest first, with parents;
 * stops early when fn returns non-zero. limit 0: no limit. */
int ms_registry_log(struct ms_registry *reg, const char *name, uint64_t limit,
                    int (*fn)(const struct ms_model_info *m, void *ctx), void *ctx);

struct ms_lineage_edge {
	char child[MS_HEX_LEN + 1];
	char parent[MS_HEX_LEN + 1];
	enum ms_relation relation;
};

struct ms_lineage {
	struct ms_model_info *nodes; /* nodes[0] is the model asked about */
	size_t n_nodes;
	struct ms_lineage_edge *edges;
	size_t n_edges;
};

/* Every ancestor (or descendant) of digest, with the edges between them. */
int ms_registry_lineage(struct ms_registry *reg, const char *digest, int descendants,
                        struct ms_lineage *out);
void ms_lineage_free(struct ms_lineage *l);

/* Revocations (issue 6 adds the command). kind: "key" (subject = key id) or
 * "model" (subject = hex digest). ms_registry_revoke records it with a
 * 'revoked' event in one transaction. ms_registry_revocation: 1 revoked
 * (reason and time filled when not NULL; *reason freshly allocated), 0 not,
 * -1 error. */
int ms_registry_revoke(struct ms_registry *reg, const char *kind, const char *subject,
                       const char *reason);
int ms_registry_revocation(struct ms_registry *reg, const char *kind, const char *subject,
                           char **reason, int64_t *time);

/* How many recorded models keyid signed (revoke's confirmation). */
int ms_registry_count_signed_by(struct ms_registry *reg, const char *keyid, uint64_t *n);

/* Trusted keys (issue 6 adds the command). Each change appends a
 * 'trusted'/'untrusted' event in the same transaction. remove matches the
 * key id or the label; 0 removed, 1 no such key, -1 error. */
int ms_registry_trust_add(struct ms_registry *reg, const char *keyid, const char *pem,
                          const char *label);
int ms_registry_trust_remove(struct ms_registry *reg, const char *keyid_or_label);

struct ms_trusted_key {
	const char *keyid, *pem, *label; /* label may be NULL */
	int64_t added;
};
/* Calls fn for each trusted key, oldest first; stops when fn returns
 * non-zero. 0, or -1 after reporting. */
int ms_registry_trust_list(struct ms_registry *reg,
                           int (*fn)(const struct ms_trusted_key *k, void *ctx), void *ctx);

struct ms_audit {
	uint64_t n_events;
	int64_t bad_id;            /* event of the first problem, 0 when none or not an event */
	char *problem;             /* the first problem, or NULL when intact */
	char **problems;           /* every problem found, in order (at most 1000) */
	size_t n_problems, n_more; /* n_more: problems found beyond those */
	char head[MS_HEX_LEN + 1]; /* hash of the last event (zeros when none) */
};

/* Rebuilds the registry's state from its event log and reports every
 * difference, row by row: the hash chain (each event), the schema and its
 * triggers, each models, edges, trusted_keys and revocations row against
 * the events that back it, events whose row is missing, and SQLite's
 * integrity and foreign key checks. 0 intact, 1 problems (in out), -1 error. */
int ms_registry_audit(struct ms_registry *reg, struct ms_audit *out);
void ms_audit_free(struct ms_audit *a);

/* registry copy: what was copied. */
#define MS_COPY_TABLES 9
struct ms_copy {
	char *from, *to; /* the locations as shown (no password) */
	const char *names[MS_COPY_TABLES];
	int64_t rows[MS_COPY_TABLES];
	size_t n_tables;
	uint64_t n_events;
	char head[MS_HEX_LEN + 1];
};

/* Copies every table of registry from (audited first: a registry that is
 * not intact is refused) into to, new or empty, verbatim, in one write
 * transaction, then audits the copy against the source's head. Either may
 * be a SQLite path or a PostgreSQL URL. 0, or -1 after reporting. */
int ms_registry_copy(const char *from, const char *to, struct ms_copy *out);
void ms_copy_free(struct ms_copy *c);

/* Takes the registry's write lock now (waiting up to the busy timeout) and
 * keeps it for the next write, which commits and releases it. sign calls it
 * before it writes a signature, so a registry that stays locked fails the
 * run before anything on disk changes. ms_registry_unlock() gives it back
 * unused. */
int ms_registry_lock(struct ms_registry *r);
void ms_registry_unlock(struct ms_registry *r);

#endif
