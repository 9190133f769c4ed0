/* Sigstore bundle v0.3 with a DSSE envelope. The signature covers the PAE of
 * the payload bytes exactly as they travel (base64-decoded), so verification
 * never depends on how anyone re-serialises JSON. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modelseal/b64.h"
#include "modelseal/bundle.h"
#include "modelseal/json.h"
#include "modelseal/manifest.h"
#include "modelseal/util.h"

/* "DSSEv1 ", the type between two spaces, two lengths of at most 20
 * digits (SIZE_MAX has 20) and the space after the second */
size_t ms_dsse_pae_room(const char *type)
{
	return 7 + 20 + 1 + strlen(type) + 1 + 20 + 1;
}

/* The PAE's header: "DSSEv1 <len type> <type> <len body> ". */
static struct ms_buf pae_header(const char *type, size_t body_len)
{
	struct ms_buf h = {0};
	size_t type_len = strlen(type);
	ms_buf_printf(&h, "DSSEv1 %zu ", type_len);
	ms_buf_append(&h, type, type_len);
	ms_buf_printf(&h, " %zu ", body_len);
	return h;
}

const uint8_t *ms_dsse_pae_in_place(const char *type, uint8_t *body, size_t body_len,
                                    size_t *out_len)
{
	struct ms_buf h = pae_header(type, body_len);
	uint8_t *p = body - h.len;
	memcpy(p, h.data, h.len);
	*out_len = h.len + body_len;
	ms_buf_free(&h);
	return p;
}

uint8_t *ms_dsse_pae(const char *type, const uint8_t *body, size_t body_len, size_t *out_len)
{
	struct ms_buf h = pae_header(type, body_len);
	ms_buf_append(&h, body, body_len);
	*out_len = h.len;
	return (uint8_t *)h.data;
}

uint8_t *ms_dsse_payload_take(uint8_t **mem, const uint8_t *payload, size_t len)
{
	uint8_t *p = *mem;
	memmove(p, payload, len);
	p[len] = '\0';
	*mem = NULL;
	return p;
}

/* verificationMaterial: the key hint, or the certificate chain (leaf
 * first) with an empty tlogEntries, as model_signing writes both. */
static void add_material(cJSON *root, const char *keyid, const struct ms_sign_chain *chain)
{
	cJSON *vm = cJSON_AddObjectToObject(root, "verificationMaterial");
	if (!chain || chain->n == 0) {
		cJSON_AddStringToObject(cJSON_AddObjectToObject(vm, "publicKey"), "hint", keyid);
		return;
	}
	cJSON *certs = cJSON_AddArrayToObject(cJSON_AddObjectToObject(vm, "x509CertificateChain"),
	                                      "certificates");
	for (size_t i = 0; i < chain->n; i++) {
		char *raw = ms_b64_encode(chain->ders[i], chain->lens[i]);
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "rawBytes", raw);
		cJSON_AddItemToArray(certs, c);
		free(raw);
	}
	cJSON_AddArrayToObject(vm, "tlogEntries");
}

char *ms_bundle_sign_chain(const uint8_t *payload, size_t payload_len, const char *payload_type,
                           const struct ms_seckey *key, const struct ms_sign_chain *chain)
{
	size_t pae_len;
	uint8_t *pae = ms_dsse_pae(payload_type, payload, payload_len, &pae_len);
	uint8_t sig[MS_SIG_MAX];
	size_t sig_len = ms_seckey_signature(key, pae, pae_len, sig);
	free(pae);
	if (sig_len == 0)
		exit(MS_ERR); /* reported; nothing is written yet */

	int certified = chain && chain->n;
	const char *keyid = ms_pubkey_id(ms_seckey_public(key));
	char *payload_b64 = ms_b64_encode(payload, payload_len);
	char *sig_b64 = ms_b64_encode(sig, sig_len);
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "mediaType", MS_BUNDLE_MEDIA_TYPE);
	add_material(root, keyid, chain);
	cJSON *env = cJSON_AddObjectToObject(root, "dsseEnvelope");
	cJSON_AddStringToObject(env, "payload", payload_b64);
	cJSON_AddStringToObject(env, "payloadType", payload_type);
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "sig", sig_b64);
	cJSON_AddStringToObject(s, "keyid", certified ? "" : keyid);
	cJSON *sigs = cJSON_AddArrayToObject(env, "signatures");
	cJSON_AddItemToArray(sigs, s);
	char *json = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	free(payload_b64);
	free(sig_b64);
	if (!json) {
		ms_error("out of memory");
		exit(MS_ERR);
	}
	return json;
}

