/* Unit tests for ms_manifest_diff (src/verify_model.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "modelseal/util.h"
#include "modelseal/verify.h"

/* A shards manifest from "path:start:end=d" specs, d one digest byte. */
static void build(struct ms_manifest *m, enum ms_method method, const char *const *specs, size_t n)
{
	memset(m, 0, sizeof *m);
	m->method = method;
	m->alg = MS_HASH_SHA256;
	m->shard_size = 8;
	m->res = ms_calloc(n + 1, sizeof *m->res);
	for (size_t i = 0; i < n; i++) {
		char path[64];
		unsigned long long start = 0, end = 0;
		int d;
		if (method == MS_METHOD_SHARDS)
			ck_assert_int_eq(
			    sscanf(specs[i], "%63[^:]:%llu:%llu=%d", path, &start, &end, &d), 4);
		else
			ck_assert_int_eq(sscanf(specs[i], "%63[^=]=%d", path, &d), 2);
		m->res[i].path = ms_strdup(path);
		m->res[i].start = start;
		m->res[i].end = end;
		memset(m->res[i].digest, d, 32);
	}
	m->n_res = n;
}

static struct ms_problems diff(enum ms_method method, const char *const *want, size_t nw,
                               const char *const *got, size_t ng, int ignore_extra)
{
	struct ms_manifest w, g;
	build(&w, method, want, nw);
	build(&g, method, got, ng);
	struct ms_problems p = {0};
	ms_manifest_diff(&w, &g, ignore_extra, "model.bin", &p);
	ms_manifest_free(&w);
	ms_manifest_free(&g);
	return p;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void expect(const struct ms_problems *p, size_t i, const char *path, const char *kind,
                   const char *detail)
{
	ck_assert_uint_gt(p->n, i);
	ck_assert_str_eq(p->v[i].path, path);
	ck_assert_str_eq(p->v[i].kind, kind);
	if (detail)
		ck_assert_str_eq(p->v[i].detail, detail);
	else
		ck_assert_ptr_null(p->v[i].detail);
}

START_TEST(identical_manifests_have_no_problem)
{
	const char *m[] = {"a:0:8=1", "a:8:10=2", "b/c:0:3=3"};
	struct ms_problems p = diff(MS_METHOD_SHARDS, m, N(m), m, N(m), 0);
	ck_assert_uint_eq(p.n, 0);
	ms_problems_free(&p);
}
END_TEST

START_TEST(shard_ranges_are_named_and_merged)
{
	const char *want[] = {"a:0:8=1", "a:8:16=2", "a:16:24=3", "a:24:32=4", "a:32:36=5"};
	const char *got[] = {"a:0:8=9", "a:8:16=9", "a:16:24=3", "a:24:32=4", "a:32:36=9"};
	struct ms_problems p = diff(MS_METHOD_SHARDS, want, N(want), got, N(got), 0);
	ck_assert_uint_eq(p.n, 1);
	expect(&p, 0, "a", "modified", "bytes 0:16, 32:36 differ");
	ms_problems_free(&p);
}
END_TEST

START_TEST(size_changes_are_reported)
{
	const char *want[] = {"a:0:8=1", "a:8:12=2"};
	const char *longer[] = {"a:0:8=1", "a:8:16=7", "a:16:20=8"};
	const char *shorter[] = {"a:0:5=6"};
	struct ms_problems p = diff(MS_METHOD_SHARDS, want, N(want), longer, N(longer), 0);
	expect(&p, 0, "a", "modified", "size 20 bytes, signed 12; bytes 8:20 differ");
	ms_problems_free(&p);
	p = diff(MS_METHOD_SHARDS, want, N(want), shorter, N(shorter), 0);
	expect(&p, 0, "a", "modified", "size 5 bytes, signed 12; bytes 0:12 differ");
	ms_problems_free(&p);
}
END_TEST

START_TEST(missing_and_extra_in_manifest_order)
{
	const char *want[] = {"a=1", "b=2", "d/e=3", "z=4"};
	const char *got[] = {"a=1", "c=5", "d/e=6", "d/f=7"};
	struct ms_problems p = diff(MS_METHOD_FILES, want, N(want), got, N(got), 0);
	ck_assert_uint_eq(p.n, 5);
	expect(&p, 0, "b", "missing", NULL);
	expect(&p, 1, "c", "extra", "not signed");
	expect(&p, 2, "d/e", "modified", "content differs");
	expect(&p, 3, "d/f", "extra", "not signed");
	expect(&p, 4, "z", "missing", NULL);
	ms_problems_free(&p);
	p = diff(MS_METHOD_FILES, want, N(want), got, N(got), 1); /* --ignore-unsigned-files */
	ck_assert_uint_eq(p.n, 3);
	expect(&p, 0, "b", "missing", NULL);
	expect(&p, 1, "d/e", "modified", "content differs");
	ms_problems_free(&p);
}
END_TEST

START_TEST(single_file_shown_by_name)
{
	const char *want[] = {".=1"};
	const char *got[] = {".=2"};
	struct ms_problems p = diff(MS_METHOD_FILES, want, 1, got, 1, 0);
	expect(&p, 0, "model.bin", "modified", "content differs");
	ms_problems_free(&p);
	p = diff(MS_METHOD_FILES, want, 1, got, 0, 0);
	expect(&p, 0, "model.bin", "missing", NULL);
	ms_problems_free(&p);
}
END_TEST

static Suite *verify_suite(void)
{
	Suite *s = suite_create("verify");
	TCase *tc = tcase_create("diff");
	tcase_add_test(tc, identical_manifests_have_no_problem);
	tcase_add_test(tc, shard_ranges_are_named_and_merged);
	tcase_add_test(tc, size_changes_are_reported);
	tcase_add_test(tc, missing_and_extra_in_manifest_order);
	tcase_add_test(tc, single_file_shown_by_name);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(verify_suite)
