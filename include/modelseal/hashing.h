/* The hashing engine: walk a model, plan shards, hash them on a thread pool. */
#ifndef MODELSEAL_HASHING_H
#define MODELSEAL_HASHING_H

#include <stddef.h>
#include <stdint.h>

#include "modelseal/manifest.h"
#include "modelseal/source.h"

#define MS_DEFAULT_SHARD_SIZE ((uint64_t)64 << 20)

/* How to hash a model. Filled from HASHING options or from a statement. */
struct ms_hash_opts {
	enum ms_method method;
	enum ms_hash_alg alg;
	uint64_t shard_size; /* shards method only */
	unsigned jobs;       /* 0: online CPUs */
	int allow_symlinks;  /* symlinks to files inside the root are hashed */
	int ignore_git;      /* skip .git .gitattributes .github .gitignore at the root */
	char **ignore;       /* paths relative to the model root, normalised */
	size_t n_ignore;
	int archive; /* --archive: the model is an archive file's members */
};

void ms_hash_opts_init(struct ms_hash_opts *o);
/* The options that select the model's files, for its source. */
struct ms_source_opts ms_hash_source_opts(const struct ms_hash_opts *o);
void ms_hash_opts_free(struct ms_hash_opts *o);
/* Adds an --ignore path (relative to the model root); -1 with an error when it
 * is absolute, empty or climbs out with "..". */
int ms_hash_opts_add_ignore(struct ms_hash_opts *o, const char *path);

/* HASHING command-line options, shared by digest, hash, sign (and verify for
 * --ignore/-j). Put MS_HASHING_LONGOPTS in a command's option table and
 * MS_HASHING_SHORTOPTS in its short option string, then offer every option
 * to ms_hashing_option(): 1 consumed, 0 not a hashing option, -1 bad value
 * (already reported). */
enum {
	MS_OPT_METHOD = 0x200,
	MS_OPT_SHARD_SIZE,
	MS_OPT_HASH,
	MS_OPT_IGNORE,
	MS_OPT_NO_IGNORE_GIT,
	MS_OPT_ALLOW_SYMLINKS,
	MS_OPT_ARCHIVE,
	MS_OPT_JOBS = 'j',
};
#define MS_HASHING_SHORTOPTS "j:"
#define MS_HASHING_LONGOPTS                                                                        \
	{"method", required_argument, NULL, MS_OPT_METHOD},                                        \
	    {"shard-size", required_argument, NULL, MS_OPT_SHARD_SIZE},                            \
	    {"hash", required_argument, NULL, MS_OPT_HASH},                                        \
	    {"ignore", required_argument, NULL, MS_OPT_IGNORE},                                    \
	    {"no-ignore-git", no_argument, NULL, MS_OPT_NO_IGNORE_GIT},                            \
	    {"allow-symlinks", no_argument, NULL, MS_OPT_ALLOW_SYMLINKS},                          \
	    {"jobs", required_argument, NULL, MS_OPT_JOBS},                                        \
	{                                                                                          \
		"archive", no_argument, NULL, MS_OPT_ARCHIVE                                       \
	}
/* The HASHING part of a command's usage text. */
#define MS_HASHING_USAGE                                                                           \
	"HASHING:\n"                                                                               \
	"  --method shards|files   serialization method (default shards)\n"                        \
	"  --shard-size SIZE       shard size for --method shards: bytes, or 64MiB, 1G...\n"       \
	"  --hash sha256|blake2b   digest of each shard or file (default sha256)\n"                \
	"  --ignore PATH           leave PATH (relative to the model root) out; repeatable\n"      \
	"  --no-ignore-git         hash .git, .gitattributes, .github, .gitignore and\n"           \
	"                          .cache/huggingface too\n"                                       \
	"  --allow-symlinks        hash the targets of symlinks inside the model\n"                \
	"  -j, --jobs N            hashing threads (default: online CPUs)\n"                       \
	"  --archive               MODEL is an archive (tar, tar.gz/bz2/xz/zst, zip) whose\n"      \
	"                          members are hashed without extracting\n"

int ms_hashing_option(int opt, const char *arg, struct ms_hash_opts *o);

/* Option loop of a command that takes HASHING options and one MODEL operand:
 * hashing options go to o, others to on_extra (1 consumed, 0 unknown, -1
 * bad value, reported). -1 after reporting a usage error. With model NULL
 * the operands are left at optind for the caller. */
struct option;
int ms_parse_hashing_command(int argc, char **argv, const struct option *longopts,
                             const char *shortopts,
                             int (*on_extra)(int opt, const char *arg, void *ctx), void *ctx,
                             struct ms_hash_opts *o, const char **model);