char *ms_bundle_sign(const uint8_t *payload, size_t payload_len, const char *payload_type,
                     const struct ms_seckey *key)
{
	return ms_bundle_sign_chain(payload, payload_len, payload_type, key, NULL);
}

/* Python's repr() of a bytes object, as model_signing 0.2.0 put it in its
 * signed text: b'...' (b"..." when the bytes hold ' and no "), with the
 * backslash, the quote, tab, newline and carriage return escaped, and other
 * bytes outside 0x20..0x7e as \xNN. */
static void py_bytes_repr(struct ms_buf *b, const uint8_t *p, size_t n)
{
	char q = n && memchr(p, '\'', n) && !memchr(p, '"', n) ? '"' : '\'';
	ms_buf_printf(b, "b%c", q);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c == (uint8_t)q || c == '\\')
			ms_buf_printf(b, "\\%c", c);
		else if (c == '\t')
			ms_buf_printf(b, "\\t");
		else if (c == '\n')
			ms_buf_printf(b, "\\n");
		else if (c == '\r')
			ms_buf_printf(b, "\\r");
		else if (c < 0x20 || c >= 0x7f)
			ms_buf_printf(b, "\\x%02x", c);
		else
			ms_buf_append(b, &c, 1);
	}
	ms_buf_append(b, &q, 1);
}

uint8_t *ms_dsse_pae_compat(const char *type, const uint8_t *body, size_t body_len, size_t *out_len)
{
	struct ms_buf b = {0};
	ms_buf_printf(&b, "DSSEV1 %zu %s %zu ", strlen(type), type, body_len);
	py_bytes_repr(&b, body, body_len);
	*out_len = b.len;
	return (uint8_t *)b.data;
}

void ms_bundle_free(struct ms_bundle *b)
{
	for (size_t i = 0; i < b->n_certs; i++)
		free(b->certs[i]);
	free(b->certs);
	free(b->cert_lens);
	for (size_t i = 0; i < b->n_sigs; i++) {
		free(b->sigs[i].sig);
		free(b->sigs[i].keyid);
	}
	free(b->sigs);
	free(b->hint);
	free(b->payload_type);
	free(b->payload_mem);
	memset(b, 0, sizeof *b);
}

/* The member called name, NULL when absent; -1 (reported) when it appears
 * twice: two parsers picking different copies is how signature confusion
 * starts. */
static int member(const cJSON *obj, const char *name, const char *what, const char *path,
                  const cJSON **out)
{
	*out = NULL;
	for (const cJSON *c = obj->child; c; c = c->next) {
		if (!c->string || strcmp(c->string, name) != 0)
			continue;
		if (*out) {
			ms_error("%s: bundle has a duplicate %s%s", what, path, name);
			return -1;
		}
		*out = c;
	}
	return 0;
}

enum kind { OBJECT, ARRAY, STRING, OPT_OBJECT, OPT_STRING, OPT_ARRAY };

/* A member of the given kind; optional members may be absent (and a
 * optional string may be null). */
static int field(const cJSON *obj, const char *name, enum kind k, const char *what,
                 const char *path, const cJSON **out)
{
	if (member(obj, name, what, path, out) < 0)
		return -1;
	const cJSON *v = *out;
	int optional = k == OPT_OBJECT || k == OPT_STRING || k == OPT_ARRAY;
	if (!v || (k == OPT_STRING && cJSON_IsNull(v))) {
		*out = NULL;
		if (optional)
			return 0;
		ms_error("%s: bundle lacks %s%s", what, path, name);
		return -1;
	}
	int ok = k == ARRAY || k == OPT_ARRAY     ? cJSON_IsArray(v)
	         : k == STRING || k == OPT_STRING ? cJSON_IsString(v)
	                                          : cJSON_IsObject(v);
	if (!ok) {
		static const char *names[] = {"an object", "an array", "a string",
		                              "an object", "a string", "an array"};
		ms_error("%s: bundle field %s%s must be %s", what, path, name, names[k]);
		return -1;
	}
	return 0;
}

