/* Signing a model: hash it, build the OMS statement, sign it into a Sigstore
 * bundle and write the bundle atomically. The command (cmd_sign.c) only
 * parses options, unlocks the key and reports; the registry (issue 4) picks
 * up the request and the result to record them. */
#ifndef MODELSEAL_SIGN_H
#define MODELSEAL_SIGN_H

#include "modelseal/bundle.h"
#include "modelseal/hashing.h"
#include "modelseal/keys.h"
#include "modelseal/manifest.h"

struct ms_sign_request {
	const char *model;     /* directory or single file */
	const char *signature; /* where the bundle goes; NULL: the default */
	const char *name;      /* --name, --version: for the registry; may be NULL */
	const char *version;
	struct ms_hash_opts *hash;         /* HASHING options; the signature path is added
	                                      to its ignore list when it lies in the model */
	const char *statement;             /* --statement FILE: sign this statement (from
	                                      hash --merge) instead of hashing, after
	                                      checking it covers exactly the model */
	const struct ms_sign_chain *chain; /* --certificate-chain: leaf (for the
	                                      key) first, or NULL for a key bundle */
	/* Called once the model is hashed, before anything is signed or
	 * written (the registry checks NAME@VERSION against the digest); a
	 * non-zero return stops signing, the callback having reported why. */
	int (*before_sign)(const struct ms_manifest *m, void *ctx);
	void *before_sign_ctx;
};

struct ms_sign_result {
	char *signature;     /* path the signature goes to */
	char *signature_tmp; /* written there, until ms_sign_put_in_place (removed
	                        by ms_sign_result_free when it was not) */
	struct ms_manifest manifest;
	char *statement; /* the exact payload bytes that were signed */
	char *bundle;    /* the bundle JSON as written */
	char keyid[MS_KEYID_HEX + 1];
	int lock_fd; /* the model, flock'ed until ms_sign_result_free: a second
	                sign of the same model waits until this one has written
	                its signature, provenance and record */
};

/* MODEL/model.sig for a directory, FILE.sig for a file; NULL after reporting
 * when the model cannot be accessed or is neither. */
char *ms_default_signature_path(const char *model);

/* The signature's path relative to the model directory when it lies inside
 * it (it must then be left out of hashing), else NULL. */
char *ms_signature_inside_model(const char *model, const char *signature);

/* Signs req->model with key. 0, or -1 after reporting; nothing is written
 * unless everything succeeded. */
int ms_sign_model(const struct ms_sign_request *req, const struct ms_seckey *key,
                  struct ms_sign_result *res);
void ms_sign_result_free(struct ms_sign_result *res);
/* Renames the signature's temp file into place: after the registry
 * recorded it, so that a failed record leaves the old signature as it was. */
int ms_sign_put_in_place(struct ms_sign_result *res);

#endif
