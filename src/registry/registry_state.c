/* State bound to the event log: a models row against the newest 'signed'
 * event of its model, an event against its neighbours in the chain, and the
 * schema 3 migration that binds rows recorded before it. Plain SQL only:
 * the comparisons are in C so that another backend can share them. */
#include <cJSON.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/util.h"
#include "registry_int.h"

const char reg_zero_hash[MS_HEX_LEN + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

void reg_sha256_hex(const char *s, char out[MS_HEX_LEN + 1])
{
	uint8_t md[32];
	EVP_Digest(s, strlen(s), md, NULL, EVP_sha256(), NULL);
	ms_hex_encode(md, sizeof md, out);
}

static const char *text_or_empty(struct db_stmt *st, int i)
{
	const char *s = db_column_text(st, i);
	return s ? s : "";
}

void reg_event_from_row(struct db_stmt *st, struct reg_event *e)
{
	e->id = db_column_int64(st, 0);
	e->time = db_column_int64(st, 1);
	e->kind = ms_strdup(text_or_empty(st, 2));
	e->subject = ms_strdup(text_or_empty(st, 3));
	e->detail = ms_strdup(text_or_empty(st, 4));
	snprintf(e->prev, sizeof e->prev, "%s", text_or_empty(st, 5));
	snprintf(e->hash, sizeof e->hash, "%s", text_or_empty(st, 6));
}

void reg_event_free(struct reg_event *e)
{
	free(e->kind);
	free(e->subject);
	free(e->detail);
	memset(e, 0, sizeof *e);
}

/* The hash column of event id, or "" when there is no such event (with
 * want_prev: its prev_hash column instead). 0, or -1 on error. */
static const char prev_hash_sql[] = "SELECT prev_hash FROM events WHERE id = ?1";
static const char hash_sql[] = "SELECT hash FROM events WHERE id = ?1";

static int neighbour(struct ms_registry *r, int64_t id, int want_prev, char out[MS_HEX_LEN + 1])
{
	struct db_stmt *st = reg_prepare_cached(r, want_prev ? prev_hash_sql : hash_sql);
	if (!st)
		return -1;
	db_bind_int64(st, 1, id);
	int rc = reg_step(r, st);
	snprintf(out, MS_HEX_LEN + 1, "%s", rc == DB_ROW ? text_or_empty(st, 0) : "");
	reg_done(st);
	return rc < 0 ? -1 : 0;
}

/* Local checks only: the whole chain is audit's job. They catch an edited
 * event; an attacker who rewrites every later event too is caught by a
 * signed checkpoint (audit --checkpoint). */
int reg_event_intact(struct ms_registry *r, const struct reg_event *e)
{
	char h[MS_HEX_LEN + 1], before[MS_HEX_LEN + 1], after[MS_HEX_LEN + 1];
	ms_event_hash(e->id, e->time, e->kind, e->subject, e->detail, e->prev, h);
	if (strcmp(h, e->hash) != 0)
		return 0;
	if (neighbour(r, e->id - 1, 0, before) < 0 || neighbour(r, e->id + 1, 1, after) < 0)
		return -1;
	if (strcmp(e->prev, e->id == 1 ? reg_zero_hash : before) != 0)
		return 0;
	return !*after || strcmp(after, e->hash) == 0;
}

static const char latest_signed_sql[] = "SELECT " REG_EVENT_COLS " FROM events"
                                        " WHERE subject = ?1 AND kind = 'signed'"
                                        " ORDER BY id DESC LIMIT 1";

int reg_latest_signed(struct ms_registry *r, const char *digest, struct reg_event *e)
{
	struct db_stmt *st = reg_prepare_cached(r, latest_signed_sql);
	if (!st)
		return -1;
	char *subject = ms_asprintf("sha256:%s", digest);
	reg_bind_text(st, 1, subject);
	free(subject);
	int rc = reg_step(r, st);
	if (rc == DB_ROW)
		reg_event_from_row(st, e);
	reg_done(st);
	return rc < 0 ? -1 : rc == DB_ROW;
}

/* ---- fields ---- */

void reg_fields_free(struct reg_model_fields *f)
{
	free(f->name);
	free(f->version);
	free(f->method);
	free(f->hash);
	free(f->signer);
	memset(f, 0, sizeof *f);
}

static char *json_dup(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	return s ? ms_strdup(s) : NULL;
}

int64_t reg_json_int(const cJSON *n, int64_t fallback)
{
	/* Details come from the file: a number out of range must not reach the
	 * cast (undefined behaviour). 2^63 is exact as a double. */
	if (!cJSON_IsNumber(n) ||
	    !(n->valuedouble >= -9223372036854775808.0 && n->valuedouble < 9223372036854775808.0))
		return fallback;
	return (int64_t)n->valuedouble;
}

static int64_t json_int(const cJSON *o, const char *key)
{
	return reg_json_int(cJSON_GetObjectItemCaseSensitive(o, key), -1);
}

static void json_hex(const cJSON *o, const char *key, char out[MS_HEX_LEN + 1])
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	snprintf(out, MS_HEX_LEN + 1, "%s", s ? s : "");
}

