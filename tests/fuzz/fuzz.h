/* Shared by the libFuzzer targets (tests/fuzz/fuzz_*.c, built by `make fuzz`).
 * Each target includes this once, defines LLVMFuzzerTestOneInput and uses
 * MS_FUZZ_INIT. */
#ifndef MODELSEAL_FUZZ_H
#define MODELSEAL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rejected inputs print a "modelseal: error:" line each, thousands a second,
 * which buries libFuzzer's own output. Only stdio's stderr goes quiet:
 * sanitizer reports and MS_FUZZ_ASSERT write to fd 2 directly and still show.
 * MS_FUZZ_VERBOSE=1 keeps the messages (for replaying one input). */
static inline void ms_fuzz_quiet(void)
{
	if (getenv("MS_FUZZ_VERBOSE"))
		return;
	FILE *null = fopen("/dev/null", "w");
	if (null)
		stderr = null;
}

#define MS_FUZZ_INIT                                                                               \
	int LLVMFuzzerInitialize(int *argc, char ***argv)                                          \
	{                                                                                          \
		(void)argc;                                                                        \
		(void)argv;                                                                        \
		ms_fuzz_quiet();                                                                   \
		return 0;                                                                          \
	}

/* An invariant of the code under test: a violation is a finding, so abort
 * and let libFuzzer keep the input. */
#define MS_FUZZ_ASSERT(cond)                                                                       \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			dprintf(2, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);    \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The input as a NUL-terminated string (inputs are not terminated). */
static inline char *ms_fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
