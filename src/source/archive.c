/* The archive source: one pass over the members with libarchive, the
 * bytes handed to the engine's sink as they are read (see source.h).
 *
 * The model root is only known at the end (every member under one top-level
 * directory, or not). Ignore rules depend on it, so the pass assumes the
 * first member's top-level directory is the root while every member agrees.
 * If a later member disagrees after a member was skipped that the archive's
 * top would hash, a second pass hashes with the archive's top as the root.
 * Members hashed in vain are dropped at the end. Archives made by pack, and
 * almost all others, take one pass.
 *
 * Every member is checked as it arrives (name, type, clashes, the other
 * reading of the archive's framing, and with a signed statement whether it
 * is listed and within its signed size), before a sink sees it or a byte of
 * it is read. Links are resolved at the end, when all members are known.
 *
 * In an uncompressed tar on disk, a large member's bytes are one contiguous
 * range of the file; libarchive still parses every header and tells us where
 * the data starts, then skips it, and the range goes to the engine, whose
 * workers hash it straight from the file like a directory's file (mapped
 * windows, no copy, every core busy even with one big member). Everything
 * else is streamed. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unicase.h>
#include <uninorm.h>
#include <unistd.h>

#include "archive_int.h"
#include "modelseal/archive.h"
#include "modelseal/progress.h"
#include "modelseal/util.h"

/* The reader's block: big enough that a read costs little per byte. */
#define READ_BLOCK ((size_t)1 << 20)
/* Members of an uncompressed tar at least this big are hashed straight from
 * the file by the workers (see direct_offset). */
#define DIRECT_MIN ((uint64_t)4 << 20)
#define MAX_LINK_DEPTH 40

/* ---- names ---- */

const char *ms_archive_check_name(const char *raw, char **out)
{
	*out = NULL;
	if (!raw || !*raw)
		return "empty name";
	if (*raw == '/')
		return "absolute name";
	const char *p = raw;
	while (p[0] == '.' && p[1] == '/') {
		p += 2;
		while (*p == '/')
			p++;
	}
	if (strcmp(p, ".") == 0 || *p == '\0')
		return NULL; /* the archive's own top */
	size_t n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	char *name = ms_strndup(p, n);
	if (!ms_path_is_safe(name) || strcmp(name, ".") == 0) {
		int dotdot = strcmp(name, "..") == 0 || strncmp(name, "../", 3) == 0 ||
		             strstr(name, "/../") || (n >= 3 && strcmp(name + n - 3, "/..") == 0);
		free(name);
		return dotdot ? "name climbs out with '..'" : "empty or '.' component in name";
	}
	*out = name;
	return NULL;
}

char *ms_archive_model_name(const char *path)
{
	static const char *const filters[] = {".gz",   ".bz2", ".xz",   ".zst",
	                                      ".zstd", ".lz4", ".lzma", ".Z"};
	static const char *const archives[] = {".tar",  ".tgz", ".tbz", ".tbz2", ".txz",
	                                       ".tzst", ".zip", ".7z",  ".cpio", ".pax"};
	char *base = ms_basename(path);
	size_t n = strlen(base);
	for (int pass = 0; pass < 2; pass++) {
		const char *const *ext = pass ? archives : filters;
		size_t count = pass ? MS_ARRAY_LEN(archives) : MS_ARRAY_LEN(filters);
		for (size_t i = 0; i < count; i++) {
			size_t e = strlen(ext[i]);
			if (n > e && strcmp(base + n - e, ext[i]) == 0) {
				n -= e;
				base[n] = '\0';
				break;
			}
		}
	}
	return base;
}

void ms_archive_info_free(struct ms_archive_info *info)
{
	free(info->root);
	info->root = NULL;
}

void ms_archive_names_utf8(void)
{
	static int done;
	if (!done && !setlocale(LC_CTYPE, "C.UTF-8"))
		(void)setlocale(LC_CTYPE, "en_US.UTF-8");
	done = 1;
}

/* A member's name as bytes: the UTF-8 form libarchive decoded, else the
 * name as stored. */
static const char *member_name(struct archive_entry *e)
{
	const char *name = archive_entry_pathname_utf8(e);
	return name ? name : archive_entry_pathname(e);
}

/* ---- reading the file ----
 *
 * One archive, one reading: the format is the one the file's name says,
 * read by libarchive with only that format's reader (and for a compressed
 * tar, only that decompressor), and checked against a second, independent
 * reading of its framing: for zip the central directory (archive_zip.c,
 * what unzip and Python read), for tar the header blocks (archive_tar.c,
 * what GNU tar and Python read). Every member libarchive yields must be the
 * next member of that reading, with the same name, type and size, and
 * nothing may follow the end of the archive: not in the file, not in the
 * decompressed stream. */

enum kind { K_TAR, K_GZIP, K_BZIP2, K_XZ, K_ZSTD, K_ZIP };

static const struct {
	const char *ext;
	enum kind kind;
} extensions[] = {
    {".tar", K_TAR},      {".tar.gz", K_GZIP}, {".tgz", K_GZIP},      {".tar.bz2", K_BZIP2},
    {".tbz2", K_BZIP2},   {".tbz", K_BZIP2},   {".tar.xz", K_XZ},     {".txz", K_XZ},
    {".tar.zst", K_ZSTD}, {".tzst", K_ZSTD},   {".tar.zstd", K_ZSTD}, {".zip", K_ZIP},
};

static const char *const kind_names[] = {"tar",
                                         "gzip-compressed tar",
                                         "bzip2-compressed tar",
                                         "xz-compressed tar",
                                         "zstd-compressed tar",
                                         "zip"};

/* The kind the name says; -1 after reporting an unknown extension. */
static int kind_of(const char *path)
{
	size_t n = strlen(path);
	for (size_t i = 0; i < MS_ARRAY_LEN(extensions); i++) {
		size_t e = strlen(extensions[i].ext);
		if (n > e && strcasecmp(path + n - e, extensions[i].ext) == 0)
			return (int)extensions[i].kind;
	}
	ms_error("archive '%s': unknown archive type: modelseal reads .tar, .tar.gz (.tgz), "
	         ".tar.bz2 (.tbz2), .tar.xz (.txz), .tar.zst (.tzst) and .zip, each only in "
	         "the format its name says",
	         path);
	return -1;
}

/* Kinds by their first bytes: ours, and one for the compressed formats
 * modelseal does not read but libarchive (in bsdtar) detects. */
#define K_OTHER 6
static const char *const magic_names[] = {
    "tar", "gzip", "bzip2", "xz", "zstd", "zip", "compress, lz4, lzip or lzop"};

/* What the first bytes of the file say it is, as a set of kinds (bit k for
 * kind k): extractors that detect the format by these bytes (bsdtar, GNU
 * tar, file(1)) must find one answer. A tar is known by its ustar magic at
 * byte 257. */
