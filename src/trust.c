/* Trusted keys and revocations in memory, and the trust file. */
#include <cJSON.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modelseal/checkpoint.h"
#include "modelseal/json.h"
#include "modelseal/sigstore.h"
#include "modelseal/trust.h"
#include "modelseal/util.h"
#include "modelseal/x509.h"

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

struct ms_revocation *ms_trust_add_revocation(struct ms_trust *t, const char *kind,
                                              const char *subject, const char *reason, int64_t time)
{
	struct ms_revocation *r = (struct ms_revocation *)ms_trust_revocation(t, kind, subject);
	if (r)
		return r;
	t->revs = ms_reallocarray(t->revs, t->n_revs + 1, sizeof *t->revs);
	r = &t->revs[t->n_revs++];
	memset(r, 0, sizeof *r);
	snprintf(r->kind, sizeof r->kind, "%s", kind);
	snprintf(r->subject, sizeof r->subject, "%s", subject);
	r->reason = ms_strdup(reason);
	r->time = time;
	return r;
}

static char *dup_or_null(const char *s)
{
	return s ? ms_strdup(s) : NULL;
}

void ms_trust_copy_revocation(struct ms_trust *t, const struct ms_revocation *r)
{
	struct ms_revocation *c =
	    ms_trust_add_revocation(t, r->kind, r->subject, r->reason, r->time);
	if (!c->identity && r->identity) {
		c->identity = ms_strdup(r->identity);
		c->issuer = dup_or_null(r->issuer);
	}
}

static void replace_str(char **dst, const char *src)
{
	free(*dst);
	*dst = ms_strdup(src);
}

void ms_trust_add_ca(struct ms_trust *t, const char *id, const char *pem, const char *subject,
                     const char *label)
{
	struct ms_trust_ca *c = (struct ms_trust_ca *)ms_trust_find_ca(t, id);
	if (!c) {
		t->cas = ms_reallocarray(t->cas, t->n_cas + 1, sizeof *t->cas);
		c = &t->cas[t->n_cas++];
		memset(c, 0, sizeof *c);
		snprintf(c->id, sizeof c->id, "%s", id);
		c->pem = ms_strdup(pem);
		c->subject = ms_strdup(subject);
	}
	if (label)
		replace_str(&c->label, label);
}

void ms_identity_id(const char *identity, const char *issuer, char out[MS_KEYID_HEX + 1])
{
	uint8_t md[32];
	char *text = ms_asprintf("%s\n%s", issuer, identity);
	EVP_Digest(text, strlen(text), md, NULL, EVP_sha256(), NULL);
	ms_hex_encode(md, sizeof md, out);
	free(text);
}

void ms_trust_add_identity(struct ms_trust *t, const char *identity, const char *issuer,
                           const char *trusted_root, const char *label)
{
	char id[MS_KEYID_HEX + 1];
	ms_identity_id(identity, issuer, id);
	struct ms_trust_identity *i = (struct ms_trust_identity *)ms_trust_find_identity(t, id);
	if (!i) {
		t->ids = ms_reallocarray(t->ids, t->n_ids + 1, sizeof *t->ids);
		i = &t->ids[t->n_ids++];
		memset(i, 0, sizeof *i);
		memcpy(i->id, id, sizeof i->id);
		i->identity = ms_strdup(identity);
		i->issuer = ms_strdup(issuer);
	}
	if (trusted_root)
		replace_str(&i->trusted_root, trusted_root);
	if (label)
		replace_str(&i->label, label);
}

const struct ms_trust_ca *ms_trust_find_ca(const struct ms_trust *t, const char *id)
{
	for (size_t i = 0; i < t->n_cas; i++)
		if (strcmp(t->cas[i].id, id) == 0)
			return &t->cas[i];
	return NULL;
}

const struct ms_trust_identity *ms_trust_find_identity(const struct ms_trust *t, const char *id)
{
	for (size_t i = 0; i < t->n_ids; i++)
		if (strcmp(t->ids[i].id, id) == 0)
			return &t->ids[i];
	return NULL;
}

