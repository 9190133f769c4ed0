/* Trust decisions in memory: the public keys a deploy trusts and the keys and
 * models that were revoked. They come from the registry (trust add, revoke)
 * or from a trust file (trust export, verify --trust-file), so a deploy host
 * without the team's registry decides exactly as the team does. */
#ifndef MODELSEAL_TRUST_H
#define MODELSEAL_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "modelseal/keys.h"

#define MS_TRUST_FILE_VERSION 1
#define MS_TRUST_FILE_MAX ((size_t)16 << 20)
#define MS_REASON_MAX 1000 /* longest revocation reason, in bytes */

struct ms_trust_key {
	struct ms_pubkey *key;
	char *label; /* NULL when none */
};

/* kind "key": subject is the key id; kind "model": the root digest. Both
 * are 64 lower-case hex digits. */
struct ms_revocation {
	char kind[6];
	char subject[MS_KEYID_HEX + 1];
	char *reason;
	int64_t time; /* Unix time */
};

struct ms_trust {
	struct ms_trust_key *keys;
	size_t n_keys;
	struct ms_revocation *revs;
	size_t n_revs;
	char *checkpoint; /* a trust file's signed checkpoint (bundle JSON), or NULL */
};

/* Takes ownership of k. A key already present only gets the label. */
void ms_trust_add_key(struct ms_trust *t, struct ms_pubkey *k, const char *label);
/* An existing revocation of the same subject is kept as it is. */
void ms_trust_add_revocation(struct ms_trust *t, const char *kind, const char *subject,
                             const char *reason, int64_t time);
const struct ms_trust_key *ms_trust_find_key(const struct ms_trust *t, const char *keyid);
const struct ms_revocation *ms_trust_revocation(const struct ms_trust *t, const char *kind,
                                                const char *subject);
void ms_trust_free(struct ms_trust *t);

/* The trust file (trust export / import, verify --trust-file):
 *   {"modelseal_trust": 1,
 *    "keys": [{"keyid", "label" (string or null), "algorithm", "pem"}],
 *    "revocations": [{"kind": "key"|"model", "subject", "reason", "time"}],
 *    "checkpoint": {a checkpoint bundle, see checkpoint.h}   (optional)}
 * subject is the key id for a key, "sha256:<hex>" for a model; time is UTC
 * "YYYY-MM-DDTHH:MM:SSZ". Parsing is strict: unknown or missing fields, a
 * key id that is not the key's, an unknown version: an error naming what is
 * wrong, and -1. */
int ms_trust_parse(const char *json, size_t len, const char *what, struct ms_trust *out);
int ms_trust_load_file(const char *path, struct ms_trust *out);
char *ms_trust_to_json(const struct ms_trust *t); /* freshly allocated */

/* Whether s is exactly 64 lower-case hex digits (a key id or a digest). */
int ms_is_hex64(const char *s);

#endif
