/* Helpers shared by the modules of src/sigstore/ only. */
#ifndef MODELSEAL_SIGSTORE_INT_H
#define MODELSEAL_SIGSTORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* A string field holding base64 (standard alphabet), decoded; absent is an
 * error. what names the object in messages. */
int ms_ss_b64_field(const cJSON *obj, const char *key, const char *what, uint8_t **out,
                    size_t *len);
/* Standard padded base64, without a message when malformed (evidence
 * that does not decode is a failed check, not an input error). */
int ms_ss_b64_quiet(const char *text, size_t len, uint8_t **out, size_t *out_len);
/* A protobuf-JSON int64: a decimal string ("206342049") or a number. */
int ms_ss_int_field(const cJSON *obj, const char *key, const char *what, uint64_t max,
                    uint64_t *out);
/* DER certificate / SPKI from base64 rawBytes of obj. */
X509 *ms_ss_cert_field(const cJSON *obj, const char *what);
EVP_PKEY *ms_ss_pubkey_der(const uint8_t *der, size_t len, const char *what);
/* *why = the formatted sentence; returns -1 for `return ms_ss_fail(...)`. */
int ms_ss_fail(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Seconds since the epoch of an ASN1_TIME; -1 when it cannot be read. */
int ms_ss_asn1_time(const ASN1_TIME *a, int64_t *out);
/* The sha256 of data in lower-case hex (65 bytes). */
void ms_ss_sha256_hex(const void *data, size_t len, char out[65]);

#endif
