/* Signed checkpoints of the registry's event log (modelseal checkpoint,
 * audit --checkpoint, trust export/import): the log's size and head hash,
 * the registry's identity, the time and the digest of the trust state at
 * that head, signed with a modelseal key.
 *
 * The file is a Sigstore bundle v0.3 whose DSSE envelope has payloadType
 * MS_CHECKPOINT_PAYLOAD_TYPE and this payload (strict JSON):
 *   {"modelseal_checkpoint": 1, "registry": "<32 hex>", "size": N,
 *    "head": "<64 hex>", "time": "YYYY-MM-DDTHH:MM:SSZ",
 *    "trust_sha256": "<64 hex>"}
 * A DSSE envelope rather than a signed note: the log is a hash chain, not
 * a Merkle tree, so a tlog checkpoint would promise proofs it cannot give,
 * and DSSE reuses the signing, key and parsing code of model signatures. */
#ifndef MODELSEAL_CHECKPOINT_H
#define MODELSEAL_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "modelseal/keys.h"
#include "modelseal/registry.h"
#include "modelseal/trust.h"

#define MS_CHECKPOINT_PAYLOAD_TYPE "application/vnd.modelseal.checkpoint.v1+json"
#define MS_CHECKPOINT_VERSION 1
#define MS_CHECKPOINT_MAX ((size_t)1 << 20) /* largest checkpoint file read */
#define MS_REGISTRY_ID_HEX 32

struct ms_checkpoint {
	char registry[MS_REGISTRY_ID_HEX + 1];
	uint64_t size; /* events covered: 1 .. size */
	char head[MS_HEX_LEN + 1];
	int64_t time;
	char trust_sha256[MS_HEX_LEN + 1];
};

/* The payload JSON, freshly allocated. */
char *ms_checkpoint_payload(const struct ms_checkpoint *c);
/* Parses a payload strictly; -1 after an error naming what is wrong. */
int ms_checkpoint_parse(const char *json, size_t len, const char *what, struct ms_checkpoint *out);
/* Verifies a checkpoint bundle with keys and parses its payload: MS_OK,
 * MS_FAIL (no key verifies it; not reported: the caller knows how to say
 * it), MS_ERR (malformed; reported). _load reports MS_FAIL too. */
int ms_checkpoint_verify(const char *bundle, size_t len, const char *what,
                         struct ms_pubkey *const *keys, size_t n_keys, struct ms_checkpoint *out);
/* The same, for a file. */
int ms_checkpoint_load(const char *path, struct ms_pubkey *const *keys, size_t n_keys,
                       struct ms_checkpoint *out);

/* Parses a checkpoint bundle's payload without checking its signature:
 * only for a checkpoint this registry stored itself. */
int ms_checkpoint_peek(const char *bundle, const char *what, struct ms_checkpoint *out);

/* SHA-256 of the trust state as 'trust export' writes it (no checkpoint). */
void ms_trust_digest(const struct ms_trust *t, char out[MS_HEX_LEN + 1]);

/* The registry's identity (random, made with schema 3). */
int ms_registry_id(struct ms_registry *reg, char out[MS_REGISTRY_ID_HEX + 1]);
/* The log as it stands, audited first: 0 with *out filled (time now), 1
 * when the audit found problems (in *a; nothing to sign), -1 error. */
int ms_registry_checkpoint_now(struct ms_registry *reg, struct ms_checkpoint *out,
                               struct ms_audit *a);
/* Keeps a signed checkpoint (of this or of another registry). */
int ms_registry_checkpoint_store(struct ms_registry *reg, const struct ms_checkpoint *c,
                                 const char *bundle);
/* The newest stored checkpoint of registry id (NULL: this registry): 1
 * found (*bundle freshly allocated when bundle is not NULL), 0 none, -1 error. */
int ms_registry_checkpoint_newest(struct ms_registry *reg, const char *id, struct ms_checkpoint *c,
                                  char **bundle);
/* Whether the (audited) log extends c: 0 yes, 1 no (a problem added to a),
 * -1 error. */
int ms_registry_check_checkpoint(struct ms_registry *reg, const struct ms_checkpoint *c,
                                 struct ms_audit *a);

/* trust import's rollback check of a trust file (in) against what this
 * registry has seen (have: its trust state). A checkpoint in the file must
 * verify with a key this registry trusts (with the file's own keys when it
 * trusts none yet: the first import), be of the file's exact content, and
 * not be older than the newest checkpoint of the same registry seen here; a
 * file without one is refused once checkpointed files were imported. MS_OK
 * (*has set when c holds the file's checkpoint), MS_FAIL refused
 * (reported), MS_ERR. */
int ms_registry_check_trust_file(struct ms_registry *reg, const struct ms_trust *have,
                                 const struct ms_trust *in, struct ms_checkpoint *c, int *has);
/* The same for a trust file used directly (verify, sign, show and lineage
 * --trust-file): 0 when it passes, -1 after reporting why not. */
int ms_registry_trust_file_current(struct ms_registry *reg, const struct ms_trust *have,
                                   const struct ms_trust *in);

#endif
