/* Manifest order, root digest, and the OMS statement in and out. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "modelseal/json.h"
#include "modelseal/manifest.h"
#include "modelseal/util.h"

/* JSON numbers are doubles: shard sizes stay well inside exact integers. */
#define MS_MAX_SHARD_SIZE ((uint64_t)1 << 49)

void ms_manifest_free(struct ms_manifest *m)
{
	for (size_t i = 0; i < m->n_res; i++)
		free(m->res[i].path);
	for (size_t i = 0; i < m->n_ignore_paths; i++)
		free(m->ignore_paths[i]);
	for (size_t i = 0; i < m->n_empty_files; i++)
		free(m->empty_files[i]);
	free(m->res);
	free(m->ignore_paths);
	free(m->empty_files);
	free(m->name);
	memset(m, 0, sizeof *m);
}

size_t ms_digest_len(enum ms_hash_alg alg)
{
	return alg == MS_HASH_BLAKE2B ? 64 : 32;
}

const char *ms_hash_alg_name(enum ms_hash_alg alg)
{
	return alg == MS_HASH_BLAKE2B ? "blake2b" : "sha256";
}

const char *ms_method_name(enum ms_method method)
{
	return method == MS_METHOD_FILES ? "files" : "shards";
}

int ms_hash_alg_parse(const char *s, enum ms_hash_alg *out)
{
	if (strcmp(s, "sha256") == 0)
		*out = MS_HASH_SHA256;
	else if (strcmp(s, "blake2b") == 0)
		*out = MS_HASH_BLAKE2B;
	else
		return -1;
	return 0;
}

int ms_method_parse(const char *s, enum ms_method *out)
{
	if (strcmp(s, "shards") == 0)
		*out = MS_METHOD_SHARDS;
	else if (strcmp(s, "files") == 0)
		*out = MS_METHOD_FILES;
	else
		return -1;
	return 0;
}

static int resource_cmp(const void *pa, const void *pb)
{
	const struct ms_resource *a = pa, *b = pb;
	int c = ms_path_cmp(a->path, b->path);
	if (c)
		return c;
	return a->start < b->start ? -1 : a->start > b->start;
}

static int path_ptr_cmp(const void *a, const void *b)
{
	return ms_path_cmp(*(char *const *)a, *(char *const *)b);
}

/* qsort, after one linear pass that finds most inputs already in order:
 * statements are written sorted, and verify indexes 200,000 resources
 * several times, where n log n comparisons were a tenth of its time. */
static void sort_unless_sorted(void *base, size_t n, size_t size,
                               int (*cmp)(const void *, const void *))
{
	const char *p = base;
	for (size_t i = 1; i < n; i++)
		if (cmp(p + (i - 1) * size, p + i * size) > 0) {
			qsort(base, n, size, cmp);
			return;
		}
}

void ms_manifest_sort(struct ms_manifest *m)
{
	sort_unless_sorted(m->res, m->n_res, sizeof *m->res, resource_cmp);
	sort_unless_sorted(m->empty_files, m->n_empty_files, sizeof(char *), path_ptr_cmp);
}

void ms_manifest_add_empty_file(struct ms_manifest *m, const char *path)
{
	m->has_empty_files = 1;
	m->empty_files =
	    ms_reallocarray(m->empty_files, m->n_empty_files + 1, sizeof *m->empty_files);
	m->empty_files[m->n_empty_files++] = ms_strdup(path);
}

void ms_manifest_root(const struct ms_manifest *m, uint8_t out[MS_ROOT_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t dlen = ms_digest_len(m->alg);
	unsigned int outlen = 0;
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		ms_error("cannot initialise SHA-256");
		exit(MS_ERR);
	}
	for (size_t i = 0; i < m->n_res; i++)
		EVP_DigestUpdate(ctx, m->res[i].digest, dlen);
	EVP_DigestFinal_ex(ctx, out, &outlen);
	EVP_MD_CTX_free(ctx);
}

