/* Rekor entries: what the log recorded must be this bundle's signature,
 * certificate and payload (else a valid entry for something else could be
 * replayed, CVE-2022-36056), and the log's signed entry timestamp (SET)
 * must verify. Bodies: Rekor v1 dsse 0.0.1 and intoto 0.0.2, Rekor v2
 * hashedrekord 0.0.2 (how Rekor v2 records a DSSE envelope today) and
 * dsse 0.0.2. */
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/sha.h>

#include "modelseal/bundle.h"
#include "modelseal/sigstore.h"
#include "modelseal/json.h"
#include "modelseal/util.h"
#include "sigstore_int.h"

static const cJSON *get(const cJSON *o, const char *key)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

static const char *get_str(const cJSON *o, const char *key)
{
	const cJSON *v = get(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Base64 text decodes to exactly want. */
static int b64_equals(const char *text, const uint8_t *want, size_t want_len)
{
	uint8_t *d;
	size_t n;
	if (!text || ms_ss_b64_quiet(text, strlen(text), &d, &n) < 0)
		return 0;
	int eq = n == want_len && memcmp(d, want, n) == 0;
	free(d);
	return eq;
}

/* Base64 of a PEM certificate that is the leaf. */
static int b64_pem_is_cert(const char *text, X509 *leaf)
{
	uint8_t *pem;
	size_t n;
	if (!text || ms_ss_b64_quiet(text, strlen(text), &pem, &n) < 0)
		return 0;
	BIO *bio = BIO_new_mem_buf(pem, (int)n);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	int eq = x && X509_cmp(x, leaf) == 0;
	X509_free(x);
	BIO_free(bio);
	free(pem);
	return eq;
}

/* {"rawBytes": base64 DER} of the leaf (Rekor v2). */
static int der_is_cert(const cJSON *o, X509 *leaf)
{
	unsigned char *der = NULL;
	int der_len = i2d_X509(leaf, &der);
	int same = der_len > 0 && b64_equals(get_str(o, "rawBytes"), der, (size_t)der_len);
	OPENSSL_free(der);
	return same;
}

/* {"algorithm":"sha256","value":HEX} of the payload. */
static int payload_hash_ok(const cJSON *h, const struct ms_sigstore_bundle *b)
{
	char hex[65];
	const char *alg = get_str(h, "algorithm"), *value = get_str(h, "value");
	ms_ss_sha256_hex(b->payload, b->payload_len, hex);
	return alg && value && strcmp(alg, "sha256") == 0 && strcmp(value, hex) == 0;
}

/* The one signature of the envelope, and nothing else. */
static const cJSON *only_signature(const cJSON *spec)
{
	const cJSON *sigs = get(spec, "signatures");
	return cJSON_IsArray(sigs) && cJSON_GetArraySize(sigs) == 1 ? cJSON_GetArrayItem(sigs, 0)
	                                                            : NULL;
}

static int check_dsse_v001(const cJSON *spec, const struct ms_sigstore_bundle *b, char **why)
{
	if (!payload_hash_ok(get(spec, "payloadHash"), b))
		return ms_ss_fail(why, "log entry: its payload hash is not the payload's");
	const cJSON *s = only_signature(spec);
	if (!s || !b64_equals(get_str(s, "signature"), b->sig, b->sig_len))
		return ms_ss_fail(why, "log entry: its signature is not the envelope's");
	if (!b64_pem_is_cert(get_str(s, "verifier"), b->cert))
		return ms_ss_fail(why, "log entry: its certificate is not the bundle's");
	return 0;
}

static int check_intoto_v002(const cJSON *spec, const struct ms_sigstore_bundle *b, char **why)
{
	const cJSON *content = get(spec, "content");
	const cJSON *env = get(content, "envelope");
	const char *type = get_str(env, "payloadType");
	if (!payload_hash_ok(get(content, "payloadHash"), b))
		return ms_ss_fail(why, "log entry: its payload hash is not the payload's");
	if (!type || strcmp(type, b->payload_type) != 0)
		return ms_ss_fail(why, "log entry: its payload type is not the envelope's");
	const cJSON *s = only_signature(env);
	/* intoto 0.0.2 stores the signature base64-encoded twice. */
	uint8_t *once = NULL;
	size_t n = 0;
	const char *sig = get_str(s, "sig");
	int ok = sig && ms_ss_b64_quiet(sig, strlen(sig), &once, &n) == 0;
	char *inner = ok ? ms_strndup((const char *)once, n) : NULL;
	ok = ok && b64_equals(inner, b->sig, b->sig_len);
	free(inner);
	free(once);
	if (!ok)
		return ms_ss_fail(why, "log entry: its signature is not the envelope's");
	if (!b64_pem_is_cert(get_str(s, "publicKey"), b->cert))
		return ms_ss_fail(why, "log entry: its certificate is not the bundle's");
	return 0;
}

/* Rekor v2: data.digest is the hash of the DSSE PAE (the hash the signing
 * key's curve calls for), signature.content the envelope's signature,
 * verifier.x509Certificate the leaf. */
static int check_hashedrekord_v002(const cJSON *spec, const struct ms_sigstore_bundle *b,
                                   char **why)
{
	const cJSON *hr = get(spec, "hashedRekordV002");
	const cJSON *data = get(hr, "data"), *sig = get(hr, "signature");
	const cJSON *cert = get(get(sig, "verifier"), "x509Certificate");
	EVP_PKEY *key = X509_get0_pubkey(b->cert);
	int bits = key ? EVP_PKEY_get_bits(key) : 0;
	const EVP_MD *md = bits <= 256 ? EVP_sha256() : bits <= 384 ? EVP_sha384() : EVP_sha512();
	const char *alg = bits <= 256 ? "SHA2_256" : bits <= 384 ? "SHA2_384" : "SHA2_512";
	size_t pae_len;
	const uint8_t *pae =
	    ms_dsse_pae_in_place(b->payload_type, b->payload, b->payload_len, &pae_len);
	uint8_t md_out[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;
	EVP_Digest(pae, pae_len, md_out, &md_len, md, NULL);
	const char *have_alg = get_str(data, "algorithm");
	if (!have_alg || strcmp(have_alg, alg) != 0 ||
	    !b64_equals(get_str(data, "digest"), md_out, md_len))
		return ms_ss_fail(why, "log entry: its digest is not that of the envelope");
	if (!b64_equals(get_str(sig, "content"), b->sig, b->sig_len))
		return ms_ss_fail(why, "log entry: its signature is not the envelope's");
	if (!der_is_cert(cert, b->cert))
		return ms_ss_fail(why, "log entry: its certificate is not the bundle's");
	return 0;
}

/* Rekor v2 dsse 0.0.2: payloadHash over the payload, one signature with
 * the certificate as verifier. */
static int check_dsse_v002(const cJSON *spec, const struct ms_sigstore_bundle *b, char **why)
{
	const cJSON *d = get(spec, "dsseV002");
	const cJSON *h = get(d, "payloadHash");
	const char *alg = get_str(h, "algorithm");
	uint8_t md[32];
	SHA256(b->payload, b->payload_len, md);
	if (!alg || strcmp(alg, "SHA2_256") != 0 || !b64_equals(get_str(h, "digest"), md, 32))
		return ms_ss_fail(why, "log entry: its payload hash is not the payload's");
	const cJSON *s = only_signature(d);
	if (!s || !b64_equals(get_str(s, "content"), b->sig, b->sig_len))
		return ms_ss_fail(why, "log entry: its signature is not the envelope's");
	if (!der_is_cert(get(get(s, "verifier"), "x509Certificate"), b->cert))
		return ms_ss_fail(why, "log entry: its certificate is not the bundle's");
	return 0;
}

int ms_rekor_body_check(const struct ms_tlog_entry *e, const struct ms_sigstore_bundle *b,
                        char **why)
{
	cJSON *body = ms_json_parse_quiet((const char *)e->body, e->body_len);
	const char *kind = get_str(body, "kind"), *version = get_str(body, "apiVersion");
	const cJSON *spec = get(body, "spec");
	int rc;
	if (!kind || !version || !cJSON_IsObject(spec))
		rc = ms_ss_fail(why, "log entry: its body is not a Rekor entry");
	else if (strcmp(kind, e->kind) != 0 || strcmp(version, e->version) != 0)
		rc = ms_ss_fail(why, "log entry: its body is a %s %s, the bundle says %s %s", kind,
		                version, e->kind, e->version);
	else if (strcmp(kind, "dsse") == 0 && strcmp(version, "0.0.1") == 0)
		rc = check_dsse_v001(spec, b, why);
	else if (strcmp(kind, "intoto") == 0 && strcmp(version, "0.0.2") == 0)
		rc = check_intoto_v002(spec, b, why);
	else if (strcmp(kind, "dsse") == 0 && strcmp(version, "0.0.2") == 0)
		rc = check_dsse_v002(spec, b, why);
	else if (strcmp(kind, "hashedrekord") == 0 && strcmp(version, "0.0.2") == 0)
		rc = check_hashedrekord_v002(spec, b, why);
	else
		rc = ms_ss_fail(why, "log entry: kind %s %s cannot record a DSSE envelope", kind,
		                version);
	cJSON_Delete(body);
	return rc;
}

int ms_rekor_set_verify(const struct ms_tlog_entry *e, const struct ms_tr_log *log, char **why)
{
	/* RFC 8785 of these four members is plain: keys in code-point order,
	 * integers in decimal, and strings that need no escaping (the body is
	 * base64, which sbundle.c checked, and the log id hex). */
	for (const char *p = e->body_b64; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			return ms_ss_fail(why, "signed entry timestamp: the body is not base64");
	char *hex = ms_malloc(2 * e->log_id_len + 1);
	ms_hex_encode(e->log_id, e->log_id_len, hex);
	char *canon = ms_asprintf(
	    "{\"body\":\"%s\",\"integratedTime\":%lld,\"logID\":\"%s\",\"logIndex\":%llu}",
	    e->body_b64, (long long)e->integrated_time, hex, (unsigned long long)e->log_index);
	int ok = ms_sig_verify(log->key, (const uint8_t *)canon, strlen(canon), e->set, e->set_len);
	free(canon);
	free(hex);
	return ok ? 0
	          : ms_ss_fail(why, "signed entry timestamp does not verify with the log's key");
}
