/* Unit tests for src/util.c. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "modelseal/suggest.h"
#include "modelseal/util.h"

START_TEST(hex_round_trip)
{
	const uint8_t bytes[] = {0x00, 0x7f, 0x80, 0xff, 0x12};
	char hex[11];
	ms_hex_encode(bytes, sizeof bytes, hex);
	ck_assert_str_eq(hex, "007f80ff12");
	uint8_t back[5];
	ck_assert_int_eq(ms_hex_decode("007F80ff12", back, 5), 0);
	ck_assert_mem_eq(back, bytes, 5);
}
END_TEST

START_TEST(hex_rejects_bad_input)
{
	uint8_t out[2];
	ck_assert_int_eq(ms_hex_decode("abc", out, 2), -1);
	ck_assert_int_eq(ms_hex_decode("abcg", out, 2), -1);
	ck_assert_int_eq(ms_hex_decode("abcdef", out, 2), -1);
}
END_TEST

/* Every byte in either place of a digit pair: exactly 0-9, a-f and A-F
 * decode, each to its value (the decoder is a table). */
START_TEST(hex_every_byte)
{
	for (unsigned c = 1; c < 256; c++) {
		int want = -1;
		if (c >= '0' && c <= '9')
			want = (int)c - '0';
		else if (c >= 'a' && c <= 'f')
			want = (int)c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			want = (int)c - 'A' + 10;
		char pair[2][3] = {{(char)c, '7', 0}, {'7', (char)c, 0}};
		for (int place = 0; place < 2; place++) {
			uint8_t out = 0;
			int rc = ms_hex_decode(pair[place], &out, 1);
			ck_assert_int_eq(rc, want < 0 ? -1 : 0);
			if (want >= 0)
				ck_assert_uint_eq(out, place == 0 ? (unsigned)want << 4 | 7
				                                  : 7u << 4 | (unsigned)want);
		}
	}
}
END_TEST

START_TEST(parse_u64_is_strict)
{
	uint64_t v;
	ck_assert_int_eq(ms_parse_u64("42", 1, 100, &v), 0);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(ms_parse_u64("0", 1, 100, &v), -1);
	ck_assert_int_eq(ms_parse_u64("101", 1, 100, &v), -1);
	ck_assert_int_eq(ms_parse_u64("-1", 0, 100, &v), -1);
	ck_assert_int_eq(ms_parse_u64(" 1", 0, 100, &v), -1);
	ck_assert_int_eq(ms_parse_u64("1x", 0, 100, &v), -1);
	ck_assert_int_eq(ms_parse_u64("", 0, 100, &v), -1);
	ck_assert_int_eq(ms_parse_u64("99999999999999999999999", 0, UINT64_MAX, &v), -1);
}
END_TEST

START_TEST(path_parts)
{
	char *s;
	ck_assert_str_eq(s = ms_basename("a/b/c"), "c");
	free(s);
	ck_assert_str_eq(s = ms_basename("a/b/"), "b");
	free(s);
	ck_assert_str_eq(s = ms_basename("c"), "c");
	free(s);
	ck_assert_str_eq(s = ms_dirname("a/b/c"), "a/b");
	free(s);
	ck_assert_str_eq(s = ms_dirname("c"), ".");
	free(s);
	ck_assert_str_eq(s = ms_dirname("/c"), "/");
	free(s);
}
END_TEST

START_TEST(atomic_write_replaces_whole_file)
{
	char dir[] = "/tmp/ms-util-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *path = ms_asprintf("%s/f", dir);
	ck_assert_int_eq(ms_write_atomic(path, "old", 3, 0600), 0);
	ck_assert_int_eq(ms_write_atomic(path, "new data", 8, 0644), 0);
	char *buf;
	size_t len;
	ck_assert_int_eq(ms_read_file(path, 1024, "test file", &buf, &len), 0);
	ck_assert_uint_eq(len, 8);
	ck_assert_str_eq(buf, "new data");
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	free(buf);
	/* A file over the limit is refused, not truncated. */
	ck_assert_int_eq(ms_read_file(path, 4, "test file", &buf, &len), -1);
	unlink(path);
	rmdir(dir);
	free(path);
}
END_TEST

START_TEST(atomic_write_failure_leaves_nothing)
{
	ck_assert_int_eq(ms_write_atomic("/nonexistent-dir/x", "a", 1, 0600), -1);
}
END_TEST

static void expect_escaped(const char *in, const char *want)
{
	char *got = ms_escape(in);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(escape_makes_text_terminal_safe)
{
	expect_escaped("plain name.bin", "plain name.bin");
	expect_escaped("x\033[2K\rverified OK", "x\\x1b[2K\\rverified OK");
	expect_escaped("a\tb\nc\x7f", "a\\tb\\nc\\x7f");
	expect_escaped("back\\slash", "back\\\\slash");
	expect_escaped("bad\xff"
	               "name",
	               "bad\\xff"
	               "name");
	expect_escaped("trunc\xe2\x80", "trunc\\xe2\\x80");
	/* U+202E RIGHT-TO-LEFT OVERRIDE and U+0085 (C1) as code points */
	expect_escaped("a\xe2\x80\xae"
	               "b",
	               "a\\u202e"
	               "b");
	expect_escaped("c1\xc2\x85", "c1\\u0085");
	/* other UTF-8 passes: é, 漢, 😀 */
	expect_escaped("\xc3\xa9\xe6\xbc\xa2\xf0\x9f\x98\x80",
	               "\xc3\xa9\xe6\xbc\xa2\xf0\x9f\x98\x80");
	ck_assert_str_eq(ms_esc(NULL), "(null)");
}
END_TEST

START_TEST(edit_distance_and_suggestions)
{
	ck_assert_uint_eq(ms_edit_distance("sign", "sign"), 0);
	ck_assert_uint_eq(ms_edit_distance("sgin", "sign"), 1); /* transposition */
	ck_assert_uint_eq(ms_edit_distance("kye", "key"), 1);
	ck_assert_uint_eq(ms_edit_distance("", "abc"), 3);
	ck_assert_uint_eq(ms_edit_distance("verfy", "verify"), 1);
	ck_assert_uint_eq(ms_edit_distance("kitten", "sitting"), 3);
	static const char *const cmds[] = {"sign", "verify", "show", "log"};
	ck_assert_str_eq(ms_suggest("sgin", cmds, 4), "sign");
	ck_assert_str_eq(ms_suggest("verfiy", cmds, 4), "verify");
	ck_assert_ptr_null(ms_suggest("frobnicate", cmds, 4));
	ck_assert_ptr_null(ms_suggest("x", cmds, 4)); /* too short to guess */
	char long_word[100];
	memset(long_word, 'a', sizeof long_word - 1);
	long_word[sizeof long_word - 1] = '\0';
	ck_assert_uint_eq(ms_edit_distance(long_word, "a"), SIZE_MAX);
}
END_TEST

static Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, hex_round_trip);
	tcase_add_test(tc, hex_rejects_bad_input);
	tcase_add_test(tc, hex_every_byte);
	tcase_add_test(tc, parse_u64_is_strict);
	tcase_add_test(tc, path_parts);
	tcase_add_test(tc, atomic_write_replaces_whole_file);
	tcase_add_test(tc, atomic_write_failure_leaves_nothing);
	tcase_add_test(tc, escape_makes_text_terminal_safe);
	tcase_add_test(tc, edit_distance_and_suggestions);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(util_suite)
