/* Unit tests for the registry: schema, migrations, the event chain, REF
 * resolution, lineage walks and audit. */
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/registry/registry_int.h"
#include "check_main.h"
#include "modelseal/lineage.h"
#include "modelseal/pathref.h"
#include "modelseal/registry.h"
#include "modelseal/util.h"

static char dir[64];
static char *db_path;

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/ms-regtest.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	db_path = ms_asprintf("%s/sub/modelseal/registry.db", dir);
	/* the default location (XDG_DATA_HOME), the one modelseal creates */
	char *xdg = ms_asprintf("%s/sub", dir);
	setenv("XDG_DATA_HOME", xdg, 1);
	unsetenv("MODELSEAL_REGISTRY");
	free(xdg);
}

static void teardown(void)
{
	char *cmd = ms_asprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(db_path);
}

/* A digest of 64 hex digits: prefix, then fill repeated. */
static const char *dg(const char *prefix, char fill)
{
	static char buf[8][MS_HEX_LEN + 1];
	static int next;
	char *d = buf[next++ % 8];
	memset(d, fill, MS_HEX_LEN);
	d[MS_HEX_LEN] = '\0';
	memcpy(d, prefix, strlen(prefix));
	return d;
}

static struct ms_registry *open_new(void)
{
	struct ms_registry *reg;
	ck_assert_int_eq(ms_registry_open(NULL, MS_REG_CREATE, &reg), 0);
	return reg;
}

static int record(struct ms_registry *reg, const char *digest, const char *name,
                  const char *version, const struct ms_parent_ref *parents, size_t n)
{
	struct ms_model_record m = {
	    .name = name,
	    .version = version,
	    .method = "shards",
	    .hash = "sha256",
	    .size = 100,
	    .n_files = 2,
	    .signer = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    .statement = "{\"_type\":\"https://in-toto.io/Statement/v1\"}",
	    .bundle = "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\"}",
	    .parents = parents,
	    .n_parents = n,
	};
	snprintf(m.digest, sizeof m.digest, "%s", digest);
	return ms_registry_record_model(reg, &m);
}

static int query_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		ck_abort_msg("%s: %s", sql, err);
	sqlite3_close(db);
}

