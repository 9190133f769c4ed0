/* Unit tests for src/sigstore/trusted_root.c and sbundle.c: the trusted
 * root and the keyless bundle, parsed strictly. */
#include <string.h>

#include "check_main.h"
#include "sigstore_fixtures.h"

static int parse_root(const char *json)
{
	struct ms_trusted_root rt;
	int rc = ms_trusted_root_parse(json, strlen(json), "root", &rt);
	if (rc == 0)
		ms_trusted_root_free(&rt);
	return rc;
}

START_TEST(rfc3339_times)
{
	int64_t t;
	ck_assert_int_eq(ms_rfc3339_parse("2021-01-12T11:53:27Z", &t), 0);
	ck_assert_int_eq(t, 1610452407);
	ck_assert_int_eq(ms_rfc3339_parse("2022-12-31T23:59:59.999Z", &t), 0);
	ck_assert_int_eq(t, 1672531199);
	ck_assert_int_eq(ms_rfc3339_parse("2022-12-31T23:59:59.Z", &t), -1);
	ck_assert_int_eq(ms_rfc3339_parse("2022-12-31T23:59:59.1234567890Z", &t), -1);
	ck_assert_int_eq(ms_rfc3339_parse("2022-12-31T23:59:59,5Z", &t), -1);
	ck_assert_int_eq(ms_rfc3339_parse("2022-12-31T23:59:59", &t), -1);
	ck_assert_int_eq(ms_rfc3339_parse("2022-02-30T00:00:00Z", &t), -1);
}
END_TEST

START_TEST(production_root_parses)
{
	struct ms_trusted_root rt;
	ss_root(SS_PROD, &rt);
	ck_assert_uint_eq(rt.n_tlogs, 2);
	ck_assert_uint_eq(rt.n_ctlogs, 2);
	ck_assert_uint_eq(rt.n_cas, 2);
	ck_assert_uint_eq(rt.n_tsas, 1);
	ck_assert_str_eq(rt.tlogs[0].base_url, "https://rekor.sigstore.dev");
	ck_assert_uint_eq(rt.tlogs[0].id_len, 32);
	ck_assert_int_eq(rt.tlogs[0].valid.end, INT64_MAX);
	ck_assert_int_eq(rt.cas[0].valid.end, 1672531199); /* 2022-12-31T23:59:59.999Z */
	ck_assert_int_eq(sk_X509_num(rt.cas[1].chain), 2);
	ck_assert_int_eq(EVP_PKEY_get_base_id(rt.tlogs[1].key), EVP_PKEY_ED25519);
	/* Found by id only inside the validity period. */
	const struct ms_tr_log *l = ms_tr_find_log(rt.ctlogs, rt.n_ctlogs, rt.ctlogs[0].id, 32,
	                                           1640995200); /* 2022-01-01 */
	ck_assert_ptr_eq(l, &rt.ctlogs[0]);
	ck_assert_ptr_null(
	    ms_tr_find_log(rt.ctlogs, rt.n_ctlogs, rt.ctlogs[0].id, 32, 1700000000)); /* 2023 */
	ck_assert_ptr_null(ms_tr_find_log(rt.ctlogs, rt.n_ctlogs, rt.ctlogs[0].id, 31, 1640995200));
	ms_trusted_root_free(&rt);
	ss_root(SS_STAGING, &rt); /* with a PKCS#1 RSA CT log key */
	ck_assert_int_eq(EVP_PKEY_get_base_id(rt.ctlogs[0].key), EVP_PKEY_RSA);
	ms_trusted_root_free(&rt);
}
END_TEST

