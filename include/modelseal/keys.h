/* Key files: public keys (PEM SPKI; Ed25519 or ECDSA P-256/P-384/P-521),
 * secret keys of the same kinds (PKCS#8 PEM, optionally passphrase-encrypted
 * with scrypt), key ids and key generation. */
#ifndef MODELSEAL_KEYS_H
#define MODELSEAL_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "modelseal/passphrase.h"

#define MS_KEYID_HEX 64 /* lower-case hex SHA-256, plus a NUL in buffers */
#define MS_ED25519_SIG_LEN 64

enum ms_key_alg { MS_KEY_ED25519, MS_KEY_ECDSA_P256, MS_KEY_ECDSA_P384, MS_KEY_ECDSA_P521 };

struct ms_pubkey; /* opaque: a public key ready to verify */
struct ms_seckey; /* opaque: a secret key (Ed25519 in sodium_malloc memory) */

/* Reads the first "-----BEGIN PUBLIC KEY-----" block of a file; text before it
 * (as certtool writes) is skipped. Other key types, other curves, truncated
 * or garbled PEM: an error naming the file, and -1. */
int ms_pubkey_load(const char *path, struct ms_pubkey **out);
/* The same from PEM text in memory (e.g. a key kept in the registry); what
 * names it in messages. */
int ms_pubkey_parse(const char *pem, size_t len, const char *what, struct ms_pubkey **out);
void ms_pubkey_free(struct ms_pubkey *k);

/* The same from DER SubjectPublicKeyInfo bytes (e.g. a certificate's key);
 * trailing bytes are refused. */
int ms_pubkey_parse_der(const uint8_t *der, size_t len, const char *what, struct ms_pubkey **out);

/* Hex SHA-256 of the PEM text as OpenSSL writes it (model_signing's hint). */
const char *ms_pubkey_id(const struct ms_pubkey *k);
/* That PEM text, NUL-terminated, ending with a newline. */
const char *ms_pubkey_pem(const struct ms_pubkey *k);
enum ms_key_alg ms_pubkey_alg(const struct ms_pubkey *k);
const char *ms_key_alg_name(enum ms_key_alg alg); /* "ed25519", "ecdsa-p384", ... */
/* The inverse: 0, or -1 for a name that is none of them. */
int ms_key_alg_parse(const char *s, enum ms_key_alg *out);
/* Where the key came from, for messages (the path, or the what given). */
const char *ms_pubkey_source(const struct ms_pubkey *k);

/* 1 when sig is a valid signature of msg by k, 0 otherwise (including a
 * malformed signature). Ed25519 via libsodium; ECDSA via libcrypto with
 * SHA-256/384/512 for P-256/384/521 and a DER-encoded signature. */
int ms_pubkey_verify(const struct ms_pubkey *k, const uint8_t *msg, size_t msg_len,
                     const uint8_t *sig, size_t sig_len);
/* ECDSA with SHA-256 whatever the curve: only for the signatures of
 * model_signing 0.2.0, which made them so (see ms_bundle_verify_trust). 0 for
 * an Ed25519 key. */
int ms_pubkey_verify_sha256(const struct ms_pubkey *k, const uint8_t *msg, size_t msg_len,
                            const uint8_t *sig, size_t sig_len);

/* Loads a secret key (Ed25519, or ECDSA P-256/384/521) from a PKCS#8 PEM
 * file, plain or encrypted (then the passphrase comes from src). Refuses a
 * file that group or others may access, a wrong passphrase and any other key
 * type, each with a clear error and -1. */
int ms_seckey_load(const char *path, const struct ms_passphrase_src *src, struct ms_seckey **out);
void ms_seckey_free(struct ms_seckey *k); /* wipes the secret */
const struct ms_pubkey *ms_seckey_public(const struct ms_seckey *k);
enum ms_key_alg ms_seckey_alg(const struct ms_seckey *k);
/* Ed25519 detached signature of msg (Ed25519 keys only). */
void ms_seckey_sign(const struct ms_seckey *k, const uint8_t *msg, size_t msg_len,
                    uint8_t sig[MS_ED25519_SIG_LEN]);
/* Detached signature of msg with any secret key: Ed25519 (64 bytes), or
 * ECDSA DER-encoded with the curve's hash (SHA-256/384/512 for
 * P-256/384/521), as model_signing verifies it. The length, or 0 after
 * reporting. */
#define MS_SIG_MAX 144 /* a DER ECDSA P-521 signature is at most 139 bytes */
size_t ms_seckey_signature(const struct ms_seckey *k, const uint8_t *msg, size_t msg_len,
                           uint8_t sig[MS_SIG_MAX]);

struct ms_keygen_opts {
	const char *prefix;                     /* writes PREFIX.key and PREFIX.pub */
	enum ms_key_alg alg;                    /* MS_KEY_ED25519 (0) unless set */
	const struct ms_passphrase *passphrase; /* NULL: unencrypted secret key */
	int force;                              /* replace existing files */
};

/* Generates a key pair of o->alg (Ed25519 from a libsodium seed, ECDSA with
 * libcrypto) and writes both files: the
 * secret key 0600, encrypted with PBES2 (scrypt, AES-256-CBC) when a
 * passphrase is given. Existing files are never replaced without force.
 * keyid receives the public key id. */
int ms_keygen(const struct ms_keygen_opts *o, char keyid[MS_KEYID_HEX + 1]);
/* The same refusal up front (before asking for a passphrase): -1 with an
 * error when PREFIX.key or PREFIX.pub exists and force is not set. */
int ms_keygen_check(const struct ms_keygen_opts *o);

#endif
