/* Path REFs, verified before they are trusted (see pathref.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "modelseal/pathref.h"
#include "modelseal/registry_trust.h"
#include "modelseal/util.h"
#include "modelseal/verify.h"

int ms_ref_is_path(const char *ref)
{
	struct stat st;
	return *ref && stat(ref, &st) == 0;
}

static int usable(const struct ms_trust *t, const struct ms_pubkey *k, unsigned flags)
{
	return (flags & MS_PATHREF_REVOKED_KEYS) || !ms_trust_revocation(t, "key", ms_pubkey_id(k));
}

/* The keys to verify with: the trust store's (unrevoked unless asked) and
 * also. Borrowed from t and also. */
static struct ms_pubkey **pick_keys(const struct ms_trust *t, const struct ms_pubkey *also,
                                    unsigned flags, size_t *n)
{
	struct ms_pubkey **keys = ms_calloc(t->n_keys + 1, sizeof *keys);
	*n = 0;
	for (size_t i = 0; i < t->n_keys; i++)
		if (usable(t, t->keys[i].key, flags))
			keys[(*n)++] = t->keys[i].key;
	/* The signer's own key, unless the store has it already. The verify
	 * request only reads keys, so dropping const is safe. */
	if (also && usable(t, also, flags) && !ms_trust_find_key(t, ms_pubkey_id(also)))
		keys[(*n)++] = (struct ms_pubkey *)also;
	return keys;
}

/* The first few differences, "modified: w.bin; extra: x.bin". */
static char *describe(const struct ms_problems *p)
{
	struct ms_buf b = {0};
	for (size_t i = 0; i < p->n && i < 3; i++)
		ms_buf_printf(&b, "%s%s: %s", i ? "; " : "", p->v[i].kind, p->v[i].path);
	if (p->n > 3)
		ms_buf_printf(&b, "; and %zu more", p->n - 3);
	return b.data ? b.data : ms_strdup("no detail");
}

/* Why the model at path is not believed, from a failed verification. */
static void report_failure(const char *path, const struct ms_verify_result *res, size_t n_keys)
{
	if (!res->signer) {
		ms_error("the model at '%s' is not signed by a trusted key: its signature "
		         "does not verify with %s, so nothing it says is used. Trust its "
		         "signer ('modelseal trust add PUB') or name the model by "
		         "NAME@VERSION or sha256:DIGEST",
		         path, n_keys ? "any key of the trust store" : "any key (none is trusted)");
		return;
	}
	char *what = describe(&res->problems);
	ms_error("the files at '%s' are not the ones its signature covers (%s), so it does "
	         "not name the signed model; name the model by NAME@VERSION or sha256:DIGEST",
	         path, what);
	free(what);
}

int ms_pathref_verify(struct ms_registry *reg, const char *path, const struct ms_pubkey *also,
                      unsigned flags, char digest[MS_HEX_LEN + 1])
{
	struct ms_trust trust = {0};
	if (reg && ms_registry_trust_load(reg, &trust) < 0)
		return -1;
	size_t n;
	struct ms_pubkey **keys = pick_keys(&trust, also, flags, &n);
	struct ms_verify_request req = {.model = path, .keys = keys, .n_keys = n};
	struct ms_verify_result res;
	int rc = n ? ms_verify_model(&req, &res) : MS_FAIL;
	if (!n)
		memset(&res, 0, sizeof res);
	if (rc == MS_OK)
		ms_hex_encode(res.signed_manifest.root, MS_ROOT_LEN, digest);
	else if (rc == MS_FAIL)
		report_failure(path, &res, n);
	else
		ms_error("the model at '%s' cannot be verified, so it is not used: a path "
		         "names a model only once its signature verifies with a trusted key",
		         path);
	ms_verify_result_free(&res);
	free(keys);
	ms_trust_free(&trust);
	return rc == MS_OK ? 0 : -1;
}

int ms_pathref_resolve(struct ms_registry *reg, const char *path, const struct ms_pubkey *also,
                       char digest[MS_HEX_LEN + 1])
{
	struct ms_model_info m;
	if (ms_pathref_verify(reg, path, also, 0, digest) < 0)
		return -1;
	int rc = ms_registry_get_model(reg, digest, 0, &m);
	if (rc == 0)
		ms_model_info_free(&m);
	else if (rc == 1)
		ms_error("the model at '%s' (sha256:%.12s...) verifies but is not recorded in "
		         "the registry %s",
		         path, digest, ms_registry_path(reg));
	return rc == 0 ? 0 : -1;
}

int ms_ref_resolve(struct ms_registry *reg, const char *ref, const struct ms_pubkey *also,
                   char digest[MS_HEX_LEN + 1])
{
	int rc = ms_registry_find_ref(reg, ref, digest);
	if (rc != 1)
		return rc;
	if (ms_ref_is_path(ref))
		return ms_pathref_resolve(reg, ref, also, digest);
	ms_error("unknown REF '%s': no recorded NAME@VERSION, digest or signed model path", ref);
	return -1;
}
