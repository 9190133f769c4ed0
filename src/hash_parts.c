/* hash --part and hash --merge: one model's statement computed in pieces
 * on several machines, and put back together only when the pieces fit. */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/bundle.h"
#include "modelseal/cli.h"
#include "modelseal/hash_parts.h"
#include "modelseal/json.h"
#include "modelseal/sign.h"
#include "modelseal/util.h"
#include "modelseal/walk.h"

#define PART_FORMAT 1

int ms_part_spec_parse(const char *s, unsigned *k, unsigned *n)
{
	const char *slash = strchr(s, '/');
	uint64_t kk, nn;
	char *num = slash ? ms_strndup(s, (size_t)(slash - s)) : NULL;
	int ok = num && ms_parse_u64(num, 1, MS_MAX_PARTS, &kk) == 0 &&
	         ms_parse_u64(slash + 1, 1, MS_MAX_PARTS, &nn) == 0 && kk <= nn;
	free(num);
	if (!ok) {
		ms_usage_error("--part '%s': give K/N with 1 <= K <= N <= %d", s, MS_MAX_PARTS);
		return -1;
	}
	*k = (unsigned)kk;
	*n = (unsigned)nn;
	return 0;
}

/* ---- one part out ---- */

static cJSON *files_json(const struct ms_walk *w)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < w->n_files; i++) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "path", w->files[i].rel);
		cJSON_AddNumberToObject(f, "size", (double)w->files[i].size);
		cJSON_AddItemToArray(arr, f);
	}
	return arr;
}

/* The resources of part k alone, through the statement's own writer. */
static cJSON *part_resources_json(const struct ms_manifest *m, const uint16_t *part_of,
                                  unsigned k)
{
	struct ms_manifest only = *m;
	only.res = ms_calloc(m->n_res + 1, sizeof *only.res);
	only.n_res = 0;
	for (size_t i = 0; i < m->n_res; i++)
		if (part_of[i] == k)
			only.res[only.n_res++] = m->res[i];
	cJSON *arr = ms_resources_json(&only);
	free(only.res);
	return arr;
}

int ms_hash_part(const char *path, const struct ms_hash_opts *o, unsigned k, unsigned n,
                 char **json)
{
	struct ms_walk w;
	struct ms_manifest m;
	uint16_t *part_of = NULL;
	if (ms_walk_model(path, o, &w) < 0)
		return -1;
	if (ms_walk_hash_part(&w, o, k - 1, n, &m, &part_of) < 0) {
		ms_walk_free(&w);
		return -1;
	}
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "modelseal_statement_part", PART_FORMAT);
	cJSON_AddNumberToObject(doc, "part", k);
	cJSON_AddNumberToObject(doc, "parts", n);
	cJSON_AddStringToObject(doc, "name", m.name);
	cJSON_AddItemToObject(doc, "serialization", ms_serialization_json(&m));
	cJSON_AddItemToObject(doc, "files", files_json(&w));
	cJSON_AddItemToObject(doc, "resources", part_resources_json(&m, part_of, k - 1));
	*json = ms_json_print(doc);
	cJSON_Delete(doc);
	free(part_of);
	ms_manifest_free(&m);
	ms_walk_free(&w);
	return 0;
}

/* ---- the parts back in ---- */

struct planned {
	struct ms_manifest m; /* every resource of the plan, digests to fill */
	uint8_t *filled;
};

static int fail_part(const char *path, const char *why)
{
	ms_error("part '%s': %s", path, why);
	return -1;
}

/* The file list: safe, strictly ordered paths with sizes. */
static int plan_files(const cJSON *files, const char *path, struct planned *p)
{
	const cJSON *f;
	const char *prev = NULL;
	size_t n = 0;
	cJSON_ArrayForEach(f, files)
	{
		const char *rel = ms_json_string(f, "path", "part file");
		uint64_t size;
		if (!rel || ms_json_u64(f, "size", 0, ((uint64_t)1 << 53) - 1, "part file", &size) < 0)
			return -1;
		if (!ms_path_is_safe(rel) || (prev && ms_path_cmp(prev, rel) >= 0))
			return fail_part(path, "the file list has an unsafe, repeated or unsorted path");
		prev = rel;
		uint64_t step = p->m.method == MS_METHOD_SHARDS ? p->m.shard_size : size;
		if (p->m.method == MS_METHOD_SHARDS && size == 0)
			ms_manifest_add_empty_file(&p->m, rel);
		for (uint64_t off = 0; off < size || (off == 0 && p->m.method == MS_METHOD_FILES);) {
			uint64_t end = step && size - off > step ? off + step : size;
			p->m.res = ms_reallocarray(p->m.res, p->m.n_res + 1, sizeof *p->m.res);
			p->m.res[p->m.n_res++] =
			    (struct ms_resource){.path = ms_strdup(rel), .start = off, .end = end};
			if (end == size)
				break;
			off = end;
		}
		n++;
	}
	p->m.n_files = n;
	p->filled = ms_calloc(p->m.n_res + 1, 1);
	return 0;
}

