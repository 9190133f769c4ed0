/* The trust options verify and unpack share: one parser, so that --key,
 * --ca, --trusted-root, --identity, --issuer, --policy and --trust-file
 * mean the same for both. */
#include <stdlib.h>

#include "modelseal/cli.h"
#include "modelseal/gate.h"
#include "modelseal/sigstore.h"
#include "modelseal/util.h"

static void add_path(const char ***v, size_t *n, const char *arg)
{
	*v = ms_reallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = arg;
}

int ms_trust_option(int opt, const char *arg, struct ms_trust_args *a)
{
	switch (opt) {
	case MS_OPT_KEY:
		add_path(&a->key_paths, &a->n_key_paths, arg);
		return 1;
	case MS_OPT_CA:
		add_path(&a->ca_paths, &a->n_ca_paths, arg);
		return 1;
	case MS_OPT_POLICY:
		a->policy = arg;
		return 1;
	case MS_OPT_TRUST_FILE:
		a->trust_file = arg;
		return 1;
	case MS_OPT_TRUSTED_ROOT:
		a->trusted_root_path = arg;
		return 1;
	case MS_OPT_IDENTITY:
		if (!*arg)
			return ms_usage_error("--identity is empty"), -1;
		a->identity = arg;
		return 1;
	case MS_OPT_ISSUER:
		a->issuer = arg;
		return 1;
	default:
		return 0;
	}
}

int ms_trust_args_check(const struct ms_trust_args *a)
{
	/* A keyless signature proves only that someone with an OIDC account
	 * signed: without the expected signer it proves nothing. */
	if (a->trusted_root_path && !a->identity != !a->issuer)
		return ms_usage_error("--trusted-root needs --identity and --issuer together: who "
		                      "must have signed (or neither, for the trust store's "
		                      "identities)"),
		       -1;
	if (a->issuer && !a->trusted_root_path)
		return ms_usage_error("--issuer only applies with --trusted-root"), -1;
	return 0;
}

int ms_trust_args_apply(struct ms_trust_args *a, struct ms_gate *g)
{
	if (a->trusted_root_path) {
		a->trusted_root = ms_calloc(1, sizeof *a->trusted_root);
		if (ms_trusted_root_load(a->trusted_root_path, a->trusted_root) < 0)
			return -1;
	}
	g->key_paths = a->key_paths;
	g->n_key_paths = a->n_key_paths;
	g->ca_paths = a->ca_paths;
	g->n_ca_paths = a->n_ca_paths;
	g->policy_path = a->policy;
	g->trust_file = a->trust_file;
	g->req.trusted_root = a->trusted_root;
	g->req.identity = a->identity;
	g->req.issuer = a->issuer;
	return 0;
}

void ms_trust_args_free(struct ms_trust_args *a)
{
	if (a->trusted_root)
		ms_trusted_root_free(a->trusted_root);
	free(a->trusted_root);
	free(a->key_paths);
	free(a->ca_paths);
}
