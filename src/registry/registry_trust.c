/* Reading the trust store and revocations back, and importing revocations
 * with their original time (trust import). */
#include <cJSON.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "modelseal/cli.h"
#include "modelseal/registry_trust.h"
#include "modelseal/util.h"
#include "registry_int.h"

static int set(const char *name)
{
	const char *v = getenv(name);
	return v && *v;
}

int ms_registry_located(void)
{
	return (ms_global.registry && *ms_global.registry) || set("MODELSEAL_REGISTRY") ||
	       set("XDG_DATA_HOME") || set("HOME");
}

int ms_registry_open_if_exists(struct ms_registry **out)
{
	struct stat st;
	*out = NULL;
	/* Without any location (no HOME, as in some containers) there is no
	 * registry; ms_registry_default_path would call that an error. */
	if (!ms_registry_located())
		return 0;
	char *path = ms_registry_default_path();
	if (!path)
		return 0;
	int rc = 0;
	if (ms_registry_is_url(path))
		rc = ms_registry_open(path, MS_REG_MAYBE, out) < 0 ? -1 : *out != NULL;
	else if (stat(path, &st) < 0 && errno == ENOENT)
		ms_debug("registry %s: none; no trusted keys or revocations from it", path);
	else
		rc = ms_registry_open(path, 0, out) < 0 ? -1 : 1;
	/* The location may carry a password. */
	OPENSSL_cleanse(path, strlen(path));
	free(path);
	return rc;
}

/* ---- opening in the background ----
 *
 * Opening a PostgreSQL registry costs a connection (the server forks a
 * backend) and a few catalog queries: milliseconds that sign spends
 * waiting. It starts them in a thread before it hashes and waits for them
 * only when it first needs the registry. A local file opens in place. */
struct ms_registry_opening {
	pthread_t thread;
	int threaded;
	atomic_int done; /* the thread has set rc, reg and error */
	int rc;
	struct ms_registry *reg;
	char *error; /* the thread's first error, reported by _finish */
};

static void *open_in_background(void *arg)
{
	struct ms_registry_opening *o = arg;
	ms_error_divert(&o->error);
	o->rc = ms_registry_open_if_exists(&o->reg);
	ms_error_divert(NULL);
	atomic_store(&o->done, 1);
	return NULL;
}

static int location_is_url(void)
{
	if (!ms_registry_located())
		return 0;
	char *path = ms_registry_default_path();
	int url = path && ms_registry_is_url(path);
	if (path)
		OPENSSL_cleanse(path, strlen(path));
	free(path);
	return url;
}

struct ms_registry_opening *ms_registry_open_if_exists_start(void)
{
	struct ms_registry_opening *o = ms_calloc(1, sizeof *o);
	o->threaded =
	    location_is_url() && pthread_create(&o->thread, NULL, open_in_background, o) == 0;
	if (!o->threaded)
		o->rc = ms_registry_open_if_exists(&o->reg);
	return o;
}

int ms_registry_open_if_exists_done(struct ms_registry_opening *o)
{
	return !o->threaded || atomic_load(&o->done);
}

/* Waits for the opening and frees it: the registry it opened (NULL when
 * none) and its rc. An opening in place reported its errors as they came;
 * the thread's first one is shown as an error, or only with -v when
 * nobody needs the registry any more. */
static struct ms_registry *opening_end(struct ms_registry_opening *o, int needed, int *rc)
{
	if (o->threaded)
		pthread_join(o->thread, NULL);
	*rc = o->rc;
	if (o->error && needed)
		ms_error("%s", o->error);
	else if (o->error)
		ms_debug("the registry's opening, no longer needed, failed: %s", o->error);
	else if (*rc < 0 && o->threaded && needed)
		ms_error("the registry could not be opened");
	struct ms_registry *reg = o->reg;
	free(o->error);
	free(o);
	return reg;
}

int ms_registry_open_if_exists_finish(struct ms_registry_opening *o, struct ms_registry **out)
{
	int rc = 0;
	*out = o ? opening_end(o, 1, &rc) : NULL;
	if (rc <= 0) {
		ms_registry_close(*out);
		*out = NULL;
	}
	return rc;
}

