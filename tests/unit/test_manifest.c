/* Unit tests for the manifest: ordering, names, safe paths, and the
 * statement parser on good and hostile input. */
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "modelseal/manifest.h"
#include "modelseal/util.h"

START_TEST(path_order_is_component_wise)
{
	ck_assert_int_lt(ms_path_cmp("a/b", "a.b"), 0);
	ck_assert_int_lt(ms_path_cmp("a/b", "a-b"), 0);
	ck_assert_int_lt(ms_path_cmp("a", "a/b"), 0);
	ck_assert_int_lt(ms_path_cmp("d0/f02", "d1/f10"), 0);
	ck_assert_int_gt(ms_path_cmp("f0", "d1/f12"), 0);
	ck_assert_int_eq(ms_path_cmp("x/y", "x/y"), 0);
	ck_assert_int_lt(ms_path_cmp("A", "a"), 0); /* bytes, not locale */
}
END_TEST

START_TEST(safe_paths)
{
	ck_assert(ms_path_is_safe("a/b.bin"));
	ck_assert(ms_path_is_safe("."));
	ck_assert(ms_path_is_safe("..a/b..")); /* dots inside names are fine */
	ck_assert(!ms_path_is_safe("/etc/passwd"));
	ck_assert(!ms_path_is_safe("../x"));
	ck_assert(!ms_path_is_safe("a/../../x"));
	ck_assert(!ms_path_is_safe("a//b"));
	ck_assert(!ms_path_is_safe("a/./b"));
	ck_assert(!ms_path_is_safe("a/"));
	ck_assert(!ms_path_is_safe(""));
}
END_TEST

static struct ms_manifest sample(enum ms_method method)
{
	struct ms_manifest m = {0};
	m.name = ms_strdup("model");
	m.method = method;
	m.alg = MS_HASH_SHA256;
	m.shard_size = method == MS_METHOD_SHARDS ? 8 : 0;
	m.n_res = 3;
	m.res = ms_calloc(3, sizeof *m.res);
	const char *paths[] = {"a", "a", "b/c"};
	const uint64_t starts[] = {0, 8, 0}, ends[] = {8, 12, 3};
	for (size_t i = 0; i < 3; i++) {
		m.res[i].path = ms_strdup(
		    method == MS_METHOD_FILES ? (const char *[]){"a", "b", "b/c"}[i] : paths[i]);
		m.res[i].start = starts[i];
		m.res[i].end = ends[i];
		memset(m.res[i].digest, (int)i + 1, 32);
	}
	if (method == MS_METHOD_FILES)
		ms_manifest_sort(&m);
	ms_manifest_compute_root(&m);
	return m;
}

START_TEST(statement_round_trip)
{
	for (int method = MS_METHOD_SHARDS; method <= MS_METHOD_FILES; method++) {
		struct ms_manifest m = sample((enum ms_method)method), back;
		char *json = ms_statement_to_json(&m);
		ck_assert_int_eq(ms_statement_parse(json, strlen(json), &back), 0);
		ck_assert_uint_eq(back.n_res, m.n_res);
		ck_assert_mem_eq(back.root, m.root, 32);
		ck_assert_str_eq(back.name, "model");
		ck_assert_int_eq(back.method, m.method);
		for (size_t i = 0; i < m.n_res; i++) {
			ck_assert_str_eq(back.res[i].path, m.res[i].path);
			ck_assert_mem_eq(back.res[i].digest, m.res[i].digest, 32);
		}
		/* Printing again gives the same bytes: the format is stable. */
		char *again = ms_statement_to_json(&back);
		ck_assert_str_eq(again, json);
		free(again);
		free(json);
		ms_manifest_free(&m);
		ms_manifest_free(&back);
	}
}
END_TEST

/* Replaces the first occurrence of from with to in a statement and expects
 * the parser to refuse it. */
static void expect_rejected(const char *from, const char *to)
{
	struct ms_manifest m = sample(MS_METHOD_SHARDS), back;
	char *json = ms_statement_to_json(&m);
	char *at = strstr(json, from);
	ck_assert_msg(at != NULL, "fixture lacks %s", from);
	char *bad = ms_asprintf("%.*s%s%s", (int)(at - json), json, to, at + strlen(from));
	ck_assert_msg(ms_statement_parse(bad, strlen(bad), &back) == -1, "accepted: %s -> %s", from,
	              to);
	free(bad);
	free(json);
	ms_manifest_free(&m);
}

