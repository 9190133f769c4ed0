/* Verification of a model: signature over the exact payload, then the
 * statement, then a re-hash with the statement's own settings and a
 * comparison that names every difference. */
#include <cJSON.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "modelseal/bundle.h"
#include "modelseal/hashing.h"
#include "modelseal/output.h"
#include "modelseal/lfs.h"
#include "modelseal/sign.h"
#include "modelseal/sigstore.h"
#include "modelseal/util.h"
#include "modelseal/verify.h"
#include "modelseal/walk.h"

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
	free(res->claimed_signer);
	free(res->identity);
	free(res->issuer);
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

/* Empty files (shards method) have no resource: compared as a set, when
 * the signed statement lists them. */
static void empty_files_diff(const struct ms_manifest *want, const struct ms_manifest *got,
                             int ignore_extra, struct ms_problems *out)
{
	if (!want->has_empty_files)
		return;
	struct ms_signed_set w, g;
	if (ms_signed_set_build(want, &w) < 0)
		return; /* refused when the statement was parsed */
	if (ms_signed_set_build(got, &g) < 0) {
		ms_signed_set_free(&w);
		return;
	}
	for (size_t i = 0; i < want->n_empty_files; i++)
		if (!ms_signed_set_find(&g, want->empty_files[i]))
			ms_problems_add(out, want->empty_files[i], "missing", NULL);
	for (size_t i = 0; i < got->n_empty_files && !ignore_extra; i++)
		if (!ms_signed_set_find(&w, got->empty_files[i]))
			ms_problems_add(out, got->empty_files[i], "extra", ms_strdup("not signed"));
	ms_signed_set_free(&w);
	ms_signed_set_free(&g);
}

void ms_manifest_diff(const struct ms_manifest *want, const struct ms_manifest *got, unsigned flags,
                      const char *single_name, struct ms_problems *out)
{
	int ignore_extra = (flags & MS_DIFF_IGNORE_EXTRA) != 0;
	int set = (flags & MS_DIFF_CONTENT_ONLY) == 0;
	/* A signed empty file with bytes now has resources the statement has
	 * not: modified, never an extra that --ignore-unsigned-files hides. */
	struct ms_signed_set signed_set = {0};
	if (set && want->n_empty_files && ms_signed_set_build(want, &signed_set) < 0)
		signed_set.n = 0;
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
			if (set)
				ms_problems_add(out, shown, "missing", NULL);
		} else if (c > 0) {
			const struct ms_signed_file *sf = ms_signed_set_find(&signed_set, path);
			if (set && sf && sf->size == 0)
				ms_problems_add(out, shown, "modified",
				                ms_asprintf("size %llu bytes, signed 0",
				                            (unsigned long long)got->res[j2 - 1].end));
			else if (set && !ignore_extra)
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
	if (set)
		empty_files_diff(want, got, ignore_extra, out);
	ms_signed_set_free(&signed_set);
}

/* ---- the steps ---- */

/* Step 1: read the bundle and verify its signature before anything is
 * parsed from the payload. A Sigstore keyless bundle (certificate and log
 * entries) goes to src/sigstore/ and the trusted root; any other to the
 * keys. */
/* The key a key-based bundle names (its hint, else a signature's keyid),
 * when it is none of the trusted keys: the signer is someone we do not
 * trust, rather than a forgery of someone we do. NULL otherwise. The name
 * is the bundle's claim, never used to verify anything. */
static char *untrusted_signer(const struct ms_verify_request *req, const cJSON *root)
{
	struct ms_bundle b;
	char *who = NULL;
	if (ms_bundle_parse_tree(root, "signature", &b) < 0)
		return NULL; /* reported on the verifying path already */
	const char *named = b.hint && *b.hint ? b.hint : b.sigs[0].keyid;
	if (b.cert_kind == MS_BUNDLE_NO_CERT && req->n_keys > 0 && named && *named) {
		int known = 0;
		for (size_t i = 0; i < req->n_keys && !known; i++)
			known = strcmp(ms_pubkey_id(req->keys[i]), named) == 0;
		who = known ? NULL : ms_strdup(named);
	}
	ms_bundle_free(&b);
	return who;
}

