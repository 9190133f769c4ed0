/* "Did you mean": the closest of a few candidate words to a mistyped one,
 * for commands, long options and registry names. */
#ifndef MODELSEAL_SUGGEST_H
#define MODELSEAL_SUGGEST_H

#include <stddef.h>

/* Edit distance with adjacent transpositions ("sgin" is 1 from "sign"),
 * bytes compared as they are. Words longer than 64 bytes get SIZE_MAX. */
size_t ms_edit_distance(const char *a, const char *b);

/* The candidate closest to word when it is close enough to be a typo (at
 * most 2 edits, and fewer than half of word's length), else NULL. On a tie
 * the first candidate wins. */
const char *ms_suggest(const char *word, const char *const *cands, size_t n);

/* The same over a table of structs whose first member is `const char *name`
 * and whose last entry has a NULL name (struct option, the command table),
 * elements stride bytes apart. */
const char *ms_suggest_in_table(const char *word, const void *table, size_t stride);

#endif
