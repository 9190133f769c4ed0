/* The hash-chained event log, revocations, trusted keys, and the audit
 * that re-checks all of it. */
#include <cJSON.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modelseal/util.h"
#include "registry_int.h"

static const char *const kind_names[] = {"signed",  "verified", "failed",
                                         "revoked", "trusted",  "untrusted"};

const char *ms_event_kind_name(enum ms_event_kind kind)
{
	return kind_names[kind];
}

static void sha256_hex(const void *data, size_t len, char out[MS_HEX_LEN + 1])
{
	uint8_t md[32];
	EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL);
	ms_hex_encode(md, sizeof md, out);
}

static void put_field(struct ms_buf *b, const char *s)
{
	size_t n = strlen(s);
	ms_buf_printf(b, "%zu:", n);
	ms_buf_append(b, s, n);
	ms_buf_append(b, "\n", 1);
}

/* The canonical encoding of an event row, the input of its hash:
 *
 *   "modelseal.event.v1\n"
 *   then, for each of id, time, kind, subject, detail, prev_hash in this
 *   order: the field's length in bytes as a decimal number, ":", the
 *   field's bytes, "\n".
 *
 * id and time are written as decimal integers (a leading "-" only when
 * negative), the text fields as the exact UTF-8 bytes stored in the row,
 * prev_hash as 64 lower-case hex digits (64 zeros for the first event).
 * The length prefixes make the encoding unambiguous whatever the fields
 * contain. hash = lower-case hex SHA-256 of these bytes. */
void ms_event_hash(int64_t id, int64_t time, const char *kind, const char *subject,
                   const char *detail, const char *prev_hash, char out[MS_HEX_LEN + 1])
{
	struct ms_buf b = {0};
	char num[24];
	ms_buf_printf(&b, "modelseal.event.v1\n");
	snprintf(num, sizeof num, "%lld", (long long)id);
	put_field(&b, num);
	snprintf(num, sizeof num, "%lld", (long long)time);
	put_field(&b, num);
	put_field(&b, kind);
	put_field(&b, subject);
	put_field(&b, detail);
	put_field(&b, prev_hash);
	sha256_hex(b.data, b.len, out);
	ms_buf_free(&b);
}

int reg_append_event(struct ms_registry *r, const char *kind, const char *subject,
                     const char *detail)
{
	char prev[MS_HEX_LEN + 1], hash[MS_HEX_LEN + 1];
	int64_t id = 1;
	memcpy(prev, reg_zero_hash, sizeof prev);
	struct db_stmt *st = reg_prepare(r, "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1");
	if (!st)
		return -1;
	int rc = reg_step(r, st);
	if (rc == DB_ROW) {
		const char *h = db_column_text(st, 1);
		id = db_column_int64(st, 0) + 1;
		snprintf(prev, sizeof prev, "%s", h ? h : "");
	}
	db_finalize(st);
	if (rc < 0)
		return -1;
	int64_t now = (int64_t)time(NULL);
	if (!detail)
		detail = "{}";
	ms_event_hash(id, now, kind, subject, detail, prev, hash);
	st = reg_prepare(r, "INSERT INTO events (id, time, kind, subject, detail, prev_hash, hash)"
	                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (!st)
		return -1;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, now);
	reg_bind_text(st, 3, kind);
	reg_bind_text(st, 4, subject);
	reg_bind_text(st, 5, detail);
	reg_bind_text(st, 6, prev);
	reg_bind_text(st, 7, hash);
	rc = reg_step(r, st);
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

struct event_args {
	const char *kind, *subject, *detail;
};

static int record_event(struct ms_registry *reg, const void *ctx)
{
	const struct event_args *e = ctx;
	if (reg_begin(reg) < 0)
		return -1;
	if (reg_append_event(reg, e->kind, e->subject, e->detail) < 0) {
		reg_rollback(reg);
		return -1;
	}
	return reg_commit(reg);
}

int ms_registry_record_event(struct ms_registry *reg, enum ms_event_kind kind, const char *subject,
                             const char *detail)
{
	struct event_args e = {ms_event_kind_name(kind), subject, detail};
	return reg_retry(reg, record_event, &e);
}

int ms_registry_note_event(enum ms_event_kind kind, const char *subject, const char *detail)
{
	struct ms_registry *reg;
	if (ms_registry_open_existing_for_event(NULL, &reg) != 1)
		return 0;
	int rc = ms_registry_record_event(reg, kind, subject, detail);
	ms_registry_close(reg);
	return rc == 0;
}

/* Runs one write statement and an event in a single transaction. */
int reg_write_with_event(struct ms_registry *r, struct db_stmt *st, const char *kind,
                         const char *subject, cJSON *detail)
{
	char *text = cJSON_PrintUnformatted(detail);
	int rc = reg_step(r, st) < 0 || reg_append_event(r, kind, subject, text) < 0 ? -1 : 0;
	db_finalize(st);
	cJSON_Delete(detail);
	free(text);
	if (rc < 0) {
		reg_rollback(r);
		return -1;
	}
	return reg_commit(r);
}

int ms_registry_revoke(struct ms_registry *reg, const char *kind, const char *subject,
                       const char *reason)
{
	if (reg_begin(reg) < 0)
		return -1;
	struct db_stmt *st =
	    reg_prepare(reg, "INSERT INTO revocations (kind, subject, reason, time)"
	                     " VALUES (?1, ?2, ?3, ?4)" REVOCATION_REPLACES);
	if (!st) {
		reg_rollback(reg);
		return -1;
	}
	reg_bind_text(st, 1, kind);
	reg_bind_text(st, 2, subject);
	reg_bind_text(st, 3, reason);
	db_bind_int64(st, 4, (int64_t)time(NULL));
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "kind", kind);
	cJSON_AddStringToObject(d, "reason", reason);
	char *ev_subject =
	    strcmp(kind, "model") == 0 ? ms_asprintf("sha256:%s", subject) : ms_strdup(subject);
	int rc = reg_write_with_event(reg, st, "revoked", ev_subject, d);
	free(ev_subject);
	return rc;
}

