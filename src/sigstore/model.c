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
	/* The statement parser wants the payload NUL-terminated. */
	res->payload = ms_realloc(sr->payload, sr->payload_len + 1);
	res->payload[sr->payload_len] = '\0';
	res->payload_len = sr->payload_len;
	sr->identity = sr->issuer = NULL;
	sr->payload = NULL;
}

int ms_sigstore_check_signature(const struct ms_verify_request *req, struct ms_verify_result *res,
                                const char *json, size_t len)
{
	if (!req->trusted_root) {
		ms_problems_add(
		    &res->problems, res->signature, "signature",
		    ms_strdup("a Sigstore keyless bundle: verify it with --trusted-root "
		              "FILE --identity ID --issuer URL"));
		return MS_FAIL;
	}
	struct ms_sigstore_result sr;
	char *what = ms_asprintf("signature '%s'", res->signature);
	int rc = ms_sigstore_verify(json, len, what, req->trusted_root, MS_INTOTO_PAYLOAD_TYPE,
	                            req->identity, req->issuer, &sr);
	free(what);
	if (rc == MS_FAIL)
		ms_problems_add(&res->problems, res->signature, "signature", ms_strdup(sr.problem));
	else if (rc == MS_OK)
		take_result(&sr, res);
	ms_sigstore_result_free(&sr);
	return rc;
}