static unsigned kinds_by_magic(const uint8_t *b, size_t n)
{
	static const struct {
		const char *magic;
		size_t off, len;
		int kind;
	} magics[] = {
	    {"ustar", 257, 5, K_TAR},
	    {"\x1f\x8b", 0, 2, K_GZIP},
	    {"BZh", 0, 3, K_BZIP2},
	    {"\xfd\x37\x7a\x58\x5a\x00", 0, 6, K_XZ},
	    {"\x28\xb5\x2f\xfd", 0, 4, K_ZSTD},
	    {"PK\3\4", 0, 4, K_ZIP},
	    {"PK\5\6", 0, 4, K_ZIP},
	    {"\x1f\x9d", 0, 2, K_OTHER},
	    {"\x04\x22\x4d\x18", 0, 4, K_OTHER},
	    {"LZIP", 0, 4, K_OTHER},
	    {"\x89LZO\x00\r\n\x1a\n", 0, 9, K_OTHER},
	};
	unsigned set = 0;
	for (size_t i = 0; i < MS_ARRAY_LEN(magics); i++)
		if (n >= magics[i].off + magics[i].len &&
		    memcmp(b + magics[i].off, magics[i].magic, magics[i].len) == 0)
			set |= 1u << magics[i].kind;
	return set;
}

/* Content of another kind than the name says is refused before any reader
 * sees it (a zip named .tar, a plain tar named .tar.gz), and so is content
 * that looks like two kinds (a tar whose first member is named "BZh...":
 * bsdtar takes it for bzip2). Without any magic, libarchive's reader
 * decides, and what it cannot read is an error. */
static int check_magic(int fd, const char *path, enum kind want)
{
	uint8_t b[512];
	ssize_t n;
	do
		n = pread(fd, b, sizeof b, 0);
	while (n < 0 && errno == EINTR);
	unsigned set = n > 0 ? kinds_by_magic(b, (size_t)n) : 0;
	if (set == 0 || set == 1u << want)
		return 0;
	if (set & (1u << want)) {
		unsigned other = set & ~(1u << want);
		int k = 0;
		while (!(other & (1u << k)))
			k++;
		ms_error("archive '%s': its first bytes also look like %s data: extractors that "
		         "detect the format would read it differently",
		         path, magic_names[k]);
		return -1;
	}
	int k = 0;
	while (!(set & (1u << k)))
		k++;
	ms_error("archive '%s' holds %s data, not a %s archive as its name says", path,
	         magic_names[k], kind_names[want]);
	return -1;
}

struct reader {
	const char *path;
	int fd;
	uint64_t size; /* at open */
	uint64_t off;  /* next byte to read */
	uint8_t *buf;  /* the block libarchive holds now */
	uint64_t buf_off;
	size_t buf_len;
	struct ms_progress *progress;
	struct timespec drawn;
	int direct_skip; /* skipping a member the workers hash from the file */
	enum kind kind;
	struct archive *outer;   /* compressed tar: the decompressor the tar reader reads */
	uint64_t out_off;        /* ... its offset in the decompressed stream */
	struct ms_tarscan *scan; /* tar: the framing */
	struct ms_zip_dir zip;   /* zip: the central directory */
	size_t n_entries;        /* members libarchive yielded */
	int refused;             /* a check refused the archive (reported) */
};

/* Progress counts bytes read or skipped from the archive, except the skips
 * over members the workers hash from the file: they count as hashed. */
static void tick(struct reader *r, uint64_t n)
{
	if (!r->progress)
		return;
	ms_progress_add(r->progress, n);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((now.tv_sec - r->drawn.tv_sec) * 1000 + (now.tv_nsec - r->drawn.tv_nsec) / 1000000 >=
	    100) {
		ms_progress_draw(r->progress);
		r->drawn = now;
	}
}

static ssize_t read_file_block(struct reader *r)
{
	ssize_t n;
	do
		n = pread(r->fd, r->buf, READ_BLOCK, (off_t)r->off);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	r->buf_off = r->off;
	r->buf_len = (size_t)n;
	r->off += (uint64_t)n;
	tick(r, (uint64_t)n);
	return n;
}

/* The framing check saw something it refuses: libarchive stops with our
 * message already printed. */
static la_ssize_t scan_refused(struct archive *a, struct reader *r)
{
	r->refused = 1;
	archive_set_error(a, EINVAL, "refused");
	return -1;
}

static la_ssize_t rd_read(struct archive *a, void *cd, const void **out)
{
	struct reader *r = cd;
	ssize_t n = read_file_block(r);
	if (n < 0) {
		archive_set_error(a, errno, "read error");
		return -1;
	}
	if (r->kind == K_TAR && ms_tarscan_feed(r->scan, r->buf_off, r->buf, (size_t)n) < 0)
		return scan_refused(a, r);
	*out = r->buf;
	return n;
}

/* Never past the end: a member that claims more than the file holds then
 * reads as truncated. */
static la_int64_t rd_skip(struct archive *a, void *cd, la_int64_t request)
{
	(void)a;
	struct reader *r = cd;
	uint64_t left = r->off < r->size ? r->size - r->off : 0;
	uint64_t n = (uint64_t)request < left ? (uint64_t)request : left;
	r->off += n;
	if (!r->direct_skip)
		tick(r, n);
	return (la_int64_t)n;
}

static la_int64_t rd_seek(struct archive *a, void *cd, la_int64_t offset, int whence)
{
	struct reader *r = cd;
	int64_t base = whence == SEEK_SET   ? 0
	               : whence == SEEK_CUR ? (int64_t)r->off
	                                    : (int64_t)r->size;
	if (offset < -base || (offset > 0 && base > INT64_MAX - offset)) {
		archive_set_error(a, EINVAL, "seek out of the file");
		return ARCHIVE_FATAL;
	}
	r->off = (uint64_t)(base + offset);
	return (la_int64_t)r->off;
}

/* The tar reader of a compressed tar reads the decompressed stream, which
 * the framing check sees first. */
static la_ssize_t inner_read(struct archive *a, void *cd, const void **out)
{
	struct reader *r = cd;
	const void *buf;
	size_t len = 0;
	la_int64_t off;
	int rc;
	do
		rc = archive_read_data_block(r->outer, &buf, &len, &off);
	while (rc == ARCHIVE_OK && len == 0);
	if (rc == ARCHIVE_EOF)
		return 0;
	if (rc != ARCHIVE_OK) {
		archive_set_error(a, archive_errno(r->outer), "%s", archive_error_string(r->outer));
		return -1;
	}
	if (ms_tarscan_feed(r->scan, r->out_off, buf, len) < 0)
		return scan_refused(a, r);
	r->out_off += len;
	*out = buf;
	return (la_ssize_t)len;
}

