/* The single-file source: a model that is one regular file, listed as the
 * one file "." below its directory, then read like a directory's file
 * (walk.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "modelseal/util.h"
#include "modelseal/walk.h"
#include "source_int.h"

int ms_source_file_list(struct ms_walk *w, const char *real, const struct stat *st)
{
	char *dir = ms_dirname(real), *base = ms_basename(real);
	w->root_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->root_fd < 0) {
		ms_error("cannot open directory '%s': %s", dir, strerror(errno));
		free(dir);
		free(base);
		return -1;
	}
	size_t cap = 0;
	w->single = 1;
	ms_walk_add_file(w, &cap, ".", base, st);
	free(dir);
	free(base);
	return 0;
}
