/* Unit tests for the transparency log checks of src/sigstore/: Merkle
 * inclusion proofs (merkle.c), checkpoints (checkpoint.c), Rekor bodies and
 * signed entry timestamps (rekor.c). */
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <string.h>

#include "check_main.h"
#include "modelseal/b64.h"
#include "modelseal/bundle.h"
#include "sigstore_fixtures.h"

/* ---- a reference Merkle tree, straight from RFC 6962 section 2.1 ---- */

#define LEAVES 17

static void leaf_data(size_t i, char out[16])
{
	snprintf(out, 16, "leaf %zu", i);
}

static void mth(size_t lo, size_t hi, uint8_t out[32])
{
	if (hi - lo == 1) {
		char d[16], buf[17];
		leaf_data(lo, d);
		buf[0] = 0;
		memcpy(buf + 1, d, strlen(d));
		SHA256((uint8_t *)buf, 1 + strlen(d), out);
		return;
	}
	size_t k = 1;
	while (k * 2 < hi - lo)
		k *= 2;
	uint8_t buf[65];
	buf[0] = 1;
	mth(lo, lo + k, buf + 1);
	mth(lo + k, hi, buf + 33);
	SHA256(buf, sizeof buf, out);
}

/* PATH(m, D[lo:hi]) appended to path. */
static void audit_path(size_t m, size_t lo, size_t hi, uint8_t (*path)[32], size_t *n)
{
	if (hi - lo == 1)
		return;
	size_t k = 1;
	while (k * 2 < hi - lo)
		k *= 2;
	if (m < k) {
		audit_path(m, lo, lo + k, path, n);
		mth(lo + k, hi, path[(*n)++]);
	} else {
		audit_path(m - k, lo + k, hi, path, n);
		mth(lo, lo + k, path[(*n)++]);
	}
}

START_TEST(inclusion_proofs_of_every_leaf)
{
	for (size_t size = 1; size <= LEAVES; size++) {
		uint8_t root[32];
		mth(0, size, root);
		for (size_t m = 0; m < size; m++) {
			uint8_t path[64][32];
			size_t n = 0;
			char d[16], *why = NULL;
			audit_path(m, 0, size, path, &n);
			leaf_data(m, d);
			const uint8_t *body = (const uint8_t *)d;
			size_t len = strlen(d);
			ck_assert_msg(ms_merkle_inclusion(body, len, m, size,
			                                  (const uint8_t(*)[32])path, n, root,
			                                  &why) == 0,
			              "leaf %zu of %zu: %s", m, size, why);
			/* Another leaf, index or path must not lead there. (The size alone
			 * may: leaf 0 of 3 and of 4 share the shape of their path. The
			 * checkpoint signs size and root together.) */
			ck_assert_int_eq(ms_merkle_inclusion(body, len - 1, m, size,
			                                     (const uint8_t(*)[32])path, n, root,
			                                     &why),
			                 -1);
			if (size > 1) {
				ck_assert_int_eq(
				    ms_merkle_inclusion(body, len, (m + 1) % size, size,
				                        (const uint8_t(*)[32])path, n, root, &why),
				    -1);
				path[n - 1][0] ^= 1;
				ck_assert_int_eq(ms_merkle_inclusion(body, len, m, size,
				                                     (const uint8_t(*)[32])path, n,
				                                     root, &why),
				                 -1);
				ck_assert_int_eq(ms_merkle_inclusion(body, len, m, size,
				                                     (const uint8_t(*)[32])path,
				                                     n - 1, root, &why),
				                 -1);
			}
			ck_assert_int_eq(ms_merkle_inclusion(body, len, size, size,
			                                     (const uint8_t(*)[32])path, n, root,
			                                     &why),
			                 -1);
			free(why);
		}
	}
}
END_TEST

/* ---- the production bundles ---- */

static const struct ms_tr_log *rekor(void)
{
	return &tr.tlogs[0];
}

