/* Shared by the sources in this folder, not part of source.h. */
#ifndef MODELSEAL_SOURCE_INT_H
#define MODELSEAL_SOURCE_INT_H

#include <stddef.h>
#include <sys/stat.h>

#include "modelseal/walk.h"

/* Appends a listed file to w (cap: the array's capacity, starting at 0). */
void ms_walk_add_file(struct ms_walk *w, size_t *cap, const char *rel, const char *open_path,
                      const struct stat *st);

/* The single-file source (file.c): lists the regular file at real (st its
 * stat) as the model's one file "." below its directory. -1 after
 * reporting; w is then the caller's to free. */
int ms_source_file_list(struct ms_walk *w, const char *real, const struct stat *st);

#endif