START_TEST(bad_roots_are_errors)
{
	static const char log[] =
	    "{\"baseUrl\":\"x\",\"publicKey\":{\"rawBytes\":\"%s\",\"validFor\":{\"start\":"
	    "\"%s\"}},\"logId\":{\"keyId\":\"AAAA\"}}";
	static const char key[] = "MCowBQYDK2VwAyEAt8rlp1knGwjfbcXAYPYAkn0XiLz1x8O4t0YkEhie244=";
	static const char ca[] = "{\"certChain\":{\"certificates\":[{\"rawBytes\":\"%s\"}]},"
	                         "\"validFor\":{\"start\":\"2021-01-01T00:00:00Z\"}}";
	char *good_log = ms_asprintf(log, key, "2021-01-01T00:00:00Z");
	char *bad_key = ms_asprintf(log, "AAAA", "2021-01-01T00:00:00Z");
	char *bad_time = ms_asprintf(log, key, "2021-01-01");
	char *bad_cert = ms_asprintf(ca, "AAAA");
	struct ms_trusted_root prod;
	ss_root(SS_PROD, &prod);
	unsigned char *der = NULL;
	int der_len = i2d_X509(sk_X509_value(prod.cas[1].chain, 1), &der);
	char *b64 = ms_malloc(4 * (size_t)der_len / 3 + 4);
	EVP_EncodeBlock((unsigned char *)b64, der, der_len);
	char *good_ca = ms_asprintf(ca, b64);
	const char *mt =
	    "\"mediaType\":\"application/vnd.dev.sigstore.trustedroot+json;version=0.1\"";
	char *ok = ms_asprintf("{%s,\"tlogs\":[%s],\"certificateAuthorities\":[%s]}", mt, good_log,
	                       good_ca);
	ck_assert_int_eq(parse_root(ok), 0);
	char *cases[] = {
	    ms_asprintf("{\"mediaType\":\"application/json\",\"tlogs\":[%s],"
	                "\"certificateAuthorities\":[%s]}",
	                good_log, good_ca),
	    ms_asprintf("{%s,\"tlogs\":[%s],\"certificateAuthorities\":[%s]}", mt, bad_key,
	                good_ca),
	    ms_asprintf("{%s,\"tlogs\":[%s],\"certificateAuthorities\":[%s]}", mt, bad_time,
	                good_ca),
	    ms_asprintf("{%s,\"tlogs\":[%s],\"certificateAuthorities\":[%s]}", mt, good_log,
	                bad_cert),
	    ms_asprintf("{%s,\"tlogs\":[],\"certificateAuthorities\":[%s]}", mt, good_ca),
	    ms_asprintf("{%s,\"tlogs\":[%s]}", mt, good_log),
	    ms_asprintf("{%s,\"tlogs\":{},\"certificateAuthorities\":[%s]}", mt, good_ca),
	    ms_asprintf("{%s,\"tlogs\":[%s],\"tlogs\":[%s],\"certificateAuthorities\":[%s]}", mt,
	                good_log, good_log, good_ca),
	};
	for (size_t i = 0; i < MS_ARRAY_LEN(cases); i++) {
		ck_assert_msg(parse_root(cases[i]) == -1, "case %zu", i);
		free(cases[i]);
	}
	free(ok);
	free(good_ca);
	free(b64);
	OPENSSL_free(der);
	ms_trusted_root_free(&prod);
	free(good_log);
	free(bad_key);
	free(bad_time);
	free(bad_cert);
}
END_TEST

