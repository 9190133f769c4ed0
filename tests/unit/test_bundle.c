/* Unit tests for src/bundle.c: PAE, signing, strict parsing, verification. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "modelseal/b64.h"
#include "modelseal/bundle.h"
#include "modelseal/util.h"

#define KEYS "tests/data/keys/"
#define OMS "tests/interop/oms/"
#define IT MS_INTOTO_PAYLOAD_TYPE

static struct ms_seckey *sk;    /* tests/data/keys/ed25519.key */
static struct ms_pubkey *pk;    /* its public half */
static struct ms_pubkey *p384;  /* the interop key */
static struct ms_pubkey *other; /* an unrelated Ed25519 key */
static const char payload[] = "{\"_type\":\"https://in-toto.io/Statement/v1\"}";

static void setup(void)
{
	char dir[] = "/tmp/ms-bundle-XXXXXX", *data;
	size_t len;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(ms_read_file(KEYS "ed25519.key", 4096, "key", &data, &len), 0);
	char *path = ms_asprintf("%s/k.key", dir);
	ck_assert_int_eq(ms_write_atomic(path, data, len, 0600), 0);
	ck_assert_int_eq(ms_seckey_load(path, NULL, &sk), 0);
	unlink(path);
	rmdir(dir);
	free(path);
	free(data);
	ck_assert_int_eq(ms_pubkey_load(KEYS "ed25519.pub", &pk), 0);
	ck_assert_int_eq(ms_pubkey_load(OMS "keys/signing-key-pub.pem", &p384), 0);
	ck_assert_int_eq(ms_pubkey_load(KEYS "p256.pub", &other), 0);
}

static void teardown(void)
{
	ms_seckey_free(sk);
	ms_pubkey_free(pk);
	ms_pubkey_free(p384);
	ms_pubkey_free(other);
}

static int verify(const char *json, struct ms_pubkey *const *keys, size_t n, size_t *which)
{
	uint8_t *out = NULL;
	size_t len = 0, w = 99;
	int rc = ms_bundle_verify(json, strlen(json), "test", IT, keys, n, &out, &len, &w);
	if (rc == MS_OK) {
		ck_assert_uint_eq(len, strlen(payload));
		ck_assert_mem_eq(out, payload, len);
		if (which)
			*which = w;
	} else {
		ck_assert_ptr_null(out);
	}
	free(out);
	return rc;
}

static char *sign(void)
{
	return ms_bundle_sign((const uint8_t *)payload, strlen(payload), IT, sk);
}

/* s with the first occurrence of from replaced by to. */
static char *replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	ck_assert_ptr_nonnull(at);
	return ms_asprintf("%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
}

START_TEST(pae_matches_dsse_spec)
{
	size_t len;
	uint8_t *pae =
	    ms_dsse_pae("http://example.com/HelloWorld", (const uint8_t *)"hello world", 11, &len);
	const char want[] = "DSSEv1 29 http://example.com/HelloWorld 11 hello world";
	ck_assert_uint_eq(len, sizeof want - 1);
	ck_assert_mem_eq(pae, want, len);
	free(pae);
	pae = ms_dsse_pae("", (const uint8_t *)"", 0, &len);
	ck_assert_uint_eq(len, 12);
	ck_assert_mem_eq(pae, "DSSEv1 0  0 ", 12);
	free(pae);
	/* binary body, lengths in bytes */
	pae = ms_dsse_pae("t", (const uint8_t *)"a\0b\xff", 4, &len);
	ck_assert_uint_eq(len, 17);
	ck_assert_mem_eq(pae, "DSSEv1 1 t 4 a\0b\xff", 17);
	free(pae);
}
END_TEST

/* The PAE built in place fits the room a decode leaves before the payload
 * and is the spec's bytes, for types and bodies of every length of their
 * decimal sizes (one to five digits here); ms_dsse_pae gives the same. */
START_TEST(pae_in_place_is_the_spec)
{
	static const char *const types[] = {"", "t", MS_INTOTO_PAYLOAD_TYPE};
	static const size_t lens[] = {0, 1, 9, 10, 99, 100, 12345};
	for (size_t t = 0; t < sizeof types / sizeof *types; t++)
		for (size_t l = 0; l < sizeof lens / sizeof *lens; l++) {
			size_t room = ms_dsse_pae_room(types[t]), n = lens[l];
			uint8_t *mem = malloc(room + n + 1);
			for (size_t i = 0; i < n; i++)
				mem[room + i] = (uint8_t)(i * 31);
			char *header =
			    ms_asprintf("DSSEv1 %zu %s %zu ", strlen(types[t]), types[t], n);
			size_t want_len = strlen(header) + n, got_len, copy_len;
			const uint8_t *got =
			    ms_dsse_pae_in_place(types[t], mem + room, n, &got_len);
			ck_assert_uint_eq(got_len, want_len);
			ck_assert(got >= mem);
			ck_assert_mem_eq(got, header, strlen(header));
			uint8_t *copy = ms_dsse_pae(types[t], mem + room, n, &copy_len);
			ck_assert_uint_eq(copy_len, want_len);
			ck_assert_mem_eq(copy, got, want_len);
			uint8_t *taken = ms_dsse_payload_take(&mem, mem + room, n);
			ck_assert_ptr_null(mem);
			ck_assert_mem_eq(taken, copy + strlen(header), n);
			ck_assert_uint_eq(taken[n], 0);
			free(header);
			free(copy);
			free(taken);
		}
}
END_TEST

