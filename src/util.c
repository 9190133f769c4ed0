/* Diagnostics, allocation, hex and careful file I/O. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "modelseal/cli.h"
#include "modelseal/output.h"
#include "modelseal/progress.h"
#include "modelseal/util.h"

/* Set while a progress line is on the terminal, so that a message clears it
 * first instead of being glued to its end. */
atomic_int ms_progress_on_screen;

static char *escape_text(const char *s, int with_backslash);

/* ms_error_divert: per thread, so hashing threads still report. */
static _Thread_local char **error_sink;

char **ms_error_divert(char **sink)
{
	char **was = error_sink;
	error_sink = sink;
	return was;
}

/* Messages name files, members, keys and labels that others chose: the
 * whole line is escaped, so none of it can move the cursor or repaint the
 * terminal. */
static void vreport(const char *kind, const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	char *shown = msg ? escape_text(msg, 0) : NULL;
	if (msg && strcmp(kind, "error: ") == 0)
		ms_output_note_error(msg);
	if (atomic_exchange(&ms_progress_on_screen, 0))
		fputs("\r\033[K", stderr);
	fprintf(stderr, "modelseal: %s%s\n", kind, shown ? shown : fmt);
	free(shown);
	free(msg);
}

int ms_error_first_only(atomic_int *shown, char *why, char **sink, int rc)
{
	ms_error_divert(sink);
	if (why && !atomic_exchange(shown, 1))
		ms_error("%s", why);
	free(why);
	return rc;
}

void ms_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (!error_sink)
		vreport("error: ", fmt, ap);
	else if (!*error_sink && vasprintf(error_sink, fmt, ap) < 0)
		*error_sink = NULL;
	va_end(ap);
}

void ms_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void ms_note(const char *fmt, ...)
{
	va_list ap;
	if (ms_global.quiet)
		return;
	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

void ms_debug(const char *fmt, ...)
{
	va_list ap;
	if (!ms_global.verbose)
		return;
	va_start(ap, fmt);
	vreport("debug: ", fmt, ap);
	va_end(ap);
}

void *ms_out_of_memory(void)
{
	error_sink = NULL; /* ends the process: said, whoever diverted errors */
	ms_error("out of memory");
	exit(MS_ERR);
}

double ms_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

const char *ms_debug_size(uint64_t bytes)
{
	static char buf[48];
	if (bytes % (1 << 20) == 0)
		snprintf(buf, sizeof buf, "shards of %llu MiB", (unsigned long long)(bytes >> 20));
	else
		snprintf(buf, sizeof buf, "shards of %llu bytes", (unsigned long long)bytes);
	return buf;
}

void *ms_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	return p ? p : ms_out_of_memory();
}

void *ms_calloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	return p ? p : ms_out_of_memory();
}

void *ms_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	return q ? q : ms_out_of_memory();
}

void *ms_reallocarray(void *p, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		return ms_out_of_memory();
	return ms_realloc(p, count * size);
}

char *ms_strdup(const char *s)
{
	char *p = strdup(s);
	return p ? p : ms_out_of_memory();
}

char *ms_strndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	return p ? p : ms_out_of_memory();
}

char *ms_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? ms_out_of_memory() : s;
}

void ms_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

/* Each hex digit's value plus one; 0 for any other byte. A table, not
 * comparisons: a statement's digests are random, and verify decodes
 * millions of their digits, where the branches mispredicted half the time
 * and cost a tenth of reading the statement. */
static const uint8_t hex_values[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

int ms_hex_decode(const char *hex, uint8_t *out, size_t len)
{
	if (strlen(hex) != 2 * len)
		return -1;
	const unsigned char *h = (const unsigned char *)hex;
	unsigned missing = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned hi = hex_values[h[2 * i]], lo = hex_values[h[2 * i + 1]];
		missing |= (hi == 0) | (lo == 0);
		out[i] = (uint8_t)((hi - 1) << 4 | ((lo - 1) & 15));
	}
	return missing ? -1 : 0;
}

int ms_read_file(const char *path, size_t max, const char *what, char **out, size_t *out_len)
{
	/* O_NONBLOCK: a FIFO or device put where a file was expected must not
	 * block the open; it is refused below as not a regular file. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ms_error("cannot open %s '%s': %s", what, path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ms_error("%s '%s' is not a regular file", what, path);
		close(fd);
		return -1;
	}
	/* Refused by its size before a byte is read; the loop below still
	 * enforces max for a file that grows meanwhile. */
	if ((uint64_t)st.st_size > max) {
		ms_error("%s '%s' is larger than %zu bytes", what, path, max);
		close(fd);
		return -1;
	}
	struct ms_buf b = {0};
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ms_error("cannot read %s '%s': %s", what, path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			ms_error("%s '%s' is larger than %zu bytes", what, path, max);
			goto fail;
		}
		ms_buf_append(&b, chunk, (size_t)n);
	}
	close(fd);
	ms_buf_append(&b, "", 1);
	*out = b.data;
	*out_len = b.len - 1;
	return 0;