static int parse_sig(const cJSON *item, size_t i, const char *what, struct ms_dsse_sig *s)
{
	char path[64];
	snprintf(path, sizeof path, "dsseEnvelope.signatures[%zu].", i);
	const cJSON *sig, *keyid;
	if (!cJSON_IsObject(item)) {
		ms_error("%s: bundle field dsseEnvelope.signatures[%zu] must be an object", what,
		         i);
		return -1;
	}
	if (field(item, "sig", STRING, what, path, &sig) < 0 ||
	    field(item, "keyid", OPT_STRING, what, path, &keyid) < 0)
		return -1;
	char *desc = ms_asprintf("%s: %ssig", what, path);
	int rc = ms_b64_decode(sig->valuestring, strlen(sig->valuestring), desc, &s->sig, &s->len);
	if (rc == 0 && s->len == 0) {
		ms_error("%s is empty", desc);
		rc = -1;
	}
	free(desc);
	s->keyid = ms_strdup(keyid ? keyid->valuestring : "");
	return rc;
}

static int parse_signatures(const cJSON *arr, const char *what, struct ms_bundle *b)
{
	size_t n = (size_t)cJSON_GetArraySize(arr);
	if (n == 0) {
		ms_error("%s: bundle has no signatures (dsseEnvelope.signatures is empty)", what);
		return -1;
	}
	if (n > MS_BUNDLE_MAX_SIGS) {
		ms_error("%s: bundle has %zu signatures, more than %d", what, n,
		         MS_BUNDLE_MAX_SIGS);
		return -1;
	}
	b->sigs = ms_calloc(n, sizeof *b->sigs);
	size_t i = 0;
	for (const cJSON *item = arr->child; item; item = item->next, i++) {
		b->n_sigs = i + 1;
		if (parse_sig(item, i, what, &b->sigs[i]) < 0)
			return -1;
	}
	return 0;
}

/* base64 rawBytes of a certificate object into b->certs. */
static int parse_raw_cert(const cJSON *obj, const char *what, const char *path, struct ms_bundle *b)
{
	const cJSON *raw;
	if (!cJSON_IsObject(obj)) {
		ms_error("%s: bundle field %s must be an object", what, path);
		return -1;
	}
	char *at = ms_asprintf("%s.", path);
	int rc = field(obj, "rawBytes", STRING, what, at, &raw);
	free(at);
	if (rc < 0)
		return -1;
	char *desc = ms_asprintf("%s: %s.rawBytes", what, path);
	size_t i = b->n_certs;
	b->certs = ms_reallocarray(b->certs, i + 1, sizeof *b->certs);
	b->cert_lens = ms_reallocarray(b->cert_lens, i + 1, sizeof *b->cert_lens);
	rc = ms_b64_decode(raw->valuestring, strlen(raw->valuestring), desc, &b->certs[i],
	                   &b->cert_lens[i]);
	if (rc == 0 && b->cert_lens[i] == 0) {
		ms_error("%s is empty", desc);
		free(b->certs[i]);
		rc = -1;
	}
	free(desc);
	if (rc == 0)
		b->n_certs = i + 1;
	return rc;
}

