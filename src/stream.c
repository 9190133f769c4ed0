/* The reader/hasher hand-off. One mutex guards the queue; it is taken once
 * per buffer (1 MiB), so it costs nothing next to the hashing.
 *
 * A shard is an actor: the producer appends buffers to its pending list and
 * puts it on the ready queue unless a worker already holds it; the worker
 * that pops it hashes everything pending, in order, and keeps the shard
 * until its list is empty. So a shard's bytes are hashed in order by one
 * thread at a time without any per-shard lock. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modelseal/hasher.h"
#include "modelseal/stream.h"
#include "modelseal/util.h"

struct sbuf {
	struct sbuf *next;
	size_t len;
	uint8_t *data;
};

struct ms_stream_shard {
	size_t id;
	struct ms_hasher h;
	int closed;               /* no more bytes will come */
	int busy;                 /* a worker holds it */
	int queued;               /* on the ready queue */
	struct sbuf *head, *tail; /* pending buffers, in order */
	struct sbuf *fill;        /* producer only: the buffer being filled */
	int fd;                   /* a range shard when >= 0 */
	uint64_t off, len;
	char *what;
	struct ms_stream_shard *next; /* ready queue or free list */
};

struct worker {
	struct ms_stream *s;
	uint8_t *scratch;
};

struct ms_stream {
	pthread_mutex_t lock;
	pthread_cond_t work;  /* workers: a shard is ready, or time to stop */
	pthread_cond_t space; /* producer: a buffer or a shard came free */
	struct sbuf *bufs, *free_bufs;
	uint8_t *buf_mem;
	struct ms_stream_shard *slots, *free_slots;
	size_t n_slots, in_flight;
	struct ms_stream_shard *ready_head, *ready_tail;
	int failed, stopping, finished;
	uint8_t *digests; /* MS_DIGEST_MAX bytes per id */
	size_t digests_cap;
	pthread_t *threads;
	struct worker *workers;
	unsigned n_threads;
	struct ms_progress *progress; /* range shards add their bytes; may be NULL */
	atomic_int own_shown;         /* shown, unless the caller shares one */
	atomic_int *shown;            /* an error of this job was shown */
};

size_t ms_stream_buffers(unsigned jobs)
{
	return 4 * (size_t)jobs + 4;
}

static void push_ready(struct ms_stream *s, struct ms_stream_shard *sh)
{
	if (sh->busy || sh->queued)
		return;
	sh->queued = 1;
	sh->next = NULL;
	if (s->ready_tail)
		s->ready_tail->next = sh;
	else
		s->ready_head = sh;
	s->ready_tail = sh;
	pthread_cond_signal(&s->work);
}

static struct ms_stream_shard *pop_ready(struct ms_stream *s)
{
	struct ms_stream_shard *sh = s->ready_head;
	s->ready_head = sh->next;
	if (!s->ready_head)
		s->ready_tail = NULL;
	sh->queued = 0;
	sh->busy = 1;
	return sh;
}

static void release_bufs(struct ms_stream *s, struct sbuf *list)
{
	while (list) {
		struct sbuf *next = list->next;
		list->next = s->free_bufs;
		s->free_bufs = list;
		list = next;
	}
}

/* Hashes what is pending outside the lock; called and returns with it held. */
static int hash_pending(struct ms_stream *s, struct ms_stream_shard *sh, uint8_t *scratch,
                        uint8_t *digest, int *done)
{
	struct sbuf *list = sh->head;
	sh->head = sh->tail = NULL;
	*done = sh->closed;
	pthread_mutex_unlock(&s->lock);
	int rc = 0;
	if (sh->fd >= 0)
		rc = ms_hash_fd_range(&sh->h, sh->fd, sh->off, sh->len, scratch, s->progress,
		                      sh->what);
	for (struct sbuf *b = list; b && rc == 0; b = b->next)
		ms_hasher_update(&sh->h, b->data, b->len);
	if (rc == 0 && *done)
		rc = ms_hasher_final(&sh->h, digest);
	pthread_mutex_lock(&s->lock);
	if (list) {
		release_bufs(s, list);
		pthread_cond_broadcast(&s->space);
	}
	return rc;
}

