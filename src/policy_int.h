/* Internals shared by src/policy.c (loading, the simple rules) and
 * src/policy_ancestry.c (the provenance walk and the signing time). */
#ifndef MODELSEAL_POLICY_INT_H
#define MODELSEAL_POLICY_INT_H

#include "modelseal/policy.h"
#include "modelseal/x509.h"

struct ms_policy {
	char *path;
	int has_keys;
	char **key_ids; /* every trusted key id: the key files' and the literal ones */
	size_t n_key_ids;
	struct ms_pubkey **key_files;
	size_t n_key_files;
	struct ms_x509_roots *cas; /* trusted_cas, or NULL */
	char **ca_files;           /* their paths, resolved */
	size_t n_ca_files;
	struct ms_policy_identity *ids; /* trusted_identities */
	size_t n_ids;
	char **ancestors; /* "sha256:<hex>" or "NAME@VERSION", as written */
	size_t n_ancestors;
	int allow_unsigned;    /* -1: not set */
	uint64_t max_age_days; /* 0: not set */
};

/* Whether keyid may sign for this policy: one of its keys, or any key verify
 * trusts when the policy names none. */
int policy_trusts(const struct ms_policy *p, const char *keyid);

/* The ancestry walk state: provenance statements found beside the model or
 * in the registry, each verified with a trusted, unrevoked key. */
struct provenance_store;
struct provenance_store *provenance_store_new(const struct ms_policy *p,
                                              const struct ms_policy_input *in);
void provenance_store_free(struct provenance_store *s);

/* require_ancestor: ok 1/0 with *detail, or -1 after reporting. */
int rule_require_ancestor(struct provenance_store *s, char **detail);
/* max_signature_age_days: the same. */
int rule_signature_age(struct provenance_store *s, char **detail);

#endif
