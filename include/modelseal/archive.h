/* An archive file (tar in any flavour, compressed or not, zip, ...) read as
 * a model without extracting it: its regular-file members are the model's
 * files, and the root digest is the one of the extracted directory.
 *
 * The model root: when every member lies under one top-level directory, that
 * directory; otherwise the archive's top. A leading "./" is dropped. The
 * subject name is that directory's name, else the archive's base name without
 * its extensions (ms_archive_model_name). */
#ifndef MODELSEAL_ARCHIVE_H
#define MODELSEAL_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "modelseal/source.h"

struct archive;
struct archive_entry;

/* Sees the directories and the hashed regular files the checks accept, in
 * archive order, each file then with its bytes: how unpack extracts in the
 * same pass that hashes. Ignored members never reach it (they are not
 * signed), nor links: those come to link once every member is known, each
 * with the regular file member it stands for. name and target are member
 * names, normalised (no "./", no trailing "/"); they still carry the
 * top-level directory, which is only known to be the root at the end.
 * Callbacks return 0, or -1 after reporting. begin runs before each pass
 * over the archive (there may be a second one, see archive.c). */
struct ms_archive_sink {
	int (*begin)(void *ctx);
	int (*entry)(void *ctx, struct archive_entry *e, const char *name);
	int (*data)(void *ctx, const void *buf, size_t len, int64_t offset);
	int (*link)(void *ctx, const char *name, const char *target, int hard);
	void *ctx;
};

struct ms_archive_info {
	char *root;  /* the top-level directory that is the model root, or NULL */
	int refused; /* on failure: a member the rules refuse (an unsafe archive),
	                not a read error */
};
void ms_archive_info_free(struct ms_archive_info *info);

/* The archive source: reads the archive at path once, handing the bytes of
 * the regular file members it selects to the engine's sink, then lists the
 * model's files into out (see source.h). Refuses, with an error naming the
 * member (out->refused set): unsafe names (absolute, "..", empty or "."
 * components), duplicates, a file that is also a directory, links unless
 * o->allow_symlinks (then only to a regular file member inside the root,
 * listed as that file like the directory walk does; a hard link with data
 * never), devices, fifos, sockets; and with x (a signed statement), a file
 * or link member x does not list, before any of its bytes is read (an
 * ignored one is skipped), and bytes of a member past its signed size. Any
 * read error of a truncated or corrupt archive fails too. The archive is
 * read in the one format its name says (.tar .tar.gz .tgz .tar.bz2 .tar.xz
 * .txz .tar.zst .tzst .zip) and must read the same in libarchive as in the
 * other extractors: see archive.c and archive_int.h for what that refuses.
 * x and sink (unpack) may be NULL. -1 after reporting; out is then empty but
 * for refused. */
int ms_source_archive_read(const char *path, const struct ms_source_opts *o,
                           const struct ms_source_expect *x, const struct ms_archive_sink *sink,
                           const struct ms_source_sink *to, struct ms_source_list *out);

/* Reads the regular-file member `name` (relative to the model root, e.g.
 * "model.sig"), at most max bytes, NUL-terminated. It is looked for at the
 * archive's top and under the first member's top-level directory; *top gets
 * that directory (or NULL) so the caller can check that it is the root the
 * hash found. 1 found, 0 absent, -1 after reporting, -2 after reporting
 * that the archive is one the rules refuse (unsafe, or read differently by
 * other extractors). */
int ms_archive_read_member(const char *path, const char *name, size_t max, char **data, size_t *len,
                           char **top);

/* The name rules for one member. raw is the name as stored; on success *out
 * is the normalised name, or NULL for the archive's own top ("./"). Returns
 * NULL, or a reason why the name is refused. */
const char *ms_archive_check_name(const char *raw, char **out);

/* The archive's base name without archive and compression extensions
 * ("dir/bert.tar.zst" -> "bert"). Freshly allocated. */
char *ms_archive_model_name(const char *path);

/* Member names are file names, that is bytes, in UTF-8 on any system that
 * agrees on one: libarchive converts names through the C library's
 * character set, so this sets LC_CTYPE to C.UTF-8 once (names then pass
 * through unchanged). Called by the reader and by pack. */
void ms_archive_names_utf8(void);

/* Writes the signed model directory dir (model.sig required) into a new
 * archive at out, atomically (temp file, fsync, rename); the format follows
 * out's extension: .tar .tar.gz .tgz .tar.bz2 .tar.xz .txz .tar.zst .tzst
 * .zip. Every file, directory and inside symlink of dir goes in, under one
 * top-level directory named after dir, deterministically. -1 after
 * reporting. */
int ms_archive_pack(const char *dir, const char *out);
/* "dir.tar.zst" when libarchive has zstd built in, else "dir.tar.gz". */
char *ms_archive_default_path(const char *dir);

#endif