fail:
	close(fd);
	ms_buf_free(&b);
	return -1;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void fsync_dir(const char *path)
{
	char *dir = ms_dirname(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd); /* best effort: some filesystems refuse */
		close(fd);
	}
	free(dir);
}

/* Writes data to a fresh temp file beside path (O_EXCL, mode set before any
 * byte lands) and fsyncs it. Returns the temp name, or NULL after reporting
 * (nothing left behind). */
char *ms_write_temp(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp = NULL;
	int fd = -1;
	for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
		free(tmp);
		tmp = ms_asprintf("%s.%ld.%d.tmp", path, (long)getpid(), attempt);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		/* Name the file the user asked for: the temp name means nothing
		 * to them. */
		int saved = errno;
		char *dir = ms_dirname(path);
		if (saved == EACCES || saved == EROFS || saved == EPERM)
			ms_error("cannot write '%s': directory '%s' is not writable (%s)", path,
			         dir, strerror(saved));
		else
			ms_error("cannot write '%s': %s", path, strerror(saved));
		free(dir);
		free(tmp);
		errno = saved;
		return NULL;
	}
	const char *step = NULL;
	if (fchmod(fd, mode) < 0)
		step = "chmod";
	else if (write_all(fd, data, len) < 0)
		step = "write";
	else if (fsync(fd) < 0)
		step = "fsync";
	int saved = errno;
	if (close(fd) < 0 && !step)
		step = "close", saved = errno;
	if (!step)
		return tmp;
	unlink(tmp);
	ms_error("cannot write '%s' (%s): %s", path, step, strerror(saved));
	free(tmp);
	return NULL;
}

int ms_rename_temp(const char *tmp, const char *path)
{
	int rc = rename(tmp, path);
	if (rc < 0) {
		ms_error("cannot write '%s' (rename): %s", path, strerror(errno));
		unlink(tmp);
	} else {
		fsync_dir(path);
	}
	return rc < 0 ? -1 : 0;
}

int ms_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp = ms_write_temp(path, data, len, mode);
	if (!tmp)
		return -1;
	int rc = ms_rename_temp(tmp, path);
	free(tmp);
	return rc;
}

int ms_write_new(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp = ms_write_temp(path, data, len, mode);
	if (!tmp)
		return -1;
	/* link(2) fails if path exists, even a dangling symlink: never replaces. */
	int rc = link(tmp, path);
	int saved = errno;
	unlink(tmp);
	free(tmp);
	if (rc < 0 && saved == EEXIST)
		ms_error("'%s' already exists", path);
	else if (rc < 0)
		ms_error("cannot write '%s' (link): %s", path, strerror(saved));
	else
		fsync_dir(path);
	return rc < 0 ? -1 : 0;
}

/* Bytes of the sequence that starts with lead and the range its second byte
 * must fall in; 0 for a byte that cannot start one. */
static int utf8_lead(unsigned char lead, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80, *hi = 0xbf;
	if (lead < 0x80)
		return 1;
	if (lead >= 0xc2 && lead <= 0xdf)
		return 2;
	if (lead >= 0xe0 && lead <= 0xef) {
		if (lead == 0xe0)
			*lo = 0xa0; /* overlong */
		if (lead == 0xed)
			*hi = 0x9f; /* UTF-16 surrogates */
		return 3;
	}
	if (lead >= 0xf0 && lead <= 0xf4) {
		if (lead == 0xf0)
			*lo = 0x90; /* overlong */
		if (lead == 0xf4)
			*hi = 0x8f; /* past U+10FFFF */
		return 4;
	}
	return 0;
}

/* Code points a terminal acts on or reorders text by: C1 controls, and the
 * bidirectional embeddings, overrides and isolates ("Trojan Source"). */
