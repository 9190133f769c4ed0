/* RFC 3161 timestamps: a timestamp authority of the trusted root signed
 * the hash of the bundle's signature at some time. That time counts only
 * when the response verifies (signature, chain to the TSA's root at that
 * time, timeStamping EKU, message imprint over the signature) and the TSA
 * was valid in the trusted root then. */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ts.h>

#include "modelseal/sigstore.h"
#include "modelseal/util.h"
#include "sigstore_int.h"

static int verify_with(const struct ms_tr_ca *tsa, TS_RESP *resp, const uint8_t *sig,
                       size_t sig_len, int64_t t)
{
	int n = sk_X509_num(tsa->chain);
	TS_VERIFY_CTX *v = TS_VERIFY_CTX_new();
	X509_STORE *store = X509_STORE_new();
	STACK_OF(X509) *certs = sk_X509_new_null();
	BIO *data = BIO_new_mem_buf(sig, (int)sig_len);
	if (!v || !store || !certs || !data ||
	    !X509_STORE_add_cert(store, sk_X509_value(tsa->chain, n - 1))) {
		TS_VERIFY_CTX_free(v);
		X509_STORE_free(store);
		sk_X509_free(certs);
		BIO_free(data);
		return 0;
	}
	for (int i = 0; i < n - 1; i++) {
		X509_up_ref(sk_X509_value(tsa->chain, i));
		sk_X509_push(certs, sk_X509_value(tsa->chain, i));
	}
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), (time_t)t);
	/* The context owns store, certs and data from here on. */
	TS_VERIFY_CTX_set_store(v, store);
	TS_VERIFY_CTX_set_certs(v, certs);
	TS_VERIFY_CTX_set_data(v, data);
	TS_VERIFY_CTX_set_flags(v, TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_DATA);
	int ok = TS_RESP_verify_response(v, resp) == 1;
	TS_VERIFY_CTX_free(v);
	ERR_clear_error();
	return ok;
}

int ms_tsa_verify(const struct ms_trusted_root *tr, const uint8_t *der, size_t der_len,
                  const uint8_t *sig, size_t sig_len, int64_t *t, char **why)
{
	const unsigned char *p = der;
	TS_RESP *resp = d2i_TS_RESP(NULL, &p, (long)der_len);
	TS_TST_INFO *info = resp && p == der + der_len ? TS_RESP_get_tst_info(resp) : NULL;
	int rc = -1;
	if (!info || ms_ss_asn1_time(TS_TST_INFO_get_time(info), t) < 0) {
		rc = ms_ss_fail(why, "timestamp: not an RFC 3161 timestamp response");
		goto out;
	}
	for (size_t i = 0; i < tr->n_tsas && rc < 0; i++) {
		const struct ms_tr_ca *tsa = &tr->tsas[i];
		if (*t >= tsa->valid.start && *t <= tsa->valid.end &&
		    verify_with(tsa, resp, sig, sig_len, *t))
			rc = 0;
	}
	if (rc < 0)
		ms_ss_fail(why, "timestamp: does not verify with a timestamp authority of the "
		                "trusted root valid at its time, over this signature");
out:
	TS_RESP_free(resp);
	ERR_clear_error();
	return rc;
}