START_TEST(real_proofs_verify)
{
	char *why = NULL;
	const struct ms_sigstore_bundle *bs[] = {&b031, &b110};
	for (size_t i = 0; i < 2; i++) {
		const struct ms_tlog_entry *e = &bs[i]->tlog[0];
		ck_assert_int_eq(ms_merkle_inclusion(e->body, e->body_len, e->proof_index,
		                                     e->tree_size, (const uint8_t(*)[32])e->hashes,
		                                     e->n_hashes, e->root_hash, &why),
		                 0);
		ck_assert_int_eq(
		    ms_signed_note_verify(e->checkpoint, rekor(), e->tree_size, e->root_hash, &why),
		    0);
		ck_assert_int_eq(ms_rekor_set_verify(e, rekor(), &why), 0);
		ck_assert_int_eq(ms_rekor_body_check(e, bs[i], &why), 0);
	}
	ck_assert_ptr_null(why);
}
END_TEST

static int checkpoint_with(const char *from, const char *to)
{
	const struct ms_tlog_entry *e = &b031.tlog[0];
	char *at = strstr(e->checkpoint, from);
	ck_assert_ptr_nonnull(at);
	char *note = ms_asprintf("%.*s%s%s", (int)(at - e->checkpoint), e->checkpoint, to,
	                         at + strlen(from));
	char *why = NULL;
	int rc = ms_signed_note_verify(note, rekor(), e->tree_size, e->root_hash, &why);
	ck_assert(rc == 0 || why != NULL);
	free(why);
	free(note);
	return rc;
}

START_TEST(checkpoint_tampering_fails)
{
	const struct ms_tlog_entry *e = &b031.tlog[0];
	char *why = NULL;
	/* Unchanged text, other tree: size or root of the proof differ. */
	ck_assert_int_eq(
	    ms_signed_note_verify(e->checkpoint, rekor(), e->tree_size + 1, e->root_hash, &why), -1);
	ck_assert_int_eq(ms_signed_note_verify(e->checkpoint, rekor(), e->tree_size,
	                                      b110.tlog[0].root_hash, &why),
	                 -1);
	/* Another log's key (the Ed25519 one): not signed by it. */
	ck_assert_int_eq(
	    ms_signed_note_verify(e->checkpoint, &tr.tlogs[1], e->tree_size, e->root_hash, &why),
	    -1);
	ck_assert_ptr_nonnull(strstr(why, "not signed"));
	free(why);
	/* Each part of the note. */
	ck_assert_int_eq(checkpoint_with("", ""), 0);
	ck_assert_int_eq(checkpoint_with("rekor.sigstore.dev - 1", "rekor.sigstore.dev - 2"), -1);
	ck_assert_int_eq(checkpoint_with("84437788\n", "84437788\nextra line\n"), -1);
	ck_assert_int_eq(checkpoint_with("\n\n", "\n"), -1);
	ck_assert_int_eq(checkpoint_with("\xe2\x80\x94 rekor", "- rekor"), -1);
	ck_assert_int_eq(checkpoint_with("wNI9ajBFAiEA4hj", "wNI9ajBFAiEA4hi"), -1);
	ck_assert_int_eq(checkpoint_with("Scp\n", "Scp"), -1);
	/* A cosignature by some other key (a witness) is fine beside the log's. */
	ck_assert_int_eq(checkpoint_with("Scp\n", "Scp\n\xe2\x80\x94 witness AAAAAAAAAAAAAA==\n"),
	                 0);
}
END_TEST

START_TEST(set_covers_every_field)
{
	struct ms_tlog_entry e = b031.tlog[0];
	char *why = NULL;
	e.integrated_time++;
	ck_assert_int_eq(ms_rekor_set_verify(&e, rekor(), &why), -1);
	e = b031.tlog[0];
	e.log_index--;
	ck_assert_int_eq(ms_rekor_set_verify(&e, rekor(), &why), -1);
	e = b031.tlog[0];
	e.body_b64 = b110.tlog[0].body_b64;
	ck_assert_int_eq(ms_rekor_set_verify(&e, rekor(), &why), -1);
	e = b031.tlog[0];
	e.set = b110.tlog[0].set;
	e.set_len = b110.tlog[0].set_len;
	ck_assert_int_eq(ms_rekor_set_verify(&e, rekor(), &why), -1);
	e = b031.tlog[0];
	ck_assert_int_eq(ms_rekor_set_verify(&e, &tr.tlogs[1], &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "signed entry timestamp"));
	free(why);
}
END_TEST