static int is_unsafe_code_point(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

static uint32_t decode_utf8(const unsigned char *u, size_t n)
{
	if (n == 2)
		return (uint32_t)(u[0] & 0x1f) << 6 | (u[1] & 0x3f);
	if (n == 3)
		return (uint32_t)(u[0] & 0x0f) << 12 | (uint32_t)(u[1] & 0x3f) << 6 | (u[2] & 0x3f);
	return (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3f) << 12 |
	       (uint32_t)(u[2] & 0x3f) << 6 | (u[3] & 0x3f);
}

static void escape_byte(struct ms_buf *b, unsigned char c)
{
	/* sha256sum's names for the common ones, \xNN for the rest */
	static const char named[] = {['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r'};
	if (c < sizeof named && named[c])
		ms_buf_printf(b, "\\%c", named[c]);
	else if (c == '\\')
		ms_buf_append(b, "\\\\", 2);
	else
		ms_buf_printf(b, "\\x%02x", c);
}

/* with_backslash: a backslash becomes \\ too, so that the escaped text
 * reads back unambiguously (names on stdout); diagnostics keep backslashes
 * as they are, since some already hold escapes of their own. */
static char *escape_text(const char *s, int with_backslash)
{
	struct ms_buf b = {0};
	size_t len = strlen(s);
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		unsigned char lo, hi;
		int n = utf8_lead(u[i], &lo, &hi);
		if (n == 1) {
			if (u[i] < 0x20 || u[i] == 0x7f || (u[i] == '\\' && with_backslash))
				escape_byte(&b, u[i]);
			else
				ms_buf_append(&b, &u[i], 1);
			i++;
			continue;
		}
		size_t ok = ms_utf8_prefix(s + i, (size_t)n <= len - i ? (size_t)n : len - i);
		if (n == 0 || ok != (size_t)n) { /* not UTF-8: the raw byte */
			escape_byte(&b, u[i]);
			i++;
			continue;
		}
		uint32_t cp = decode_utf8(u + i, (size_t)n);
		if (is_unsafe_code_point(cp))
			ms_buf_printf(&b, "\\u%04x", (unsigned)cp);
		else
			ms_buf_append(&b, &u[i], (size_t)n);
		i += (size_t)n;
	}
	ms_buf_append(&b, "", 1);
	return b.data;
}

char *ms_escape(const char *s)
{
	return escape_text(s, 1);
}

static const char *esc_ring(const char *s, int with_backslash)
{
	static char *ring[8];
	static unsigned next;
	if (!s)
		return "(null)";
	unsigned slot = next++ % MS_ARRAY_LEN(ring);
	free(ring[slot]);
	ring[slot] = escape_text(s, with_backslash);
	return ring[slot];
}

const char *ms_esc(const char *s)
{
	return esc_ring(s, 1);
}

const char *ms_esc_message(const char *s)
{
	return esc_ring(s, 0);
}

size_t ms_utf8_prefix(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned char lo, hi;
		int n = utf8_lead(u[i], &lo, &hi);
		if (n == 0 || (size_t)n > len - i)
			return i;
		for (int k = 1; k < n; k++) {
			unsigned char c = u[i + k];
			if (k == 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf)
				return i;
		}
		i += (size_t)n;
	}
	return len;
}

int ms_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	static const struct {
		const char *suffix;
		uint64_t factor;
	} units[] = {
	    {"", 1},
	    {"B", 1},
	    {"K", 1000},
	    {"KB", 1000},
	    {"KiB", 1024},
	    {"M", 1000000},
	    {"MB", 1000000},
	    {"MiB", 1 << 20},
	    {"G", 1000000000},
	    {"GB", 1000000000},
	    {"GiB", 1 << 30},
	    {"T", 1000000000000},
	    {"TB", 1000000000000},
	    {"TiB", (uint64_t)1 << 40},
	};
	size_t digits = strspn(s, "0123456789");
	if (digits == 0 || digits > 20)
		return -1;
	char num[21];
	memcpy(num, s, digits);
	num[digits] = '\0';
	uint64_t n;
	if (ms_parse_u64(num, 0, UINT64_MAX, &n) < 0)
		return -1;
	for (size_t i = 0; i < MS_ARRAY_LEN(units); i++) {
		if (strcasecmp(s + digits, units[i].suffix) != 0)
			continue;
		if (n > UINT64_MAX / units[i].factor)
			return -1;
		n *= units[i].factor;
		if (n < min || n > max)
			return -1;
		*out = n;
		return 0;
	}
	return -1;
}

int ms_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int ms_stderr_is_tty(void)
{
	return isatty(STDERR_FILENO);
}

char *ms_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return ms_strdup(".");
	while (slash > path && slash[-1] == '/')
		slash--;
	if (slash == path)
		return ms_strdup("/");
	return ms_strndup(path, (size_t)(slash - path));
}

char *ms_basename(const char *path)
{
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	size_t start = len;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (start == len) /* "/" */
		return ms_strdup("/");
	return ms_strndup(path + start, len - start);
}

void ms_buf_append(struct ms_buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + len + 1)
			cap *= 2;
		b->data = ms_realloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void ms_buf_printf(struct ms_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		ms_out_of_memory();
	ms_buf_append(b, s, (size_t)n);
	free(s);
}

void ms_buf_free(struct ms_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

const char *ms_time_format(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "%lld", (long long)t);
	return buf;
}

int ms_time_parse(const char *s, int64_t *out)
{
	struct tm tm = {0};
	char back[32];
	if (strlen(s) != 20)
		return -1;
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -1;
	*out = (int64_t)timegm(&tm);
	/* Round trip: refuses 2026-02-30 and the like, which timegm normalises. */
	return strcmp(ms_time_format(*out, back, sizeof back), s) == 0 ? 0 : -1;
}

/* model_signing sorts paths as lists of components, so "a/b" comes before
 * "a.b" although '.' < '/'. Treating '/' as smaller than every other byte
 * gives the same order in one pass. */
int ms_path_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned ca = (unsigned char)*a, cb = (unsigned char)*b;
		if (ca == cb) {
			if (!ca)
				return 0;
			continue;
		}
		if (!ca || !cb)
			return ca ? 1 : -1;
		if (ca == '/' || cb == '/')
			return ca == '/' ? -1 : 1;
		return ca < cb ? -1 : 1;
	}
}

int ms_path_is_safe(const char *path)
{
	if (strcmp(path, ".") == 0)
		return 1;
	if (*path == '\0' || *path == '/')
		return 0;
	for (const char *p = path;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!slash)
			return 1;
		p = slash + 1;
	}
}