/* The bundle is parsed once: the same tree tells a keyless bundle from a
 * key-based one and is then verified (a 40 MB bundle costs a tenth of a
 * second a parse). With owned (the caller's json), the text is freed as
 * soon as the tree holds it: a bundle's size less while the payload is
 * decoded and verified. */
static int check_signature(const struct ms_verify_request *req, struct ms_verify_result *res,
			   char *json, size_t len, char **owned)
{
	char *what = ms_asprintf("signature '%s'", res->signature);
	cJSON *root = ms_bundle_json(json, len, what);
	if (root && ms_sigstore_tree_is_keyless(root)) {
		cJSON_Delete(root);
		free(what);
		return ms_sigstore_check_signature(req, res, json, len);
	}
	if (owned) {
		free(*owned);
		*owned = NULL;
	}
	struct ms_bundle_trust trust = {req->keys, req->n_keys, req->cas, req->identity,
	                                req->ignore_certificate, 0};
	struct ms_bundle_result br = {0};
	int rc = root ? ms_bundle_verify_trust_tree(root, what, MS_INTOTO_PAYLOAD_TYPE, &trust, &br)
	              : MS_ERR;
	free(what);
	char *who = rc == MS_FAIL ? untrusted_signer(req, root) : NULL;
	cJSON_Delete(root);
	if (who) {
		res->claimed_signer = who;
		ms_problems_add(&res->problems, res->signature, "untrusted",
		                ms_asprintf("signed by key %s, which is not trusted here (trust it "
		                            "with 'modelseal trust add PUB', or give --key PUB)",
		                            who));
	} else if (rc == MS_FAIL) {
		ms_problems_add(&res->problems, res->signature, "signature", br.why);
		br.why = NULL;
	} else if (rc == MS_OK) {
		res->signer = br.signer;
		res->has_cert = br.has_cert;
		res->cert = br.cert;
		res->certificate_ignored = br.certificate_ignored;
		res->legacy_signature = br.legacy_signature;
		res->payload_len = br.payload_len;
		res->payload = (char *)br.payload; /* NUL-terminated, taken */
		br.payload = NULL;
	}
	ms_bundle_result_free(&br);
	return rc;
}

