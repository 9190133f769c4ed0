/* DSSE envelopes in Sigstore bundles v0.3: what `sign` writes and `verify`
 * reads, for the model statement and any other signed in-toto statement
 * (e.g. SLSA provenance). */
#ifndef MODELSEAL_BUNDLE_H
#define MODELSEAL_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "modelseal/keys.h"

#define MS_BUNDLE_MEDIA_TYPE "application/vnd.dev.sigstore.bundle.v0.3+json"
#define MS_INTOTO_PAYLOAD_TYPE "application/vnd.in-toto+json"
#define MS_BUNDLE_MAX ((size_t)128 << 20) /* largest bundle file read */
#define MS_BUNDLE_MAX_SIGS 16

/* DSSE pre-authentication encoding:
 * "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths in decimal.
 * Freshly allocated. */
uint8_t *ms_dsse_pae(const char *type, const uint8_t *body, size_t body_len, size_t *out_len);

/* Signs the exact payload bytes (Ed25519 over the PAE) and returns the bundle
 * JSON, NUL-terminated, freshly allocated. The key id goes into the hint and
 * the signature's keyid. */
char *ms_bundle_sign(const uint8_t *payload, size_t payload_len, const char *payload_type,
                     const struct ms_seckey *key);

struct ms_dsse_sig {
	uint8_t *sig;
	size_t len;
	char *keyid; /* "" when absent or null */
};

/* A bundle as read, nothing verified yet. */
struct ms_bundle {
	char *hint;         /* verificationMaterial.publicKey.hint, or NULL */
	char *payload_type; /* dsseEnvelope.payloadType */
	uint8_t *payload;   /* decoded payload bytes */
	size_t payload_len;
	struct ms_dsse_sig *sigs; /* at least one */
	size_t n_sigs;
};

/* Parses a bundle strictly: JSON object, mediaType v0.3, verificationMaterial
 * object, dsseEnvelope with string payload (base64) and payloadType and 1 to
 * MS_BUNDLE_MAX_SIGS signatures, each with a base64 "sig" and an optional
 * string "keyid". Missing, duplicated or wrongly typed fields: an error naming
 * the field (prefixed by what, e.g. the file name) and -1. */
int ms_bundle_parse(const char *json, size_t len, const char *what, struct ms_bundle *b);
void ms_bundle_free(struct ms_bundle *b);

/* Verifies a bundle and hands back the payload only when a signature checks:
 * - MS_ERR (2): malformed bundle (reported), or payloadType is not
 *   payload_type (reported);
 * - MS_FAIL (1): well-formed, but no signature verifies with any of the keys
 *   (not reported: the caller knows how to say it);
 * - MS_OK (0): *payload (malloc'd) and *payload_len hold the exact signed
 *   bytes, *which_key the index of the key that verified.
 * Every signature is tried with every key; a signature's keyid (or the
 * bundle hint) only decides which key is tried first and is never trusted.
 * One valid signature by one of the keys suffices. */
int ms_bundle_verify(const char *json, size_t len, const char *what, const char *payload_type,
                     struct ms_pubkey *const *keys, size_t n_keys, uint8_t **payload,
                     size_t *payload_len, size_t *which_key);

#endif
