/* Verifying a model against its signature bundle: the signature first, then
 * the statement, then every byte of the model, reporting every difference.
 * `verify` prints the result; `unpack` and the policy (issue 6) reuse it. */
#ifndef MODELSEAL_VERIFY_H
#define MODELSEAL_VERIFY_H

#include <stddef.h>

#include "modelseal/archive.h"
#include "modelseal/keys.h"
#include "modelseal/manifest.h"

/* One difference. kind is "signature", "modified", "missing", "extra",
 * "type" (file versus directory) or "untrusted" (no key to verify with);
 * detail may be NULL. */
struct ms_problem {
	char *path;
	const char *kind;
	char *detail;
};

struct ms_problems {
	struct ms_problem *v;
	size_t n;
};
void ms_problems_add(struct ms_problems *p, const char *path, const char *kind, char *detail);
void ms_problems_free(struct ms_problems *p);

struct ms_verify_request {
	const char *model;
	const char *signature;         /* NULL: MODEL/model.sig or FILE.sig */
	struct ms_pubkey *const *keys; /* trusted keys; at least one */
	size_t n_keys;
	char *const *ignore; /* --ignore paths, on top of the statement's */
	size_t n_ignore;
	int ignore_unsigned; /* --ignore-unsigned-files: extra files are fine */
	unsigned jobs;       /* 0: online CPUs */
	int archive;         /* --archive: MODEL is an archive file; its signature is
	                        MODEL.sig if that exists, else the model.sig member */
	const struct ms_archive_sink *sink; /* archive only: sees the members as they
	                                       are hashed (unpack), or NULL */
	/* --allow-symlinks: links to files inside MODEL are followed even when
	 * the statement does not allow them. */
	int allow_symlinks;
};

struct ms_verify_result {
	int verified;                   /* signature good and no problem */
	char *signature;                /* bundle path read */
	const struct ms_pubkey *signer; /* the key that verified, or NULL */
	char *payload;                  /* the signed statement bytes (NUL-terminated) */
	size_t payload_len;
	struct ms_manifest signed_manifest; /* from the statement */
	struct ms_problems problems;
	char *archive_root; /* archive: the top-level directory that is the model
	                       root, or NULL */
	int sig_member;     /* archive: the bundle came from its model.sig member */
	char *sig_top;      /* ... found under this top-level directory, or NULL */
};

/* MS_OK: verified. MS_FAIL: bad signature, wrong key or a difference (all in
 * res->problems). MS_ERR: malformed or unreadable input (reported). */
int ms_verify_model(const struct ms_verify_request *req, struct ms_verify_result *res);
void ms_verify_result_free(struct ms_verify_result *res);

/* Every difference between the signed manifest and a fresh one made with
 * the same settings, in manifest order: files whose digests differ (for
 * shards, with the differing byte ranges "start:end" merged), files missing,
 * and unless ignore_extra files not signed. Digests are compared in constant
 * time. single_name is shown instead of "." for a single-file model. */
void ms_manifest_diff(const struct ms_manifest *want, const struct ms_manifest *got,
                      int ignore_extra, const char *single_name, struct ms_problems *out);

#endif