/* Runs a popped shard until nothing is pending. Lock held. */
static int run_shard(struct ms_stream *s, struct ms_stream_shard *sh, uint8_t *scratch)
{
	uint8_t digest[MS_DIGEST_MAX];
	for (;;) {
		int done;
		if (hash_pending(s, sh, scratch, digest, &done) < 0)
			return -1;
		if (done) {
			memcpy(s->digests + sh->id * MS_DIGEST_MAX, digest, MS_DIGEST_MAX);
			free(sh->what);
			sh->what = NULL;
			sh->busy = 0;
			sh->next = s->free_slots;
			s->free_slots = sh;
			s->in_flight--;
			pthread_cond_broadcast(&s->space);
			return 0;
		}
		if (!sh->head && !sh->closed) {
			sh->busy = 0; /* the producer requeues it with its next buffer */
			return 0;
		}
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct ms_stream *s = w->s;
	char *why = NULL, **sink = ms_error_divert(&why);
	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->ready_head && !s->stopping && !s->failed)
			pthread_cond_wait(&s->work, &s->lock);
		if (s->failed || !s->ready_head)
			break;
		if (run_shard(s, pop_ready(s), w->scratch) < 0) {
			s->failed = 1;
			pthread_cond_broadcast(&s->work);
			pthread_cond_broadcast(&s->space);
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	ms_error_first_only(s->shown, why, sink, 0);
	return NULL;
}

static int alloc_slots(struct ms_stream *s, enum ms_hash_alg alg, size_t n)
{
	s->slots = ms_calloc(n, sizeof *s->slots);
	s->n_slots = n;
	for (size_t i = 0; i < n; i++) {
		if (ms_hasher_new(&s->slots[i].h, alg) < 0)
			return -1;
		s->slots[i].next = s->free_slots;
		s->free_slots = &s->slots[i];
	}
	return 0;
}

static void alloc_bufs(struct ms_stream *s, size_t n)
{
	s->bufs = ms_calloc(n, sizeof *s->bufs);
	s->buf_mem = ms_malloc(n * MS_STREAM_BUF_SIZE);
	for (size_t i = 0; i < n; i++) {
		s->bufs[i].data = s->buf_mem + i * MS_STREAM_BUF_SIZE;
		s->bufs[i].next = s->free_bufs;
		s->free_bufs = &s->bufs[i];
	}
}

static int start_threads(struct ms_stream *s, unsigned jobs)
{
	s->threads = ms_calloc(jobs, sizeof *s->threads);
	s->workers = ms_calloc(jobs, sizeof *s->workers);
	for (unsigned i = 0; i < jobs; i++) {
		s->workers[i] = (struct worker){s, ms_malloc(MS_READ_CHUNK)};
		int err = pthread_create(&s->threads[i], NULL, worker_main, &s->workers[i]);
		if (err) {
			free(s->workers[i].scratch);
			ms_error("cannot start a hashing thread: %s", strerror(err));
			return -1;
		}
		s->n_threads++;
	}
	return 0;
}

struct ms_stream *ms_stream_start(enum ms_hash_alg alg, unsigned jobs, struct ms_progress *progress,
                                  atomic_int *shown)
{
	struct ms_stream *s = ms_calloc(1, sizeof *s);
	atomic_init(&s->own_shown, 0);
	s->shown = shown ? shown : &s->own_shown;
	s->progress = progress;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->space, NULL);
	if (jobs == 0)
		jobs = 1;
	ms_install_sigbus_guard();
	alloc_bufs(s, ms_stream_buffers(jobs));
	if (alloc_slots(s, alg, ms_stream_buffers(jobs)) < 0 || start_threads(s, jobs) < 0) {
		ms_stream_free(s);
		return NULL;
	}
	return s;
}

static void grow_digests(struct ms_stream *s, size_t id)
{
	if (id < s->digests_cap)
		return;
	size_t cap = s->digests_cap ? s->digests_cap : 64;
	while (cap <= id)
		cap *= 2;
	s->digests = ms_reallocarray(s->digests, cap, MS_DIGEST_MAX);
	s->digests_cap = cap;
}

/* Lock held. NULL when the stream failed. */
static struct ms_stream_shard *take_slot(struct ms_stream *s, size_t id)
{
	while (!s->free_slots && !s->failed)
		pthread_cond_wait(&s->space, &s->lock);
	if (s->failed)
		return NULL;
	grow_digests(s, id);
	struct ms_stream_shard *sh = s->free_slots;
	s->free_slots = sh->next;
	s->in_flight++;
	struct ms_hasher h = sh->h;
	memset(sh, 0, sizeof *sh);
	sh->h = h;
	sh->id = id;
	sh->fd = -1;
	return sh;
}

/* The slot of a shard that could not start stays taken: the stream is
 * unusable from here, and finish must not wait for it. */
static void fail(struct ms_stream *s)
{
	pthread_mutex_lock(&s->lock);
	s->failed = 1;
	pthread_cond_broadcast(&s->work);
	pthread_cond_broadcast(&s->space);
	pthread_mutex_unlock(&s->lock);
}

