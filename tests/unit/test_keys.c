/* Unit tests for src/keys.c and src/passphrase.c. Run from the repository
 * root (make check does): fixtures are in tests/data/keys/. */
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "modelseal/keys.h"
#include "modelseal/util.h"

#define KEYS "tests/data/keys/"
#define INTEROP_KEY "tests/interop/oms/keys/signing-key-pub.pem"

static char scratch[64];

static void make_scratch(void)
{
	strcpy(scratch, "/tmp/ms-keys-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(scratch));
	unsetenv(MS_PASSPHRASE_ENV);
}

static void remove_scratch(void)
{
	char *cmd = ms_asprintf("rm -rf '%s'", scratch);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* A copy of a fixture in the scratch directory with the given mode (git
 * keeps every file 0644). */
static char *copy_key(const char *name, mode_t mode)
{
	char *src = ms_asprintf(KEYS "%s", name), *data;
	size_t len;
	ck_assert_int_eq(ms_read_file(src, 1 << 16, "fixture", &data, &len), 0);
	char *dst = ms_asprintf("%s/%s", scratch, name);
	ck_assert_int_eq(ms_write_atomic(dst, data, len, mode), 0);
	free(data);
	free(src);
	return dst;
}

static char *write_scratch(const char *name, const char *text, mode_t mode)
{
	char *path = ms_asprintf("%s/%s", scratch, name);
	ck_assert_int_eq(ms_write_atomic(path, text, strlen(text), mode), 0);
	return path;
}

START_TEST(interop_ecdsa_p384_key_and_id)
{
	struct ms_pubkey *k;
	ck_assert_int_eq(ms_pubkey_load(INTEROP_KEY, &k), 0);
	ck_assert_int_eq(ms_pubkey_alg(k), MS_KEY_ECDSA_P384);
	ck_assert_str_eq(ms_key_alg_name(ms_pubkey_alg(k)), "ecdsa-p384");
	/* the hint model_signing 1.1.0 wrote for this key */
	ck_assert_str_eq(ms_pubkey_id(k),
	                 "e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e");
	ck_assert_ptr_nonnull(strstr(ms_pubkey_pem(k), "-----BEGIN PUBLIC KEY-----\nMHYw"));
	ck_assert_ptr_null(strstr(ms_pubkey_pem(k), "Public Key Information"));
	ck_assert_str_eq(ms_pubkey_source(k), INTEROP_KEY);
	ms_pubkey_free(k);
}
END_TEST

START_TEST(ed25519_public_key)
{
	struct ms_pubkey *k;
	ck_assert_int_eq(ms_pubkey_load(KEYS "ed25519.pub", &k), 0);
	ck_assert_int_eq(ms_pubkey_alg(k), MS_KEY_ED25519);
	/* sha256sum of `openssl pkey -pubin -in ed25519.pub` */
	ck_assert_str_eq(ms_pubkey_id(k),
	                 "ff3c2592d26dc8376ed5f4a5c14d246127ac9ad758237a6417cad45611946ba2");
	ms_pubkey_free(k);
}
END_TEST

START_TEST(refuses_unsupported_and_broken_public_keys)
{
	static const char *bad[] = {"rsa.pub", "secp256k1.pub", "truncated.pub", "ed25519.key",
	                            "nonexistent.pub"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ms_pubkey *k = NULL;
		char *path = ms_asprintf(KEYS "%s", bad[i]);
		ck_assert_msg(ms_pubkey_load(path, &k) == -1, "accepted %s", bad[i]);
		ck_assert_ptr_null(k);
		free(path);
	}
	struct ms_pubkey *k = NULL;
	const char *garbled = "-----BEGIN PUBLIC KEY-----\nAAAA!!!!\n-----END PUBLIC KEY-----\n";
	ck_assert_int_eq(ms_pubkey_parse(garbled, strlen(garbled), "garbled", &k), -1);
	ck_assert_int_eq(ms_pubkey_parse("", 0, "empty", &k), -1);
	ck_assert_ptr_null(k);
}
END_TEST

/* A DER ECDSA signature made by libcrypto with the fixture's secret key. */
static uint8_t *ecdsa_sign(const char *key_path, const EVP_MD *md, const char *msg, size_t *len)
{
	FILE *f = fopen(key_path, "r");
	ck_assert_ptr_nonnull(f);
	EVP_PKEY *pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(pkey);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, md, NULL, pkey), 1);
	ck_assert_int_eq(EVP_DigestSign(ctx, NULL, len, (const uint8_t *)msg, strlen(msg)), 1);
	uint8_t *sig = ms_malloc(*len);
	ck_assert_int_eq(EVP_DigestSign(ctx, sig, len, (const uint8_t *)msg, strlen(msg)), 1);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return sig;
}

