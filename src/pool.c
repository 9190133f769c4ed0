/* Worker threads pull task numbers from one atomic counter: no queue, no
 * locks on the hot path, and big and small tasks balance by themselves. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/pool.h"
#include "modelseal/util.h"

struct pool {
	int (*fn)(void *ctx, size_t task, unsigned worker);
	void *ctx;
	size_t n_tasks;
	atomic_size_t next;
	atomic_int failed;
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	unsigned running;
};

struct worker_arg {
	struct pool *pool;
	unsigned id;
	double finished; /* ms_seconds() when it found no task left */
};

static void *worker_main(void *arg)
{
	struct worker_arg *wa = arg;
	struct pool *p = wa->pool;
	while (!atomic_load(&p->failed)) {
		size_t task = atomic_fetch_add(&p->next, 1);
		if (task >= p->n_tasks)
			break;
		if (p->fn(p->ctx, task, wa->id) < 0)
			atomic_store(&p->failed, 1);
	}
	wa->finished = ms_seconds();
	pthread_mutex_lock(&p->lock);
	p->running--;
	pthread_cond_signal(&p->done_cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* The tail: how long the first thread out idled while the last finished. */
static void debug_tail(const struct worker_arg *args, unsigned n)
{
	if (n < 2)
		return;
	double first = args[0].finished, last = first;
	for (unsigned i = 1; i < n; i++) {
		first = args[i].finished < first ? args[i].finished : first;
		last = args[i].finished > last ? args[i].finished : last;
	}
	ms_debug("pool: %u threads finished within %.1f ms", n, (last - first) * 1e3);
}

static void wait_all(struct pool *p, struct ms_progress *progress)
{
	pthread_mutex_lock(&p->lock);
	while (p->running > 0) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 100 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000L)
			until.tv_sec++, until.tv_nsec -= 1000000000L;
		pthread_cond_timedwait(&p->done_cond, &p->lock, &until);
		if (progress && p->running > 0) {
			pthread_mutex_unlock(&p->lock);
			ms_progress_draw(progress);
			pthread_mutex_lock(&p->lock);
		}
	}
	pthread_mutex_unlock(&p->lock);
}

int ms_pool_run(unsigned jobs, size_t n_tasks, int (*fn)(void *ctx, size_t task, unsigned worker),
                void *ctx, struct ms_progress *progress)
{
	if (n_tasks == 0)
		return 0;
	if (jobs > n_tasks)
		jobs = (unsigned)n_tasks;
	if (jobs == 0)
		jobs = 1;
	struct pool p = {.fn = fn, .ctx = ctx, .n_tasks = n_tasks, .running = jobs};
	atomic_init(&p.next, 0);
	atomic_init(&p.failed, 0);
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.done_cond, NULL);

	pthread_t *threads = ms_calloc(jobs, sizeof *threads);
	struct worker_arg *args = ms_calloc(jobs, sizeof *args);
	unsigned started = 0;
	for (; started < jobs; started++) {
		args[started] = (struct worker_arg){&p, started, 0};
		int err = pthread_create(&threads[started], NULL, worker_main, &args[started]);
		if (err) {
			ms_error("cannot start a hashing thread: %s", strerror(err));
			atomic_store(&p.failed, 1);
			break;
		}
	}
	pthread_mutex_lock(&p.lock);
	p.running -= jobs - started; /* threads that never started */
	pthread_mutex_unlock(&p.lock);
	wait_all(&p, progress);
	for (unsigned i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	debug_tail(args, started);
	if (progress)
		ms_progress_end(progress);
	free(threads);
	free(args);
	pthread_mutex_destroy(&p.lock);
	pthread_cond_destroy(&p.done_cond);
	return atomic_load(&p.failed) ? -1 : 0;
}

/* ---- a pool fed while it runs ---- */

