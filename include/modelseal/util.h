/* Small helpers every module uses: diagnostics, memory, hex, file I/O. */
#ifndef MODELSEAL_UTIL_H
#define MODELSEAL_UTIL_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit codes of the contract (DESIGN.md). */
enum { MS_OK = 0, MS_FAIL = 1, MS_ERR = 2 };

#define MS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* "modelseal: error: ..." on stderr. Functions that fail report here, at the
 * place that knows what went wrong, and return -1 (or MS_ERR) upward. */
void ms_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ms_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* While *sink is set (not NULL), ms_error keeps its first message in *sink
 * (the caller frees it) instead of reporting it: for input from others that
 * the caller passes over rather than fails on. ms_error_divert(NULL) ends it.
 * Returns the sink it replaces, for a caller to put back. */
char **ms_error_divert(char **sink);
/* For threads that work for one job: each diverts its errors (why), and
 * this puts back the sink it replaced and shows why only if no thread of
 * the job showed one (*shown): once one fails the job stops, and the
 * others still running (two shards of one file that shrank, say) would
 * say it again. Frees why; returns rc. */
int ms_error_first_only(atomic_int *shown, char *why, char **sink, int rc);
/* Informational line on stderr, silenced by -q. */
void ms_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with -v. */
void ms_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A monotonic clock in seconds, for timings shown with -v. */
double ms_seconds(void);
/* "shards of N MiB" (or bytes) for -v lines; a static buffer. */
const char *ms_debug_size(uint64_t bytes);

/* Allocation that cannot fail: out of memory ends the process with exit 2
 * (ms_out_of_memory: also for memory a library failed to get). */
void *ms_out_of_memory(void);
void *ms_malloc(size_t n);
void *ms_calloc(size_t count, size_t size);
void *ms_realloc(void *p, size_t n);
void *ms_reallocarray(void *p, size_t count, size_t size);
char *ms_strdup(const char *s);
char *ms_strndup(const char *s, size_t n);
char *ms_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void ms_hex_encode(const uint8_t *in, size_t len, char *out);
/* Exactly 2*len hex digits (either case) into len bytes; -1 when malformed. */
int ms_hex_decode(const char *hex, uint8_t *out, size_t len);

/* Reads a whole file (at most max bytes, else an error naming the limit),
 * NUL-terminated. what names the file in messages ("signature", "key"). */
int ms_read_file(const char *path, size_t max, const char *what, char **out, size_t *out_len);

/* Writes data to path so that readers see the old file or the new one, never
 * a part: temp file beside it (O_EXCL), fsync, rename, fsync of the directory.
 * The temp file is removed on any failure. */
int ms_write_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* Its two halves, for a write that must wait for something else (sign
 * waits for the registry's commit): the data in a synced temp file beside
 * path (PATH.<pid>.<n>.tmp), its name or NULL after reporting; then the
 * rename into place, which removes the temp file when it fails. */
char *ms_write_temp(const char *path, const void *data, size_t len, mode_t mode);
int ms_rename_temp(const char *tmp, const char *path);
/* The same, but only when path does not exist yet (keys are never replaced
 * by accident): -1 with "already exists" otherwise. */
int ms_write_new(const char *path, const void *data, size_t len, mode_t mode);

/* Length of the longest prefix of s[0..len) that is well-formed UTF-8 (no
 * overlong forms, surrogates or code points past U+10FFFF): len when all of
 * it is. */
size_t ms_utf8_prefix(const char *s, size_t len);

/* Text from the model, a bundle, an archive, a certificate or the registry,
 * made safe to print on a terminal (like ls -b): control bytes as \n, \t,
 * \r or \xNN, a backslash as \\, bytes that are not UTF-8 as \xNN, C1
 * controls and bidirectional overrides as \uNNNN; the rest as it is.
 * ms_escape returns a fresh string; ms_esc one of 8 rotating buffers, for
 * printf arguments on the main thread. JSON output needs neither. */
char *ms_escape(const char *s);
const char *ms_esc(const char *s);
/* The same, but a backslash stays as it is: for messages of ours that may
 * carry escapes made earlier (a certificate's names), as on stderr. */
const char *ms_esc_message(const char *s);

/* Strict parse of a decimal unsigned integer in [min, max]; -1 on anything else. */
int ms_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* A byte count with an optional unit: "67108864", "64MiB", "1GiB" (powers of
 * 1024 with "iB"), "1G", "1GB", "500k" (powers of 1000 without), in
 * [min, max]; -1 on anything else. */
int ms_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Whether stderr is a terminal that may show progress and colour. */
int ms_stderr_is_tty(void);

/* Directory part and last component of a path, freshly allocated. */
char *ms_dirname(const char *path);
char *ms_basename(const char *path);

/* UTC "YYYY-MM-DDTHH:MM:SSZ" (buf of at least 21 bytes) and its strict
 * inverse (-1 quietly when s is not exactly that form or not a real date). */
const char *ms_time_format(int64_t t, char *buf, size_t size);
int ms_time_parse(const char *s, int64_t *out);

/* Growable byte buffer. */
struct ms_buf {
	char *data;
	size_t len, cap;
};
void ms_buf_append(struct ms_buf *b, const void *data, size_t len);
void ms_buf_printf(struct ms_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ms_buf_free(struct ms_buf *b);

/* The order of a model's paths (manifests, listings): component by
 * component, as model_signing sorts them. */
int ms_path_cmp(const char *a, const char *b);
/* A model path is safe when it is relative, has no empty, "." or ".."
 * component, and no NUL (a lone "." is the single-file model). */
int ms_path_is_safe(const char *path);

#endif
