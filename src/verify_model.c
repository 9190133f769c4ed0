/* Verification of a model: signature over the exact payload, then the
 * statement, then a re-hash with the statement's own settings and a
 * comparison that names every difference. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "modelseal/bundle.h"
#include "modelseal/hashing.h"
#include "modelseal/sign.h"
#include "modelseal/util.h"
#include "modelseal/verify.h"

void ms_problems_add(struct ms_problems *p, const char *path, const char *kind, char *detail)
{
	p->v = ms_reallocarray(p->v, p->n + 1, sizeof *p->v);
	p->v[p->n++] = (struct ms_problem){ms_strdup(path), kind, detail};
}

void ms_problems_free(struct ms_problems *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].path);
		free(p->v[i].detail);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

void ms_verify_result_free(struct ms_verify_result *res)
{
	free(res->signature);
	free(res->payload);
	free(res->archive_root);
	free(res->sig_top);
	ms_manifest_free(&res->signed_manifest);
	ms_problems_free(&res->problems);
	memset(res, 0, sizeof *res);
}

/* ---- comparing manifests ---- */

static int same_digest(const struct ms_manifest *m, const struct ms_resource *a,
                       const struct ms_resource *b)
{
	return sodium_memcmp(a->digest, b->digest, ms_digest_len(m->alg)) == 0;
}

/* End of the run of resources with the same path as r[i]. */
static size_t group_end(const struct ms_resource *r, size_t n, size_t i)
{
	size_t j = i + 1;
	while (j < n && strcmp(r[j].path, r[i].path) == 0)
		j++;
	return j;
}

struct ranges {
	uint64_t (*v)[2];
	size_t n;
};

/* Adds [start, end), merged with the previous range when they touch. */
static void add_range(struct ranges *r, uint64_t start, uint64_t end)
{
	if (r->n && r->v[r->n - 1][1] == start) {
		r->v[r->n - 1][1] = end;
		return;
	}
	r->v = ms_reallocarray(r->v, r->n + 1, sizeof *r->v);
	r->v[r->n][0] = start;
	r->v[r->n][1] = end;
	r->n++;
}

/* "bytes a:b, c:d differ", with the sizes when they differ. */
static char *describe_ranges(const struct ranges *r, uint64_t want_size, uint64_t got_size)
{
	struct ms_buf b = {0};
	if (want_size != got_size)
		ms_buf_printf(&b, "size %llu bytes, signed %llu; ", (unsigned long long)got_size,
		              (unsigned long long)want_size);
	ms_buf_printf(&b, "bytes ");
	for (size_t i = 0; i < r->n; i++)
		ms_buf_printf(&b, "%s%llu:%llu", i ? ", " : "", (unsigned long long)r->v[i][0],
		              (unsigned long long)r->v[i][1]);
	ms_buf_printf(&b, " differ");
	return b.data;
}

/* Which byte ranges of one file differ between two shard lists (both in
 * offset order). NULL when none does. */
static char *shard_diff(const struct ms_manifest *m, const struct ms_resource *w, size_t nw,
                        const struct ms_resource *g, size_t ng)
{
	struct ranges r = {0};
	uint64_t want_size = w[nw - 1].end, got_size = g[ng - 1].end;
	size_t k = 0;
	for (size_t i = 0; i < nw; i++) {
		while (k < ng && g[k].start < w[i].start)
			k++;
		int ok = k < ng && g[k].start == w[i].start && g[k].end == w[i].end &&
		         same_digest(m, &w[i], &g[k]);
		if (!ok)
			add_range(&r, w[i].start, w[i].end);
	}
	for (k = 0; k < ng; k++) /* bytes appended after the signed end */
		if (g[k].end > want_size)
			add_range(&r, g[k].start > want_size ? g[k].start : want_size, g[k].end);
	char *detail = r.n ? describe_ranges(&r, want_size, got_size) : NULL;
	free(r.v);
	return detail;
}

void ms_manifest_diff(const struct ms_manifest *want, const struct ms_manifest *got,
                      int ignore_extra, const char *single_name, struct ms_problems *out)
{
	size_t i = 0, j = 0;
	while (i < want->n_res || j < got->n_res) {
		int c = i == want->n_res  ? 1
		        : j == got->n_res ? -1
		                          : ms_path_cmp(want->res[i].path, got->res[j].path);
		const char *path = c <= 0 ? want->res[i].path : got->res[j].path;
		const char *shown = strcmp(path, ".") == 0 && single_name ? single_name : path;
		size_t i2 = c <= 0 ? group_end(want->res, want->n_res, i) : i;
		size_t j2 = c >= 0 ? group_end(got->res, got->n_res, j) : j;
		if (c < 0) {
			ms_problems_add(out, shown, "missing", NULL);
		} else if (c > 0) {
			if (!ignore_extra)
				ms_problems_add(out, shown, "extra", ms_strdup("not signed"));
		} else if (want->method == MS_METHOD_SHARDS) {
			char *d = shard_diff(want, want->res + i, i2 - i, got->res + j, j2 - j);
			if (d)
				ms_problems_add(out, shown, "modified", d);
		} else if (!same_digest(want, &want->res[i], &got->res[j])) {
			ms_problems_add(out, shown, "modified", ms_strdup("content differs"));
		}
		i = i2;
		j = j2;
	}
}

