/* Signed checkpoints of the event log: the payload, its strict parser, the
 * registry side (the state to sign, keeping them, checking that the log
 * extends one). The format and why: include/modelseal/checkpoint.h. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modelseal/bundle.h"
#include "modelseal/checkpoint.h"
#include "modelseal/json.h"
#include "modelseal/registry_trust.h"
#include "modelseal/util.h"
#include "registry_int.h"

char *ms_checkpoint_payload(const struct ms_checkpoint *c)
{
	char when[32];
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "modelseal_checkpoint", MS_CHECKPOINT_VERSION);
	cJSON_AddStringToObject(o, "registry", c->registry);
	cJSON_AddNumberToObject(o, "size", (double)c->size);
	cJSON_AddStringToObject(o, "head", c->head);
	cJSON_AddStringToObject(o, "time", ms_time_format(c->time, when, sizeof when));
	cJSON_AddStringToObject(o, "trust_sha256", c->trust_sha256);
	char *text = ms_json_print(o);
	cJSON_Delete(o);
	return text;
}

/* A field of exactly n lower-case hex digits into out. */
static int hex_field(const cJSON *o, const char *key, size_t n, const char *what, char *out)
{
	const char *s = ms_json_string(o, key, what);
	if (!s)
		return -1;
	if (strlen(s) != n || !reg_is_hex(s, n, n)) {
		ms_error("%s: field '%s' must be %zu lower-case hex digits", what, key, n);
		return -1;
	}
	memcpy(out, s, n + 1);
	return 0;
}

static int parse_fields(const cJSON *o, const char *what, struct ms_checkpoint *c)
{
	static const char *const fields[] = {
	    "modelseal_checkpoint", "registry", "size", "head", "time", "trust_sha256"};
	uint64_t version;
	const char *when;
	if (ms_json_only_fields(o, fields, MS_ARRAY_LEN(fields), what) < 0 ||
	    ms_json_u64(o, "modelseal_checkpoint", 0, 1000, what, &version) < 0)
		return -1;
	if (version != MS_CHECKPOINT_VERSION) {
		ms_error("%s: version %llu is not supported (this modelseal reads %d)", what,
		         (unsigned long long)version, MS_CHECKPOINT_VERSION);
		return -1;
	}
	if (hex_field(o, "registry", MS_REGISTRY_ID_HEX, what, c->registry) < 0 ||
	    ms_json_u64(o, "size", 0, (uint64_t)INT64_MAX, what, &c->size) < 0 ||
	    hex_field(o, "head", MS_HEX_LEN, what, c->head) < 0 ||
	    hex_field(o, "trust_sha256", MS_HEX_LEN, what, c->trust_sha256) < 0 ||
	    !(when = ms_json_string(o, "time", what)))
		return -1;
	if (ms_time_parse(when, &c->time) < 0) {
		ms_error("%s: time must be UTC YYYY-MM-DDTHH:MM:SSZ", what);
		return -1;
	}
	return 0;
}

int ms_checkpoint_parse(const char *json, size_t len, const char *what, struct ms_checkpoint *out)
{
	memset(out, 0, sizeof *out);
	cJSON *o = ms_json_parse(json, len, what);
	if (!o)
		return -1;
	int rc = -1;
	if (!cJSON_IsObject(o))
		ms_error("%s must be a JSON object", what);
	else
		rc = parse_fields(o, what, out);
	cJSON_Delete(o);
	return rc;
}

int ms_checkpoint_verify(const char *bundle, size_t len, const char *what,
                         struct ms_pubkey *const *keys, size_t n_keys, struct ms_checkpoint *out)
{
	uint8_t *payload = NULL;
	size_t plen = 0, which;
	int rc = ms_bundle_verify(bundle, len, what, MS_CHECKPOINT_PAYLOAD_TYPE, keys, n_keys,
	                          &payload, &plen, &which);
	if (rc != MS_OK)
		return rc;
	char *w = ms_asprintf("%s: payload", what);
	rc = ms_checkpoint_parse((const char *)payload, plen, w, out) < 0 ? MS_ERR : MS_OK;
	free(w);
	free(payload);
	return rc;
}