START_TEST(schema_is_created)
{
	struct ms_registry *reg = open_new();
	ms_registry_close(reg);
	struct stat st;
	char *parent = ms_dirname(db_path);
	ck_assert_int_eq(stat(parent, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	free(parent);
	ck_assert_int_eq(query_int(db_path, "PRAGMA user_version"), MS_REGISTRY_SCHEMA_VERSION);
	ck_assert_int_eq(query_int(db_path, "PRAGMA application_id"), MS_REGISTRY_APP_ID);
	ck_assert_int_eq(query_int(db_path, "SELECT count(*) FROM sqlite_master WHERE type='table'"
	                                    " AND name IN ('models','edges','events',"
	                                    "'trusted_keys','revocations')"),
	                 5);
	ck_assert_int_eq(query_int(db_path, "SELECT count(*) FROM sqlite_master WHERE "
	                                    "name IN ('edges_parent','models_created')"),
	                 2);
	sqlite3 *db;
	sqlite3_stmt *q;
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	sqlite3_close(db);
	/* Opening again changes nothing. */
	reg = open_new();
	ms_registry_close(reg);
	ck_assert_int_eq(query_int(db_path, "PRAGMA user_version"), MS_REGISTRY_SCHEMA_VERSION);
}
END_TEST

START_TEST(missing_registry_is_an_error_without_create)
{
	struct ms_registry *reg = (void *)1;
	ck_assert_int_eq(ms_registry_open(db_path, 0, &reg), -1);
	ck_assert_ptr_null(reg);
	ck_assert_int_eq(access(db_path, F_OK), -1);
}
END_TEST

/* Only the default location is created: a given path's directory must
 * exist (a typo in --registry must not make a new registry somewhere). */
START_TEST(given_location_needs_its_directory)
{
	struct ms_registry *reg;
	char *given = ms_asprintf("%s/typo/registry.db", dir);
	ck_assert_int_eq(ms_registry_open(given, MS_REG_CREATE, &reg), -1);
	char *typo = ms_asprintf("%s/typo", dir);
	struct stat st;
	ck_assert_int_eq(stat(typo, &st), -1);
	ck_assert_int_eq(mkdir(typo, 0700), 0);
	ck_assert_int_eq(ms_registry_open(given, MS_REG_CREATE, &reg), 0);
	ms_registry_close(reg);
	free(typo);
	free(given);
}
END_TEST

/* A registry as schema version 1 left it, with one model in it (created
 * 1234) and its 'signed' event as version 1 wrote it, which records the
 * hash of event_bundle (the row's bundle is "{}"). */
static void make_v1_registry(const char *event_bundle)
{
	char *sub = ms_asprintf("%s/sub", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	free(sub);
	sub = ms_asprintf("%s/sub/modelseal", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	free(sub);
	exec_sql(db_path, ms_registry_migrations[0]);
	exec_sql(db_path, "PRAGMA user_version = 1;"
	                  "INSERT INTO models (digest, name, version, method, hash, size, files,"
	                  " signer, statement, bundle, created) VALUES ('"
	                  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',"
	                  " 'old', '1', 'files', 'sha256', 1, 1, 'k', '{}', '{}', 1234)");
	char bundle_sha[MS_HEX_LEN + 1], h[MS_HEX_LEN + 1];
	reg_sha256_hex(event_bundle, bundle_sha);
	char *detail = ms_asprintf("{\"bundle_sha256\":\"%s\"}", bundle_sha);
	const char *subject =
	    "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	ms_event_hash(1, 1, "signed", subject, detail, reg_zero_hash, h);
	char *sql =
	    ms_asprintf("INSERT INTO events VALUES (1, 1, 'signed', '%s', '%s', '%s', '%s')",
	                subject, detail, reg_zero_hash, h);
	exec_sql(db_path, sql);
	free(sql);
	free(detail);
}

START_TEST(v1_database_is_migrated)
{
	make_v1_registry("{}");
	ck_assert_int_eq(query_int(db_path, "PRAGMA user_version"), 1);
	struct ms_registry *reg;
	ck_assert_int_eq(ms_registry_open(db_path, 0, &reg), 0);
	char d[MS_HEX_LEN + 1];
	ck_assert_int_eq(ms_registry_resolve_ref(reg, "old@1", d), 0);
	ck_assert_str_eq(d, dg("", 'a'));
	/* What step 2 adds works on the old data. */
	ck_assert_int_eq(ms_registry_revoke(reg, "model", d, "test"), 0);
	ck_assert_int_eq(ms_registry_revocation(reg, "model", d, NULL, NULL), 1);
	ms_registry_close(reg);
	ck_assert_int_eq(query_int(db_path, "PRAGMA user_version"), MS_REGISTRY_SCHEMA_VERSION);
	ck_assert_int_eq(query_int(db_path, "SELECT count(*) FROM models WHERE provenance IS NULL"),
	                 1);
	/* Step 3 bound the row to a new event that records all of it. */
	ck_assert_int_eq(query_int(db_path, "SELECT count(*) FROM events WHERE kind = 'signed'"
	                                    " AND json_extract(detail, '$.migrated')"),
	                 1);
	ck_assert_int_eq(ms_registry_open(db_path, 0, &reg), 0);
	struct ms_audit a;
	ck_assert_int_eq(ms_registry_audit(reg, &a), 0);
	ms_audit_free(&a);
	ms_registry_close(reg);
}
END_TEST

START_TEST(newer_schema_is_refused)
{
	struct ms_registry *reg = open_new();
	ms_registry_close(reg);
	exec_sql(db_path, "PRAGMA user_version = 99");
	ck_assert_int_eq(ms_registry_open(db_path, 0, &reg), -1);
	ck_assert_int_eq(ms_registry_open_existing_for_event(db_path, &reg), 0);
	ck_assert_ptr_null(reg);
}
END_TEST

START_TEST(foreign_and_corrupt_files_are_refused)
{
	struct ms_registry *reg = open_new(); /* creates the directories */
	ms_registry_close(reg);
	unlink(db_path);
	exec_sql(db_path, "CREATE TABLE t (x)");
	ck_assert_int_eq(ms_registry_open(db_path, 0, &reg), -1);
	unlink(db_path);
	FILE *f = fopen(db_path, "w");
	fputs("this is not a database, just some text that is long enough to look like a header "
	      "of a file, repeated, repeated, repeated, repeated\n",
	      f);
	fclose(f);
	ck_assert_int_eq(ms_registry_open(db_path, 0, &reg), -1);
	ck_assert_int_eq(ms_registry_open(db_path, MS_REG_CREATE, &reg), -1);
	ck_assert_int_eq(ms_registry_open_existing_for_event(db_path, &reg), 0);
}
END_TEST

START_TEST(event_hash_encoding)
{
	char h[MS_HEX_LEN + 1];
	ms_event_hash(1, 1700000000, "signed",
	              "sha256:" /* then 32 x "ab" */
	              "abababababababababababababababababababababababababababababababab",
	              "{\"a\":1}", dg("", '0'), h);
	ck_assert_str_eq(h, "90e278b03c59c90bcce06a33d5f8a27d789da7c9e80e09f4f040be81283b96f0");
	ms_event_hash(-5, 0, "", "", "", "", h);
	ck_assert_str_eq(h, "d75bb5fe25321d342cec9eca936329bc2e5beeed8866d927783a038b820cc61f");
	/* Moving bytes between fields changes the hash (length prefixes). */
	char h2[MS_HEX_LEN + 1];
	ms_event_hash(1, 2, "ab", "c", "{}", "", h);
	ms_event_hash(1, 2, "a", "bc", "{}", "", h2);
	ck_assert_str_ne(h, h2);
}
END_TEST

START_TEST(events_are_chained)
{
	struct ms_registry *reg = open_new();
	ck_assert_int_eq(record(reg, dg("b", '1'), "base", "1", NULL, 0), 0);
	ck_assert_int_eq(ms_registry_record_event(reg, MS_EV_VERIFIED, "sha256:x", NULL), 0);
	ck_assert_int_eq(ms_registry_record_event(reg, MS_EV_FAILED, "sha256:x", "{\"why\":1}"), 0);
	struct ms_audit a;
	ck_assert_int_eq(ms_registry_audit(reg, &a), 0);
	ck_assert_uint_eq(a.n_events, 3);
	ms_registry_close(reg);
	ck_assert_int_eq(query_int(db_path, "SELECT count(*) FROM events e JOIN events p"
	                                    " ON p.id = e.id - 1 WHERE e.prev_hash = p.hash"),
	                 2);
	ck_assert_int_eq(query_int(db_path, "SELECT count(*) FROM events WHERE id = 1 AND "
	                                    "prev_hash = printf('%064d', 0)"),
	                 1);
	/* The log refuses edits through SQL. */
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	ck_assert_int_ne(sqlite3_exec(db, "UPDATE events SET detail = '{}'", NULL, NULL, NULL),
	                 SQLITE_OK);
	ck_assert_int_ne(sqlite3_exec(db, "DELETE FROM events", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ms_audit_free(&a);
}
END_TEST

/* What an attacker who covers their tracks does after editing the log. */
#define RESTORE_TRIGGERS                                                                           \
	"CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events\n"                  \
	"  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;\n"                      \
	"CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events\n"                  \
	"  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;\n"

static int audit_of(int64_t *bad_id)
{
	struct ms_registry *reg;
	struct ms_audit a;
	ck_assert_int_eq(ms_registry_open(db_path, 0, &reg), 0);
	int rc = ms_registry_audit(reg, &a);
	*bad_id = a.bad_id;
	if (rc == 1)
		ck_assert_ptr_nonnull(a.problem);
	ms_audit_free(&a);
	ms_registry_close(reg);
	return rc;
}

static void three_events(void)
{
	struct ms_registry *reg = open_new();
	ck_assert_int_eq(record(reg, dg("b", '1'), "base", "1", NULL, 0), 0);
	ck_assert_int_eq(ms_registry_record_event(reg, MS_EV_VERIFIED, "sha256:x", NULL), 0);
	ck_assert_int_eq(ms_registry_record_event(reg, MS_EV_VERIFIED, "sha256:y", NULL), 0);
	ms_registry_close(reg);
}

START_TEST(audit_catches_rewritten_row)
{
	int64_t bad;
	three_events();
	ck_assert_int_eq(audit_of(&bad), 0);
	exec_sql(db_path, "DROP TRIGGER events_no_update;"
	                  "UPDATE events SET kind = 'failed' WHERE id = 2;" RESTORE_TRIGGERS);
	ck_assert_int_eq(audit_of(&bad), 1);
	ck_assert_int_eq(bad, 2);
}
END_TEST

START_TEST(audit_catches_recomputed_row)
{
	/* Rewriting a row and its own hash breaks the next row's prev_hash. */
	int64_t bad;
	three_events();
	exec_sql(db_path,
	         "DROP TRIGGER events_no_update;"
	         "UPDATE events SET hash = printf('%064d', 7) WHERE id = 2;" RESTORE_TRIGGERS);
	ck_assert_int_eq(audit_of(&bad), 1);
	ck_assert_int_eq(bad, 2);
}
END_TEST

START_TEST(audit_catches_deleted_row)
{
	int64_t bad;
	three_events();
	exec_sql(
	    db_path,
	    "DROP TRIGGER events_no_delete; DELETE FROM events WHERE id = 2;" RESTORE_TRIGGERS);
	ck_assert_int_eq(audit_of(&bad), 1);
	ck_assert_int_eq(bad, 3);
}
END_TEST

START_TEST(audit_catches_swapped_signature)
{
	int64_t bad;
	three_events();
	exec_sql(db_path, "UPDATE models SET bundle = '{\"forged\":1}'");
	ck_assert_int_eq(audit_of(&bad), 1);
	ck_assert_int_eq(bad, 1);
}
END_TEST

START_TEST(resolve_refs)
{
	struct ms_registry *reg = open_new();
	char d[MS_HEX_LEN + 1];
	ck_assert_int_eq(record(reg, dg("abcd0", '1'), "base", "1", NULL, 0), 0);
	ck_assert_int_eq(record(reg, dg("abcd1", '2'), "base", "2", NULL, 0), 0);
	ck_assert_int_eq(record(reg, dg("ef", '3'), NULL, NULL, NULL, 0), 0);
	ck_assert_int_eq(ms_registry_resolve_ref(reg, "base@2", d), 0);
	ck_assert_str_eq(d, dg("abcd1", '2'));
	char *full = ms_asprintf("sha256:%s", dg("abcd0", '1'));
	ck_assert_int_eq(ms_registry_resolve_ref(reg, full, d), 0);
	ck_assert_str_eq(d, dg("abcd0", '1'));
	ck_assert_int_eq(ms_registry_resolve_ref(reg, full + 7, d), 0);
	free(full);
	ck_assert_int_eq(ms_registry_resolve_ref(reg, "sha256:abcd1", d), 0);
	ck_assert_str_eq(d, dg("abcd1", '2'));
	ck_assert_int_eq(ms_registry_resolve_ref(reg, "ef33", d), 0);
	ck_assert_str_eq(d, dg("ef", '3'));
	/* ambiguous, unknown, malformed */
	ck_assert_int_eq(ms_registry_resolve_ref(reg, "abcd", d), -1);
	ck_assert_int_eq(ms_registry_resolve_ref(reg, "sha256:abcd", d), -1);
	ck_assert_int_eq(ms_registry_resolve_ref(reg, "base@3", d), -1);
	ck_assert_int_eq(ms_registry_resolve_ref(reg, "nobody@1", d), -1);
	ck_assert_int_eq(ms_registry_resolve_ref(reg, "0000", d), -1);
	ck_assert_int_eq(ms_registry_resolve_ref(reg, "sha256:ab", d), -1);
	ck_assert_int_eq(ms_registry_resolve_ref(reg, "sha256:ABCD1", d), 0); /* either case */
	ck_assert_str_eq(d, dg("abcd1", '2'));
	ck_assert_int_eq(ms_registry_resolve_ref(reg, "sha256:abcx", d), -1);
	ck_assert_int_eq(ms_registry_resolve_ref(reg, "/no/such/model", d), -1);
	ck_assert_int_eq(ms_registry_resolve_ref(reg, "", d), -1);
	ms_registry_close(reg);
}
END_TEST

/* A path is no registry REF: what its signature file claims is believed
 * only once verified (pathref.c), and a forged, unsigned one never is. */
START_TEST(resolve_signed_model_path)
{
	struct ms_registry *reg = open_new();
	char d[MS_HEX_LEN + 1];
	ck_assert_int_eq(record(reg, dg("cafe", '1'), "m", "1", NULL, 0), 0);
	/* A bundle whose DSSE payload is base64 of a statement for that root,
	 * and no signature at all. */
	char *stmt = ms_asprintf("{\"subject\":[{\"name\":\"m\",\"digest\":{\"sha256\":\"%s\"}}]}",
	                         dg("cafe", '1'));
	char b64[512];
	sodium_bin2base64(b64, sizeof b64, (const unsigned char *)stmt, strlen(stmt),
	                  sodium_base64_VARIANT_ORIGINAL);
	char *bundle = ms_asprintf("{\"dsseEnvelope\":{\"payload\":\"%s\"}}", b64);
	char *model = ms_asprintf("%s/model", dir);
	char *sig = ms_asprintf("%s/model/model.sig", dir);
	ck_assert_int_eq(mkdir(model, 0700), 0);
	ck_assert_int_eq(ms_write_atomic(sig, bundle, strlen(bundle), 0644), 0);
	ck_assert_int_eq(ms_registry_find_ref(reg, model, d), 1);
	ck_assert_int_eq(ms_registry_resolve_ref(reg, model, d), -1);
	struct ms_model_link link = {0};
	ck_assert_int_eq(ms_pathref_resolve(reg, model, NULL, NULL, &link), -1);
	ck_assert_int_eq(ms_pathref_verify(reg, model, NULL, MS_PATHREF_REVOKED_KEYS, d), -1);
	free(stmt);
	free(bundle);
	free(model);
	free(sig);
	ms_registry_close(reg);
}
END_TEST

START_TEST(names_are_unique)
{
	struct ms_registry *reg = open_new();
	ck_assert_int_eq(record(reg, dg("a", '1'), "m", "1", NULL, 0), 0);
	ck_assert_int_eq(ms_registry_check_name(reg, "m", "1", dg("a", '1')), 0);
	ck_assert_int_eq(ms_registry_check_name(reg, "m", "1", dg("b", '1')), -1);
	ck_assert_int_eq(ms_registry_check_name(reg, "m", "2", dg("a", '1')), -1);
	ck_assert_int_eq(ms_registry_check_name(reg, "m", "2", dg("b", '1')), 0);
	ck_assert_int_eq(record(reg, dg("b", '1'), "m", "1", NULL, 0), -1);
	/* Signing the same model again (same or no name) updates it. */
	ck_assert_int_eq(record(reg, dg("a", '1'), "m", "1", NULL, 0), 0);
	ck_assert_int_eq(record(reg, dg("a", '1'), NULL, NULL, NULL, 0), 0);
	struct ms_model_info m;
	ck_assert_int_eq(ms_registry_get_model(reg, dg("a", '1'), 0, &m), 0);
	ck_assert_str_eq(m.name, "m");
	ms_model_info_free(&m);
	ck_assert_int_eq(ms_registry_get_model(reg, dg("b", '1'), 0, &m), 1);
	struct ms_audit a;
	ck_assert_int_eq(ms_registry_audit(reg, &a), 0);
	ck_assert_uint_eq(a.n_events, 3);
	ms_registry_close(reg);
}
END_TEST

START_TEST(unknown_parent_records_nothing)
{
	struct ms_registry *reg = open_new();
	struct ms_parent_ref p = {.relation = MS_REL_FINETUNE};
	snprintf(p.digest, sizeof p.digest, "%s", dg("9", '9'));
	ck_assert_int_eq(record(reg, dg("a", '1'), "m", "1", &p, 1), -1);
	ck_assert_int_eq(record(reg, dg("a", '1'), "m", "1", NULL, 0), 0);
	snprintf(p.digest, sizeof p.digest, "%s", dg("a", '1'));
	ck_assert_int_eq(record(reg, dg("a", '1'), "m", "1", &p, 1), -1); /* itself */
	ms_registry_close(reg);
	ck_assert_int_eq(query_int(db_path, "SELECT count(*) FROM models"), 1);
	ck_assert_int_eq(query_int(db_path, "SELECT count(*) FROM events"), 1);
	ck_assert_int_eq(query_int(db_path, "SELECT count(*) FROM edges"), 0);
}
END_TEST

/* base -> ft (finetune, trained on data) -> q (quantized); m merges q and ft2. */
static void build_family(struct ms_registry *reg)
{
	struct ms_parent_ref p[2];
	ck_assert_int_eq(record(reg, dg("ba5e", '0'), "base", "1", NULL, 0), 0);
	ck_assert_int_eq(record(reg, dg("da7a", '0'), "data", "1", NULL, 0), 0);
	snprintf(p[0].digest, sizeof p[0].digest, "%s", dg("ba5e", '0'));
	p[0].relation = MS_REL_FINETUNE;
	snprintf(p[1].digest, sizeof p[1].digest, "%s", dg("da7a", '0'));
	p[1].relation = MS_REL_DATASET;
	ck_assert_int_eq(record(reg, dg("f7", '0'), "ft", "1", p, 2), 0);
	ck_assert_int_eq(record(reg, dg("f2", '0'), "ft2", "1", p, 1), 0);
	snprintf(p[0].digest, sizeof p[0].digest, "%s", dg("f7", '0'));
	p[0].relation = MS_REL_QUANTIZED;
	ck_assert_int_eq(record(reg, dg("99", '0'), "q", "1", p, 1), 0);
	snprintf(p[0].digest, sizeof p[0].digest, "%s", dg("99", '0'));
	p[0].relation = MS_REL_MERGE;
	snprintf(p[1].digest, sizeof p[1].digest, "%s", dg("f2", '0'));
	p[1].relation = MS_REL_MERGE;
	ck_assert_int_eq(record(reg, dg("3e", '0'), "merged", "1", p, 2), 0);
}

static int has_node(const struct ms_lineage *l, const char *digest)
{
	for (size_t i = 0; i < l->n_nodes; i++)
		if (strcmp(l->nodes[i].digest, digest) == 0)
			return 1;
	return 0;
}

START_TEST(lineage_walks)
{
	struct ms_registry *reg = open_new();
	struct ms_lineage l;
	build_family(reg);
	ck_assert_int_eq(ms_registry_lineage(reg, dg("99", '0'), 0, &l), 0);
	ck_assert_str_eq(l.nodes[0].name, "q");
	ck_assert_uint_eq(l.n_nodes, 4); /* q, ft, base, data */
	ck_assert_uint_eq(l.n_edges, 3);
	ck_assert(has_node(&l, dg("da7a", '0')));
	ck_assert(!has_node(&l, dg("f2", '0')));
	ms_lineage_free(&l);
	/* merge: base is reached through two paths, listed once */
	ck_assert_int_eq(ms_registry_lineage(reg, dg("3e", '0'), 0, &l), 0);
	ck_assert_uint_eq(l.n_nodes, 6);
	ck_assert_uint_eq(l.n_edges, 6);
	ms_lineage_free(&l);
	ck_assert_int_eq(ms_registry_lineage(reg, dg("ba5e", '0'), 1, &l), 0);
	ck_assert_uint_eq(l.n_nodes, 5); /* base, ft, ft2, q, merged */
	ck_assert(!has_node(&l, dg("da7a", '0')));
	ck_assert_uint_eq(l.n_edges, 5);
	ms_lineage_free(&l);
	ck_assert_int_eq(ms_registry_lineage(reg, dg("3e", '0'), 1, &l), 0);
	ck_assert_uint_eq(l.n_nodes, 1);
	ck_assert_uint_eq(l.n_edges, 0);
	ms_lineage_free(&l);
	ck_assert_int_eq(ms_registry_lineage(reg, dg("77", '7'), 0, &l), -1);
	ms_registry_close(reg);
}
END_TEST

START_TEST(lineage_tree_text)
{
	struct ms_registry *reg = open_new();
	struct ms_lineage l;
	build_family(reg);
	ck_assert_int_eq(ms_registry_lineage(reg, dg("3e", '0'), 0, &l), 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ms_lineage_print_tree(f, &l, 0);
	fclose(f);
	/* Branches are sorted by digest: 99 (q) before f2 (ft2). */
	const char *want = "merged@1  sha256:3e0000000000\n"
	                   "├── merge: q@1  sha256:990000000000\n"
	                   "│   └── quantized: ft@1  sha256:f70000000000\n"
	                   "│       ├── finetune: base@1  sha256:ba5e00000000\n"
	                   "│       └── dataset: data@1  sha256:da7a00000000\n"
	                   "└── merge: ft2@1  sha256:f20000000000\n"
	                   "    └── finetune: base@1  sha256:ba5e00000000  (see above)\n";
	ck_assert_str_eq(buf, want);
	free(buf);
	ms_lineage_free(&l);
	ms_registry_close(reg);
}
END_TEST

static int collect(const struct ms_model_info *m, void *ctx)
{
	struct ms_buf *b = ctx;
	ms_buf_printf(b, "%s:%zu ", m->name, m->n_parents);
	return 0;
}

START_TEST(log_is_newest_first)
{
	struct ms_registry *reg = open_new();
	build_family(reg);
	ms_registry_close(reg);
	exec_sql(db_path, "UPDATE models SET created = id"); /* one second apart */
	ck_assert_int_eq(ms_registry_open(db_path, 0, &reg), 0);
	struct ms_buf b = {0};
	ck_assert_int_eq(ms_registry_log(reg, NULL, 0, collect, &b), 0);
	ms_buf_append(&b, "", 1);
	ck_assert_str_eq(b.data, "merged:2 q:1 ft2:1 ft:2 data:0 base:0 ");
	b.len = 0;
	ck_assert_int_eq(ms_registry_log(reg, NULL, 2, collect, &b), 0);
	ck_assert_int_eq(ms_registry_log(reg, "ft", 0, collect, &b), 0);
	ms_buf_append(&b, "", 1);
	ck_assert_str_eq(b.data, "merged:2 q:1 ft:2 ");
	ms_buf_free(&b);
	struct ms_model_info m;
	ck_assert_int_eq(ms_registry_get_model(reg, dg("f7", '0'), MS_INFO_PARENTS, &m), 0);
	ck_assert_uint_eq(m.n_parents, 2);
	ck_assert_str_eq(m.parents[0].name, "base"); /* models before datasets */
	ck_assert_int_eq(m.parents[1].relation, MS_REL_DATASET);
	ms_model_info_free(&m);
	struct ms_model_link *kids;
	size_t n;
	ck_assert_int_eq(ms_registry_children(reg, dg("ba5e", '0'), &kids, &n), 0);
	ck_assert_uint_eq(n, 2);
	ms_model_links_free(kids, n);
	ms_registry_close(reg);
}
END_TEST

START_TEST(event_path_is_quiet_and_optional)
{
	struct ms_registry *reg;
	ck_assert_int_eq(ms_registry_open_existing_for_event(db_path, &reg), 0);
	ck_assert_ptr_null(reg);
	ck_assert_int_eq(access(db_path, F_OK), -1); /* not created */
	reg = open_new();
	ms_registry_close(reg);
	ck_assert_int_eq(ms_registry_open_existing_for_event(db_path, &reg), 1);
	ck_assert_int_eq(ms_registry_record_event(reg, MS_EV_VERIFIED, "sha256:x", NULL), 0);
	ms_registry_close(reg);
	if (geteuid() != 0) { /* root may write anything */
		ck_assert_int_eq(chmod(db_path, 0444), 0);
		ck_assert_int_eq(ms_registry_open_existing_for_event(db_path, &reg), 0);
		/* Readers still read a registry they may not write. */
		ck_assert_int_eq(ms_registry_open(db_path, 0, &reg), 0);
		ck_assert_int_eq(ms_registry_record_event(reg, MS_EV_VERIFIED, "x", NULL), -1);
		ms_registry_close(reg);
		ck_assert_int_eq(chmod(db_path, 0644), 0);
	}
	ck_assert_int_eq(query_int(db_path, "SELECT count(*) FROM events"), 1);
}
END_TEST

static int list_key(const struct ms_trusted_key *k, void *ctx)
{
	ms_buf_printf(ctx, "%s=%s ", k->keyid, k->label ? k->label : "-");
	return 0;
}

START_TEST(revocations_and_trust)
{
	struct ms_registry *reg = open_new();
	char *reason = NULL;
	int64_t t = 0;
	char k2[MS_HEX_LEN + 1], k4[MS_HEX_LEN + 1], k3[MS_HEX_LEN + 1];
	reg_sha256_hex("PEM2", k2); /* a key id is the SHA-256 of its PEM */
	reg_sha256_hex("PEM3", k3);
	reg_sha256_hex("PEM4", k4);
	const char *k1 = dg("c1", '1');
	ck_assert_int_eq(ms_registry_revocation(reg, "key", k1, &reason, &t), 0);
	ck_assert_int_eq(ms_registry_revoke(reg, "key", k1, "leaked"), 0);
	ck_assert_int_eq(ms_registry_revocation(reg, "key", k1, &reason, &t), 1);
	ck_assert_str_eq(reason, "leaked");
	ck_assert_int_gt(t, 0);
	free(reason);
	ck_assert_int_eq(ms_registry_revoke(reg, "nonsense", k1, "x"), -1);
	ck_assert_int_eq(ms_registry_trust_add(reg, k2, "PEM2", "ci"), 0);
	ck_assert_int_eq(ms_registry_trust_add(reg, k3, "PEM3", "ci"), -1); /* label taken */
	ck_assert_int_eq(ms_registry_trust_add(reg, k4, "PEM4", NULL), 0);
	struct ms_buf b = {0};
	ck_assert_int_eq(ms_registry_trust_list(reg, list_key, &b), 0);
	ms_buf_append(&b, "", 1);
	char *want = ms_asprintf("%s=ci %s=- ", k2, k4);
	ck_assert_str_eq(b.data, want);
	free(want);
	ms_buf_free(&b);
	ck_assert_int_eq(ms_registry_trust_remove(reg, k4), 0);
	ck_assert_int_eq(ms_registry_trust_remove(reg, "ci"), 0);
	ck_assert_int_eq(ms_registry_trust_remove(reg, "ci"), 1);
	struct ms_audit a;
	int arc = ms_registry_audit(reg, &a);
	ck_assert_msg(arc == 0, "audit: %s", a.problem ? a.problem : "error");
	ck_assert_uint_eq(a.n_events, 5); /* revoked, trusted x2, untrusted x2 */
	ms_audit_free(&a);
	ms_registry_close(reg);
}
END_TEST

/* A models row edited in place: readers take the event's values, audit
 * names the row and the fields. */
START_TEST(edited_model_row_is_not_believed)
{
	struct ms_registry *reg = open_new();
	ck_assert_int_eq(record(reg, dg("b", '1'), "base", "1", NULL, 0), 0);
	ck_assert_int_eq(record(reg, dg("0", '2'), "other", "1", NULL, 0), 0);
	ms_registry_close(reg);
	exec_sql(db_path, "UPDATE models SET name = 'x' WHERE name = 'base';"
	                  "UPDATE models SET name = 'base', created = 5 WHERE name = 'other';"
	                  "UPDATE models SET name = 'other' WHERE name = 'x'");
	ck_assert_int_eq(ms_registry_open(db_path, 0, &reg), 0);
	struct ms_model_info m;
	ck_assert_int_eq(ms_registry_get_model(reg, dg("0", '2'), 0, &m), 0);
	ck_assert_str_eq(m.name, "other");
	ck_assert_int_ne(m.created, 5);
	ms_model_info_free(&m);
	struct ms_audit a;
	ck_assert_int_eq(ms_registry_audit(reg, &a), 1);
	ck_assert_uint_eq(a.n_problems, 2);
	ck_assert_ptr_nonnull(strstr(a.problems[1], "in: name@version, created"));
	ms_audit_free(&a);
	ms_registry_close(reg);
	/* A row without any event is no record at all. */
	exec_sql(db_path, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE id = 1;");
	ck_assert_int_eq(ms_registry_open(db_path, 0, &reg), 0);
	ck_assert_int_eq(ms_registry_get_model(reg, dg("b", '1'), 0, &m), 1);
	ms_registry_close(reg);
}
END_TEST

/* A row the schema 3 migration could not bind (its bundle is not the one
 * its old event records) keeps the old event, which does not record when
 * the model was signed: created is then the row's, read on its own. */
START_TEST(old_event_leaves_created_to_the_row)
{
	make_v1_registry("{\"other\":1}");
	struct ms_registry *reg;
	ck_assert_int_eq(ms_registry_open(db_path, 0, &reg), 0);
	ck_assert_int_eq(query_int(db_path, "SELECT count(*) FROM events WHERE kind = 'signed'"),
	                 1);
	struct ms_model_info m;
	ck_assert_int_eq(ms_registry_get_model(reg, dg("", 'a'), 0, &m), 0);
	ck_assert_str_eq(m.name, "old");
	ck_assert_int_eq(m.created, 1234);
	ms_model_info_free(&m);
	ms_registry_close(reg);
}
END_TEST

/* Bytes this process has read through read(2) and pread(2) so far. */
static long long bytes_read(void)
{
	FILE *f = fopen("/proc/self/io", "r");
	ck_assert_ptr_nonnull(f);
	char line[128];
	long long n = -1;
	while (n < 0 && fgets(line, sizeof line, f))
		if (sscanf(line, "rchar: %lld", &n) != 1)
			n = -1;
	fclose(f);
	ck_assert_int_ge(n, 0);
	return n;
}

/* A model whose statement and bundle are megabytes (a model of many
 * files): reading it without MS_INFO_FULL, as verify does to name the
 * model it verified and log does for each row, reads neither, nor created
 * (which SQLite stores after them), and still gives the event's created. */
START_TEST(summary_read_leaves_the_texts_alone)
{
	enum { TEXT_LEN = 4 << 20 };
	struct ms_registry *reg = open_new();
	char *statement = ms_calloc(TEXT_LEN + 1, 1), *bundle = ms_calloc(TEXT_LEN + 1, 1);
	memset(statement, 's', TEXT_LEN);
	memset(bundle, 'b', TEXT_LEN);
	struct ms_model_record rec = {
	    .name = "big",
	    .version = "1",
	    .method = "files",
	    .hash = "sha256",
	    .size = 1,
	    .n_files = 1,
	    .signer = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    .statement = statement,
	    .bundle = bundle,
	};
	snprintf(rec.digest, sizeof rec.digest, "%s", dg("b16", '0'));
	ck_assert_int_eq(ms_registry_record_model(reg, &rec), 0);
	ms_registry_close(reg);
	free(statement);
	free(bundle);
	exec_sql(db_path, "UPDATE models SET created = 5");
	ck_assert_int_eq(ms_registry_open(db_path, 0, &reg), 0);
	struct ms_model_info m;
	long long before = bytes_read();
	ck_assert_int_eq(ms_registry_get_model(reg, rec.digest, 0, &m), 0);
	long long summary = bytes_read() - before;
	ck_assert_str_eq(m.name, "big");
	ck_assert_ptr_null(m.statement);
	ck_assert_int_ne(m.created, 5); /* the event's */
	int64_t created = m.created;
	ms_model_info_free(&m);
	ck_assert_msg(summary < (1 << 20), "a summary read read %lld bytes", summary);
	/* The full read does read them: the measure can tell. */
	before = bytes_read();
	ck_assert_int_eq(ms_registry_get_model(reg, rec.digest, MS_INFO_FULL, &m), 0);
	ck_assert_int_ge(bytes_read() - before, 2LL * TEXT_LEN);
	ck_assert_uint_eq(strlen(m.statement), TEXT_LEN);
	ck_assert_int_eq(m.created, created);
	ms_model_info_free(&m);
	ms_registry_close(reg);
}
END_TEST

/* Ten processes creating and writing one new registry at the same time. */
START_TEST(concurrent_writers)
{
	enum { N = 10 };
	pid_t pids[N];
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			char name[16], d[MS_HEX_LEN + 1];
			struct ms_registry *reg;
			snprintf(name, sizeof name, "m%d", i);
			snprintf(d, sizeof d, "%s", dg(name + 1, 'c'));
			if (ms_registry_open(NULL, MS_REG_CREATE, &reg) < 0)
				_exit(1);
			int rc = record(reg, d, name, "1", NULL, 0) < 0 ||
			         ms_registry_record_event(reg, MS_EV_VERIFIED, name, NULL) < 0;
			ms_registry_close(reg);
			_exit(rc);
		}
	}
	for (int i = 0; i < N; i++) {
		int status;
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert_int_eq(query_int(db_path, "SELECT count(*) FROM models"), N);
	ck_assert_int_eq(query_int(db_path, "SELECT count(*) FROM events"), 2 * N);
	int64_t bad;
	ck_assert_int_eq(audit_of(&bad), 0);
}
END_TEST

static Suite *registry_suite(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, schema_is_created);
	tcase_add_test(tc, missing_registry_is_an_error_without_create);
	tcase_add_test(tc, given_location_needs_its_directory);
	tcase_add_test(tc, v1_database_is_migrated);
	tcase_add_test(tc, newer_schema_is_refused);
	tcase_add_test(tc, foreign_and_corrupt_files_are_refused);
	tcase_add_test(tc, event_hash_encoding);
	tcase_add_test(tc, events_are_chained);
	tcase_add_test(tc, audit_catches_rewritten_row);
	tcase_add_test(tc, audit_catches_recomputed_row);
	tcase_add_test(tc, audit_catches_deleted_row);
	tcase_add_test(tc, audit_catches_swapped_signature);
	tcase_add_test(tc, resolve_refs);
	tcase_add_test(tc, resolve_signed_model_path);
	tcase_add_test(tc, names_are_unique);
	tcase_add_test(tc, unknown_parent_records_nothing);
	tcase_add_test(tc, lineage_walks);
	tcase_add_test(tc, lineage_tree_text);
	tcase_add_test(tc, log_is_newest_first);
	tcase_add_test(tc, event_path_is_quiet_and_optional);
	tcase_add_test(tc, revocations_and_trust);
	tcase_add_test(tc, edited_model_row_is_not_believed);
	tcase_add_test(tc, old_event_leaves_created_to_the_row);
	tcase_add_test(tc, summary_read_leaves_the_texts_alone);
	tcase_add_test(tc, concurrent_writers);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(registry_suite)
