/* Unit tests for src/x509/: roots, path building at a given time, leaf
 * usage, identities, printable names; and the certificate side of
 * src/bundle.c (what a bundle carries, ms_bundle_verify_trust). */
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "modelseal/bundle.h"
#include "modelseal/util.h"
#include "modelseal/x509.h"

#define OMS "tests/interop/oms/"
#define CERTS "tests/bad/cert/"
#define IT MS_INTOTO_PAYLOAD_TYPE
#define Y2030 1893456000 /* 2030-01-01, inside every good certificate */

static struct ms_bundle read_bundle(const char *path)
{
	char *json;
	size_t len;
	struct ms_bundle b;
	ck_assert_int_eq(ms_read_file(path, MS_BUNDLE_MAX, "bundle", &json, &len), 0);
	ck_assert_int_eq(ms_bundle_parse(json, len, path, &b), 0);
	free(json);
	return b;
}

static struct ms_x509_roots *roots(const char *path)
{
	struct ms_x509_roots *r = ms_x509_roots_new();
	ck_assert_int_eq(ms_x509_roots_add_file(r, path), 0);
	return r;
}

/* ms_x509_verify on a bundle's chain at a time; *why kept for the caller. */
static int check_chain(const char *bundle, const char *root, int64_t at, const char *identity,
                       struct ms_x509_signer *s, char **why)
{
	struct ms_bundle b = read_bundle(bundle);
	struct ms_x509_roots *r = roots(root);
	struct ms_x509_check c = {
	    (const uint8_t *const *)b.certs, b.cert_lens, b.n_certs, identity, at, "test time"};
	struct ms_pubkey *key = NULL;
	int rc = ms_x509_verify(r, &c, bundle, &key, s, why);
	if (rc == MS_OK) {
		struct ms_pubkey *p384;
		ck_assert_int_eq(ms_pubkey_load(OMS "keys/signing-key-pub.pem", &p384), 0);
		ck_assert_str_eq(ms_pubkey_id(key), ms_pubkey_id(p384));
		ms_pubkey_free(p384);
	}
	ms_x509_roots_free(r); /* frees key too */
	ms_bundle_free(&b);
	return rc;
}

static void expect_fail(const char *bundle, const char *root, int64_t at, const char *identity,
                        const char *phrase)
{
	struct ms_x509_signer s;
	char *why = NULL;
	ck_assert_int_eq(check_chain(bundle, root, at, identity, &s, &why), MS_FAIL);
	ck_assert_msg(why && strstr(why, phrase), "%s: '%s' lacks '%s'", bundle, why, phrase);
	free(why);
}

START_TEST(bundle_reports_its_material)
{
	struct ms_bundle b = read_bundle(OMS "v1.1.0-certificate/model.sig");
	ck_assert_int_eq(b.cert_kind, MS_BUNDLE_CERT_CHAIN);
	ck_assert_uint_eq(b.n_certs, 2);
	ck_assert_uint_eq(b.cert_lens[0] > 100, 1);
	ck_assert_uint_eq(b.certs[0][0], 0x30); /* DER */
	ck_assert_uint_eq(b.n_tlog_entries, 0);
	ck_assert_ptr_null(b.hint);
	ms_bundle_free(&b);
	b = read_bundle(OMS "v1.1.0-sigstore/model.sig");
	ck_assert_int_eq(b.cert_kind, MS_BUNDLE_CERT_SINGLE);
	ck_assert_uint_eq(b.n_certs, 1);
	ck_assert_uint_eq(b.n_tlog_entries, 1);
	ck_assert_uint_eq(b.n_timestamps, 1);
	ms_bundle_free(&b);
	b = read_bundle(OMS "v1.1.0-elliptic-key/model.sig");
	ck_assert_int_eq(b.cert_kind, MS_BUNDLE_NO_CERT);
	ck_assert_uint_eq(b.n_certs, 0);
	ck_assert_ptr_nonnull(b.hint);
	ms_bundle_free(&b);
}
END_TEST