int reg_fields_from_detail(const char *detail, struct reg_model_fields *f)
{
	memset(f, 0, sizeof *f);
	cJSON *d = cJSON_Parse(detail);
	if (!cJSON_IsObject(d)) {
		cJSON_Delete(d);
		return -1;
	}
	f->complete = cJSON_GetObjectItemCaseSensitive(d, "created") != NULL;
	f->name = json_dup(d, "name");
	f->version = json_dup(d, "version");
	f->has_name = f->complete || f->name;
	f->signer = json_dup(d, "signer");
	f->method = json_dup(d, "method");
	f->hash = json_dup(d, "hash");
	f->size = json_int(d, "size");
	f->files = json_int(d, "files");
	f->created = json_int(d, "created");
	json_hex(d, "statement_sha256", f->statement_sha256);
	json_hex(d, "bundle_sha256", f->bundle_sha256);
	json_hex(d, "provenance_sha256", f->provenance_sha256);
	f->has_texts = 1;
	cJSON_Delete(d);
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? ms_strdup(s) : NULL;
}

static void hash_text(const char *s, char out[MS_HEX_LEN + 1])
{
	if (s)
		reg_sha256_hex(s, out);
	else
		out[0] = '\0';
}

void reg_fields_from_info(const struct ms_model_info *m, int texts, struct reg_model_fields *f)
{
	memset(f, 0, sizeof *f);
	f->complete = f->has_name = 1;
	f->name = dup_or_null(m->name);
	f->version = dup_or_null(m->version);
	f->method = dup_or_null(m->method);
	f->hash = dup_or_null(m->hash);
	f->signer = dup_or_null(m->signer);
	f->size = (int64_t)m->size;
	f->files = (int64_t)m->n_files;
	f->created = m->created;
	f->has_texts = texts;
	if (texts) {
		hash_text(m->statement, f->statement_sha256);
		hash_text(m->bundle, f->bundle_sha256);
		hash_text(m->provenance, f->provenance_sha256);
	}
}

static int str_differs(const char *a, const char *b)
{
	return (!a != !b) || (a && strcmp(a, b) != 0);
}

static void diff_name(struct ms_buf *out, const char *name)
{
	ms_buf_printf(out, "%s%s", out->len ? ", " : "", name);
}

/* An older detail records fewer fields: only those it has are compared. */
void reg_fields_diff(const struct reg_model_fields *row, const struct reg_model_fields *ev,
                     struct ms_buf *out)
{
	if (ev->has_name &&
	    (str_differs(row->name, ev->name) || str_differs(row->version, ev->version)))
		diff_name(out, "name@version");
	if (ev->signer && str_differs(row->signer, ev->signer))
		diff_name(out, "signer");
	if (ev->complete) {
		if (str_differs(row->method, ev->method) || str_differs(row->hash, ev->hash))
			diff_name(out, "method");
		if (row->size != ev->size || row->files != ev->files)
			diff_name(out, "size");
		if (row->created != ev->created)
			diff_name(out, "created");
		if (row->has_texts && strcmp(row->statement_sha256, ev->statement_sha256) != 0)
			diff_name(out, "statement");
	}
	if (row->has_texts && strcmp(row->bundle_sha256, ev->bundle_sha256) != 0)
		diff_name(out, "signature");
	if (row->has_texts && strcmp(row->provenance_sha256, ev->provenance_sha256) != 0)
		diff_name(out, "provenance");
}

/* ---- the detail of a 'signed' event ---- */

static void add_hash(cJSON *d, const char *key, struct db_stmt *st, int col)
{
	char hex[MS_HEX_LEN + 1];
	if (db_column_is_null(st, col))
		return;
	reg_sha256_hex(text_or_empty(st, col), hex);
	cJSON_AddStringToObject(d, key, hex);
}

