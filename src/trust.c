/* Trusted keys and revocations in memory, and the trust file. */
#include <cJSON.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modelseal/checkpoint.h"
#include "modelseal/json.h"
#include "modelseal/trust.h"
#include "modelseal/util.h"

int ms_is_hex64(const char *s)
{
	return strlen(s) == MS_KEYID_HEX && strspn(s, "0123456789abcdef") == MS_KEYID_HEX;
}

void ms_trust_add_key(struct ms_trust *t, struct ms_pubkey *k, const char *label)
{
	for (size_t i = 0; i < t->n_keys; i++) {
		if (strcmp(ms_pubkey_id(t->keys[i].key), ms_pubkey_id(k)) != 0)
			continue;
		if (label) {
			free(t->keys[i].label);
			t->keys[i].label = ms_strdup(label);
		}
		ms_pubkey_free(k);
		return;
	}
	t->keys = ms_reallocarray(t->keys, t->n_keys + 1, sizeof *t->keys);
	t->keys[t->n_keys++] = (struct ms_trust_key){k, label ? ms_strdup(label) : NULL};
}

void ms_trust_add_revocation(struct ms_trust *t, const char *kind, const char *subject,
                             const char *reason, int64_t time)
{
	if (ms_trust_revocation(t, kind, subject))
		return;
	t->revs = ms_reallocarray(t->revs, t->n_revs + 1, sizeof *t->revs);
	struct ms_revocation *r = &t->revs[t->n_revs++];
	memset(r, 0, sizeof *r);
	snprintf(r->kind, sizeof r->kind, "%s", kind);
	snprintf(r->subject, sizeof r->subject, "%s", subject);
	r->reason = ms_strdup(reason);
	r->time = time;
}

const struct ms_trust_key *ms_trust_find_key(const struct ms_trust *t, const char *keyid)
{
	for (size_t i = 0; i < t->n_keys; i++)
		if (strcmp(ms_pubkey_id(t->keys[i].key), keyid) == 0)
			return &t->keys[i];
	return NULL;
}

const struct ms_revocation *ms_trust_revocation(const struct ms_trust *t, const char *kind,
                                                const char *subject)
{
	for (size_t i = 0; i < t->n_revs; i++)
		if (strcmp(t->revs[i].kind, kind) == 0 && strcmp(t->revs[i].subject, subject) == 0)
			return &t->revs[i];
	return NULL;
}

void ms_trust_free(struct ms_trust *t)
{
	for (size_t i = 0; i < t->n_keys; i++) {
		ms_pubkey_free(t->keys[i].key);
		free(t->keys[i].label);
	}
	for (size_t i = 0; i < t->n_revs; i++)
		free(t->revs[i].reason);
	free(t->keys);
	free(t->revs);
	free(t->checkpoint);
	memset(t, 0, sizeof *t);
}

/* ---- the trust file ---- */

static int parse_key(const cJSON *o, const char *what, struct ms_trust *t)
{
	static const char *const fields[] = {"keyid", "label", "algorithm", "pem"};
	if (!cJSON_IsObject(o)) {
		ms_error("%s must be an object", what);
		return -1;
	}
	if (ms_json_only_fields(o, fields, MS_ARRAY_LEN(fields), what) < 0)
		return -1;
	const char *keyid = ms_json_string(o, "keyid", what);
	const char *alg = keyid ? ms_json_string(o, "algorithm", what) : NULL;
	const char *pem = alg ? ms_json_string(o, "pem", what) : NULL;
	const cJSON *label = pem ? cJSON_GetObjectItemCaseSensitive(o, "label") : NULL;
	if (!pem)
		return -1;
	if (!label || !(cJSON_IsNull(label) || (cJSON_IsString(label) && *label->valuestring))) {
		ms_error("%s: field 'label' must be a non-empty string or null", what);
		return -1;
	}
	struct ms_pubkey *k;
	if (ms_pubkey_parse(pem, strlen(pem), what, &k) < 0)
		return -1;
	if (strcmp(ms_pubkey_id(k), keyid) != 0 ||
	    strcmp(ms_key_alg_name(ms_pubkey_alg(k)), alg) != 0) {
		ms_error("%s: keyid or algorithm does not match the key (%s, %s)", what,
		         ms_pubkey_id(k), ms_key_alg_name(ms_pubkey_alg(k)));
		ms_pubkey_free(k);
		return -1;
	}
	ms_trust_add_key(t, k, cJSON_IsString(label) ? label->valuestring : NULL);
	return 0;
}

static int parse_revocation(const cJSON *o, const char *what, struct ms_trust *t)
{
	static const char *const fields[] = {"kind", "subject", "reason", "time"};
	if (!cJSON_IsObject(o)) {
		ms_error("%s must be an object", what);
		return -1;
	}
	if (ms_json_only_fields(o, fields, MS_ARRAY_LEN(fields), what) < 0)
		return -1;
	const char *kind = ms_json_string(o, "kind", what);
	const char *subject = kind ? ms_json_string(o, "subject", what) : NULL;
	const char *reason = subject ? ms_json_string(o, "reason", what) : NULL;
	const char *when = reason ? ms_json_string(o, "time", what) : NULL;
	int64_t time;
	if (!when)
		return -1;
	int model = strcmp(kind, "model") == 0;
	if (!model && strcmp(kind, "key") != 0) {
		ms_error("%s: kind must be \"key\" or \"model\"", what);
		return -1;
	}
	if (model && strncmp(subject, "sha256:", 7) == 0)
		subject += 7;
	else if (model)
		subject = "";
	if (!ms_is_hex64(subject)) {
		ms_error("%s: subject must be %s", what,
		         model ? "sha256:<64 hex digits>" : "a key id (64 hex digits)");
		return -1;
	}
	if (!*reason || strlen(reason) > MS_REASON_MAX) {
		ms_error("%s: reason must be 1 to %d bytes", what, MS_REASON_MAX);
		return -1;
	}
	if (ms_time_parse(when, &time) < 0) {
		ms_error("%s: time must be UTC YYYY-MM-DDTHH:MM:SSZ", what);
		return -1;
	}
	ms_trust_add_revocation(t, kind, subject, reason, time);
	return 0;
}