int ms_checkpoint_load(const char *path, struct ms_pubkey *const *keys, size_t n_keys,
                       struct ms_checkpoint *out)
{
	char *text;
	size_t len;
	if (ms_read_file(path, MS_CHECKPOINT_MAX, "checkpoint", &text, &len) < 0)
		return MS_ERR;
	char *what = ms_asprintf("checkpoint '%s'", path);
	int rc = ms_checkpoint_verify(text, len, what, keys, n_keys, out);
	if (rc == MS_FAIL)
		ms_error("%s: the signature does not verify with %s", what,
		         n_keys == 1 ? "the given key" : "any of the given keys");
	free(what);
	free(text);
	return rc;
}

/* ---- the registry side ---- */

int ms_registry_id(struct ms_registry *reg, char out[MS_REGISTRY_ID_HEX + 1])
{
	struct db_stmt *st = reg_prepare(reg, "SELECT value FROM meta WHERE name = 'registry_id'");
	if (!st)
		return -1;
	int rc = reg_step(reg, st);
	const char *id = rc == DB_ROW ? db_column_text(st, 0) : NULL;
	int ok = id && strlen(id) == MS_REGISTRY_ID_HEX && reg_is_hex(id, 1, MS_REGISTRY_ID_HEX);
	if (ok)
		memcpy(out, id, MS_REGISTRY_ID_HEX + 1);
	db_finalize(st);
	if (rc >= 0 && !ok)
		reg_error(reg,
		          "the registry's identity (meta registry_id) is missing or malformed");
	return ok ? 0 : -1;
}

int ms_registry_checkpoint_now(struct ms_registry *reg, struct ms_checkpoint *out,
                               struct ms_audit *a)
{
	struct ms_trust t;
	memset(out, 0, sizeof *out);
	/* One snapshot: the audit, the trust state and the head agree. */
	if (reg_begin_read(reg) < 0)
		return -1;
	int rc = ms_registry_audit(reg, a);
	if (rc == 0)
		rc = ms_registry_id(reg, out->registry) < 0 || ms_registry_trust_load(reg, &t) < 0
		         ? -1
		         : 0;
	if (rc == 0) {
		ms_trust_digest(&t, out->trust_sha256);
		ms_trust_free(&t);
		out->size = a->n_events;
		memcpy(out->head, a->head, sizeof out->head);
		out->time = (int64_t)time(NULL);
	}
	reg_rollback(reg);
	return rc;
}

int ms_registry_checkpoint_store(struct ms_registry *reg, const struct ms_checkpoint *c,
                                 const char *bundle)
{
	if (reg_begin(reg) < 0)
		return -1;
	struct db_stmt *st = reg_prepare(reg, "INSERT INTO checkpoints (registry, size, head, time,"
	                                      " envelope) VALUES (?1, ?2, ?3, ?4, ?5)"
	                                      " ON CONFLICT (registry, size) DO UPDATE SET"
	                                      " head = excluded.head, time = excluded.time,"
	                                      " envelope = excluded.envelope");
	if (!st) {
		reg_rollback(reg);
		return -1;
	}
	reg_bind_text(st, 1, c->registry);
	db_bind_int64(st, 2, (int64_t)c->size);
	reg_bind_text(st, 3, c->head);
	db_bind_int64(st, 4, c->time);
	reg_bind_text(st, 5, bundle);
	int rc = reg_step(reg, st);
	db_finalize(st);
	if (rc < 0) {
		reg_rollback(reg);
		return -1;
	}
	return reg_commit(reg);
}

