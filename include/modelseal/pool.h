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

#endif