static void reader_close(struct reader *r)
{
	if (r->outer)
		archive_read_free(r->outer);
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	ms_tarscan_free(r->scan);
	ms_zip_dir_free(&r->zip);
	memset(r, 0, sizeof *r);
	r->fd = -1;
}

static int filter_code(enum kind k)
{
	switch (k) {
	case K_GZIP:
		return ARCHIVE_FILTER_GZIP;
	case K_BZIP2:
		return ARCHIVE_FILTER_BZIP2;
	case K_XZ:
		return ARCHIVE_FILTER_XZ;
	case K_ZSTD:
		return ARCHIVE_FILTER_ZSTD;
	default:
		return ARCHIVE_FILTER_NONE;
	}
}

static void support_filter(struct archive *a, enum kind k)
{
	if (k == K_GZIP)
		archive_read_support_filter_gzip(a);
	else if (k == K_BZIP2)
		archive_read_support_filter_bzip2(a);
	else if (k == K_XZ)
		archive_read_support_filter_xz(a);
	else if (k == K_ZSTD)
		archive_read_support_filter_zstd(a);
}

static int open_failed(struct reader *r, struct archive *a)
{
	if (!r->refused)
		ms_error("archive '%s' is not a %s archive as its name says, or is corrupt or "
		         "truncated: %s",
		         r->path, kind_names[r->kind], archive_error_string(a));
	archive_read_free(a);
	return -1;
}

/* The decompressor of a compressed tar: libarchive's raw format over the
 * one filter the name says, and nothing else (not a second layer). */
static int open_outer(struct reader *r)
{
	struct archive *a = archive_read_new();
	if (!a) {
		ms_error("cannot set up libarchive");
		return -1;
	}
	support_filter(a, r->kind);
	archive_read_support_format_raw(a);
	archive_read_set_callback_data(a, r);
	archive_read_set_read_callback(a, rd_read);
	archive_read_set_skip_callback(a, rd_skip);
	struct archive_entry *e;
	if (archive_read_open1(a) != ARCHIVE_OK || archive_read_next_header(a, &e) != ARCHIVE_OK)
		return open_failed(r, a);
	if (archive_filter_count(a) != 2 || archive_filter_code(a, 0) != filter_code(r->kind)) {
		ms_error("archive '%s' is not a %s archive as its name says", r->path,
		         kind_names[r->kind]);
		r->refused = 1;
		archive_read_free(a);
		return -1;
	}
	r->outer = a;
	return 0;
}

static struct archive *open_reader(struct reader *r)
{
	struct archive *a = archive_read_new();
	if (!a) {
		ms_error("cannot set up libarchive");
		return NULL;
	}
	archive_read_set_callback_data(a, r);
	if (r->kind == K_ZIP) {
		/* The seekable reader, which reads the central directory. */
		archive_read_support_format_zip_seekable(a);
		archive_read_set_read_callback(a, rd_read);
		archive_read_set_skip_callback(a, rd_skip);
		archive_read_set_seek_callback(a, rd_seek);
	} else {
		archive_read_support_format_tar(a);
		archive_read_set_read_callback(a, r->outer ? inner_read : rd_read);
		if (!r->outer)
			archive_read_set_skip_callback(a, rd_skip);
	}
	if (archive_read_open1(a) != ARCHIVE_OK) {
		open_failed(r, a);
		return NULL;
	}
	return a;
}

static struct archive *open_archive(const char *path, struct reader *r)
{
	memset(r, 0, sizeof *r);
	r->fd = -1;
	r->path = path;
	ms_archive_names_utf8();
	int kind = kind_of(path);
	if (kind < 0) {
		r->refused = 1;
		return NULL;
	}
	r->kind = (enum kind)kind;
	struct stat st;
	r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (r->fd < 0 || fstat(r->fd, &st) < 0) {
		ms_error("cannot open archive '%s': %s", path, strerror(errno));
		reader_close(r);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		ms_error("archive '%s' is not a regular file", path);
		reader_close(r);
		return NULL;
	}
	r->size = (uint64_t)st.st_size;
	r->buf = ms_malloc(READ_BLOCK);
	if (check_magic(r->fd, path, r->kind) < 0) {
		r->refused = 1;
		return NULL;
	}
	if (r->kind == K_ZIP && ms_zip_dir_read(r->fd, r->size, path, &r->zip) < 0) {
		r->refused = 1;
		return NULL;
	}
	if (r->kind != K_ZIP)
		r->scan = ms_tarscan_new(path);
	if (r->kind != K_ZIP && r->kind != K_TAR && open_outer(r) < 0)
		return NULL;
	return open_reader(r);
}

/* Names as every reader compares them: no leading "./", no trailing '/'. */
static int same_name(const char *a, const char *b)
{
	if (!a || !b)
		return 0;
	while (a[0] == '.' && a[1] == '/')
		a += 2;
	while (b[0] == '.' && b[1] == '/')
		b += 2;
	size_t na = strlen(a), nb = strlen(b);
	while (na > 0 && a[na - 1] == '/')
		na--;
	while (nb > 0 && b[nb - 1] == '/')
		nb--;
	return na == nb && memcmp(a, b, na) == 0;
}

static int differs(struct reader *r, const char *name, const char *how)
{
	ms_error("archive '%s': member '%s' reads differently in other extractors (%s)", r->path,
	         name ? name : "", how);
	r->refused = 1;
	return -1;
}

static int check_tar_entry(struct reader *r, struct archive_entry *e, const char *name)
{
	const struct ms_tar_record *t = ms_tarscan_next(r->scan);
	if (!t)
		return differs(r, name, "not a member of the tar framing");
	if (!same_name(t->name, name) && !same_name(t->name, archive_entry_pathname(e)))
		return differs(r, name, "another name in the tar headers");
	const char *hard = archive_entry_hardlink(e);
	mode_t ft = archive_entry_filetype(e);
	int ok = t->type == '1'   ? hard && same_name(t->link, hard)
	         : t->type == '2' ? !hard && ft == AE_IFLNK && archive_entry_symlink(e) &&
	                                strcmp(t->link, archive_entry_symlink(e)) == 0
	         : t->type == '5' ? !hard && ft == AE_IFDIR
	                          : !hard && ft == AE_IFREG && archive_entry_size_is_set(e) &&
	                                (uint64_t)archive_entry_size(e) == t->size;
	return ok ? 0 : differs(r, name, "another type, size or link in the tar headers");
}

static int check_zip_entry(struct reader *r, struct archive_entry *e, const char *name)
{
	if (r->n_entries >= r->zip.n)
		return differs(r, name, "not in the zip central directory");
	const struct ms_zip_entry *z = &r->zip.v[r->n_entries];
	if (!same_name(z->name, name))
		return differs(r, name, "another name in the zip central directory");
	mode_t ft = archive_entry_filetype(e);
	int ok = !archive_entry_hardlink(e) && ft == (z->is_dir ? AE_IFDIR : AE_IFREG) &&
	         (z->is_dir ||
	          (archive_entry_size_is_set(e) && (uint64_t)archive_entry_size(e) == z->usize));
	return ok ? 0 : differs(r, name, "another type or size in the zip central directory");
}