START_TEST(malformed_material_is_refused)
{
	static const char *const bad[] = {
	    /* two kinds of material */
	    "\"verificationMaterial\":{\"publicKey\":{},\"certificate\":{\"rawBytes\":\"MA==\"}}",
	    "\"verificationMaterial\":{\"x509CertificateChain\":{\"certificates\":[]}}",
	    "\"verificationMaterial\":{\"x509CertificateChain\":{\"certificates\":[{}]}}",
	    "\"verificationMaterial\":{\"x509CertificateChain\":{\"certificates\":[3]}}",
	    "\"verificationMaterial\":{\"x509CertificateChain\":{}}",
	    "\"verificationMaterial\":{\"certificate\":{\"rawBytes\":\"\"}}",
	    "\"verificationMaterial\":{\"certificate\":{\"rawBytes\":\"!!\"}}",
	    "\"verificationMaterial\":{\"certificate\":{\"rawBytes\":\"MA==\",\"rawBytes\":\"MA=="
	    "\"}}",
	    "\"verificationMaterial\":{\"tlogEntries\":{}}",
	    "\"verificationMaterial\":{\"timestampVerificationData\":{\"rfc3161Timestamps\":3}}",
	    "\"verificationMaterial\":{\"x509CertificateChain\":{\"certificates\":[{\"rawBytes\":"
	    "\"MA==\"},{\"rawBytes\":\"MA==\"},{\"rawBytes\":\"MA==\"},{\"rawBytes\":\"MA==\"},{"
	    "\"rawBytes\":\"MA==\"},{\"rawBytes\":\"MA==\"},{\"rawBytes\":\"MA==\"},{\"rawBytes\":"
	    "\"MA==\"},{\"rawBytes\":\"MA==\"}]}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *json = ms_asprintf("{\"mediaType\":\"%s\",%s,\"dsseEnvelope\":{\"payload\":"
		                         "\"e30=\",\"payloadType\":\"%s\",\"signatures\":[{\"sig\":"
		                         "\"AA==\"}]}}",
		                         MS_BUNDLE_MEDIA_TYPE, bad[i], IT);
		struct ms_bundle b;
		ck_assert_msg(ms_bundle_parse(json, strlen(json), "test", &b) == -1, "accepted %s",
		              bad[i]);
		free(json);
	}
}
END_TEST

START_TEST(chain_verifies_at_the_time_given)
{
	struct ms_x509_signer s;
	char *why = NULL;
	ck_assert_int_eq(
	    check_chain(CERTS "good.sig", OMS "keys/ca-cert.pem", Y2030, NULL, &s, &why), MS_OK);
	ck_assert_ptr_null(why);
	ck_assert_str_eq(s.subject, "CN=modelseal test signer");
	ck_assert_str_eq(s.root, "CN=root-ca");
	ck_assert_str_eq(s.time, "2030-01-01T00:00:00Z");
	ck_assert_str_eq(s.time_source, "test time");
	ck_assert_str_eq(s.identity, "");
	/* the same chain after the root (2035) and before the leaf (2025) */
	expect_fail(CERTS "good.sig", OMS "keys/ca-cert.pem", 2100000000, NULL, "expired on");
	expect_fail(CERTS "good.sig", OMS "keys/ca-cert.pem", 1700000000, NULL,
	            "is not valid before 2025-");
	expect_fail(CERTS "expired.sig", OMS "keys/ca-cert.pem", Y2030, NULL,
	            "expired on 2021-01-01T00:00:00Z");
	/* an expired leaf is fine at a time inside its validity */
	ck_assert_int_eq(
	    check_chain(CERTS "expired.sig", OMS "keys/ca-cert.pem", 1609900000, NULL, &s, &why),
	    MS_FAIL); /* ... but the intermediate (2025) was not valid yet */
	free(why);
}
END_TEST

START_TEST(roots_and_usages)
{
	const char *ca = OMS "keys/ca-cert.pem";
	expect_fail(CERTS "good.sig", OMS "keys/int-ca-cert.pem", Y2030, NULL,
	            "unable to get issuer certificate");
	expect_fail(CERTS "other-ca.sig", ca, Y2030, NULL, "certificate 1 'CN=intermediate-ca'");
	expect_fail(CERTS "wrong-eku.sig", ca, Y2030, NULL, "lacks EKU codeSigning");
	expect_fail(CERTS "no-eku.sig", ca, Y2030, NULL, "lacks EKU codeSigning");
	expect_fail(CERTS "no-digital-signature.sig", ca, Y2030, NULL,
	            "lacks KeyUsage digitalSignature");
	expect_fail(CERTS "tampered-intermediate.sig", ca, Y2030, NULL, "signature failure");
	struct ms_x509_signer s;
	char *why = NULL;
	ck_assert_int_eq(
	    check_chain(CERTS "other-ca.sig", CERTS "other-ca-root.pem", Y2030, NULL, &s, &why),
	    MS_OK);
	/* an empty store trusts nothing */
	struct ms_bundle b = read_bundle(CERTS "good.sig");
	struct ms_x509_roots *none = ms_x509_roots_new();
	struct ms_x509_check c = {
	    (const uint8_t *const *)b.certs, b.cert_lens, b.n_certs, NULL, Y2030, "t"};
	struct ms_pubkey *key;
	ck_assert_int_eq(ms_x509_verify(none, &c, "t", &key, &s, &why), MS_FAIL);
	free(why);
	/* malformed DER: trailing byte, truncated */
	uint8_t *copy = ms_malloc(b.cert_lens[0] + 1);
	memcpy(copy, b.certs[0], b.cert_lens[0]);
	copy[b.cert_lens[0]] = 0;
	const uint8_t *one[] = {copy};
	size_t longer[] = {b.cert_lens[0] + 1}, shorter[] = {b.cert_lens[0] - 1};
	struct ms_x509_check c2 = {one, longer, 1, NULL, Y2030, "t"};
	ck_assert_int_eq(ms_x509_verify(none, &c2, "t", &key, &s, &why), MS_ERR);
	c2.lens = shorter;
	ck_assert_int_eq(ms_x509_verify(none, &c2, "t", &key, &s, &why), MS_ERR);
	c2.n = 0;
	ck_assert_int_eq(ms_x509_verify(none, &c2, "t", &key, &s, &why), MS_ERR);
	free(copy);
	ms_x509_roots_free(none);
	ms_bundle_free(&b);
}
END_TEST

