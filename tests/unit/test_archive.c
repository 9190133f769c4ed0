/* Unit tests for the archive name rules (src/source/archive.c) and the reader/hasher
 * hand-off (src/stream.c). */
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "modelseal/archive.h"
#include "modelseal/hasher.h"
#include "modelseal/stream.h"

static void name_ok(const char *raw, const char *want)
{
	char *out;
	const char *why = ms_archive_check_name(raw, &out);
	ck_assert_msg(why == NULL, "'%s' refused: %s", raw, why);
	if (want)
		ck_assert_str_eq(out, want);
	else
		ck_assert_ptr_null(out);
	free(out);
}

static void name_refused(const char *raw, const char *reason)
{
	char *out;
	const char *why = ms_archive_check_name(raw, &out);
	ck_assert_msg(why != NULL, "'%s' accepted", raw);
	ck_assert_msg(strstr(why, reason), "'%s': '%s' lacks '%s'", raw, why, reason);
	ck_assert_ptr_null(out);
}

START_TEST(names_normalised)
{
	name_ok("model/w.bin", "model/w.bin");
	name_ok("./model/w.bin", "model/w.bin");
	name_ok("././a", "a");
	name_ok(".//a", "a");
	name_ok("dir/", "dir");
	name_ok("dir//", "dir");
	name_ok("a..b/..c", "a..b/..c");
	name_ok("...", "...");
	name_ok("./", NULL);
	name_ok(".", NULL);
}
END_TEST

START_TEST(names_refused)
{
	name_refused("/etc/passwd", "absolute");
	name_refused("//x", "absolute");
	name_refused("..", "..");
	name_refused("../x", "..");
	name_refused("a/../../x", "..");
	name_refused("a/..", "..");
	name_refused("./../x", "..");
	name_refused("a//b", "component");
	name_refused("a/./b", "component");
	name_refused("", "empty");
	name_refused(NULL, "empty");
}
END_TEST

START_TEST(model_names)
{
	static const char *const cases[][2] = {
	    {"bert.tar.zst", "bert"},
	    {"dir/bert.tar.gz", "bert"},
	    {"x.tgz", "x"},
	    {"x.zip", "x"},
	    {"x.tar", "x"},
	    {"x.tar.bz2", "x"},
	    {"v1.2.tar.xz", "v1.2"},
	    {"plain", "plain"},
	    {"x.gz", "x"},
	    {".tar", ".tar"},
	    {"a.tar.tar", "a.tar"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *n = ms_archive_model_name(cases[i][0]);
		ck_assert_str_eq(n, cases[i][1]);
		free(n);
	}
}
END_TEST

/* Shards of odd sizes written in odd pieces, plus a file range, on three
 * threads: every digest equals the one computed in one go. */
START_TEST(stream_matches_direct_hash)
{
	enum { N = 40 };
	size_t total = 5 * MS_STREAM_BUF_SIZE / 2;
	uint8_t *data = malloc(total);
	for (size_t i = 0; i < total; i++)
		data[i] = (uint8_t)(i * 2654435761u >> 13);
	for (int alg = 0; alg < 2; alg++) {
		enum ms_hash_alg a = alg ? MS_HASH_BLAKE2B : MS_HASH_SHA256;
		struct ms_stream *s = ms_stream_start(a, 3, NULL, NULL);
		ck_assert_ptr_nonnull(s);
		size_t len[N];
		for (size_t id = 0; id < N; id++) {
			len[id] = id == 7 ? total : (id * 7919) % 70000; /* 0 included */
			struct ms_stream_shard *sh = ms_stream_open(s, id);
			ck_assert_ptr_nonnull(sh);
			for (size_t off = 0; off < len[id];) {
				size_t piece = 1 + (off * 31) % 9000;
				if (piece > len[id] - off)
					piece = len[id] - off;
				ck_assert_int_eq(ms_stream_write(s, sh, data + off, piece), 0);
				off += piece;
			}
			ck_assert_int_eq(ms_stream_close(s, sh), 0);
		}
		ck_assert_int_eq(ms_stream_finish(s), 0);
		struct ms_hasher h;
		ck_assert_int_eq(ms_hasher_new(&h, a), 0);
		for (size_t id = 0; id < N; id++) {
			uint8_t want[MS_DIGEST_MAX];
			ck_assert_int_eq(ms_hasher_begin(&h), 0);
			ms_hasher_update(&h, data, len[id]);
			ck_assert_int_eq(ms_hasher_final(&h, want), 0);
			ck_assert_mem_eq(ms_stream_digest(s, id), want, ms_digest_len(a));
		}
		ms_hasher_free(&h);
		ms_stream_free(s);
	}
	free(data);
}
END_TEST

START_TEST(stream_range_error_is_reported)
{
	struct ms_stream *s = ms_stream_start(MS_HASH_SHA256, 2, NULL, NULL);
	/* A range past the end of an empty file: the worker fails, finish says so. */
	FILE *f = tmpfile();
	ck_assert_int_eq(ms_stream_range(s, 0, fileno(f), 0, 100, "empty"), 0);
	ck_assert_int_eq(ms_stream_finish(s), -1);
	ms_stream_free(s);
	fclose(f);
}
END_TEST

static Suite *archive_suite(void)
{
	Suite *s = suite_create("archive");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, names_normalised);
	tcase_add_test(tc, names_refused);
	tcase_add_test(tc, model_names);
	tcase_add_test(tc, stream_matches_direct_hash);
	tcase_add_test(tc, stream_range_error_is_reported);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(archive_suite)