struct ms_stream_shard *ms_stream_open(struct ms_stream *s, size_t id)
{
	pthread_mutex_lock(&s->lock);
	struct ms_stream_shard *sh = take_slot(s, id);
	pthread_mutex_unlock(&s->lock);
	if (sh && ms_hasher_begin(&sh->h) < 0) {
		fail(s);
		return NULL;
	}
	return sh;
}

/* Hands the filled buffer to the shard. Lock held. */
static void queue_fill(struct ms_stream *s, struct ms_stream_shard *sh)
{
	struct sbuf *b = sh->fill;
	sh->fill = NULL;
	b->next = NULL;
	if (sh->tail)
		sh->tail->next = b;
	else
		sh->head = b;
	sh->tail = b;
	push_ready(s, sh);
}

int ms_stream_write(struct ms_stream *s, struct ms_stream_shard *sh, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len > 0) {
		if (!sh->fill) {
			pthread_mutex_lock(&s->lock);
			while (!s->free_bufs && !s->failed)
				pthread_cond_wait(&s->space, &s->lock);
			if (s->failed) {
				pthread_mutex_unlock(&s->lock);
				return -1;
			}
			sh->fill = s->free_bufs;
			s->free_bufs = sh->fill->next;
			pthread_mutex_unlock(&s->lock);
			sh->fill->len = 0;
		}
		size_t n = MS_STREAM_BUF_SIZE - sh->fill->len;
		if (n > len)
			n = len;
		memcpy(sh->fill->data + sh->fill->len, p, n);
		sh->fill->len += n;
		p += n;
		len -= n;
		if (sh->fill->len == MS_STREAM_BUF_SIZE) {
			pthread_mutex_lock(&s->lock);
			queue_fill(s, sh);
			pthread_mutex_unlock(&s->lock);
		}
	}
	return 0;
}

int ms_stream_close(struct ms_stream *s, struct ms_stream_shard *sh)
{
	pthread_mutex_lock(&s->lock);
	if (sh->fill)
		queue_fill(s, sh);
	sh->closed = 1;
	push_ready(s, sh);
	int rc = s->failed ? -1 : 0;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int ms_stream_range(struct ms_stream *s, size_t id, int fd, uint64_t off, uint64_t len,
                    const char *what)
{
	pthread_mutex_lock(&s->lock);
	struct ms_stream_shard *sh = take_slot(s, id);
	pthread_mutex_unlock(&s->lock);
	if (!sh)
		return -1;
	if (ms_hasher_begin(&sh->h) < 0) {
		fail(s);
		return -1;
	}
	pthread_mutex_lock(&s->lock);
	sh->fd = fd;
	sh->off = off;
	sh->len = len;
	sh->what = ms_strdup(what);
	sh->closed = 1;
	push_ready(s, sh);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void stop_threads(struct ms_stream *s)
{
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->lock);
	for (unsigned i = 0; i < s->n_threads; i++) {
		pthread_join(s->threads[i], NULL);
		free(s->workers[i].scratch);
	}
	s->n_threads = 0;
}

/* The producer is done: this thread draws the progress while it waits. */
int ms_stream_finish(struct ms_stream *s)
{
	pthread_mutex_lock(&s->lock);
	while (s->in_flight > 0 && !s->failed) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 100 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000L)
			until.tv_sec++, until.tv_nsec -= 1000000000L;
		pthread_cond_timedwait(&s->space, &s->lock, &until);
		if (s->progress) {
			pthread_mutex_unlock(&s->lock);
			ms_progress_draw(s->progress);
			pthread_mutex_lock(&s->lock);
		}
	}
	pthread_mutex_unlock(&s->lock);
	stop_threads(s);
	s->finished = 1;
	return s->failed ? -1 : 0;
}

const uint8_t *ms_stream_digest(const struct ms_stream *s, size_t id)
{
	return s->digests + id * MS_DIGEST_MAX;
}

void ms_stream_free(struct ms_stream *s)
{
	if (!s)
		return;
	if (!s->finished) {
		pthread_mutex_lock(&s->lock);
		s->failed = 1; /* abandon whatever is queued */
		pthread_mutex_unlock(&s->lock);
		stop_threads(s);
	}
	for (size_t i = 0; i < s->n_slots; i++) {
		ms_hasher_free(&s->slots[i].h);
		free(s->slots[i].what);
	}
	free(s->slots);
	free(s->bufs);
	free(s->buf_mem);
	free(s->digests);
	free(s->threads);
	free(s->workers);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->space);
	free(s);
}