int ms_verify_signature(const struct ms_verify_request *req, const char *signature,
                        char *json, size_t len, struct ms_verify_result *out)
{
	memset(out, 0, sizeof *out);
	out->signature = ms_strdup(signature);
	return check_signature(req, out, json, len, NULL);
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

/* What the command line adds to the statement's rules: its --ignore paths,
 * and the signature when it lies inside the model. */
static int add_request_ignores(const struct ms_verify_request *req,
                               const struct ms_verify_result *res, struct ms_hash_opts *o)
{
	for (size_t i = 0; i < req->n_ignore; i++)
		if (ms_hash_opts_add_ignore(o, req->ignore[i]) < 0)
			return -1;
	char *rel = ms_signature_inside_model(req->model, res->signature);
	int rc = rel ? ms_hash_opts_add_ignore(o, rel) : 0;
	free(rel);
	return rc;
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
	o->allow_symlinks = m->allow_symlinks || req->allow_symlinks;
	o->jobs = req->jobs;
	o->ignore_git = m->ignore_paths == NULL;
	for (size_t i = 0; i < m->n_res && o->ignore_git; i++)
		if (is_git_name(m->res[i].path))
			o->ignore_git = 0;
	for (size_t i = 0; i < m->n_ignore_paths; i++)
		if (ms_hash_opts_add_ignore(o, m->ignore_paths[i]) < 0)
			return -1;
	return add_request_ignores(req, res, o);
}

/* Whether MODEL is a Hugging Face hub snapshot: sign records that it
 * followed the links of one into its blobs (allow_symlinks). */
static int is_hub_snapshot(const char *model)
{
	char *real = realpath(model, NULL);
	char *hub = real ? ms_hub_folder(real) : NULL;
	int snapshot = hub != NULL;
	free(real);
	free(hub);
	return snapshot;
}

/* Starts listing a directory MODEL with the rules a statement signed with
 * the defaults gives (opts_from_statement): its recorded ignore list holds
 * the signature names and git's, which ignore_git selects here. Used only
 * if the verified statement's rules turn out the same (SECURITY.md). */
static struct ms_listing_ahead *start_listing_ahead(const struct ms_verify_request *req,
                                                    const struct ms_verify_result *res)
{
	struct stat st;
	if (req->archive || stat(req->model, &st) < 0 || !S_ISDIR(st.st_mode))
		return NULL;
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	o.allow_symlinks = req->allow_symlinks || is_hub_snapshot(req->model);
	o.ignore_git = 1;
	char *error = NULL; /* a bad --ignore is reported by the real rules */
	ms_error_divert(&error);
	int rc = add_request_ignores(req, res, &o);
	ms_error_divert(NULL);
	free(error);
	struct ms_listing_ahead *a = rc == 0 ? ms_listing_ahead_start(req->model, &o) : NULL;
	ms_hash_opts_free(&o);
	return a;
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

/* ---- step 3: the file set, compared before a byte is read ---- */

struct set_check {
	const struct ms_signed_set *signed_set;
	struct ms_verify_result *res;
	const char *subject; /* a single-file statement checked against a directory:
	                        the signed file's name there, standing for "." */
	int ignore_unsigned;
	int foreign_empty; /* the statement does not list empty files */
	size_t unchecked_empty;
	uint8_t *seen; /* one flag per signed file */
};

/* What the comparison makes of a listed file, without a side effect:
 * signed (*sf its entry), or left out (not signed, or emptied or filled
 * where it was signed empty or not). */
enum listed_verdict { LISTED_SIGNED, LISTED_UNSIGNED, LISTED_EMPTINESS };

static enum listed_verdict judge_listed(const struct set_check *c, const struct ms_file *f,
                                        const struct ms_signed_file **sf)
{
	const char *key = c->subject && strcmp(f->rel, c->subject) == 0 ? "." : f->rel;
	*sf = ms_signed_set_find(c->signed_set, key);
	if (!*sf)
		return LISTED_UNSIGNED;
	/* An empty file has no shard: one that was emptied, or a signed empty
	 * file written to, leaves no range to compare. Named, not hashed. */
	if ((*sf)->size != UINT64_MAX && (f->size == 0) != ((*sf)->size == 0))
		return LISTED_EMPTINESS;
	return LISTED_SIGNED;
}

/* A signed file larger than it was signed is read only up to its signed
 * size. */
static void limit_to_signed(struct ms_file *f, const struct ms_signed_file *sf)
{
	if (sf->size != UINT64_MAX && f->size > sf->size)
		f->hash_limit = sf->size;
}

/* The walk's admission while it lists (ms_walk_model_hashing): a signed
 * file may be hashed at once; keep_signed decides the same afterwards and
 * reports. A single-file statement's file is renamed after the walk, and
 * is hashed then. */
static int admit_signed(struct ms_file *f, void *ctx)
{
	const struct set_check *c = ctx;
	const struct ms_signed_file *sf;
	if (c->subject || judge_listed(c, f, &sf) != LISTED_SIGNED)
		return 0;
	limit_to_signed(f, sf);
	return 1;
}

/* Keeps a listed file only when it was signed: an extra file is reported
 * and never read, whatever its size. */
static int keep_signed(struct ms_file *f, void *ctx)
{
	struct set_check *c = ctx;
	const struct ms_signed_file *sf;
	switch (judge_listed(c, f, &sf)) {
	case LISTED_UNSIGNED:
		if (f->size == 0 && c->foreign_empty)
			c->unchecked_empty++;
		else if (!c->ignore_unsigned)
			ms_problems_add(&c->res->problems, f->rel, "extra",
			                ms_strdup(c->subject ? "not signed: the signature covers "
			                                       "one file of this directory"
			                                     : "not signed"));
		return 0;
	case LISTED_EMPTINESS:
		c->seen[sf - c->signed_set->v] = 1;
		ms_problems_add(&c->res->problems, f->rel, "modified",
		                ms_asprintf("size %llu bytes, signed %llu", (unsigned long long)f->size,
		                            (unsigned long long)sf->size));
		return 0;
	case LISTED_SIGNED:
		break;
	}
	c->seen[sf - c->signed_set->v] = 1;
	limit_to_signed(f, sf);
	return 1;
}

static void report_missing(const struct set_check *c)
{
	for (size_t i = 0; i < c->signed_set->n; i++) {
		const char *path = c->signed_set->v[i].path;
		if (!c->seen[i])
			ms_problems_add(&c->res->problems,
			                strcmp(path, ".") == 0 && c->subject ? c->subject : path,
			                "missing", NULL);
	}
}

/* Lists a directory MODEL with the statement's rules and compares its files
 * with the signed ones: extra and missing files are problems from here on,
 * and w keeps only the signed files that are present. The signed files
 * that are one small task each are hashed while the walk lists (*h), as
 * digest does: only files the comparison keeps are read, never an extra
 * one, and never past a file's signed size (invariant 2 of SECURITY.md).
 * A listing made ahead with the same rules (*ahead) stands in for the walk;
 * the files are then all hashed after the comparison (*h is NULL). */
static int compare_file_sets(const struct ms_verify_request *req, struct ms_verify_result *res,
                             const struct ms_hash_opts *o, const char *subject, struct ms_walk *w,
                             struct ms_listed_hash **h, struct ms_listing_ahead **ahead)
{
	const struct ms_manifest *m = &res->signed_manifest;
	struct ms_signed_set set;
	if (ms_signed_set_build(m, &set) < 0)
		return MS_ERR;
	struct set_check c = {
	    .signed_set = &set,
	    .res = res,
	    .subject = subject,
	    .ignore_unsigned = req->ignore_unsigned,
	    .foreign_empty = m->method == MS_METHOD_SHARDS && !m->has_empty_files,
	};
	double t0 = ms_seconds();
	int listed_ahead = ms_listing_ahead_take(*ahead, o, w);
	*ahead = NULL;
	*h = NULL;
	if (!listed_ahead && ms_walk_model_hashing(req->model, o, admit_signed, &c, w, h) < 0) {
		ms_signed_set_free(&set);
		return MS_ERR;
	}
	c.seen = ms_calloc(set.n + 1, 1);
	size_t listed = w->n_files;
	ms_walk_filter(w, keep_signed, &c);
	report_missing(&c);
	ms_debug("listed %zu file(s), %zu signed, compared with %zu signed path(s) in %.3f s: "
		 "%zu problem(s)",
		 listed, w->n_files, set.n, ms_seconds() - t0, res->problems.n);
	if (c.unchecked_empty)
		ms_warn("%zu empty file(s) in '%s' not checked: the signature (made by another "
		        "tool) does not record empty files",
		        c.unchecked_empty, req->model);
	free(c.seen);
	ms_signed_set_free(&set);
	return MS_OK;
}

/* Resources named ".", or one empty file listed as "." (shards method: an
 * empty file has no shard). */
static int is_single_file_statement(const struct ms_manifest *m)
{
	for (size_t i = 0; i < m->n_res; i++)
		if (strcmp(m->res[i].path, ".") != 0)
			return 0;
	if (m->n_res == 0)
		return m->n_empty_files == 1 && strcmp(m->empty_files[0], ".") == 0;
	return 1;
}

/* The subject name of a single-file statement, as a file name inside a
 * directory. NULL after reporting when it is not one. */
static const char *subject_file_name(const struct ms_manifest *m)
{
	if (m->name && ms_path_is_safe(m->name) && !strchr(m->name, '/') &&
	    strcmp(m->name, ".") != 0)
		return m->name;
	ms_error("statement: subject name '%s' is not a file name", m->name ? m->name : "");
	return NULL;
}

/* The kind of model is part of what was signed: a file is checked as a
 * file, a directory as a directory. A single-file statement (model_signing
 * lays such a model out as DIR/FILE with DIR/model.sig) passes for a
 * directory only when that file is all the directory holds. */
static int model_kind(const struct ms_verify_request *req, struct ms_verify_result *res,
                      int *is_dir)
{
	struct stat st;
	if (stat(req->model, &st) < 0) {
		ms_error("cannot access model '%s': %s", req->model, strerror(errno));
		return MS_ERR;
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		ms_error("model '%s' is not a regular file or directory", req->model);
		return MS_ERR;
	}
	*is_dir = S_ISDIR(st.st_mode);
	if (!*is_dir && !is_single_file_statement(&res->signed_manifest)) {
		ms_problems_add(&res->problems, req->model, "type",
		                ms_strdup("the signature is for a directory, this is a file"));
		return MS_FAIL;
	}
	return MS_OK;
}

/* The directory's signed files, hashed once the sets were compared. For a
 * single-file statement the one file is hashed as a single-file model, so
 * that its resource is "." as signed. */
static int hash_directory(const struct ms_verify_request *req, struct ms_verify_result *res,
                          const struct ms_hash_opts *o, struct ms_manifest *got, char **shown,
                          struct ms_listing_ahead **ahead)
{
	const struct ms_manifest *m = &res->signed_manifest;
	const char *subject = NULL;
	if (is_single_file_statement(m) && !(subject = subject_file_name(m)))
		return MS_ERR;
	struct ms_walk w;
	struct ms_listed_hash *h;
	int rc = compare_file_sets(req, res, o, subject, &w, &h, ahead);
	if (rc != MS_OK)
		return rc;
	if (subject && w.n_files) {
		/* The file the sets were compared on is hashed as the signed
		 * ".", never looked up by name again: swapped for a directory
		 * in between, it would be hashed as one (issue 10). */
		free(w.files[0].rel);
		w.files[0].rel = ms_strdup(".");
		free(w.name);
		w.name = ms_strdup(subject);
		*shown = ms_strdup(subject);
	} else {
		*shown = ms_basename(req->model);
	}
	rc = (h ? ms_walk_hash_listed(h, &w, o, got) : ms_walk_hash(&w, o, got)) < 0 ? MS_ERR : MS_OK;
	ms_listed_hash_free(h);
	if (subject && res->problems.n)
		ms_problems_add(&res->problems, req->model, "type",
		                ms_asprintf("the signature is for the single file '%s', not for "
		                            "this directory",
		                            subject));
	ms_walk_free(&w);
	return rc;
}

/* Steps 3 and 4: compare the file sets, re-hash what was signed, compare
 * the bytes. */
static int check_model(const struct ms_verify_request *req, struct ms_verify_result *res,
                       struct ms_listing_ahead **ahead)
{
	struct ms_hash_opts o;
	struct ms_manifest got;
	char *shown = NULL;
	int is_dir = 0;
	unsigned flags = req->ignore_unsigned ? MS_DIFF_IGNORE_EXTRA : 0;
	int rc = req->archive ? MS_OK : model_kind(req, res, &is_dir);
	if (rc != MS_OK)
		return rc;
	if (opts_from_statement(req, res, &o) < 0) {
		rc = MS_ERR;
	} else if (req->archive) {
		rc = hash_archive(req, res, &o, &got);
		shown = ms_basename(req->model);
	} else if (is_dir) {
		rc = hash_directory(req, res, &o, &got, &shown, ahead);
		flags |= MS_DIFF_CONTENT_ONLY;
	} else {
		rc = ms_model_hash(req->model, &o, &got) < 0 ? MS_ERR : MS_OK;
		shown = ms_basename(req->model);
	}
	ms_hash_opts_free(&o);
	if (rc != MS_OK) {
		free(shown);
		return rc;
	}
	ms_manifest_diff(&res->signed_manifest, &got, flags, shown, &res->problems);
	if (!req->archive)
		ms_lfs_explain(req->model, &res->problems);
	/* Belt and braces: with nothing left out, equal resources mean equal
	 * roots, in manifest order (the subject's root may be over another
	 * order: any order is accepted when parsing). */
	uint8_t want_root[MS_ROOT_LEN];
	ms_manifest_root(&res->signed_manifest, want_root);
	/* Only an archive's hash keeps unsigned members: a directory's
	 * holds the signed files alone, so its root is checked always. */
	if (res->problems.n == 0 && (!req->ignore_unsigned || !req->archive) &&
	    sodium_memcmp(got.root, want_root, MS_ROOT_LEN) != 0)
		ms_problems_add(&res->problems, shown, "modified",
		                ms_strdup("root digest differs"));
	free(shown);
	ms_manifest_free(&got);
	return res->problems.n ? MS_FAIL : MS_OK;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcmp(s + n - m, suffix) == 0;
}

static int looks_like_archive(const char *path)
{
	static const char *const exts[] = {".tar",     ".tar.gz", ".tgz",     ".tar.bz2",
	                                   ".tar.xz",  ".txz",    ".tar.zst", ".zip"};
	for (size_t i = 0; i < MS_ARRAY_LEN(exts); i++)
		if (has_suffix(path, exts[i]))
			return 1;
	return 0;
}

/* MODEL has no signature beside it. A signature given as MODEL is a
 * mistake to point out (exit 2); otherwise the model is unsigned: do not
 * deploy (exit 1), with a hint when it looks like an archive. */
static int unsigned_model(const struct ms_verify_request *req, struct ms_verify_result *res)
{
	if (has_suffix(req->model, ".sig")) {
		char *dir = ms_dirname(req->model);
		ms_error("'%s' is a signature, not a model: give the model it signs (for "
		         "model.sig, its directory '%s'; for FILE.sig, FILE)",
		         req->model, dir);
		free(dir);
		return MS_ERR;
	}
	const char *hint = looks_like_archive(req->model)
	                       ? "; for the signature inside an archive, add --archive"
	                       : "";
	ms_problems_add(&res->problems, req->model, "unsigned",
	                ms_asprintf("no signature: '%s' does not exist (sign the model with "
	                            "'modelseal sign', or give --signature FILE%s)",
	                            res->signature, hint));
	return MS_FAIL;
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
	ms_output_context("signature", res->signature);
	/* No signature where it belongs: a verdict (do not deploy), not an
	 * error; an explicit --signature that is missing stays an error. */
	if (!req->archive && !req->signature && lstat(res->signature, &st) < 0 && errno == ENOENT)
		return unsigned_model(req, res);
	if (!req->archive || req->signature || stat(res->signature, &st) == 0)
		return ms_read_file(res->signature, MS_BUNDLE_MAX, "signature", json, len) < 0
		           ? MS_ERR
		           : MS_OK;
	int found = ms_archive_read_member(req->model, "model.sig", MS_BUNDLE_MAX, json, len,
	                                   &res->sig_top);
	if (found == 0) {
		ms_problems_add(&res->problems, req->model, "unsigned",
		                ms_asprintf("no signature: neither '%s' nor a model.sig member",
		                            res->signature));
		return MS_FAIL;
	}
	if (found == -2) { /* refused while looking: the archive fails */
		ms_problems_add(&res->problems, req->model, "unsafe",
		                ms_strdup("modelseal refuses this archive (unsafe, or read differently "
		                          "by other extractors)"));
		return MS_FAIL;
	}
	if (found < 0)
		return MS_ERR;
	free(res->signature);
	res->signature = ms_asprintf("%s:model.sig", req->model);
	res->sig_member = 1;
	return MS_OK;
}

int ms_verify_model(const struct ms_verify_request *req, struct ms_verify_result *res)
{
	memset(res, 0, sizeof *res);
	ms_output_context("model", req->model);
	char *json;
	size_t len;
	int rc = load_bundle(req, res, &json, &len);
	if (rc != MS_OK)
		return rc;
	struct ms_listing_ahead *ahead = start_listing_ahead(req, res);
	rc = check_signature(req, res, json, len, &json);
	free(json);
	/* Step 2: only now is the payload parsed. */
	if (rc == MS_OK &&
	    ms_statement_parse(res->payload, res->payload_len, &res->signed_manifest) < 0)
		rc = MS_ERR;
	if (rc == MS_OK)
		rc = check_model(req, res, &ahead);
	ms_listing_ahead_drop(ahead); /* not taken: a failure, or not a directory */
	res->verified = rc == MS_OK;
	return rc;
}