START_TEST(production_bundles_parse)
{
	struct ms_sigstore_bundle b;
	ss_bundle(SS_V031, &b);
	ck_assert_uint_eq(b.n_tlog, 1);
	ck_assert_uint_eq(b.n_tsp, 0);
	ck_assert_uint_eq(sk_X509_num(b.chain), 0);
	const struct ms_tlog_entry *e = &b.tlog[0];
	ck_assert_uint_eq(e->log_index, 206342049);
	ck_assert_int_eq(e->integrated_time, SS_V031_TIME);
	ck_assert_str_eq(e->kind, "dsse");
	ck_assert_str_eq(e->version, "0.0.1");
	ck_assert_int_eq(e->has_proof, 1);
	ck_assert_uint_eq(e->proof_index, 84437787);
	ck_assert_uint_eq(e->tree_size, 84437788);
	ck_assert_uint_eq(e->n_hashes, 12);
	ck_assert_ptr_nonnull(e->set);
	ck_assert_ptr_nonnull(strstr(e->checkpoint, "rekor.sigstore.dev - "));
	ck_assert_str_eq(b.payload_type, "application/vnd.in-toto+json");
	ck_assert_ptr_nonnull(memmem(b.payload, b.payload_len, "signme-1", 8));
	ms_sigstore_bundle_free(&b);
	ss_bundle(SS_V110, &b);
	ck_assert_uint_eq(b.n_tsp, 1);
	ms_sigstore_bundle_free(&b);
	ss_bundle(SS_REKOR2, &b);
	ck_assert_int_eq(b.tlog[0].integrated_time, 0);
	ck_assert_ptr_null(b.tlog[0].set);
	ms_sigstore_bundle_free(&b);
}
END_TEST

START_TEST(keyless_is_told_apart)
{
	static const char *const yes[] = {SS_V031, SS_V110, SS_REKOR2};
	static const char *const no[] = {"tests/interop/oms/v1.1.0-elliptic-key/model.sig",
	                                 "tests/interop/oms/v1.1.0-certificate/model.sig"};
	for (size_t i = 0; i < MS_ARRAY_LEN(yes) + MS_ARRAY_LEN(no); i++) {
		const char *path = i < MS_ARRAY_LEN(yes) ? yes[i] : no[i - MS_ARRAY_LEN(yes)];
		size_t len;
		char *json = ss_read(path, &len);
		ck_assert_int_eq(ms_sigstore_bundle_is_keyless(json, len), i < MS_ARRAY_LEN(yes));
		free(json);
	}
	ck_assert_int_eq(ms_sigstore_bundle_is_keyless("{", 1), 0);
}
END_TEST

START_TEST(bad_bundles_are_errors)
{
	size_t len;
	char *json = ss_read(SS_V031, &len);
	static const char *const edits[][2] = {
	    {"\"application/vnd.dev.sigstore.bundle.v0.3+json\"", "\"application/json\""},
	    {"\"logIndex\": \"206342049\"", "\"logIndex\": \"-1\""},
	    {"\"treeSize\": \"84437788\"", "\"treeSize\": 1.5"},
	    {"\"rootHash\": \"6LgsIBWGEM0QwyPvHIqtMBZOneCWtxe8D3AfxOaezq4=\"",
	     "\"rootHash\": \"6Lgs\""},
	    {"\"kind\": \"dsse\"", "\"kind\": 1"},
	    {"\"dsseEnvelope\"", "\"messageSignature\": {}, \"dsse\""},
	    {"\"rawBytes\": \"MIIC4j", "\"rawBytes\": \"MIIC4J"},
	};
	for (size_t i = 0; i < MS_ARRAY_LEN(edits); i++) {
		char *at = strstr(json, edits[i][0]);
		ck_assert_msg(at != NULL, "edit %zu", i);
		char *bad = ms_asprintf("%.*s%s%s", (int)(at - json), json, edits[i][1],
		                        at + strlen(edits[i][0]));
		struct ms_sigstore_bundle b;
		ck_assert_msg(ms_sigstore_bundle_parse(bad, strlen(bad), "b", &b) == -1,
		              "edit %zu", i);
		free(bad);
	}
	free(json);
}
END_TEST

static Suite *sigstore_root_suite(void)
{
	Suite *s = suite_create("sigstore_root");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, rfc3339_times);
	tcase_add_test(tc, production_root_parses);
	tcase_add_test(tc, bad_roots_are_errors);
	tcase_add_test(tc, production_bundles_parse);
	tcase_add_test(tc, keyless_is_told_apart);
	tcase_add_test(tc, bad_bundles_are_errors);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(sigstore_root_suite)