START_TEST(ecdsa_verify_uses_curve_hash)
{
	static const struct {
		const char *name;
		enum ms_key_alg alg;
	} cases[] = {{"p256", MS_KEY_ECDSA_P256}, {"p521", MS_KEY_ECDSA_P521}};
	for (size_t i = 0; i < 2; i++) {
		char *pub = ms_asprintf(KEYS "%s.pub", cases[i].name);
		char *sec = ms_asprintf(KEYS "%s.key", cases[i].name);
		struct ms_pubkey *k;
		ck_assert_int_eq(ms_pubkey_load(pub, &k), 0);
		ck_assert_int_eq(ms_pubkey_alg(k), cases[i].alg);
		const EVP_MD *right = i == 0 ? EVP_sha256() : EVP_sha512();
		size_t len;
		uint8_t *sig = ecdsa_sign(sec, right, "message", &len);
		ck_assert_int_eq(ms_pubkey_verify(k, (const uint8_t *)"message", 7, sig, len), 1);
		ck_assert_int_eq(ms_pubkey_verify(k, (const uint8_t *)"messagf", 7, sig, len), 0);
		ck_assert_int_eq(ms_pubkey_verify(k, (const uint8_t *)"message", 7, sig, len - 1),
		                 0);
		free(sig);
		sig = ecdsa_sign(sec, EVP_sha384(), "message", &len); /* wrong hash */
		ck_assert_int_eq(ms_pubkey_verify(k, (const uint8_t *)"message", 7, sig, len), 0);
		free(sig);
		ms_pubkey_free(k);
		free(pub);
		free(sec);
	}
}
END_TEST

START_TEST(openssl_ed25519_keys_sign)
{
	make_scratch();
	struct ms_pubkey *pub;
	ck_assert_int_eq(ms_pubkey_load(KEYS "ed25519.pub", &pub), 0);
	char *plain = copy_key("ed25519.key", 0600);
	char *enc = copy_key("ed25519-enc.key", 0400);
	struct ms_seckey *k;
	ck_assert_int_eq(ms_seckey_load(plain, NULL, &k), 0);
	ck_assert_str_eq(ms_pubkey_id(ms_seckey_public(k)), ms_pubkey_id(pub));
	uint8_t sig[MS_ED25519_SIG_LEN];
	ms_seckey_sign(k, (const uint8_t *)"abc", 3, sig);
	ck_assert_int_eq(ms_pubkey_verify(pub, (const uint8_t *)"abc", 3, sig, sizeof sig), 1);
	ck_assert_int_eq(ms_pubkey_verify(pub, (const uint8_t *)"abd", 3, sig, sizeof sig), 0);
	sig[0] ^= 1;
	ck_assert_int_eq(ms_pubkey_verify(pub, (const uint8_t *)"abc", 3, sig, sizeof sig), 0);
	ms_seckey_free(k);

	setenv(MS_PASSPHRASE_ENV, "correct-horse", 1);
	ck_assert_int_eq(ms_seckey_load(enc, NULL, &k), 0);
	ck_assert_str_eq(ms_pubkey_id(ms_seckey_public(k)), ms_pubkey_id(pub));
	ms_seckey_free(k);
	/* the file beats the environment */
	char *pf = write_scratch("pass", "correct-horse\nsecond line\n", 0600);
	struct ms_passphrase_src src = {.file = pf};
	setenv(MS_PASSPHRASE_ENV, "wrong", 1);
	ck_assert_int_eq(ms_seckey_load(enc, &src, &k), 0);
	ms_seckey_free(k);
	k = NULL;
	ck_assert_int_eq(ms_seckey_load(enc, NULL, &k), -1); /* wrong passphrase */
	ck_assert_ptr_null(k);
	unsetenv(MS_PASSPHRASE_ENV);
	free(pf);
	free(plain);
	free(enc);
	ms_pubkey_free(pub);
	remove_scratch();
}
END_TEST

