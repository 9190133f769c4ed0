/* Unit tests for the SLSA provenance statement and the lineage half of sign. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "modelseal/cli.h"
#include "modelseal/provenance.h"
#include "modelseal/sign_lineage.h"
#include "modelseal/util.h"

static char dir[64];
static char *db_path;

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/ms-provtest.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	db_path = ms_asprintf("%s/registry.db", dir);
	ms_global.registry = db_path;
}

static void teardown(void)
{
	char *cmd = ms_asprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(db_path);
	ms_global.registry = NULL;
}

static const char *str_at(const cJSON *o, const char *path)
{
	/* path: keys separated by '.', array indexes as digits */
	char buf[256], *save = NULL;
	snprintf(buf, sizeof buf, "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		o = (*k >= '0' && *k <= '9') ? cJSON_GetArrayItem(o, atoi(k))
		                             : cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_GetStringValue(o);
}

START_TEST(statement_shape)
{
	struct ms_model_link deps[2] = {
	    {.name = "base", .version = "1", .relation = MS_REL_FINETUNE},
	    {.relation = MS_REL_DATASET},
	};
	memset(deps[0].digest, 'a', MS_HEX_LEN);
	memset(deps[1].digest, 'b', MS_HEX_LEN);
	char root[MS_HEX_LEN + 1] = {0};
	memset(root, 'c', MS_HEX_LEN);
	struct ms_provenance p = {.subject_name = "model",
	                          .root = root,
	                          .name = "ft",
	                          .version = "2",
	                          .method = "shards",
	                          .hash = "sha256",
	                          .shard_size = 8,
	                          .deps = deps,
	                          .n_deps = 2,
	                          .time = 0};
	char *text = ms_provenance_statement(&p);
	cJSON *st = cJSON_Parse(text);
	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(str_at(st, "_type"), "https://in-toto.io/Statement/v1");
	ck_assert_str_eq(str_at(st, "predicateType"), "https://slsa.dev/provenance/v1");
	ck_assert_str_eq(str_at(st, "subject.0.name"), "model");
	ck_assert_str_eq(str_at(st, "subject.0.digest.sha256"), root);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(st, "subject")), 1);
	ck_assert_str_eq(str_at(st, "predicate.buildDefinition.buildType"),
	                 MS_PROVENANCE_BUILD_TYPE);
	ck_assert_str_eq(str_at(st, "predicate.buildDefinition.externalParameters.name"), "ft");
	ck_assert_str_eq(str_at(st, "predicate.buildDefinition.resolvedDependencies.0.name"),
	                 "base@1");
	ck_assert_str_eq(
	    str_at(st, "predicate.buildDefinition.resolvedDependencies.0.annotations.relation"),
	    "finetune");
	ck_assert_str_eq(
	    str_at(st, "predicate.buildDefinition.resolvedDependencies.1.digest.sha256"),
	    deps[1].digest);
	ck_assert_str_eq(str_at(st, "predicate.buildDefinition.resolvedDependencies.1.name"),
	                 "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	ck_assert_str_eq(
	    str_at(st, "predicate.buildDefinition.resolvedDependencies.1.annotations.relation"),
	    "dataset");
	ck_assert_str_eq(str_at(st, "predicate.runDetails.builder.id"), MS_PROVENANCE_BUILDER_ID);
	ck_assert_str_eq(str_at(st, "predicate.runDetails.metadata.finishedOn"),
	                 "1970-01-01T00:00:00Z");
	cJSON_Delete(st);
	free(text);
}
END_TEST

START_TEST(provenance_paths)
{
	char *p;
	ck_assert_str_eq(p = ms_provenance_path("m/model.sig"), "m/model.provenance.sig");
	free(p);
	ck_assert_str_eq(p = ms_provenance_path("w.bin.sig"), "w.bin.provenance.sig");
	free(p);
	ck_assert_str_eq(p = ms_provenance_path("bundle.json"), "bundle.json.provenance.sig");
	free(p);
}
END_TEST

/* A manifest with only what the lineage code reads. */
static void fake_manifest(struct ms_manifest *m, char fill)
{
	memset(m, 0, sizeof *m);
	m->name = "model";
	memset(m->root, fill, sizeof m->root);
	m->total_bytes = 10;
	m->n_files = 1;
}

/* Signs (as far as the registry sees it) a model with the given options. */
static int sign_as(const char *name, const char *version, char fill, const char **parents,
                   size_t np, const char **datasets, size_t nd)
{
	struct ms_sign_lineage l = {.name = name, .version = version};
	struct ms_manifest m;
	int rc = 0;
	for (size_t i = 0; i < np && rc == 0; i++)
		rc = ms_sign_lineage_add_parent(&l, parents[i]);
	for (size_t i = 0; i < nd; i++)
		ms_sign_lineage_add_dataset(&l, datasets[i]);
	fake_manifest(&m, fill);
	if (rc == 0)
		rc = ms_sign_lineage_prepare(&l);
	if (rc == 0)
		rc = ms_sign_lineage_resolve_paths(&l, NULL);
	if (rc == 0)
		rc = ms_sign_lineage_check(&l, &m);
	if (rc == 0)
		rc = ms_sign_lineage_lock(&l, &m);
	char *prov = rc == 0 && ms_sign_lineage_wants_provenance(&l)
	                 ? ms_sign_lineage_provenance(&l, &m)
	                 : NULL;
	if (rc == 0)
		rc = ms_sign_lineage_record(&l, &m, "{}", "{\"b\":1}", "keyid", prov);
	free(prov);
	ms_sign_lineage_free(&l);
	return rc;
}