void ms_registry_open_if_exists_abandon(struct ms_registry_opening *o)
{
	int rc;
	if (o)
		ms_registry_close(opening_end(o, 0, &rc));
}

/* ---- trust state from the event log ----
 *
 * Keys are trusted only as the log says: the newest 'trusted' or
 * 'untrusted' event of each key decides, and a trusted_keys row without
 * such an event is ignored. Revocations fail closed: a 'revoked' event
 * counts, and so does a revocations row without one. Each event relied on
 * must be intact (its hash, its links); one that is not is an error, so a
 * damaged log never makes verify pass. */

static struct reg_key_state *key_slot(struct reg_trust_replay *p, const char *keyid)
{
	for (size_t i = 0; i < p->n_keys; i++)
		if (strcmp(p->keys[i].keyid, keyid) == 0)
			return &p->keys[i];
	p->keys = ms_reallocarray(p->keys, p->n_keys + 1, sizeof *p->keys);
	struct reg_key_state *k = &p->keys[p->n_keys++];
	memset(k, 0, sizeof *k);
	snprintf(k->keyid, sizeof k->keyid, "%s", keyid);
	return k;
}

static const char *detail_str(const cJSON *d, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, key));
}

static void replay_key(struct reg_trust_replay *p, const struct reg_event *e, const cJSON *d)
{
	struct reg_key_state *k = key_slot(p, e->subject);
	int trusted = strcmp(e->kind, "trusted") == 0;
	free(k->label);
	free(k->pem);
	k->label = trusted && detail_str(d, "label") ? ms_strdup(detail_str(d, "label")) : NULL;
	k->pem = trusted && detail_str(d, "pem") ? ms_strdup(detail_str(d, "pem")) : NULL;
	if (trusted && !k->trusted) { /* trusted again: it moves to the end, as 'added' did */
		struct reg_key_state tmp = *k;
		size_t at = (size_t)(k - p->keys);
		memmove(k, k + 1, (p->n_keys - at - 1) * sizeof *k);
		p->keys[p->n_keys - 1] = tmp;
		k = &p->keys[p->n_keys - 1];
	}
	k->trusted = trusted;
	k->event = e->id;
}

static int replay_revocation(struct reg_trust_replay *p, const struct reg_event *e, const cJSON *d)
{
	const char *kind = detail_str(d, "kind"), *reason = detail_str(d, "reason");
	const char *subject = e->subject;
	const cJSON *when = cJSON_GetObjectItemCaseSensitive(d, "time");
	const char *identity = detail_str(d, "identity"), *issuer = detail_str(d, "issuer");
	int ident = kind && strcmp(kind, "identity") == 0;
	if (kind && strcmp(kind, "model") == 0 && strncmp(subject, "sha256:", 7) == 0)
		subject += 7;
	if (ident && strncmp(subject, "identity:", 9) == 0)
		subject += 9;
	if (!kind || !reason ||
	    (strcmp(kind, "key") != 0 && strcmp(kind, "model") != 0 && !ident) ||
	    !ms_is_hex64(subject) || (ident && (!identity || !issuer)))
		return -1;
	/* A later revocation of the same subject replaces the reason. */
	struct ms_revocation *r =
	    ms_trust_add_revocation(&p->revs, kind, subject, reason, reg_json_int(when, e->time));
	free(r->reason);
	r->reason = ms_strdup(reason);
	r->time = reg_json_int(when, e->time);
	if (ident && !r->identity) {
		r->identity = ms_strdup(identity);
		r->issuer = ms_strdup(issuer);
	}
	return 0;
}

/* A CA ("ca:<id>") or an identity ("identity:<id>"): the event's detail
 * says everything, and its id must be that of what it names. */
static int replay_ca(struct reg_trust_replay *p, const char *id, const cJSON *d)
{
	const char *pem = detail_str(d, "pem");
	char got[MS_HEX_LEN + 1], *subject, *canon;
	if (!pem || ms_ca_parse(pem, strlen(pem), "trusted CA", got, &subject, &canon) < 0)
		return -1;
	int rc = strcmp(got, id) == 0 ? 0 : -1;
	if (rc == 0)
		ms_trust_add_ca(&p->anchors, id, canon, subject, detail_str(d, "label"));
	free(subject);
	free(canon);
	return rc;
}