void ms_manifest_compute_root(struct ms_manifest *m)
{
	ms_manifest_root(m, m->root);
}

char *ms_resource_name(const struct ms_manifest *m, const struct ms_resource *r)
{
	if (m->method == MS_METHOD_FILES)
		return ms_strdup(r->path);
	return ms_asprintf("%s:%" PRIu64 ":%" PRIu64, r->path, r->start, r->end);
}

char *ms_resource_algorithm(const struct ms_manifest *m)
{
	if (m->method == MS_METHOD_FILES)
		return ms_strdup(ms_hash_alg_name(m->alg));
	return ms_asprintf("%s-sharded-%" PRIu64, ms_hash_alg_name(m->alg), m->shard_size);
}

/* ---- the signed set of files ---- */

static int signed_file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ms_signed_file *)a)->path,
	              ((const struct ms_signed_file *)b)->path);
}

static int signed_set_merge(struct ms_signed_set *s)
{
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct ms_signed_file *f = &s->v[i];
		if (k == 0 || strcmp(s->v[k - 1].path, f->path) != 0) {
			s->v[k++] = *f;
			continue;
		}
		struct ms_signed_file *prev = &s->v[k - 1];
		if (prev->size == 0 || f->size == 0) {
			ms_error("statement: '%s' is listed as an empty file and has resources too",
			         f->path);
			return -1;
		}
		if (f->size != UINT64_MAX && (prev->size == UINT64_MAX || f->size > prev->size))
			prev->size = f->size;
	}
	s->n = k;
	return 0;
}

int ms_signed_set_build(const struct ms_manifest *m, struct ms_signed_set *s)
{
	s->n = 0;
	s->v = ms_calloc(m->n_res + m->n_empty_files + 1, sizeof *s->v);
	for (size_t i = 0; i < m->n_res; i++)
		s->v[s->n++] = (struct ms_signed_file){
		    m->res[i].path, m->method == MS_METHOD_SHARDS ? m->res[i].end : UINT64_MAX};
	for (size_t i = 0; i < m->n_empty_files; i++)
		s->v[s->n++] = (struct ms_signed_file){m->empty_files[i], 0};
	sort_unless_sorted(s->v, s->n, sizeof *s->v, signed_file_cmp);
	if (signed_set_merge(s) == 0)
		return 0;
	ms_signed_set_free(s);
	return -1;
}

const struct ms_signed_file *ms_signed_set_find(const struct ms_signed_set *s, const char *path)
{
	struct ms_signed_file key = {path, 0};
	return s->n ? bsearch(&key, s->v, s->n, sizeof *s->v, signed_file_cmp) : NULL;
}

void ms_signed_set_free(struct ms_signed_set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* ---- statement out ---- */

cJSON *ms_serialization_json(const struct ms_manifest *m)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "method", ms_method_name(m->method));
	cJSON_AddStringToObject(s, "hash_type", ms_hash_alg_name(m->alg));
	cJSON_AddBoolToObject(s, "allow_symlinks", m->allow_symlinks);
	cJSON *ign = cJSON_AddArrayToObject(s, "ignore_paths");
	for (size_t i = 0; i < m->n_ignore_paths; i++)
		cJSON_AddItemToArray(ign, cJSON_CreateString(m->ignore_paths[i]));
	if (m->method == MS_METHOD_SHARDS)
		cJSON_AddNumberToObject(s, "shard_size", (double)m->shard_size);
	return s;
}

cJSON *ms_resources_json(const struct ms_manifest *m)
{
	cJSON *arr = cJSON_CreateArray();
	char *algorithm = ms_resource_algorithm(m);
	char hex[2 * MS_DIGEST_MAX + 1];
	for (size_t i = 0; i < m->n_res; i++) {
		cJSON *r = cJSON_CreateObject();
		char *name = ms_resource_name(m, &m->res[i]);
		ms_hex_encode(m->res[i].digest, ms_digest_len(m->alg), hex);
		cJSON_AddStringToObject(r, "name", name);
		cJSON_AddStringToObject(r, "algorithm", algorithm);
		cJSON_AddStringToObject(r, "digest", hex);
		cJSON_AddItemToArray(arr, r);
		free(name);
	}
	free(algorithm);
	return arr;
}

