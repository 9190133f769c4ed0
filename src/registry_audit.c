/* Audit: the database's own consistency, the event chain, and that each
 * model's stored signature is the one its 'signed' event vouches for. */
#include <cJSON.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/util.h"
#include "registry_int.h"

static int found(struct ms_audit *a, int64_t id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int found(struct ms_audit *a, int64_t id, const char *fmt, ...)
{
	va_list ap;
	char msg[512];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	a->bad_id = id;
	a->problem = ms_strdup(msg);
	return 1;
}

/* PRAGMA integrity_check and foreign_key_check: 0 fine, 1 problem, -1 error. */
static int check_database(struct ms_registry *r, struct ms_audit *a)
{
	sqlite3_stmt *st = reg_prepare(r, "PRAGMA integrity_check");
	if (!st)
		return -1;
	int rc = reg_step(r, st);
	if (rc == SQLITE_ROW) {
		const char *msg = (const char *)sqlite3_column_text(st, 0);
		if (!msg || strcmp(msg, "ok") != 0) {
			rc = found(a, 0, "database damaged: %s", msg ? msg : "?");
			for (char *p = a->problem; *p; p++) /* one line */
				if (*p == '\n')
					*p = ' ';
		} else
			rc = 0;
	}
	sqlite3_finalize(st);
	if (rc != 0)
		return rc < 0 ? -1 : 1;
	st = reg_prepare(r, "PRAGMA foreign_key_check");
	if (!st)
		return -1;
	rc = reg_step(r, st);
	if (rc == SQLITE_ROW)
		rc = found(a, 0, "database inconsistent: a row of table %s refers to a missing %s",
		           sqlite3_column_text(st, 0), sqlite3_column_text(st, 2));
	else
		rc = rc < 0 ? -1 : 0;
	sqlite3_finalize(st);
	return rc;
}

static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

/* One event against the one before: 0 fine, 1 problem. */
static int check_event(sqlite3_stmt *st, int64_t want_id, const char *prev, struct ms_audit *a)
{
	int64_t id = sqlite3_column_int64(st, 0);
	char hash[MS_HEX_LEN + 1];
	if (id != want_id)
		return found(a, id, "event %lld: events %lld to %lld are missing", (long long)id,
		             (long long)want_id, (long long)id - 1);
	if (strcmp(col(st, 5), prev) != 0)
		return found(a, id,
		             "event %lld: prev_hash does not match event %lld "
		             "(the chain was cut or rewritten)",
		             (long long)id, (long long)id - 1);
	ms_event_hash(id, sqlite3_column_int64(st, 1), col(st, 2), col(st, 3), col(st, 4), prev,
	              hash);
	if (strcmp(col(st, 6), hash) != 0)
		return found(a, id, "event %lld: row content does not match its hash (rewritten)",
		             (long long)id);
	return 0;
}

static int check_chain(struct ms_registry *r, struct ms_audit *a)
{
	sqlite3_stmt *st = reg_prepare(r, "SELECT id, time, kind, subject, detail, prev_hash, hash"
	                                  " FROM events ORDER BY id");
	if (!st)
		return -1;
	int rc, bad = 0;
	while (!bad && (rc = reg_step(r, st)) == SQLITE_ROW) {
		bad = check_event(st, (int64_t)a->n_events + 1, a->head, a);
		if (!bad) {
			a->n_events++;
			snprintf(a->head, sizeof a->head, "%s", col(st, 6));
		}
	}
	sqlite3_finalize(st);
	return bad ? 1 : rc < 0 ? -1 : 0;
}

static void sha256_hex(const char *s, char out[MS_HEX_LEN + 1])
{
	uint8_t md[32];
	EVP_Digest(s, strlen(s), md, NULL, EVP_sha256(), NULL);
	ms_hex_encode(md, sizeof md, out);
}

/* The detail field of a model's last 'signed' event names the SHA-256 of
 * the bundle (and provenance) recorded with it. */
static int check_model(sqlite3_stmt *st, struct ms_audit *a)
{
	const char *digest = col(st, 0);
	int64_t ev = sqlite3_column_int64(st, 3);
	if (sqlite3_column_type(st, 3) == SQLITE_NULL)
		return found(a, 0, "model sha256:%s has no 'signed' event", digest);
	cJSON *d = cJSON_Parse(col(st, 4));
	const char *fields[] = {"bundle_sha256", "provenance_sha256"};
	int bad = 0;
	for (int i = 0; i < 2 && !bad; i++) {
		const char *want =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, fields[i]));
		char got[MS_HEX_LEN + 1] = "";
		if (sqlite3_column_type(st, 1 + i) != SQLITE_NULL)
			sha256_hex(col(st, 1 + i), got);
		if (strcmp(want ? want : "", got) != 0)
			bad = found(
			    a, ev,
			    "model sha256:%s: its stored %s is not the one event %lld records",
			    digest, i == 0 ? "signature" : "provenance", (long long)ev);
	}
	cJSON_Delete(d);
	return bad;
}

static int check_models(struct ms_registry *r, struct ms_audit *a)
{
	sqlite3_stmt *st = reg_prepare(
	    r, "SELECT m.digest, m.bundle, m.provenance, e.id, e.detail FROM models m"
	       " LEFT JOIN events e ON e.id = (SELECT max(id) FROM events WHERE kind = 'signed'"
	       " AND subject = 'sha256:' || m.digest) ORDER BY m.id");
	if (!st)
		return -1;
	int rc, bad = 0;
	while (!bad && (rc = reg_step(r, st)) == SQLITE_ROW)
		bad = check_model(st, a);
	sqlite3_finalize(st);
	return bad ? 1 : rc < 0 ? -1 : 0;
}

int ms_registry_audit(struct ms_registry *reg, struct ms_audit *out)
{
	memset(out, 0, sizeof *out);
	memset(out->head, '0', MS_HEX_LEN);
	/* One read transaction: a consistent snapshot while others sign. */
	if (reg_exec(reg, "BEGIN") < 0)
		return -1;
	int rc = check_database(reg, out);
	if (rc == 0)
		rc = check_chain(reg, out);
	if (rc == 0)
		rc = check_models(reg, out);
	reg_rollback(reg);
	return rc;
}

void ms_audit_free(struct ms_audit *a)
{
	free(a->problem);
	a->problem = NULL;
}