START_TEST(identity_pins_the_signer)
{
	const char *ca = OMS "keys/ca-cert.pem";
	struct ms_x509_signer s;
	char *why = NULL;
	static const char *const ok[][2] = {
	    {"signer@example.com", "email:signer@example.com"},
	    {"https://example.com/ci", "uri:https://example.com/ci"},
	    {"build.example.com", "dns:build.example.com"},
	    {"modelseal test signer", "cn:modelseal test signer"},
	};
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(check_chain(CERTS "good.sig", ca, Y2030, ok[i][0], &s, &why),
		                 MS_OK);
		ck_assert_str_eq(s.identity, ok[i][1]);
	}
	/* whole and exact: no prefix, suffix or case folding */
	expect_fail(CERTS "good.sig", ca, Y2030, "signer@example.co", "identity: expected");
	expect_fail(CERTS "good.sig", ca, Y2030, "Signer@example.com", "identity: expected");
	expect_fail(CERTS "good.sig", ca, Y2030, "example.com", "identity: expected");
	/* names come back printable */
	expect_fail(CERTS "terminal-escapes.sig", ca, Y2030, "x",
	            "email:a\\x1b[2K@example.com, cn:x\\x1b[2K\\x0dverified OK");
	ck_assert_int_eq(check_chain(CERTS "terminal-escapes.sig", ca, Y2030, NULL, &s, &why),
	                 MS_OK);
	ck_assert_str_eq(s.subject, "CN=x\\1B[2K\\0Dverified OK");
}
END_TEST

