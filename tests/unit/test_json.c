/* Unit tests for the strict JSON layer (src/json.c): what cJSON would accept
 * but must not be, and inputs that once were slow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#include "check_main.h"
#include "modelseal/json.h"
#include "modelseal/util.h"

static int accepts(const char *text, size_t len)
{
	cJSON *doc = ms_json_parse(text, len, "test document");
	cJSON_Delete(doc);
	return doc != NULL;
}
#define ACCEPTS(lit) accepts(lit, sizeof(lit) - 1)

START_TEST(json_accepts_plain_documents)
{
	ck_assert(ACCEPTS("{\"a\": [1, 2.5, -3e2, true, false, null], \"b\": \"\\u00e9\\n\"}"));
	ck_assert(ACCEPTS(" \t\r\n[]\n"));
	ck_assert(ACCEPTS("\"caf\xc3\xa9 \xf0\x9f\x98\x80\"")); /* UTF-8, 2 and 4 bytes */
	ck_assert(ACCEPTS("\"a\\\\u0000\""));      /* an escaped backslash, then text */
	ck_assert(ACCEPTS("{\"a\": {\"a\": 1}}")); /* same key in different objects */
}
END_TEST

START_TEST(json_refuses_what_changes_meaning)
{
	/* An escaped NUL would cut the string short inside cJSON. */
	ck_assert(!ACCEPTS("{\"name\": \"a\\u0000/../../etc/passwd\"}"));
	ck_assert(!ACCEPTS("[\"\\u0000\"]"));
	/* Raw control bytes, inside strings and as "white space". */
	ck_assert(!ACCEPTS("\"a\x01z\""));
	ck_assert(!ACCEPTS("\"tab\tinside\""));
	ck_assert(!ACCEPTS("[1,\x01 2]"));
	ck_assert(!accepts("[1,\0 2]", 7));
	ck_assert(!accepts("{}\0", 3));
	/* Not UTF-8: a lone continuation byte, an overlong '/', a surrogate,
	 * a truncated sequence, a code point past U+10FFFF. */
	ck_assert(!ACCEPTS("\"\x80\""));
	ck_assert(!ACCEPTS("\"\xc0\xaf\""));
	ck_assert(!ACCEPTS("\"\xed\xa0\x80\""));
	ck_assert(!ACCEPTS("\"\xe2\x82\""));
	ck_assert(!ACCEPTS("\"\xf4\x90\x80\x80\""));
	/* Duplicate keys, also deep inside. */
	ck_assert(!ACCEPTS("{\"a\": 1, \"a\": 2}"));
	ck_assert(!ACCEPTS("[{\"x\": {\"b\": 1, \"c\": 2, \"b\": 3}}]"));
	/* Nesting deeper than cJSON's limit is refused, not a stack overflow. */
	char deep[5001];
	memset(deep, '[', 2500);
	memset(deep + 2500, ']', 2500);
	deep[5000] = '\0';
	ck_assert(!accepts(deep, 5000));
}
END_TEST

/* Objects of 1 to 12 keys (small ones are checked pair by pair, larger
 * ones sorted): distinct keys pass, and a repeat of any key at any later
 * place is refused. */
START_TEST(json_duplicate_keys_at_every_place)
{
	for (int n = 1; n <= 12; n++)
		for (int i = -1; i < n; i++)
			for (int j = i + 1; j < n; j++) {
				char doc[256] = "{";
				for (int k = 0; k < n; k++) {
					int key = k == j && i >= 0 ? i : k;
					size_t at = strlen(doc);
					snprintf(doc + at, sizeof doc - at, "%s\"k%d\": %d",
					         k ? ", " : "", key, k);
				}
				strcat(doc, "}");
				ck_assert_msg(accepts(doc, strlen(doc)) == (i < 0), "%s", doc);
				if (i < 0)
					break; /* the distinct case once per size */
			}
}
END_TEST

static int integers(const char *text)
{
	cJSON *doc = ms_json_parse_integers(text, strlen(text), "test document");
	cJSON_Delete(doc);
	return doc != NULL;
}

START_TEST(json_integers_only)
{
	ck_assert(integers("{\"a\": [0, 1, -3, 9007199254740993, true, null]}"));
	ck_assert(integers("{\"1e3\": \"-0.5e\\\"3\", \"b\": [\"\\\\\", 12]}"));
	static const char *const bad[] = {"3e3", "1.0", "-0",    "1e0",  "1E2", "05",
	                                  "-05", "0.0", "1e400", "-1.5", "00",  "12e-1"};
	for (size_t i = 0; i < MS_ARRAY_LEN(bad); i++) {
		char *doc = ms_asprintf("{\"s\": \"x\", \"size\": [7, %s]}", bad[i]);
		ck_assert_msg(accepts(doc, strlen(doc)), "not JSON: %s", bad[i]);
		ck_assert_msg(!integers(doc), "accepted %s", bad[i]);
		free(doc);
	}
}
END_TEST

START_TEST(json_u64_below_2_53)
{
	cJSON *doc = ms_json_parse_integers("{\"a\": 9007199254740991, \"b\": 9007199254740993}",
	                                    46, "test document");
	uint64_t v;
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(ms_json_u64(doc, "a", 0, UINT64_MAX, "t", &v), 0);
	ck_assert_uint_eq(v, 9007199254740991u);
	ck_assert_int_eq(ms_json_u64(doc, "b", 0, UINT64_MAX, "t", &v), -1);
	cJSON_Delete(doc);
}
END_TEST

