/* A model named by its path: a path REF (sign --parent/--dataset, revoke,
 * show, lineage). Whoever can write that directory writes its signature
 * file too, so nothing the signature says (root digest, hence name and
 * lineage) is believed until it verifies with a trusted key and the files
 * re-hash to the signed root (ms_verify_model): verified before trusted. */
#ifndef MODELSEAL_PATHREF_H
#define MODELSEAL_PATHREF_H

#include "modelseal/keys.h"
#include "modelseal/registry.h"

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

/* The same, and the verified model must be recorded in reg. */
int ms_pathref_resolve(struct ms_registry *reg, const char *path, const struct ms_pubkey *also,
                       char digest[MS_HEX_LEN + 1]);

/* A REF of the registry (ms_registry_find_ref) or else a path
 * (ms_pathref_resolve). -1 after an error naming REF. */
int ms_ref_resolve(struct ms_registry *reg, const char *ref, const struct ms_pubkey *also,
                   char digest[MS_HEX_LEN + 1]);

#endif