START_TEST(sign_produces_v03_bundle_that_verifies)
{
	char *json = sign();
	ck_assert_ptr_nonnull(strstr(json, "\"mediaType\":\"" MS_BUNDLE_MEDIA_TYPE "\""));
	char *hint = ms_asprintf("\"publicKey\":{\"hint\":\"%s\"}", ms_pubkey_id(pk));
	ck_assert_ptr_nonnull(strstr(json, hint));
	struct ms_bundle b;
	ck_assert_int_eq(ms_bundle_parse(json, strlen(json), "test", &b), 0);
	ck_assert_str_eq(b.hint, ms_pubkey_id(pk));
	ck_assert_str_eq(b.payload_type, IT);
	ck_assert_uint_eq(b.n_sigs, 1);
	ck_assert_uint_eq(b.sigs[0].len, 64);
	ck_assert_str_eq(b.sigs[0].keyid, ms_pubkey_id(pk));
	ms_bundle_free(&b);

	size_t which;
	struct ms_pubkey *keys[] = {other, p384, pk};
	ck_assert_int_eq(verify(json, keys, 3, &which), MS_OK);
	ck_assert_uint_eq(which, 2);
	ck_assert_int_eq(verify(json, keys, 2, NULL), MS_FAIL); /* wrong keys only */
	free(hint);
	free(json);
}
END_TEST

START_TEST(hint_is_never_trusted)
{
	char *json = sign();
	/* a hint and keyid naming the other key: it is tried first, fails, and
	 * the right key still verifies; a hint cannot make a wrong key pass */
	char *a = replace(json, ms_pubkey_id(pk), ms_pubkey_id(other));
	char *b = replace(a, ms_pubkey_id(pk), ms_pubkey_id(other));
	struct ms_pubkey *keys[] = {other, pk};
	size_t which;
	ck_assert_int_eq(verify(b, keys, 2, &which), MS_OK);
	ck_assert_uint_eq(which, 1);
	ck_assert_int_eq(verify(b, keys, 1, NULL), MS_FAIL);
	free(a);
	free(b);
	free(json);
}
END_TEST

START_TEST(tampering_fails)
{
	char *json = sign();
	struct ms_pubkey *keys[] = {pk};
	struct ms_bundle b;
	ck_assert_int_eq(ms_bundle_parse(json, strlen(json), "test", &b), 0);
	char *sig = ms_b64_encode(b.sigs[0].sig, b.sigs[0].len);
	/* one flipped signature bit */
	b.sigs[0].sig[10] ^= 0x04;
	char *flipped_sig = ms_b64_encode(b.sigs[0].sig, b.sigs[0].len);
	char *t = replace(json, sig, flipped_sig);
	ck_assert_int_eq(verify(t, keys, 1, NULL), MS_FAIL);
	free(t);
	/* a different payload under the same signature */
	char *orig = ms_b64_encode(payload, strlen(payload));
	char *swapped =
	    ms_b64_encode("{\"_type\":\"https://in-toto.io/Statement/v2\"}", strlen(payload));
	t = replace(json, orig, swapped);
	ck_assert_int_eq(verify(t, keys, 1, NULL), MS_FAIL);
	free(t);
	/* the same bytes in URL-safe unpadded base64 still verify: the
	 * signature covers the decoded payload, not its encoding */
	char *url = ms_strdup(orig);
	for (char *c = url; *c; c++)
		*c = *c == '+' ? '-' : *c == '/' ? '_' : *c == '=' ? '\0' : *c;
	t = replace(json, orig, url);
	ck_assert_int_eq(verify(t, keys, 1, NULL), MS_OK);
	free(t);
	free(url);
	ms_bundle_free(&b);
	free(orig);
	free(swapped);
	free(sig);
	free(flipped_sig);
	free(json);
}
END_TEST

START_TEST(any_valid_signature_suffices)
{
	char *json = sign();
	struct ms_bundle b;
	ck_assert_int_eq(ms_bundle_parse(json, strlen(json), "test", &b), 0);
	char *sig = ms_b64_encode(b.sigs[0].sig, b.sigs[0].len);
	uint8_t junk[64];
	memset(junk, 0x5a, sizeof junk);
	char *bogus = ms_b64_encode(junk, sizeof junk);
	char *two = ms_asprintf("\"signatures\":[{\"sig\":\"%s\",\"keyid\":null},"
	                        "{\"sig\":\"%s\"}]",
	                        bogus, sig);
	free(bogus);
	const char *at = strstr(json, "\"signatures\":");
	char *t = ms_asprintf("%.*s%s}}", (int)(at - json), json, two);
	struct ms_pubkey *keys[] = {other, pk};
	size_t which;
	ck_assert_int_eq(verify(t, keys, 2, &which), MS_OK);
	ck_assert_uint_eq(which, 1);
	ms_bundle_free(&b);
	free(sig);
	free(two);
	free(t);
	free(json);
}
END_TEST

