/* Progress of long work on stderr (bytes, rate, ETA): a bar that fits the
 * terminal, or in a log (stderr not a terminal) a plain line every 10% or
 * 10 s once the work has lasted 2 s. --progress auto|bar|plain|none picks;
 * -q and --no-progress silence it. Workers add bytes; one thread draws. */
#ifndef MODELSEAL_PROGRESS_H
#define MODELSEAL_PROGRESS_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

enum ms_progress_mode { MS_PROGRESS_AUTO, MS_PROGRESS_BAR, MS_PROGRESS_PLAIN, MS_PROGRESS_NONE };
/* "auto", "bar", "plain" or "none"; -1 for anything else. */
int ms_progress_mode_parse(const char *s, enum ms_progress_mode *out);

struct ms_progress {
	atomic_uint_least64_t done;
	uint64_t total;
	const char *label;
	struct timespec start;
	int enabled;
	int drawn;
	enum ms_progress_mode mode; /* bar or plain while enabled */
	int next_pct;               /* plain: the next 10% step to report */
	double last_line;           /* plain: seconds, when the last line went out */
	int lines;                  /* plain: lines written */
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