/* The member libarchive yielded is the next one of the other reading. */
static int cross_check(struct reader *r, struct archive_entry *e)
{
	const char *name = member_name(e);
	int rc = r->kind == K_ZIP ? check_zip_entry(r, e, name) : check_tar_entry(r, e, name);
	r->n_entries++;
	return rc;
}

/* Bytes of the file after what libarchive read: the tar stream's tail. */
static int scan_file_tail(struct reader *r)
{
	while (r->off < r->size) {
		ssize_t n = read_file_block(r);
		if (n <= 0) {
			ms_error("archive '%s': cannot read: %s", r->path,
			         n < 0 ? strerror(errno) : "file shrank");
			return -1;
		}
		if (ms_tarscan_feed(r->scan, r->buf_off, r->buf, (size_t)n) < 0)
			return -1;
	}
	return 0;
}

/* The decompressed stream's tail, then the compressed file's: the
 * decompressor must have used every byte of the file. */
static int scan_stream_tail(struct reader *r)
{
	struct archive *dummy = archive_read_new(); /* holds inner_read's error */
	if (!dummy) {
		ms_error("cannot set up libarchive");
		return -1;
	}
	const void *buf;
	la_ssize_t n;
	while ((n = inner_read(dummy, r, &buf)) > 0)
		;
	if (n < 0 && !r->refused)
		ms_error("archive '%s' is corrupt or truncated: %s", r->path,
		         archive_error_string(dummy));
	archive_read_free(dummy);
	if (n < 0)
		return -1;
	int64_t used = archive_filter_bytes(r->outer, archive_filter_count(r->outer) - 1);
	if (used < 0 || (uint64_t)used != r->size) {
		ms_error("archive '%s': data after the end of the compressed stream", r->path);
		r->refused = 1;
		return -1;
	}
	return 0;
}

/* After libarchive's last member: the other reading ends there too. */
static int check_end(struct reader *r)
{
	if (r->kind == K_ZIP) {
		if (r->n_entries == r->zip.n)
			return 0;
		ms_error("archive '%s': the zip central directory lists members libarchive did "
		         "not read",
		         r->path);
		r->refused = 1;
		return -1;
	}
	int rc = r->outer ? scan_stream_tail(r) : scan_file_tail(r);
	if (rc == 0 && (ms_tarscan_end(r->scan) < 0 || ms_tarscan_next(r->scan)))
		rc = differs(r, NULL, "tar headers that libarchive did not read");
	if (rc < 0)
		r->refused = 1;
	return rc;
}

/* Next header: 1 entry, 0 end (after the end checks), -1 reported.
 * Warnings (an odd pax record, a name in another charset) let the entry
 * through: its name is still checked, and must be the other reading's. */
static int next_header(struct archive *a, struct reader *r, struct archive_entry **e)
{
	int rc = archive_read_next_header(a, e);
	if (rc == ARCHIVE_EOF)
		return check_end(r) < 0 ? -1 : 0;
	if (rc == ARCHIVE_WARN)
		ms_warn("archive '%s': %s", r->path, archive_error_string(a));
	if (rc == ARCHIVE_OK || rc == ARCHIVE_WARN)
		return cross_check(r, *e) < 0 ? -1 : 1;
	if (!r->refused)
		ms_error("archive '%s' is corrupt or truncated: %s", r->path,
		         archive_error_string(a));
	return -1;
}

/* ---- a set of names: duplicates and file/directory clashes ---- */

struct nameset {
	char **slot; /* owned strings; NULL = free */
	unsigned char *is_dir;
	size_t cap, n;
};

static uint64_t name_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

/* The slot holding name[0..n), or the free slot where it would go. */
static size_t nameset_find(const struct nameset *ns, const char *name, size_t n)
{
	size_t i = (size_t)name_hash(name, n) & (ns->cap - 1);
	while (ns->slot[i] && (strncmp(ns->slot[i], name, n) != 0 || ns->slot[i][n] != '\0'))
		i = (i + 1) & (ns->cap - 1);
	return i;
}

static void nameset_grow(struct nameset *ns)
{
	struct nameset old = *ns;
	ns->cap = old.cap ? 2 * old.cap : 256;
	ns->slot = ms_calloc(ns->cap, sizeof *ns->slot);
	ns->is_dir = ms_calloc(ns->cap, 1);
	for (size_t i = 0; i < old.cap; i++) {
		if (!old.slot[i])
			continue;
		size_t k = nameset_find(ns, old.slot[i], strlen(old.slot[i]));
		ns->slot[k] = old.slot[i];
		ns->is_dir[k] = old.is_dir[i];
	}
	free(old.slot);
	free(old.is_dir);
}

/* -1 absent, else whether it is a directory. */
static int nameset_get(const struct nameset *ns, const char *name, size_t n)
{
	if (!ns->cap)
		return -1;
	size_t k = nameset_find(ns, name, n);
	return ns->slot[k] ? ns->is_dir[k] : -1;
}

static void nameset_put(struct nameset *ns, const char *name, size_t n, int is_dir)
{
	if (2 * (ns->n + 1) > ns->cap)
		nameset_grow(ns);
	size_t k = nameset_find(ns, name, n);
	if (!ns->slot[k]) {
		ns->slot[k] = ms_strndup(name, n);
		ns->n++;
	}
	ns->is_dir[k] = (unsigned char)is_dir;
}

static void nameset_free(struct nameset *ns)
{
	for (size_t i = 0; i < ns->cap; i++)
		free(ns->slot[i]);
	free(ns->slot);
	free(ns->is_dir);
}

/* ---- one pass ---- */

enum mtype { M_FILE, M_DIR, M_SYMLINK, M_HARDLINK };

struct member {
	char *name; /* normalised, from the archive's top */
	enum mtype type;
	char *target; /* symlink text, or the hard link's member name */
	int hashed;   /* files: its bytes were hashed */
	size_t data;  /* hashed: the id its bytes went to the engine under */
	uint64_t size;
	uint64_t limit; /* with a signed statement: its signed size */
};

struct pass {
	const char *path;
	const struct ms_source_opts *o;
	const struct ms_archive_sink *sink;
	const struct ms_source_expect *expect; /* or NULL */
	const struct ms_source_sink *to;
	struct reader rd;
	struct archive *a;
	char **ign;
	size_t n_ign;
	int flat;    /* the archive's top is the root */
	char *top;   /* while !flat: the top-level directory assumed to be the root */
	int debt;    /* skipped a member that the archive's top as root would hash */
	int refused; /* failed on a member the rules refuse (not a read error) */
	struct member *mem;
	size_t n_mem, mem_cap;
	struct nameset names;  /* every member and every directory above one */
	struct nameset folded; /* unpack: the same, case-folded and in NFC */
	size_t n_data;         /* ids handed to the engine */
};