/* The entry of b031 with its body replaced by json. */
static int body_check(const char *json, const char *kind, const char *version,
                      const struct ms_sigstore_bundle *b)
{
	struct ms_tlog_entry e = b031.tlog[0];
	e.body = (uint8_t *)json;
	e.body_len = strlen(json);
	e.kind = (char *)kind;
	e.version = (char *)version;
	char *why = NULL;
	int rc = ms_rekor_body_check(&e, b, &why);
	ck_assert(rc == 0 || why != NULL);
	free(why);
	return rc;
}

static char *cert_pem_b64(X509 *x)
{
	BIO *bio = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(bio, x);
	char *pem;
	long n = BIO_get_mem_data(bio, &pem);
	char *out = ms_b64_encode(pem, (size_t)n);
	BIO_free(bio);
	return out;
}

static char *payload_hex(const struct ms_sigstore_bundle *b)
{
	uint8_t md[32];
	char *hex = ms_malloc(65);
	SHA256(b->payload, b->payload_len, md);
	ms_hex_encode(md, 32, hex);
	return hex;
}

START_TEST(dsse_v001_bodies)
{
	char *sig = ms_b64_encode(b031.sig, b031.sig_len), *pem = cert_pem_b64(b031.cert);
	char *hex = payload_hex(&b031), *other_pem = cert_pem_b64(b110.cert);
	const char *fmt = "{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{\"payloadHash\":{"
	                  "\"algorithm\":\"%s\",\"value\":\"%s\"},\"signatures\":[{\"signature\":"
	                  "\"%s\",\"verifier\":\"%s\"}%s]}}";
	char *good = ms_asprintf(fmt, "sha256", hex, sig, pem, "");
	ck_assert_int_eq(body_check(good, "dsse", "0.0.1", &b031), 0);
	ck_assert_int_eq(body_check(good, "dsse", "0.0.1", &b110), -1); /* other bundle */
	ck_assert_int_eq(body_check(good, "intoto", "0.0.2", &b031), -1);
	char *cases[] = {
	    ms_asprintf(fmt, "sha512", hex, sig, pem, ""),
	    ms_asprintf(fmt, "sha256", "00", sig, pem, ""),
	    ms_asprintf(fmt, "sha256", hex, "AAAA", pem, ""),
	    ms_asprintf(fmt, "sha256", hex, sig, other_pem, ""),
	    ms_asprintf(fmt, "sha256", hex, sig, pem, ",{\"signature\":\"AAAA\"}"),
	};
	for (size_t i = 0; i < MS_ARRAY_LEN(cases); i++) {
		ck_assert_msg(body_check(cases[i], "dsse", "0.0.1", &b031) == -1, "case %zu", i);
		free(cases[i]);
	}
	ck_assert_int_eq(body_check("[]", "dsse", "0.0.1", &b031), -1);
	ck_assert_int_eq(body_check("{\"apiVersion\":\"0.0.1\",\"kind\":\"rekord\",\"spec\":{}}",
	                            "rekord", "0.0.1", &b031),
	                 -1);
	free(good);
	free(sig);
	free(pem);
	free(hex);
	free(other_pem);
}
END_TEST

START_TEST(intoto_v002_bodies)
{
	char *sig = ms_b64_encode(b031.sig, b031.sig_len), *pem = cert_pem_b64(b031.cert);
	char *sig2 = ms_b64_encode(sig, strlen(sig)), *hex = payload_hex(&b031);
	const char *fmt = "{\"apiVersion\":\"0.0.2\",\"kind\":\"intoto\",\"spec\":{\"content\":{"
	                  "\"envelope\":{\"payloadType\":\"%s\",\"signatures\":[{\"publicKey\":"
	                  "\"%s\",\"sig\":\"%s\"}]},\"hash\":{\"algorithm\":\"sha256\",\"value\":"
	                  "\"00\"},\"payloadHash\":{\"algorithm\":\"sha256\",\"value\":\"%s\"}}}}";
	char *good = ms_asprintf(fmt, MS_INTOTO_PAYLOAD_TYPE, pem, sig2, hex);
	ck_assert_int_eq(body_check(good, "intoto", "0.0.2", &b031), 0);
	char *cases[] = {
	    ms_asprintf(fmt, "text/plain", pem, sig2, hex),
	    ms_asprintf(fmt, MS_INTOTO_PAYLOAD_TYPE, pem, sig, hex), /* encoded once only */
	    ms_asprintf(fmt, MS_INTOTO_PAYLOAD_TYPE, sig, sig2, hex),
	    ms_asprintf(fmt, MS_INTOTO_PAYLOAD_TYPE, pem, sig2, "00"),
	};
	for (size_t i = 0; i < MS_ARRAY_LEN(cases); i++) {
		ck_assert_msg(body_check(cases[i], "intoto", "0.0.2", &b031) == -1, "case %zu", i);
		free(cases[i]);
	}
	free(good);
	free(sig);
	free(sig2);
	free(pem);
	free(hex);
}
END_TEST