/* name with every byte that is not part of valid UTF-8 shown as \xNN, for
 * messages. Freshly allocated. */
static char *escape_non_utf8(const char *name)
{
	struct ms_buf b = {0};
	size_t len = strlen(name);
	while (len > 0) {
		size_t ok = ms_utf8_prefix(name, len);
		ms_buf_append(&b, name, ok);
		if (ok == len)
			break;
		ms_buf_printf(&b, "\\x%02x", (unsigned char)name[ok]);
		name += ok + 1;
		len -= ok + 1;
	}
	ms_buf_append(&b, "", 0);
	return b.data;
}

/* JSON is UTF-8 only: a name in another encoding cannot be written so that
 * every reader gets the same bytes back, so it is refused by name. */
static int check_utf8(const char *name, const char *kind)
{
	size_t len = strlen(name);
	if (ms_utf8_prefix(name, len) == len)
		return 0;
	char *shown = escape_non_utf8(name);
	ms_error("%s '%s' is not valid UTF-8, and a statement can only name UTF-8 paths "
	         "(rename it, or move it out of the model)",
	         kind, shown);
	free(shown);
	return -1;
}

static int check_names_utf8(const struct ms_manifest *m)
{
	if (m->name && check_utf8(m->name, "model name") < 0)
		return -1;
	for (size_t i = 0; i < m->n_ignore_paths; i++)
		if (check_utf8(m->ignore_paths[i], "ignored path") < 0)
			return -1;
	for (size_t i = 0; i < m->n_res; i++)
		if ((i == 0 || strcmp(m->res[i].path, m->res[i - 1].path) != 0) &&
		    check_utf8(m->res[i].path, "file name") < 0)
			return -1;
	for (size_t i = 0; i < m->n_empty_files; i++)
		if (check_utf8(m->empty_files[i], "file name") < 0)
			return -1;
	return 0;
}

char *ms_statement_to_json(const struct ms_manifest *m)
{
	if (check_names_utf8(m) < 0)
		return NULL;
	/* The subject is the root over the resources as written here, in
	 * manifest order: a statement parsed in another order (accepted, its
	 * root taken as listed) would otherwise print with a subject that does
	 * not match its own resources. */
	uint8_t root[MS_ROOT_LEN];
	ms_manifest_root(m, root);
	char root_hex[2 * MS_ROOT_LEN + 1];
	ms_hex_encode(root, MS_ROOT_LEN, root_hex);

	cJSON *st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "_type", MS_STATEMENT_TYPE);
	cJSON *subjects = cJSON_AddArrayToObject(st, "subject");
	cJSON *subject = cJSON_CreateObject();
	cJSON_AddStringToObject(subject, "name", m->name ? m->name : "");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(subject, "digest"), "sha256", root_hex);
	cJSON_AddItemToArray(subjects, subject);
	cJSON_AddStringToObject(st, "predicateType", MS_OMS_PREDICATE_TYPE);
	cJSON *pred = cJSON_AddObjectToObject(st, "predicate");
	cJSON_AddItemToObject(pred, "serialization", ms_serialization_json(m));
	cJSON_AddItemToObject(pred, "resources", ms_resources_json(m));
	/* OMS v1.0 verifiers ignore predicate fields they do not know. */
	if (m->method == MS_METHOD_SHARDS && m->has_empty_files) {
		cJSON *empty = cJSON_AddArrayToObject(pred, "empty_files");
		for (size_t i = 0; i < m->n_empty_files; i++)
			cJSON_AddItemToArray(empty, cJSON_CreateString(m->empty_files[i]));
	}

	char *out = ms_json_print(st);
	cJSON_Delete(st);
	return out;
}

