/* The pre-deploy gate: verify (and unpack) in one call. Picks what to
 * trust: with trust on the command line (--key, --ca, --identity) only
 * that, else a trust file's or the registry's trust store's keys, CAs and
 * keyless identities; the policy's key files, trusted_cas and identities
 * always join. Verifies
 * the model, applies revocations
 * (registry and trust file), evaluates the policy, records the result in the
 * registry's event log, and prints the verdict. */
#ifndef MODELSEAL_GATE_H
#define MODELSEAL_GATE_H

#include <stddef.h>

#include <cJSON.h>

#include "modelseal/policy.h"
#include "modelseal/trust.h"
#include "modelseal/verify.h"

struct ms_gate {
	/* in */
	const char *const *key_paths; /* --key */
	size_t n_key_paths;
	const char *const *ca_paths; /* --ca: roots for certificate bundles */
	size_t n_ca_paths;
	const char *trust_file;       /* --trust-file, or NULL */
	const char *policy_path;      /* --policy, or NULL */
	struct ms_verify_request req; /* all but keys, which the gate fills */
	/* How to verify: NULL is ms_verify_model. unpack passes one that
	 * verifies and extracts into a staging directory, and moves it to DEST
	 * only when ms_gate_run returns MS_OK (revocations and policy too). */
	int (*verify_fn)(const struct ms_verify_request *req, struct ms_verify_result *res,
	                 void *ctx);
	void *verify_ctx;

	/* out, after ms_gate_run */
	struct ms_verify_result res;
	int has_policy;
	struct ms_policy_report report;
	int verified; /* the verdict: signature, bytes, revocations and policy all pass */

	/* owned */
	struct ms_pubkey **own_keys;
	size_t n_own_keys;
	struct ms_trust trust;
	struct ms_policy *policy;
	struct ms_registry *reg;
	struct ms_x509_roots *cas; /* from ca_paths, or NULL */
	struct ms_pubkey **cands;  /* borrowed from the above */
	size_t n_cands;
	struct ms_keyless_signer *signers; /* the trust's identities (no --identity) */
	size_t n_signers;
	struct ms_trusted_root *roots; /* their trusted roots, one per identity */
};

/* MS_OK: deploy. MS_FAIL: do not (the reasons are in res.problems and
 * report). MS_ERR: malformed or unreadable input (reported). */
int ms_gate_run(struct ms_gate *g);

/* The verdict: with --json one document {"verified", "model", "signature",
 * "digest", "signer", "certificate": {subject, root, identity, checked_at,
 * time_source} or null, "certificate_ignored", "legacy_format": text or
 * null, "problems": [{path, problem, detail}], "policy": [{rule, ok,
 * detail}] or null}; else one line on success and every problem and rule on
 * failure. */
void ms_gate_print(const struct ms_gate *g);
/* The --json document alone, for commands that add to it (unpack). */
cJSON *ms_gate_to_json(const struct ms_gate *g);
void ms_gate_free(struct ms_gate *g);

/* ---- the trust options of verify and unpack (gate_cli.c) ----
 * Put MS_TRUST_LONGOPTS in the command's option table and MS_TRUST_SHORTOPTS
 * in its short options, offer every option to ms_trust_option() (1 consumed,
 * 0 not a trust option, -1 bad value, reported), then ms_trust_args_check()
 * after the loop (usage rules) and ms_trust_args_apply() once g->req is
 * set. The options mean the same for both commands. */
enum {
	MS_OPT_KEY = 'k',
	MS_OPT_POLICY = 'p',
	MS_OPT_TRUST_FILE = 't',
	MS_OPT_CA = 0x280,
	MS_OPT_TRUSTED_ROOT,
	MS_OPT_IDENTITY,
	MS_OPT_ISSUER,
};
#define MS_TRUST_SHORTOPTS "k:p:t:"
#define MS_TRUST_LONGOPTS                                                                          \
	{"key", required_argument, NULL, MS_OPT_KEY},                                              \
	    {"policy", required_argument, NULL, MS_OPT_POLICY},                                    \
	    {"trust-file", required_argument, NULL, MS_OPT_TRUST_FILE},                            \
	    {"ca", required_argument, NULL, MS_OPT_CA},                                            \
	    {"trusted-root", required_argument, NULL, MS_OPT_TRUSTED_ROOT},                        \
	    {"identity", required_argument, NULL, MS_OPT_IDENTITY},                                \
	{                                                                                          \
		"issuer", required_argument, NULL, MS_OPT_ISSUER                                   \
	}

struct ms_trust_args {
	const char **key_paths;
	size_t n_key_paths;
	const char **ca_paths;
	size_t n_ca_paths;
	const char *policy, *trust_file, *trusted_root_path, *identity, *issuer;
	struct ms_trusted_root *trusted_root; /* loaded by ms_trust_args_apply */
};

int ms_trust_option(int opt, const char *arg, struct ms_trust_args *a);
/* -1 after a usage error: --trusted-root needs --identity and --issuer
 * together (or neither), --issuer needs --trusted-root. */
int ms_trust_args_check(const struct ms_trust_args *a);
/* Loads --trusted-root and hands everything to g (which borrows from a).
 * -1 after reporting. */
int ms_trust_args_apply(struct ms_trust_args *a, struct ms_gate *g);
void ms_trust_args_free(struct ms_trust_args *a);

#endif
