/* Sigstore bundles and their DSSE envelopes: ms_bundle_parse and
 * ms_bundle_verify on the raw input, then again with the envelope re-signed
 * by the harness key, so mutated payloads get past the signature into the
 * statement parser. A bundle that parses and carries a good signature by a
 * trusted key must verify, and hand back exactly the bytes signed. */
#include "fuzz.h"
#include "modelseal/b64.h"
#include "modelseal/bundle.h"
#include "modelseal/json.h"
#include "modelseal/manifest.h"
#include "modelseal/util.h"

#include <unistd.h>

/* tests/data/keys/ed25519.key, a test key. */
static const char test_key[] = "-----BEGIN PRIVATE KEY-----\n"
                               "MC4CAQAwBQYDK2VwBCIEIDNLd7TUmAiLEIHW1awbQJu69TAYHg+d7fpYtstpUo8A\n"
                               "-----END PRIVATE KEY-----\n";
/* The model_signing interop key (P-384), so its bundles verify too. */
static const char interop_pub[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEsu6rZGBTjxtvRWPMixT+3HyndV0J0Ybt\n"
    "aHZUcO4DEK+OJHO/4e32bb/fbJKSpRgcBsIpKLcVijUomyFOERbd7u+BTPSUjGZD\n"
    "Qq6J7lTvp/EAXQGOKxW9RP0MGX3qAkvi\n"
    "-----END PUBLIC KEY-----\n";

static struct ms_seckey *sk;
static struct ms_pubkey *keys[2];

static void load_keys(void)
{
	char dir[] = "/tmp/ms-fuzz-XXXXXX";
	if (!mkdtemp(dir))
		abort();
	char *path = ms_asprintf("%s/k.key", dir);
	if (ms_write_atomic(path, test_key, sizeof test_key - 1, 0600) < 0 ||
	    ms_seckey_load(path, NULL, &sk) < 0)
		abort();
	unlink(path);
	rmdir(dir);
	free(path);
	const char *pem = ms_pubkey_pem(ms_seckey_public(sk));
	if (ms_pubkey_parse(pem, strlen(pem), "harness key", &keys[0]) < 0 ||
	    ms_pubkey_parse(interop_pub, sizeof interop_pub - 1, "interop key", &keys[1]) < 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	load_keys();
	ms_fuzz_quiet();
	return 0;
}

/* Verifies; on success the payload goes on to the statement parser. */
static int verify(const char *json, size_t len, uint8_t **payload, size_t *payload_len)
{
	size_t which;
	int rc = ms_bundle_verify(json, len, "bundle", MS_INTOTO_PAYLOAD_TYPE, keys, 2, payload,
	                          payload_len, &which);
	MS_FUZZ_ASSERT(rc == MS_OK || rc == MS_FAIL || rc == MS_ERR);
	MS_FUZZ_ASSERT(rc != MS_OK || which < 2);
	if (rc == MS_OK) {
		struct ms_manifest m;
		if (ms_statement_parse((const char *)*payload, *payload_len, &m) == 0)
			ms_manifest_free(&m);
	}
	return rc;
}

/* Signs dsseEnvelope.payload (as decoded) under its payloadType with the
 * harness key into signatures[0].sig. -1 when the shape does not allow it. */
static int resign(cJSON *b, uint8_t **payload, size_t *payload_len)
{
	cJSON *env = cJSON_GetObjectItemCaseSensitive(b, "dsseEnvelope");
	const char *p64 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(env, "payload"));
	const char *type =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(env, "payloadType"));
	cJSON *sig0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(env, "signatures"), 0);
	if (!p64 || !type || !cJSON_IsObject(sig0) ||
	    ms_b64_decode(p64, strlen(p64), "payload", payload, payload_len) < 0)
		return -1;
	size_t pae_len;
	uint8_t *pae = ms_dsse_pae(type, *payload, *payload_len, &pae_len);
	uint8_t sig[MS_ED25519_SIG_LEN];
	ms_seckey_sign(sk, pae, pae_len, sig);
	free(pae);
	char *sig64 = ms_b64_encode(sig, sizeof sig);
	cJSON_DeleteItemFromObjectCaseSensitive(sig0, "sig");
	cJSON_AddStringToObject(sig0, "sig", sig64);
	free(sig64);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_bundle parsed;
	if (ms_bundle_parse((const char *)data, size, "bundle", &parsed) == 0)
		ms_bundle_free(&parsed);
	uint8_t *out = NULL, *signed_payload = NULL;
	size_t out_len = 0, signed_len = 0;
	verify((const char *)data, size, &out, &out_len);
	free(out);
	out = NULL;

	cJSON *b = cJSON_ParseWithLength((const char *)data, size);
	if (b && resign(b, &signed_payload, &signed_len) == 0) {
		char *text = cJSON_PrintUnformatted(b);
		struct ms_bundle again;
		int parses = text && ms_bundle_parse(text, strlen(text), "bundle", &again) == 0;
		if (parses) {
			const char *type = again.payload_type;
			int rc = verify(text, strlen(text), &out, &out_len);
			/* Well-formed, signed by a trusted key, the right type: it
			 * verifies, and to the very bytes that were signed. */
			if (strcmp(type, MS_INTOTO_PAYLOAD_TYPE) == 0 &&
			    again.cert_kind != MS_BUNDLE_NO_CERT) {
				/* certificate material never passes on a bare key */
				MS_FUZZ_ASSERT(rc == MS_FAIL);
			} else if (strcmp(type, MS_INTOTO_PAYLOAD_TYPE) == 0) {
				MS_FUZZ_ASSERT(rc == MS_OK);
				MS_FUZZ_ASSERT(out_len == signed_len &&
				               memcmp(out, signed_payload, out_len) == 0);
			} else {
				MS_FUZZ_ASSERT(rc == MS_ERR);
			}
			ms_bundle_free(&again);
		}
		free(text);
	}
	free(out);
	free(signed_payload);
	cJSON_Delete(b);
	return 0;
}
