/* DSSE envelopes in Sigstore bundles v0.3: what `sign` writes and `verify`
 * reads, for the model statement and any other signed in-toto statement
 * (e.g. SLSA provenance). */
#ifndef MODELSEAL_BUNDLE_H
#define MODELSEAL_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "modelseal/keys.h"
#include "modelseal/x509.h"

#define MS_BUNDLE_MEDIA_TYPE "application/vnd.dev.sigstore.bundle.v0.3+json"
#define MS_INTOTO_PAYLOAD_TYPE "application/vnd.in-toto+json"
#define MS_BUNDLE_MAX ((size_t)128 << 20) /* largest bundle file read */
#define MS_BUNDLE_MAX_SIGS 16

/* DSSE pre-authentication encoding:
 * "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths in decimal.
 * Freshly allocated. */
uint8_t *ms_dsse_pae(const char *type, const uint8_t *body, size_t body_len, size_t *out_len);
/* The same bytes built in place: the header goes into the
 * ms_dsse_pae_room(type) bytes before body (ms_b64_decode_public leaves
 * them), so that a payload of tens of megabytes is not copied, nor fresh
 * memory touched for it, to be verified. Returns where the PAE starts. */
size_t ms_dsse_pae_room(const char *type);
const uint8_t *ms_dsse_pae_in_place(const char *type, uint8_t *body, size_t body_len,
                                    size_t *out_len);
/* The payload a decode left at *mem + room, moved to the start of *mem and
 * NUL-terminated: the caller owns it, *mem is NULL. */
uint8_t *ms_dsse_payload_take(uint8_t **mem, const uint8_t *payload, size_t len);

/* Signs the exact payload bytes (the key's signature over the PAE: Ed25519,
 * or DER ECDSA with the curve's hash) and returns the bundle JSON,
 * NUL-terminated, freshly allocated. The key id goes into the hint and the
 * signature's keyid. */
char *ms_bundle_sign(const uint8_t *payload, size_t payload_len, const char *payload_type,
                     const struct ms_seckey *key);

/* DER certificates, leaf first. */
struct ms_sign_chain {
	uint8_t **ders;
	size_t *lens;
	size_t n;
};
/* The same with a certificate chain (n > 0): the bundle carries it in
 * verificationMaterial.x509CertificateChain instead of a key hint, with an
 * empty tlogEntries and an empty keyid, the shape `model_signing verify
 * certificate` reads. The caller has checked that the leaf holds key. */
char *ms_bundle_sign_chain(const uint8_t *payload, size_t payload_len, const char *payload_type,
                           const struct ms_seckey *key, const struct ms_sign_chain *chain);

struct ms_dsse_sig {
	uint8_t *sig;
	size_t len;
	char *keyid; /* "" when absent or null */
};

/* Which certificate material a bundle carries. */
enum ms_bundle_certs {
	MS_BUNDLE_NO_CERT,    /* a bare key (publicKey hint, or nothing) */
	MS_BUNDLE_CERT_CHAIN, /* verificationMaterial.x509CertificateChain (v0.1, v0.2,
	                         model_signing's certificate bundles) */
	MS_BUNDLE_CERT_SINGLE /* verificationMaterial.certificate (v0.3: Sigstore
	                         keyless, or a certificate whose chain the verifier has) */
};

/* A bundle as read, nothing verified yet. What verification material it
 * carries is all here, so that each verifier (keys, --ca, Sigstore) can
 * insist that every piece of evidence is checked by someone. */
struct ms_bundle {
	char *hint; /* verificationMaterial.publicKey.hint, or NULL */
	enum ms_bundle_certs cert_kind;
	uint8_t **certs; /* DER, leaf first; n_certs is 1 for CERT_SINGLE */
	size_t *cert_lens;
	size_t n_certs;
	size_t n_tlog_entries; /* verificationMaterial.tlogEntries, not parsed here */
	size_t n_timestamps;   /* timestampVerificationData.rfc3161Timestamps */
	char *payload_type;    /* dsseEnvelope.payloadType */
	uint8_t *payload;      /* decoded payload bytes, inside payload_mem */
	size_t payload_len;
	uint8_t *payload_mem;     /* room for the PAE header, then payload */
	struct ms_dsse_sig *sigs; /* at least one */
	size_t n_sigs;
};