START_TEST(statement_rejects_hostile_shapes)
{
	expect_rejected("\"name\": \"a:0:8\"", "\"name\": \"/etc/passwd:0:8\"");
	expect_rejected("\"name\": \"a:0:8\"", "\"name\": \"../a:0:8\"");
	expect_rejected("\"name\": \"a:0:8\"", "\"name\": \"a:0:9\"");   /* wrong size */
	expect_rejected("\"name\": \"a:8:12\"", "\"name\": \"a:9:12\""); /* gap */
	expect_rejected("\"name\": \"a:8:12\"", "\"name\": \"a:4:12\""); /* overlap */
	expect_rejected("\"name\": \"a:8:12\"", "\"name\": \"a:0:8\"");  /* duplicate */
	expect_rejected("\"name\": \"a:0:8\"", "\"name\": \"a:x:8\"");
	/* Offsets in canonical decimal only (found by fuzz_resource_name):
	 * "a:8:012" would read as a:8:12 but print differently. */
	expect_rejected("\"name\": \"a:8:12\"", "\"name\": \"a:8:012\"");
	expect_rejected("\"name\": \"a:8:12\"", "\"name\": \"a:08:12\"");
	expect_rejected("\"name\": \"a:0:8\"", "\"name\": \"a:00:8\"");
	expect_rejected("\"name\": \"a:0:8\"", "\"name\": \"a\"");
	expect_rejected("\"algorithm\": \"sha256-sharded-8\"", "\"algorithm\": \"md5\"");
	expect_rejected("\"shard_size\": 8", "\"shard_size\": 8.5");
	expect_rejected("\"shard_size\": 8", "\"shard_size\": -8");
	expect_rejected("\"shard_size\": 8", "\"shard_size\": 1e300");
	expect_rejected("\"method\": \"shards\"", "\"method\": \"bytes\"");
	expect_rejected("\"hash_type\": \"sha256\"", "\"hash_type\": \"md5\"");
	expect_rejected("\"_type\": \"https://in-toto.io/Statement/v1\"", "\"_type\": \"x\"");
	expect_rejected("\"predicateType\": \"https://model_signing/signature/v1.0\"",
	                "\"predicateType\": \"https://slsa.dev/provenance/v1\"");
	expect_rejected("\"digest\": \"01", "\"digest\": \"zz");   /* not hex */
	expect_rejected("\"digest\": \"01", "\"digest\": \"0101"); /* too long */
	expect_rejected("\"sha256\": \"", "\"sha256\": \"00");     /* root mismatch */
	expect_rejected("\"ignore_paths\": []", "\"ignore_paths\": [\"../x\"]");
	expect_rejected("\"ignore_paths\": []", "\"ignore_paths\": 3");
	/* A resource the statement's own ignore list excludes. */
	expect_rejected("\"ignore_paths\": []", "\"ignore_paths\": [\"x\", \"b\"]");
	expect_rejected("\"ignore_paths\": []", "\"ignore_paths\": [\"a\"]");
	expect_rejected("\"ignore_paths\": []", "\"ignore_paths\": [\"b/c\"]");
	expect_rejected("\"subject\": [{", "\"subject\": [{\"name\":\"x\",\"digest\":{}}, {");
	expect_rejected("\"method\": \"shards\"", "\"method\": \"shards\", \"method\": \"files\"");
	expect_rejected("\"resources\": [", "\"resources\": [3, ");
	expect_rejected("{", "{{");
}
END_TEST

/* A single empty file (shards: no shard) is the empty file "."; it is the
 * whole model, so nothing else may be listed with it. */
static int parse_empty_single(const char *resources, const char *empty)
{
	const char *root = *resources
	                       ? "bf5d3affb73efd2ec6c36ad3112dd933efed63c4e1cbffcfa88e2759c144f2d8"
	                       : "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	char *json = ms_asprintf(
	    "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"m\","
	    "\"digest\":{\"sha256\":\"%s\"}}],"
	    "\"predicateType\":\"https://model_signing/signature/v1.0\",\"predicate\":{"
	    "\"serialization\":{\"method\":\"shards\",\"hash_type\":\"sha256\","
	    "\"allow_symlinks\":false,\"shard_size\":8},\"resources\":[%s],"
	    "\"empty_files\":[%s]}}",
	    root, resources, empty);
	struct ms_manifest m;
	int rc = ms_statement_parse(json, strlen(json), &m);
	if (rc == 0)
		ms_manifest_free(&m);
	free(json);
	return rc;
}