static int parse_list(const cJSON *doc, const char *key, const char *what, struct ms_trust *t,
                      int (*one)(const cJSON *, const char *, struct ms_trust *))
{
	const cJSON *arr = ms_json_array(doc, key, what);
	if (!arr)
		return -1;
	size_t i = 0;
	for (const cJSON *c = arr->child; c; c = c->next, i++) {
		char *item = ms_asprintf("%s: %s[%zu]", what, key, i);
		int rc = one(c, item, t);
		free(item);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Kept as text: the signature is checked by whoever relies on it (trust
 * import), against keys it already trusts. */
static int parse_checkpoint(const cJSON *doc, const char *what, struct ms_trust *t)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(doc, "checkpoint");
	if (!c)
		return 0;
	if (!cJSON_IsObject(c)) {
		ms_error("%s: field 'checkpoint' must be an object (a checkpoint bundle)", what);
		return -1;
	}
	t->checkpoint = cJSON_PrintUnformatted(c);
	return 0;
}

int ms_trust_parse(const char *json, size_t len, const char *what, struct ms_trust *out)
{
	static const char *const fields[] = {"modelseal_trust", "keys", "revocations",
	                                     "checkpoint"};
	uint64_t version;
	memset(out, 0, sizeof *out);
	cJSON *doc = ms_json_parse(json, len, what);
	if (!doc)
		return -1;
	int rc = -1;
	if (!cJSON_IsObject(doc))
		ms_error("%s must be a JSON object", what);
	else if (ms_json_only_fields(doc, fields, MS_ARRAY_LEN(fields), what) < 0 ||
	         ms_json_u64(doc, "modelseal_trust", 0, 1000, what, &version) < 0)
		;
	else if (version != MS_TRUST_FILE_VERSION)
		ms_error("%s: version %llu is not supported (this modelseal reads %d)", what,
		         (unsigned long long)version, MS_TRUST_FILE_VERSION);
	else if (parse_list(doc, "keys", what, out, parse_key) == 0 &&
	         parse_list(doc, "revocations", what, out, parse_revocation) == 0 &&
	         parse_checkpoint(doc, what, out) == 0)
		rc = 0;
	cJSON_Delete(doc);
	if (rc < 0)
		ms_trust_free(out);
	return rc;
}

int ms_trust_load_file(const char *path, struct ms_trust *out)
{
	char *text;
	size_t len;
	if (ms_read_file(path, MS_TRUST_FILE_MAX, "trust file", &text, &len) < 0)
		return -1;
	char *what = ms_asprintf("trust file '%s'", path);
	int rc = ms_trust_parse(text, len, what, out);
	free(what);
	free(text);
	return rc;
}

char *ms_trust_to_json(const struct ms_trust *t)
{
	char when[32];
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "modelseal_trust", MS_TRUST_FILE_VERSION);
	cJSON *keys = cJSON_AddArrayToObject(doc, "keys");
	for (size_t i = 0; i < t->n_keys; i++) {
		const struct ms_trust_key *k = &t->keys[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "keyid", ms_pubkey_id(k->key));
		if (k->label)
			cJSON_AddStringToObject(o, "label", k->label);
		else
			cJSON_AddNullToObject(o, "label");
		cJSON_AddStringToObject(o, "algorithm", ms_key_alg_name(ms_pubkey_alg(k->key)));
		cJSON_AddStringToObject(o, "pem", ms_pubkey_pem(k->key));
		cJSON_AddItemToArray(keys, o);
	}
	cJSON *revs = cJSON_AddArrayToObject(doc, "revocations");
	for (size_t i = 0; i < t->n_revs; i++) {
		const struct ms_revocation *r = &t->revs[i];
		cJSON *o = cJSON_CreateObject();
		char *subject = strcmp(r->kind, "model") == 0 ? ms_asprintf("sha256:%s", r->subject)
		                                              : ms_strdup(r->subject);
		cJSON_AddStringToObject(o, "kind", r->kind);
		cJSON_AddStringToObject(o, "subject", subject);
		cJSON_AddStringToObject(o, "reason", r->reason);
		cJSON_AddStringToObject(o, "time", ms_time_format(r->time, when, sizeof when));
		cJSON_AddItemToArray(revs, o);
		free(subject);
	}
	cJSON *cp = t->checkpoint ? cJSON_Parse(t->checkpoint) : NULL;
	if (cp)
		cJSON_AddItemToObject(doc, "checkpoint", cp);
	char *text = ms_json_print(doc);
	cJSON_Delete(doc);
	return text;
}

/* What a checkpoint's trust_sha256 commits to: the export's exact bytes. */
void ms_trust_digest(const struct ms_trust *t, char out[MS_HEX_LEN + 1])
{
	uint8_t md[32];
	struct ms_trust bare = *t;
	bare.checkpoint = NULL;
	char *text = ms_trust_to_json(&bare);
	EVP_Digest(text, strlen(text), md, NULL, EVP_sha256(), NULL);
	ms_hex_encode(md, sizeof md, out);
	free(text);
}