/* Parses a bundle strictly: JSON object, mediaType v0.3, verificationMaterial
 * object with at most one of publicKey, x509CertificateChain (1 to
 * MS_X509_MAX_CHAIN base64 rawBytes) and certificate (base64 rawBytes),
 * optional tlogEntries array and timestampVerificationData, dsseEnvelope with string payload
 * (base64) and payloadType and 1 to MS_BUNDLE_MAX_SIGS signatures, each with a base64 "sig" and an
 * optional string "keyid". Missing, duplicated or wrongly typed fields: an error naming the field
 * (prefixed by what, e.g. the file name) and -1. */
int ms_bundle_parse(const char *json, size_t len, const char *what, struct ms_bundle *b);
void ms_bundle_free(struct ms_bundle *b);

/* What the verifier may trust. */
struct ms_bundle_trust {
	struct ms_pubkey *const *keys; /* bare public keys */
	size_t n_keys;
	struct ms_x509_roots *cas; /* roots for certificate bundles, or NULL */
	const char *identity;      /* pins the certificate's identity, or NULL */
	int ignore_certificate;    /* check a certificate bundle with keys alone */
	int64_t now;               /* the current time for certificates; 0: time() */
};

struct ms_bundle_result {
	uint8_t *payload; /* MS_OK: the exact signed bytes (malloc'd, NUL after) */
	size_t payload_len;
	const struct ms_pubkey *signer; /* a key of trust->keys, or the certificate's
	                                   key (owned by trust->cas) */
	int has_cert;                   /* signer is a certificate, described here: */
	struct ms_x509_signer cert;
	int certificate_ignored; /* the bundle's certificate was set aside by
	                            ignore_certificate and a bare key verified */
	int legacy_signature;    /* verified only over model_signing 0.2.0's
	                            pre-standard PAE (see below) */
	char *why;               /* MS_FAIL: the failed check, for the verdict */
};

/* Verifies a bundle against the trust given:
 * - a bundle with certificate material needs trust->cas: the chain must
 *   pass ms_x509_verify at trust->now ("current time"; no timestamp in a
 *   certificate bundle can be verified without a Sigstore trusted root, so
 *   one that carries tlog entries or timestamps fails), and a signature
 *   must verify with the leaf's key. Without cas it fails (class 8 of
 *   issue 10) unless ignore_certificate, when the keys are tried instead
 *   and result->certificate_ignored says so.
 * - a bundle without certificate material needs one of the keys; with an
 *   identity pinned it fails, having no certificate to carry one.
 * Signatures are over the DSSE PAE with the key's own hash. Only for a
 * payload with model_signing 0.2.0's predicate (Digests/v0.1), and only
 * when no standard signature verifies, model_signing's pae_compat form is
 * accepted too: "DSSEV1 <len type> <type> <len payload> <Python repr of the
 * payload>", ECDSA over SHA-256 whatever the curve.
 * Returns MS_OK, MS_FAIL (result->why set) or MS_ERR (reported). */
int ms_bundle_verify_trust(const char *json, size_t len, const char *what, const char *payload_type,
                           const struct ms_bundle_trust *trust, struct ms_bundle_result *result);
void ms_bundle_result_free(struct ms_bundle_result *r);

/* The same steps on a bundle parsed once (verify routes keyless bundles
 * elsewhere by looking at the same tree): ms_bundle_json parses and checks
 * the JSON text (NULL after reporting), the _tree functions then read it. */
struct cJSON;
struct cJSON *ms_bundle_json(const char *json, size_t len, const char *what);
int ms_bundle_parse_tree(const struct cJSON *root, const char *what, struct ms_bundle *b);
int ms_bundle_verify_trust_tree(const struct cJSON *root, const char *what,
                                const char *payload_type, const struct ms_bundle_trust *trust,
                                struct ms_bundle_result *result);

/* model_signing 0.2.0's pre-standard encoding described above; freshly
 * allocated. */
uint8_t *ms_dsse_pae_compat(const char *type, const uint8_t *body, size_t body_len,
                            size_t *out_len);

/* The same with bare keys only (certificate bundles fail): hands back the payload only when a
 * signature checks:
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
