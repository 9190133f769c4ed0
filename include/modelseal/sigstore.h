/* Sigstore keyless verification, offline: a bundle whose signature was made
 * with a short-lived Fulcio certificate and logged in Rekor, checked against
 * a trusted_root.json (Fulcio CAs, Rekor logs, CT logs, timestamp
 * authorities) and an expected identity and OIDC issuer. Each piece of
 * evidence has its own module in src/sigstore/; ms_sigstore_verify() runs
 * them in the order SECURITY.md describes. Nothing here touches the
 * network. */
#ifndef MODELSEAL_SIGSTORE_H
#define MODELSEAL_SIGSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define MS_SIGSTORE_MAX_ENTRIES 16 /* tlog entries or timestamps per bundle */
#define MS_TRUSTED_ROOT_MAX ((size_t)4 << 20)

/* ---- trusted root (trusted_root.c) ---- */

/* [start, end], seconds since the epoch; end is INT64_MAX when open. */
struct ms_validity {
	int64_t start, end;
};

/* A transparency log (Rekor or CT) key. id is logId.keyId (for Rekor v1 and
 * CT logs, the SHA-256 of the key's DER SPKI). */
struct ms_tr_log {
	char *base_url;
	uint8_t *id;
	size_t id_len;
	EVP_PKEY *key;
	struct ms_validity valid;
};

/* A Fulcio CA or a timestamp authority: chain[0] is the issuing certificate,
 * the last one the root. */
struct ms_tr_ca {
	char *uri;
	STACK_OF(X509) * chain;
	struct ms_validity valid;
};

struct ms_trusted_root {
	struct ms_tr_log *tlogs, *ctlogs;
	size_t n_tlogs, n_ctlogs;
	struct ms_tr_ca *cas, *tsas;
	size_t n_cas, n_tsas;
};

/* Parses trusted_root.json strictly (media type
 * application/vnd.dev.sigstore.trustedroot+json;version=0.1 or =0.2). A key
 * or certificate that does not parse is an error naming it; what names the
 * document. -1 after reporting. */
int ms_trusted_root_parse(const char *json, size_t len, const char *what,
                          struct ms_trusted_root *tr);
int ms_trusted_root_load(const char *path, struct ms_trusted_root *tr);
void ms_trusted_root_free(struct ms_trusted_root *tr);
/* The log with this id whose validity covers t, or NULL. */
const struct ms_tr_log *ms_tr_find_log(const struct ms_tr_log *logs, size_t n, const uint8_t *id,
                                       size_t id_len, int64_t t);
/* "2022-12-31T23:59:59.999Z" (fractions dropped); -1 when malformed. */
int ms_rfc3339_parse(const char *s, int64_t *out);

/* ---- the bundle's evidence (sbundle.c) ---- */

struct ms_tlog_entry {
	uint64_t log_index;
	uint8_t *log_id;
	size_t log_id_len;
	char *kind, *version;    /* kindVersion */
	int64_t integrated_time; /* 0 when absent (Rekor v2) */
	uint8_t *set;            /* inclusionPromise.signedEntryTimestamp, or NULL */
	size_t set_len;
	char *body_b64; /* canonicalizedBody exactly as in the bundle */
	uint8_t *body;  /* ... decoded */
	size_t body_len;
	int has_proof; /* inclusionProof present */
	uint64_t proof_index, tree_size;
	uint8_t root_hash[32];
	uint8_t (*hashes)[32];
	size_t n_hashes;
	char *checkpoint; /* inclusionProof.checkpoint.envelope */
};

struct ms_sigstore_bundle {
	X509 *cert;             /* the leaf (certificate or chain[0]) */
	STACK_OF(X509) * chain; /* x509CertificateChain after the leaf (untrusted) */
	struct ms_tlog_entry *tlog;
	size_t n_tlog;
	uint8_t **tsp; /* RFC 3161 signedTimestamp DER */
	size_t *tsp_len, n_tsp;
	char *payload_type;
	uint8_t *payload, *sig; /* payload: inside payload_mem, after room for the PAE header */
	size_t payload_len, sig_len;
	uint8_t *payload_mem;
};

/* 1 when the bundle's verification material is a certificate (or chain)
 * and it carries at least one tlog entry: a keyless Sigstore bundle; 0
 * otherwise, also for JSON this function cannot read (the strict parsers
 * report those). */
int ms_sigstore_bundle_is_keyless(const char *json, size_t len);
/* The same on a bundle already parsed (NULL: not keyless). */
struct cJSON;
int ms_sigstore_tree_is_keyless(const struct cJSON *root);
/* Strict parse of a Sigstore bundle (v0.1 to v0.3) with a DSSE envelope of
 * exactly one signature and a certificate. -1 after reporting. */
int ms_sigstore_bundle_parse(const char *json, size_t len, const char *what,
                             struct ms_sigstore_bundle *b);