START_TEST(malformed_bundles_are_errors)
{
	char *json = sign();
	struct ms_pubkey *keys[] = {pk};
	const char *mt = "\"mediaType\":\"" MS_BUNDLE_MEDIA_TYPE "\"";
	const char *pt = "\"payloadType\":\"" IT "\"";
	char *edits[][2] = {
	    {(char *)mt, "\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.2+json\""},
	    {(char *)mt, "\"mediaType\":3"},
	    {(char *)mt, "\"mediaTypo\":\"x\""},
	    {(char *)pt, "\"payloadType\":\"text/plain\""},
	    {(char *)pt, "\"payloadType\":null"},
	    {"\"payload\":\"", "\"payload\":\"*"},
	    {"\"payload\":\"", "\"payload\":7,\"x\":\""},
	    {"\"signatures\":[", "\"signatures\":[],\"x\":["},
	    {"\"signatures\":[", "\"signatures\":{\"a\":["},
	    {"\"signatures\":[{", "\"signatures\":[3,{"},
	    {"\"sig\":\"", "\"sig\":\"\",\"x\":\""},
	    {"\"sig\":\"", "\"sig\":\"!"},
	    {"\"sig\":\"", "\"sig\":1,\"x\":\""},
	    {"\"keyid\":\"", "\"keyid\":5,\"x\":\""},
	    {"\"dsseEnvelope\":{", "\"dsseEnvelope\":[{"},
	    {"\"dsseEnvelope\"", "\"messageSignature\""},
	    {"\"verificationMaterial\":{", "\"verificationMaterial\":7,\"x\":{"},
	    {"\"publicKey\":{", "\"publicKey\":[{"},
	    {"\"hint\":\"", "\"hint\":[\""},
	    {(char *)mt, "\"mediaType\":\"" MS_BUNDLE_MEDIA_TYPE "\","
	                 "\"mediaType\":\"x\""},
	    {(char *)pt, "\"payloadType\":\"" IT "\",\"payloadType\":\"" IT "\""},
	};
	for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
		char *t = replace(json, edits[i][0], edits[i][1]);
		ck_assert_msg(verify(t, keys, 1, NULL) == MS_ERR, "accepted: %s", t);
		free(t);
	}
	static const char *whole[] = {"", "not json", "[]", "null", "{}", "{\"mediaType\":1}"};
	for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
		ck_assert_msg(verify(whole[i], keys, 1, NULL) == MS_ERR, "accepted %s", whole[i]);
	/* truncated, or followed by garbage */
	char *cut = ms_strndup(json, strlen(json) - 5);
	ck_assert_int_eq(verify(cut, keys, 1, NULL), MS_ERR);
	char *trail = ms_asprintf("%s x", json);
	ck_assert_int_eq(verify(trail, keys, 1, NULL), MS_ERR);
	char *ws = ms_asprintf("%s\n", json);
	ck_assert_int_eq(verify(ws, keys, 1, NULL), MS_OK);
	free(cut);
	free(trail);
	free(ws);
	free(json);
}
END_TEST

START_TEST(model_signing_bundles_verify)
{
	static const char *dirs[] = {"v0.3.1-elliptic-key", "v1.0.0-elliptic-key",
	                             "v1.0.1-elliptic-key", "v1.1.0-elliptic-key"};
	struct ms_pubkey *keys[] = {pk, p384};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		char *path = ms_asprintf(OMS "%s/model.sig", dirs[i]), *json;
		size_t len, plen, which;
		uint8_t *p;
		ck_assert_int_eq(ms_read_file(path, 1 << 20, "bundle", &json, &len), 0);
		ck_assert_msg(ms_bundle_verify(json, len, path, IT, keys, 2, &p, &plen, &which) ==
		                  MS_OK,
		              "%s", path);
		ck_assert_uint_eq(which, 1);
		ck_assert_ptr_nonnull(memmem(p, plen, "signme-1", 8));
		free(p);
		ck_assert_int_eq(ms_bundle_verify(json, len, path, IT, keys, 1, &p, &plen, &which),
		                 MS_FAIL);
		free(json);
		free(path);
	}
}
END_TEST

static Suite *bundle_suite(void)
{
	Suite *s = suite_create("bundle");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pae_matches_dsse_spec);
	tcase_add_test(tc, pae_in_place_is_the_spec);
	tcase_add_test(tc, sign_produces_v03_bundle_that_verifies);
	tcase_add_test(tc, hint_is_never_trusted);
	tcase_add_test(tc, tampering_fails);
	tcase_add_test(tc, any_valid_signature_suffices);
	tcase_add_test(tc, malformed_bundles_are_errors);
	tcase_add_test(tc, model_signing_bundles_verify);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(bundle_suite)
