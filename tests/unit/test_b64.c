/* Unit tests for src/b64.c. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "modelseal/b64.h"

static int decode(const char *text, uint8_t **out, size_t *len)
{
	return ms_b64_decode(text, strlen(text), "test input", out, len);
}

START_TEST(encode_is_standard_padded)
{
	char *s = ms_b64_encode("\xfb\xff\xfe", 3);
	ck_assert_str_eq(s, "+//+");
	free(s);
	s = ms_b64_encode("ab", 2);
	ck_assert_str_eq(s, "YWI=");
	free(s);
	s = ms_b64_encode("", 0);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(decodes_every_accepted_alphabet)
{
	static const struct {
		const char *text;
		const char *bytes;
		size_t len;
	} cases[] = {
	    {"+//+", "\xfb\xff\xfe", 3}, /* standard */
	    {"-__-", "\xfb\xff\xfe", 3}, /* URL-safe */
	    {"YWI=", "ab", 2},           /* padded */
	    {"YWI", "ab", 2},            /* unpadded */
	    {"-_8=", "\xfb\xff", 2},     /* URL-safe padded */
	    {"-_8", "\xfb\xff", 2},      /* URL-safe unpadded */
	    {"", "", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t *out = NULL;
		size_t len = 99;
		ck_assert_msg(decode(cases[i].text, &out, &len) == 0, "%s", cases[i].text);
		ck_assert_uint_eq(len, cases[i].len);
		ck_assert_mem_eq(out, cases[i].bytes, len);
		free(out);
	}
}
END_TEST

START_TEST(rejects_garbage)
{
	static const char *bad[] = {
	    "YW I=",  /* whitespace */
	    "YWI=\n", /* trailing newline */
	    "YW*=",   /* not an alphabet character */
	    "+_8=",   /* mixed alphabets */
	    "YWI==",  /* too much padding */
	    "Y",      /* impossible length */
	    "YWJ=",   /* non-zero trailing bits */
	    "=YWI",   /* padding first */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t *out = NULL;
		size_t len;
		ck_assert_msg(decode(bad[i], &out, &len) == -1, "accepted '%s'", bad[i]);
		ck_assert_ptr_null(out);
	}
}
END_TEST

START_TEST(round_trip_all_bytes)
{
	uint8_t data[256];
	for (int i = 0; i < 256; i++)
		data[i] = (uint8_t)i;
	for (size_t n = 0; n <= sizeof data; n += 37) {
		char *s = ms_b64_encode(data, n);
		uint8_t *out;
		size_t len;
		ck_assert_int_eq(decode(s, &out, &len), 0);
		ck_assert_uint_eq(len, n);
		ck_assert_mem_eq(out, data, n);
		free(out);
		free(s);
	}
}
END_TEST

/* Same verdict and same bytes as libsodium: the public decoder may only
 * be faster. Every string of up to 5 characters over an alphabet that has
 * both alphabets' specials, padding and garbage. */
START_TEST(public_decoder_agrees)
{
	static const char chars[] = "AQg/+-_=* ";
	const size_t k = sizeof chars - 1;
	char text[6];
	size_t total = 1;
	int saved = dup(2), null = open("/dev/null", O_WRONLY);
	dup2(null, 2); /* the failures would print 50,000 errors */
	for (size_t n = 0; n <= 5; n++, total *= k) {
		for (size_t v = 0; v < total; v++) {
			for (size_t i = 0, x = v; i < n; i++, x /= k)
				text[i] = chars[x % k];
			text[n] = '\0';
			uint8_t *a = NULL, *b = NULL;
			size_t la = 0, lb = 0;
			int ra = ms_b64_decode(text, n, "t", &a, &la);
			size_t room = v % 5; /* the bytes land after room, then a NUL */
			int rb = ms_b64_decode_public(text, n, "t", room, &b, &lb);
			ck_assert_msg(ra == rb, "'%s': %d and %d", text, ra, rb);
			if (ra == 0) {
				ck_assert_uint_eq(la, lb);
				ck_assert_mem_eq(a, b + room, la);
				ck_assert_uint_eq(b[room + lb], 0);
			}
			free(a);
			free(b);
		}
	}
	dup2(saved, 2);
	close(saved);
	close(null);
	/* long input goes through the table decoder */
	uint8_t data[1000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7);
	for (size_t n = 990; n <= sizeof data; n++) {
		char *t = ms_b64_encode(data, n);
		uint8_t *out;
		size_t len;
		ck_assert_int_eq(ms_b64_decode_public(t, strlen(t), "t", 3, &out, &len), 0);
		ck_assert_uint_eq(len, n);
		ck_assert_mem_eq(out + 3, data, n);
		ck_assert_uint_eq(out[3 + n], 0);
		free(out);
		free(t);
	}
}
END_TEST

static Suite *b64_suite(void)
{
	Suite *s = suite_create("b64");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, encode_is_standard_padded);
	tcase_add_test(tc, decodes_every_accepted_alphabet);
	tcase_add_test(tc, rejects_garbage);
	tcase_add_test(tc, round_trip_all_bytes);
	tcase_add_test(tc, public_decoder_agrees);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(b64_suite)