/* ---- statement in ---- */

static const char *const what = "statement";

int ms_serialization_parse(const cJSON *ser, struct ms_manifest *m)
{
	const char *method = ms_json_string(ser, "method", what);
	const char *hash = ms_json_string(ser, "hash_type", what);
	if (!method || !hash)
		return -1;
	if (ms_method_parse(method, &m->method) < 0) {
		ms_error("statement: unknown serialization method '%s'", method);
		return -1;
	}
	if (ms_hash_alg_parse(hash, &m->alg) < 0) {
		ms_error("statement: unknown hash_type '%s'", hash);
		return -1;
	}
	m->allow_symlinks = 0;
	if (cJSON_GetObjectItemCaseSensitive(ser, "allow_symlinks") &&
	    ms_json_bool(ser, "allow_symlinks", what, &m->allow_symlinks) < 0)
		return -1;
	if (m->method == MS_METHOD_SHARDS &&
	    ms_json_u64(ser, "shard_size", 1, MS_MAX_SHARD_SIZE, what, &m->shard_size) < 0)
		return -1;
	const cJSON *ign = cJSON_GetObjectItemCaseSensitive(ser, "ignore_paths");
	if (!ign)
		return 0;
	if (!cJSON_IsArray(ign)) {
		ms_error("statement: ignore_paths must be an array of paths");
		return -1;
	}
	m->ignore_paths = ms_calloc((size_t)cJSON_GetArraySize(ign) + 1, sizeof(char *));
	const cJSON *p;
	cJSON_ArrayForEach(p, ign)
	{
		if (!cJSON_IsString(p) || !ms_path_is_safe(p->valuestring) ||
		    strcmp(p->valuestring, ".") == 0) {
			ms_error("statement: ignore_paths holds an unsafe or non-string entry");
			return -1;
		}
		m->ignore_paths[m->n_ignore_paths++] = ms_strdup(p->valuestring);
	}
	return 0;
}

/* A byte offset in canonical decimal, the form ms_resource_name prints: no
 * leading zeros, so one range has one spelling and the name that was signed
 * is the name that is read back. */
static int parse_offset(const char *s, size_t n, uint64_t min, uint64_t *out)
{
	if (n == 0 || (n > 1 && s[0] == '0'))
		return -1;
	char *digits = ms_strndup(s, n);
	int rc = ms_parse_u64(digits, min, UINT64_MAX, out);
	free(digits);
	return rc;
}

/* "path:start:end", split at the last two colons. */
static int parse_shard_name(const char *name, struct ms_resource *r)
{
	const char *c2 = strrchr(name, ':');
	const char *c1 = c2 ? memrchr(name, ':', (size_t)(c2 - name)) : NULL;
	if (!c1) {
		ms_error("statement: shard resource '%s' is not path:start:end", name);
		return -1;
	}
	int bad = parse_offset(c1 + 1, (size_t)(c2 - c1 - 1), 0, &r->start) < 0 ||
	          parse_offset(c2 + 1, strlen(c2 + 1), 1, &r->end) < 0 || r->start >= r->end;
	if (bad) {
		ms_error("statement: shard resource '%s' has a malformed byte range", name);
		return -1;
	}
	r->path = ms_strndup(name, (size_t)(c1 - name));
	return 0;
}

