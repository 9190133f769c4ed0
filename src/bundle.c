/* Sigstore bundle v0.3 with a DSSE envelope. The signature covers the PAE of
 * the payload bytes exactly as they travel (base64-decoded), so verification
 * never depends on how anyone re-serialises JSON. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/b64.h"
#include "modelseal/bundle.h"
#include "modelseal/json.h"
#include "modelseal/util.h"

uint8_t *ms_dsse_pae(const char *type, const uint8_t *body, size_t body_len, size_t *out_len)
{
	struct ms_buf b = {0};
	size_t type_len = strlen(type);
	ms_buf_printf(&b, "DSSEv1 %zu ", type_len);
	ms_buf_append(&b, type, type_len);
	ms_buf_printf(&b, " %zu ", body_len);
	ms_buf_append(&b, body, body_len);
	*out_len = b.len;
	return (uint8_t *)b.data;
}

char *ms_bundle_sign(const uint8_t *payload, size_t payload_len, const char *payload_type,
                     const struct ms_seckey *key)
{
	size_t pae_len;
	uint8_t *pae = ms_dsse_pae(payload_type, payload, payload_len, &pae_len);
	uint8_t sig[MS_ED25519_SIG_LEN];
	ms_seckey_sign(key, pae, pae_len, sig);
	free(pae);

	const char *keyid = ms_pubkey_id(ms_seckey_public(key));
	char *payload_b64 = ms_b64_encode(payload, payload_len);
	char *sig_b64 = ms_b64_encode(sig, sizeof sig);
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "mediaType", MS_BUNDLE_MEDIA_TYPE);
	cJSON *vm = cJSON_AddObjectToObject(root, "verificationMaterial");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(vm, "publicKey"), "hint", keyid);
	cJSON *env = cJSON_AddObjectToObject(root, "dsseEnvelope");
	cJSON_AddStringToObject(env, "payload", payload_b64);
	cJSON_AddStringToObject(env, "payloadType", payload_type);
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "sig", sig_b64);
	cJSON_AddStringToObject(s, "keyid", keyid);
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

void ms_bundle_free(struct ms_bundle *b)
{
	for (size_t i = 0; i < b->n_sigs; i++) {
		free(b->sigs[i].sig);
		free(b->sigs[i].keyid);
	}
	free(b->sigs);
	free(b->hint);
	free(b->payload_type);
	free(b->payload);
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

enum kind { OBJECT, ARRAY, STRING, OPT_OBJECT, OPT_STRING };

/* A member of the given kind; optional members may be absent (and a
 * optional string may be null). */
static int field(const cJSON *obj, const char *name, enum kind k, const char *what,
                 const char *path, const cJSON **out)
{
	if (member(obj, name, what, path, out) < 0)
		return -1;
	const cJSON *v = *out;
	int optional = k == OPT_OBJECT || k == OPT_STRING;
	if (!v || (k == OPT_STRING && cJSON_IsNull(v))) {
		*out = NULL;
		if (optional)
			return 0;
		ms_error("%s: bundle lacks %s%s", what, path, name);
		return -1;
	}
	int ok = k == ARRAY                       ? cJSON_IsArray(v)
	         : k == STRING || k == OPT_STRING ? cJSON_IsString(v)
	                                          : cJSON_IsObject(v);
	if (!ok) {
		static const char *names[] = {"an object", "an array", "a string", "an object",
		                              "a string"};
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

static int parse_material(const cJSON *root, const char *what, struct ms_bundle *b)
{
	const cJSON *vm, *pk, *hint;
	if (field(root, "verificationMaterial", OBJECT, what, "", &vm) < 0 ||
	    field(vm, "publicKey", OPT_OBJECT, what, "verificationMaterial.", &pk) < 0)
		return -1;
	if (pk && field(pk, "hint", OPT_STRING, what, "verificationMaterial.publicKey.", &hint) < 0)
		return -1;
	if (pk && hint && hint->valuestring[0])
		b->hint = ms_strdup(hint->valuestring);
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
	int rc = ms_b64_decode(payload->valuestring, strlen(payload->valuestring), desc,
	                       &b->payload, &b->payload_len);
	free(desc);
	if (rc < 0)
		return -1;
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

int ms_bundle_parse(const char *json, size_t len, const char *what, struct ms_bundle *b)
{
	memset(b, 0, sizeof *b);
	cJSON *root = parse_json(json, len, what);
	if (!root)
		return -1;
	int rc = -1;
	if (check_media_type(root, what) == 0 && parse_material(root, what, b) == 0 &&
	    parse_envelope(root, what, b) == 0)
		rc = 0;
	cJSON_Delete(root);
	if (rc < 0)
		ms_bundle_free(b);
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

/* Which key verifies signature s over pae: index, or n_keys for none. */
static size_t try_keys(const struct ms_dsse_sig *s, const char *hint, const uint8_t *pae,
                       size_t pae_len, struct ms_pubkey *const *keys, size_t n_keys)
{
	size_t first = preferred_key(keys, n_keys, s->keyid[0] ? s->keyid : hint);
	if (first < n_keys && ms_pubkey_verify(keys[first], pae, pae_len, s->sig, s->len))
		return first;
	for (size_t i = 0; i < n_keys; i++)
		if (i != first && ms_pubkey_verify(keys[i], pae, pae_len, s->sig, s->len))
			return i;
	return n_keys;
}

int ms_bundle_verify(const char *json, size_t len, const char *what, const char *payload_type,
                     struct ms_pubkey *const *keys, size_t n_keys, uint8_t **payload,
                     size_t *payload_len, size_t *which_key)
{
	struct ms_bundle b;
	if (ms_bundle_parse(json, len, what, &b) < 0)
		return MS_ERR;
	if (strcmp(b.payload_type, payload_type) != 0) {
		ms_error("%s: unexpected payloadType '%.100s' (expected '%s')", what,
		         b.payload_type, payload_type);
		ms_bundle_free(&b);
		return MS_ERR;
	}
	size_t pae_len;
	uint8_t *pae = ms_dsse_pae(b.payload_type, b.payload, b.payload_len, &pae_len);
	size_t found = n_keys;
	for (size_t i = 0; i < b.n_sigs && found == n_keys; i++)
		found = try_keys(&b.sigs[i], b.hint, pae, pae_len, keys, n_keys);
	free(pae);
	if (found == n_keys) {
		ms_bundle_free(&b);
		return MS_FAIL;
	}
	*payload = b.payload;
	*payload_len = b.payload_len;
	*which_key = found;
	b.payload = NULL;
	ms_bundle_free(&b);
	return MS_OK;
}
