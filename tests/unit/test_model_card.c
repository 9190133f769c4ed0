/* Unit tests for src/model_card.c (model card front matter) and src/lfs.c
 * (Git LFS pointer files): the two readers of model text sign adds. */
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "modelseal/lfs.h"
#include "modelseal/model_card.h"
#include "modelseal/util.h"

static int parse(const char *text, struct ms_model_card *c)
{
	return ms_model_card_parse(text, strlen(text), "README.md", c);
}

START_TEST(card_fields)
{
	struct ms_model_card c;
	ck_assert_int_eq(parse("---\nbase_model: org/a\nbase_model_relation: adapter\n"
	                       "datasets: [d/one, d/two]\nlicense: mit\ntags: [x]\n---\nprose\n",
	                       &c),
	                 1);
	ck_assert_uint_eq(c.n_base_models, 1);
	ck_assert_str_eq(c.base_models[0], "org/a");
	ck_assert_str_eq(c.relation, "adapter");
	ck_assert_uint_eq(c.n_datasets, 2);
	ck_assert_str_eq(c.datasets[1], "d/two");
	ck_assert_str_eq(c.license, "mit");
	ms_model_card_free(&c);
	/* a BOM, CRLF lines and a "..." end */
	ck_assert_int_eq(parse("\xef\xbb\xbf---\r\nbase_model:\r\n- a\r\n- b\r\n...\r\n", &c), 1);
	ck_assert_uint_eq(c.n_base_models, 2);
	ck_assert_str_eq(c.base_models[1], "b");
	ms_model_card_free(&c);
}
END_TEST

START_TEST(card_none_or_bad)
{
	struct ms_model_card c;
	ck_assert_int_eq(parse("# just prose\n---\nlicense: mit\n---\n", &c), 0);
	ck_assert_int_eq(parse("---\ntags: [a]\n---\n", &c), 0);      /* none of ours */
	ck_assert_int_eq(parse("---\n---\n", &c), 0);                 /* empty */
	ck_assert_int_eq(parse("---\nlicense: mit\n", &c), 0);        /* not closed */
	ck_assert_int_eq(parse("---\nbase_model: [a\n---\n", &c), 0); /* not YAML */
	ck_assert_int_eq(parse("---\n- a\n---\n", &c), 0);            /* not a mapping */
	ck_assert_int_eq(parse("---\nlicense: ~\nbase_model: null\n---\n", &c), 0);
	/* wrong types are dropped, the rest kept */
	ck_assert_int_eq(parse("---\nbase_model: {a: b}\nlicense: \"a\\x1bb\"\n"
	                       "base_model_relation: distilled\ndatasets: [ok, [no]]\n---\n",
	                       &c),
	                 1);
	ck_assert_uint_eq(c.n_base_models, 0);
	ck_assert_ptr_null(c.license);
	ck_assert_ptr_null(c.relation);
	ck_assert_uint_eq(c.n_datasets, 1);
	ms_model_card_free(&c);
	/* the first of two fields with one name wins */
	ck_assert_int_eq(parse("---\nlicense: a\nlicense: b\n---\n", &c), 1);
	ck_assert_str_eq(c.license, "a");
	ms_model_card_free(&c);
}
END_TEST

START_TEST(card_limits)
{
	struct ms_model_card c;
	struct ms_buf b = {0};
	ms_buf_printf(&b, "---\ndatasets:\n");
	for (int i = 0; i <= MS_MODEL_CARD_LIST_MAX; i++)
		ms_buf_printf(&b, "- d%d\n", i);
	ms_buf_printf(&b, "license: %0*d\n---\n", MS_MODEL_CARD_STRING_MAX + 1, 0);
	ck_assert_int_eq(ms_model_card_parse(b.data, b.len, "README.md", &c), 0);
	ms_buf_free(&b);
}
END_TEST

#define OID "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"

static int lfs(const char *text, struct ms_lfs_pointer *p)
{
	return ms_lfs_pointer_parse(text, strlen(text), p);
}

START_TEST(lfs_pointers)
{
	struct ms_lfs_pointer p;
	ck_assert_int_eq(
	    lfs("version https://git-lfs.github.com/spec/v1\noid sha256:" OID "\nsize 12345\n", &p),
	    1);
	ck_assert_str_eq(p.oid, OID);
	ck_assert_uint_eq(p.size, 12345);
	ck_assert_int_eq(
	    lfs("version https://git-lfs.github.com/spec/v1\next-0-x y\noid sha256:" OID
	        "\nsize 0\n",
	        &p),
	    1);
	/* not pointers: no size, no newline at the end, other versions, a
	 * bad oid, garbage lines, upper-case keys */
	ck_assert_int_eq(
	    lfs("version https://git-lfs.github.com/spec/v1\noid sha256:" OID "\n", &p), 0);
	ck_assert_int_eq(
	    lfs("version https://git-lfs.github.com/spec/v1\noid sha256:" OID "\nsize 1", &p), 0);
	ck_assert_int_eq(lfs("version https://example.com/v9\noid sha256:" OID "\nsize 1\n", &p),
	                 0);
	ck_assert_int_eq(
	    lfs("version https://git-lfs.github.com/spec/v1\noid md5:ab\nsize 1\n", &p), 0);
	ck_assert_int_eq(
	    lfs("version https://git-lfs.github.com/spec/v1\noid sha256:" OID "\nsize 1x\n", &p),
	    0);
	ck_assert_int_eq(
	    lfs("version https://git-lfs.github.com/spec/v1\nOid sha256:" OID "\nsize 1\n", &p), 0);
	ck_assert_int_eq(lfs("safetensors", &p), 0);
}
END_TEST

static Suite *model_card_suite(void)
{
	Suite *s = suite_create("model_card");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, card_fields);
	tcase_add_test(tc, card_none_or_bad);
	tcase_add_test(tc, card_limits);
	tcase_add_test(tc, lfs_pointers);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(model_card_suite)