static void ca_free(struct ms_trust_ca *c)
{
	free(c->pem);
	free(c->subject);
	free(c->label);
}

static void identity_free(struct ms_trust_identity *i)
{
	free(i->identity);
	free(i->issuer);
	free(i->trusted_root);
	free(i->label);
}

int ms_trust_remove_anchor(struct ms_trust *t, const char *id)
{
	for (size_t i = 0; i < t->n_cas; i++)
		if (strcmp(t->cas[i].id, id) == 0) {
			ca_free(&t->cas[i]);
			memmove(&t->cas[i], &t->cas[i + 1], (t->n_cas - i - 1) * sizeof *t->cas);
			t->n_cas--;
			return 1;
		}
	for (size_t i = 0; i < t->n_ids; i++)
		if (strcmp(t->ids[i].id, id) == 0) {
			identity_free(&t->ids[i]);
			memmove(&t->ids[i], &t->ids[i + 1], (t->n_ids - i - 1) * sizeof *t->ids);
			t->n_ids--;
			return 1;
		}
	return 0;
}

static int text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int ms_identity_check(const char *identity, const char *issuer, const char *what)
{
	if (!text_ok(identity, MS_IDENTITY_MAX) || !text_ok(issuer, MS_IDENTITY_MAX)) {
		ms_error("%s: identity and issuer must be 1 to %d bytes without control "
		         "characters",
		         what, MS_IDENTITY_MAX);
		return -1;
	}
	return 0;
}

/* The subject as printable ASCII: a certificate must not write control
 * characters to a terminal. */
static char *subject_text(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL;
	X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
	long n = BIO_get_mem_data(b, &data);
	char *s = ms_strndup(n > 0 ? data : "", n > 0 ? (size_t)n : 0);
	BIO_free(b);
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return s;
}

static char *cert_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL;
	PEM_write_bio_X509(b, x);
	long n = BIO_get_mem_data(b, &data);
	char *s = ms_strndup(n > 0 ? data : "", n > 0 ? (size_t)n : 0);
	BIO_free(b);
	return s;
}

int ms_ca_parse(const char *pem, size_t len, const char *what, char id[MS_KEYID_HEX + 1],
                char **subject, char **canonical_pem)
{
	/* verify's own reader decides what a root is; one certificate each so
	 * that an id names exactly one. */
	struct ms_x509_roots *roots = ms_x509_roots_new();
	int rc = ms_x509_roots_add_pem(roots, pem, len, what);
	size_t n = ms_x509_roots_count(roots);
	ms_x509_roots_free(roots);
	if (rc < 0)
		return -1;
	if (n != 1) {
		ms_error("%s holds %zu certificates: add each root on its own", what, n);
		return -1;
	}
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	uint8_t md[32];
	unsigned int mdlen = 0;
	if (!x || X509_digest(x, EVP_sha256(), md, &mdlen) != 1 || mdlen != sizeof md) {
		X509_free(x);
		ms_error("%s: cannot read the certificate", what);
		return -1;
	}
	ms_hex_encode(md, sizeof md, id);
	*subject = subject_text(x);
	*canonical_pem = cert_pem(x);
	X509_free(x);
	return 0;
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
	for (size_t i = 0; i < t->n_revs; i++) {
		free(t->revs[i].reason);
		free(t->revs[i].identity);
		free(t->revs[i].issuer);
	}
	for (size_t i = 0; i < t->n_cas; i++)
		ca_free(&t->cas[i]);
	for (size_t i = 0; i < t->n_ids; i++)
		identity_free(&t->ids[i]);
	free(t->cas);
	free(t->ids);
	free(t->keys);
	free(t->revs);
	free(t->checkpoint);
	memset(t, 0, sizeof *t);
}

/* ---- the trust file ---- */

