/* Trust decisions in memory: the public keys a deploy trusts and the keys and
 * models that were revoked. They come from the registry (trust add, revoke)
 * or from a trust file (trust export, verify --trust-file), so a deploy host
 * without the team's registry decides exactly as the team does. */
#ifndef MODELSEAL_TRUST_H
#define MODELSEAL_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "modelseal/keys.h"

/* Version 2 adds "cas", "identities" and identity revocations; version 1
 * files (keys and revocations only) are still read. */
#define MS_TRUST_FILE_VERSION 2
#define MS_TRUST_FILE_MAX ((size_t)16 << 20)
#define MS_REASON_MAX 1000   /* longest revocation reason, in bytes */
#define MS_IDENTITY_MAX 1000 /* longest identity or issuer, in bytes */

struct ms_trust_key {
	struct ms_pubkey *key;
	char *label; /* NULL when none */
};

/* A root certificate for certificate bundles (trust add --ca). id is the
 * hex SHA-256 of its DER, as a policy's trusted_cas and the verdict name it;
 * pem holds exactly that one certificate; subject is printable (RFC 2253). */
struct ms_trust_ca {
	char id[MS_KEYID_HEX + 1];
	char *pem, *subject;
	char *label; /* NULL when none */
};

/* A Sigstore keyless signer (trust add --identity --issuer): the
 * certificate's SAN and OIDC issuer, and the trusted_root.json its bundles
 * are checked against (NULL: verify --trusted-root gives one). id is
 * ms_identity_id(identity, issuer). */
struct ms_trust_identity {
	char id[MS_KEYID_HEX + 1];
	char *identity, *issuer;
	char *trusted_root; /* JSON text, or NULL */
	char *label;        /* NULL when none */
};

/* kind "key": subject is the key id; kind "model": the root digest; kind
 * "identity": the identity id (then identity and issuer say whose, else
 * they are NULL). Subjects are 64 lower-case hex digits. */
struct ms_revocation {
	char kind[9];
	char subject[MS_KEYID_HEX + 1];
	char *reason;
	int64_t time; /* Unix time */
	char *identity, *issuer;
};

struct ms_trust {
	struct ms_trust_key *keys;
	size_t n_keys;
	struct ms_trust_ca *cas;
	size_t n_cas;
	struct ms_trust_identity *ids;
	size_t n_ids;
	struct ms_revocation *revs;
	size_t n_revs;
	char *checkpoint; /* a trust file's signed checkpoint (bundle JSON), or NULL */
};

/* Takes ownership of k. A key already present only gets the label. */
void ms_trust_add_key(struct ms_trust *t, struct ms_pubkey *k, const char *label);
/* An existing revocation of the same subject is kept as it is; either way
 * the revocation of subject is returned. */
struct ms_revocation *ms_trust_add_revocation(struct ms_trust *t, const char *kind,
                                              const char *subject, const char *reason,
                                              int64_t time);
/* A copy of r, with identity and issuer. */
void ms_trust_copy_revocation(struct ms_trust *t, const struct ms_revocation *r);
const struct ms_trust_key *ms_trust_find_key(const struct ms_trust *t, const char *keyid);

/* Copies pem's one certificate. A CA already present only gets the label. */
void ms_trust_add_ca(struct ms_trust *t, const char *id, const char *pem, const char *subject,
                     const char *label);
/* An identity already present gets the label and the trusted root (when
 * not NULL). */
void ms_trust_add_identity(struct ms_trust *t, const char *identity, const char *issuer,
                           const char *trusted_root, const char *label);
const struct ms_trust_ca *ms_trust_find_ca(const struct ms_trust *t, const char *id);
const struct ms_trust_identity *ms_trust_find_identity(const struct ms_trust *t, const char *id);
/* Removes the CA or identity with this id: 1 removed, 0 none. */
int ms_trust_remove_anchor(struct ms_trust *t, const char *id);

/* The identity id: hex SHA-256 of "ISSUER\nIDENTITY". */
void ms_identity_id(const char *identity, const char *issuer, char out[MS_KEYID_HEX + 1]);
/* identity and issuer: 1 to MS_IDENTITY_MAX bytes, no control characters.
 * -1 with an error naming what when not. */
int ms_identity_check(const char *identity, const char *issuer, const char *what);
/* Reads the one certificate of a CA's PEM text: its id, its subject
 * (malloc'd) and the certificate alone as PEM (malloc'd). It must be a
 * certificate verify accepts as a root. -1 after reporting. */
int ms_ca_parse(const char *pem, size_t len, const char *what, char id[MS_KEYID_HEX + 1],
                char **subject, char **canonical_pem);
const struct ms_revocation *ms_trust_revocation(const struct ms_trust *t, const char *kind,
                                                const char *subject);
void ms_trust_free(struct ms_trust *t);

/* The trust file (trust export / import, verify --trust-file):
 *   {"modelseal_trust": 2,
 *    "keys": [{"keyid", "label" (string or null), "algorithm", "pem"}],
 *    "cas": [{"id", "label", "subject", "pem"}],
 *    "identities": [{"id", "label", "identity", "issuer",
 *                    "trusted_root" (a trusted_root.json object or null)}],
 *    "revocations": [{"kind": "key"|"model"|"identity", "subject", "reason",
 *                     "time", and for an identity "identity", "issuer"}],
 *    "checkpoint": {a checkpoint bundle, see checkpoint.h}   (optional)}
 * Version 1 files have no "cas" and "identities". subject is the key id for
 * a key, "sha256:<hex>" for a model, the identity id for an identity (it
 * must match identity and issuer, as an id must match its key, CA or
 * identity); time is UTC
 * "YYYY-MM-DDTHH:MM:SSZ". Parsing is strict: unknown or missing fields, a
 * key id that is not the key's, an unknown version: an error naming what is
 * wrong, and -1. */
int ms_trust_parse(const char *json, size_t len, const char *what, struct ms_trust *out);
int ms_trust_load_file(const char *path, struct ms_trust *out);
char *ms_trust_to_json(const struct ms_trust *t); /* freshly allocated */
/* Adds "label": the label, or null. */
struct cJSON;
void ms_trust_json_label(struct cJSON *o, const char *label);

/* Whether s is exactly 64 lower-case hex digits (a key id or a digest). */
int ms_is_hex64(const char *s);

#endif
