/* Unit tests for src/sigstore/cert.c (Fulcio chain, SCT, identity, issuer)
 * and tsa.c (RFC 3161 timestamps). */
#include <openssl/pem.h>
#include <string.h>
#include <time.h>

#include "check_main.h"
#include "sigstore_fixtures.h"

#define X509_DIR "tests/data/sigstore/x509/"
#define V110_TSA_TIME 1760062340 /* genTime of the v1.1.0 timestamp */

static X509 *pem(const char *name)
{
	char *path = ms_asprintf(X509_DIR "%s.pem", name);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	ck_assert_ptr_nonnull(x);
	fclose(f);
	free(path);
	return x;
}

START_TEST(fulcio_chain_at_signing_time)
{
	char *why = NULL;
	X509 *issuer = NULL;
	ck_assert_int_eq(
	    ms_fulcio_chain_verify(&tr, b031.cert, b031.chain, SS_V031_TIME, &issuer, &why), 0);
	ck_assert_ptr_null(why);
	char cn[64];
	X509_NAME_get_text_by_NID(X509_get_subject_name(issuer), NID_commonName, cn, sizeof cn);
	ck_assert_str_eq(cn, "sigstore-intermediate");
	X509_free(issuer);
	/* Now, the short-lived certificate has long expired. */
	ck_assert_int_eq(
	    ms_fulcio_chain_verify(&tr, b031.cert, b031.chain, (int64_t)time(NULL), NULL, &why),
	    -1);
	ck_assert_ptr_nonnull(strstr(why, "expired"));
	/* Ten minutes after signing, it had too. */
	ck_assert_int_eq(
	    ms_fulcio_chain_verify(&tr, b031.cert, b031.chain, SS_V031_TIME + 601, NULL, &why), -1);
	/* The CA's own certificates in place of a leaf. */
	for (int i = 0; i < 2; i++) {
		X509 *ca = sk_X509_value(tr.cas[1].chain, i);
		ck_assert_int_eq(ms_fulcio_chain_verify(&tr, ca, NULL, SS_V031_TIME, &issuer, &why),
		                 -1);
		ck_assert_ptr_null(issuer);
		ck_assert_ptr_nonnull(strstr(why, i == 0 ? "a CA certificate" : "the CA's own"));
	}
	/* Without the CA that issued it (only the 2021 one, valid until 2022). */
	tr.n_cas = 1;
	ck_assert_int_eq(
	    ms_fulcio_chain_verify(&tr, b031.cert, b031.chain, SS_V031_TIME, NULL, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "no certificate authority"));
	tr.n_cas = 2;
	/* The CA's validity in the root ends before the signing time. */
	tr.cas[1].valid.end = SS_V031_TIME - 1;
	ck_assert_int_eq(
	    ms_fulcio_chain_verify(&tr, b031.cert, b031.chain, SS_V031_TIME, NULL, &why), -1);
	free(why);
}
END_TEST

START_TEST(leaf_usage_is_required)
{
	X509 *ca = pem("ca");
	struct ms_tr_ca tca = {"", sk_X509_new_null(), {0, INT64_MAX}};
	sk_X509_push(tca.chain, ca);
	struct ms_trusted_root t = {0};
	t.cas = &tca;
	t.n_cas = 1;
	static const struct {
		const char *name, *why;
	} cases[] = {
	    {"leaf-ok", NULL},
	    {"leaf-no-eku", "codeSigning"},
	    {"leaf-server-eku", "codeSigning"},
	    {"leaf-no-digsig", "digitalSignature"},
	};
	for (size_t i = 0; i < MS_ARRAY_LEN(cases); i++) {
		X509 *leaf = pem(cases[i].name);
		char *why = NULL;
		int rc = ms_fulcio_chain_verify(&t, leaf, NULL, 1800000000, NULL, &why);
		ck_assert_int_eq(rc, cases[i].why ? -1 : 0);
		if (cases[i].why)
			ck_assert_msg(strstr(why, cases[i].why) != NULL, "%s: %s", cases[i].name,
			              why);
		free(why);
		X509_free(leaf);
	}
	/* A production leaf does not chain to this CA. */
	char *why = NULL;
	ck_assert_int_eq(ms_fulcio_chain_verify(&t, b031.cert, NULL, SS_V031_TIME, NULL, &why), -1);
	free(why);
	sk_X509_pop_free(tca.chain, X509_free);
}
END_TEST