/* ---- the steps ---- */

/* Step 1: read the bundle and verify its signature before anything is
 * parsed from the payload. */
static int check_signature(const struct ms_verify_request *req, struct ms_verify_result *res,
			   char *json, size_t len)
{
	size_t which = 0;
	uint8_t *payload;
	char *what = ms_asprintf("signature '%s'", res->signature);
	int rc = ms_bundle_verify(json, len, what, MS_INTOTO_PAYLOAD_TYPE, req->keys, req->n_keys,
	                          &payload, &res->payload_len, &which);
	free(what);
	if (rc == MS_FAIL) {
		ms_problems_add(&res->problems, res->signature, "signature",
		                ms_strdup(req->n_keys == 1
		                              ? "does not verify with the given key"
		                              : "does not verify with any of the given keys"));
	} else if (rc == MS_OK) {
		res->signer = req->keys[which];
		res->payload = ms_malloc(res->payload_len + 1);
		memcpy(res->payload, payload, res->payload_len);
		res->payload[res->payload_len] = '\0';
		free(payload);
	}
	return rc;
}

static int is_single_file_statement(const struct ms_manifest *m)
{
	for (size_t i = 0; i < m->n_res; i++)
		if (strcmp(m->res[i].path, ".") != 0)
			return 0;
	return m->n_res > 0;
}

/* What to hash: MODEL itself, or, for a single-file statement and a
 * directory MODEL (as model_signing lays it out), the file named by the
 * subject inside it. NULL with a problem or an error otherwise. */
static char *hash_target(const struct ms_verify_request *req, struct ms_verify_result *res, int *rc)
{
	const struct ms_manifest *m = &res->signed_manifest;
	struct stat st;
	if (stat(req->model, &st) < 0) {
		ms_error("cannot access model '%s': %s", req->model, strerror(errno));
		*rc = MS_ERR;
		return NULL;
	}
	int single = is_single_file_statement(m);
	if (!S_ISDIR(st.st_mode) && !single) {
		ms_problems_add(&res->problems, req->model, "type",
		                ms_strdup("the signed model is a directory, this is a file"));
		*rc = MS_FAIL;
		return NULL;
	}
	if (!S_ISDIR(st.st_mode) || !single)
		return ms_strdup(req->model);
	if (!m->name || !ms_path_is_safe(m->name) || strchr(m->name, '/')) {
		ms_error("statement: subject name '%s' is not a file name", m->name ? m->name : "");
		*rc = MS_ERR;
		return NULL;
	}
	char *path = ms_asprintf("%s/%s", req->model, m->name);
	if (lstat(path, &st) < 0 && errno == ENOENT) {
		ms_problems_add(&res->problems, m->name, "missing", NULL);
		*rc = MS_FAIL;
		free(path);
		return NULL;
	}
	return path;
}

static int is_git_name(const char *path)
{
	static const char *const names[] = {".git", ".gitattributes", ".github", ".gitignore"};
	size_t n = strcspn(path, "/");
	for (size_t i = 0; i < MS_ARRAY_LEN(names); i++)
		if (strlen(names[i]) == n && strncmp(path, names[i], n) == 0)
			return 1;
	return 0;
}

/* Step 3's settings: all from the statement. Statements that record their
 * ignore list (ours, model_signing >= 1.1) get exactly it; older ones
 * silently skipped the git files, so we do too unless they signed some. */
static int opts_from_statement(const struct ms_verify_request *req,
                               const struct ms_verify_result *res, struct ms_hash_opts *o)
{
	const struct ms_manifest *m = &res->signed_manifest;
	ms_hash_opts_init(o);
	o->method = m->method;
	o->alg = m->alg;
	o->shard_size = m->method == MS_METHOD_SHARDS ? m->shard_size : o->shard_size;
	o->allow_symlinks = m->allow_symlinks;
	o->jobs = req->jobs;
	o->ignore_git = m->ignore_paths == NULL;
	for (size_t i = 0; i < m->n_res && o->ignore_git; i++)
		if (is_git_name(m->res[i].path))
			o->ignore_git = 0;
	for (size_t i = 0; i < m->n_ignore_paths; i++)
		if (ms_hash_opts_add_ignore(o, m->ignore_paths[i]) < 0)
			return -1;
	for (size_t i = 0; i < req->n_ignore; i++)
		if (ms_hash_opts_add_ignore(o, req->ignore[i]) < 0)
			return -1;
	char *rel = ms_signature_inside_model(req->model, res->signature);
	int rc = rel ? ms_hash_opts_add_ignore(o, rel) : 0;
	free(rel);
	return rc;
}

