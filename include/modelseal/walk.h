/* The directory source (src/source/dir.c), which also serves a model that
 * is one file: listing a model's files (ignore rules, symlink policy,
 * Hugging Face hub cache links) and opening them again safely, so that the
 * engine reads their byte ranges at any offset. See source.h. */
#ifndef MODELSEAL_WALK_H
#define MODELSEAL_WALK_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "modelseal/source.h"

struct ms_file {
	char *rel;       /* manifest path; "." for a single-file model */
	char *open_path; /* what to open below the root (a symlink's target), or
	                    below the hub folder when in_hub */
	int in_hub;      /* a hub cache link's target (see ms_walk.hub_fd) */
	uint64_t size;
	uint64_t hash_limit; /* hash at most this many bytes (UINT64_MAX: all) */
	struct timespec mtime;
	/* Moves with every write and with any change of mtime, which the
	 * file's owner can set back: only the kernel sets ctime. */
	struct timespec ctime;
	dev_t dev;
	ino_t ino;
	size_t seq; /* position in the order the walk listed files */
};

/* A directory the walk read, as it was when it began reading it. */
struct ms_walk_dir {
	char *rel; /* "." for the root */
	dev_t dev;
	ino_t ino;
	struct timespec ctime; /* changes with every entry added, removed or renamed */
};

struct ms_walk {
	int root_fd;           /* the model directory (or the file's directory) */
	char *name;            /* subject name: the model's base name */
	int single;            /* the model is one file */
	struct ms_file *files; /* sorted into manifest order */
	size_t n_files;
	char **ignored; /* effective ignore list, as recorded in the statement */
	size_t n_ignored;
	/* A Hugging Face hub cache snapshot (.../models--ORG--NAME/snapshots/REV):
	 * the models--ORG--NAME folder, whose blobs/ the snapshot's links point
	 * into, or -1. hub_links: such links were followed. */
	int hub_fd;
	int hub_links;
	struct ms_walk_dir *dirs; /* every directory read, the root first */
	size_t n_dirs, dirs_cap;
};

/* Lists the model at path. -1 after reporting. */
int ms_walk_list(const char *path, const struct ms_source_opts *o, struct ms_walk *w);

/* ms_walk_list, handing every file to on_file as soon as it is listed (before
 * the list is sorted; f points into w->files, which moves as it grows: copy
 * *f, whose strings stay until ms_walk_free). w->root_fd and w->hub_fd are
 * set before the first call and stay open, so ms_walk_open(w, copy) may run
 * on other threads meanwhile. A non-zero return from on_file (which has
 * reported its error) ends the walk with -1. Unlike ms_walk_list, w is
 * not freed on failure: the caller stops the threads using it, then calls
 * ms_walk_free, whatever the result. */
typedef int (*ms_walk_file_fn)(void *ctx, const struct ms_walk *w, const struct ms_file *f);
int ms_walk_list_each(const char *path, const struct ms_source_opts *o, struct ms_walk *w,
                      ms_walk_file_fn on_file, void *ctx);
/* ms_walk_list_each that also ends (-1, nothing reported) once *stop is
 * set, looked at before every directory entry. */
int ms_walk_list_each_until(const char *path, const struct ms_source_opts *o, struct ms_walk *w,
                            ms_walk_file_fn on_file, void *ctx, const atomic_int *stop);
void ms_walk_free(struct ms_walk *w);

/* Whether path still names the directory w listed, and every directory w
 * read is still there, unchanged since (same inode, same status change
 * time: no entry added, removed or renamed, no time stamp reset): a listing
 * made a while ago still stands for the tree. */
int ms_walk_dirs_unchanged(const struct ms_walk *w, const char *path);

/* Keeps the files for which keep() returns non-zero and frees the others,
 * in order. keep may adjust a file (its hash_limit). */
void ms_walk_filter(struct ms_walk *w, int (*keep)(struct ms_file *f, void *ctx), void *ctx);

/* Opens f for reading below the root without following any symlink (the
 * walk already resolved allowed ones): the listed file (inode and device),
 * still a regular one. Returns the fd, or -1 after reporting. Callers
 * check ms_walk_still_listed() after reading. */
int ms_walk_open(const struct ms_walk *w, const struct ms_file *f);

/* Whether f's path below the root still names the listed file, as listed
 * (size, mtime, ctime): a file renamed over it after it was opened leaves
 * the open fd untouched, so only the path shows the replacement, and the
 * listed file's own stat shows bytes changed since the walk, even with
 * its mtime set back, and a new file that got the listed one's inode
 * number. For a followed link, the link must still lead to that file
 * too. */
int ms_walk_still_listed(const struct ms_walk *w, const struct ms_file *f);

/* The name to show in messages: the manifest path, or for a single-file
 * model (whose path is ".") the file's own name. */
const char *ms_file_display(const struct ms_file *f);

/* The Hugging Face hub folder (.../models--ORG--NAME, datasets--, spaces--)
 * of a real path inside one of its snapshots/REV, freshly allocated; NULL
 * when the path is not in a hub cache snapshot. */
char *ms_hub_folder(const char *real);

#endif
