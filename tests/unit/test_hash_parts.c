/* Unit tests for hash --part / --merge (src/hash_parts.c): for many model
 * shapes and part counts the merged statement is byte for byte the whole
 * model's, and parts that do not fit are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "modelseal/hash_parts.h"
#include "modelseal/hashing.h"
#include "modelseal/util.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/ms-parts-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char *cmd = ms_asprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* dir/model/rel with n bytes of a pattern that depends on rel. */
static void make_file(const char *rel, size_t n)
{
	char *path = ms_asprintf("%s/model/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < n; i++)
		fputc((int)((i * 31 + strlen(rel) * 7) & 0xff), f);
	ck_assert_int_eq(fclose(f), 0);
	free(path);
}

static char *model_path(void)
{
	return ms_asprintf("%s/model", dir);
}

static char *whole_statement(const struct ms_hash_opts *o)
{
	struct ms_manifest m;
	char *path = model_path();
	ck_assert_int_eq(ms_model_hash(path, o, &m), 0);
	char *json = ms_statement_to_json(&m);
	ms_manifest_free(&m);
	free(path);
	return json;
}

/* Writes parts 1..n to files and returns their paths. */
static char **write_parts(const struct ms_hash_opts *o, unsigned n)
{
	char **paths = ms_calloc(n, sizeof *paths);
	char *model = model_path();
	for (unsigned k = 1; k <= n; k++) {
		char *json;
		ck_assert_int_eq(ms_hash_part(model, o, k, n, &json), 0);
		paths[k - 1] = ms_asprintf("%s/part%u.json", dir, k);
		ck_assert_int_eq(ms_write_atomic(paths[k - 1], json, strlen(json), 0644), 0);
		free(json);
	}
	free(model);
	return paths;
}

static void free_parts(char **paths, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		unlink(paths[k]);
		free(paths[k]);
	}
	free(paths);
}

static void expect_merge_equals_whole(const struct ms_hash_opts *o, unsigned n)
{
	char *want = whole_statement(o);
	char **paths = write_parts(o, n);
	struct ms_manifest m;
	ck_assert_int_eq(ms_hash_merge(paths, n, &m), 0);
	char *got = ms_statement_to_json(&m);
	ck_assert_str_eq(got, want);
	ms_manifest_free(&m);
	free(got);
	free(want);
	free_parts(paths, n);
}

static void each_part_count(enum ms_method method, uint64_t shard_size)
{
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	o.method = method;
	o.shard_size = shard_size;
	for (unsigned n = 1; n <= 9; n++)
		expect_merge_equals_whole(&o, n);
	ms_hash_opts_free(&o);
}

START_TEST(shapes_merge_to_the_whole_statement)
{
	/* empty files at the start, middle and end, one file spanning many
	 * shards (so part borders fall inside it), files smaller than a shard */
	make_file("a-empty", 0);
	make_file("big.bin", 1000);
	make_file("d/mid-empty", 0);
	make_file("d/small", 5);
	make_file("d/three", 3);
	make_file("z/last", 130);
	make_file("z/zz-empty", 0);
	each_part_count(MS_METHOD_SHARDS, 7);
	each_part_count(MS_METHOD_SHARDS, 64);
	each_part_count(MS_METHOD_SHARDS, 1 << 20);
	each_part_count(MS_METHOD_FILES, 0);
}
END_TEST

START_TEST(one_file_and_empty_models)
{
	make_file("only", 100);
	each_part_count(MS_METHOD_SHARDS, 9);
	each_part_count(MS_METHOD_FILES, 0);
	char *p = ms_asprintf("%s/model/only", dir);
	unlink(p);
	free(p);
	each_part_count(MS_METHOD_SHARDS, 9); /* nothing at all: part 1 holds it */
	make_file("e1", 0);
	make_file("e2", 0);
	each_part_count(MS_METHOD_SHARDS, 9); /* only empty files */
	each_part_count(MS_METHOD_FILES, 0);
}
END_TEST

START_TEST(parts_that_do_not_fit_are_refused)
{
	make_file("w", 500);
	make_file("v", 70);
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	o.shard_size = 16;
	char **paths = write_parts(&o, 3);
	struct ms_manifest m;
	/* a part missing, or given twice */
	ck_assert_int_eq(ms_hash_merge(paths, 2, &m), -1);
	char *twice[3] = {paths[0], paths[1], paths[1]};
	ck_assert_int_eq(ms_hash_merge(twice, 3, &m), -1);
	/* a part of another listing: the model changed between the jobs */
	make_file("v", 71);
	char *model = model_path(), *json;
	ck_assert_int_eq(ms_hash_part(model, &o, 3, 3, &json), 0);
	ck_assert_int_eq(ms_write_atomic(paths[2], json, strlen(json), 0644), 0);
	free(json);
	ck_assert_int_eq(ms_hash_merge(paths, 3, &m), -1);
	/* other settings in one part */
	make_file("v", 70);
	o.shard_size = 32;
	ck_assert_int_eq(ms_hash_part(model, &o, 3, 3, &json), 0);
	ck_assert_int_eq(ms_write_atomic(paths[2], json, strlen(json), 0644), 0);
	free(json);
	ck_assert_int_eq(ms_hash_merge(paths, 3, &m), -1);
	free(model);
	free_parts(paths, 3);
	ms_hash_opts_free(&o);
	/* a resource where the plan has none (one empty file): refused, not
	 * looked up in an empty plan (found by fuzz_hash_part) */
	static const char empty_plan[] =
	    "{\"modelseal_statement_part\": 1, \"part\": 1, \"parts\": 1, \"name\": \"f\", "
	    "\"serialization\": {\"method\": \"shards\", \"hash_type\": \"sha256\", "
	    "\"allow_symlinks\": false, \"ignore_paths\": [], \"shard_size\": 67108864}, "
	    "\"files\": [{\"path\": \".\", \"size\": 0}], \"resources\": [{\"name\": "
	    "\".:0:1\", \"algorithm\": \"sha256-sharded-67108864\", \"digest\": "
	    "\"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881\"}]}";
	char *bad = ms_asprintf("%s/empty-plan.json", dir);
	ck_assert_int_eq(ms_write_atomic(bad, empty_plan, strlen(empty_plan), 0644), 0);
	ck_assert_int_eq(ms_hash_merge(&bad, 1, &m), -1);
	free(bad);
	unsigned k, n;
	ck_assert_int_eq(ms_part_spec_parse("2/3", &k, &n), 0);
	ck_assert_uint_eq(k, 2);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(ms_part_spec_parse("0/3", &k, &n), -1);
	ck_assert_int_eq(ms_part_spec_parse("4/3", &k, &n), -1);
	ck_assert_int_eq(ms_part_spec_parse("1/5000", &k, &n), -1);
	ck_assert_int_eq(ms_part_spec_parse("3", &k, &n), -1);
}
END_TEST

static Suite *parts_suite(void)
{
	Suite *s = suite_create("hash_parts");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, shapes_merge_to_the_whole_statement);
	tcase_add_test(tc, one_file_and_empty_models);
	tcase_add_test(tc, parts_that_do_not_fit_are_refused);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(parts_suite)
