/* Fixtures shared by the tests of src/sigstore/: the public trusted roots and
 * the production keyless bundles (tests/interop/), parsed. */
#ifndef MODELSEAL_SIGSTORE_FIXTURES_H
#define MODELSEAL_SIGSTORE_FIXTURES_H

#include <check.h>
#include <stdlib.h>

#include "modelseal/sigstore.h"
#include "modelseal/util.h"

#define SS_PROD "tests/interop/sigstore/trusted_root.production.json"
#define SS_STAGING "tests/interop/sigstore/trusted_root.staging.json"
#define SS_V031 "tests/interop/oms/v0.3.1-sigstore/model.sig"
#define SS_V110 "tests/interop/oms/v1.1.0-sigstore/model.sig"
#define SS_REKOR2 "tests/data/sigstore/rekor2-dsse.sigstore.json"
#define SS_MUTANTS "tests/data/sigstore/mutants/"
#define SS_IDENTITY "stefanb@us.ibm.com"
#define SS_ISSUER "https://sigstore.verify.ibm.com/oauth2"
#define SS_V031_TIME 1746234602 /* integratedTime of the v0.3.1 entry */

__attribute__((noinline, unused)) static char *ss_read(const char *path, size_t *len)
{
	char *json;
	size_t n;
	ck_assert_int_eq(ms_read_file(path, (size_t)1 << 20, "fixture", &json, &n), 0);
	if (len)
		*len = n;
	return json;
}

static inline void ss_root(const char *path, struct ms_trusted_root *tr)
{
	ck_assert_int_eq(ms_trusted_root_load(path, tr), 0);
}

static inline void ss_bundle(const char *path, struct ms_sigstore_bundle *b)
{
	size_t len;
	char *json = ss_read(path, &len);
	ck_assert_int_eq(ms_sigstore_bundle_parse(json, len, path, b), 0);
	free(json);
}

/* The production root and bundles, for a checked fixture (ss_setup,
 * ss_teardown); tests may change them, each test gets fresh ones. */
__attribute__((unused)) static struct ms_trusted_root tr;
__attribute__((unused)) static struct ms_sigstore_bundle b031, b110;

__attribute__((unused)) static void ss_setup(void)
{
	ss_root(SS_PROD, &tr);
	ss_bundle(SS_V031, &b031);
	ss_bundle(SS_V110, &b110);
}

__attribute__((unused)) static void ss_teardown(void)
{
	ms_sigstore_bundle_free(&b031);
	ms_sigstore_bundle_free(&b110);
	ms_trusted_root_free(&tr);
}

#endif
