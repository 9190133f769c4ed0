/* The progress line. */
#include <stdio.h>

#include "modelseal/cli.h"
#include "modelseal/progress.h"
#include "modelseal/util.h"

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

void ms_progress_start(struct ms_progress *p, const char *label, uint64_t total)
{
	atomic_store(&p->done, 0);
	p->total = total;
	p->label = label;
	p->drawn = 0;
	p->enabled = ms_stderr_is_tty() && !ms_global.quiet && !ms_global.no_progress;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
}

static void human_bytes(double b, char *out, size_t n)
{
	const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	size_t u = 0;
	while (b >= 1024 && u + 1 < MS_ARRAY_LEN(units))
		b /= 1024, u++;
	snprintf(out, n, u ? "%.1f %s" : "%.0f %s", b, units[u]);
}

void ms_progress_draw(struct ms_progress *p)
{
	if (!p->enabled)
		return;
	double elapsed = seconds_since(&p->start);
	if (elapsed < 0.3) /* quick jobs stay silent */
		return;
	uint64_t done = atomic_load_explicit(&p->done, memory_order_relaxed);
	double rate = done / (elapsed > 0 ? elapsed : 1);
	char d[32], t[32];
	human_bytes((double)done, d, sizeof d);
	human_bytes((double)p->total, t, sizeof t);
	int pct = p->total ? (int)(100.0 * (double)done / (double)p->total) : 100;
	double eta = rate > 0 && p->total > done ? (double)(p->total - done) / rate : 0;
	fprintf(stderr, "\r\033[K%s %3d%%  %s / %s  %.2f GB/s  ETA %.0fs", p->label, pct, d, t,
		rate / 1e9, eta);
	fflush(stderr);
	p->drawn = 1;
	atomic_store(&ms_progress_on_screen, 1);
}

void ms_progress_end(struct ms_progress *p)
{
	if (p->drawn && atomic_exchange(&ms_progress_on_screen, 0))
		fputs("\r\033[K", stderr);
	p->drawn = 0;
}
