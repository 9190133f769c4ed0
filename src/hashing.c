/* The hashing engine: plan one task per shard (or per file), hash the tasks
 * on the pool, and assemble the manifest. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "modelseal/hasher.h"
#include "modelseal/hashing.h"
#include "modelseal/pool.h"
#include "modelseal/util.h"
#include "modelseal/walk.h"

/* Window of a large range: mapped whole, or read MS_READ_CHUNK at a time.
 * 16 MiB keeps the mapped pages (they count as RSS) at 16 MiB per thread. */
#define MAP_WINDOW ((size_t)16 << 20)
#define MAP_MIN ((uint64_t)1 << 20)
/* Windows of each read path timed before the cheaper one is kept. */
#define IO_SAMPLES 2u
/* Samples of a path tried at most before overlapping ones count too. */
#define IO_TRIES 6u
#define MAX_JOBS 1024u

void ms_hash_opts_init(struct ms_hash_opts *o)
{
	memset(o, 0, sizeof *o);
	o->method = MS_METHOD_SHARDS;
	o->alg = MS_HASH_SHA256;
	o->shard_size = MS_DEFAULT_SHARD_SIZE;
	o->ignore_git = 1;
}

struct ms_source_opts ms_hash_source_opts(const struct ms_hash_opts *o)
{
	return (struct ms_source_opts){.allow_symlinks = o->allow_symlinks,
	                               .ignore_git = o->ignore_git,
	                               .ignore = o->ignore,
	                               .n_ignore = o->n_ignore};
}

int ms_walk_model(const char *path, const struct ms_hash_opts *o, struct ms_walk *w)
{
	struct ms_source_opts so = ms_hash_source_opts(o);
	return ms_walk_list(path, &so, w);
}

int ms_walk_model_each(const char *path, const struct ms_hash_opts *o, struct ms_walk *w,
                       ms_walk_file_fn on_file, void *ctx)
{
	struct ms_source_opts so = ms_hash_source_opts(o);
	return ms_walk_list_each(path, &so, w, on_file, ctx);
}

void ms_hash_opts_free(struct ms_hash_opts *o)
{
	for (size_t i = 0; i < o->n_ignore; i++)
		free(o->ignore[i]);
	free(o->ignore);
	o->ignore = NULL;
	o->n_ignore = 0;
}

int ms_hash_opts_add_ignore(struct ms_hash_opts *o, const char *path)
{
	char *norm = ms_normalise_rel_path(path);
	if (!norm) {
		ms_error("--ignore '%s': give a path inside the model, relative to its root", path);
		return -1;
	}
	o->ignore = ms_reallocarray(o->ignore, o->n_ignore + 1, sizeof(char *));
	o->ignore[o->n_ignore++] = norm;
	return 0;
}

unsigned ms_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > (long)MAX_JOBS ? MAX_JOBS : (unsigned)n;
}

int ms_hashing_option(int opt, const char *arg, struct ms_hash_opts *o)
{
	uint64_t v;
	switch (opt) {
	case MS_OPT_METHOD:
		if (ms_method_parse(arg, &o->method) == 0)
			return 1;
		ms_error("unknown --method '%s' (use shards or files)", arg);
		return -1;
	case MS_OPT_HASH:
		if (ms_hash_alg_parse(arg, &o->alg) == 0)
			return 1;
		ms_error("unknown --hash '%s' (use sha256 or blake2b)", arg);
		return -1;
	case MS_OPT_SHARD_SIZE:
		if (ms_parse_size(arg, 1, (uint64_t)1 << 49, &v) == 0) {
			o->shard_size = v;
			return 1;
		}
		ms_error("--shard-size '%s' must be a size from 1 byte to 512TiB: a whole number "
		         "of bytes, or with a unit (64MiB, 1GiB: powers of 1024; 1G, 500M: powers "
		         "of 1000)",
		         arg);
		return -1;
	case MS_OPT_JOBS:
		if (ms_parse_u64(arg, 1, MAX_JOBS, &v) == 0) {
			o->jobs = (unsigned)v;
			return 1;
		}
		ms_error("--jobs '%s' must be a whole number from 1 to %u", arg, MAX_JOBS);
		return -1;
	case MS_OPT_IGNORE:
		return ms_hash_opts_add_ignore(o, arg) == 0 ? 1 : -1;
	case MS_OPT_NO_IGNORE_GIT:
		o->ignore_git = 0;
		return 1;
	case MS_OPT_ALLOW_SYMLINKS:
		o->allow_symlinks = 1;
		return 1;
	case MS_OPT_ARCHIVE:
		o->archive = 1;
		return 1;
	default:
		return 0;
	}
}

/* ---- the shared hasher ---- */

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