/* Every key type keygen makes signs with ms_seckey_signature, and the
 * signature is what ms_pubkey_verify (and so model_signing) expects: DER
 * ECDSA with the curve's hash. */
START_TEST(every_key_type_signs_and_verifies)
{
	make_scratch();
	for (enum ms_key_alg alg = MS_KEY_ED25519; alg <= MS_KEY_ECDSA_P521; alg++) {
		char *prefix = ms_asprintf("%s/%s", scratch, ms_key_alg_name(alg));
		struct ms_keygen_opts o = {.prefix = prefix, .alg = alg};
		char id[MS_KEYID_HEX + 1];
		ck_assert_int_eq(ms_keygen(&o, id), 0);
		char *key = ms_asprintf("%s.key", prefix), *pubp = ms_asprintf("%s.pub", prefix);
		struct ms_seckey *sk;
		struct ms_pubkey *pk;
		ck_assert_int_eq(ms_seckey_load(key, NULL, &sk), 0);
		ck_assert_int_eq(ms_pubkey_load(pubp, &pk), 0);
		ck_assert_int_eq(ms_seckey_alg(sk), alg);
		ck_assert_int_eq(ms_pubkey_alg(pk), alg);
		ck_assert_str_eq(ms_pubkey_id(pk), id);
		uint8_t sig[MS_SIG_MAX];
		size_t n = ms_seckey_signature(sk, (const uint8_t *)"msg", 3, sig);
		ck_assert_uint_gt(n, 0);
		ck_assert_int_eq(ms_pubkey_verify(pk, (const uint8_t *)"msg", 3, sig, n), 1);
		ck_assert_int_eq(ms_pubkey_verify(pk, (const uint8_t *)"msh", 3, sig, n), 0);
		if (alg != MS_KEY_ED25519) {
			ck_assert_uint_eq(sig[0], 0x30); /* a DER SEQUENCE */
			/* the curve's hash, not SHA-256, except for P-256 */
			ck_assert_int_eq(
			    ms_pubkey_verify_sha256(pk, (const uint8_t *)"msg", 3, sig, n),
			    alg == MS_KEY_ECDSA_P256);
		}
		ms_seckey_free(sk);
		ms_pubkey_free(pk);
		free(key);
		free(pubp);
		free(prefix);
	}
	enum ms_key_alg a;
	ck_assert_int_eq(ms_key_alg_parse("ecdsa-p384", &a), 0);
	ck_assert_int_eq(a, MS_KEY_ECDSA_P384);
	ck_assert_int_eq(ms_key_alg_parse("rsa", &a), -1);
	remove_scratch();
}
END_TEST

START_TEST(refuses_exposed_or_unsuitable_secret_keys)
{
	make_scratch();
	struct ms_seckey *k = NULL;
	char *open_key = copy_key("ed25519.key", 0640);
	ck_assert_int_eq(ms_seckey_load(open_key, NULL, &k), -1); /* group-readable */
	chmod(open_key, 0604);
	ck_assert_int_eq(ms_seckey_load(open_key, NULL, &k), -1); /* world-readable */
	char *ec =
	    write_scratch("k1.key",
	                  "-----BEGIN PRIVATE KEY-----\n"
	                  "MIGEAgEAMBAGByqGSM49AgEGBSuBBAAKBG0wawIBAQQgm6hd8MUoR+bixGIHLIqe\n"
	                  "3nPellGJhHO0hQOk5UIu/xihRANCAASmIfvRtBMoxQO6stMJjulsL7kvpSJy5IGH\n"
	                  "i3Li9etyMQSvpPVOK07Gw4ceQ66kRqbuKW0n6lNEi3IVOlKZD6FP\n"
	                  "-----END PRIVATE KEY-----\n",
	                  0600);
	ck_assert_int_eq(ms_seckey_load(ec, NULL, &k),
	                 -1); /* secp256k1: not a curve we sign with */
	char *pub = copy_key("ed25519.pub", 0600);
	ck_assert_int_eq(ms_seckey_load(pub, NULL, &k), -1);
	char *cut = write_scratch("cut.key", "-----BEGIN PRIVATE KEY-----\nMC4CAQAw\n", 0600);
	ck_assert_int_eq(ms_seckey_load(cut, NULL, &k), -1);
	char *missing = ms_asprintf("%s/none.key", scratch);
	ck_assert_int_eq(ms_seckey_load(missing, NULL, &k), -1);
	/* encrypted, and no passphrase source at all (tests run without a tty
	 * only under setsid; the env and file sources are what is checked). */
	char *enc = copy_key("ed25519-enc.key", 0600);
	char *empty = write_scratch("empty-pass", "", 0600);
	struct ms_passphrase_src src = {.file = empty};
	ck_assert_int_eq(ms_seckey_load(enc, &src, &k), -1);
	ck_assert_ptr_null(k);
	free(open_key);
	free(ec);
	free(pub);
	free(cut);
	free(missing);
	free(enc);
	free(empty);
	remove_scratch();
}
END_TEST

