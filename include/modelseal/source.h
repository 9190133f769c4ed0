/* Model sources: where a model's files and their bytes come from (a
 * directory, one file, an archive; later an OCI registry or object
 * storage), each in its own file under src/source/.
 *
 * A source lists the model's files with their sizes and delivers their
 * bytes; the engine (hashing.c, hash_feed.c, stream.c, pool.c) plans the
 * shards, hashes them and builds the manifest without knowing which source
 * it hashes. Sources sit below the engine: nothing in src/source/ knows of
 * shards, digests or manifests, and no source header includes an engine
 * header. Bytes come one of two ways:
 *
 * - at any offset (a directory, dir.c, or one file, file.c; walk.h): the
 *   listing, then ms_walk_open() gives an fd whose byte ranges the engine
 *   reads on any thread, in any order, checking the file afterwards;
 * - in order (an archive, archive.h): the source reads once and hands each
 *   file's bytes to an ms_source_sink, streamed or as a range of a file it
 *   keeps open, then lists the files, since some (links, the root) are only
 *   known at the end. */
#ifndef MODELSEAL_SOURCE_H
#define MODELSEAL_SOURCE_H

#include <stddef.h>
#include <stdint.h>

struct ms_progress;

/* Which files of a model are its files: the HASHING options that select,
 * as opposed to those that hash. */
struct ms_source_opts {
	int allow_symlinks;  /* links to files inside the root count as those files */
	int ignore_git;      /* leave out .git .gitattributes .github .gitignore ... */
	char *const *ignore; /* --ignore paths, normalised, relative to the root */
	size_t n_ignore;
};

/* A signed statement's files and sizes (verify, unpack), sorted by path
 * with strcmp: an in-order source refuses a file it does not list before
 * reading a byte of it, and never reads past its signed size. */
struct ms_source_expect {
	char **path;
	uint64_t *size; /* UINT64_MAX: the statement does not say */
	size_t n;
	/* The statement lists no empty file (the shards method gives it no
	 * shard): an unlisted file may still be an empty one. */
	int empty_unlisted;
};
/* Where path is in x, or x->n when the statement does not list it. */
size_t ms_source_expect_find(const struct ms_source_expect *x, const char *path);

/* Where an in-order source hands bytes: the engine's side. Each file whose
 * bytes the source reads gets an id (0, 1, 2, ... in reading order); its
 * bytes come either streamed, between file() and end(), or whole as a
 * range of an fd that stays open until finish() has returned. Callbacks
 * return 0, or -1 when hashing failed (reported). */
struct ms_source_sink {
	void *ctx;
	/* Before each reading (a source may start over): forget every file,
	 * count the reading's progress against total bytes. The progress to
	 * add read bytes to, or NULL after reporting. */
	struct ms_progress *(*begin)(void *ctx, uint64_t total);
	int (*file)(void *ctx, size_t id);
	int (*bytes)(void *ctx, const void *data, size_t len);
	int (*end)(void *ctx);
	int (*range)(void *ctx, size_t id, int fd, uint64_t off, uint64_t len, const char *what);
	/* After the last file of a reading that went through: waits until
	 * every byte handed over is hashed. */
	int (*finish)(void *ctx);
	/* A reading that failed or starts over, before the source closes what
	 * it handed ranges of: stops hashing them, and waits until it has. */
	void (*abandon)(void *ctx);
};

/* One file of an in-order source's listing. */
struct ms_source_file {
	char *rel; /* below the model root; "." for a model that is one file */
	uint64_t size;
	size_t data; /* the id whose bytes it holds (a link: its target's) */
};

struct ms_source_list {
	char *name; /* subject name */
	char *root; /* the top-level directory that is the model root, or NULL */
	struct ms_source_file *files;
	size_t n_files;
	char **ignored; /* the ignore list in effect, as a statement records it */
	size_t n_ignored;
	int refused; /* on failure: the model is one the rules refuse (exit 1),
	                not an error reading it */
};
void ms_source_list_free(struct ms_source_list *l);

/* The ignore list in effect for o, sorted, as recorded in a statement:
 * model.sig and model.provenance.sig, the git names and Hugging Face's
 * .cache/huggingface bookkeeping unless o->ignore_git is 0, and the
 * --ignore paths, all relative to the model root. */
void ms_ignore_list_build(const struct ms_source_opts *o, char ***list, size_t *n);
void ms_ignore_list_free(char **list, size_t n);
/* Whether a and b select the same files of any model: the same symlink
 * rule and the same ignore list once built. (Lists that differ but select
 * the same files, "a" against "a" and "a/b", count as different.) */
int ms_source_opts_same_files(const struct ms_source_opts *a, const struct ms_source_opts *b);
/* Whether rel is one of the paths of the list or lies below one. */
int ms_ignore_match(char *const *list, size_t n, const char *rel);

/* Normalises a relative path ("./a//b/" -> "a/b"); NULL when it is empty,
 * absolute or has a ".." component. */
char *ms_normalise_rel_path(const char *path);

#endif
