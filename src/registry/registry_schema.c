/* The registry schema, as the migration steps that build it. A step is
 * never edited once released: a change is a new step at the end, and
 * MS_REGISTRY_SCHEMA_VERSION moves with it. */
#include "registry_int.h"

/* Step 1: models, the lineage edges between them, and the event log. */
static const char step1[] =
    "PRAGMA application_id = 1297306183;\n" /* MS_REGISTRY_APP_ID, "MSRG" */
    "CREATE TABLE models (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  digest TEXT NOT NULL UNIQUE\n"
    "    CHECK (length(digest) = 64 AND digest NOT GLOB '*[^0-9a-f]*'),\n"
    "  name TEXT,\n"
    "  version TEXT,\n"
    "  method TEXT NOT NULL,\n"
    "  hash TEXT NOT NULL,\n"
    "  size INTEGER NOT NULL,\n"
    "  files INTEGER NOT NULL,\n"
    "  signer TEXT NOT NULL,\n"
    "  statement TEXT NOT NULL,\n"
    "  bundle TEXT NOT NULL,\n"
    "  created INTEGER NOT NULL,\n"
    "  UNIQUE (name, version),\n"
    "  CHECK ((name IS NULL) = (version IS NULL))\n"
    ");\n"
    /* log: newest first */
    "CREATE INDEX models_created ON models (created, id);\n"
    /* child -> parent, or model -> dataset (relation 'dataset'). */
    "CREATE TABLE edges (\n"
    "  child TEXT NOT NULL REFERENCES models (digest),\n"
    "  parent TEXT NOT NULL REFERENCES models (digest),\n"
    "  relation TEXT NOT NULL\n"
    "    CHECK (relation IN ('finetune', 'adapter', 'quantized', 'merge', 'dataset')),\n"
    "  PRIMARY KEY (child, parent),\n"
    "  CHECK (child <> parent)\n"
    ") WITHOUT ROWID;\n"
    /* lineage --descendants walks edges by parent */
    "CREATE INDEX edges_parent ON edges (parent, child);\n"
    /* Append-only; each row's hash covers its content and prev_hash
     * (registry_events.c). ids are assigned 1, 2, 3... by the writer. */
    "CREATE TABLE events (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  time INTEGER NOT NULL,\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('signed', 'verified', 'failed', 'revoked',\n"
    "                                     'trusted', 'untrusted')),\n"
    "  subject TEXT NOT NULL,\n"
    "  detail TEXT NOT NULL,\n"
    "  prev_hash TEXT NOT NULL,\n"
    "  hash TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX events_subject ON events (subject, kind, id);\n"
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events\n"
    "  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;\n"
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events\n"
    "  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;\n";

/* Step 2: signed provenance beside each model, trusted keys, revocations. */
static const char step2[] = "ALTER TABLE models ADD COLUMN provenance TEXT;\n"
                            "CREATE TABLE trusted_keys (\n"
                            "  keyid TEXT PRIMARY KEY,\n"
                            "  pem TEXT NOT NULL,\n"
                            "  label TEXT UNIQUE,\n"
                            "  added INTEGER NOT NULL\n"
                            ");\n"
                            "CREATE TABLE revocations (\n"
                            "  kind TEXT NOT NULL CHECK (kind IN ('key', 'model')),\n"
                            "  subject TEXT NOT NULL,\n" /* key id, or model digest (hex) */
                            "  reason TEXT NOT NULL,\n"
                            "  time INTEGER NOT NULL,\n"
                            "  PRIMARY KEY (kind, subject)\n"
                            ") WITHOUT ROWID;\n";

/* Step 3 (issue 11): the registry's identity for its signed checkpoints,
 * the checkpoints it made or imported, and an index that lets verify replay
 * the trust-bearing events without reading the whole log. The C part of the
 * step (registry_state.c) then appends one 'signed' event per model that
 * records the whole row, so that every row is bound to an event. */
static const char step3[] =
    "CREATE TABLE meta (\n"
    "  name TEXT PRIMARY KEY,\n"
    "  value TEXT NOT NULL\n"
    ");\n"
    "INSERT INTO meta (name, value) VALUES ('registry_id', lower(hex(randomblob(16))));\n"
    "CREATE INDEX events_kind ON events (kind, id);\n"
    /* Signed checkpoints of this registry's log (checkpoint) and of the logs
     * behind imported trust files: the newest per registry refuses a
     * rolled-back trust file. */
    "CREATE TABLE checkpoints (\n"
    "  registry TEXT NOT NULL,\n"
    "  size INTEGER NOT NULL,\n"
    "  head TEXT NOT NULL,\n"
    "  time INTEGER NOT NULL,\n"
    "  envelope TEXT NOT NULL,\n"
    "  PRIMARY KEY (registry, size)\n"
    ");\n";

/* Step 4 (issue 12): root certificates and Sigstore keyless identities in
 * the trust store, each backed by its 'trusted' event as keys are, and
 * revocations of identities. revocations is rebuilt because its kind CHECK
 * cannot be altered in place; its rows move over as they are. */
static const char step4[] =
    "CREATE TABLE trusted_cas (\n"
    "  id TEXT PRIMARY KEY,\n" /* hex SHA-256 of the certificate's DER */
    "  pem TEXT NOT NULL,\n"
    "  subject TEXT NOT NULL,\n"
    "  label TEXT UNIQUE,\n"
    "  added INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE trusted_identities (\n"
    "  id TEXT PRIMARY KEY,\n" /* hex SHA-256 of issuer "\n" identity */
    "  identity TEXT NOT NULL,\n"
    "  issuer TEXT NOT NULL,\n"
    "  trusted_root TEXT,\n" /* trusted_root.json text, or NULL */
    "  label TEXT UNIQUE,\n"
    "  added INTEGER NOT NULL,\n"
    "  UNIQUE (identity, issuer)\n"
    ");\n"
    "CREATE TABLE revocations_4 (\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('key', 'model', 'identity')),\n"
    "  subject TEXT NOT NULL,\n" /* key id, model digest or identity id (hex) */
    "  reason TEXT NOT NULL,\n"
    "  time INTEGER NOT NULL,\n"
    "  identity TEXT,\n" /* kind 'identity': whose */
    "  issuer TEXT,\n"
    "  PRIMARY KEY (kind, subject)\n"
    ") WITHOUT ROWID;\n"
    "INSERT INTO revocations_4 (kind, subject, reason, time)\n"
    "  SELECT kind, subject, reason, time FROM revocations;\n"
    "DROP TABLE revocations;\n"
    "ALTER TABLE revocations_4 RENAME TO revocations;\n";

const char *const ms_registry_migrations[MS_REGISTRY_SCHEMA_VERSION] = {step1, step2, step3, step4};

int (*const ms_registry_migration_hooks[MS_REGISTRY_SCHEMA_VERSION])(struct ms_registry *) = {
    NULL, NULL, reg_bind_existing_models, NULL};
