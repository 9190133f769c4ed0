/* Keyless Sigstore bundles and their transparency log entries
 * (ms_sigstore_bundle_parse), then every check that reads what the log
 * entry carries: the Rekor body, the inclusion proof, the checkpoint note,
 * the signed entry timestamp, and the certificate's identity and issuer,
 * with the public Rekor key, and the whole verification. An entry that
 * passes the checkpoint check has a note naming the proof's tree size; a
 * bundle that verifies hands back a payload and a signer, one that does not
 * hands back nothing. */
#include "fuzz.h"
#include "modelseal/b64.h"
#include "modelseal/sigstore.h"
#include "modelseal/util.h"

#include <openssl/sha.h>

/* The production trusted root, found from the fuzzer's path
 * (build-fuzz/fuzz_tlog -> tests/interop/sigstore/) or
 * $MS_FUZZ_TRUSTED_ROOT, so whole bundles also go through
 * ms_sigstore_verify: chain, SCT, timestamps, identity. */
static struct ms_trusted_root root;
static int have_root;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	ms_fuzz_quiet();
	const char *env = getenv("MS_FUZZ_TRUSTED_ROOT");
	char *dir = ms_dirname((*argv)[0]);
	char *path =
	    env ? ms_strdup(env)
	        : ms_asprintf("%s/../tests/interop/sigstore/trusted_root.production.json", dir);
	have_root = ms_trusted_root_load(path, &root) == 0;
	if (!have_root)
		dprintf(2, "fuzz_tlog: no trusted root at %s: bundles are only parsed\n", path);
	free(path);
	free(dir);
	return 0;
}

/* rekor.sigstore.dev's key, as the production trusted root has it. */
static const char rekor_spki[] = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAF"
                                 "wrkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==";
static struct ms_tr_log rekor;

static void load_key(void)
{
	uint8_t *der;
	size_t len;
	if (rekor.key)
		return;
	if (ms_b64_decode(rekor_spki, strlen(rekor_spki), "key", &der, &len) < 0)
		abort();
	const unsigned char *p = der;
	rekor.key = d2i_PUBKEY(NULL, &p, (long)len);
	rekor.id = ms_malloc(32);
	rekor.id_len = 32;
	SHA256(der, len, rekor.id);
	rekor.base_url = "https://rekor.sigstore.dev";
	rekor.valid.end = INT64_MAX;
	free(der);
	if (!rekor.key)
		abort();
}

static void check_entry(const struct ms_sigstore_bundle *b, const struct ms_tlog_entry *e)
{
	char *why = NULL;
	ms_rekor_body_check(e, b, &why);
	if (e->has_proof) {
		ms_merkle_inclusion(e->body, e->body_len, e->proof_index, e->tree_size,
		                    (const uint8_t(*)[32])e->hashes, e->n_hashes, e->root_hash,
		                    &why);
		if (ms_signed_note_verify(e->checkpoint, &rekor, e->tree_size, e->root_hash, &why) ==
		    0) {
			char size[32];
			snprintf(size, sizeof size, "\n%llu\n", (unsigned long long)e->tree_size);
			MS_FUZZ_ASSERT(strstr(e->checkpoint, size) != NULL);
		}
	}
	if (e->set)
		ms_rekor_set_verify(e, &rekor, &why);
	free(why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_sigstore_bundle b;
	load_key();
	int keyless = ms_sigstore_bundle_is_keyless((const char *)data, size);
	if (ms_sigstore_bundle_parse((const char *)data, size, "bundle", &b) < 0)
		return 0;
	MS_FUZZ_ASSERT(keyless); /* what parses is what the router sends here */
	MS_FUZZ_ASSERT(b.cert && b.n_tlog >= 1 && b.payload_type && b.sig);
	for (size_t i = 0; i < b.n_tlog; i++)
		check_entry(&b, &b.tlog[i]);
	char *why = NULL;
	free(ms_cert_identity(b.cert, NULL));
	free(ms_cert_issuer(b.cert, &why));
	free(why);
	ms_sigstore_bundle_free(&b);
	struct ms_sigstore_result r = {0};
	if (have_root &&
	    ms_sigstore_verify((const char *)data, size, "bundle", &root,
	                       "application/vnd.in-toto+json", NULL, NULL, &r) == MS_OK)
		MS_FUZZ_ASSERT(r.payload && r.identity && r.issuer && r.time > 0 && !r.problem);
	else if (have_root)
		MS_FUZZ_ASSERT(!r.payload);
	ms_sigstore_result_free(&r);
	return 0;
}
