/* A progress line on stderr (bytes, rate, ETA), shown only on a terminal and
 * never with -q or --no-progress. Workers add bytes; one thread draws. */
#ifndef MODELSEAL_PROGRESS_H
#define MODELSEAL_PROGRESS_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

struct ms_progress {
	atomic_uint_least64_t done;
	uint64_t total;
	const char *label;
	struct timespec start;
	int enabled;
	int drawn;
};

/* Whether a progress line is on the terminal now (util clears it before a
 * message). */
extern atomic_int ms_progress_on_screen;

void ms_progress_start(struct ms_progress *p, const char *label, uint64_t total);
static inline void ms_progress_add(struct ms_progress *p, uint64_t n)
{
	atomic_fetch_add_explicit(&p->done, n, memory_order_relaxed);
}
/* Redraws the line; call from one thread only, every ~100 ms. */
void ms_progress_draw(struct ms_progress *p);
/* Erases the line. */
void ms_progress_end(struct ms_progress *p);

#endif