int ms_registry_checkpoint_newest(struct ms_registry *reg, const char *id, struct ms_checkpoint *c,
                                  char **bundle)
{
	char own[MS_REGISTRY_ID_HEX + 1];
	if (!id && ms_registry_id(reg, own) < 0)
		return -1;
	struct db_stmt *st = reg_prepare(reg, "SELECT size, head, time, envelope FROM checkpoints"
	                                      " WHERE registry = ?1 ORDER BY size DESC, time DESC"
	                                      " LIMIT 1");
	if (!st)
		return -1;
	reg_bind_text(st, 1, id ? id : own);
	int rc = reg_step(reg, st);
	if (rc == DB_ROW) {
		memset(c, 0, sizeof *c);
		snprintf(c->registry, sizeof c->registry, "%s", id ? id : own);
		c->size = (uint64_t)db_column_int64(st, 0);
		snprintf(c->head, sizeof c->head, "%s", db_column_text(st, 1));
		c->time = db_column_int64(st, 2);
		if (bundle)
			*bundle = reg_column_dup(st, 3);
	}
	db_finalize(st);
	return rc < 0 ? -1 : rc == DB_ROW;
}

/* The audit has checked every link of the chain; what is left is that the
 * checkpoint's last event is still there with the same hash. */
int ms_registry_check_checkpoint(struct ms_registry *reg, const struct ms_checkpoint *c,
                                 struct ms_audit *a)
{
	char id[MS_REGISTRY_ID_HEX + 1], hash[MS_HEX_LEN + 1] = "";
	if (ms_registry_id(reg, id) < 0)
		return -1;
	const char *problem = NULL;
	if (strcmp(id, c->registry) != 0) {
		problem = "the checkpoint is of another registry";
	} else if (c->size > a->n_events) {
		problem = "the log was truncated below the checkpoint";
	} else if (c->size == 0) {
		memcpy(hash, reg_zero_hash, sizeof hash);
	} else {
		struct db_stmt *st = reg_prepare(reg, "SELECT hash FROM events WHERE id = ?1");
		if (!st)
			return -1;
		db_bind_int64(st, 1, (int64_t)c->size);
		int rc = reg_step(reg, st);
		if (rc == DB_ROW)
			snprintf(hash, sizeof hash, "%s", db_column_text(st, 0));
		db_finalize(st);
		if (rc < 0)
			return -1;
	}
	if (!problem && strcmp(hash, c->head) != 0)
		problem = "the log was rewritten below the checkpoint";
	if (!problem)
		return 0;
	char when[32];
	char *msg = ms_asprintf("checkpoint (registry %s, %llu events, head %.16s..., %s): %s; the "
	                        "log now has %llu events",
	                        c->registry, (unsigned long long)c->size, c->head,
	                        ms_time_format(c->time, when, sizeof when), problem,
	                        (unsigned long long)a->n_events);
	a->problems = ms_reallocarray(a->problems, a->n_problems + 1, sizeof *a->problems);
	a->problems[a->n_problems++] = ms_strdup(msg);
	if (!a->problem) {
		a->problem = msg;
		a->bad_id = c->size <= a->n_events ? (int64_t)c->size : 0;
	} else {
		free(msg);
	}
	return 1;
}

int ms_checkpoint_peek(const char *bundle, const char *what, struct ms_checkpoint *out)
{
	struct ms_bundle b;
	if (ms_bundle_parse(bundle, strlen(bundle), what, &b) < 0)
		return -1;
	int rc = strcmp(b.payload_type, MS_CHECKPOINT_PAYLOAD_TYPE) == 0
	             ? ms_checkpoint_parse((const char *)b.payload, b.payload_len, what, out)
	             : -1;
	if (rc < 0 && strcmp(b.payload_type, MS_CHECKPOINT_PAYLOAD_TYPE) != 0)
		ms_error("%s: not a checkpoint (payloadType '%.100s')", what, b.payload_type);
	ms_bundle_free(&b);
	return rc;
}