void ms_sigstore_bundle_free(struct ms_sigstore_bundle *b);

/* ---- the checks; each returns 0 when it holds, else -1 with *why (malloc'd,
 * a sentence naming the check) ---- */

/* Signature by a log, CA or certificate key over msg: ECDSA (DER, the hash
 * the curve calls for: P-256/SHA-256, P-384/SHA-384, P-521/SHA-512),
 * Ed25519 or RSA PKCS#1 v1.5 with SHA-256. 1 when valid. */
int ms_sig_verify(EVP_PKEY *key, const uint8_t *msg, size_t len, const uint8_t *sig,
                  size_t sig_len);

/* cert.c: the leaf chains to a Fulcio CA of the root valid at t, checked at
 * t, with KeyUsage digitalSignature and EKU codeSigning; a CA certificate
 * itself is no leaf. On success *issuer (when not NULL) gets the
 * certificate that issued the leaf (free it). */
int ms_fulcio_chain_verify(const struct ms_trusted_root *tr, X509 *leaf, STACK_OF(X509) * extra,
                           int64_t t, X509 **issuer, char **why);
/* cert.c: the leaf embeds at least one SCT, and every embedded SCT verifies
 * (over the precertificate's TBS) with a CT log key of the root valid at the
 * SCT's time. */
int ms_sct_verify(const struct ms_trusted_root *tr, X509 *leaf, X509 *issuer, char **why);
/* cert.c: the SAN (email, URI or DNS) equal to want, else the first one,
 * for the message; and the OIDC issuer (extension 1.3.6.1.4.1.57264.1.8,
 * else .1.1; both and different: NULL with *why). NULL when absent;
 * malloc'd. */
char *ms_cert_identity(X509 *leaf, const char *want);
char *ms_cert_issuer(X509 *leaf, char **why);

/* merkle.c: RFC 6962 / 9162 inclusion of leaf hash SHA-256(0x00 || body). */
int ms_merkle_inclusion(const uint8_t *body, size_t body_len, uint64_t index, uint64_t size,
                        const uint8_t (*hashes)[32], size_t n_hashes, const uint8_t root[32],
                        char **why);

/* checkpoint.c: a signed note "ORIGIN\nSIZE\nROOT\n[...]\n\n— NAME SIG\n..."
 * whose size and root are the proof's and which carries a valid signature
 * by log. */
int ms_signed_note_verify(const char *note, const struct ms_tr_log *log, uint64_t tree_size,
                          const uint8_t root[32], char **why);

/* rekor.c: the entry's canonicalized body (Rekor v1 dsse 0.0.1 and intoto
 * 0.0.2, Rekor v2 hashedrekord and dsse 0.0.2) records this bundle's
 * signature, certificate and payload. */
int ms_rekor_body_check(const struct ms_tlog_entry *e, const struct ms_sigstore_bundle *b,
                        char **why);
/* rekor.c: the signed entry timestamp over RFC 8785 JSON
 * {"body","integratedTime","logID","logIndex"} verifies with log. */
int ms_rekor_set_verify(const struct ms_tlog_entry *e, const struct ms_tr_log *log, char **why);

/* tsa.c: an RFC 3161 response whose message imprint is over sig, signed by a
 * timestamp authority of the root valid at its time; *t gets that time. */
int ms_tsa_verify(const struct ms_trusted_root *tr, const uint8_t *der, size_t der_len,
                  const uint8_t *sig, size_t sig_len, int64_t *t, char **why);

/* ---- all together (verify.c) ---- */

struct ms_sigstore_result {
	char *identity, *issuer; /* from the certificate, once it verified */
	int64_t time;            /* earliest verified time */
	const char *time_source; /* "transparency log" or "timestamp authority" */
	uint8_t *payload;        /* the signed payload, once everything passed (NUL after) */
	size_t payload_len;
	char *problem; /* why it failed (MS_FAIL) */
};

/* MS_OK: every piece of evidence verified and the signer is identity at
 * issuer. MS_FAIL: a check failed (res->problem says which; wrong identity
 * or issuer: expected versus found). MS_ERR: malformed bundle (reported). */
int ms_sigstore_verify(const char *json, size_t len, const char *what,
                       const struct ms_trusted_root *tr, const char *payload_type,
                       const char *identity, const char *issuer, struct ms_sigstore_result *res);
void ms_sigstore_result_free(struct ms_sigstore_result *res);

/* model.c: step 1 of ms_verify_model for a keyless bundle: verifies it with
 * req->trusted_root, req->identity and req->issuer and fills res (payload,
 * identity, issuer, signing time) or adds the failed check to
 * res->problems. Without a trusted root it fails, saying what to give. */
struct ms_verify_request;
struct ms_verify_result;
int ms_sigstore_check_signature(const struct ms_verify_request *req, struct ms_verify_result *res,
                                const char *json, size_t len);

#endif
