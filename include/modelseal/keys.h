/* Key files: public keys (PEM SPKI; Ed25519 or ECDSA P-256/P-384/P-521),
 * Ed25519 secret keys (PKCS#8 PEM, optionally passphrase-encrypted with
 * scrypt), key ids and key generation. */
#ifndef MODELSEAL_KEYS_H
#define MODELSEAL_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "modelseal/passphrase.h"

#define MS_KEYID_HEX 64 /* lower-case hex SHA-256, plus a NUL in buffers */
#define MS_ED25519_SIG_LEN 64

enum ms_key_alg { MS_KEY_ED25519, MS_KEY_ECDSA_P256, MS_KEY_ECDSA_P384, MS_KEY_ECDSA_P521 };

struct ms_pubkey; /* opaque: a public key ready to verify */
struct ms_seckey; /* opaque: an Ed25519 secret key in sodium_malloc memory */

/* Reads the first "-----BEGIN PUBLIC KEY-----" block of a file; text before it
 * (as certtool writes) is skipped. Other key types, other curves, truncated
 * or garbled PEM: an error naming the file, and -1. */
int ms_pubkey_load(const char *path, struct ms_pubkey **out);
/* The same from PEM text in memory (e.g. a key kept in the registry); what
 * names it in messages. */
int ms_pubkey_parse(const char *pem, size_t len, const char *what, struct ms_pubkey **out);
void ms_pubkey_free(struct ms_pubkey *k);

/* Hex SHA-256 of the PEM text as OpenSSL writes it (model_signing's hint). */
const char *ms_pubkey_id(const struct ms_pubkey *k);
/* That PEM text, NUL-terminated, ending with a newline. */
const char *ms_pubkey_pem(const struct ms_pubkey *k);
enum ms_key_alg ms_pubkey_alg(const struct ms_pubkey *k);
const char *ms_key_alg_name(enum ms_key_alg alg); /* "ed25519", "ecdsa-p384", ... */
/* Where the key came from, for messages (the path, or the what given). */
const char *ms_pubkey_source(const struct ms_pubkey *k);

/* 1 when sig is a valid signature of msg by k, 0 otherwise (including a
 * malformed signature). Ed25519 via libsodium; ECDSA via libcrypto with
 * SHA-256/384/512 for P-256/384/521 and a DER-encoded signature. */
int ms_pubkey_verify(const struct ms_pubkey *k, const uint8_t *msg, size_t msg_len,
                     const uint8_t *sig, size_t sig_len);

/* Loads an Ed25519 secret key from a PKCS#8 PEM file, plain or encrypted
 * (then the passphrase comes from src). Refuses a file that group or others
 * may access, a wrong passphrase and any other key type, each with a clear
 * error and -1. */
int ms_seckey_load(const char *path, const struct ms_passphrase_src *src, struct ms_seckey **out);
void ms_seckey_free(struct ms_seckey *k); /* wipes the secret */
const struct ms_pubkey *ms_seckey_public(const struct ms_seckey *k);
/* Ed25519 detached signature of msg. */
void ms_seckey_sign(const struct ms_seckey *k, const uint8_t *msg, size_t msg_len,
                    uint8_t sig[MS_ED25519_SIG_LEN]);

struct ms_keygen_opts {
	const char *prefix;                     /* writes PREFIX.key and PREFIX.pub */
	const struct ms_passphrase *passphrase; /* NULL: unencrypted secret key */
	int force;                              /* replace existing files */
};

/* Generates an Ed25519 key pair with libsodium and writes both files: the
 * secret key 0600, encrypted with PBES2 (scrypt, AES-256-CBC) when a
 * passphrase is given. Existing files are never replaced without force.
 * keyid receives the public key id. */
int ms_keygen(const struct ms_keygen_opts *o, char keyid[MS_KEYID_HEX + 1]);
/* The same refusal up front (before asking for a passphrase): -1 with an
 * error when PREFIX.key or PREFIX.pub exists and force is not set. */
int ms_keygen_check(const struct ms_keygen_opts *o);

#endif