static int add_parents(struct ms_registry *r, const char *digest, cJSON *d)
{
	struct db_stmt *st = reg_prepare(r, "SELECT parent, relation FROM edges WHERE child = ?1"
	                                    " ORDER BY parent");
	if (!st)
		return -1;
	reg_bind_text(st, 1, digest);
	cJSON *parents = cJSON_AddArrayToObject(d, "parents");
	int rc;
	while ((rc = reg_step(r, st)) == DB_ROW) {
		cJSON *p = cJSON_CreateObject();
		char *dg = ms_asprintf("sha256:%s", text_or_empty(st, 0));
		cJSON_AddStringToObject(p, "digest", dg);
		cJSON_AddStringToObject(p, "relation", text_or_empty(st, 1));
		cJSON_AddItemToArray(parents, p);
		free(dg);
	}
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

char *reg_model_detail(struct ms_registry *r, const char *digest, int migrated)
{
	struct db_stmt *st =
	    reg_prepare(r, "SELECT name, version, signer, method, hash, size, files,"
	                   " created, statement, bundle, provenance"
	                   " FROM models WHERE digest = ?1");
	if (!st)
		return NULL;
	reg_bind_text(st, 1, digest);
	int rc = reg_step(r, st);
	if (rc != DB_ROW) {
		if (rc == DB_DONE)
			reg_error(r, "model sha256:%s vanished while being recorded", digest);
		db_finalize(st);
		return NULL;
	}
	cJSON *d = cJSON_CreateObject();
	if (!db_column_is_null(st, 0)) {
		cJSON_AddStringToObject(d, "name", text_or_empty(st, 0));
		cJSON_AddStringToObject(d, "version", text_or_empty(st, 1));
	}
	cJSON_AddStringToObject(d, "signer", text_or_empty(st, 2));
	cJSON_AddStringToObject(d, "method", text_or_empty(st, 3));
	cJSON_AddStringToObject(d, "hash", text_or_empty(st, 4));
	cJSON_AddNumberToObject(d, "size", (double)db_column_int64(st, 5));
	cJSON_AddNumberToObject(d, "files", (double)db_column_int64(st, 6));
	cJSON_AddNumberToObject(d, "created", (double)db_column_int64(st, 7));
	add_hash(d, "statement_sha256", st, 8);
	add_hash(d, "bundle_sha256", st, 9);
	add_hash(d, "provenance_sha256", st, 10);
	db_finalize(st);
	if (migrated)
		cJSON_AddBoolToObject(d, "migrated", 1);
	char *text = add_parents(r, digest, d) < 0 ? NULL : cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	return text;
}

/* ---- readers ---- */

static void replace(char **dst, const char *src)
{
	free(*dst);
	*dst = dup_or_null(src);
}

/* Takes the event's values for what differs; texts that differ go. */
static void correct(struct ms_model_info *m, const struct reg_model_fields *ev)
{
	if (ev->has_name) {
		replace(&m->name, ev->name);
		replace(&m->version, ev->version);
	}
	if (ev->signer)
		replace(&m->signer, ev->signer);
	if (ev->complete) {
		replace(&m->method, ev->method);
		replace(&m->hash, ev->hash);
		m->size = (uint64_t)ev->size;
		m->n_files = (uint64_t)ev->files;
		m->created = ev->created;
	}
	struct reg_model_fields row;
	reg_fields_from_info(m, 1, &row);
	if (ev->complete && strcmp(row.statement_sha256, ev->statement_sha256) != 0)
		replace(&m->statement, NULL);
	if (strcmp(row.bundle_sha256, ev->bundle_sha256) != 0)
		replace(&m->bundle, NULL);
	if (strcmp(row.provenance_sha256, ev->provenance_sha256) != 0)
		replace(&m->provenance, NULL);
	reg_fields_free(&row);
}

/* m against its newest 'signed' event: 1 with *ev (the event's fields,
 * older details compared only in what they record when partial) and the
 * differing field names in diff, 0 when there is no intact event with a
 * readable detail, -1 error. Without REG_ROW_CREATED, m->created was not
 * read and is not compared. */
static int against_event(struct ms_registry *r, const struct ms_model_info *m, unsigned read,
                         int partial, struct reg_model_fields *ev, int64_t *id, struct ms_buf *diff)
{
	struct reg_event e = {0};
	struct reg_model_fields row;
	int rc = reg_latest_signed(r, m->digest, &e);
	if (rc > 0)
		rc = reg_event_intact(r, &e);
	if (rc > 0 && reg_fields_from_detail(e.detail, ev) < 0)
		rc = 0;
	if (rc > 0) {
		if (partial)
			ev->complete = 0;
		reg_fields_from_info(m, (read & REG_ROW_TEXTS) != 0, &row);
		if (!(read & REG_ROW_CREATED))
			row.created = ev->created;
		reg_fields_diff(&row, ev, diff);
		reg_fields_free(&row);
		*id = e.id;
	}
	reg_event_free(&e);
	return rc;
}

/* The row's created, read on its own: in SQLite it lies after the
 * statement and bundle, so reading it walks their overflow pages (tens of
 * milliseconds for a model of 200,000 files). Only for an event that does
 * not record it. */
static int row_created(struct ms_registry *r, struct ms_model_info *m)
{
	struct db_stmt *st = reg_prepare(r, "SELECT created FROM models WHERE digest = ?1");
	if (!st)
		return -1;
	reg_bind_text(st, 1, m->digest);
	int rc = reg_step(r, st);
	if (rc == DB_ROW)
		m->created = db_column_int64(st, 0);
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

int reg_model_check(struct ms_registry *r, struct ms_model_info *m, unsigned read)
{
	struct reg_model_fields ev;
	struct ms_buf diff = {0};
	int64_t id = 0;
	int rc = against_event(r, m, read, 0, &ev, &id, &diff);
	/* The event's created is the record's: a row that says otherwise is
	 * corrected below when it was read, and audit names it. */
	if (rc > 0 && !(read & REG_ROW_CREATED)) {
		if (ev.complete) {
			m->created = ev.created;
		} else if (row_created(r, m) < 0) {
			reg_fields_free(&ev);
			ms_buf_free(&diff);
			return -1;
		}
	}
	if (rc == 0)
		ms_warn("registry %s: model sha256:%.12s... has no intact 'signed' event; its "
		        "record is ignored (run 'modelseal audit')",
		        r->path, m->digest);
	if (rc > 0 && diff.len) {
		ms_warn("registry %s: the record of sha256:%.12s... differs from its 'signed' "
		        "event %lld (%s); the event's values are used (run 'modelseal audit')",
		        r->path, m->digest, (long long)id, diff.data);
		correct(m, &ev);
	}
	if (rc > 0)
		reg_fields_free(&ev);
	ms_buf_free(&diff);
	return rc;
}

/* ---- the schema 3 migration ---- */

/* Whether a model's row agrees with its older 'signed' event. */
static int row_agrees(struct ms_registry *r, struct db_stmt *st)
{
	struct ms_model_info m = {0};
	struct reg_model_fields ev;
	struct ms_buf diff = {0};
	int64_t id;
	snprintf(m.digest, sizeof m.digest, "%s", text_or_empty(st, 0));
	m.name = reg_column_dup(st, 1);
	m.version = reg_column_dup(st, 2);
	m.signer = reg_column_dup(st, 3);
	m.bundle = reg_column_dup(st, 4);
	m.provenance = reg_column_dup(st, 5);
	int rc = against_event(r, &m, REG_ROW_TEXTS | REG_ROW_CREATED, 1, &ev, &id, &diff);
	if (rc > 0) {
		rc = diff.len == 0;
		reg_fields_free(&ev);
	}
	ms_buf_free(&diff);
	ms_model_info_free(&m);
	return rc;
}

/* Rows that disagree with their event stay unbound: audit names them. */
int reg_bind_existing_models(struct ms_registry *r)
{
	struct db_stmt *st =
	    reg_prepare(r, "SELECT digest, name, version, signer, bundle, provenance"
	                   " FROM models ORDER BY id");
	if (!st)
		return -1;
	int rc, n = 0;
	while ((rc = reg_step(r, st)) == DB_ROW) {
		const char *digest = text_or_empty(st, 0);
		int ok = row_agrees(r, st);
		if (ok < 0) {
			rc = -1;
			break;
		}
		if (!ok) {
			ms_warn(
			    "registry %s: model sha256:%.12s... does not match its 'signed' event; "
			    "left unbound (run 'modelseal audit')",
			    r->path, digest);
			continue;
		}
		char *detail = reg_model_detail(r, digest, 1);
		char *subject = ms_asprintf("sha256:%s", digest);
		int arc = detail ? reg_append_event(r, "signed", subject, detail) : -1;
		free(detail);
		free(subject);
		if (arc < 0) {
			rc = -1;
			break;
		}
		n++;
	}
	db_finalize(st);
	if (rc >= 0 && n)
		ms_debug("registry %s: bound %d recorded model%s to the event log", r->path, n,
		         n == 1 ? "" : "s");
	return rc < 0 ? -1 : 0;
}