/* After reporting a member the rules refuse: verify then fails (exit 1)
 * rather than erroring out. */
static int refuse(struct pass *p)
{
	p->refused = 1;
	return -1;
}

/* The member's path below the assumed root. */
static const char *rel_name(const struct pass *p, const char *name)
{
	if (p->flat || !p->top)
		return name;
	size_t n = strlen(p->top);
	return name[n] == '\0' ? "" : name + n + 1;
}

static int is_ignored(const struct pass *p, const char *name)
{
	const char *rel = rel_name(p, name);
	return *rel && ms_ignore_match(p->ign, p->n_ign, rel);
}

/* Keeps the assumed root up to date with one more member. 1 when the pass
 * must start again with the archive's top as the root. */
static int update_top(struct pass *p, const char *name, int is_dir)
{
	if (p->flat)
		return 0;
	size_t n = strcspn(name, "/");
	if (!p->top) {
		if (name[n] == '\0' && !is_dir)
			p->flat = 1; /* a file at the top */
		else
			p->top = ms_strndup(name, n);
		return 0;
	}
	if (strlen(p->top) == n && strncmp(name, p->top, n) == 0 && (name[n] == '/' || is_dir))
		return 0;
	p->flat = 1;
	return p->debt;
}

static struct member *add_member(struct pass *p, char *name, enum mtype type)
{
	if (p->n_mem == p->mem_cap) {
		p->mem_cap = p->mem_cap ? 2 * p->mem_cap : 64;
		p->mem = ms_reallocarray(p->mem, p->mem_cap, sizeof *p->mem);
	}
	struct member *m = &p->mem[p->n_mem++];
	*m = (struct member){.name = name, .type = type};
	return m;
}

/* ---- feeding a member's bytes to the engine ---- */

struct feed {
	struct pass *p;
	struct member *m;
	uint64_t pos;
};

static int check_limit(struct pass *p, const struct member *m, uint64_t size);

/* Sparse members are refused: a few bytes of map could declare petabytes
 * of holes to hash. Any other member's blocks follow one another. */
static int feed_block(struct feed *f, struct archive_entry *e, const void *buf, size_t len,
                      la_int64_t off)
{
	if (archive_entry_sparse_count(e) > 0) {
		ms_error("archive '%s': member '%s' is a sparse file, which modelseal does not "
		         "accept",
		         f->p->path, f->m->name);
		return refuse(f->p);
	}
	if (off < 0 || (uint64_t)off != f->pos) {
		ms_error("archive '%s': member '%s' has data out of order", f->p->path, f->m->name);
		return -1;
	}
	if (len > f->m->limit - f->pos)
		return check_limit(f->p, f->m, f->pos + len);
	if (f->p->sink && f->p->sink->data(f->p->sink->ctx, buf, len, off) < 0)
		return -1;
	f->pos += len;
	return f->m->hashed ? f->p->to->bytes(f->p->to->ctx, buf, len) : 0;
}

static int feed_end(struct feed *f)
{
	if (!f->m->hashed)
		return 0;
	f->m->size = f->pos;
	return f->p->to->end(f->p->to->ctx);
}

/* ---- hashing a member ---- */

static int plain_tar(struct archive *a)
{
	return (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_TAR &&
	       archive_filter_count(a) == 1 && archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE;
}

/* Where the member's bytes lie in the file, when they are one plain range of
 * it: an uncompressed tar keeps a non-sparse member contiguous, and the
 * first block libarchive hands back points into our own read buffer, which
 * gives its exact offset. -1 when this member must be streamed. */
static int64_t direct_offset(struct pass *p, struct archive_entry *e, const void *buf, size_t len,
                             la_int64_t off)
{
	const uint8_t *b = buf;
	if (p->sink || !plain_tar(p->a) || !archive_entry_size_is_set(e) ||
	    (uint64_t)archive_entry_size(e) < DIRECT_MIN || archive_entry_sparse_count(e) > 0 ||
	    off != 0 || b < p->rd.buf || b + len > p->rd.buf + p->rd.buf_len)
		return -1;
	return (int64_t)(p->rd.buf_off + (uint64_t)(b - p->rd.buf));
}

static int read_error(struct pass *p, const struct member *m)
{
	if (p->rd.refused)
		return -1;
	ms_error("archive '%s' is corrupt or truncated at member '%s': %s", p->path, m->name,
	         archive_error_string(p->a));
	return -1;
}

static int hash_direct(struct pass *p, struct member *m, uint64_t foff, uint64_t size)
{
	if (foff + size > p->rd.size) {
		ms_error("archive '%s' is truncated: member '%s' ends past the end of the file",
		         p->path, m->name);
		return -1;
	}
	if (p->to->range(p->to->ctx, m->data, p->rd.fd, foff, size, m->name) < 0)
		return -1;
	m->size = size;
	/* The part already read counted once; the workers count all of it. */
	uint64_t read = p->rd.buf_off + p->rd.buf_len - foff;
	atomic_fetch_sub(&p->rd.progress->done, read < size ? read : size);
	p->rd.direct_skip = 1;
	int r = archive_read_data_skip(p->a);
	p->rd.direct_skip = 0;
	return r == ARCHIVE_OK ? 0 : read_error(p, m);
}

/* Streams the member's data (to the sink and, if hashed, to the engine). */
static int read_member_data(struct pass *p, struct archive_entry *e, struct member *m)
{
	struct feed f = {.p = p, .m = m};
	const void *buf;
	size_t len;
	la_int64_t off;
	int r = archive_read_data_block(p->a, &buf, &len, &off);
	if (m->hashed) {
		m->data = p->n_data++;
		int64_t foff = r == ARCHIVE_OK ? direct_offset(p, e, buf, len, off) : -1;
		if (foff >= 0)
			return hash_direct(p, m, (uint64_t)foff, (uint64_t)archive_entry_size(e));
		if (p->to->file(p->to->ctx, m->data) < 0)
			return -1;
	}
	for (; r == ARCHIVE_OK; r = archive_read_data_block(p->a, &buf, &len, &off))
		if (feed_block(&f, e, buf, len, off) < 0)
			return -1;
	if (r != ARCHIVE_EOF)
		return read_error(p, m);
	/* Python stops a zip member at its size, libarchive at the end of its
	 * deflate stream: they must be one. */
	if (archive_entry_size_is_set(e) && f.pos != (uint64_t)archive_entry_size(e))
		return differs(&p->rd, m->name, "its data is not the size its header says");
	return feed_end(&f);
}

static const char *kind_name(mode_t type)
{
	switch (type) {
	case AE_IFCHR:
		return "character device";
	case AE_IFBLK:
		return "block device";
	case AE_IFIFO:
		return "fifo";
	case AE_IFSOCK:
		return "socket";
	default:
		return "special file";
	}
}

/* dir(link) + "/" + text with "." and ".." applied; NULL when it climbs out
 * of the archive or is absolute. */
static char *join_link(const char *link, const char *text)
{
	if (*text == '/')
		return NULL;
	char *dir = ms_dirname(link);
	char *joined = strcmp(dir, ".") == 0 ? ms_strdup(text) : ms_asprintf("%s/%s", dir, text);
	free(dir);
	struct ms_buf b = {0};
	int ok = 1;
	for (char *save = NULL, *c = strtok_r(joined, "/", &save); c && ok;
	     c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			char *slash = b.len ? memrchr(b.data, '/', b.len) : NULL;
			ok = b.len > 0;
			b.len = slash ? (size_t)(slash - b.data) : 0;
			continue;
		}
		if (b.len)
			ms_buf_append(&b, "/", 1);
		ms_buf_append(&b, c, strlen(c));
	}
	free(joined);
	if (!ok || !b.len) {
		ms_buf_free(&b);
		return NULL;
	}
	ms_buf_append(&b, "", 1);
	return b.data;
}

