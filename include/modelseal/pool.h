/* A fixed pool of worker threads over a numbered list of tasks. */
#ifndef MODELSEAL_POOL_H
#define MODELSEAL_POOL_H

#include <stddef.h>

#include "modelseal/progress.h"

/* Runs fn(ctx, task, worker) for every task in [0, n_tasks) on `jobs` threads
 * (worker is 0..jobs-1, for per-thread state). The calling thread draws
 * progress meanwhile. After the first task that returns -1 (having reported
 * its error), no new task starts. Returns 0, or -1 if any task failed. */
int ms_pool_run(unsigned jobs, size_t n_tasks, int (*fn)(void *ctx, size_t task, unsigned worker),
                void *ctx, struct ms_progress *progress);

/* A pool fed while it runs (the items are not all known at the start: the
 * directory walk hands over files as it lists them). jobs threads run
 * fn(ctx, item, worker) on the items in the order pushed. After an fn that
 * returns -1 (having reported), no new item starts and ms_feed_push
 * returns -1, so the producer can stop. ms_feed_finish waits for the
 * items pushed (unless one failed, or cancel is set: then the items not
 * started are dropped), stops the threads and frees the feed: 0, or -1 if
 * any item failed, cancel was set or no thread could start. */
struct ms_feed;
struct ms_feed *ms_feed_start(unsigned jobs, int (*fn)(void *ctx, void *item, unsigned worker),
                              void *ctx);
int ms_feed_push(struct ms_feed *f, void *item);
int ms_feed_finish(struct ms_feed *f, int cancel);

#endif