START_TEST(roots_files)
{
	struct ms_x509_roots *r = ms_x509_roots_new();
	ck_assert_int_eq(ms_x509_roots_add_file(r, OMS "keys/ca-cert.pem"), 0);
	ck_assert_int_eq(ms_x509_roots_add_file(r, OMS "keys/ca-cert.pem"), 0); /* twice */
	ck_assert_int_eq(ms_x509_roots_add_file(r, OMS "keys/signing-key-pub.pem"), -1);
	ck_assert_int_eq(ms_x509_roots_add_file(r, "tests/nonexistent.pem"), -1);
	const char cut[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
	ck_assert_int_eq(ms_x509_roots_add_pem(r, cut, sizeof cut - 1, "cut"), -1);
	ms_x509_roots_free(r);
	uint8_t **ders;
	size_t *lens, n;
	ck_assert_int_eq(
	    ms_x509_chain_load("tests/data/certs/signer-p256-chain.pem", &ders, &lens, &n), 0);
	ck_assert_uint_eq(n, 2);
	struct ms_pubkey *p384;
	ck_assert_int_eq(ms_pubkey_load(OMS "keys/signing-key-pub.pem", &p384), 0);
	ck_assert_int_eq(ms_x509_cert_has_key(ders[0], lens[0], p384, "t"), 0);
	ck_assert_int_eq(ms_x509_cert_has_key(ders[0], lens[0] - 1, p384, "t"), -1);
	ms_pubkey_free(p384);
	ms_x509_chain_free(ders, lens, n);
}
END_TEST

/* ms_bundle_verify_trust: certificate bundles need roots, keys need no
 * certificate, --ignore-certificate is recorded, the compat form only for
 * the legacy predicate. */
START_TEST(bundle_trust_rules)
{
	char *json;
	size_t len;
	struct ms_pubkey *p384;
	ck_assert_int_eq(ms_pubkey_load(OMS "keys/signing-key-pub.pem", &p384), 0);
	struct ms_pubkey *const keys[] = {p384};
	struct ms_x509_roots *r = roots(OMS "keys/ca-cert.pem");
	struct ms_bundle_result res;

	ck_assert_int_eq(
	    ms_read_file(OMS "v1.1.0-certificate/model.sig", MS_BUNDLE_MAX, "b", &json, &len), 0);
	struct ms_bundle_trust t = {keys, 1, NULL, NULL, 0, Y2030};
	ck_assert_int_eq(ms_bundle_verify_trust(json, len, "b", IT, &t, &res), MS_FAIL);
	ck_assert_ptr_nonnull(strstr(res.why, "certificate: the bundle carries an X.509"));
	ms_bundle_result_free(&res);
	t.ignore_certificate = 1;
	ck_assert_int_eq(ms_bundle_verify_trust(json, len, "b", IT, &t, &res), MS_OK);
	ck_assert_int_eq(res.certificate_ignored, 1);
	ck_assert_int_eq(res.has_cert, 0);
	ck_assert_ptr_eq(res.signer, p384);
	ms_bundle_result_free(&res);
	struct ms_bundle_trust tc = {NULL, 0, r, NULL, 0, Y2030};
	ck_assert_int_eq(ms_bundle_verify_trust(json, len, "b", IT, &tc, &res), MS_OK);
	ck_assert_int_eq(res.has_cert, 1);
	ck_assert_int_eq(res.legacy_signature, 0);
	ck_assert_str_eq(ms_pubkey_id(res.signer), ms_pubkey_id(p384));
	ck_assert_str_eq(res.cert.time, "2030-01-01T00:00:00Z");
	ms_bundle_result_free(&res);
	free(json);

	/* 0.2.0: only the compat signature verifies, and it is reported */
	ck_assert_int_eq(
	    ms_read_file(OMS "v0.2.0-certificate/model.sig", MS_BUNDLE_MAX, "b", &json, &len), 0);
	ck_assert_int_eq(ms_bundle_verify_trust(json, len, "b", IT, &tc, &res), MS_OK);
	ck_assert_int_eq(res.legacy_signature, 1);
	ms_bundle_result_free(&res);
	free(json);

	/* a key bundle: no key, or an identity to match, fails */
	ck_assert_int_eq(
	    ms_read_file(OMS "v1.1.0-elliptic-key/model.sig", MS_BUNDLE_MAX, "b", &json, &len), 0);
	ck_assert_int_eq(ms_bundle_verify_trust(json, len, "b", IT, &tc, &res), MS_FAIL);
	ms_bundle_result_free(&res);
	t.identity = "someone";
	ck_assert_int_eq(ms_bundle_verify_trust(json, len, "b", IT, &t, &res), MS_FAIL);
	ck_assert_ptr_nonnull(strstr(res.why, "identity: "));
	ms_bundle_result_free(&res);
	free(json);
	ms_x509_roots_free(r);
	ms_pubkey_free(p384);
}
END_TEST

START_TEST(compat_pae_is_python_repr)
{
	size_t n;
	uint8_t *p = ms_dsse_pae_compat("t", (const uint8_t *)"a'\\\n\x01\x7f\xff", 7, &n);
	const char want[] = "DSSEV1 1 t 7 b\"a'\\\\\\n\\x01\\x7f\\xff\"";
	ck_assert_uint_eq(n, sizeof want - 1);
	ck_assert_mem_eq(p, want, n);
	free(p);
	p = ms_dsse_pae_compat("t", (const uint8_t *)"'\"\t\r", 4, &n);
	const char want2[] = "DSSEV1 1 t 4 b'\\'\"\\t\\r'";
	ck_assert_uint_eq(n, sizeof want2 - 1);
	ck_assert_mem_eq(p, want2, n);
	free(p);
}
END_TEST

static Suite *x509_suite(void)
{
	Suite *s = suite_create("x509");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, bundle_reports_its_material);
	tcase_add_test(tc, malformed_material_is_refused);
	tcase_add_test(tc, chain_verifies_at_the_time_given);
	tcase_add_test(tc, roots_and_usages);
	tcase_add_test(tc, identity_pins_the_signer);
	tcase_add_test(tc, roots_files);
	tcase_add_test(tc, bundle_trust_rules);
	tcase_add_test(tc, compat_pae_is_python_repr);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(x509_suite)