/* The member's type and link target; -1 after reporting what is refused. */
static int classify(struct pass *p, struct archive_entry *e, const char *name, enum mtype *type,
                    char **target)
{
	const char *hard = archive_entry_hardlink(e);
	mode_t ft = archive_entry_filetype(e);
	*target = NULL;
	if (hard || ft == AE_IFLNK) {
		if (!p->o->allow_symlinks) {
			ms_error("archive member '%s' is a %s link (use --allow-symlinks to hash "
			         "its target)",
			         name, hard ? "hard" : "symbolic");
			return refuse(p);
		}
		if (hard && archive_entry_size_is_set(e) && archive_entry_size(e) > 0) {
			ms_error("archive member '%s' is a hard link with data (extractors "
			         "disagree on which bytes it holds)",
			         name);
			return refuse(p);
		}
		if (hard) {
			const char *why = ms_archive_check_name(hard, target);
			if (why || !*target) {
				ms_error("archive member '%s': hard link target '%s': %s", name,
				         hard, why ? why : "the archive's top");
				return refuse(p);
			}
			/* Extractors link to what is on disk already: a target
			 * that comes later (or is a directory) fails there. */
			if (nameset_get(&p->names, *target, strlen(*target)) != 0) {
				ms_error("archive member '%s' is a hard link to '%s', which is not "
				         "a file before it in the archive",
				         name, *target);
				free(*target);
				*target = NULL;
				return refuse(p);
			}
			*type = M_HARDLINK;
			return 0;
		}
		const char *text = archive_entry_symlink(e);
		if (!text || !*text) {
			ms_error("archive member '%s': symbolic link without a target", name);
			return refuse(p);
		}
		/* Refused now, not only at the end: unpack must not even create
		 * it in its private directory. */
		char *to = join_link(name, text);
		free(to);
		if (!to) {
			ms_error("archive member '%s' is a link that points outside the archive",
			         name);
			return refuse(p);
		}
		*target = ms_strdup(text);
		*type = M_SYMLINK;
		return 0;
	}
	if (ft == AE_IFREG || ft == AE_IFDIR) {
		*type = ft == AE_IFREG ? M_FILE : M_DIR;
		return 0;
	}
	ms_error("archive member '%s' is a %s: a model holds only files and directories", name,
	         kind_name(ft));
	return refuse(p);
}

/* One name component as a case-insensitive or normalising file system
 * (macOS, Windows) may see it, appended to b: case-folded and in NFC by
 * libunistring, so "W" and "w" fold to one name, and so do A with
 * diaeresis (U+00C4), a with diaeresis (U+00E4) and "a" + combining
 * diaeresis (U+0308). Full folding also joins some names such a file system
 * keeps apart (sharp s and "ss"): unpack refuses a little more than it
 * must, never less. A component that is not UTF-8 is folded in ASCII only. */
static void fold_component(struct ms_buf *b, const char *c, size_t n)
{
	size_t len = 0;
	uint8_t *f = u8_casefold((const uint8_t *)c, n, NULL, UNINORM_NFC, NULL, &len);
	if (f) {
		ms_buf_append(b, f, len);
		free(f);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char ch = c[i] >= 'A' && c[i] <= 'Z' ? (char)(c[i] - 'A' + 'a') : c[i];
		ms_buf_append(b, &ch, 1);
	}
}

/* Unpack only: names that differ only in case or in Unicode normalisation
 * are one file on a case-insensitive or normalising file system, where the
 * second would overwrite the verified first. Each prefix of name (its
 * directories, then itself) that is new must be new folded too. */
static int check_case(struct pass *p, const char *name)
{
	struct ms_buf fold = {0};
	int rc = 0;
	for (size_t n = 0, start = 0; rc == 0; n++) {
		if (name[n] != '/' && name[n] != '\0')
			continue;
		if (start)
			ms_buf_append(&fold, "/", 1);
		fold_component(&fold, name + start, n - start);
		if (nameset_get(&p->names, name, n) < 0 &&
		    nameset_get(&p->folded, fold.data, fold.len) >= 0) {
			ms_error("archive '%s': '%.*s' differs from another member only in case or "
			         "Unicode normalisation (on a case-insensitive or normalising file "
			         "system one would overwrite the other)",
			         p->path, (int)n, name);
			rc = refuse(p);
		}
		nameset_put(&p->folded, fold.data, fold.len, 1);
		if (name[n] == '\0')
			break;
		start = n + 1;
	}
	ms_buf_free(&fold);
	return rc;
}

/* Checked as each member arrives, before anything is written for it: a
 * second member of one name, and a file where a directory is (or the
 * reverse), which is also how a member "through" a symlink shows. */
static int check_clash(struct pass *p, const char *name, int is_dir)
{
	if (p->sink && check_case(p, name) < 0)
		return -1;
	for (const char *s = strchr(name, '/'); s; s = strchr(s + 1, '/')) {
		size_t n = (size_t)(s - name);
		if (nameset_get(&p->names, name, n) == 0) {
			ms_error("archive '%s': '%.*s' is not a directory but '%s' is below it",
			         p->path, (int)n, name, name);
			return refuse(p);
		}
		nameset_put(&p->names, name, n, 1);
	}
	int seen = nameset_get(&p->names, name, strlen(name));
	if (seen == 1 && is_dir)
		return 0;
	if (seen >= 0) {
		ms_error("archive '%s': member '%s' appears twice%s", p->path, name,
		         seen != is_dir ? " (as a file and as a directory)" : "");
		return refuse(p);
	}
	nameset_put(&p->names, name, strlen(name), is_dir);
	return 0;
}

