/* Helpers the Sigstore modules share: typed fields of protobuf JSON,
 * certificates and keys from DER, and signature verification by key type. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ec.h>
#include <openssl/sha.h>
#include <sodium.h>

#include "modelseal/b64.h"
#include "modelseal/json.h"
#include "modelseal/sigstore.h"
#include "modelseal/util.h"
#include "sigstore_int.h"

int ms_ss_b64_field(const cJSON *obj, const char *key, const char *what, uint8_t **out, size_t *len)
{
	const char *s = ms_json_string(obj, key, what);
	if (!s)
		return -1;
	char *name = ms_asprintf("%s: %s", what, key);
	int rc = ms_b64_decode(s, strlen(s), name, out, len);
	free(name);
	return rc;
}

int ms_ss_int_field(const cJSON *obj, const char *key, const char *what, uint64_t max,
                    uint64_t *out)
{
	const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
	if (v && cJSON_IsNumber(v))
		return ms_json_u64(obj, key, 0, max, what, out);
	if (!v || !cJSON_IsString(v) || ms_parse_u64(v->valuestring, 0, max, out) < 0) {
		ms_error("%s: field '%s' must be a whole number from 0 to %llu", what, key,
		         (unsigned long long)max);
		return -1;
	}
	return 0;
}

X509 *ms_ss_cert_field(const cJSON *obj, const char *what)
{
	uint8_t *der;
	size_t len;
	if (ms_ss_b64_field(obj, "rawBytes", what, &der, &len) < 0)
		return NULL;
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (!x || p != der + len) {
		ms_error("%s: rawBytes is not one DER X.509 certificate", what);
		X509_free(x);
		x = NULL;
	}
	free(der);
	return x;
}

EVP_PKEY *ms_ss_pubkey_der(const uint8_t *der, size_t len, const char *what)
{
	const unsigned char *p = der;
	EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)len);
	if (!k || p != der + len) {
		ms_error("%s: not a DER public key (SubjectPublicKeyInfo)", what);
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

int ms_ss_fail(char **why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0) {
		ms_error("out of memory");
		exit(MS_ERR);
	}
	va_end(ap);
	free(*why);
	*why = s;
	return -1;
}

int ms_ss_asn1_time(const ASN1_TIME *a, int64_t *out)
{
	struct tm tm;
	if (!a || !ASN1_TIME_to_tm(a, &tm))
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

void ms_ss_sha256_hex(const void *data, size_t len, char out[65])
{
	uint8_t md[32];
	SHA256(data, len, md);
	ms_hex_encode(md, sizeof md, out);
}

/* The digest an ECDSA key's curve calls for, as Sigstore and the Web PKI
 * pair them. */
static const EVP_MD *ecdsa_md(EVP_PKEY *key)
{
	int bits = EVP_PKEY_get_bits(key);
	return bits <= 256 ? EVP_sha256() : bits <= 384 ? EVP_sha384() : EVP_sha512();
}

int ms_sig_verify(EVP_PKEY *key, const uint8_t *msg, size_t len, const uint8_t *sig, size_t sig_len)
{
	const EVP_MD *md = NULL;
	int type = EVP_PKEY_get_base_id(key);
	if (type == EVP_PKEY_EC)
		md = ecdsa_md(key);
	else if (type == EVP_PKEY_RSA)
		md = EVP_sha256();
	else if (type != EVP_PKEY_ED25519)
		return 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
	         EVP_DigestVerify(ctx, sig, sig_len, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

int ms_ss_b64_quiet(const char *text, size_t len, uint8_t **out, size_t *out_len)
{
	size_t cap = len / 4 * 3 + 3;
	*out = ms_malloc(cap);
	if (sodium_base642bin(*out, cap, text, len, NULL, out_len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}
