/* Reading the trust store and revocations back, and importing revocations
 * with their original time (trust import). */
#include <cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "modelseal/cli.h"
#include "modelseal/registry_trust.h"
#include "modelseal/util.h"
#include "registry_int.h"

static int set(const char *name)
{
	const char *v = getenv(name);
	return v && *v;
}

int ms_registry_open_if_exists(struct ms_registry **out)
{
	struct stat st;
	*out = NULL;
	/* Without any location (no HOME, as in some containers) there is no
	 * registry; ms_registry_default_path would call that an error. */
	if (!(ms_global.registry && *ms_global.registry) && !set("MODELSEAL_REGISTRY") &&
	    !set("XDG_DATA_HOME") && !set("HOME"))
		return 0;
	char *path = ms_registry_default_path();
	if (!path)
		return 0;
	int rc = 0;
	if (stat(path, &st) < 0 && errno == ENOENT)
		ms_debug("registry %s: none; no trusted keys or revocations from it", path);
	else
		rc = ms_registry_open(path, 0, out) < 0 ? -1 : 1;
	free(path);
	return rc;
}

struct key_load {
	struct ms_registry *reg;
	struct ms_trust *t;
	int bad;
};

static int load_key(const struct ms_trusted_key *row, void *ctx)
{
	struct key_load *l = ctx;
	char *what = ms_asprintf("registry %s: trusted key %s", ms_registry_path(l->reg),
	                         row->keyid ? row->keyid : "?");
	struct ms_pubkey *k = NULL;
	l->bad =
	    !row->pem || !row->keyid || ms_pubkey_parse(row->pem, strlen(row->pem), what, &k) < 0;
	if (!l->bad && strcmp(ms_pubkey_id(k), row->keyid) != 0) {
		ms_error("%s: stored key id does not match the key", what);
		ms_pubkey_free(k);
		l->bad = 1;
	}
	free(what);
	if (!l->bad)
		ms_trust_add_key(l->t, k, row->label);
	return l->bad;
}

static int load_keys(struct ms_registry *reg, struct ms_trust *t)
{
	struct key_load l = {reg, t, 0};
	return ms_registry_trust_list(reg, load_key, &l) < 0 || l.bad ? -1 : 0;
}

static int load_revocations(struct ms_registry *reg, struct ms_trust *t)
{
	sqlite3_stmt *st = reg_prepare(reg, "SELECT kind, subject, reason, time FROM revocations"
	                                    " ORDER BY time, kind, subject");
	int rc;
	if (!st)
		return -1;
	while ((rc = reg_step(reg, st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		const char *subject = (const char *)sqlite3_column_text(st, 1);
		const char *reason = (const char *)sqlite3_column_text(st, 2);
		if (!kind || !subject || !reason || !ms_is_hex64(subject)) {
			reg_error(reg, "malformed revocation row");
			rc = -1;
			break;
		}
		ms_trust_add_revocation(t, kind, subject, reason, sqlite3_column_int64(st, 3));
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

int ms_registry_trust_load(struct ms_registry *reg, struct ms_trust *out)
{
	memset(out, 0, sizeof *out);
	if (load_keys(reg, out) < 0 || load_revocations(reg, out) < 0) {
		ms_trust_free(out);
		return -1;
	}
	return 0;
}

int ms_registry_import_revocation(struct ms_registry *reg, const struct ms_revocation *r)
{
	if (reg_writable(reg) < 0 || reg_begin(reg) < 0)
		return -1;
	sqlite3_stmt *st = reg_prepare(reg, "INSERT INTO revocations (kind, subject, reason, time)"
	                                    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
	if (!st) {
		reg_rollback(reg);
		return -1;
	}
	reg_bind_text(st, 1, r->kind);
	reg_bind_text(st, 2, r->subject);
	reg_bind_text(st, 3, r->reason);
	sqlite3_bind_int64(st, 4, r->time);
	int rc = reg_step(reg, st);
	int added = rc == SQLITE_DONE && sqlite3_changes(sqlite3_db_handle(st)) > 0;
	sqlite3_finalize(st);
	if (rc >= 0 && added) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "kind", r->kind);
		cJSON_AddStringToObject(d, "reason", r->reason);
		cJSON_AddBoolToObject(d, "imported", 1);
		char *detail = cJSON_PrintUnformatted(d);
		char *subject = strcmp(r->kind, "model") == 0 ? ms_asprintf("sha256:%s", r->subject)
		                                              : ms_strdup(r->subject);
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