struct ms_feed {
	int (*fn)(void *ctx, void *item, unsigned worker);
	void *ctx;
	pthread_mutex_t lock;
	pthread_cond_t more; /* an item was pushed, or the feed closed or failed */
	void **items;        /* a ring of cap slots */
	size_t cap, head, n;
	unsigned waiting;
	int closed;
	atomic_int failed;
	pthread_t *threads;
	unsigned started;
};

struct feed_arg {
	struct ms_feed *feed;
	unsigned id;
};

/* The next item, or NULL once the feed is closed and empty or has failed. */
static void *feed_pop(struct ms_feed *f)
{
	pthread_mutex_lock(&f->lock);
	while (f->n == 0 && !f->closed && !atomic_load(&f->failed)) {
		f->waiting++;
		pthread_cond_wait(&f->more, &f->lock);
		f->waiting--;
	}
	void *item = NULL;
	if (f->n > 0 && !atomic_load(&f->failed)) {
		item = f->items[f->head];
		f->head = (f->head + 1) % f->cap;
		f->n--;
	}
	pthread_mutex_unlock(&f->lock);
	return item;
}

static void *feed_main(void *arg)
{
	struct feed_arg *fa = arg;
	struct ms_feed *f = fa->feed;
	void *item;
	while ((item = feed_pop(f)) != NULL)
		if (f->fn(f->ctx, item, fa->id) < 0) {
			atomic_store(&f->failed, 1);
			pthread_mutex_lock(&f->lock);
			pthread_cond_broadcast(&f->more);
			pthread_mutex_unlock(&f->lock);
		}
	free(fa);
	return NULL;
}

struct ms_feed *ms_feed_start(unsigned jobs, int (*fn)(void *ctx, void *item, unsigned worker),
                              void *ctx)
{
	struct ms_feed *f = ms_calloc(1, sizeof *f);
	f->fn = fn;
	f->ctx = ctx;
	f->cap = 1024;
	f->items = ms_calloc(f->cap, sizeof *f->items);
	atomic_init(&f->failed, 0);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->more, NULL);
	f->threads = ms_calloc(jobs ? jobs : 1, sizeof *f->threads);
	for (; f->started < (jobs ? jobs : 1); f->started++) {
		struct feed_arg *fa = ms_malloc(sizeof *fa);
		*fa = (struct feed_arg){f, f->started};
		int err = pthread_create(&f->threads[f->started], NULL, feed_main, fa);
		if (err) {
			free(fa);
			ms_error("cannot start a hashing thread: %s", strerror(err));
			atomic_store(&f->failed, 1);
			break;
		}
	}
	return f;
}

/* Grows the ring, keeping its order; under the lock. */
static void feed_grow(struct ms_feed *f)
{
	void **items = ms_calloc(f->cap * 2, sizeof *items);
	for (size_t i = 0; i < f->n; i++)
		items[i] = f->items[(f->head + i) % f->cap];
	free(f->items);
	f->items = items;
	f->head = 0;
	f->cap *= 2;
}

int ms_feed_push(struct ms_feed *f, void *item)
{
	if (atomic_load(&f->failed))
		return -1;
	pthread_mutex_lock(&f->lock);
	if (f->n == f->cap)
		feed_grow(f);
	f->items[(f->head + f->n) % f->cap] = item;
	f->n++;
	if (f->waiting)
		pthread_cond_signal(&f->more);
	pthread_mutex_unlock(&f->lock);
	return 0;
}

int ms_feed_finish(struct ms_feed *f, int cancel)
{
	pthread_mutex_lock(&f->lock);
	if (cancel)
		atomic_store(&f->failed, 1);
	f->closed = 1;
	pthread_cond_broadcast(&f->more);
	pthread_mutex_unlock(&f->lock);
	for (unsigned i = 0; i < f->started; i++)
		pthread_join(f->threads[i], NULL);
	int rc = atomic_load(&f->failed) || f->started == 0 ? -1 : 0;
	free(f->threads);
	free(f->items);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->more);
	free(f);
	return rc;
}
