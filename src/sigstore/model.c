/* The keyless path of `verify`: a Sigstore bundle checked with the trusted
 * root and the expected signer, its result handed to the model
 * verification (src/verify_model.c) like a key-based one. */
#include <stdlib.h>
#include <string.h>

#include "modelseal/bundle.h"
#include "modelseal/sigstore.h"
#include "modelseal/util.h"
#include "modelseal/verify.h"

static void take_result(struct ms_sigstore_result *sr, struct ms_verify_result *res)
{
	res->identity = sr->identity;
	res->issuer = sr->issuer;
	res->signed_time = sr->time;
	res->time_source = sr->time_source;
	res->payload = (char *)sr->payload; /* NUL-terminated (sigstore.h) */
	res->payload_len = sr->payload_len;
	sr->identity = sr->issuer = NULL;
	sr->payload = NULL;
}

/* The trusted signer the bundle's certificate names. The certificate is
 * read unverified only to choose whose identity to require: everything is
 * then checked against that signer. MS_OK with *out, MS_FAIL with a
 * problem when it names none, MS_ERR when the bundle does not parse. */
static int pick_signer(const struct ms_verify_request *req, struct ms_verify_result *res,
                       const char *json, size_t len, const char *what,
                       const struct ms_keyless_signer **out)
{
	struct ms_sigstore_bundle b;
	char *why = NULL;
	*out = NULL;
	if (ms_sigstore_bundle_parse(json, len, what, &b) < 0)
		return MS_ERR;
	char *issuer = ms_cert_issuer(b.cert, &why);
	char *first = ms_cert_identity(b.cert, NULL);
	for (size_t i = 0; issuer && !*out && i < req->n_signers; i++) {
		const struct ms_keyless_signer *s = &req->signers[i];
		char *id = ms_cert_identity(b.cert, s->identity);
		if (id && strcmp(id, s->identity) == 0 && strcmp(issuer, s->issuer) == 0)
			*out = s;
		free(id);
	}
	if (!*out)
		ms_problems_add(&res->problems, res->signature, "signature",
		                ms_asprintf("identity: %s (issuer %s) is not a trusted identity "
		                            "(trust add --identity ID --issuer URL)",
		                            first ? first : "(none)", issuer ? issuer : "(none)"));
	free(first);
	free(issuer);
	free(why);
	ms_sigstore_bundle_free(&b);
	return *out ? MS_OK : MS_FAIL;
}

int ms_sigstore_check_signature(const struct ms_verify_request *req, struct ms_verify_result *res,
                                const char *json, size_t len)
{
	const struct ms_trusted_root *root = req->trusted_root;
	const char *identity = req->identity, *issuer = req->issuer;
	if (!identity && req->n_signers) {
		const struct ms_keyless_signer *s;
		char *what = ms_asprintf("signature '%s'", res->signature);
		int rc = pick_signer(req, res, json, len, what, &s);
		free(what);
		if (rc != MS_OK)
			return rc;
		identity = s->identity;
		issuer = s->issuer;
		root = root ? root : s->root;
		if (!root) {
			ms_error("trusted identity %s (issuer %s) has no trusted root: give "
			         "--trusted-root FILE, or add it again with 'modelseal trust add "
			         "--identity ID --issuer URL --trusted-root FILE'",
			         identity, issuer);
			return MS_ERR;
		}
	}
	if (!root) {
		ms_problems_add(
		    &res->problems, res->signature, "signature",
		    ms_strdup("a Sigstore keyless bundle: verify it with --trusted-root "
		              "FILE --identity ID --issuer URL"));
		return MS_FAIL;
	}
	struct ms_sigstore_result sr;
	char *what = ms_asprintf("signature '%s'", res->signature);
	int rc = ms_sigstore_verify(json, len, what, root, MS_INTOTO_PAYLOAD_TYPE, identity, issuer,
	                            &sr);
	free(what);
	if (rc == MS_FAIL)
		ms_problems_add(&res->problems, res->signature, "signature", ms_strdup(sr.problem));
	else if (rc == MS_OK)
		take_result(&sr, res);
	ms_sigstore_result_free(&sr);
	return rc;
}