size_t ms_source_expect_find(const struct ms_source_expect *x, const char *path)
{
	size_t lo = 0, hi = x->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(x->path[mid], path);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return x->n;
}

/* Bytes of m past its signed size: refused before they are read. */
static int check_limit(struct pass *p, const struct member *m, uint64_t size)
{
	if (size <= m->limit)
		return 0;
	if (m->limit == 0 && p->expect && p->expect->empty_unlisted)
		ms_error("archive '%s': member '%s' is not in the signed statement", p->path,
		         m->name);
	else
		ms_error("archive '%s': member '%s' is larger than its signed size (%llu bytes)",
		         p->path, m->name, (unsigned long long)m->limit);
	return refuse(p);
}

/* With a signed statement (verify, unpack): a file or link member that it
 * does not list is refused before a byte of it is read, and its signed
 * size bounds what is read of it. The root may still turn out to be the
 * archive's top, so the member's name from the top counts too. */
static int check_signed(struct pass *p, struct archive_entry *e, struct member *m, int ignored)
{
	m->limit = UINT64_MAX;
	if (!p->expect || ignored)
		return 0;
	size_t a = ms_source_expect_find(p->expect, rel_name(p, m->name));
	size_t b = p->flat ? p->expect->n : ms_source_expect_find(p->expect, m->name);
	int listed = a < p->expect->n || b < p->expect->n;
	/* shards: an empty file has no shard, so an unlisted file may still be
	 * an empty one (limit 0) and a link may stand for one. */
	if (!listed && !p->expect->empty_unlisted) {
		ms_error("archive '%s': member '%s' is not in the signed statement", p->path,
		         m->name);
		return refuse(p);
	}
	m->limit = 0;
	if (a < p->expect->n)
		m->limit = p->expect->size[a];
	if (b < p->expect->n && p->expect->size[b] > m->limit)
		m->limit = p->expect->size[b];
	if (m->type == M_FILE && archive_entry_size_is_set(e))
		return check_limit(p, m, (uint64_t)archive_entry_size(e));
	return 0;
}

/* 0 done, 1 start again flat, -1 reported. */
static int process_entry(struct pass *p, struct archive_entry *e)
{
	const char *raw = member_name(e);
	char *name;
	const char *why = ms_archive_check_name(raw, &name);
	if (why) {
		ms_error("archive '%s': member '%s': %s", p->path, raw ? raw : "", why);
		return refuse(p);
	}
	if (!name) {
		if (archive_entry_filetype(e) == AE_IFDIR)
			return 0;
		ms_error("archive '%s': member '%s' is not a directory", p->path, raw);
		return refuse(p);
	}
	enum mtype type;
	char *target;
	if (classify(p, e, name, &type, &target) < 0) {
		free(name);
		return -1;
	}
	if (check_clash(p, name, type == M_DIR) < 0) {
		free(name);
		free(target);
		return -1;
	}
	struct member *m = add_member(p, name, type);
	m->target = target;
	if (update_top(p, name, type == M_DIR))
		return 1;
	int ignored = is_ignored(p, name);
	if (type == M_DIR)
		return p->sink && !ignored ? p->sink->entry(p->sink->ctx, e, name) : 0;
	if (check_signed(p, e, m, ignored) < 0)
		return -1;
	if (type != M_FILE)
		return 0;
	m->hashed = !ignored;
	if (!m->hashed && !p->flat && !ms_ignore_match(p->ign, p->n_ign, name))
		p->debt = 1;
	/* The sink (unpack) sees only what is hashed: an ignored member is
	 * not in the signed statement, so it is never written. */
	if (!m->hashed)
		return archive_read_data_skip(p->a) == ARCHIVE_OK ? 0 : read_error(p, m);
	if (p->sink && p->sink->entry(p->sink->ctx, e, name) < 0)
		return -1;
	return read_member_data(p, e, m);
}

/* ---- after the pass: checks, links, the listing ---- */

static int member_cmp(const void *a, const void *b)
{
	return ms_path_cmp((*(struct member *const *)a)->name, (*(struct member *const *)b)->name);
}

static struct member *find_member(struct pass *p, struct member **sorted, const char *name)
{
	struct member key = {.name = (char *)name}, *kp = &key;
	struct member **hit = bsearch(&kp, sorted, p->n_mem, sizeof *sorted, member_cmp);
	return hit ? *hit : NULL;
}

/* Follows a link to the regular file member it stands for, inside the root. */
static struct member *resolve_link(struct pass *p, struct member **sorted, struct member *link)
{
	struct member *cur = link;
	for (int depth = 0; depth < MAX_LINK_DEPTH; depth++) {
		char *to = cur->type == M_HARDLINK ? ms_strdup(cur->target)
		                                   : join_link(cur->name, cur->target);
		if (!to) {
			ms_error("archive member '%s' is a link that points outside the model",
			         link->name);
			return NULL;
		}
		int inside = p->flat || (strncmp(to, p->top, strlen(p->top)) == 0 &&
		                         to[strlen(p->top)] == '/');
		cur = inside ? find_member(p, sorted, to) : NULL;
		if (!inside)
			ms_error("archive member '%s' is a link that points outside the model",
			         link->name);
		else if (!cur)
			ms_error(
			    "archive member '%s' is a link to '%s', which is not in the archive",
			    link->name, to);
		free(to);
		if (!cur)
			return NULL;
		if (cur->type == M_FILE) {
			if (cur->hashed && !is_ignored(p, cur->name))
				return cur;
			ms_error("archive member '%s' is a link to ignored member '%s'", link->name,
			         cur->name);
			return NULL;
		}
		if (cur->type == M_DIR) {
			ms_error("archive member '%s' is a link to a directory", link->name);
			return NULL;
		}
	}
	ms_error("archive member '%s': too many levels of links", link->name);
	return NULL;
}

/* A link is hashed as its target: the same bytes under its own name. */
static int add_link_resources(struct pass *p, struct member **sorted, struct member *link)
{
	struct member *t = resolve_link(p, sorted, link);
	if (!t)
		return refuse(p);
	link->data = t->data;
	link->size = t->size;
	link->hashed = 1;
	if (p->sink && p->sink->link &&
	    p->sink->link(p->sink->ctx, link->name, t->name, link->type == M_HARDLINK) < 0)
		return -1;
	return 0;
}

static int resolve_links(struct pass *p, struct member **sorted)
{
	size_t n = p->n_mem; /* links add resources, not members */
	for (size_t i = 0; i < n; i++) {
		struct member *m = &p->mem[i];
		if ((m->type == M_SYMLINK || m->type == M_HARDLINK) && !is_ignored(p, m->name) &&
		    add_link_resources(p, sorted, m) < 0)
			return -1;
	}
	return 0;
}

