/* Progress for long work: a bar on a terminal, plain lines in a log. */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "modelseal/cli.h"
#include "modelseal/progress.h"
#include "modelseal/util.h"

/* A log gets a line only for work that lasts, then every 10% or 10 s. */
#define PLAIN_AFTER 2.0
#define PLAIN_EVERY 10.0
#define BAR_AFTER 0.3

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

int ms_progress_mode_parse(const char *s, enum ms_progress_mode *out)
{
	static const char *const names[] = {"auto", "bar", "plain", "none"};
	for (size_t i = 0; i < MS_ARRAY_LEN(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum ms_progress_mode)i;
			return 0;
		}
	return -1;
}

static enum ms_progress_mode effective_mode(void)
{
	if (ms_global.quiet || ms_global.no_progress)
		return MS_PROGRESS_NONE;
	if (ms_global.progress != MS_PROGRESS_AUTO)
		return ms_global.progress;
	return ms_stderr_is_tty() ? MS_PROGRESS_BAR : MS_PROGRESS_PLAIN;
}

void ms_progress_start(struct ms_progress *p, const char *label, uint64_t total)
{
	atomic_store(&p->done, 0);
	p->total = total;
	p->label = label;
	p->drawn = 0;
	p->mode = effective_mode();
	p->enabled = p->mode != MS_PROGRESS_NONE;
	p->next_pct = 10;
	p->last_line = 0;
	p->lines = 0;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
}

/* One unit for both numbers of "done / total", chosen by the total, so the
 * line does not jump between MiB and GiB as it goes. */
static const char *unit_for(uint64_t total, double *div)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	size_t u = 0;
	*div = 1;
	while ((double)total / *div >= 1024 && u + 1 < MS_ARRAY_LEN(units))
		*div *= 1024, u++;
	return units[u];
}

struct figures {
	int pct;
	double done, total, rate, eta;
	const char *unit;
};

static void figures(const struct ms_progress *p, double elapsed, struct figures *f)
{
	uint64_t done = atomic_load_explicit(&p->done, memory_order_relaxed);
	double div;
	f->unit = unit_for(p->total, &div);
	f->done = (double)done / div;
	f->total = (double)p->total / div;
	f->rate = (double)done / (elapsed > 0 ? elapsed : 1) / 1e9;
	f->pct = p->total ? (int)(100.0 * (double)done / (double)p->total) : 100;
	f->eta = f->rate > 0 && p->total > done ? (double)(p->total - done) / (f->rate * 1e9) : 0;
}

static int terminal_width(void)
{
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* The widest form of the line that fits: all fields, then without the ETA,
 * then without the rate. Never wider than the terminal, so it never wraps. */
static void draw_bar(struct ms_progress *p, const struct figures *f)
{
	char line[256];
	int width = terminal_width() - 1;
	int n = snprintf(line, sizeof line, "%s %3d%%  %.1f / %.1f %s  %.2f GB/s  ETA %.0fs",
			 p->label, f->pct, f->done, f->total, f->unit, f->rate, f->eta);
	if (n > width)
		n = snprintf(line, sizeof line, "%s %3d%%  %.1f / %.1f %s  %.2f GB/s", p->label,
			     f->pct, f->done, f->total, f->unit, f->rate);
	if (n > width)
		n = snprintf(line, sizeof line, "%s %3d%%", p->label, f->pct);
	if (n > width && width > 0)
		line[width] = '\0';
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	p->drawn = 1;
	atomic_store(&ms_progress_on_screen, 1);
}

static void draw_plain(struct ms_progress *p, const struct figures *f, double elapsed)
{
	if (elapsed < PLAIN_AFTER)
		return;
	int step = f->pct >= p->next_pct;
	if (!step && elapsed - p->last_line < PLAIN_EVERY)
		return;
	fprintf(stderr, "modelseal: %s %d%% (%.1f of %.1f %s, %.2f GB/s, ETA %.0fs)\n",
		p->label, f->pct, f->done, f->total, f->unit, f->rate, f->eta);
	fflush(stderr);
	while (p->next_pct <= f->pct)
		p->next_pct += 10;
	p->last_line = elapsed;
	p->lines++;
}

void ms_progress_draw(struct ms_progress *p)
{
	if (!p->enabled)
		return;
	double elapsed = seconds_since(&p->start);
	if (p->mode == MS_PROGRESS_BAR && elapsed < BAR_AFTER) /* quick jobs stay silent */
		return;
	struct figures f;
	figures(p, elapsed, &f);
	if (p->mode == MS_PROGRESS_BAR)
		draw_bar(p, &f);
	else
		draw_plain(p, &f, elapsed);
}

void ms_progress_end(struct ms_progress *p)
{
	if (p->drawn && atomic_exchange(&ms_progress_on_screen, 0))
		fputs("\r\033[K", stderr);
	p->drawn = 0;
	if (p->mode == MS_PROGRESS_PLAIN && p->lines) {
		double elapsed = seconds_since(&p->start);
		struct figures f;
		figures(p, elapsed, &f);
		fprintf(stderr, "modelseal: %s done (%.1f %s in %.1fs, %.2f GB/s)\n", p->label,
			f.done, f.unit, elapsed, f.rate);
	}
	p->lines = 0;
}