static int replay_identity(struct reg_trust_replay *p, const char *id, const cJSON *d)
{
	const char *identity = detail_str(d, "identity"), *issuer = detail_str(d, "issuer");
	char got[MS_HEX_LEN + 1];
	if (!identity || !issuer)
		return -1;
	ms_identity_id(identity, issuer, got);
	if (strcmp(got, id) != 0)
		return -1;
	ms_trust_add_identity(&p->anchors, identity, issuer, detail_str(d, "trusted_root"),
	                      detail_str(d, "label"));
	return 0;
}

static int replay_anchor(struct reg_trust_replay *p, const struct reg_event *e, const cJSON *d)
{
	int ca = strncmp(e->subject, "ca:", 3) == 0;
	const char *id = e->subject + (ca ? 3 : 9);
	if (!ms_is_hex64(id))
		return -1;
	/* trusted again: it moves to the end, as keys do */
	ms_trust_remove_anchor(&p->anchors, id);
	if (strcmp(e->kind, "trusted") != 0)
		return 0;
	return ca ? replay_ca(p, id, d) : replay_identity(p, id, d);
}

static int is_anchor_subject(const char *s)
{
	return strncmp(s, "ca:", 3) == 0 || strncmp(s, "identity:", 9) == 0;
}

static int replay_event(struct reg_trust_replay *p, const struct reg_event *e)
{
	int rc = p->lenient ? 1 : reg_event_intact(p->reg, e);
	if (rc <= 0) {
		if (rc == 0)
			reg_error(p->reg,
			          "event %lld (%s %s) is not intact: the event log was edited; "
			          "run 'modelseal audit'",
			          (long long)e->id, e->kind, e->subject);
		return -1;
	}
	cJSON *d = cJSON_Parse(e->detail);
	rc = cJSON_IsObject(d) ? 0 : -1;
	if (rc == 0 && strcmp(e->kind, "revoked") == 0)
		rc = replay_revocation(p, e, d);
	else if (rc == 0 && is_anchor_subject(e->subject))
		rc = replay_anchor(p, e, d);
	else if (rc == 0 && ms_is_hex64(e->subject))
		replay_key(p, e, d);
	else
		rc = -1;
	cJSON_Delete(d);
	if (rc < 0 && p->lenient) /* audit names the rows it fails to back */
		return 0;
	if (rc < 0)
		reg_error(p->reg, "event %lld (%s): malformed subject or detail", (long long)e->id,
		          e->kind);
	return rc;
}