/* Hashes the model at path (a directory or one regular file; with
 * o->archive, an archive file's members: see archive.h) into m: the
 * resources sorted into manifest order, the root digest, the serialization
 * fields and the subject name (base name of path). Shows progress on a
 * terminal. -1 after reporting any error (unreadable file, symlink refused,
 * file changed while hashed, ...); m is then empty. */
int ms_model_hash(const char *path, const struct ms_hash_opts *o, struct ms_manifest *m);

/* Lists the directory or file model at path (the directory source,
 * walk.h) with the files o selects: ms_walk_list and ms_walk_list_each
 * with o's source options. -1 after reporting. */
struct ms_walk;
struct ms_file;
int ms_walk_model(const char *path, const struct ms_hash_opts *o, struct ms_walk *w);
int ms_walk_model_each(const char *path, const struct ms_hash_opts *o, struct ms_walk *w,
                       int (*on_file)(void *ctx, const struct ms_walk *w, const struct ms_file *f),
                       void *ctx);

/* Hashes the archive at path as a model (ms_model_hash with o->archive):
 * the archive source (archive.h) reads it once and the engine hashes the
 * bytes as they come. With signed_m (verify, unpack), what the archive
 * holds is checked against it as it goes: a file or link member it does not
 * list is refused before any of its bytes is read (an ignored one is
 * skipped), and so are the bytes of a member past its signed size
 * (statements of the shards method have sizes). sink (unpack), signed_m and
 * info may be NULL; info->refused tells an archive the rules refuse from
 * one that cannot be read. -1 after reporting; m is then empty. */
struct ms_archive_sink;
struct ms_archive_info;
int ms_archive_hash(const char *path, const struct ms_hash_opts *o,
                    const struct ms_archive_sink *sink, struct ms_manifest *m,
                    struct ms_archive_info *info);
int ms_archive_hash_signed(const char *path, const struct ms_hash_opts *o,
                           const struct ms_manifest *signed_m, const struct ms_archive_sink *sink,
                           struct ms_manifest *m, struct ms_archive_info *info);

/* Hashes the files of a walk already made (verify lists and checks the
 * files before any is read). The same result as ms_model_hash otherwise. */
int ms_walk_hash(const struct ms_walk *w, const struct ms_hash_opts *o, struct ms_manifest *m);

/* verify's listing and hashing at once: lists the model at path into w
 * and, while it lists, hashes the files admit() lets through. admit sees a
 * copy of each file as it is listed, may lower its hash_limit, and reports
 * nothing: it must decide as the caller's filter of w (ms_walk_filter) will
 * once the walk is done, so that no file the caller leaves out is read.
 * ms_walk_hash_listed then hashes what the filtered w holds that was not
 * hashed yet: the same result as ms_walk_hash. On failure (-1, reported) w
 * is freed. Free the handle with ms_listed_hash_free after the hash. */
struct ms_listed_hash;
int ms_walk_model_hashing(const char *path, const struct ms_hash_opts *o,
                          int (*admit)(struct ms_file *f, void *ctx), void *ctx, struct ms_walk *w,
                          struct ms_listed_hash **h);
int ms_walk_hash_listed(struct ms_listed_hash *h, const struct ms_walk *w,
                        const struct ms_hash_opts *o, struct ms_manifest *m);
void ms_listed_hash_free(struct ms_listed_hash *h);

/* verify's listing ahead: a thread lists the model at path with the rules
 * o (taken: o is left empty) while the caller verifies the statement that
 * says which rules are right. ms_listing_ahead_take waits for it and hands
 * the listing over (1) when it went through and its rules select the same
 * files as want's; otherwise (0) the listing is dropped and the caller
 * lists again. The thread's errors are never shown: that listing reports
 * them. ms_listing_ahead_drop stops it early and drops it. Both free the
 * handle and accept NULL (the thread could not start). */
struct ms_listing_ahead;
struct ms_listing_ahead *ms_listing_ahead_start(const char *path, struct ms_hash_opts *o);
int ms_listing_ahead_take(struct ms_listing_ahead *a, const struct ms_hash_opts *want,
                          struct ms_walk *w);
void ms_listing_ahead_drop(struct ms_listing_ahead *a);

#define MS_MAX_PARTS 4096
/* Hashes only part `part` (0-based) of `parts` (at most MS_MAX_PARTS) balanced parts
 * of the walk: m then holds every resource of the whole model in manifest
 * order, but only those with (*part_of)[i] == part carry digests. Part k
 * owns the resources whose first byte, counted over the whole model, lies
 * in the k-th n-th of its bytes. *part_of is freshly allocated. */
int ms_walk_hash_part(const struct ms_walk *w, const struct ms_hash_opts *o, unsigned part,
                      unsigned parts, struct ms_manifest *m, uint16_t **part_of);

/* Online CPUs, at least 1. */
unsigned ms_online_cpus(void);

#endif