static int parse_chain(const cJSON *chain, const char *what, struct ms_bundle *b)
{
	const cJSON *certs;
	if (field(chain, "certificates", ARRAY, what, "verificationMaterial.x509CertificateChain.",
	          &certs) < 0)
		return -1;
	int n = cJSON_GetArraySize(certs);
	if (n < 1 || n > MS_X509_MAX_CHAIN) {
		ms_error("%s: bundle has %d certificates in its chain (1 to %d)", what, n,
		         MS_X509_MAX_CHAIN);
		return -1;
	}
	int i = 0;
	for (const cJSON *c = certs->child; c; c = c->next, i++) {
		char path[96];
		snprintf(path, sizeof path,
		         "verificationMaterial.x509CertificateChain.certificates[%d]", i);
		if (parse_raw_cert(c, what, path, b) < 0)
			return -1;
	}
	b->cert_kind = MS_BUNDLE_CERT_CHAIN;
	return 0;
}

/* Transparency log entries and timestamps are only counted here: whoever
 * verifies the bundle must account for every one. */
static int count_evidence(const cJSON *vm, const char *what, struct ms_bundle *b)
{
	const cJSON *tlog, *tvd, *ts = NULL;
	if (field(vm, "tlogEntries", OPT_ARRAY, what, "verificationMaterial.", &tlog) < 0 ||
	    field(vm, "timestampVerificationData", OPT_OBJECT, what, "verificationMaterial.",
	          &tvd) < 0)
		return -1;
	if (tvd && field(tvd, "rfc3161Timestamps", OPT_ARRAY, what,
	                 "verificationMaterial.timestampVerificationData.", &ts) < 0)
		return -1;
	b->n_tlog_entries = tlog ? (size_t)cJSON_GetArraySize(tlog) : 0;
	b->n_timestamps = ts ? (size_t)cJSON_GetArraySize(ts) : 0;
	return 0;
}

static int parse_material(const cJSON *root, const char *what, struct ms_bundle *b)
{
	const cJSON *vm, *pk, *hint, *chain, *cert;
	if (field(root, "verificationMaterial", OBJECT, what, "", &vm) < 0 ||
	    field(vm, "publicKey", OPT_OBJECT, what, "verificationMaterial.", &pk) < 0 ||
	    field(vm, "x509CertificateChain", OPT_OBJECT, what, "verificationMaterial.", &chain) <
	        0 ||
	    field(vm, "certificate", OPT_OBJECT, what, "verificationMaterial.", &cert) < 0 ||
	    count_evidence(vm, what, b) < 0)
		return -1;
	if (!!pk + !!chain + !!cert > 1) {
		ms_error("%s: bundle has more than one of verificationMaterial.publicKey, "
		         "x509CertificateChain and certificate",
		         what);
		return -1;
	}
	if (pk && field(pk, "hint", OPT_STRING, what, "verificationMaterial.publicKey.", &hint) < 0)
		return -1;
	if (pk && hint && hint->valuestring[0])
		b->hint = ms_strdup(hint->valuestring);
	if (chain)
		return parse_chain(chain, what, b);
	if (cert) {
		b->cert_kind = MS_BUNDLE_CERT_SINGLE;
		return parse_raw_cert(cert, what, "verificationMaterial.certificate", b);
	}
	return 0;
}

static int parse_envelope(const cJSON *root, const char *what, struct ms_bundle *b)
{
	const cJSON *env, *payload, *type, *sigs;
	if (!cJSON_GetObjectItemCaseSensitive(root, "dsseEnvelope") &&
	    cJSON_GetObjectItemCaseSensitive(root, "messageSignature")) {
		ms_error("%s: bundle holds a message signature, not a DSSE envelope; not "
		         "supported",
		         what);
		return -1;
	}
	if (field(root, "dsseEnvelope", OBJECT, what, "", &env) < 0 ||
	    field(env, "payload", STRING, what, "dsseEnvelope.", &payload) < 0 ||
	    field(env, "payloadType", STRING, what, "dsseEnvelope.", &type) < 0 ||
	    field(env, "signatures", ARRAY, what, "dsseEnvelope.", &sigs) < 0)
		return -1;
	b->payload_type = ms_strdup(type->valuestring);
	char *desc = ms_asprintf("%s: dsseEnvelope.payload", what);
	size_t room = ms_dsse_pae_room(b->payload_type);
	int rc = ms_b64_decode_public(payload->valuestring, strlen(payload->valuestring), desc,
	                              room, &b->payload_mem, &b->payload_len);
	free(desc);
	if (rc < 0)
		return -1;
	b->payload = b->payload_mem + room;
	return parse_signatures(sigs, what, b);
}

