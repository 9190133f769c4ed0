/* Unit tests for src/sigstore/verify.c: whole keyless bundles, good and
 * mutated (tests/data/sigstore/mutants/, made by make-mutants.py), and the
 * DSSE cases of sigstore-conformance. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "modelseal/bundle.h"
#include "sigstore_fixtures.h"

static struct ms_trusted_root prod;

static void setup(void)
{
	ss_root(SS_PROD, &prod);
}

static void teardown(void)
{
	ms_trusted_root_free(&prod);
}

static int verify(const char *path, const struct ms_trusted_root *root, const char *identity,
                  const char *issuer, struct ms_sigstore_result *res)
{
	size_t len;
	char *json = ss_read(path, &len);
	int rc = ms_sigstore_verify(json, len, path, root, MS_INTOTO_PAYLOAD_TYPE, identity, issuer,
	                            res);
	free(json);
	return rc;
}

START_TEST(production_bundles_verify)
{
	static const char *const paths[] = {SS_V031, SS_V110};
	static const int64_t times[] = {SS_V031_TIME, 1760062340};
	for (size_t i = 0; i < 2; i++) {
		struct ms_sigstore_result r;
		ck_assert_int_eq(verify(paths[i], &prod, SS_IDENTITY, SS_ISSUER, &r), MS_OK);
		ck_assert_str_eq(r.identity, SS_IDENTITY);
		ck_assert_str_eq(r.issuer, SS_ISSUER);
		ck_assert_int_eq(r.time, times[i]);
		ck_assert_ptr_nonnull(memmem(r.payload, r.payload_len, "signme-2", 8));
		ck_assert_ptr_null(r.problem);
		ms_sigstore_result_free(&r);
	}
}
END_TEST

START_TEST(wrong_identity_or_issuer_fails)
{
	struct ms_sigstore_result r;
	ck_assert_int_eq(verify(SS_V031, &prod, "eve@example.com", SS_ISSUER, &r), MS_FAIL);
	ck_assert_str_eq(r.problem,
	                 "identity: expected 'eve@example.com', found 'stefanb@us.ibm.com'");
	ck_assert_ptr_null(r.payload);
	ms_sigstore_result_free(&r);
	ck_assert_int_eq(verify(SS_V110, &prod, SS_IDENTITY, "https://accounts.google.com", &r),
	                 MS_FAIL);
	ck_assert_str_eq(r.problem, "issuer: expected 'https://accounts.google.com', found "
	                            "'https://sigstore.verify.ibm.com/oauth2'");
	ms_sigstore_result_free(&r);
	/* A prefix is not the identity. */
	ck_assert_int_eq(verify(SS_V031, &prod, "stefanb@us.ibm.co", SS_ISSUER, &r), MS_FAIL);
	ms_sigstore_result_free(&r);
}
END_TEST

START_TEST(rekor_v2_bundle_verifies)
{
	struct ms_trusted_root staging;
	struct ms_sigstore_result r;
	ss_root(SS_STAGING, &staging);
	ck_assert_int_eq(verify(SS_REKOR2, &staging,
	                        "https://github.com/sigstore-conformance/"
	                        "extremely-dangerous-public-oidc-beacon/.github/workflows/"
	                        "extremely-dangerous-oidc-beacon.yml@refs/heads/main",
	                        "https://token.actions.githubusercontent.com", &r),
	                 MS_OK);
	ck_assert_str_eq(r.time_source, "timestamp authority");
	ms_sigstore_result_free(&r);
	/* Without its timestamp a Rekor v2 entry has no time at all. */
	size_t len;
	char *json = ss_read(SS_REKOR2, &len);
	char *tvd = strstr(json, "\"rfc3161Timestamps\"");
	ck_assert_ptr_nonnull(tvd);
	memcpy(tvd, "\"rfc3161TimestampX\"", 19);
	ck_assert_int_eq(
	    ms_sigstore_verify(json, len, "b", &staging, MS_INTOTO_PAYLOAD_TYPE, NULL, NULL, &r),
	    MS_FAIL);
	ck_assert_ptr_nonnull(strstr(r.problem, "no trusted time"));
	ms_sigstore_result_free(&r);
	free(json);
	/* Not against the production root: other logs, CAs, TSA. */
	ck_assert_int_eq(verify(SS_REKOR2, &prod, NULL, NULL, &r), MS_FAIL);
	ms_sigstore_result_free(&r);
	/* And the production bundles not against the staging root. */
	ck_assert_int_eq(verify(SS_V031, &staging, NULL, NULL, &r), MS_FAIL);
	ms_sigstore_result_free(&r);
	ms_trusted_root_free(&staging);
}
END_TEST