START_TEST(embedded_scts)
{
	char *why = NULL;
	X509 *issuer = NULL;
	ck_assert_int_eq(
	    ms_fulcio_chain_verify(&tr, b110.cert, b110.chain, V110_TSA_TIME, &issuer, &why), 0);
	ck_assert_int_eq(ms_sct_verify(&tr, b110.cert, issuer, &why), 0);
	ck_assert_ptr_null(why);
	/* The issuer key hash is part of what the log signed. */
	ck_assert_int_eq(ms_sct_verify(&tr, b110.cert, b110.cert, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "does not verify"));
	/* The log is not trusted, or not at the SCT's time. */
	tr.ctlogs[1].valid.start = V110_TSA_TIME + 3600;
	ck_assert_int_eq(ms_sct_verify(&tr, b110.cert, issuer, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "not in the trusted root"));
	tr.ctlogs[1].valid.start = 0;
	EVP_PKEY *key = tr.ctlogs[1].key;
	tr.ctlogs[1].key = tr.ctlogs[0].key; /* the right id, the wrong key */
	ck_assert_int_eq(ms_sct_verify(&tr, b110.cert, issuer, &why), -1);
	tr.ctlogs[1].key = key;
	/* No SCT at all. */
	X509 *plain = pem("leaf-ok");
	ck_assert_int_eq(ms_sct_verify(&tr, plain, issuer, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "no embedded SCT"));
	X509_free(plain);
	X509_free(issuer);
	free(why);
}
END_TEST

START_TEST(identity_and_issuer)
{
	char *why = NULL, *s;
	s = ms_cert_identity(b031.cert, NULL);
	ck_assert_str_eq(s, SS_IDENTITY);
	free(s);
	s = ms_cert_issuer(b031.cert, &why);
	ck_assert_str_eq(s, SS_ISSUER);
	free(s);
	X509 *ok = pem("leaf-ok"), *uri = pem("leaf-uri"), *ca = pem("ca");
	s = ms_cert_identity(ok, "nobody@example.com"); /* the one there is, to show */
	ck_assert_str_eq(s, "someone@example.com");
	free(s);
	s = ms_cert_issuer(ok, &why); /* only the raw .1.1 extension */
	ck_assert_str_eq(s, "https://a.example");
	free(s);
	s = ms_cert_identity(uri, NULL);
	ck_assert_str_eq(s, "https://example.com/wf.yml@refs/heads/main");
	free(s);
	ck_assert_ptr_null(ms_cert_issuer(uri, &why)); /* .1.1 and .1.8 disagree */
	ck_assert_ptr_nonnull(strstr(why, "disagree"));
	ck_assert_ptr_null(ms_cert_identity(ca, NULL));
	ck_assert_ptr_null(ms_cert_issuer(ca, &why));
	ck_assert_ptr_nonnull(strstr(why, "no OIDC issuer"));
	free(why);
	X509_free(ok);
	X509_free(uri);
	X509_free(ca);
}
END_TEST

START_TEST(rfc3161_timestamps)
{
	char *why = NULL;
	int64_t t = 0;
	ck_assert_int_eq(
	    ms_tsa_verify(&tr, b110.tsp[0], b110.tsp_len[0], b110.sig, b110.sig_len, &t, &why), 0);
	ck_assert_int_eq(t, V110_TSA_TIME);
	/* Over another signature. */
	ck_assert_int_eq(
	    ms_tsa_verify(&tr, b110.tsp[0], b110.tsp_len[0], b031.sig, b031.sig_len, &t, &why), -1);
	/* The TSA not valid then, or not in the root. */
	tr.tsas[0].valid.start = V110_TSA_TIME + 1;
	ck_assert_int_eq(
	    ms_tsa_verify(&tr, b110.tsp[0], b110.tsp_len[0], b110.sig, b110.sig_len, &t, &why), -1);
	tr.tsas[0].valid.start = 0;
	tr.n_tsas = 0;
	ck_assert_int_eq(
	    ms_tsa_verify(&tr, b110.tsp[0], b110.tsp_len[0], b110.sig, b110.sig_len, &t, &why), -1);
	tr.n_tsas = 1;
	/* One flipped bit anywhere in the response, and truncation. Bytes
	 * 248 to 783 are the copy of the TSA certificate the token carries:
	 * it is not used (the trusted root's certificate is), so it is not
	 * evidence that must verify. */
	uint8_t *copy = ms_malloc(b110.tsp_len[0]);
	for (size_t i = 0; i < b110.tsp_len[0]; i += 37) {
		if (i >= 248 && i < 784)
			continue;
		memcpy(copy, b110.tsp[0], b110.tsp_len[0]);
		copy[i] ^= 0x04;
		ck_assert_msg(ms_tsa_verify(&tr, copy, b110.tsp_len[0], b110.sig, b110.sig_len, &t,
		                            &why) == -1,
		              "bit flipped at %zu", i);
	}
	ck_assert_int_eq(
	    ms_tsa_verify(&tr, b110.tsp[0], b110.tsp_len[0] - 1, b110.sig, b110.sig_len, &t, &why),
	    -1);
	free(copy);
	free(why);
}
END_TEST

static Suite *sigstore_cert_suite(void)
{
	Suite *s = suite_create("sigstore_cert");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, ss_setup, ss_teardown);
	tcase_add_test(tc, fulcio_chain_at_signing_time);
	tcase_add_test(tc, leaf_usage_is_required);
	tcase_add_test(tc, embedded_scts);
	tcase_add_test(tc, identity_and_issuer);
	tcase_add_test(tc, rfc3161_timestamps);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(sigstore_cert_suite)