/* The checks go 32 bytes at a time through long strings and ASCII: what
 * they must catch is caught at every offset within and across blocks, and
 * in the tail after the last whole block. */
START_TEST(json_checks_hold_at_every_offset)
{
	static const struct {
		const char *bytes;
		int ok;
	} cases[] = {
	    {"\x01", 0},         {"\x1f", 0},    {"\x80", 0},     {"\xc0\xaf", 0},
	    {"\xed\xa0\x80", 0}, {"\\u0000", 0}, {"\xc3\xa9", 1}, {"\xf0\x9f\x98\x80", 1},
	    {"\\\"", 1},         {"\\\\", 1},    {"\x7f", 1},     {" ", 1},
	};
	char doc[128];
	for (size_t k = 0; k < MS_ARRAY_LEN(cases); k++)
		for (size_t at = 0; at + strlen(cases[k].bytes) <= 100; at++) {
			size_t n = strlen(cases[k].bytes);
			doc[0] = '"';
			memset(doc + 1, 'A', 100);
			memcpy(doc + 1 + at, cases[k].bytes, n);
			doc[101] = '"';
			ck_assert_msg(accepts(doc, 102) == cases[k].ok, "case %zu at %zu", k, at);
		}
	/* A raw NUL inside a long string, and a sequence cut off by the end. */
	memset(doc, 'A', 40);
	doc[0] = '"';
	doc[20] = '\0';
	doc[39] = '"';
	ck_assert(!accepts(doc, 40));
	memcpy(doc + 20, "\"\xe2\x82", 3);
	ck_assert(!accepts(doc, 23));
}
END_TEST

START_TEST(json_many_keys_are_fast)
{
	/* 100,000 distinct keys, then the same with one repeated at the end:
	 * a pairwise duplicate scan took minutes on this. */
	struct ms_buf b = {0};
	ms_buf_append(&b, "{", 1);
	for (int i = 0; i < 100000; i++)
		ms_buf_printf(&b, "%s\"k%d\": %d", i ? ", " : "", i, i);
	size_t open_len = b.len;
	ms_buf_append(&b, "}", 1);
	clock_t t0 = clock();
	ck_assert(accepts(b.data, b.len));
	b.len = open_len;
	ms_buf_append(&b, ", \"k5\": 0}", 10);
	ck_assert(!accepts(b.data, b.len));
	ck_assert_msg(clock() - t0 < 5 * CLOCKS_PER_SEC, "duplicate check is too slow");
	ms_buf_free(&b);
}
END_TEST

/* cJSON running out of memory is said as such ("out of memory", exit 2),
 * not blamed on the text as invalid JSON. The limit leaves room for the
 * text, not for its tree (seven times its size). Not under AddressSanitizer,
 * whose allocator reserves its own address space. */
START_TEST(json_out_of_memory_is_not_invalid_json)
{
#ifndef __SANITIZE_ADDRESS__
	struct ms_buf b = {0};
	ms_buf_append(&b, "[", 1);
	for (int i = 0; i < 300000; i++)
		ms_buf_printf(&b, "%s{\"key\": \"value %06d with padding\"}", i ? ", " : "", i);
	ms_buf_append(&b, "]", 1);
	long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%ld", &pages), 1);
	fclose(f);
	rlim_t cap = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)24 << 20);
	struct rlimit rl = {cap, cap};
	ck_assert_int_eq(setrlimit(RLIMIT_AS, &rl), 0);
	accepts(b.data, b.len); /* exits 2 */
	ck_abort_msg("the parse returned instead of ending the process out of memory");
#else
	exit(MS_ERR);
#endif
}
END_TEST

START_TEST(utf8_prefix)
{
	ck_assert_uint_eq(ms_utf8_prefix("abc", 3), 3);
	ck_assert_uint_eq(ms_utf8_prefix("ab\xff", 3), 2);
	ck_assert_uint_eq(ms_utf8_prefix("\xc3\xa9x", 3), 3);
	ck_assert_uint_eq(ms_utf8_prefix("x\xc3", 2), 1);
	ck_assert_uint_eq(ms_utf8_prefix("\xef\xbf\xbf", 3), 3); /* U+FFFF is fine */
	ck_assert_uint_eq(ms_utf8_prefix("\xf4\x8f\xbf\xbf", 4), 4);
	ck_assert_uint_eq(ms_utf8_prefix("\xe0\x80\x80", 3), 0); /* overlong */
	ck_assert_uint_eq(ms_utf8_prefix("\xf5\x80\x80\x80", 4), 0);
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("strict");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, json_accepts_plain_documents);
	tcase_add_test(tc, json_refuses_what_changes_meaning);
	tcase_add_test(tc, json_duplicate_keys_at_every_place);
	tcase_add_test(tc, json_checks_hold_at_every_offset);
	tcase_add_test(tc, json_many_keys_are_fast);
	tcase_add_test(tc, utf8_prefix);
	tcase_add_exit_test(tc, json_out_of_memory_is_not_invalid_json, MS_ERR);
	tcase_add_test(tc, json_integers_only);
	tcase_add_test(tc, json_u64_below_2_53);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(json_suite)