int reg_trust_replay_log(struct reg_trust_replay *p)
{
	struct db_stmt *st =
	    reg_prepare(p->reg, "SELECT " REG_EVENT_COLS " FROM events"
	                        " WHERE kind IN ('trusted', 'untrusted', 'revoked')"
	                        " ORDER BY id");
	if (!st)
		return -1;
	int rc;
	while ((rc = reg_step(p->reg, st)) == DB_ROW) {
		struct reg_event e;
		reg_event_from_row(st, &e);
		int bad = replay_event(p, &e) < 0;
		reg_event_free(&e);
		if (bad) {
			rc = -1;
			break;
		}
	}
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

/* The PEM of a key the log trusts: the event's, else the row's (bound by
 * the key id, the SHA-256 of the PEM). NULL when there is neither. */
static char *key_pem(struct reg_trust_replay *p, const struct reg_key_state *k)
{
	char *pem = NULL;
	if (k->pem)
		return ms_strdup(k->pem);
	struct db_stmt *st = reg_prepare(p->reg, "SELECT pem FROM trusted_keys WHERE keyid = ?1");
	if (!st)
		return NULL;
	reg_bind_text(st, 1, k->keyid);
	if (reg_step(p->reg, st) == DB_ROW)
		pem = reg_column_dup(st, 0);
	db_finalize(st);
	return pem;
}

static int load_key(struct reg_trust_replay *p, const struct reg_key_state *k, struct ms_trust *t)
{
	char *what = ms_asprintf("registry %s: trusted key %s", ms_registry_path(p->reg), k->keyid);
	char *pem = key_pem(p, k);
	struct ms_pubkey *key = NULL;
	int rc = 0;
	if (!pem)
		ms_warn("%s: its public key is missing (trusted_keys row deleted?); not trusted; "
		        "run 'modelseal audit'",
		        what);
	else if (ms_pubkey_parse(pem, strlen(pem), what, &key) < 0)
		rc = -1;
	else if (strcmp(ms_pubkey_id(key), k->keyid) != 0) {
		ms_error("%s: stored key id does not match the key", what);
		ms_pubkey_free(key);
		rc = -1;
	} else {
		ms_trust_add_key(t, key, k->label);
	}
	free(pem);
	free(what);
	return rc;
}

/* Rows the log does not back are named, never trusted. */
static int warn_unbacked_keys(struct reg_trust_replay *p, const struct ms_trust *t)
{
	struct db_stmt *st = reg_prepare(p->reg, "SELECT keyid FROM trusted_keys ORDER BY keyid");
	int rc;
	if (!st)
		return -1;
	while ((rc = reg_step(p->reg, st)) == DB_ROW) {
		const char *id = db_column_text(st, 0);
		if (id && !ms_trust_find_key(t, id))
			ms_warn("registry %s: trusted_keys row %.16s... has no 'trusted' event; "
			        "ignored (run 'modelseal audit')",
			        ms_registry_path(p->reg), id);
	}
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

/* CA and identity rows the log does not back: named, never trusted. */
static int warn_unbacked_anchors(struct reg_trust_replay *p, const struct ms_trust *t)
{
	struct db_stmt *st = reg_prepare(p->reg, "SELECT 'CA', id FROM trusted_cas UNION ALL"
	                                         " SELECT 'identity', id FROM trusted_identities"
	                                         " ORDER BY 1, 2");
	int rc;
	if (!st)
		return -1;
	while ((rc = reg_step(p->reg, st)) == DB_ROW) {
		const char *what = db_column_text(st, 0);
		const char *id = db_column_text(st, 1);
		if (id && !ms_trust_find_ca(t, id) && !ms_trust_find_identity(t, id))
			ms_warn("registry %s: trusted %s row %.16s... has no 'trusted' event; "
			        "ignored (run 'modelseal audit')",
			        ms_registry_path(p->reg), what, id);
	}
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

/* Revocation rows count even without their event: they can only fail a
 * verification, never pass one. */
static int add_revocation_rows(struct reg_trust_replay *p, struct ms_trust *t)
{
	struct db_stmt *st =
	    reg_prepare(p->reg, "SELECT kind, subject, reason, time, identity, issuer"
	                        " FROM revocations ORDER BY time, kind, subject");
	int rc;
	if (!st)
		return -1;
	while ((rc = reg_step(p->reg, st)) == DB_ROW) {
		const char *kind = db_column_text(st, 0);
		const char *subject = db_column_text(st, 1);
		const char *reason = db_column_text(st, 2);
		if (!kind || !subject || !reason || !ms_is_hex64(subject)) {
			reg_error(p->reg, "malformed revocation row");
			rc = -1;
			break;
		}
		if (!ms_trust_revocation(t, kind, subject))
			ms_warn("registry %s: revocation of %s %.16s... has no 'revoked' event; "
			        "counted anyway (run 'modelseal audit')",
			        ms_registry_path(p->reg), kind, subject);
		struct ms_revocation r = {.reason = (char *)reason,
		                          .time = db_column_int64(st, 3),
		                          .identity = (char *)db_column_text(st, 4),
		                          .issuer = (char *)db_column_text(st, 5)};
		snprintf(r.kind, sizeof r.kind, "%s", kind);
		snprintf(r.subject, sizeof r.subject, "%s", subject);
		ms_trust_copy_revocation(t, &r);
	}
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

void reg_trust_replay_free(struct reg_trust_replay *p)
{
	for (size_t i = 0; i < p->n_keys; i++) {
		free(p->keys[i].label);
		free(p->keys[i].pem);
	}
	free(p->keys);
	ms_trust_free(&p->revs);
	ms_trust_free(&p->anchors);
}

int ms_registry_trust_load(struct ms_registry *reg, struct ms_trust *out)
{
	struct reg_trust_replay p = {.reg = reg};
	int rc = 0;
	memset(out, 0, sizeof *out);
	/* One snapshot of the log and the tables (unless the caller holds one). */
	int own = !reg_in_transaction(reg);
	if (own && reg_begin_read(reg) < 0)
		return -1;
	rc = reg_trust_replay_log(&p);
	for (size_t i = 0; rc == 0 && i < p.n_keys; i++)
		if (p.keys[i].trusted)
			rc = load_key(&p, &p.keys[i], out);
	for (size_t i = 0; rc == 0 && i < p.revs.n_revs; i++)
		ms_trust_copy_revocation(out, &p.revs.revs[i]);
	if (rc == 0) { /* the anchors move over */
		out->cas = p.anchors.cas;
		out->n_cas = p.anchors.n_cas;
		out->ids = p.anchors.ids;
		out->n_ids = p.anchors.n_ids;
		p.anchors.cas = NULL;
		p.anchors.ids = NULL;
		p.anchors.n_cas = p.anchors.n_ids = 0;
	}
	if (rc == 0)
		rc = warn_unbacked_keys(&p, out) < 0 || warn_unbacked_anchors(&p, out) < 0 ||
		             add_revocation_rows(&p, out) < 0
		         ? -1
		         : 0;
	if (own)
		reg_rollback(reg);
	reg_trust_replay_free(&p);
	if (rc < 0)
		ms_trust_free(out);
	return rc;
}

static void add_whose(cJSON *d, const char *identity, const char *issuer)
{
	if (!identity)
		return;
	cJSON_AddStringToObject(d, "identity", identity);
	cJSON_AddStringToObject(d, "issuer", issuer);
}

char *ms_revocation_event_subject(const char *kind, const char *subject)
{
	if (strcmp(kind, "model") == 0)
		return ms_asprintf("sha256:%s", subject);
	if (strcmp(kind, "identity") == 0)
		return ms_asprintf("identity:%s", subject);
	return ms_strdup(subject);
}

int ms_registry_import_revocation(struct ms_registry *reg, const struct ms_revocation *r)
{
	if (reg_writable(reg) < 0 || reg_begin(reg) < 0)
		return -1;
	struct db_stmt *st = reg_prepare(
	    reg, "INSERT INTO revocations (kind, subject, reason, time, identity, issuer)"
	         " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING");
	if (!st) {
		reg_rollback(reg);
		return -1;
	}
	reg_bind_text(st, 1, r->kind);
	reg_bind_text(st, 2, r->subject);
	reg_bind_text(st, 3, r->reason);
	db_bind_int64(st, 4, r->time);
	reg_bind_text(st, 5, r->identity);
	reg_bind_text(st, 6, r->issuer);
	int rc = reg_step(reg, st);
	int added = rc == DB_DONE && db_changes(st) > 0;
	db_finalize(st);
	if (rc >= 0 && added) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "kind", r->kind);
		cJSON_AddStringToObject(d, "reason", r->reason);
		cJSON_AddBoolToObject(d, "imported", 1);
		cJSON_AddNumberToObject(d, "time", (double)r->time);
		add_whose(d, r->identity, r->issuer);
		char *detail = cJSON_PrintUnformatted(d);
		char *subject = ms_revocation_event_subject(r->kind, r->subject);
		rc = reg_append_event(reg, "revoked", subject, detail);
		free(subject);
		free(detail);
		cJSON_Delete(d);
	}
	if (rc < 0) {
		reg_rollback(reg);
		return -1;
	}
	return reg_commit(reg) < 0 ? -1 : added;
}

/* ---- CAs and identities ---- */

/* BEGIN IMMEDIATE and the write's statement; NULL (rolled back) on error. */
static struct db_stmt *begin_write(struct ms_registry *reg, const char *sql)
{
	if (reg_writable(reg) < 0 || reg_begin(reg) < 0)
		return NULL;
	struct db_stmt *st = reg_prepare(reg, sql);
	if (!st)
		reg_rollback(reg);
	return st;
}

static cJSON *anchor_detail(const char *label)
{
	cJSON *d = cJSON_CreateObject();
	if (label)
		cJSON_AddStringToObject(d, "label", label);
	return d;
}

int ms_registry_trust_add_ca(struct ms_registry *reg, const struct ms_trust_ca *ca)
{
	struct db_stmt *st = begin_write(
	    reg,
	    "INSERT INTO trusted_cas (id, pem, subject, label, added)"
	    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET label = excluded.label");
	if (!st)
		return -1;
	reg_bind_text(st, 1, ca->id);
	reg_bind_text(st, 2, ca->pem);
	reg_bind_text(st, 3, ca->subject);
	reg_bind_text(st, 4, ca->label);
	db_bind_int64(st, 5, (int64_t)time(NULL));
	/* The certificate itself, so that the log alone says what is trusted. */
	cJSON *d = anchor_detail(ca->label);
	cJSON_AddStringToObject(d, "pem", ca->pem);
	cJSON_AddStringToObject(d, "subject", ca->subject);
	char *subject = ms_asprintf("ca:%s", ca->id);
	int rc = reg_write_with_event(reg, st, "trusted", subject, d);
	free(subject);
	return rc;
}

int ms_registry_trust_add_identity(struct ms_registry *reg, const struct ms_trust_identity *id)
{
	struct db_stmt *st =
	    begin_write(reg, "INSERT INTO trusted_identities"
	                     " (id, identity, issuer, trusted_root, label, added)"
	                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO UPDATE"
	                     " SET label = excluded.label, trusted_root = excluded.trusted_root");
	if (!st)
		return -1;
	reg_bind_text(st, 1, id->id);
	reg_bind_text(st, 2, id->identity);
	reg_bind_text(st, 3, id->issuer);
	reg_bind_text(st, 4, id->trusted_root);
	reg_bind_text(st, 5, id->label);
	db_bind_int64(st, 6, (int64_t)time(NULL));
	cJSON *d = anchor_detail(id->label);
	cJSON_AddStringToObject(d, "identity", id->identity);
	cJSON_AddStringToObject(d, "issuer", id->issuer);
	if (id->trusted_root)
		cJSON_AddStringToObject(d, "trusted_root", id->trusted_root);
	char *subject = ms_asprintf("identity:%s", id->id);
	int rc = reg_write_with_event(reg, st, "trusted", subject, d);
	free(subject);
	return rc;
}

int ms_registry_trust_remove_anchor(struct ms_registry *reg, const char *what, const char *id)
{
	int ca = strcmp(what, "ca") == 0;
	struct db_stmt *st = begin_write(reg, ca ? "DELETE FROM trusted_cas WHERE id = ?1"
	                                         : "DELETE FROM trusted_identities WHERE id = ?1");
	if (!st)
		return -1;
	reg_bind_text(st, 1, id);
	char *subject = ms_asprintf("%s:%s", ca ? "ca" : "identity", id);
	int rc = reg_write_with_event(reg, st, "untrusted", subject, cJSON_CreateObject());
	free(subject);
	return rc;
}

int ms_registry_revoke_identity(struct ms_registry *reg, const char *identity, const char *issuer,
                                const char *reason)
{
	struct ms_revocation r = {.kind = "identity",
	                          .reason = (char *)reason,
	                          .time = (int64_t)time(NULL),
	                          .identity = (char *)identity,
	                          .issuer = (char *)issuer};
	ms_identity_id(identity, issuer, r.subject);
	struct db_stmt *st =
	    begin_write(reg, "INSERT INTO revocations"
	                     " (kind, subject, reason, time, identity, issuer)"
	                     " VALUES ('identity', ?1, ?2, ?3, ?4, ?5)" REVOCATION_REPLACES);
	if (!st)
		return -1;
	reg_bind_text(st, 1, r.subject);
	reg_bind_text(st, 2, reason);
	db_bind_int64(st, 3, r.time);
	reg_bind_text(st, 4, identity);
	reg_bind_text(st, 5, issuer);
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "kind", "identity");
	cJSON_AddStringToObject(d, "reason", reason);
	add_whose(d, identity, issuer);
	char *subject = ms_revocation_event_subject("identity", r.subject);
	int rc = reg_write_with_event(reg, st, "revoked", subject, d);
	free(subject);
	return rc;
}