static int planned_cmp(const void *key, const void *elem)
{
	const struct ms_resource *a = key, *b = elem;
	int c = ms_path_cmp(a->path, b->path);
	return c ? c : (a->start > b->start) - (a->start < b->start);
}

/* Fills the planned resource that r names; each exactly once. */
static int fill_resource(struct planned *p, const struct ms_resource *r, const char *path)
{
	/* a plan with no resources may have no array at all */
	struct ms_resource *hit =
	    p->m.n_res ? bsearch(r, p->m.res, p->m.n_res, sizeof *p->m.res, planned_cmp) : NULL;
	if (!hit || (p->m.method == MS_METHOD_SHARDS && hit->end != r->end))
		return fail_part(path, "it holds a resource that is not in the model's plan");
	size_t i = (size_t)(hit - p->m.res);
	if (p->filled[i])
		return fail_part(path, "a resource is in two parts");
	p->filled[i] = 1;
	memcpy(hit->digest, r->digest, MS_DIGEST_MAX);
	return 0;
}

static int add_resources(const cJSON *arr, const char *path, struct planned *p)
{
	char *algorithm = ms_resource_algorithm(&p->m);
	const cJSON *item;
	int rc = 0;
	cJSON_ArrayForEach(item, arr)
	{
		struct ms_resource r = {0};
		rc = ms_resource_parse(item, algorithm, &p->m, &r);
		if (rc == 0)
			rc = fill_resource(p, &r, path);
		free(r.path);
		if (rc < 0)
			break;
	}
	free(algorithm);
	return rc;
}

struct part_doc {
	cJSON *json;
	unsigned k, n;
};

static int read_part(const char *path, struct part_doc *d)
{
	char *text;
	size_t len;
	uint64_t fmt = 0, k = 0, n = 0;
	if (ms_read_file(path, MS_BUNDLE_MAX, "part", &text, &len) < 0)
		return -1;
	char *what = ms_asprintf("part '%s'", path);
	d->json = ms_json_parse_integers(text, len, what);
	free(text);
	int ok = d->json &&
	         ms_json_u64(d->json, "modelseal_statement_part", PART_FORMAT, PART_FORMAT, what,
	                     &fmt) == 0 &&
	         ms_json_u64(d->json, "parts", 1, MS_MAX_PARTS, what, &n) == 0 &&
	         ms_json_u64(d->json, "part", 1, n, what, &k) == 0 &&
	         ms_json_string(d->json, "name", what) && ms_json_object(d->json, "serialization", what) &&
	         ms_json_array(d->json, "files", what) && ms_json_array(d->json, "resources", what);
	free(what);
	d->k = (unsigned)k;
	d->n = (unsigned)n;
	return ok ? 0 : -1;
}

/* Every part must describe the same listing of the same model. */
static int same_model(const struct part_doc *a, const struct part_doc *b, const char *path)
{
	static const char *const keys[] = {"name", "serialization", "files"};
	for (size_t i = 0; i < MS_ARRAY_LEN(keys); i++)
		if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(a->json, keys[i]),
		                   cJSON_GetObjectItemCaseSensitive(b->json, keys[i]), 1)) {
			ms_error("part '%s' comes from another model or listing (its %s differs)",
			         path, keys[i]);
			return -1;
		}
	if (a->n != b->n) {
		ms_error("part '%s' is one of %u parts, the first one of %u", path, b->n, a->n);
		return -1;
	}
	return 0;
}

static int plan_from_first(const struct part_doc *d, const char *path, struct planned *p)
{
	memset(p, 0, sizeof *p);
	if (ms_serialization_parse(cJSON_GetObjectItemCaseSensitive(d->json, "serialization"),
	                           &p->m) < 0)
		return -1;
	p->m.name = ms_strdup(cJSON_GetObjectItemCaseSensitive(d->json, "name")->valuestring);
	p->m.has_empty_files = p->m.method == MS_METHOD_SHARDS;
	return plan_files(cJSON_GetObjectItemCaseSensitive(d->json, "files"), path, p);
}

static int check_complete(const struct planned *p, const uint8_t *seen, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		if (!seen[k]) {
			ms_error("part %u of %u is missing", k + 1, n);
			return -1;
		}
	for (size_t i = 0; i < p->m.n_res; i++)
		if (!p->filled[i]) {
			char *name = ms_resource_name(&p->m, &p->m.res[i]);
			ms_error("no part holds the resource '%s'", name);
			free(name);
			return -1;
		}
	return 0;
}

