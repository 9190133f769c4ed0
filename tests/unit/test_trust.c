/* Unit tests for src/trust.c: times, the in-memory store, the trust file. */
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "modelseal/trust.h"
#include "modelseal/util.h"

#define KEYS "tests/data/keys/"
#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

START_TEST(time_round_trip)
{
	char buf[32];
	int64_t t;
	ck_assert_str_eq(ms_time_format(0, buf, sizeof buf), "1970-01-01T00:00:00Z");
	ck_assert_int_eq(ms_time_parse("2026-11-26T10:00:00Z", &t), 0);
	ck_assert_str_eq(ms_time_format(t, buf, sizeof buf), "2026-11-26T10:00:00Z");
	ck_assert_int_eq(ms_time_parse("2024-02-29T23:59:59Z", &t), 0);
}
END_TEST

START_TEST(time_parse_is_strict)
{
	int64_t t;
	const char *bad[] = {"",
	                     "2026-11-26",
	                     "2026-11-26T10:00:00",
	                     "2026-11-26T10:00:00+01:00",
	                     "2026-02-30T00:00:00Z",
	                     "2026-13-01T00:00:00Z",
	                     "2026-11-26T24:00:00Z",
	                     "2026-11-26T10:00:00Zx",
	                     " 2026-11-26T10:00:00Z"};
	for (size_t i = 0; i < MS_ARRAY_LEN(bad); i++)
		ck_assert_msg(ms_time_parse(bad[i], &t) == -1, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(hex64)
{
	ck_assert(ms_is_hex64(ID_A));
	ck_assert(!ms_is_hex64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	ck_assert(!ms_is_hex64(ID_A "a"));
	ck_assert(!ms_is_hex64("abc"));
}
END_TEST

START_TEST(store_keeps_first_revocation_and_merges_labels)
{
	struct ms_trust t = {0};
	struct ms_pubkey *k1, *k2;
	ck_assert_int_eq(ms_pubkey_load(KEYS "ed25519.pub", &k1), 0);
	ck_assert_int_eq(ms_pubkey_load(KEYS "ed25519.pub", &k2), 0);
	ms_trust_add_key(&t, k1, NULL);
	ms_trust_add_key(&t, k2, "ci"); /* same key: only the label changes */
	ck_assert_uint_eq(t.n_keys, 1);
	ck_assert_str_eq(t.keys[0].label, "ci");
	ms_trust_add_revocation(&t, "key", ID_A, "first", 10);
	ms_trust_add_revocation(&t, "key", ID_A, "second", 20);
	ms_trust_add_revocation(&t, "model", ID_A, "a model", 30);
	ck_assert_uint_eq(t.n_revs, 2);
	ck_assert_str_eq(ms_trust_revocation(&t, "key", ID_A)->reason, "first");
	ck_assert_str_eq(ms_trust_revocation(&t, "model", ID_A)->reason, "a model");
	ck_assert_ptr_null(ms_trust_revocation(&t, "key", "b"));
	ms_trust_free(&t);
}
END_TEST

START_TEST(file_round_trip)
{
	struct ms_trust t = {0}, back;
	struct ms_pubkey *k;
	ck_assert_int_eq(ms_pubkey_load(KEYS "p256.pub", &k), 0);
	ms_trust_add_key(&t, k, "ops");
	ms_trust_add_revocation(&t, "model", ID_A, "withdrawn", 1764151200);
	char *text = ms_trust_to_json(&t);
	ck_assert_ptr_nonnull(strstr(text, "\"subject\": \"sha256:" ID_A "\""));
	ck_assert_int_eq(ms_trust_parse(text, strlen(text), "test", &back), 0);
	ck_assert_uint_eq(back.n_keys, 1);
	ck_assert_str_eq(ms_pubkey_id(back.keys[0].key), ms_pubkey_id(t.keys[0].key));
	ck_assert_str_eq(back.keys[0].label, "ops");
	ck_assert_uint_eq(back.n_revs, 1);
	ck_assert_int_eq(back.revs[0].time, 1764151200);
	char *again = ms_trust_to_json(&back);
	ck_assert_str_eq(again, text);
	free(again);
	free(text);
	ms_trust_free(&back);
	ms_trust_free(&t);
}
END_TEST

START_TEST(file_rejects_malformed)
{
	struct ms_trust t;
	const char *bad[] = {
	    "",
	    "{}",
	    "{\"modelseal_trust\": 1, \"keys\": [], \"revocations\": [], \"x\": 1}",
	    "{\"modelseal_trust\": 1.5, \"keys\": [], \"revocations\": []}",
	    "{\"modelseal_trust\": 1, \"keys\": [{}], \"revocations\": []}",
	    "{\"modelseal_trust\": 1, \"keys\": [], \"revocations\": [{\"kind\": \"key\", "
	    "\"subject\": \"" ID_A "\", \"reason\": \"r\", \"time\": 5}]}",
	    "{\"modelseal_trust\": 1, \"keys\": [], \"revocations\": [{\"kind\": \"model\", "
	    "\"subject\": \"sha256:" ID_A
	    "\", \"reason\": \"r\", \"time\": \"2026-01-01T00:00:00Z\", "
	    "\"by\": \"me\"}]}",
	};
	for (size_t i = 0; i < MS_ARRAY_LEN(bad); i++)
		ck_assert_msg(ms_trust_parse(bad[i], strlen(bad[i]), "test", &t) == -1,
		              "accepted %s", bad[i]);
	const char *ok =
	    "{\"modelseal_trust\": 1, \"keys\": [], \"revocations\": [{\"kind\": "
	    "\"model\", \"subject\": \"sha256:" ID_A "\", \"reason\": \"r\", \"time\": "
	    "\"2026-01-01T00:00:00Z\"}]}";
	ck_assert_int_eq(ms_trust_parse(ok, strlen(ok), "test", &t), 0);
	ck_assert_str_eq(t.revs[0].subject, ID_A);
	ms_trust_free(&t);
}
END_TEST

#define CA_PEM "tests/interop/oms/keys/ca-cert.pem"
#define ISS "https://accounts.example.com"

START_TEST(identity_id_and_check)
{
	char id[MS_KEYID_HEX + 1];
	/* printf 'https://accounts.example.com\na@example.com' | sha256sum */
	ms_identity_id("a@example.com", ISS, id);
	ck_assert_str_eq(id, "8ac1dbcc0d245f1b38d08fd9d40cd1e9a9508d4ffdfae0d72a45bc5b6e3f184f");
	char other[MS_KEYID_HEX + 1];
	ms_identity_id(ISS, "a@example.com", other); /* the order matters */
	ck_assert_str_ne(id, other);
	ck_assert_int_eq(ms_identity_check("a@example.com", ISS, "test"), 0);
	ck_assert_int_eq(ms_identity_check("", ISS, "test"), -1);
	ck_assert_int_eq(ms_identity_check("a\nb", ISS, "test"), -1);
	ck_assert_int_eq(ms_identity_check("a@example.com", "x\x7f", "test"), -1);
}
END_TEST

START_TEST(ca_parse_one_certificate)
{
	char *text, *subject, *pem, id[MS_KEYID_HEX + 1];
	size_t len;
	ck_assert_int_eq(ms_read_file(CA_PEM, 1 << 20, "ca", &text, &len), 0);
	ck_assert_int_eq(ms_ca_parse(text, len, "ca", id, &subject, &pem), 0);
	ck_assert(ms_is_hex64(id));
	ck_assert_str_eq(subject, "CN=root-ca");
	ck_assert_ptr_nonnull(strstr(pem, "-----BEGIN CERTIFICATE-----"));
	/* two certificates: refused, an id names exactly one */
	char *two = ms_asprintf("%s%s", text, text);
	char *s2, *p2, id2[MS_KEYID_HEX + 1];
	ck_assert_int_eq(ms_ca_parse(two, strlen(two), "two", id2, &s2, &p2), -1);
	ck_assert_int_eq(ms_ca_parse("x", 1, "junk", id2, &s2, &p2), -1);
	free(two);
	free(subject);
	free(pem);
	free(text);
}
END_TEST

START_TEST(file_v2_round_trip)
{
	struct ms_trust t = {0}, back;
	char *text, *subject, *pem, id[MS_KEYID_HEX + 1];
	size_t len;
	ck_assert_int_eq(ms_read_file(CA_PEM, 1 << 20, "ca", &text, &len), 0);
	ck_assert_int_eq(ms_ca_parse(text, len, "ca", id, &subject, &pem), 0);
	ms_trust_add_ca(&t, id, pem, subject, "corp");
	ms_trust_add_identity(&t, "a@example.com", ISS, NULL, NULL);
	ms_trust_add_identity(&t, "a@example.com", ISS, NULL, "a"); /* label only */
	ck_assert_uint_eq(t.n_ids, 1);
	struct ms_revocation r = {.kind = "identity",
	                          .reason = "gone",
	                          .time = 5,
	                          .identity = "b@example.com",
	                          .issuer = ISS};
	ms_identity_id(r.identity, r.issuer, r.subject);
	ms_trust_copy_revocation(&t, &r);
	char *json = ms_trust_to_json(&t);
	ck_assert_ptr_nonnull(strstr(json, "\"modelseal_trust\": 2"));
	ck_assert_int_eq(ms_trust_parse(json, strlen(json), "test", &back), 0);
	ck_assert_uint_eq(back.n_cas, 1);
	ck_assert_str_eq(back.cas[0].id, id);
	ck_assert_str_eq(back.cas[0].label, "corp");
	ck_assert_uint_eq(back.n_ids, 1);
	ck_assert_str_eq(back.ids[0].label, "a");
	ck_assert_ptr_null(back.ids[0].trusted_root);
	ck_assert_str_eq(ms_trust_revocation(&back, "identity", r.subject)->identity,
	                 "b@example.com");
	char *again = ms_trust_to_json(&back);
	ck_assert_str_eq(again, json);
	/* an identity whose id is not its own is refused */
	char *bad = ms_strdup(json);
	char *at = strstr(bad, back.ids[0].id);
	at[0] = at[0] == '0' ? '1' : '0';
	struct ms_trust none;
	ck_assert_int_eq(ms_trust_parse(bad, strlen(bad), "test", &none), -1);
	free(bad);
	free(again);
	free(json);
	free(subject);
	free(pem);
	free(text);
	ms_trust_free(&back);
	ms_trust_free(&t);
}
END_TEST

static Suite *trust_suite(void)
{
	Suite *s = suite_create("trust");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, time_round_trip);
	tcase_add_test(tc, time_parse_is_strict);
	tcase_add_test(tc, hex64);
	tcase_add_test(tc, store_keeps_first_revocation_and_merges_labels);
	tcase_add_test(tc, file_round_trip);
	tcase_add_test(tc, file_rejects_malformed);
	tcase_add_test(tc, identity_id_and_check);
	tcase_add_test(tc, ca_parse_one_certificate);
	tcase_add_test(tc, file_v2_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(trust_suite)