int ms_resource_parse(const cJSON *item, const char *algorithm, struct ms_manifest *m,
                      struct ms_resource *r)
{
	const char *name = ms_json_string(item, "name", "statement resource");
	const char *alg = ms_json_string(item, "algorithm", "statement resource");
	const char *digest = ms_json_string(item, "digest", "statement resource");
	if (!name || !alg || !digest)
		return -1;
	if (strcmp(alg, algorithm) != 0) {
		ms_error("statement: resource '%s' uses algorithm '%s', expected '%s'", name, alg,
		         algorithm);
		return -1;
	}
	if (m->method == MS_METHOD_SHARDS) {
		if (parse_shard_name(name, r) < 0)
			return -1;
	} else
		r->path = ms_strdup(name);
	if (!ms_path_is_safe(r->path)) {
		ms_error("statement: resource name '%s' is not a safe relative path", name);
		return -1;
	}
	if (ms_hex_decode(digest, r->digest, ms_digest_len(m->alg)) < 0) {
		ms_error("statement: resource '%s' has a malformed digest", name);
		return -1;
	}
	return 0;
}

/* In manifest order: no duplicates, and for shards a gapless tiling of each
 * file. */
static int check_resource_order(const struct ms_manifest *m)
{
	for (size_t i = 0; i < m->n_res; i++) {
		const struct ms_resource *r = &m->res[i], *prev = i ? &m->res[i - 1] : NULL;
		int same_file = prev && strcmp(prev->path, r->path) == 0;
		if (prev && resource_cmp(prev, r) >= 0) {
			ms_error("statement: resource '%s' is listed twice", r->path);
			return -1;
		}
		if (strcmp(r->path, ".") == 0 && m->n_res > 1 && m->method == MS_METHOD_FILES) {
			ms_error("statement: '.' must be the only resource");
			return -1;
		}
		if (m->method != MS_METHOD_SHARDS)
			continue;
		uint64_t want_start = same_file ? prev->end : 0;
		int prev_full = !same_file || prev->end - prev->start == m->shard_size;
		if (r->start != want_start || !prev_full || r->end - r->start > m->shard_size) {
			ms_error("statement: shards of '%s' overlap, leave a gap or have the wrong "
			         "size",
			         r->path);
			return -1;
		}
	}
	return 0;
}

static int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ignored path that path is, or lies under, or NULL. Looks up each
 * leading run of components in the sorted list, so a statement with many
 * paths and many ignores costs n log m, not n times m. */
static const char *ignored_prefix(char **sorted, size_t n, const char *path)
{
	char *prefix = ms_strdup(path);
	const char *hit = NULL;
	for (char *p = prefix;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p, *key = prefix;
		*p = '\0';
		char **found = bsearch(&key, sorted, n, sizeof *sorted, strcmp_ptr);
		*p = saved;
		if (found || saved == '\0') {
			hit = found ? *found : NULL;
			break;
		}
	}
	free(prefix);
	return hit;
}

/* A resource inside an ignored path contradicts the statement's own rules:
 * a verifier would never look at it. */
static int check_not_ignored(const struct ms_manifest *m)
{
	if (m->n_ignore_paths == 0)
		return 0;
	char **sorted = ms_reallocarray(NULL, m->n_ignore_paths, sizeof *sorted);
	memcpy(sorted, m->ignore_paths, m->n_ignore_paths * sizeof *sorted);
	qsort(sorted, m->n_ignore_paths, sizeof *sorted, strcmp_ptr);
	int rc = 0;
	for (size_t i = 0; i < m->n_res && rc == 0; i++) {
		if (i && strcmp(m->res[i].path, m->res[i - 1].path) == 0)
			continue;
		const char *ign = ignored_prefix(sorted, m->n_ignore_paths, m->res[i].path);
		if (ign) {
			ms_error("statement: resource '%s' lies in the ignored path '%s'",
			         m->res[i].path, ign);
			rc = -1;
		}
	}
	free(sorted);
	return rc;
}

/* predicate.empty_files (shards only): safe, distinct paths of files that
 * are not also resources. Absent: another tool's statement. */
