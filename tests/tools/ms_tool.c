/* Test helper, not installed: runs one of modelseal's parsers on a file, or
 * signs arbitrary payload bytes into a bundle, so the shell tests can feed
 * hostile statements through a real signature to `verify`.
 *
 *   ms_tool parse json|statement|bundle|pubkey FILE
 *   ms_tool sign KEY TYPE PAYLOAD [KEY2]   bundle on stdout; KEY2 adds a
 *                                          second signature
 *   ms_tool rechain REGISTRY [SQL]         runs SQL with the log's triggers
 *                                          dropped, then re-hashes the whole
 *                                          event chain: the attacker who
 *                                          rewrites history consistently
 * Exit 0 when accepted, 2 with modelseal's own error otherwise. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/b64.h"
#include "modelseal/bundle.h"
#include "modelseal/json.h"
#include "modelseal/keys.h"
#include "modelseal/manifest.h"
#include "modelseal/registry.h"
#include "modelseal/util.h"

#define MAX_INPUT ((size_t)256 << 20)

static int parse(const char *kind, const char *path)
{
	char *text;
	size_t len;
	if (ms_read_file(path, MAX_INPUT, kind, &text, &len) < 0)
		return MS_ERR;
	int ok = 0;
	if (strcmp(kind, "json") == 0) {
		cJSON *doc = ms_json_parse(text, len, "document");
		ok = doc != NULL;
		cJSON_Delete(doc);
	} else if (strcmp(kind, "statement") == 0) {
		struct ms_manifest m;
		ok = ms_statement_parse(text, len, &m) == 0;
		if (ok)
			ms_manifest_free(&m);
	} else if (strcmp(kind, "bundle") == 0) {
		struct ms_bundle b;
		ok = ms_bundle_parse(text, len, "bundle", &b) == 0;
		if (ok)
			ms_bundle_free(&b);
	} else if (strcmp(kind, "pubkey") == 0) {
		struct ms_pubkey *k;
		ok = ms_pubkey_parse(text, len, "public key", &k) == 0;
		if (ok)
			ms_pubkey_free(k);
	} else {
		ms_error("unknown kind '%s'", kind);
	}
	free(text);
	return ok ? MS_OK : MS_ERR;
}

/* Adds a signature of the same payload by a second key to the bundle. */
static char *add_signature(char *bundle, const struct ms_seckey *k2, const char *type,
                           const char *payload, size_t len)
{
	cJSON *b = cJSON_Parse(bundle);
	cJSON *sigs = cJSON_GetObjectItem(cJSON_GetObjectItem(b, "dsseEnvelope"), "signatures");
	size_t pae_len;
	uint8_t *pae = ms_dsse_pae(type, (const uint8_t *)payload, len, &pae_len);
	uint8_t sig[MS_SIG_MAX];
	size_t n = ms_seckey_signature(k2, pae, pae_len, sig);
	if (n == 0)
		exit(MS_ERR);
	char *sig64 = ms_b64_encode(sig, n);
	cJSON *entry = cJSON_CreateObject();
	cJSON_AddStringToObject(entry, "sig", sig64);
	cJSON_AddStringToObject(entry, "keyid", ms_pubkey_id(ms_seckey_public(k2)));
	cJSON_AddItemToArray(sigs, entry);
	char *out = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	free(sig64);
	free(pae);
	free(bundle);
	return out;
}

static int sign(char **argv, int argc)
{
	struct ms_seckey *k = NULL, *k2 = NULL;
	char *payload;
	size_t len;
	if (ms_seckey_load(argv[0], NULL, &k) < 0 ||
	    (argc > 3 && ms_seckey_load(argv[3], NULL, &k2) < 0) ||
	    ms_read_file(argv[2], MAX_INPUT, "payload", &payload, &len) < 0)
		return MS_ERR;
	char *bundle = ms_bundle_sign((const uint8_t *)payload, len, argv[1], k);
	if (k2)
		bundle = add_signature(bundle, k2, argv[1], payload, len);
	puts(bundle);
	free(bundle);
	free(payload);
	ms_seckey_free(k);
	ms_seckey_free(k2);
	return MS_OK;
}

/* Re-hashes every event from the first on, as the real code would have. */
static int rehash(sqlite3 *db)
{
	sqlite3_stmt *q, *u;
	char prev[MS_HEX_LEN + 1], hash[MS_HEX_LEN + 1];
	memset(prev, '0', MS_HEX_LEN);
	prev[MS_HEX_LEN] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT id, time, kind, subject, detail FROM events ORDER BY id",
	                       -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE events SET prev_hash = ?1, hash = ?2 WHERE id = ?3", -1,
	                       &u, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(q) == SQLITE_ROW) {
		ms_event_hash(sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
		              (const char *)sqlite3_column_text(q, 2),
		              (const char *)sqlite3_column_text(q, 3),
		              (const char *)sqlite3_column_text(q, 4), prev, hash);
		sqlite3_reset(u);
		sqlite3_bind_text(u, 1, prev, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(u, 2, hash, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(u, 3, sqlite3_column_int64(q, 0));
		if (sqlite3_step(u) != SQLITE_DONE)
			return -1;
		memcpy(prev, hash, sizeof prev);
	}
	sqlite3_finalize(q);
	sqlite3_finalize(u);
	return 0;
}

static int rechain(const char *path, const char *sql)
{
	sqlite3 *db;
	char *err = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	                 sqlite3_exec(db,
	                              "BEGIN; DROP TRIGGER IF EXISTS events_no_update;"
	                              " DROP TRIGGER IF EXISTS events_no_delete;",
	                              NULL, NULL, &err) == SQLITE_OK &&
	                 (!sql || sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK) &&
	                 rehash(db) == 0 &&
	                 sqlite3_exec(
	                     db,
	                     "CREATE TRIGGER events_no_update BEFORE UPDATE ON events\n"
	                     "  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;\n"
	                     "CREATE TRIGGER events_no_delete BEFORE DELETE ON events\n"
	                     "  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;\n"
	                     "COMMIT",
	                     NULL, NULL, &err) == SQLITE_OK
	             ? MS_OK
	             : MS_ERR;
	if (rc != MS_OK)
		ms_error("rechain %s: %s", path, err ? err : sqlite3_errmsg(db));
	sqlite3_free(err);
	sqlite3_close(db);
	return rc;
}

int main(int argc, char **argv)
{
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "rechain") == 0)
		return rechain(argv[2], argc == 4 ? argv[3] : NULL);
	if (argc == 4 && strcmp(argv[1], "parse") == 0)
		return parse(argv[2], argv[3]);
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "sign") == 0)
		return sign(argv + 2, argc - 2);
	fputs("usage: ms_tool parse json|statement|bundle|pubkey FILE\n"
	      "       ms_tool sign KEY TYPE PAYLOAD [KEY2]\n"
	      "       ms_tool rechain REGISTRY [SQL]\n",
	      stderr);
	return MS_ERR;
}