START_TEST(statement_single_empty_file_is_alone)
{
	ck_assert_int_eq(parse_empty_single("", "\".\""), 0);
	ck_assert_int_eq(parse_empty_single("", "\"a\""), 0);
	ck_assert_int_eq(parse_empty_single("", "\".\", \"a\""), -1);
	ck_assert_int_eq(parse_empty_single("", "\"a\", \".\""), -1);
	const char *res = "{\"name\":\"b:0:1\",\"algorithm\":\"sha256-sharded-8\",\"digest\":"
	                  "\"ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb\"}";
	ck_assert_int_eq(parse_empty_single(res, "\"a\""), 0);
	ck_assert_int_eq(parse_empty_single(res, "\".\""), -1);
}
END_TEST

START_TEST(statement_accepts_python_floats_and_missing_ignore_paths)
{
	const char *json =
	    "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"m\","
	    "\"digest\":{\"sha256\":"
	    "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}}],"
	    "\"predicateType\":\"https://model_signing/signature/v1.0\",\"predicate\":{"
	    "\"serialization\":{\"method\":\"shards\",\"hash_type\":\"sha256\","
	    "\"allow_symlinks\":true,\"shard_size\":8.0},\"resources\":[]}}";
	struct ms_manifest m;
	ck_assert_int_eq(ms_statement_parse(json, strlen(json), &m), 0);
	ck_assert_uint_eq(m.shard_size, 8);
	ck_assert_int_eq(m.allow_symlinks, 1);
	ck_assert_uint_eq(m.n_ignore_paths, 0);
	ms_manifest_free(&m);
	/* Trailing garbage after the document is refused. */
	char *trailing = ms_asprintf("%s x", json);
	ck_assert_int_eq(ms_statement_parse(trailing, strlen(trailing), &m), -1);
	free(trailing);
}
END_TEST

/* A files statement listing b/c, b, a with the root over that order. */
static char *reversed_statement(int root_of_listed_order, uint8_t root[MS_ROOT_LEN])
{
	struct ms_manifest m = sample(MS_METHOD_FILES);
	for (size_t i = 0; i < m.n_res / 2; i++) {
		struct ms_resource t = m.res[i];
		m.res[i] = m.res[m.n_res - 1 - i];
		m.res[m.n_res - 1 - i] = t;
	}
	uint8_t sorted_root[MS_ROOT_LEN];
	memcpy(sorted_root, m.root, MS_ROOT_LEN);
	ms_manifest_compute_root(&m);
	memcpy(root, m.root, MS_ROOT_LEN);
	char *json = ms_statement_to_json(&m); /* its subject: the root as listed */
	if (!root_of_listed_order) {
		/* forged: the subject replaced by the root of the sorted list */
		char listed_hex[2 * MS_ROOT_LEN + 1], sorted_hex[2 * MS_ROOT_LEN + 1];
		ms_hex_encode(root, MS_ROOT_LEN, listed_hex);
		ms_hex_encode(sorted_root, MS_ROOT_LEN, sorted_hex);
		char *at = strstr(json, listed_hex);
		ck_assert_ptr_nonnull(at);
		memcpy(at, sorted_hex, 2 * MS_ROOT_LEN);
		memcpy(root, sorted_root, MS_ROOT_LEN);
	}
	ms_manifest_free(&m);
	return json;
}

/* A statement accepted in another order prints in manifest order with the
 * root over that order, so it parses again (the fuzzer found the subject of
 * the listed order printed beside sorted resources). */
START_TEST(statement_in_other_order_prints_consistently)
{
	uint8_t root[MS_ROOT_LEN];
	char *json = reversed_statement(1, root);
	struct ms_manifest m, again;
	ck_assert_int_eq(ms_statement_parse(json, strlen(json), &m), 0);
	char *printed = ms_statement_to_json(&m);
	ck_assert_int_eq(ms_statement_parse(printed, strlen(printed), &again), 0);
	ck_assert_int_ne(memcmp(again.root, root, MS_ROOT_LEN), 0);
	ms_manifest_free(&again);
	ms_manifest_free(&m);
	free(printed);
	free(json);
}
END_TEST

