/* The engine's side of a source that reads its files in order (an archive,
 * see source.h): cuts each file's bytes into the method's resources as
 * they come, hashes them on the stream's workers (stream.c), and builds
 * the manifest from the source's listing once it has read everything. */
#include <stdlib.h>
#include <string.h>

#include "modelseal/archive.h"
#include "modelseal/hashing.h"
#include "modelseal/progress.h"
#include "modelseal/stream.h"
#include "modelseal/util.h"

/* The resources of one file the source handed bytes for. */
struct fed_file {
	size_t first, n;
};

struct fed {
	const struct ms_hash_opts *o;
	struct ms_stream *st;
	struct ms_progress progress;
	struct ms_resource *res; /* by stream id; paths are set from the listing */
	size_t n_res, res_cap;
	struct fed_file *files; /* by the source's id */
	size_t n_files, files_cap;
	/* the file being streamed */
	size_t cur;
	uint64_t pos;
	struct ms_stream_shard *sh; /* its open shard, or NULL */
	atomic_int errors_shown;    /* the reader's and the workers' (stream.c) */
};

static void fed_reset(struct fed *f)
{
	ms_stream_free(f->st);
	f->st = NULL;
	free(f->res);
	free(f->files);
	f->res = NULL;
	f->files = NULL;
	f->n_res = f->res_cap = f->n_files = f->files_cap = 0;
	f->sh = NULL;
}

static struct ms_progress *fed_begin(void *ctx, uint64_t total)
{
	struct fed *f = ctx;
	fed_reset(f);
	ms_progress_end(&f->progress);
	ms_progress_start(&f->progress, "hashing", total);
	unsigned jobs = f->o->jobs ? f->o->jobs : ms_online_cpus();
	f->st = ms_stream_start(f->o->alg, jobs, &f->progress, &f->errors_shown);
	return f->st ? &f->progress : NULL;
}

/* A new file: its resources start at the next stream id. Ids come in
 * order, one per file (source.h); -1 for a source that breaks that. */
static int add_file(struct fed *f, size_t id)
{
	if (id != f->n_files) {
		ms_error("internal error: a source handed file %zu out of order", id);
		return -1;
	}
	if (f->n_files == f->files_cap) {
		f->files_cap = f->files_cap ? 2 * f->files_cap : 64;
		f->files = ms_reallocarray(f->files, f->files_cap, sizeof *f->files);
	}
	f->files[f->n_files++] = (struct fed_file){.first = f->n_res};
	return 0;
}

static size_t add_resource(struct fed *f, uint64_t start, uint64_t end)
{
	if (f->n_res == f->res_cap) {
		f->res_cap = f->res_cap ? 2 * f->res_cap : 256;
		f->res = ms_reallocarray(f->res, f->res_cap, sizeof *f->res);
	}
	f->res[f->n_res] = (struct ms_resource){.start = start, .end = end};
	f->files[f->n_files - 1].n++;
	return f->n_res++;
}

static int fed_file(void *ctx, size_t id)
{
	struct fed *f = ctx;
	f->cur = id;
	f->pos = 0;
	return add_file(f, id);
}

static int shard_open(struct fed *f)
{
	size_t id = add_resource(f, f->pos, f->pos);
	f->sh = ms_stream_open(f->st, id);
	return f->sh ? 0 : -1;
}

static int shard_close(struct fed *f)
{
	f->res[f->n_res - 1].end = f->pos;
	struct ms_stream_shard *sh = f->sh;
	f->sh = NULL;
	return ms_stream_close(f->st, sh);
}

/* Cuts the bytes at shard boundaries. */
static int fed_bytes(void *ctx, const void *data, size_t len)
{
	struct fed *f = ctx;
	const uint8_t *p = data;
	int shards = f->o->method == MS_METHOD_SHARDS;
	uint64_t step = f->o->shard_size;
	while (len > 0) {
		if (!f->sh && shard_open(f) < 0)
			return -1;
		size_t n = len;
		uint64_t room = f->res[f->n_res - 1].start + step - f->pos;
		if (shards && room < n)
			n = (size_t)room;
		if (ms_stream_write(f->st, f->sh, p, n) < 0)
			return -1;
		f->pos += n;
		p += n;
		len -= n;
		if (shards && f->pos == f->res[f->n_res - 1].start + step && shard_close(f) < 0)
			return -1;
	}
	return 0;
}

static int fed_end(void *ctx)
{
	struct fed *f = ctx;
	/* files: one resource even for an empty file; shards: none for it. */
	if (!f->sh && f->o->method == MS_METHOD_FILES && f->files[f->cur].n == 0 &&
	    shard_open(f) < 0)
		return -1;
	return f->sh ? shard_close(f) : 0;
}

/* The whole file is bytes [off, off+len) of fd: the workers read it. */
static int fed_range(void *ctx, size_t id, int fd, uint64_t off, uint64_t len, const char *what)
{
	struct fed *f = ctx;
	if (add_file(f, id) < 0)
		return -1;
	uint64_t step = f->o->method == MS_METHOD_SHARDS ? f->o->shard_size : len;
	for (uint64_t at = 0; at < len; at += step) {
		uint64_t end = len - at < step ? len : at + step;
		size_t rid = add_resource(f, at, end);
		if (ms_stream_range(f->st, rid, fd, off + at, end - at, what) < 0)
			return -1;
	}
	return 0;
}