START_TEST(sign_lineage_flow)
{
	const char *ft_parents[] = {"base@1=finetune"};
	const char *ft_data[] = {"data@1"};
	ck_assert_int_eq(sign_as("base", "1", 0x11, NULL, 0, NULL, 0), 0);
	ck_assert_int_eq(sign_as("data", "1", 0x22, NULL, 0, NULL, 0), 0);
	ck_assert_int_eq(sign_as("ft", "1", 0x33, ft_parents, 1, ft_data, 1), 0);

	struct ms_registry *reg;
	struct ms_model_info m;
	char d[MS_HEX_LEN + 1];
	ck_assert_int_eq(ms_registry_open(NULL, 0, &reg), 0);
	ck_assert_int_eq(ms_registry_resolve_ref(reg, "ft@1", d), 0);
	ck_assert_int_eq(ms_registry_get_model(reg, d, MS_INFO_FULL | MS_INFO_PARENTS, &m), 0);
	ck_assert_uint_eq(m.n_parents, 2);
	ck_assert_ptr_nonnull(m.provenance);
	ck_assert_ptr_nonnull(strstr(m.provenance, "\"relation\":\"dataset\""));
	ms_model_info_free(&m);
	ck_assert_int_eq(ms_registry_resolve_ref(reg, "base@1", d), 0);
	ck_assert_int_eq(ms_registry_get_model(reg, d, MS_INFO_FULL, &m), 0);
	ck_assert_ptr_nonnull(m.provenance); /* every signature has its provenance */
	ms_model_info_free(&m);
	struct ms_audit a;
	ck_assert_int_eq(ms_registry_audit(reg, &a), 0);
	ck_assert_uint_eq(a.n_events, 3);
	ms_registry_close(reg);
}
END_TEST

START_TEST(sign_lineage_refuses)
{
	const char *unknown[] = {"nope@1=finetune"};
	const char *bad_rel[] = {"base@1=distilled"};
	const char *as_dataset[] = {"base@1=dataset"};
	const char *no_eq[] = {"base@1"};
	const char *two[] = {"base@1=finetune", "other@1=finetune"};
	const char *one_merge[] = {"base@1=merge"};
	const char *twice[] = {"base@1=merge", "base@1=merge"};
	const char *self[] = {"base@1=finetune"};
	ck_assert_int_eq(sign_as("base", "1", 0x11, NULL, 0, NULL, 0), 0);
	ck_assert_int_eq(sign_as("other", "1", 0x12, NULL, 0, NULL, 0), 0);
	ck_assert_int_eq(sign_as("x", "1", 0x44, unknown, 1, NULL, 0), -1);
	ck_assert_int_eq(sign_as("x", "1", 0x44, bad_rel, 1, NULL, 0), -1);
	ck_assert_int_eq(sign_as("x", "1", 0x44, as_dataset, 1, NULL, 0), -1);
	ck_assert_int_eq(sign_as("x", "1", 0x44, no_eq, 1, NULL, 0), -1);
	ck_assert_int_eq(sign_as("x", "1", 0x44, two, 2, NULL, 0), -1);
	ck_assert_int_eq(sign_as("x", "1", 0x44, one_merge, 1, NULL, 0), -1);
	ck_assert_int_eq(sign_as("x", "1", 0x44, twice, 2, NULL, 0), -1);
	ck_assert_int_eq(sign_as("x", "1", 0x44, NULL, 0, (const char *[]){"nope@2"}, 1), -1);
	ck_assert_int_eq(sign_as("x", NULL, 0x44, NULL, 0, NULL, 0), -1);    /* name w/o version */
	ck_assert_int_eq(sign_as("base", "1", 0x45, NULL, 0, NULL, 0), -1);  /* name taken */
	ck_assert_int_eq(sign_as("base2", "1", 0x11, self, 1, NULL, 0), -1); /* own parent */
	/* Nothing of the above was recorded. */
	struct ms_registry *reg;
	struct ms_audit a;
	ck_assert_int_eq(ms_registry_open(NULL, 0, &reg), 0);
	ck_assert_int_eq(ms_registry_audit(reg, &a), 0);
	ck_assert_uint_eq(a.n_events, 2);
	ms_registry_close(reg);
}
END_TEST

START_TEST(no_record_needs_no_registry)
{
	struct ms_sign_lineage l = {.name = "a", .version = "1", .no_record = 1};
	struct ms_manifest m;
	fake_manifest(&m, 0x55);
	ck_assert_int_eq(ms_sign_lineage_prepare(&l), 0);
	ck_assert_int_eq(ms_sign_lineage_check(&l, &m), 0);
	ck_assert_int_eq(ms_sign_lineage_lock(&l, &m), 0);
	ck_assert_int_eq(ms_sign_lineage_record(&l, &m, "{}", "{}", "k", NULL), 0);
	ms_sign_lineage_free(&l);
	ck_assert_int_eq(access(db_path, F_OK), -1);
}
END_TEST

static Suite *provenance_suite(void)
{
	Suite *s = suite_create("provenance");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, statement_shape);
	tcase_add_test(tc, provenance_paths);
	tcase_add_test(tc, sign_lineage_flow);
	tcase_add_test(tc, sign_lineage_refuses);
	tcase_add_test(tc, no_record_needs_no_registry);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(provenance_suite)