static int check_media_type(const cJSON *root, const char *what)
{
	const cJSON *mt;
	if (field(root, "mediaType", STRING, what, "", &mt) < 0)
		return -1;
	if (strcmp(mt->valuestring, MS_BUNDLE_MEDIA_TYPE) != 0) {
		ms_error("%s: unsupported bundle mediaType '%.100s' (expected '%s')", what,
		         mt->valuestring, MS_BUNDLE_MEDIA_TYPE);
		return -1;
	}
	return 0;
}

static cJSON *parse_json(const char *json, size_t len, const char *what)
{
	char *desc = ms_asprintf("%s: bundle", what);
	cJSON *root = ms_json_parse(json, len, desc);
	free(desc);
	if (root && !cJSON_IsObject(root)) {
		ms_error("%s: bundle is not a JSON object", what);
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

cJSON *ms_bundle_json(const char *json, size_t len, const char *what)
{
	return parse_json(json, len, what);
}

int ms_bundle_parse_tree(const cJSON *root, const char *what, struct ms_bundle *b)
{
	memset(b, 0, sizeof *b);
	if (check_media_type(root, what) == 0 && parse_material(root, what, b) == 0 &&
	    parse_envelope(root, what, b) == 0)
		return 0;
	ms_bundle_free(b);
	return -1;
}

int ms_bundle_parse(const char *json, size_t len, const char *what, struct ms_bundle *b)
{
	memset(b, 0, sizeof *b);
	cJSON *root = parse_json(json, len, what);
	if (!root)
		return -1;
	int rc = ms_bundle_parse_tree(root, what, b);
	cJSON_Delete(root);
	return rc;
}

/* Index of the key whose id is wanted, or n_keys. */
static size_t preferred_key(struct ms_pubkey *const *keys, size_t n_keys, const char *wanted)
{
	for (size_t i = 0; wanted && *wanted && i < n_keys; i++)
		if (strcmp(ms_pubkey_id(keys[i]), wanted) == 0)
			return i;
	return n_keys;
}

/* Which key verifies signature s over pae: index, or n_keys for none.
 * legacy: the pae is model_signing 0.2.0's, verified with SHA-256. */
static size_t try_keys(const struct ms_dsse_sig *s, const char *hint, const uint8_t *pae,
                       size_t pae_len, struct ms_pubkey *const *keys, size_t n_keys, int legacy)
{
	int (*check)(const struct ms_pubkey *, const uint8_t *, size_t, const uint8_t *, size_t) =
	    legacy ? ms_pubkey_verify_sha256 : ms_pubkey_verify;
	size_t first = preferred_key(keys, n_keys, s->keyid[0] ? s->keyid : hint);
	if (first < n_keys && check(keys[first], pae, pae_len, s->sig, s->len))
		return first;
	for (size_t i = 0; i < n_keys; i++)
		if (i != first && check(keys[i], pae, pae_len, s->sig, s->len))
			return i;
	return n_keys;
}

/* model_signing 0.2.0's statements name a file per subject and stay small;
 * the compat form (up to four bytes per payload byte) is never built for
 * more. */
#define LEGACY_PAYLOAD_MAX ((size_t)16 << 20)

/* Could this be model_signing 0.2.0's statement? A cheap look, before any
 * work: the predicate's name must appear in it. */
static int maybe_legacy(const struct ms_bundle *b)
{
	return b->payload_len <= LEGACY_PAYLOAD_MAX &&
	       memmem(b->payload, b->payload_len, MS_LEGACY_PREDICATE_TYPE,
	              strlen(MS_LEGACY_PREDICATE_TYPE)) != NULL;
}

/* Is it? Parsed only once a trusted key signed it, so that an unsigned
 * payload costs no JSON parse: the predicate must be exactly Digests/v0.1,
 * the only one for which the pre-standard signature form is accepted. */
static int legacy_payload(const struct ms_bundle *b)
{
	cJSON *st = cJSON_ParseWithLength((const char *)b->payload, b->payload_len);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(st, "predicateType");
	int legacy = cJSON_IsString(t) && strcmp(t->valuestring, MS_LEGACY_PREDICATE_TYPE) == 0;
	cJSON_Delete(st);
	return legacy;
}

/* Index of the key that verifies one of the signatures, or n_keys: over the
 * standard PAE, then, for a legacy payload only, over the compat one. */
static size_t find_signer(const struct ms_bundle *b, struct ms_pubkey *const *keys, size_t n_keys,
                          int *legacy)
{
	size_t pae_len;
	const uint8_t *pae =
	    ms_dsse_pae_in_place(b->payload_type, b->payload, b->payload_len, &pae_len);
	size_t found = n_keys;
	for (size_t i = 0; i < b->n_sigs && found == n_keys; i++)
		found = try_keys(&b->sigs[i], b->hint, pae, pae_len, keys, n_keys, 0);
	*legacy = 0;
	if (found < n_keys || !maybe_legacy(b))
		return found;
	uint8_t *compat = ms_dsse_pae_compat(b->payload_type, b->payload, b->payload_len, &pae_len);
	for (size_t i = 0; i < b->n_sigs && found == n_keys; i++)
		found = try_keys(&b->sigs[i], b->hint, compat, pae_len, keys, n_keys, 1);
	free(compat);
	if (found < n_keys && !legacy_payload(b))
		found = n_keys;
	*legacy = found < n_keys;
	return found;
}

static const char *cert_material_name(const struct ms_bundle *b)
{
	return b->cert_kind == MS_BUNDLE_CERT_CHAIN ? "an X.509 certificate chain"
	       : b->n_tlog_entries                  ? "a Sigstore certificate (keyless signature)"
	                                            : "an X.509 certificate";
}

/* A certificate bundle: the chain to a --ca root, then the signature by
 * the leaf's key. */
static int verify_cert(const struct ms_bundle *b, const char *what, const struct ms_bundle_trust *t,
                       struct ms_bundle_result *r)
{
	/* Timestamps and log entries need the authorities of a Sigstore
	 * trusted root; --ca has none, so such evidence cannot be checked and
	 * the bundle fails rather than pass with evidence unverified. Once a
	 * timestamp verifies (src/sigstore/), its time goes into the check
	 * below with time_source "timestamp". */
	if (b->n_tlog_entries || b->n_timestamps) {
		r->why = ms_asprintf(
		    "evidence: the bundle carries %zu transparency log entr%s and %zu timestamp%s "
		    "that --ca cannot check (they need a Sigstore trusted root, --trusted-root)",
		    b->n_tlog_entries, b->n_tlog_entries == 1 ? "y" : "ies", b->n_timestamps,
		    b->n_timestamps == 1 ? "" : "s");
		return MS_FAIL;
	}
	struct ms_x509_check c = {
	    (const uint8_t *const *)b->certs,      b->cert_lens,  b->n_certs, t->identity,
	    t->now ? t->now : (int64_t)time(NULL), "current time"};
	struct ms_pubkey *leaf;
	int rc = ms_x509_verify(t->cas, &c, what, &leaf, &r->cert, &r->why);
	if (rc != MS_OK)
		return rc;
	struct ms_pubkey *const keys[] = {leaf};
	if (find_signer(b, keys, 1, &r->legacy_signature) != 0) {
		r->why = ms_strdup("signature: does not verify with the signing certificate's key");
		return MS_FAIL;
	}
	r->signer = leaf;
	r->has_cert = 1;
	return MS_OK;
}

static int verify_keys(const struct ms_bundle *b, const struct ms_bundle_trust *t,
                       struct ms_bundle_result *r)
{
	if (t->identity) {
		r->why = ms_strdup(b->cert_kind != MS_BUNDLE_NO_CERT
		                       ? "identity: --identity needs the certificate that "
		                         "--ignore-certificate sets aside"
		                       : "identity: the bundle is signed by a bare key, which "
		                         "carries no identity to match --identity");
		return MS_FAIL;
	}
	size_t found = find_signer(b, t->keys, t->n_keys, &r->legacy_signature);
	if (found == t->n_keys) {
		r->why = ms_strdup(t->n_keys == 0   ? "no key is trusted for a bundle without "
		                                      "certificate (give --key PUB)"
		                   : t->n_keys == 1 ? "does not verify with the given key"
		                                    : "does not verify with any of the given keys");
		return MS_FAIL;
	}
	r->signer = t->keys[found];
	return MS_OK;
}

/* Which verifier the bundle's material calls for. A Sigstore keyless
 * verifier (--trusted-root) belongs beside verify_cert: it takes the
 * bundles with a certificate and tlog entries or timestamps, which verify_cert
 * refuses for want of the authorities to check them. */
static int verify_parsed(const struct ms_bundle *b, const char *what,
                         const struct ms_bundle_trust *t, struct ms_bundle_result *r)
{
	if (b->cert_kind == MS_BUNDLE_NO_CERT)
		return verify_keys(b, t, r);
	if (ms_x509_roots_count(t->cas) > 0)
		return verify_cert(b, what, t, r);
	if (!t->ignore_certificate) {
		r->why = ms_asprintf(
		    "certificate: the bundle carries %s, which a bare key does not check; verify "
		    "it with %s, or pass --ignore-certificate to check the signature with the key "
		    "alone",
		    cert_material_name(b),
		    b->cert_kind == MS_BUNDLE_CERT_CHAIN
		        ? "--ca ROOT.pem"
		        : "--ca ROOT.pem (or, for Sigstore, --trusted-root FILE --identity ID "
		          "--issuer URL)");
		return MS_FAIL;
	}
	r->certificate_ignored = 1;
	return verify_keys(b, t, r);
}

void ms_bundle_result_free(struct ms_bundle_result *r)
{
	free(r->payload);
	free(r->why);
	memset(r, 0, sizeof *r);
}

int ms_bundle_verify_trust(const char *json, size_t len, const char *what, const char *payload_type,
                           const struct ms_bundle_trust *t, struct ms_bundle_result *r)
{
	memset(r, 0, sizeof *r);
	cJSON *root = parse_json(json, len, what);
	if (!root)
		return MS_ERR;
	int rc = ms_bundle_verify_trust_tree(root, what, payload_type, t, r);
	cJSON_Delete(root);
	return rc;
}

int ms_bundle_verify_trust_tree(const cJSON *root, const char *what, const char *payload_type,
                                const struct ms_bundle_trust *t, struct ms_bundle_result *r)
{
	memset(r, 0, sizeof *r);
	struct ms_bundle b;
	if (ms_bundle_parse_tree(root, what, &b) < 0)
		return MS_ERR;
	if (strcmp(b.payload_type, payload_type) != 0) {
		ms_error("%s: unexpected payloadType '%.100s' (expected '%s')", what,
		         b.payload_type, payload_type);
		ms_bundle_free(&b);
		return MS_ERR;
	}
	int rc = verify_parsed(&b, what, t, r);
	if (rc == MS_OK) {
		r->payload = ms_dsse_payload_take(&b.payload_mem, b.payload, b.payload_len);
		r->payload_len = b.payload_len;
	}
	ms_bundle_free(&b);
	return rc;
}

int ms_bundle_verify(const char *json, size_t len, const char *what, const char *payload_type,
                     struct ms_pubkey *const *keys, size_t n_keys, uint8_t **payload,
                     size_t *payload_len, size_t *which_key)
{
	struct ms_bundle_trust t = {.keys = keys, .n_keys = n_keys};
	struct ms_bundle_result r;
	int rc = ms_bundle_verify_trust(json, len, what, payload_type, &t, &r);
	if (rc == MS_OK) {
		*payload = r.payload;
		*payload_len = r.payload_len;
		for (*which_key = 0; keys[*which_key] != r.signer; ++*which_key)
			;
		r.payload = NULL;
	}
	ms_bundle_result_free(&r);
	return rc;
}