/* Whether any trust file with a checkpoint was imported here. */
static int imported_before(struct ms_registry *reg, int *yes)
{
	char own[MS_REGISTRY_ID_HEX + 1];
	if (ms_registry_id(reg, own) < 0)
		return -1;
	struct db_stmt *st =
	    reg_prepare(reg, "SELECT count(*) FROM checkpoints WHERE registry <> ?1");
	if (!st)
		return -1;
	reg_bind_text(st, 1, own);
	int rc = reg_step(reg, st);
	*yes = rc == DB_ROW && db_column_int64(st, 0) > 0;
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

/* The keys a checkpoint of an imported file may be signed by. */
static struct ms_pubkey **checkpoint_keys(const struct ms_trust *have, const struct ms_trust *in,
                                          size_t *n)
{
	const struct ms_trust *from = have->n_keys ? have : in;
	struct ms_pubkey **keys = ms_calloc(from->n_keys ? from->n_keys : 1, sizeof *keys);
	for (size_t i = 0; i < from->n_keys; i++)
		keys[i] = from->keys[i].key;
	*n = from->n_keys;
	return keys;
}

static int not_rolled_back(struct ms_registry *reg, const struct ms_checkpoint *c)
{
	struct ms_checkpoint seen;
	int rc = ms_registry_checkpoint_newest(reg, c->registry, &seen, NULL);
	if (rc <= 0)
		return rc < 0 ? MS_ERR : MS_OK;
	if (c->size < seen.size) {
		ms_error(
		    "trust file rolled back: its checkpoint covers %llu events of registry %s, "
		    "but this host already imported one covering %llu; get the newest trust "
		    "file",
		    (unsigned long long)c->size, c->registry, (unsigned long long)seen.size);
		return MS_FAIL;
	}
	if (c->size == seen.size && strcmp(c->head, seen.head) != 0) {
		ms_error(
		    "trust file forked: its checkpoint of registry %s at %llu events has another "
		    "head than the one this host imported",
		    c->registry, (unsigned long long)c->size);
		return MS_FAIL;
	}
	return MS_OK;
}

int ms_registry_check_trust_file(struct ms_registry *reg, const struct ms_trust *have,
                                 const struct ms_trust *in, struct ms_checkpoint *c, int *has)
{
	*has = 0;
	if (!in->checkpoint) {
		int before;
		if (imported_before(reg, &before) < 0)
			return MS_ERR;
		if (!before)
			return MS_OK;
		ms_error(
		    "the trust file carries no checkpoint, but this host imported checkpointed "
		    "trust files before: refusing a possible rollback (export it again after "
		    "'modelseal checkpoint')");
		return MS_FAIL;
	}
	size_t n;
	struct ms_pubkey **keys = checkpoint_keys(have, in, &n);
	int rc = ms_checkpoint_verify(in->checkpoint, strlen(in->checkpoint),
	                              "trust file checkpoint", keys, n, c);
	free(keys);
	if (rc == MS_FAIL)
		ms_error("the trust file's checkpoint is not signed by a key %s",
		         have->n_keys ? "this host trusts" : "of the file (first import)");
	if (rc != MS_OK)
		return rc;
	char digest[MS_HEX_LEN + 1];
	ms_trust_digest(in, digest);
	if (strcmp(digest, c->trust_sha256) != 0) {
		ms_error("the trust file's keys and revocations are not the ones its checkpoint "
		         "signs (edited after export?)");
		return MS_FAIL;
	}
	rc = not_rolled_back(reg, c);
	*has = rc == MS_OK;
	return rc;
}

int ms_registry_trust_file_current(struct ms_registry *reg, const struct ms_trust *have,
                                   const struct ms_trust *in)
{
	struct ms_checkpoint c;
	int has;
	return ms_registry_check_trust_file(reg, have, in, &c, &has) == MS_OK ? 0 : -1;
}