/* The newest 'revoked' event of a subject: what show and log report when
 * the row was deleted (revocations fail closed, as in verify). */
static int revocation_event(struct ms_registry *reg, const char *kind, const char *subject,
                            char **reason, int64_t *when)
{
	struct db_stmt *st = reg_prepare(reg, "SELECT detail, time FROM events WHERE subject = ?1"
	                                      " AND kind = 'revoked' ORDER BY id DESC LIMIT 1");
	if (!st)
		return -1;
	char *ev_subject =
	    strcmp(kind, "model") == 0 ? ms_asprintf("sha256:%s", subject) : ms_strdup(subject);
	reg_bind_text(st, 1, ev_subject);
	free(ev_subject);
	int rc = reg_step(reg, st), found = 0;
	if (rc == DB_ROW) {
		cJSON *d = cJSON_Parse(db_column_text(st, 0));
		const char *k = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "kind"));
		const char *why =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "reason"));
		found = k && why && strcmp(k, kind) == 0;
		if (found && reason)
			*reason = ms_strdup(why);
		if (found && when)
			*when = reg_json_int(cJSON_GetObjectItemCaseSensitive(d, "time"),
			                     db_column_int64(st, 1));
		cJSON_Delete(d);
	}
	db_finalize(st);
	return rc < 0 ? -1 : found;
}

int ms_registry_revocation(struct ms_registry *reg, const char *kind, const char *subject,
                           char **reason, int64_t *when)
{
	struct db_stmt *st = reg_prepare(reg, "SELECT reason, time FROM revocations"
	                                      " WHERE kind = ?1 AND subject = ?2");
	if (!st)
		return -1;
	reg_bind_text(st, 1, kind);
	reg_bind_text(st, 2, subject);
	int rc = reg_step(reg, st);
	if (rc == DB_ROW) {
		if (reason)
			*reason = reg_column_dup(st, 0);
		if (when)
			*when = db_column_int64(st, 1);
	}
	db_finalize(st);
	if (rc == DB_DONE)
		return revocation_event(reg, kind, subject, reason, when);
	return rc < 0 ? -1 : 1;
}

int ms_registry_trust_add(struct ms_registry *reg, const char *keyid, const char *pem,
                          const char *label)
{
	if (reg_begin(reg) < 0)
		return -1;
	struct db_stmt *st = reg_prepare(
	    reg, "INSERT INTO trusted_keys (keyid, pem, label, added) VALUES (?1, ?2, ?3, ?4)"
	         " ON CONFLICT (keyid) DO UPDATE SET label = excluded.label");
	if (!st) {
		reg_rollback(reg);
		return -1;
	}
	reg_bind_text(st, 1, keyid);
	reg_bind_text(st, 2, pem);
	reg_bind_text(st, 3, label);
	db_bind_int64(st, 4, (int64_t)time(NULL));
	cJSON *d = cJSON_CreateObject();
	if (label)
		cJSON_AddStringToObject(d, "label", label);
	/* The key itself, so that the log alone says what is trusted. */
	cJSON_AddStringToObject(d, "pem", pem);
	return reg_write_with_event(reg, st, "trusted", keyid, d);
}

int ms_registry_trust_remove(struct ms_registry *reg, const char *keyid_or_label)
{
	if (reg_begin(reg) < 0)
		return -1;
	struct db_stmt *st =
	    reg_prepare(reg, "SELECT keyid FROM trusted_keys WHERE keyid = ?1 OR label = ?1");
	if (!st) {
		reg_rollback(reg);
		return -1;
	}
	reg_bind_text(st, 1, keyid_or_label);
	int rc = reg_step(reg, st);
	char *keyid = rc == DB_ROW ? reg_column_dup(st, 0) : NULL;
	db_finalize(st);
	if (!keyid) {
		reg_rollback(reg);
		return rc < 0 ? -1 : 1;
	}
	st = reg_prepare(reg, "DELETE FROM trusted_keys WHERE keyid = ?1");
	if (!st) {
		free(keyid);
		reg_rollback(reg);
		return -1;
	}
	reg_bind_text(st, 1, keyid);
	rc = reg_write_with_event(reg, st, "untrusted", keyid, cJSON_CreateObject());
	free(keyid);
	return rc;
}

int ms_registry_trust_list(struct ms_registry *reg,
                           int (*fn)(const struct ms_trusted_key *k, void *ctx), void *ctx)
{
	struct db_stmt *st = reg_prepare(reg, "SELECT keyid, pem, label, added FROM trusted_keys"
	                                      " ORDER BY added, keyid");
	if (!st)
		return -1;
	int rc, stop = 0;
	while (!stop && (rc = reg_step(reg, st)) == DB_ROW) {
		struct ms_trusted_key k = {
		    .keyid = db_column_text(st, 0),
		    .pem = db_column_text(st, 1),
		    .label = db_column_text(st, 2),
		    .added = db_column_int64(st, 3),
		};
		stop = fn(&k, ctx);
	}
	db_finalize(st);
	return !stop && rc < 0 ? -1 : 0;
}
