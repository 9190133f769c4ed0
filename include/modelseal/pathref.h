/* A model named by its path: a path REF (sign --parent/--dataset, revoke,
 * show, lineage). Whoever can write that directory writes its signature
 * file too, so nothing the signature says (root digest, hence name and
 * lineage) is believed until it verifies with a trusted key and the files
 * re-hash to the signed root (ms_verify_model): verified before trusted. */
#ifndef MODELSEAL_PATHREF_H
#define MODELSEAL_PATHREF_H

#include "modelseal/keys.h"
#include "modelseal/registry.h"
#include "modelseal/trust.h"
#include "modelseal/verify.h"

enum ms_pathref_flags {
	/* Also keys that were revoked. revoke wants this: it asks only which
	 * model the files are, not whether to deploy them. */
	MS_PATHREF_REVOKED_KEYS = 1 << 0,
};

/* Whether ref names an existing file or directory. */
int ms_ref_is_path(const char *ref);

/* Verifies the model at path against its default signature (MODEL/model.sig,
 * FILE.sig) with the keys of the registry's trust store (reg NULL: none),
 * without those revoked there unless flags say so, and also (NULL: none; sign
 * passes the signer's own key). 0 with the verified root digest (hex), -1
 * after an error that names path and why it is not believed. */
int ms_pathref_verify(struct ms_registry *reg, const char *path, const struct ms_pubkey *also,
                      unsigned flags, char digest[MS_HEX_LEN + 1]);

/* sign --parent/--dataset: the same with flags 0 (reg may be NULL: only
 * also verifies), except that a trust_file (sign --trust-file, or NULL)
 * gives the keys instead of the trust store (revocations come from both),
 * and out->digest, name and version (NULL when unnamed) from
 * the verified model and its trusted provenance. A model that verified but
 * is not recorded in reg (signed on another host) is recorded from what
 * verified: statement, bundle, and name, signing time and already recorded
 * parents from its provenance. */
int ms_pathref_resolve(struct ms_registry *reg, const char *path, const char *trust_file,
                       const struct ms_pubkey *also, struct ms_model_link *out);

/* show PATH and lineage PATH, with or without a registry: the model at
 * path verified with the keys `verify` would pick (--key files, else the
 * trust file, else the registry's trust store), revoked keys left out;
 * revocations from the trust file and the registry. */
struct ms_pathref_view {
	/* in */
	const char *path;
	const char *const *key_paths;
	size_t n_key_paths;
	const char *trust_file;  /* or NULL */
	struct ms_registry *reg; /* or NULL: no registry on this host */
	/* out, after ms_pathref_view_load */
	char digest[MS_HEX_LEN + 1];
	struct ms_verify_request req;
	struct ms_verify_result res; /* verified (the model may be revoked) */
	struct ms_trust trust;       /* the keys and revocations used */
	struct ms_pubkey **keys;     /* the unrevoked keys, borrowed from trust */
	size_t n_keys;
};

/* 0 verified, -1 after an error naming path and why it is not believed. */
int ms_pathref_view_load(struct ms_pathref_view *v);
void ms_pathref_view_free(struct ms_pathref_view *v);

/* show and lineage: ref resolved through the registry when one exists
 * (*reg opened, else NULL), else, when it names a file or directory, the
 * model there verified into v (v->path, key_paths and trust_file set by the
 * caller). 0: a recorded model, digest set; 1: a verified model the
 * registry does not hold (or no registry), v loaded; -1 after an error. The
 * caller frees v and closes *reg either way. */
int ms_ref_or_view(const char *ref, struct ms_registry **reg, struct ms_pathref_view *v,
                   char digest[MS_HEX_LEN + 1]);

#endif