START_TEST(statement_any_order_root_over_listed_order)
{
	uint8_t root[MS_ROOT_LEN];
	char *json = reversed_statement(1, root);
	struct ms_manifest m;
	ck_assert_int_eq(ms_statement_parse(json, strlen(json), &m), 0);
	ck_assert_mem_eq(m.root, root, MS_ROOT_LEN); /* the signed subject digest */
	ck_assert_str_eq(m.res[0].path, "a");        /* then in manifest order */
	ck_assert_str_eq(m.res[2].path, "b/c");
	struct ms_manifest sorted = sample(MS_METHOD_FILES);
	uint8_t fresh[MS_ROOT_LEN];
	ms_manifest_root(&m, fresh); /* what hashing the same files gives */
	ck_assert_mem_eq(fresh, sorted.root, MS_ROOT_LEN);
	ck_assert_int_ne(memcmp(fresh, m.root, MS_ROOT_LEN), 0);
	ms_manifest_free(&sorted);
	ms_manifest_free(&m);
	free(json);
	/* the root of the sorted list does not match a list in another order */
	json = reversed_statement(0, root);
	ck_assert_int_eq(ms_statement_parse(json, strlen(json), &m), -1);
	free(json);
}
END_TEST

START_TEST(statement_legacy_digests_v01)
{
	const char *json = "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":["
	                   "{\"name\":\"w/b\",\"digest\":{\"sha256\":\""
	                   "0202020202020202020202020202020202020202020202020202020202020202"
	                   "\"},\"annotations\":{\"actual_hash_algorithm\":\"file-sha256\"}},"
	                   "{\"name\":\"a\",\"digest\":{\"sha256\":\""
	                   "0101010101010101010101010101010101010101010101010101010101010101"
	                   "\"}}],\"predicateType\":\"https://model_signing/Digests/v0.1\","
	                   "\"predicate\":{\"unused\":\"x\"}}";
	struct ms_manifest m;
	ck_assert_int_eq(ms_statement_parse(json, strlen(json), &m), 0);
	ck_assert_int_eq(m.legacy, 1);
	ck_assert_int_eq(m.method, MS_METHOD_FILES);
	ck_assert_uint_eq(m.n_res, 2);
	ck_assert_str_eq(m.res[0].path, "a");
	ck_assert_ptr_null(m.ignore_paths);
	ms_manifest_free(&m);
	static const char *const bad[][2] = {
	    {"file-sha256", "file-blake2b"},        /* another hash */
	    {"w/b", "../b"},                        /* unsafe name */
	    {"\"name\":\"a\"", "\"name\":\"w/b\""}, /* listed twice */
	    {"0101010101", "01010101zz"},           /* not hex */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *at = strstr(json, bad[i][0]);
		ck_assert_ptr_nonnull(at);
		char *b = ms_asprintf("%.*s%s%s", (int)(at - json), json, bad[i][1],
		                      at + strlen(bad[i][0]));
		ck_assert_msg(ms_statement_parse(b, strlen(b), &m) == -1, "accepted %s", b);
		free(b);
	}
}
END_TEST

START_TEST(statement_refuses_non_utf8_names)
{
	struct ms_manifest m = sample(MS_METHOD_FILES);
	free(m.res[1].path);
	m.res[1].path = ms_strdup("b\xff");
	ck_assert_ptr_null(ms_statement_to_json(&m));
	free(m.res[1].path);
	m.res[1].path = ms_strdup("b\xc3\xa9"); /* UTF-8 is fine */
	char *json = ms_statement_to_json(&m);
	ck_assert_ptr_nonnull(json);
	free(json);
	free(m.name);
	m.name = ms_strdup("model\xfe");
	ck_assert_ptr_null(ms_statement_to_json(&m));
	ms_manifest_free(&m);
}
END_TEST

static Suite *manifest_suite(void)
{
	Suite *s = suite_create("manifest");
	TCase *tc = tcase_create("statement");
	tcase_add_test(tc, path_order_is_component_wise);
	tcase_add_test(tc, safe_paths);
	tcase_add_test(tc, statement_round_trip);
	tcase_add_test(tc, statement_rejects_hostile_shapes);
	tcase_add_test(tc, statement_single_empty_file_is_alone);
	tcase_add_test(tc, statement_accepts_python_floats_and_missing_ignore_paths);
	tcase_add_test(tc, statement_refuses_non_utf8_names);
	tcase_add_test(tc, statement_any_order_root_over_listed_order);
	tcase_add_test(tc, statement_in_other_order_prints_consistently);
	tcase_add_test(tc, statement_legacy_digests_v01);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(manifest_suite)
