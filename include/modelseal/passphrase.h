/* Where a passphrase comes from: --passphrase-file, $MODELSEAL_PASSPHRASE or a
 * no-echo prompt on the terminal. Never from argv. */
#ifndef MODELSEAL_PASSPHRASE_H
#define MODELSEAL_PASSPHRASE_H

#include <stddef.h>

#define MS_PASSPHRASE_ENV "MODELSEAL_PASSPHRASE"
#define MS_PASSPHRASE_MAX 1024

struct ms_passphrase_src {
	const char *file; /* --passphrase-file, or NULL */
};

/* A passphrase in sodium_malloc memory, wiped by ms_passphrase_free. */
struct ms_passphrase {
	char *text; /* NUL-terminated */
	size_t len;
};

/* Gets the passphrase from the first available source, in this order: the
 * file (its first line, without the newline), the environment, a prompt on
 * /dev/tty (asked twice and compared when confirm is set). With none
 * available: a clear error and -1. */
int ms_passphrase_get(const struct ms_passphrase_src *src, const char *prompt, int confirm,
                      struct ms_passphrase *out);
void ms_passphrase_free(struct ms_passphrase *p);

/* The error for "--passphrase VALUE": commands list that option only to
 * refuse it, since getopt would otherwise read it as --passphrase-file. */
extern const char ms_no_argv_passphrase[];

/* sodium_init() once; exits 2 if libsodium cannot start (no entropy source).
 * Every function here and in keys.h calls it, so callers need not. */
void ms_sodium_init(void);

#endif