static int parse_empty_files(const cJSON *pred, struct ms_manifest *m)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(pred, "empty_files");
	if (!arr)
		return 0;
	if (m->method != MS_METHOD_SHARDS || !cJSON_IsArray(arr)) {
		ms_error("statement: empty_files must be an array of paths, and only with the "
		         "shards method");
		return -1;
	}
	m->has_empty_files = 1;
	m->empty_files = ms_calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(char *));
	const cJSON *p;
	cJSON_ArrayForEach(p, arr)
	{
		if (!cJSON_IsString(p) || !ms_path_is_safe(p->valuestring)) {
			ms_error("statement: empty_files holds an unsafe or non-string entry");
			return -1;
		}
		m->empty_files[m->n_empty_files++] = ms_strdup(p->valuestring);
	}
	sort_unless_sorted(m->empty_files, m->n_empty_files, sizeof(char *), strcmp_ptr);
	/* "." is a single empty file: the whole model, so nothing else. */
	if (m->n_empty_files && strcmp(m->empty_files[0], ".") == 0 &&
	    (m->n_empty_files > 1 || m->n_res)) {
		ms_error("statement: empty file '.' (a single-file model) must be the only file");
		return -1;
	}
	for (size_t i = 1; i < m->n_empty_files; i++)
		if (strcmp(m->empty_files[i], m->empty_files[i - 1]) == 0) {
			ms_error("statement: empty file '%s' is listed twice", m->empty_files[i]);
			return -1;
		}
	struct ms_signed_set set; /* also an empty file that has shards */
	if (ms_signed_set_build(m, &set) < 0)
		return -1;
	ms_signed_set_free(&set);
	return 0;
}

static int parse_subject(const cJSON *st, struct ms_manifest *m, uint8_t root[MS_ROOT_LEN])
{
	const cJSON *subjects = ms_json_array(st, "subject", what);
	if (!subjects)
		return -1;
	if (cJSON_GetArraySize(subjects) != 1) {
		ms_error("statement: expected exactly one subject, found %d",
		         cJSON_GetArraySize(subjects));
		return -1;
	}
	const cJSON *subject = cJSON_GetArrayItem(subjects, 0);
	const char *name = ms_json_string(subject, "name", "statement subject");
	const cJSON *digest = ms_json_object(subject, "digest", "statement subject");
	const char *hex = digest ? ms_json_string(digest, "sha256", "statement subject") : NULL;
	if (!name || !hex)
		return -1;
	if (ms_hex_decode(hex, root, MS_ROOT_LEN) < 0) {
		ms_error("statement: subject digest is not 64 hex digits");
		return -1;
	}
	m->name = ms_strdup(name);
	return 0;
}

/* One subject of a legacy statement: a file, its SHA-256 and, if present,
 * the annotation model_signing 0.2.0 wrote. */
static int parse_legacy_subject(const cJSON *item, struct ms_resource *r)
{
	const char *name = ms_json_string(item, "name", "statement subject");
	const cJSON *digest = name ? ms_json_object(item, "digest", "statement subject") : NULL;
	const char *hex = digest ? ms_json_string(digest, "sha256", "statement subject") : NULL;
	if (!hex)
		return -1;
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(item, "annotations");
	const cJSON *alg = cJSON_GetObjectItemCaseSensitive(ann, "actual_hash_algorithm");
	if (ann && (!cJSON_IsObject(ann) ||
	            (alg && (!cJSON_IsString(alg) || strcmp(alg->valuestring, "file-sha256"))))) {
		ms_error("statement: subject '%s' is not hashed with file-sha256", name);
		return -1;
	}
	r->path = ms_strdup(name);
	if (!ms_path_is_safe(r->path) || strcmp(r->path, ".") == 0) {
		ms_error("statement: subject name '%s' is not a safe relative path", name);
		return -1;
	}
	if (ms_hex_decode(hex, r->digest, MS_ROOT_LEN) < 0) {
		ms_error("statement: subject '%s' has a malformed digest", name);
		return -1;
	}
	return 0;
}

/* model_signing 0.2.0's statement (Digests/v0.1): one subject per file,
 * SHA-256 of each whole file, nothing else recorded. It reads as a files
 * manifest without a name or an ignore list. */