static int parse_label(const cJSON *o, const char *what, const char **label);

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
	const char *label;
	if (!pem || parse_label(o, what, &label) < 0)
		return -1;
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
	ms_trust_add_key(t, k, label);
	return 0;
}

/* An identity revocation names whose: identity and issuer, whose id the
 * subject must be. */
static int parse_identity_fields(const cJSON *o, const char *what, const char *subject,
                                 const char **identity, const char **issuer)
{
	char id[MS_KEYID_HEX + 1];
	*identity = ms_json_string(o, "identity", what);
	*issuer = *identity ? ms_json_string(o, "issuer", what) : NULL;
	if (!*issuer || ms_identity_check(*identity, *issuer, what) < 0)
		return -1;
	ms_identity_id(*identity, *issuer, id);
	if (strcmp(id, subject) != 0) {
		ms_error("%s: subject is not the id of this identity and issuer (%s)", what, id);
		return -1;
	}
	return 0;
}

static int parse_revocation(const cJSON *o, const char *what, struct ms_trust *t)
{
	static const char *const fields[] = {"kind", "subject",  "reason",
	                                     "time", "identity", "issuer"};
	if (!cJSON_IsObject(o)) {
		ms_error("%s must be an object", what);
		return -1;
	}
	const char *kind = ms_json_only_fields(o, fields, MS_ARRAY_LEN(fields), what) < 0
	                       ? NULL
	                       : ms_json_string(o, "kind", what);
	const char *subject = kind ? ms_json_string(o, "subject", what) : NULL;
	const char *reason = subject ? ms_json_string(o, "reason", what) : NULL;
	const char *when = reason ? ms_json_string(o, "time", what) : NULL;
	const char *identity = NULL, *issuer = NULL;
	int64_t time;
	if (!when)
		return -1;
	int model = strcmp(kind, "model") == 0, ident = strcmp(kind, "identity") == 0;
	if (!model && !ident && strcmp(kind, "key") != 0) {
		ms_error("%s: kind must be \"key\", \"model\" or \"identity\"", what);
		return -1;
	}
	if (!ident && (cJSON_GetObjectItemCaseSensitive(o, "identity") ||
	               cJSON_GetObjectItemCaseSensitive(o, "issuer"))) {
		ms_error("%s: only an identity's revocation has 'identity' and 'issuer'", what);
		return -1;
	}
	if (model && strncmp(subject, "sha256:", 7) == 0)
		subject += 7;
	else if (model)
		subject = "";
	if (!ms_is_hex64(subject)) {
		ms_error("%s: subject must be %s", what,
		         model   ? "sha256:<64 hex digits>"
		         : ident ? "an identity id (64 hex digits)"
		                 : "a key id (64 hex digits)");
		return -1;
	}
	if (ident && parse_identity_fields(o, what, subject, &identity, &issuer) < 0)
		return -1;
	if (!*reason || strlen(reason) > MS_REASON_MAX) {
		ms_error("%s: reason must be 1 to %d bytes", what, MS_REASON_MAX);
		return -1;
	}
	if (ms_time_parse(when, &time) < 0) {
		ms_error("%s: time must be UTC YYYY-MM-DDTHH:MM:SSZ", what);
		return -1;
	}
	struct ms_revocation r = {.reason = (char *)reason,
	                          .time = time,
	                          .identity = (char *)identity,
	                          .issuer = (char *)issuer};
	snprintf(r.kind, sizeof r.kind, "%s", kind);
	snprintf(r.subject, sizeof r.subject, "%s", subject);
	ms_trust_copy_revocation(t, &r);
	return 0;
}

/* label: a non-empty string or null; *label NULL for null. */
static int parse_label(const cJSON *o, const char *what, const char **label)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(o, "label");
	if (!l || !(cJSON_IsNull(l) || (cJSON_IsString(l) && *l->valuestring))) {
		ms_error("%s: field 'label' must be a non-empty string or null", what);
		return -1;
	}
	*label = cJSON_IsString(l) ? l->valuestring : NULL;
	return 0;
}

