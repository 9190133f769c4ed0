/* Path rules: ms_normalise_rel_path (--ignore), ms_path_is_safe (manifest
 * names) and ms_path_cmp (manifest order). The input is two strings
 * separated by a NUL byte. */
#include "fuzz.h"
#include "modelseal/manifest.h"
#include "modelseal/walk.h"

MS_FUZZ_INIT

static int has_dotdot_component(const char *p)
{
	for (;;) {
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
			return 1;
		p = strchr(p, '/');
		if (!p)
			return 0;
		p++;
	}
}

static void check_one(const char *s)
{
	if (ms_path_is_safe(s)) {
		MS_FUZZ_ASSERT(s[0] != '/' && s[0] != '\0');
		MS_FUZZ_ASSERT(!has_dotdot_component(s));
		MS_FUZZ_ASSERT(strstr(s, "//") == NULL);
	}
	char *norm = ms_normalise_rel_path(s);
	if (norm) {
		/* A normalised path is safe, and normalising is idempotent. */
		MS_FUZZ_ASSERT(ms_path_is_safe(norm) && strcmp(norm, ".") != 0);
		char *again = ms_normalise_rel_path(norm);
		MS_FUZZ_ASSERT(again && strcmp(again, norm) == 0);
		free(again);
		/* A safe path other than "." is already normal. */
	} else {
		MS_FUZZ_ASSERT(!ms_path_is_safe(s) || strcmp(s, ".") == 0);
	}
	if (ms_path_is_safe(s) && strcmp(s, ".") != 0)
		MS_FUZZ_ASSERT(norm && strcmp(norm, s) == 0);
	free(norm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *a = ms_fuzz_cstr(data, size);
	size_t alen = strlen(a);
	const char *b = alen < size ? a + alen + 1 : "";
	check_one(a);
	check_one(b);
	/* Manifest order is a total order. */
	int ab = ms_path_cmp(a, b), ba = ms_path_cmp(b, a);
	MS_FUZZ_ASSERT((ab > 0) == (ba < 0) && (ab == 0) == (ba == 0));
	MS_FUZZ_ASSERT((ab == 0) == (strcmp(a, b) == 0));
	MS_FUZZ_ASSERT(ms_path_cmp(a, a) == 0);
	free(a);
	return 0;
}