static int parse_legacy(const cJSON *st, struct ms_manifest *m)
{
	const cJSON *subjects = ms_json_array(st, "subject", what);
	if (!subjects)
		return -1;
	m->legacy = 1;
	m->method = MS_METHOD_FILES;
	m->alg = MS_HASH_SHA256;
	m->res = ms_calloc((size_t)cJSON_GetArraySize(subjects) + 1, sizeof *m->res);
	const cJSON *item;
	cJSON_ArrayForEach(item, subjects)
	{
		if (parse_legacy_subject(item, &m->res[m->n_res++]) < 0)
			return -1;
	}
	return 0;
}

static int parse_resources(const cJSON *res, struct ms_manifest *m)
{
	char *algorithm = ms_resource_algorithm(m);
	m->res = ms_calloc((size_t)cJSON_GetArraySize(res) + 1, sizeof *m->res);
	const cJSON *item;
	int rc = 0;
	cJSON_ArrayForEach(item, res)
	{
		if ((rc = ms_resource_parse(item, algorithm, m, &m->res[m->n_res++])) < 0)
			break;
	}
	free(algorithm);
	return rc;
}

/* The current predicate: one subject carrying the root, and resources. */
static int parse_oms(const cJSON *st, struct ms_manifest *m, uint8_t claimed[MS_ROOT_LEN])
{
	if (parse_subject(st, m, claimed) < 0)
		return -1;
	const cJSON *pred = ms_json_object(st, "predicate", what);
	const cJSON *ser = pred ? ms_json_object(pred, "serialization", what) : NULL;
	const cJSON *res = pred ? ms_json_array(pred, "resources", what) : NULL;
	if (!ser || !res || ms_serialization_parse(ser, m) < 0)
		return -1;
	return parse_resources(res, m) < 0 || parse_empty_files(pred, m) < 0 ? -1 : 0;
}

static int parse_statement(const cJSON *st, struct ms_manifest *m)
{
	const char *type = ms_json_string(st, "_type", what);
	const char *ptype = ms_json_string(st, "predicateType", what);
	if (!type || !ptype)
		return -1;
	if (strcmp(type, MS_STATEMENT_TYPE) != 0) {
		ms_error("statement: _type is '%s', expected '%s'", type, MS_STATEMENT_TYPE);
		return -1;
	}
	int legacy = strcmp(ptype, MS_LEGACY_PREDICATE_TYPE) == 0;
	if (!legacy && strcmp(ptype, MS_OMS_PREDICATE_TYPE) != 0) {
		ms_error("statement: predicateType is '%s', expected '%s'", ptype,
		         MS_OMS_PREDICATE_TYPE);
		return -1;
	}
	uint8_t claimed[MS_ROOT_LEN];
	if ((legacy ? parse_legacy(st, m) : parse_oms(st, m, claimed)) < 0)
		return -1;
	/* The root is over the resources as listed (the OMS spec orders them by
	 * code point, model_signing by path components and offsets; both
	 * verifiers hash the list as it stands); everything after works on
	 * manifest order, where duplicates are neighbours. */
	ms_manifest_compute_root(m);
	if (!legacy && memcmp(m->root, claimed, MS_ROOT_LEN) != 0) {
		ms_error("statement: subject digest does not match its resources");
		return -1;
	}
	ms_manifest_sort(m);
	return check_resource_order(m) < 0 || check_not_ignored(m) < 0 ? -1 : 0;
}

int ms_statement_parse(const char *json, size_t len, struct ms_manifest *m)
{
	memset(m, 0, sizeof *m);
	cJSON *st = ms_json_parse(json, len, what);
	if (!st)
		return -1;
	int rc = parse_statement(st, m);
	cJSON_Delete(st);
	if (rc < 0)
		ms_manifest_free(m);
	return rc;
}