static int merge_docs(char *const *paths, size_t n_paths, struct part_doc *docs,
                      struct planned *p)
{
	uint8_t *seen = NULL;
	int rc = -1;
	for (size_t i = 0; i < n_paths; i++) {
		if (read_part(paths[i], &docs[i]) < 0)
			goto out;
		if (i == 0 && plan_from_first(&docs[0], paths[0], p) < 0)
			goto out;
		if (i == 0)
			seen = ms_calloc(docs[0].n, 1);
		if (i > 0 && same_model(&docs[0], &docs[i], paths[i]) < 0)
			goto out;
		if (seen[docs[i].k - 1]++) {
			ms_error("part %u of %u is given twice ('%s')", docs[i].k, docs[i].n, paths[i]);
			goto out;
		}
		if (add_resources(cJSON_GetObjectItemCaseSensitive(docs[i].json, "resources"),
		                  paths[i], p) < 0)
			goto out;
	}
	rc = check_complete(p, seen, docs[0].n);
out:
	free(seen);
	return rc;
}

int ms_hash_merge(char *const *paths, size_t n_paths, struct ms_manifest *m)
{
	struct part_doc *docs = ms_calloc(n_paths + 1, sizeof *docs);
	struct planned p = {0};
	int rc = merge_docs(paths, n_paths, docs, &p);
	for (size_t i = 0; i < n_paths; i++)
		cJSON_Delete(docs[i].json);
	free(docs);
	free(p.filled);
	if (rc < 0) {
		ms_manifest_free(&p.m);
		return -1;
	}
	for (size_t i = 0; i < p.m.n_res; i++)
		p.m.total_bytes += p.m.res[i].end - p.m.res[i].start;
	ms_manifest_compute_root(&p.m);
	*m = p.m;
	return 0;
}

/* ---- sign --statement ---- */

static int listing_opts(const struct ms_manifest *st, const char *path, const char *signature,
                        struct ms_hash_opts *o)
{
	ms_hash_opts_init(o);
	o->method = st->method;
	o->alg = st->alg;
	o->shard_size = st->method == MS_METHOD_SHARDS ? st->shard_size : o->shard_size;
	o->allow_symlinks = st->allow_symlinks;
	for (size_t i = 0; i < st->n_ignore_paths; i++)
		if (ms_hash_opts_add_ignore(o, st->ignore_paths[i]) < 0)
			return -1;
	char *rel = ms_signature_inside_model(path, signature);
	int rc = rel ? ms_hash_opts_add_ignore(o, rel) : 0;
	free(rel);
	return rc;
}

static size_t compare_listing(const struct ms_walk *w, const struct ms_signed_set *set,
                              uint8_t *seen)
{
	size_t bad = 0;
	for (size_t i = 0; i < w->n_files; i++) {
		const struct ms_file *f = &w->files[i];
		const struct ms_signed_file *sf = ms_signed_set_find(set, f->rel);
		if (!sf) {
			ms_error("'%s' is in the model but not in the statement", f->rel);
			bad++;
			continue;
		}
		seen[sf - set->v] = 1;
		if (sf->size != UINT64_MAX && sf->size != f->size) {
			ms_error("'%s' is %llu bytes, the statement says %llu", f->rel,
			         (unsigned long long)f->size, (unsigned long long)sf->size);
			bad++;
		}
	}
	for (size_t i = 0; i < set->n; i++)
		if (!seen[i]) {
			ms_error("'%s' is in the statement but not in the model", set->v[i].path);
			bad++;
		}
	return bad;
}

int ms_statement_covers_model(const struct ms_manifest *st, const char *path,
                              const char *signature)
{
	struct ms_hash_opts o;
	struct ms_walk w;
	struct ms_signed_set set;
	if (listing_opts(st, path, signature, &o) < 0 || ms_walk_model(path, &o, &w) < 0) {
		ms_hash_opts_free(&o);
		return -1;
	}
	ms_hash_opts_free(&o);
	if (ms_signed_set_build(st, &set) < 0) {
		ms_walk_free(&w);
		return -1;
	}
	uint8_t *seen = ms_calloc(set.n + 1, 1);
	size_t bad = compare_listing(&w, &set, seen);
	if (strcmp(st->name ? st->name : "", w.name) != 0) {
		ms_error("the statement names the model '%s', but it is '%s'", st->name, w.name);
		bad++;
	}
	free(seen);
	ms_signed_set_free(&set);
	ms_walk_free(&w);
	if (bad)
		ms_error("the statement does not cover '%s' exactly (%zu difference%s): not signed",
		         path, bad, bad == 1 ? "" : "s");
	return bad ? -1 : 0;
}