START_TEST(every_mutant_fails)
{
	FILE *f = fopen(SS_MUTANTS "index.tsv", "r");
	ck_assert_ptr_nonnull(f);
	char line[512];
	size_t n = 0;
	while (fgets(line, sizeof line, f)) {
		char *tab = strchr(line, '\t');
		ck_assert_ptr_nonnull(tab);
		*tab = '\0';
		tab[strcspn(tab + 1, "\n") + 1] = '\0';
		char *path = ms_asprintf(SS_MUTANTS "%s", line);
		struct ms_sigstore_result r;
		ck_assert_msg(verify(path, &prod, SS_IDENTITY, SS_ISSUER, &r) == MS_FAIL, "%s",
		              line);
		ck_assert_msg(strstr(r.problem, tab + 1) != NULL, "%s: '%s' does not say '%s'",
		              line, r.problem, tab + 1);
		ck_assert_ptr_null(r.payload);
		ms_sigstore_result_free(&r);
		free(path);
		n++;
	}
	fclose(f);
	ck_assert_uint_ge(n, 40);
}
END_TEST

#define CONF "tests/data/sigstore/conformance/"
#define BEACON_ID                                                                                  \
	"https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"          \
	".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
#define BEACON_ISSUER "https://token.actions.githubusercontent.com"

/* The DSSE cases of sigstore-conformance: *_fail must fail, the rest pass. */
START_TEST(conformance_cases)
{
	DIR *d = opendir(CONF);
	ck_assert_ptr_nonnull(d);
	struct dirent *de;
	size_t n = 0, failing = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *root_path = ms_asprintf(CONF "%s/trusted_root.json", de->d_name);
		char *bundle = ms_asprintf(CONF "%s/bundle.sigstore.json", de->d_name);
		struct ms_trusted_root custom, *root = &prod;
		if (access(root_path, F_OK) == 0) {
			ss_root(root_path, &custom);
			root = &custom;
		}
		int fail = strstr(de->d_name, "_fail") != NULL;
		struct ms_sigstore_result r;
		int rc = verify(bundle, root, BEACON_ID, BEACON_ISSUER, &r);
		ck_assert_msg(rc == (fail ? MS_FAIL : MS_OK), "%s: %d (%s)", de->d_name, rc,
		              r.problem ? r.problem : "");
		ms_sigstore_result_free(&r);
		if (root == &custom)
			ms_trusted_root_free(&custom);
		free(root_path);
		free(bundle);
		n++;
		failing += fail;
	}
	closedir(d);
	ck_assert_uint_eq(n, 14);
	ck_assert_uint_eq(failing, 11);
}
END_TEST

START_TEST(malformed_or_other_payload_is_an_error)
{
	struct ms_sigstore_result r;
	size_t len;
	char *json = ss_read(SS_V031, &len);
	ck_assert_int_eq(ms_sigstore_verify(json, len, "b", &prod, "text/plain", NULL, NULL, &r),
	                 MS_ERR);
	ck_assert_int_eq(
	    ms_sigstore_verify(json, len - 3, "b", &prod, MS_INTOTO_PAYLOAD_TYPE, NULL, NULL, &r),
	    MS_ERR);
	free(json);
}
END_TEST

static Suite *sigstore_verify_suite(void)
{
	Suite *s = suite_create("sigstore_verify");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, production_bundles_verify);
	tcase_add_test(tc, wrong_identity_or_issuer_fails);
	tcase_add_test(tc, rekor_v2_bundle_verifies);
	tcase_add_test(tc, every_mutant_fails);
	tcase_add_test(tc, conformance_cases);
	tcase_add_test(tc, malformed_or_other_payload_is_an_error);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(sigstore_verify_suite)