/* Lists the files kept, with paths below the root. */
static void build_list(struct pass *p, struct ms_source_list *l)
{
	l->files = ms_calloc(p->n_mem + 1, sizeof *l->files);
	for (size_t i = 0; i < p->n_mem; i++) {
		struct member *mb = &p->mem[i];
		if (!mb->hashed || is_ignored(p, mb->name))
			continue;
		l->files[l->n_files++] = (struct ms_source_file){
		    .rel = ms_strdup(rel_name(p, mb->name)), .size = mb->size, .data = mb->data};
	}
	l->name = p->flat || !p->top ? ms_archive_model_name(p->path) : ms_strdup(p->top);
	l->root = p->flat ? NULL : ms_strdup(p->top);
	l->ignored = p->ign;
	l->n_ignored = p->n_ign;
	p->ign = NULL;
	p->n_ign = 0;
}

static int finish_pass(struct pass *p, struct ms_source_list *l)
{
	if (p->to->finish(p->to->ctx) < 0)
		return -1;
	if (!p->top)
		p->flat = 1;
	struct member **sorted = ms_calloc(p->n_mem + 1, sizeof *sorted);
	for (size_t i = 0; i < p->n_mem; i++)
		sorted[i] = &p->mem[i];
	qsort(sorted, p->n_mem, sizeof *sorted, member_cmp);
	int rc = resolve_links(p, sorted);
	free(sorted);
	if (rc < 0)
		return -1;
	build_list(p, l);
	return 0;
}

static void pass_free(struct pass *p)
{
	if (p->a)
		archive_read_free(p->a);
	reader_close(&p->rd);
	for (size_t i = 0; i < p->n_mem; i++) {
		free(p->mem[i].name);
		free(p->mem[i].target);
	}
	free(p->mem);
	nameset_free(&p->names);
	nameset_free(&p->folded);
	free(p->top);
	ms_ignore_list_free(p->ign, p->n_ign);
}

/* 0 done, 1 start again with flat, -1 reported. */
static int run_pass(struct pass *p, struct ms_source_list *l)
{
	if (p->sink && p->sink->begin && p->sink->begin(p->sink->ctx) < 0)
		return -1;
	p->a = open_archive(p->path, &p->rd);
	if (!p->a)
		return -1;
	p->rd.progress = p->to->begin(p->to->ctx, p->rd.size);
	if (!p->rd.progress)
		return -1;
	struct archive_entry *e;
	int r;
	while ((r = next_header(p->a, &p->rd, &e)) == 1) {
		int rc = process_entry(p, e);
		if (rc != 0)
			return rc;
	}
	return r < 0 ? -1 : finish_pass(p, l);
}

void ms_source_list_free(struct ms_source_list *l)
{
	for (size_t i = 0; i < l->n_files; i++)
		free(l->files[i].rel);
	free(l->files);
	free(l->name);
	free(l->root);
	ms_ignore_list_free(l->ignored, l->n_ignored);
	memset(l, 0, sizeof *l);
}

int ms_source_archive_read(const char *path, const struct ms_source_opts *o,
                           const struct ms_source_expect *x, const struct ms_archive_sink *sink,
                           const struct ms_source_sink *to, struct ms_source_list *out)
{
	memset(out, 0, sizeof *out);
	int rc = 1;
	for (int flat = 0; rc == 1 && flat < 2; flat++) {
		struct pass p = {
		    .path = path, .o = o, .sink = sink, .expect = x, .to = to, .flat = flat};
		p.rd.fd = -1;
		ms_ignore_list_build(o, &p.ign, &p.n_ign);
		rc = run_pass(&p, out);
		if (rc < 0)
			out->refused = p.refused || p.rd.refused;
		if (rc != 0) /* its ranges read p.rd.fd, which pass_free closes */
			to->abandon(to->ctx);
		pass_free(&p);
	}
	if (rc == 0)
		return 0;
	int refused = out->refused;
	ms_source_list_free(out);
	out->refused = refused;
	return -1;
}

/* ---- one member, for the signature inside ---- */

static int read_all(struct archive *a, const char *path, const char *name, size_t max, char **data,
                    size_t *len)
{
	struct ms_buf b = {0};
	char chunk[16384];
	la_ssize_t n;
	while ((n = archive_read_data(a, chunk, sizeof chunk)) > 0) {
		if (b.len + (size_t)n > max) {
			ms_error("archive '%s': member '%s' is larger than %zu bytes", path, name,
			         max);
			ms_buf_free(&b);
			return -1;
		}
		ms_buf_append(&b, chunk, (size_t)n);
	}
	if (n < 0) {
		ms_error("archive '%s' is corrupt or truncated: %s", path, archive_error_string(a));
		ms_buf_free(&b);
		return -1;
	}
	*len = b.len;
	ms_buf_append(&b, "", 1);
	*data = b.data;
	return 1;
}

static int match_member(struct archive_entry *e, const char *path, const char *want, char **top,
                        int *rc)
{
	const char *raw = member_name(e);
	char *name;
	const char *why = ms_archive_check_name(raw, &name);
	if (why) {
		ms_error("archive '%s': member '%s': %s", path, raw ? raw : "", why);
		*rc = -2;
		return 1;
	}
	if (!name)
		return 0;
	if (!*top && strchr(name, '/'))
		*top = ms_strndup(name, strcspn(name, "/"));
	size_t t = *top ? strlen(*top) : 0;
	int hit = strcmp(name, want) == 0 || (*top && strncmp(name, *top, t) == 0 &&
	                                      name[t] == '/' && strcmp(name + t + 1, want) == 0);
	if (hit && strcmp(name, want) == 0) {
		free(*top);
		*top = NULL;
	}
	free(name);
	return hit && archive_entry_filetype(e) == AE_IFREG && !archive_entry_hardlink(e);
}

int ms_archive_read_member(const char *path, const char *name, size_t max, char **data, size_t *len,
                           char **top)
{
	struct reader rd;
	*top = NULL;
	struct archive *a = open_archive(path, &rd);
	if (!a) {
		int refused = rd.refused;
		reader_close(&rd);
		return refused ? -2 : -1;
	}
	struct archive_entry *e;
	int r, rc = 0;
	while (rc == 0 && (r = next_header(a, &rd, &e)) == 1)
		if (match_member(e, path, name, top, &rc) && rc == 0)
			rc = read_all(a, path, name, max, data, len);
	if (rc == 0 && r < 0)
		rc = -1;
	if (rc == -1 && rd.refused)
		rc = -2;
	if (rc != 1) {
		free(*top);
		*top = NULL;
	}
	archive_read_free(a);
	reader_close(&rd);
	return rc;
}
