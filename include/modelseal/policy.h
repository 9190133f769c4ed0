/* Deploy policies (verify --policy, unpack --policy): a JSON file of rules a
 * verified model must also meet before it may be deployed.
 *
 *   {"version": 1,
 *    "trusted_keys": ["keys/release.pub", "<key id>"],
 *    "trusted_cas": ["keys/root-ca.pem"],
 *    "trusted_identities": [{"identity": "a@example.com",
 *                            "issuer": "https://accounts.example.com"}],
 *    "require_ancestor": ["sha256:<root digest>", "NAME@VERSION"],
 *    "allow_unsigned_files": false,
 *    "max_signature_age_days": 90}
 *
 * Every field but version is optional; a field that is present is a rule
 * and shows up in the report, pass or fail. Unknown fields, a version other
 * than 1 and wrongly typed values are errors, so a typo never weakens a
 * policy. */
#ifndef MODELSEAL_POLICY_H
#define MODELSEAL_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "modelseal/keys.h"
#include "modelseal/trust.h"
#include "modelseal/verify.h"

#define MS_POLICY_VERSION 1
#define MS_POLICY_MAX ((size_t)1 << 20)

struct ms_policy;
struct ms_registry;

/* Reads and checks a policy file. Key file entries are read now, relative to
 * the policy file's directory. -1 after reporting what is wrong. */
int ms_policy_load(const char *path, struct ms_policy **out);
void ms_policy_free(struct ms_policy *p);

/* The keys the policy names by file: verify may check the signature with
 * them (a deploy host needs nothing but the policy and its key files). */
struct ms_pubkey *const *ms_policy_key_files(const struct ms_policy *p, size_t *n);
/* The root certificate files of trusted_cas, as paths verify can read
 * (relative entries resolved against the policy's directory). */
const char *const *ms_policy_ca_files(const struct ms_policy *p, size_t *n);
/* trusted_identities: Sigstore keyless signers, identity at issuer. verify
 * trusts them as it trusts the policy's key files (with --trusted-root or
 * the trust store's root for the same identity). */
struct ms_policy_identity {
	char *identity, *issuer;
};
const struct ms_policy_identity *ms_policy_identities(const struct ms_policy *p, size_t *n);
/* allow_unsigned_files: 1 or 0, or -1 when the policy does not say. The
 * caller hashes with it: a policy that says false overrides
 * --ignore-unsigned-files. */
int ms_policy_allow_unsigned(const struct ms_policy *p);

/* What the rules look at. */
struct ms_policy_input {
	const struct ms_verify_request *req;
	const struct ms_verify_result *res; /* after ms_verify_model */
	struct ms_pubkey *const *keys;      /* every key verify used */
	size_t n_keys;
	const struct ms_trust *trust; /* revocations (keys may be empty) */
	struct ms_registry *reg;      /* NULL: no registry on this host */
	int64_t now;                  /* Unix time */
};

struct ms_policy_rule {
	const char *rule; /* the policy field */
	int ok;
	char *detail;
};

struct ms_policy_report {
	struct ms_policy_rule *v;
	size_t n;
	int ok; /* every rule holds */
};

/* Evaluates every rule (all of them, also after one failed). MS_OK: all
 * hold; MS_FAIL: at least one does not (see the report); MS_ERR: malformed
 * input met on the way (reported). */
int ms_policy_evaluate(const struct ms_policy *p, const struct ms_policy_input *in,
                       struct ms_policy_report *out);
void ms_policy_report_free(struct ms_policy_report *r);

struct ms_lineage;
/* Lineage from signed provenance alone (show PATH and lineage PATH for a
 * model the registry does not hold, or with no registry): the statements
 * require_ancestor reads (beside the model, beside its sibling models, in the
 * registry), each believed only when one of in->keys that nobody revoked
 * signed it. in->res must have verified. nodes[0] is the model: digest,
 * hashing, size and signer from the verified statement, name, version,
 * signing time and provenance bundle from its own provenance; then each
 * parent and dataset reached, named as the statements name them. 0, or -1
 * after reporting malformed input. */
int ms_provenance_lineage(const struct ms_policy_input *in, struct ms_lineage *out);

#endif