START_TEST(dsse_v002_bodies)
{
	uint8_t md[32];
	unsigned char *der = NULL;
	int der_len = i2d_X509(b031.cert, &der);
	SHA256(b031.payload, b031.payload_len, md);
	char *sig = ms_b64_encode(b031.sig, b031.sig_len), *hash = ms_b64_encode(md, 32);
	char *cert = ms_b64_encode(der, (size_t)der_len);
	const char *fmt =
	    "{\"apiVersion\":\"0.0.2\",\"kind\":\"dsse\",\"spec\":{\"dsseV002\":{"
	    "\"payloadHash\":{\"algorithm\":\"%s\",\"digest\":\"%s\"},\"signatures\":"
	    "[{\"content\":\"%s\",\"verifier\":{\"keyDetails\":"
	    "\"PKIX_ECDSA_P256_SHA_256\",\"x509Certificate\":{\"rawBytes\":\"%s\"}}}]}}}";
	char *good = ms_asprintf(fmt, "SHA2_256", hash, sig, cert);
	ck_assert_int_eq(body_check(good, "dsse", "0.0.2", &b031), 0);
	ck_assert_int_eq(body_check(good, "dsse", "0.0.2", &b110), -1);
	char *cases[] = {
	    ms_asprintf(fmt, "SHA2_384", hash, sig, cert),
	    ms_asprintf(fmt, "SHA2_256", sig, sig, cert),
	    ms_asprintf(fmt, "SHA2_256", hash, hash, cert),
	    ms_asprintf(fmt, "SHA2_256", hash, sig, sig),
	};
	for (size_t i = 0; i < MS_ARRAY_LEN(cases); i++) {
		ck_assert_msg(body_check(cases[i], "dsse", "0.0.2", &b031) == -1, "case %zu", i);
		free(cases[i]);
	}
	free(good);
	free(sig);
	free(hash);
	free(cert);
	OPENSSL_free(der);
}
END_TEST

START_TEST(rekor_v2_body)
{
	struct ms_sigstore_bundle b2;
	ss_bundle(SS_REKOR2, &b2);
	char *why = NULL;
	ck_assert_int_eq(ms_rekor_body_check(&b2.tlog[0], &b2, &why), 0);
	/* The same entry for the payload of another envelope. */
	ck_assert_int_eq(ms_rekor_body_check(&b2.tlog[0], &b031, &why), -1);
	b2.payload[0] ^= 1;
	ck_assert_int_eq(ms_rekor_body_check(&b2.tlog[0], &b2, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "digest"));
	free(why);
	ms_sigstore_bundle_free(&b2);
}
END_TEST

static Suite *sigstore_tlog_suite(void)
{
	Suite *s = suite_create("sigstore_tlog");
	TCase *tc = tcase_create("merkle");
	tcase_add_test(tc, inclusion_proofs_of_every_leaf);
	suite_add_tcase(s, tc);
	tc = tcase_create("rekor");
	tcase_add_checked_fixture(tc, ss_setup, ss_teardown);
	tcase_add_test(tc, real_proofs_verify);
	tcase_add_test(tc, checkpoint_tampering_fails);
	tcase_add_test(tc, set_covers_every_field);
	tcase_add_test(tc, dsse_v001_bodies);
	tcase_add_test(tc, intoto_v002_bodies);
	tcase_add_test(tc, dsse_v002_bodies);
	tcase_add_test(tc, rekor_v2_body);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(sigstore_tlog_suite)
