/* Verifying a model against its signature bundle: the signature first, then
 * the statement, then every byte of the model, reporting every difference.
 * `verify` prints the result; `unpack` and the policy (issue 6) reuse it. */
#ifndef MODELSEAL_VERIFY_H
#define MODELSEAL_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "modelseal/archive.h"
#include "modelseal/keys.h"
#include "modelseal/manifest.h"
#include "modelseal/x509.h"

struct ms_trusted_root;

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

/* A keyless signer verify trusts without --identity (the trust store's
 * identities): identity at issuer, its bundles checked against root. */
struct ms_keyless_signer {
	const char *identity, *issuer;
	const struct ms_trusted_root *root; /* NULL: only with the request's trusted_root */
};

struct ms_verify_request {
	const char *model;
	const char *signature;         /* NULL: MODEL/model.sig or FILE.sig */
	struct ms_pubkey *const *keys; /* trusted keys; at least one */
	size_t n_keys;
	char *const *ignore; /* --ignore paths, on top of the statement's */
	size_t n_ignore;
	int ignore_unsigned;                /* --ignore-unsigned-files: extra files are fine */
	unsigned jobs;                      /* 0: online CPUs */
	int archive;                        /* --archive: MODEL is an archive file; its signature is
	                                       MODEL.sig if that exists, else the model.sig member */
	const struct ms_archive_sink *sink; /* archive only: sees the members as they
	                                       are hashed (unpack), or NULL */
	/* Sigstore keyless bundles (a Fulcio certificate and log entries) are
	 * verified against this trusted root, for identity at issuer; keys are
	 * not used for them. NULL: such bundles are refused (see below). */
	const struct ms_trusted_root *trusted_root;
	const char *issuer;        /* --issuer */
	struct ms_x509_roots *cas; /* --ca roots for certificate bundles, or NULL */
	const char *identity;      /* --identity: the certificate must carry it */
	int ignore_certificate;    /* --ignore-certificate: a certificate bundle may
	                              verify with a bare key (the verdict says so) */
	/* Without identity: the keyless signers trusted instead. The bundle's
	 * certificate picks the one it names (the rest of the bundle is then
	 * checked for exactly it), with trusted_root when given, else its own
	 * root. */
	const struct ms_keyless_signer *signers;
	size_t n_signers;
	/* --allow-symlinks: links to files inside MODEL are followed even when
	 * the statement does not allow them. */
	int allow_symlinks;
};

struct ms_verify_result {
	int verified;                   /* signature good and no problem */
	char *signature;                /* bundle path read */
	const struct ms_pubkey *signer; /* the key that verified, or NULL */
	char *claimed_signer;           /* problem "untrusted": the key id the bundle names
	                                   (its claim, unverified), or NULL */
	char *identity, *issuer;        /* keyless: the certificate's SAN and OIDC
	                                   issuer that verified, else NULL */
	int64_t signed_time;            /* keyless: the verified signing time */
	const char *time_source;        /* ... "transparency log" or "timestamp authority" */
	char *payload;                  /* the signed statement bytes (NUL-terminated) */
	size_t payload_len;
	struct ms_manifest signed_manifest; /* from the statement */
	struct ms_problems problems;
	char *archive_root; /* archive: the top-level directory that is the model
	                       root, or NULL */
	int sig_member;     /* archive: the bundle came from its model.sig member */
	char *sig_top;      /* ... found under this top-level directory, or NULL */
	/* who signed, beyond the key (ms_bundle_verify_trust's result) */
	int has_cert;               /* signer is a certificate's key (owned by req->cas) */
	struct ms_x509_signer cert; /* ... whose subject, root and check time */
	int certificate_ignored;    /* --ignore-certificate set a certificate aside */
	int legacy_signature;       /* model_signing 0.2.0's pre-standard signature */
};

/* MS_OK: verified. MS_FAIL: bad signature, wrong key or a difference (all in
 * res->problems). MS_ERR: malformed or unreadable input (reported). */
int ms_verify_model(const struct ms_verify_request *req, struct ms_verify_result *res);
void ms_verify_result_free(struct ms_verify_result *res);

/* Every difference between the signed manifest and a fresh one made with
 * the same settings, in manifest order: files whose digests differ (for
 * shards, with the differing byte ranges "start:end" merged), files missing,
 * and unless MS_DIFF_IGNORE_EXTRA files not signed; then the empty files
 * the statement lists (shards). MS_DIFF_CONTENT_ONLY leaves out missing and
 * extra files (verify compared the file sets before hashing). Digests are
 * compared in constant time. single_name is shown instead of "." for a
 * single-file model. */
enum { MS_DIFF_IGNORE_EXTRA = 1, MS_DIFF_CONTENT_ONLY = 2 };
void ms_manifest_diff(const struct ms_manifest *want, const struct ms_manifest *got, unsigned flags,
                      const char *single_name, struct ms_problems *out);

#endif
