/* "Did you mean": optimal string alignment distance over small words. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/suggest.h"

#define MAX_WORD 64

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;
	return m < c ? m : c;
}

size_t ms_edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > MAX_WORD || m > MAX_WORD)
		return SIZE_MAX;
	/* Three rows: two before the current one, for transpositions. */
	size_t rows[3][MAX_WORD + 1];
	for (size_t j = 0; j <= m; j++)
		rows[0][j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t *cur = rows[i % 3], *prev = rows[(i - 1) % 3], *prev2 = rows[(i + 1) % 3];
		cur[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
	}
	return rows[n % 3][m];
}

const char *ms_suggest_in_table(const char *word, const void *table, size_t stride)
{
	const char *const *first = table;
	size_t n = 0;
	while (*(const char *const *)((const char *)first + n * stride))
		n++;
	const char **names = calloc(n + 1, sizeof *names);
	if (!names)
		return NULL; /* no hint is no harm */
	for (size_t i = 0; i < n; i++)
		names[i] = *(const char *const *)((const char *)first + i * stride);
	const char *hint = ms_suggest(word, names, n);
	free(names);
	return hint;
}

const char *ms_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t len = strlen(word), best = SIZE_MAX;
	const char *hit = NULL;
	for (size_t i = 0; i < n; i++) {
		size_t d = ms_edit_distance(word, cands[i]);
		if (d < best) {
			best = d;
			hit = cands[i];
		}
	}
	return best <= 2 && 2 * best < len ? hit : NULL;
}