START_TEST(keygen_writes_usable_pair)
{
	make_scratch();
	char *prefix = ms_asprintf("%s/k", scratch);
	struct ms_passphrase pass = {.text = "s3cret pass", .len = 11};
	struct ms_keygen_opts o = {.prefix = prefix, .passphrase = &pass};
	char id[MS_KEYID_HEX + 1];
	ck_assert_int_eq(ms_keygen(&o, id), 0);
	char *key = ms_asprintf("%s.key", prefix), *pub = ms_asprintf("%s.pub", prefix);
	struct stat st;
	ck_assert_int_eq(stat(key, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);

	struct ms_pubkey *pk;
	ck_assert_int_eq(ms_pubkey_load(pub, &pk), 0);
	ck_assert_str_eq(ms_pubkey_id(pk), id);
	setenv(MS_PASSPHRASE_ENV, "s3cret pass", 1);
	struct ms_seckey *sk;
	ck_assert_int_eq(ms_seckey_load(key, NULL, &sk), 0);
	ck_assert_str_eq(ms_pubkey_id(ms_seckey_public(sk)), id);
	uint8_t sig[MS_ED25519_SIG_LEN];
	ms_seckey_sign(sk, (const uint8_t *)"m", 1, sig);
	ck_assert_int_eq(ms_pubkey_verify(pk, (const uint8_t *)"m", 1, sig, sizeof sig), 1);
	ms_seckey_free(sk);
	setenv(MS_PASSPHRASE_ENV, "s3cret pasS", 1);
	ck_assert_int_eq(ms_seckey_load(key, NULL, &sk), -1);
	unsetenv(MS_PASSPHRASE_ENV);

	/* never replaced without force; with force, a new key */
	char id2[MS_KEYID_HEX + 1];
	ck_assert_int_eq(ms_keygen_check(&o), -1);
	ck_assert_int_eq(ms_keygen(&o, id2), -1);
	o.force = 1;
	o.passphrase = NULL;
	ck_assert_int_eq(ms_keygen(&o, id2), 0);
	ck_assert_str_ne(id, id2);
	ck_assert_int_eq(ms_seckey_load(key, NULL, &sk), 0); /* unencrypted now */
	ck_assert_str_eq(ms_pubkey_id(ms_seckey_public(sk)), id2);
	ms_seckey_free(sk);
	ms_pubkey_free(pk);
	free(key);
	free(pub);
	free(prefix);
	remove_scratch();
}
END_TEST

static Suite *keys_suite(void)
{
	Suite *s = suite_create("keys");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, interop_ecdsa_p384_key_and_id);
	tcase_add_test(tc, ed25519_public_key);
	tcase_add_test(tc, refuses_unsupported_and_broken_public_keys);
	tcase_add_test(tc, ecdsa_verify_uses_curve_hash);
	tcase_add_test(tc, openssl_ed25519_keys_sign);
	tcase_add_test(tc, refuses_exposed_or_unsuitable_secret_keys);
	tcase_add_test(tc, keygen_writes_usable_pair);
	tcase_add_test(tc, every_key_type_signs_and_verifies);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(keys_suite)