/* An archive is hashed with its members' checks: a member the rules refuse
 * fails the verification, a read error is an error. The signature member
 * must lie at the root the hash found. */
static int hash_archive(const struct ms_verify_request *req, struct ms_verify_result *res,
			struct ms_hash_opts *o, struct ms_manifest *got)
{
	struct ms_archive_info info;
	o->archive = 1;
	/* Members the statement does not list are refused before they are
	 * read (or written, by unpack), unless extra files are fine. */
	const struct ms_manifest *signed_m = req->ignore_unsigned ? NULL : &res->signed_manifest;
	if (ms_archive_hash_signed(req->model, o, signed_m, req->sink, got, &info) < 0) {
		if (!info.refused)
			return MS_ERR;
		ms_problems_add(&res->problems, req->model, "unsafe",
				ms_strdup("modelseal refuses this archive (unsafe, or read differently "
					  "by other extractors)"));
		return MS_FAIL;
	}
	res->archive_root = info.root;
	if (res->sig_member && ((res->sig_top == NULL) != (info.root == NULL) ||
				(info.root && strcmp(res->sig_top, info.root) != 0))) {
		ms_problems_add(&res->problems, res->signature, "signature",
				ms_strdup("the signature member is not at the model root"));
		ms_manifest_free(got);
		return MS_FAIL;
	}
	return MS_OK;
}

/* Steps 3 and 4: re-hash and compare. */
static int check_model(const struct ms_verify_request *req, struct ms_verify_result *res)
{
	int rc = MS_OK;
	char *target = req->archive ? ms_strdup(req->model) : hash_target(req, res, &rc);
	if (!target)
		return rc;
	struct ms_hash_opts o;
	struct ms_manifest got;
	if (opts_from_statement(req, res, &o) < 0)
		rc = MS_ERR;
	else if (req->archive)
		rc = hash_archive(req, res, &o, &got);
	else if (ms_model_hash(target, &o, &got) < 0)
		rc = MS_ERR;
	if (rc != MS_OK) {
		ms_hash_opts_free(&o);
		free(target);
		return rc;
	}
	char *shown = ms_basename(target);
	ms_manifest_diff(&res->signed_manifest, &got, req->ignore_unsigned, shown, &res->problems);
	/* Belt and braces: with nothing left out, equal resources mean equal roots. */
	if (res->problems.n == 0 && !req->ignore_unsigned &&
	    sodium_memcmp(got.root, res->signed_manifest.root, MS_ROOT_LEN) != 0)
		ms_problems_add(&res->problems, shown, "modified",
		                ms_strdup("root digest differs"));
	free(shown);
	ms_manifest_free(&got);
	ms_hash_opts_free(&o);
	free(target);
	return res->problems.n ? MS_FAIL : MS_OK;
}

/* The bundle: --signature, else the default file; for an archive without
 * ARCHIVE.sig beside it, its model.sig member (res->signature is then
 * "ARCHIVE:model.sig"). */
static int load_bundle(const struct ms_verify_request *req, struct ms_verify_result *res,
		       char **json, size_t *len)
{
	struct stat st;
	res->signature =
	    req->signature ? ms_strdup(req->signature) : ms_default_signature_path(req->model);
	if (!res->signature)
		return MS_ERR;
	if (!req->archive || req->signature || stat(res->signature, &st) == 0)
		return ms_read_file(res->signature, MS_BUNDLE_MAX, "signature", json, len) < 0
			   ? MS_ERR
			   : MS_OK;
	int found = ms_archive_read_member(req->model, "model.sig", MS_BUNDLE_MAX, json, len,
					   &res->sig_top);
	if (found == 0)
		ms_error("no signature for archive '%s': neither '%s' nor a model.sig member",
			 req->model, res->signature);
	if (found == -2) /* refused while looking: the archive fails */
		ms_problems_add(&res->problems, req->model, "unsafe",
				ms_strdup("modelseal refuses this archive (unsafe, or read differently "
					  "by other extractors)"));
	if (found <= 0)
		return found == -2 ? MS_FAIL : MS_ERR;
	free(res->signature);
	res->signature = ms_asprintf("%s:model.sig", req->model);
	res->sig_member = 1;
	return MS_OK;
}

int ms_verify_model(const struct ms_verify_request *req, struct ms_verify_result *res)
{
	memset(res, 0, sizeof *res);
	char *json;
	size_t len;
	int rc = load_bundle(req, res, &json, &len);
	if (rc != MS_OK)
		return rc;
	rc = check_signature(req, res, json, len);
	free(json);
	if (rc != MS_OK)
		return rc;
	/* Step 2: only now is the payload parsed. */
	if (ms_statement_parse(res->payload, res->payload_len, &res->signed_manifest) < 0)
		return MS_ERR;
	rc = check_model(req, res);
	res->verified = rc == MS_OK;
	return rc;
}