static int parse_ca(const cJSON *o, const char *what, struct ms_trust *t)
{
	static const char *const fields[] = {"id", "label", "subject", "pem"};
	char id[MS_KEYID_HEX + 1];
	char *subject, *pem;
	const char *label;
	if (!cJSON_IsObject(o)) {
		ms_error("%s must be an object", what);
		return -1;
	}
	const char *want = ms_json_only_fields(o, fields, MS_ARRAY_LEN(fields), what) < 0
	                       ? NULL
	                       : ms_json_string(o, "id", what);
	const char *want_subject = want ? ms_json_string(o, "subject", what) : NULL;
	const char *text = want_subject ? ms_json_string(o, "pem", what) : NULL;
	if (!text || parse_label(o, what, &label) < 0 ||
	    ms_ca_parse(text, strlen(text), what, id, &subject, &pem) < 0)
		return -1;
	int rc = 0;
	if (strcmp(id, want) != 0 || strcmp(subject, want_subject) != 0) {
		ms_error("%s: id or subject does not match the certificate (%s, %s)", what, id,
		         subject);
		rc = -1;
	} else {
		ms_trust_add_ca(t, id, pem, subject, label);
	}
	free(subject);
	free(pem);
	return rc;
}

/* The trusted root as compact JSON, checked as verify will read it. */
static int parse_root(const cJSON *o, const char *what, char **out)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "trusted_root");
	struct ms_trusted_root tr;
	*out = NULL;
	if (cJSON_IsNull(r))
		return 0;
	if (!cJSON_IsObject(r)) {
		ms_error("%s: field 'trusted_root' must be a trusted_root.json object or null",
		         what);
		return -1;
	}
	char *text = cJSON_PrintUnformatted(r);
	char *rwhat = ms_asprintf("%s: trusted_root", what);
	int rc = ms_trusted_root_parse(text, strlen(text), rwhat, &tr);
	free(rwhat);
	if (rc < 0) {
		free(text);
		return -1;
	}
	ms_trusted_root_free(&tr);
	*out = text;
	return 0;
}