/* Fetched once: an explicit fetch spares every digest the implicit lookup. */
static void fetch_sha256(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int ms_hasher_new(struct ms_hasher *h, enum ms_hash_alg alg)
{
	memset(h, 0, sizeof *h);
	h->alg = alg;
	if (alg != MS_HASH_SHA256)
		return 0;
	pthread_once(&sha256_once, fetch_sha256);
	h->evp = sha256_md ? EVP_MD_CTX_new() : NULL;
	if (h->evp)
		return 0;
	ms_error("cannot set up SHA-256 from libcrypto");
	return -1;
}

void ms_hasher_free(struct ms_hasher *h)
{
	EVP_MD_CTX_free(h->evp);
	h->evp = NULL;
}

int ms_hasher_begin(struct ms_hasher *h)
{
	if (h->alg == MS_HASH_SHA256 ? EVP_DigestInit_ex2(h->evp, sha256_md, NULL) == 1
	                             : crypto_generichash_blake2b_init(&h->b2, NULL, 0, 64) == 0)
		return 0;
	ms_error("cannot initialise the hash");
	return -1;
}

void ms_hasher_update(struct ms_hasher *h, const void *data, size_t len)
{
	if (h->alg == MS_HASH_SHA256)
		EVP_DigestUpdate(h->evp, data, len);
	else
		crypto_generichash_blake2b_update(&h->b2, data, len);
}

int ms_hasher_final(struct ms_hasher *h, uint8_t *digest)
{
	int rc = h->alg == MS_HASH_SHA256 ? (EVP_DigestFinal_ex(h->evp, digest, NULL) == 1 ? 0 : -1)
	                                  : crypto_generichash_blake2b_final(&h->b2, digest, 64);
	if (rc < 0)
		ms_error("cannot finish the hash");
	return rc;
}

/* A mapped file that shrinks under us raises SIGBUS on the pages past its
 * new end. The thread that touched them jumps back to its own guard and
 * reports the change instead of the process dying. */
static __thread sigjmp_buf *bus_guard;

static void on_sigbus(int sig)
{
	if (bus_guard)
		siglongjmp(*bus_guard, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

void ms_install_sigbus_guard(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

/* Hashes [off, off+len) through a mapping: no copy, so the hash is the only
 * cost. -1 when the file shrank under us (reported by the caller), -2 when
 * it cannot be mapped. */
static int hash_mapped(struct ms_hasher *h, int fd, uint64_t off, size_t len)
{
	static long page;
	if (!page)
		page = sysconf(_SC_PAGESIZE);
	uint64_t base = off & ~(uint64_t)(page - 1);
	size_t maplen = (size_t)(off - base) + len;
	uint8_t *p = mmap(NULL, maplen, PROT_READ, MAP_PRIVATE, fd, (off_t)base);
	if (p == MAP_FAILED)
		return -2;
	(void)madvise(p, maplen, MADV_SEQUENTIAL);
	sigjmp_buf jb;
	int rc = 0;
	if (sigsetjmp(jb, 0) == 0) {
		bus_guard = &jb;
		ms_hasher_update(h, p + (off - base), len);
	} else {
		rc = -1;
	}
	bus_guard = NULL;
	munmap(p, maplen);
	return rc;
}

static int hash_read(struct ms_hasher *h, uint8_t *scratch, int fd, uint64_t off, size_t len,
                     const char *what)
{
	while (len > 0) {
		ssize_t n =
		    pread(fd, scratch, len < MS_READ_CHUNK ? len : MS_READ_CHUNK, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ms_error("cannot read '%s': %s", what, strerror(errno));
			return -1;
		}
		if (n == 0) {
			ms_error("'%s' shrank while the model was being hashed", what);
			return -1;
		}
		ms_hasher_update(h, scratch, (size_t)n);
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- the read path, chosen by measurement ---- */

/* Which read path costs less differs by machine, not by vendor: 16 MiB
 * mapped windows beat pread by ~10% on one Intel machine, while on a 2-core
 * Xeon under a hypervisor pread into an L2-sized buffer costs ~30% less CPU
 * (page faults and munmap's TLB shootdowns are dear there). So the first
 * windows of the process are samples, timed on the thread's CPU clock
 * (waits for the disk and other processes on a busy machine do not count),
 * and the cheaper path per byte serves every later window.
 *
 * The samples run in phases, mapped windows first, then read ones: a
 * munmap interrupts every other thread of the process (the TLB shootdown),
 * so a read sample running beside a mapped window is charged part of the
 * mapping's cost, and a mapped sample beside reads escapes it. A sample
 * counts only when no window of the other path ran at any moment of it;
 * after IO_TRIES samples of a path without IO_SAMPLES clean ones, the
 * others count too (a machine that never lets them apart). */
static atomic_int io_path = MS_READ_AUTO;
static pthread_mutex_t io_lock = PTHREAD_MUTEX_INITIALIZER;
static struct io_sampler {
	unsigned started[2], clean[2]; /* [0] mapped, [1] read */
	unsigned running[2];           /* windows of each path now running */
	unsigned sampling;             /* samples now running */
	uint64_t epoch[2];             /* windows of each path begun so far */
	uint64_t ns[2], bytes[2];      /* the clean samples */
	uint64_t any_ns[2], any_bytes[2];
} io;
static pthread_once_t io_env_once = PTHREAD_ONCE_INIT;

/* A window in flight: its path, whether it is a sample, and what the other
 * path was doing when it started. */
struct io_window {
	enum ms_read_path path;
	int timed, other_clear;
	uint64_t other_epoch;
	uint64_t t0;
};

/* MODELSEAL_READ=mmap|pread fixes the path (for benchmarks). */
static void read_io_env(void)
{
	const char *e = getenv("MODELSEAL_READ");
	if (e && strcmp(e, "mmap") == 0)
		atomic_store(&io_path, MS_READ_MAP);
	else if (e && strcmp(e, "pread") == 0)
		atomic_store(&io_path, MS_READ_PREAD);
}

void ms_read_path_set(enum ms_read_path p)
{
	pthread_once(&io_env_once, read_io_env);
	pthread_mutex_lock(&io_lock);
	atomic_store(&io_path, p);
	memset(&io, 0, sizeof io);
	pthread_mutex_unlock(&io_lock);
}

enum ms_read_path ms_read_path_current(void)
{
	pthread_once(&io_env_once, read_io_env);
	return (enum ms_read_path)atomic_load(&io_path);
}

enum ms_read_path ms_read_path_pick(const uint64_t ns[2], const uint64_t bytes[2])
{
	/* map per byte <= read per byte, cross-multiplied to stay exact */
	double map = (double)ns[0] * (double)bytes[1], rd = (double)ns[1] * (double)bytes[0];
	return map <= rd ? MS_READ_MAP : MS_READ_PREAD;
}

static uint64_t thread_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Whether the window's first and last bytes are in the page cache: a read
 * that may not wait for the disk (RWF_NOWAIT) says so without loading
 * them. A mapping of bytes still on disk is slower than reading them (a
 * fault per readahead batch, against pread's streaming readahead: 0.9 s
 * against 0.65 s for a cold GiB here), and a sample of it would time the
 * disk, so such a window is read. Where the kernel or file system cannot
 * tell, the window counts as cached (the path chosen stands). */
int ms_window_cached(int fd, uint64_t off, size_t len)
{
	uint64_t at[2] = {off, off + len - 1};
	for (size_t i = 0; i < 2 && len > 0; i++) {
		char byte;
		struct iovec v = {&byte, 1};
		if (preadv2(fd, &v, 1, (off_t)at[i], RWF_NOWAIT) < 0 && errno == EAGAIN)
			return 0;
	}
	return 1;
}

/* Whether path k still wants samples (under io_lock). */
static int wants_samples(int k)
{
	return io.clean[k] < IO_SAMPLES && io.started[k] < IO_TRIES;
}

/* Starts the next window: mapped samples first, then read ones; once
 * enough are taken, read windows until the last samples end. A window not
 * in the page cache (by its ends: a cold middle is not seen) is read,
 * whatever the path, and is no sample. */
static void window_begin(struct io_window *w, int fd, uint64_t off, size_t len)
{
	w->timed = 0;
	w->path = ms_read_path_current();
	if (w->path == MS_READ_PREAD)
		return;
	int cached = ms_window_cached(fd, off, len);
	if (w->path == MS_READ_MAP) {
		w->path = cached ? MS_READ_MAP : MS_READ_PREAD;
		return;
	}
	pthread_mutex_lock(&io_lock);
	w->path = (enum ms_read_path)atomic_load(&io_path);
	if (w->path == MS_READ_MAP && !cached)
		w->path = MS_READ_PREAD;
	if (w->path == MS_READ_AUTO) {
		int k = cached && wants_samples(0) ? 0 : 1;
		w->timed = cached && wants_samples(k);
		if (w->timed) {
			io.started[k]++;
			io.sampling++;
		}
		io.running[k]++;
		io.epoch[k]++;
		w->other_epoch = io.epoch[1 - k];
		w->other_clear = !io.running[1 - k];
		w->path = k == 0 ? MS_READ_MAP : MS_READ_PREAD;
	}
	pthread_mutex_unlock(&io_lock);
	if (w->timed)
		w->t0 = thread_ns();
}

/* Decides once both paths have their clean samples, or once their tries
 * are spent and no sample runs (under io_lock). */
static void maybe_decide(void)
{
	int clean = io.clean[0] >= IO_SAMPLES && io.clean[1] >= IO_SAMPLES;
	if (!clean && (wants_samples(0) || wants_samples(1) || io.sampling))
		return;
	const uint64_t *ns = clean ? io.ns : io.any_ns, *bytes = clean ? io.bytes : io.any_bytes;
	enum ms_read_path won = bytes[0] && bytes[1] ? ms_read_path_pick(ns, bytes) : MS_READ_PREAD;
	atomic_store(&io_path, won);
	if (bytes[0] && bytes[1])
		ms_debug("read path: mmap %.3f ns/byte, pread %.3f ns/byte (%s samples): %s",
		         (double)ns[0] / (double)bytes[0], (double)ns[1] / (double)bytes[1],
		         clean ? "clean" : "overlapping", won == MS_READ_MAP ? "mmap" : "pread");
}

/* Ends a window. A sample is clean when the other path ran no window at
 * any moment of it: none running when it began or ended, none begun since. */
static void window_end(const struct io_window *w, uint64_t bytes, int usable)
{
	if (!w->timed && ms_read_path_current() != MS_READ_AUTO)
		return;
	uint64_t ns = w->timed ? thread_ns() - w->t0 : 0;
	int k = w->path == MS_READ_MAP ? 0 : 1;
	pthread_mutex_lock(&io_lock);
	if (atomic_load(&io_path) == MS_READ_AUTO) {
		io.running[k]--;
		if (w->timed) {
			io.sampling--;
			if (usable) {
				io.any_ns[k] += ns;
				io.any_bytes[k] += bytes;
			}
			if (usable && w->other_clear && !io.running[1 - k] &&
			    io.epoch[1 - k] == w->other_epoch) {
				io.clean[k]++;
				io.ns[k] += ns;
				io.bytes[k] += bytes;
			}
			maybe_decide();
		}
	}
	pthread_mutex_unlock(&io_lock);
}

/* One window of a large range through the path chosen (or being sampled).
 * -1 when the file shrank or cannot be read (reported), 0 otherwise. */
static int hash_window(struct ms_hasher *h, int fd, uint64_t off, size_t n, uint8_t *scratch,
                       const char *what)
{
	struct io_window w;
	window_begin(&w, fd, off, n);
	int rc = w.path == MS_READ_MAP ? hash_mapped(h, fd, off, n) : -2;
	if (rc == -1) {
		window_end(&w, n, 0);
		ms_error("'%s' shrank while the model was being hashed", what);
		return -1;
	}
	int mapped = rc == 0;
	if (rc == -2 && hash_read(h, scratch, fd, off, n, what) < 0) {
		window_end(&w, n, 0);
		return -1;
	}
	/* A mapping that failed was read instead: not a sample of either. */
	window_end(&w, n, w.path == MS_READ_PREAD || mapped);
	return 0;
}

/* Large ranges go window by window (bounded memory) through the read path
 * that measured cheaper; small ones are read, which is cheaper than setting
 * up a mapping. */
int ms_hash_fd_range(struct ms_hasher *h, int fd, uint64_t start, uint64_t len, uint8_t *scratch,
                     struct ms_progress *progress, const char *what)
{
	int large = len >= MAP_MIN;
	uint64_t end = start + len;
	for (uint64_t off = start; off < end;) {
		size_t n = end - off < MAP_WINDOW ? (size_t)(end - off) : MAP_WINDOW;
		int rc = large ? hash_window(h, fd, off, n, scratch, what)
		               : hash_read(h, scratch, fd, off, n, what);
		if (rc < 0)
			return -1;
		off += n;
		if (progress)
			ms_progress_add(progress, n);
	}
	return 0;
}

/* ---- one task: hash bytes [start, end) of one file ---- */

struct task {
	size_t file;
	size_t res; /* index of the manifest resource it fills */
	uint64_t start, end;
};

struct worker_state {
	struct ms_hasher h;
	uint8_t *buf;
};

struct job {
	const struct ms_walk *walk;
	struct ms_manifest *m;
	struct task *tasks;
	struct worker_state *workers;
	struct ms_progress progress;
	atomic_int reported; /* a task's error was shown */
};

/* Hashes bytes [start, end) of f into digest, then checks that f is still
 * the file listed, at the same path. */
static int hash_file_range(const struct ms_walk *w, const struct ms_file *f, uint64_t start,
                           uint64_t end, struct worker_state *ws, struct ms_progress *progress,
                           uint8_t *digest)
{
	int fd = ms_walk_open(w, f);
	if (fd < 0)
		return -1;
	if (end - start >= MAP_MIN) /* a syscall too many for small files */
		(void)posix_fadvise(fd, (off_t)start, (off_t)(end - start), POSIX_FADV_SEQUENTIAL);
	int rc =
	    ms_hasher_begin(&ws->h) < 0 || ms_hash_fd_range(&ws->h, fd, start, end - start, ws->buf,
	                                                    progress, ms_file_display(f)) < 0
	        ? -1
	        : ms_hasher_final(&ws->h, digest);
	if (rc == 0 && !ms_walk_still_listed(w, f)) {
		ms_error("'%s' changed while the model was being hashed", ms_file_display(f));
		rc = -1;
	}
	close(fd);
	return rc;
}

static int hash_task(void *ctx, size_t i, unsigned worker)
{
	struct job *j = ctx;
	const struct task *t = &j->tasks[i];
	char *why = NULL, **sink = ms_error_divert(&why);
	int rc = hash_file_range(j->walk, &j->walk->files[t->file], t->start, t->end,
	                         &j->workers[worker], &j->progress, j->m->res[t->res].digest);
	return ms_error_first_only(&j->reported, why, sink, rc);
}

/* ---- planning ---- */

static size_t count_resources(const struct ms_walk *w, const struct ms_hash_opts *o)
{
	if (o->method == MS_METHOD_FILES)
		return 2 * w->n_files; /* a file and perhaps its unhashed tail */
	size_t n = 0;
	for (size_t i = 0; i < w->n_files; i++)
		n += (size_t)((w->files[i].size + o->shard_size - 1) / o->shard_size) + 1;
	return n;
}

/* Bytes of f to hash: all of it, unless verify capped it at the signed size
 * (a signed file that grew is not read past what was signed). */
static uint64_t hashed_size(const struct ms_file *f)
{
	return f->hash_limit < f->size ? f->hash_limit : f->size;
}

/* The unhashed tail of a capped file: one resource with no digest (all
 * zeros), so the comparison still sees the file's real size. */
static size_t add_unhashed_tail(const struct ms_file *f, struct ms_manifest *m, size_t k)
{
	uint64_t from = hashed_size(f);
	if (from == f->size)
		return k;
	m->res[k] = (struct ms_resource){.path = ms_strdup(f->rel), .start = from, .end = f->size};
	return k + 1;
}

/* Resources come out in manifest order because the files are sorted and each
 * file's shards are added by offset. Returns the number of tasks. */
static size_t plan(const struct ms_walk *w, const struct ms_hash_opts *o, struct ms_manifest *m,
                   struct task *tasks)
{
	size_t k = 0, n_tasks = 0;
	for (size_t i = 0; i < w->n_files; i++) {
		const struct ms_file *f = &w->files[i];
		uint64_t size = hashed_size(f);
		uint64_t step = o->method == MS_METHOD_FILES ? size : o->shard_size;
		uint64_t off = 0;
		do {
			if (o->method == MS_METHOD_SHARDS && size == 0)
				break; /* an empty file has no shard */
			uint64_t end = size - off < step ? size : off + step;
			m->res[k] = (struct ms_resource){
			    .path = ms_strdup(f->rel), .start = off, .end = end};
			tasks[n_tasks++] =
			    (struct task){.file = i, .res = k, .start = off, .end = end};
			k++;
			off = end;
		} while (off < size);
		k = add_unhashed_tail(f, m, k);
	}
	m->n_res = k;
	return n_tasks;
}

/* Biggest tasks first, so no thread is left with one large file at the end. */
static int task_cmp(const void *pa, const void *pb)
{
	const struct task *a = pa, *b = pb;
	uint64_t la = a->end - a->start, lb = b->end - b->start;
	if (la != lb)
		return la > lb ? -1 : 1;
	return a->res < b->res ? -1 : 1;
}

static void fill_manifest_header(const struct ms_walk *w, const struct ms_hash_opts *o,
                                 struct ms_manifest *m)
{
	m->name = ms_strdup(w->name);
	m->method = o->method;
	m->alg = o->alg;
	m->shard_size = o->method == MS_METHOD_SHARDS ? o->shard_size : 0;
	/* Hub cache links are followed by default: the statement says so. */
	m->allow_symlinks = o->allow_symlinks || w->hub_links;
	m->n_files = w->n_files;
	m->ignore_paths = ms_calloc(w->n_ignored + 1, sizeof(char *));
	for (size_t i = 0; i < w->n_ignored; i++)
		m->ignore_paths[m->n_ignore_paths++] = ms_strdup(w->ignored[i]);
	for (size_t i = 0; i < w->n_files; i++)
		m->total_bytes += hashed_size(&w->files[i]);
	if (o->method != MS_METHOD_SHARDS)
		return;
	/* A single empty file is listed as ".": without it its statement would
	 * be that of an empty directory. */
	m->has_empty_files = 1;
	for (size_t i = 0; i < w->n_files; i++)
		if (w->files[i].size == 0)
			ms_manifest_add_empty_file(m, w->files[i].rel);
}

static struct worker_state *workers_new(unsigned jobs, enum ms_hash_alg alg)
{
	struct worker_state *ws = ms_calloc(jobs, sizeof *ws);
	for (unsigned i = 0; i < jobs; i++) {
		ws[i].buf = ms_malloc(MS_READ_CHUNK);
		if (ms_hasher_new(&ws[i].h, alg) < 0) {
			for (unsigned k = 0; k <= i; k++) {
				ms_hasher_free(&ws[k].h);
				free(ws[k].buf);
			}
			free(ws);
			return NULL;
		}
	}
	return ws;
}

static void workers_free(struct worker_state *ws, unsigned jobs)
{
	for (unsigned i = 0; ws && i < jobs; i++) {
		ms_hasher_free(&ws[i].h);
		free(ws[i].buf);
	}
	free(ws);
}

/* early_bytes: already hashed while the walk listed (progress starts there). */
static int run_job(struct job *j, unsigned jobs, size_t n_tasks, uint64_t early_bytes)
{
	ms_install_sigbus_guard();
	j->workers = workers_new(jobs, j->m->alg);
	if (!j->workers)
		return -1;
	ms_progress_start(&j->progress, "hashing", j->m->total_bytes);
	ms_progress_add(&j->progress, early_bytes);
	int rc = ms_pool_run(jobs, n_tasks, hash_task, j, &j->progress);
	workers_free(j->workers, jobs);
	return rc;
}

/* ---- hashing while the walk lists ---- */

/* Many small files: hashing them as the walk lists them hides the walk
 * (8% of the time of 20,000 files of 64 KiB). Only files that are one task
 * of at most EARLY_MAX bytes go early: larger ones wait for the plan, which
 * starts the biggest first so that no thread is left alone at the end. */
#define EARLY_MAX MS_DEFAULT_SHARD_SIZE

struct early_file {
	struct ms_file f; /* a copy: the walk's array moves as it grows */
	uint8_t digest[MS_DIGEST_MAX];
};

struct early {
	const struct ms_hash_opts *o;
	const struct ms_walk *w;
	unsigned jobs;
	struct worker_state *workers;
	struct ms_feed *feed;
	atomic_int reported;        /* a file's error was shown */
	struct early_file **by_seq; /* by ms_file.seq; NULL: not hashed early */
	size_t cap;
	uint64_t bytes;
	size_t n;
};

static int early_fits(const struct ms_hash_opts *o, uint64_t size)
{
	if (size > EARLY_MAX)
		return 0;
	return o->method == MS_METHOD_FILES || (size > 0 && size <= o->shard_size);
}

static int hash_early(void *ctx, void *item, unsigned worker)
{
	struct early *e = ctx;
	struct early_file *x = item;
	char *why = NULL, **sink = ms_error_divert(&why);
	int rc = hash_file_range(e->w, &x->f, 0, hashed_size(&x->f), &e->workers[worker], NULL,
	                         x->digest);
	return ms_error_first_only(&e->reported, why, sink, rc);
}

/* The walk's on_file: queue the file if it goes early. Only this thread
 * touches by_seq until the feed is finished. */
static int early_listed(void *ctx, const struct ms_walk *w, const struct ms_file *f)
{
	struct early *e = ctx;
	(void)w; /* e->w is the same walk, set before it started */
	uint64_t size = hashed_size(f);
	if (!early_fits(e->o, size))
		return 0;
	if (f->seq >= e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 1024;
		while (cap <= f->seq)
			cap *= 2;
		e->by_seq = ms_reallocarray(e->by_seq, cap, sizeof *e->by_seq);
		memset(e->by_seq + e->cap, 0, (cap - e->cap) * sizeof *e->by_seq);
		e->cap = cap;
	}
	struct early_file *x = ms_malloc(sizeof *x);
	x->f = *f;
	e->by_seq[f->seq] = x;
	e->bytes += size;
	e->n++;
	return ms_feed_push(e->feed, x);
}

static int early_start(struct early *e, const struct ms_hash_opts *o, const struct ms_walk *w)
{
	memset(e, 0, sizeof *e);
	atomic_init(&e->reported, 0);
	e->o = o;
	e->w = w;
	e->jobs = o->jobs ? o->jobs : ms_online_cpus();
	ms_install_sigbus_guard();
	e->workers = workers_new(e->jobs, o->alg);
	if (!e->workers)
		return -1;
	e->feed = ms_feed_start(e->jobs, hash_early, e);
	return 0;
}

/* Waits for (or with cancel, drops) the files queued. -1 if any failed. */
static int early_finish(struct early *e, int cancel)
{
	int rc = ms_feed_finish(e->feed, cancel);
	e->feed = NULL;
	workers_free(e->workers, e->jobs);
	e->workers = NULL;
	return rc;
}

static void early_free(struct early *e)
{
	for (size_t i = 0; i < e->cap; i++)
		free(e->by_seq[i]);
	free(e->by_seq);
	e->by_seq = NULL;
}

/* Fills the digests of the tasks hashed early and drops those tasks.
 * Returns how many remain. */
static size_t take_early(const struct ms_walk *w, const struct early *e, struct ms_manifest *m,
                         struct task *tasks, size_t n_tasks)
{
	size_t kept = 0;
	for (size_t i = 0; i < n_tasks; i++) {
		size_t seq = w->files[tasks[i].file].seq;
		const struct early_file *x = seq < e->cap ? e->by_seq[seq] : NULL;
		if (x)
			memcpy(m->res[tasks[i].res].digest, x->digest, ms_digest_len(m->alg));
		else
			tasks[kept++] = tasks[i];
	}
	return kept;
}

/* Part k of n (0-based) owns the resources whose first byte, counted over
 * the whole model in manifest order, falls in its n-th of the bytes: parts
 * of equal size, each resource in exactly one. With no bytes at all, part 0
 * owns everything. */
static void assign_parts(const struct ms_manifest *m, unsigned n, uint16_t *part_of)
{
	uint64_t total = 0, at = 0;
	for (size_t i = 0; i < m->n_res; i++)
		total += m->res[i].end - m->res[i].start;
	uint64_t chunk = total / n + (total % n != 0);
	for (size_t i = 0; i < m->n_res; i++) {
		uint64_t p = chunk ? at / chunk : 0;
		part_of[i] = (uint16_t)(p < n ? p : n - 1);
		at += m->res[i].end - m->res[i].start;
	}
}

/* Keeps the tasks whose resource is in part k. Returns how many remain. */
static size_t keep_part_tasks(struct task *tasks, size_t n_tasks, const uint16_t *part_of,
                              unsigned k)
{
	size_t kept = 0;
	for (size_t i = 0; i < n_tasks; i++)
		if (part_of[tasks[i].res] == k)
			tasks[kept++] = tasks[i];
	return kept;
}

static int hash_walk(const struct ms_walk *w, const struct ms_hash_opts *o, struct ms_manifest *m,
                     unsigned part, unsigned parts, uint16_t **part_of, const struct early *e)
{
	memset(m, 0, sizeof *m);
	fill_manifest_header(w, o, m);
	size_t n = count_resources(w, o);
	m->res = ms_calloc(n + 1, sizeof *m->res);
	struct task *tasks = ms_calloc(n + 1, sizeof *tasks);
	size_t n_tasks = plan(w, o, m, tasks);
	if (parts) {
		*part_of = ms_calloc(m->n_res + 1, sizeof **part_of);
		assign_parts(m, parts, *part_of);
		n_tasks = keep_part_tasks(tasks, n_tasks, *part_of, part);
	}
	size_t planned = n_tasks;
	if (e)
		n_tasks = take_early(w, e, m, tasks, n_tasks);
	if (n_tasks > 1)
		qsort(tasks, n_tasks, sizeof *tasks, task_cmp);

	unsigned jobs = o->jobs ? o->jobs : ms_online_cpus();
	ms_debug("plan: %zu file(s), %llu bytes, %zu task(s) (%s), %u thread(s)", w->n_files,
	         (unsigned long long)m->total_bytes, planned,
	         o->method == MS_METHOD_SHARDS ? ms_debug_size(o->shard_size) : "one per file",
	         jobs);
	struct job j = {.walk = w, .m = m, .tasks = tasks};
	atomic_init(&j.reported, 0);
	double t0 = ms_seconds();
	int rc = run_job(&j, jobs, n_tasks, e ? e->bytes : 0);
	double took = ms_seconds() - t0;
	uint64_t late = m->total_bytes - (e ? e->bytes : 0);
	ms_debug("hashed in %.3f s (%.2f GB/s) after the listing, which hashed %zu task(s)", took,
	         took > 0 ? (double)late / took / 1e9 : 0.0, planned - n_tasks);
	free(tasks);
	if (rc < 0) {
		ms_manifest_free(m);
		if (parts) {
			free(*part_of);
			*part_of = NULL;
		}
		return -1;
	}
	ms_manifest_compute_root(m);
	return 0;
}

int ms_walk_hash(const struct ms_walk *w, const struct ms_hash_opts *o, struct ms_manifest *m)
{
	return hash_walk(w, o, m, 0, 0, NULL, NULL);
}

int ms_walk_hash_part(const struct ms_walk *w, const struct ms_hash_opts *o, unsigned part,
                      unsigned parts, struct ms_manifest *m, uint16_t **part_of)
{
	return hash_walk(w, o, m, part, parts, part_of, NULL);
}

/* ---- verify: hashing what the walk lists, once admitted ---- */

struct ms_listed_hash {
	struct early e;
	int (*admit)(struct ms_file *f, void *ctx);
	void *ctx;
};

/* The walk, its errors held to the rule of the threads hashing what it
 * lists: only the first of the run is shown (an unreadable directory and
 * an unreadable file in another one are one failed run, not two). */
static int walk_feeding(const char *path, const struct ms_hash_opts *o, struct ms_walk *w,
                        ms_walk_file_fn on_file, void *ctx, struct early *e)
{
	char *why = NULL, **sink = ms_error_divert(&why);
	int rc = ms_walk_model_each(path, o, w, on_file, ctx);
	return ms_error_first_only(&e->reported, why, sink, rc);
}

/* The walk's on_file: a copy of the file, as admit adjusts it, goes early. */
static int admitted_listed(void *ctx, const struct ms_walk *w, const struct ms_file *f)
{
	struct ms_listed_hash *h = ctx;
	struct ms_file copy = *f;
	return h->admit(&copy, h->ctx) ? early_listed(&h->e, w, &copy) : 0;
}

int ms_walk_model_hashing(const char *path, const struct ms_hash_opts *o,
                          int (*admit)(struct ms_file *f, void *ctx), void *ctx, struct ms_walk *w,
                          struct ms_listed_hash **out)
{
	struct ms_listed_hash *h = ms_calloc(1, sizeof *h);
	*out = NULL;
	if (early_start(&h->e, o, w) < 0) {
		free(h);
		return -1;
	}
	h->admit = admit;
	h->ctx = ctx;
	double t0 = ms_seconds();
	int rc = walk_feeding(path, o, w, admitted_listed, h, &h->e);
	if (early_finish(&h->e, rc < 0) < 0)
		rc = -1;
	ms_debug("listed '%s': %zu file(s) in %.3f s, %zu of them admitted and hashed meanwhile",
	         path, w->n_files, ms_seconds() - t0, h->e.n);
	if (rc < 0) {
		ms_listed_hash_free(h);
		ms_walk_free(w);
		return -1;
	}
	*out = h;
	return 0;
}

int ms_walk_hash_listed(struct ms_listed_hash *h, const struct ms_walk *w,
                        const struct ms_hash_opts *o, struct ms_manifest *m)
{
	return hash_walk(w, o, m, 0, 0, NULL, &h->e);
}

void ms_listed_hash_free(struct ms_listed_hash *h)
{
	if (!h)
		return;
	early_free(&h->e);
	free(h);
}

/* ---- listing ahead (verify) ---- */

/* verify cannot know the rules that select a model's files before the
 * statement is verified and read, and for a large statement that takes as
 * long as the listing itself (0.4 s for 200,000 files). Nearly every
 * statement was signed with the default rules, so a thread lists with
 * those meanwhile, on the core the verifying leaves idle. The listing reads
 * names and metadata, never a file's bytes, and is used only when the
 * verified statement's rules select the same files. */
struct ms_listing_ahead {
	pthread_t thread;
	char *path;
	struct ms_hash_opts o;
	struct ms_walk w;
	int rc;
	char *error; /* the walk's first error, kept from the user */
	atomic_int stop;
	double t0, took;
};

static void *list_ahead(void *arg)
{
	struct ms_listing_ahead *a = arg;
	struct ms_source_opts so = ms_hash_source_opts(&a->o);
	ms_error_divert(&a->error);
	a->rc = ms_walk_list_each_until(a->path, &so, &a->w, NULL, NULL, &a->stop);
	ms_error_divert(NULL);
	a->took = ms_seconds() - a->t0;
	return NULL;
}

struct ms_listing_ahead *ms_listing_ahead_start(const char *path, struct ms_hash_opts *o)
{
	struct ms_listing_ahead *a = ms_calloc(1, sizeof *a);
	a->path = ms_strdup(path);
	a->o = *o;
	o->ignore = NULL;
	o->n_ignore = 0;
	a->t0 = ms_seconds();
	if (pthread_create(&a->thread, NULL, list_ahead, a) == 0)
		return a;
	ms_hash_opts_free(&a->o);
	free(a->path);
	free(a);
	return NULL;
}

/* Why the listing cannot stand in for a walk with the rules want, or NULL
 * when it can: made with the same rules, and no directory of it changed
 * since it was read (a walk now would list the same files). */
static const char *ahead_unfit(const struct ms_listing_ahead *a, const struct ms_hash_opts *want)
{
	if (!want)
		return "not needed";
	if (a->rc)
		return "not used (the listing failed)";
	struct ms_source_opts got = ms_hash_source_opts(&a->o), need = ms_hash_source_opts(want);
	if (!ms_source_opts_same_files(&got, &need))
		return "not used (the statement's rules select other files)";
	if (!ms_walk_dirs_unchanged(&a->w, a->path))
		return "not used (a directory of the model changed since)";
	return NULL;
}

/* Waits for the thread; the listing into *w when want is given and it
 * fits, else frees it. Frees a. */
static int ahead_end(struct ms_listing_ahead *a, const struct ms_hash_opts *want, struct ms_walk *w)
{
	pthread_join(a->thread, NULL);
	const char *unfit = ahead_unfit(a, want);
	int fits = unfit == NULL;
	ms_debug("listed '%s' ahead: %zu file(s) in %.3f s, %s", a->path, a->w.n_files, a->took,
	         fits ? "used" : unfit);
	if (fits)
		*w = a->w;
	else
		ms_walk_free(&a->w);
	ms_hash_opts_free(&a->o);
	free(a->error);
	free(a->path);
	free(a);
	return fits;
}

int ms_listing_ahead_take(struct ms_listing_ahead *a, const struct ms_hash_opts *want,
                          struct ms_walk *w)
{
	return a ? ahead_end(a, want, w) : 0;
}

void ms_listing_ahead_drop(struct ms_listing_ahead *a)
{
	if (!a)
		return;
	atomic_store(&a->stop, 1);
	ahead_end(a, NULL, NULL);
}

int ms_model_hash(const char *path, const struct ms_hash_opts *o, struct ms_manifest *m)
{
	if (o->archive)
		return ms_archive_hash(path, o, NULL, m, NULL);
	memset(m, 0, sizeof *m);
	struct ms_walk w;
	struct early e;
	double t0 = ms_seconds();
	if (early_start(&e, o, &w) < 0)
		return -1;
	/* The threads hash what the walk lists; they stop before w is freed. */
	int rc = walk_feeding(path, o, &w, early_listed, &e, &e);
	if (early_finish(&e, rc < 0) < 0)
		rc = -1;
	ms_debug("listed '%s': %zu file(s) in %.3f s, %zu of them hashed meanwhile", path,
	         w.n_files, ms_seconds() - t0, e.n);
	if (rc == 0)
		rc = hash_walk(&w, o, m, 0, 0, NULL, &e);
	early_free(&e);
	ms_walk_free(&w);
	return rc;
}
