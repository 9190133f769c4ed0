/* The archive reader's own parsers, which check that libarchive's reading
 * of an archive is the only one (see archive.c): the zip directory
 * (archive_zip.c) and the tar framing (archive_tar.c). Both are bounded and
 * refuse anything that common extractors (GNU tar, bsdtar, unzip, Python's
 * zipfile and tarfile) could read differently. */
#ifndef MODELSEAL_ARCHIVE_INT_H
#define MODELSEAL_ARCHIVE_INT_H

#include <stddef.h>
#include <stdint.h>

/* ---- zip ---- */

struct ms_zip_entry {
	char *name;         /* as stored: no NUL inside, never empty */
	uint64_t usize;     /* uncompressed size, from the central directory */
	uint64_t csize;     /* compressed size */
	uint64_t local_off; /* its local header */
	uint64_t end;       /* one past its data (and data descriptor) */
	uint32_t crc;
	uint16_t method, flags;
	int is_dir; /* the name ends in '/' */
};

struct ms_zip_dir {
	struct ms_zip_entry *v;
	size_t n;
};

/* Zip archives: the central directory is the members' list for unzip and
 * Python, libarchive's streaming reader walks the local headers instead.
 * This reads the end record and the central directory of the zip in fd
 * (size bytes) and checks that both lists are one: every byte of the file
 * is a local header, its data, its data descriptor, the central directory
 * or the end record, in that order, member after member, with no gap, no
 * overlap and nothing before or after; each local header agrees with its
 * central header (name, flags, method, CRC, sizes); no encryption, no
 * compression but stored and deflate, no archive comment, names in UTF-8
 * or ASCII, no NUL or backslash, no duplicate name. what names the archive
 * in errors. -1 after reporting. */
int ms_zip_dir_read(int fd, uint64_t size, const char *what, struct ms_zip_dir *d);
void ms_zip_dir_free(struct ms_zip_dir *d);

/* ---- tar ---- */

/* One member as the tar framing shows it: what GNU tar and Python read. */
struct ms_tar_record {
	char type;  /* '0' file, '5' directory, '2' symlink, '1' hard link */
	char *name; /* pax path, else GNU long name, else prefix/name */
	char *link; /* pax linkpath, else GNU long link, else linkname; or NULL */
	uint64_t size;
};

struct ms_tarscan;

/* Follows a tar stream's framing from bytes fed in order: offsets only
 * grow; a gap (bytes libarchive skipped) may only lie inside a member's
 * data. Refuses what extractors read differently: unknown or global
 * header types, a bad checksum, prefix or GNU fields where the format has
 * none, sizes that are not plain octal or base-256, data on directories and
 * links, sparse members, a regular file named like a directory, and any
 * non-zero byte after the end-of-archive block. what names the archive. */
struct ms_tarscan *ms_tarscan_new(const char *what);
/* 0, or -1 after reporting (refused). */
int ms_tarscan_feed(struct ms_tarscan *t, uint64_t off, const void *buf, size_t len);
/* At the end of the stream: -1 when it ends inside a header or a member. */
int ms_tarscan_end(struct ms_tarscan *t);
/* The next member the framing found, or NULL if there is none yet. Owned
 * by t, valid until the next call. */
const struct ms_tar_record *ms_tarscan_next(struct ms_tarscan *t);
void ms_tarscan_free(struct ms_tarscan *t);

#endif