static int parse_identity(const cJSON *o, const char *what, struct ms_trust *t)
{
	static const char *const fields[] = {"id", "label", "identity", "issuer", "trusted_root"};
	const char *identity, *issuer, *label;
	char *root;
	if (!cJSON_IsObject(o)) {
		ms_error("%s must be an object", what);
		return -1;
	}
	const char *id = ms_json_only_fields(o, fields, MS_ARRAY_LEN(fields), what) < 0
	                     ? NULL
	                     : ms_json_string(o, "id", what);
	if (!id || parse_identity_fields(o, what, id, &identity, &issuer) < 0 ||
	    parse_label(o, what, &label) < 0 || parse_root(o, what, &root) < 0)
		return -1;
	ms_trust_add_identity(t, identity, issuer, root, label);
	free(root);
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

/* Version 1 has keys and revocations; version 2 adds CAs and identities. */
static int parse_body(const cJSON *doc, uint64_t version, const char *what, struct ms_trust *out)
{
	static const char *const v1[] = {"modelseal_trust", "keys", "revocations", "checkpoint"};
	static const char *const v2[] = {"modelseal_trust", "keys", "revocations",
	                                 "checkpoint",      "cas",  "identities"};
	if (version != 1 && version != MS_TRUST_FILE_VERSION) {
		ms_error("%s: version %llu is not supported (this modelseal reads 1 and %d)", what,
		         (unsigned long long)version, MS_TRUST_FILE_VERSION);
		return -1;
	}
	if (version == 1 ? ms_json_only_fields(doc, v1, MS_ARRAY_LEN(v1), what) < 0
	                 : ms_json_only_fields(doc, v2, MS_ARRAY_LEN(v2), what) < 0)
		return -1;
	if (parse_list(doc, "keys", what, out, parse_key) < 0 ||
	    (version > 1 && (parse_list(doc, "cas", what, out, parse_ca) < 0 ||
	                     parse_list(doc, "identities", what, out, parse_identity) < 0)) ||
	    parse_list(doc, "revocations", what, out, parse_revocation) < 0)
		return -1;
	for (size_t i = 0; version == 1 && i < out->n_revs; i++)
		if (strcmp(out->revs[i].kind, "identity") == 0) {
			ms_error("%s: an identity's revocation needs version %d", what,
			         MS_TRUST_FILE_VERSION);
			return -1;
		}
	return parse_checkpoint(doc, what, out);
}

int ms_trust_parse(const char *json, size_t len, const char *what, struct ms_trust *out)
{
	uint64_t version;
	memset(out, 0, sizeof *out);
	cJSON *doc = ms_json_parse(json, len, what);
	if (!doc)
		return -1;
	int rc = -1;
	if (!cJSON_IsObject(doc))
		ms_error("%s must be a JSON object", what);
	else if (ms_json_u64(doc, "modelseal_trust", 0, 1000, what, &version) == 0)
		rc = parse_body(doc, version, what, out);
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

void ms_trust_json_label(cJSON *o, const char *label)
{
	if (label)
		cJSON_AddStringToObject(o, "label", label);
	else
		cJSON_AddNullToObject(o, "label");
}

/* Version 1 unless the trust holds what only version 2 carries: a trust
 * file of keys alone stays readable by older modelseal, byte for byte. */
static int file_version(const struct ms_trust *t)
{
	int v2 = t->n_cas || t->n_ids;
	for (size_t i = 0; i < t->n_revs; i++)
		v2 |= strcmp(t->revs[i].kind, "identity") == 0;
	return v2 ? MS_TRUST_FILE_VERSION : 1;
}

static void add_anchors(cJSON *doc, const struct ms_trust *t)
{
	cJSON *cas = cJSON_AddArrayToObject(doc, "cas");
	for (size_t i = 0; i < t->n_cas; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", t->cas[i].id);
		ms_trust_json_label(o, t->cas[i].label);
		cJSON_AddStringToObject(o, "subject", t->cas[i].subject);
		cJSON_AddStringToObject(o, "pem", t->cas[i].pem);
		cJSON_AddItemToArray(cas, o);
	}
	cJSON *ids = cJSON_AddArrayToObject(doc, "identities");
	for (size_t i = 0; i < t->n_ids; i++) {
		const struct ms_trust_identity *id = &t->ids[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", id->id);
		ms_trust_json_label(o, id->label);
		cJSON_AddStringToObject(o, "identity", id->identity);
		cJSON_AddStringToObject(o, "issuer", id->issuer);
		cJSON *root = id->trusted_root ? cJSON_Parse(id->trusted_root) : NULL;
		cJSON_AddItemToObject(o, "trusted_root", root ? root : cJSON_CreateNull());
		cJSON_AddItemToArray(ids, o);
	}
}

char *ms_trust_to_json(const struct ms_trust *t)
{
	char when[32];
	int version = file_version(t);
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "modelseal_trust", version);
	cJSON *keys = cJSON_AddArrayToObject(doc, "keys");
	for (size_t i = 0; i < t->n_keys; i++) {
		const struct ms_trust_key *k = &t->keys[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "keyid", ms_pubkey_id(k->key));
		ms_trust_json_label(o, k->label);
		cJSON_AddStringToObject(o, "algorithm", ms_key_alg_name(ms_pubkey_alg(k->key)));
		cJSON_AddStringToObject(o, "pem", ms_pubkey_pem(k->key));
		cJSON_AddItemToArray(keys, o);
	}
	if (version > 1)
		add_anchors(doc, t);
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
		if (strcmp(r->kind, "identity") == 0) {
			cJSON_AddStringToObject(o, "identity", r->identity ? r->identity : "");
			cJSON_AddStringToObject(o, "issuer", r->issuer ? r->issuer : "");
		}
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