static void fill_header(const struct fed *f, const struct ms_source_list *l, struct ms_manifest *m)
{
	m->name = ms_strdup(l->name);
	m->method = f->o->method;
	m->alg = f->o->alg;
	m->shard_size = f->o->method == MS_METHOD_SHARDS ? f->o->shard_size : 0;
	m->allow_symlinks = f->o->allow_symlinks;
	m->has_empty_files = m->method == MS_METHOD_SHARDS;
	m->ignore_paths = ms_calloc(l->n_ignored + 1, sizeof(char *));
	for (size_t i = 0; i < l->n_ignored; i++)
		m->ignore_paths[m->n_ignore_paths++] = ms_strdup(l->ignored[i]);
}

/* Every listed file gets the resources of the bytes it holds (a link its
 * target's), under its own path. */
static void build_manifest(const struct fed *f, const struct ms_source_list *l,
                           struct ms_manifest *m)
{
	fill_header(f, l, m);
	size_t n = 0;
	for (size_t i = 0; i < l->n_files; i++)
		n += f->files[l->files[i].data].n;
	m->res = ms_calloc(n + 1, sizeof *m->res);
	for (size_t i = 0; i < l->n_files; i++) {
		const struct ms_source_file *sf = &l->files[i];
		const struct fed_file *ff = &f->files[sf->data];
		m->n_files++;
		m->total_bytes += sf->size;
		if (m->method == MS_METHOD_SHARDS && sf->size == 0 && strcmp(sf->rel, ".") != 0)
			ms_manifest_add_empty_file(m, sf->rel);
		for (size_t k = ff->first; k < ff->first + ff->n; k++) {
			struct ms_resource *r = &m->res[m->n_res++];
			*r = f->res[k];
			r->path = ms_strdup(sf->rel);
		}
	}
	ms_manifest_sort(m);
	ms_manifest_compute_root(m);
}

/* Waits for the workers and takes their digests. */
static int fed_finish(void *ctx)
{
	struct fed *f = ctx;
	if (ms_stream_finish(f->st) < 0)
		return -1;
	for (size_t i = 0; i < f->n_res; i++)
		memcpy(f->res[i].digest, ms_stream_digest(f->st, i), MS_DIGEST_MAX);
	return 0;
}

/* The source is about to close the descriptor its ranges read: the
 * workers stop first (ms_stream_free joins them). */
static void fed_abandon(void *ctx)
{
	struct fed *f = ctx;
	ms_stream_free(f->st);
	f->st = NULL;
	f->sh = NULL;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The signed files with their sizes (a file's last resource ends at its
 * size), sorted and without repeats. */
static void expect_build(struct ms_source_expect *x, const struct ms_manifest *sm)
{
	x->path = ms_calloc(sm->n_res + 1, sizeof *x->path);
	x->size = ms_calloc(sm->n_res + 1, sizeof *x->size);
	x->n = 0;
	x->empty_unlisted = sm->method == MS_METHOD_SHARDS;
	for (size_t i = 0; i < sm->n_res; i++)
		x->path[x->n++] = sm->res[i].path;
	qsort(x->path, x->n, sizeof *x->path, path_cmp);
	size_t k = 0;
	for (size_t i = 0; i < x->n; i++)
		if (k == 0 || strcmp(x->path[k - 1], x->path[i]) != 0)
			x->path[k++] = x->path[i];
	x->n = k;
	for (size_t i = 0; i < sm->n_res; i++) {
		size_t j = ms_source_expect_find(x, sm->res[i].path);
		if (sm->method != MS_METHOD_SHARDS)
			x->size[j] = UINT64_MAX;
		else if (sm->res[i].end > x->size[j])
			x->size[j] = sm->res[i].end;
	}
}

int ms_archive_hash(const char *path, const struct ms_hash_opts *o,
                    const struct ms_archive_sink *sink, struct ms_manifest *m,
                    struct ms_archive_info *info)
{
	return ms_archive_hash_signed(path, o, NULL, sink, m, info);
}

int ms_archive_hash_signed(const char *path, const struct ms_hash_opts *o,
                           const struct ms_manifest *signed_m, const struct ms_archive_sink *sink,
                           struct ms_manifest *m, struct ms_archive_info *info)
{
	memset(m, 0, sizeof *m);
	if (info)
		memset(info, 0, sizeof *info);
	struct ms_source_expect x = {0};
	if (signed_m)
		expect_build(&x, signed_m);
	struct fed f = {.o = o};
	atomic_init(&f.errors_shown, 0);
	struct ms_source_sink to = {.ctx = &f,
	                            .begin = fed_begin,
	                            .file = fed_file,
	                            .bytes = fed_bytes,
	                            .end = fed_end,
	                            .range = fed_range,
	                            .finish = fed_finish,
	                            .abandon = fed_abandon};
	struct ms_source_opts so = ms_hash_source_opts(o);
	struct ms_source_list l;
	/* The reader's own errors follow the workers' rule: a truncated
	 * archive is one failure, whoever meets it first. */
	char *why = NULL, **held = ms_error_divert(&why);
	int rc = ms_source_archive_read(path, &so, signed_m ? &x : NULL, sink, &to, &l);
	ms_error_first_only(&f.errors_shown, why, held, 0);
	ms_progress_end(&f.progress);
	if (rc == 0)
		build_manifest(&f, &l, m);
	if (info && rc == 0)
		info->root = l.root ? ms_strdup(l.root) : NULL;
	if (info && rc < 0)
		info->refused = l.refused;
	ms_source_list_free(&l);
	fed_reset(&f);
	free(x.path);
	free(x.size);
	return rc;
}
