/* The zip directory, read and checked against the local headers (see
 * archive_int.h). Everything here is bounded by the file: the central
 * directory is read in one buffer no larger than the file and at most
 * MAX_CD bytes, and the entries it declares must fit in it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive_int.h"
#include "modelseal/util.h"

#define EOCD_LEN 22
#define EOCD64_LEN 56
#define LOCATOR_LEN 20
#define CENTRAL_LEN 46
#define LOCAL_LEN 30
#define MAX_CD ((uint64_t)256 << 20)
#define SAT16 0xffffu
#define SAT32 0xffffffffu
/* Deflate options (bits 1, 2), data descriptor (3), UTF-8 names (11). */
#define FLAGS_OK 0x080eu
#define FLAG_DESCRIPTOR 0x0008u
#define FLAG_UTF8 0x0800u

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Exactly len bytes at off; -1 after reporting. */
static int read_at(int fd, uint64_t off, void *buf, size_t len, const char *what)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ms_error("archive '%s': cannot read: %s", what,
			         n < 0 ? strerror(errno) : "unexpected end of file");
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

static int bad(const char *what, const char *why)
{
	ms_error("archive '%s': %s", what, why);
	return -1;
}

struct end {
	uint64_t n, cd_off, cd_size, cd_end; /* cd_end: where the directory must end */
};

/* The zip64 end record, located by its locator just before the end record.
 * Its values must be the ones the 32-bit record gives or stands in for. */
static int read_end64(int fd, uint64_t size, const char *what, const uint8_t *eocd, struct end *e)
{
	if (size < EOCD_LEN + LOCATOR_LEN + EOCD64_LEN)
		return 0;
	uint8_t loc[LOCATOR_LEN], rec[EOCD64_LEN];
	uint64_t loc_off = size - EOCD_LEN - LOCATOR_LEN;
	if (read_at(fd, loc_off, loc, sizeof loc, what) < 0)
		return -1;
	if (memcmp(loc, "PK\6\7", 4) != 0)
		return 0;
	uint64_t rec_off = le64(loc + 8);
	if (le32(loc + 4) != 0 || le32(loc + 16) != 1 || rec_off != loc_off - EOCD64_LEN)
		return bad(what, "zip64 end locator does not point just before it");
	if (read_at(fd, rec_off, rec, sizeof rec, what) < 0)
		return -1;
	if (memcmp(rec, "PK\6\6", 4) != 0 || le64(rec + 4) != EOCD64_LEN - 12 ||
	    le32(rec + 16) != 0 || le32(rec + 20) != 0 || le64(rec + 24) != le64(rec + 32))
		return bad(what, "malformed zip64 end record (or a multi-disk zip)");
	uint64_t n = le64(rec + 32), cd_size = le64(rec + 40), cd_off = le64(rec + 48);
	if ((le16(eocd + 10) != SAT16 && le16(eocd + 10) != n) ||
	    (le32(eocd + 12) != SAT32 && le32(eocd + 12) != cd_size) ||
	    (le32(eocd + 16) != SAT32 && le32(eocd + 16) != cd_off))
		return bad(what, "the zip64 end record and the end record disagree");
	*e = (struct end){n, cd_off, cd_size, rec_off};
	return 1;
}

/* The end record: exactly the file's last 22 bytes (an archive comment
 * would let readers that search for it differently find different ones). */
static int read_end(int fd, uint64_t size, const char *what, struct end *e)
{
	uint8_t eocd[EOCD_LEN];
	if (size < EOCD_LEN || read_at(fd, size - EOCD_LEN, eocd, sizeof eocd, what) < 0)
		return size < EOCD_LEN ? bad(what, "too short for a zip archive") : -1;
	if (memcmp(eocd, "PK\5\6", 4) != 0)
		return bad(what, "the zip end record is not at the end of the file (data after "
		                 "the archive, or an archive comment)");
	if (le16(eocd + 4) != 0 || le16(eocd + 6) != 0 || le16(eocd + 8) != le16(eocd + 10))
		return bad(what, "multi-disk zip archives are not accepted");
	if (le16(eocd + 20) != 0)
		return bad(what, "zip archive comments are not accepted");
	int r = read_end64(fd, size, what, eocd, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	*e = (struct end){le16(eocd + 10), le32(eocd + 16), le32(eocd + 12), size - EOCD_LEN};
	return 0;
}

/* The extra fields of one header: well formed, no field twice, none of the
 * ones that rename a member for some readers only (the Info-ZIP Unicode
 * path and comment, which unzip and libarchive read and Python ignores).
 * *z64 and *z64_len: the zip64 field, if any. */
static int check_extra(const uint8_t *p, size_t len, const char *what, const char *name,
                       const uint8_t **z64, size_t *z64_len)
{
	uint16_t seen[64];
	size_t n_seen = 0;
	*z64 = NULL;
	*z64_len = 0;
	while (len > 0) {
		if (len < 4 || (size_t)le16(p + 2) > len - 4) {
			ms_error("archive '%s': member '%s' has malformed extra fields", what,
			         name);
			return -1;
		}
		uint16_t id = le16(p), flen = le16(p + 2);
		for (size_t i = 0; i < n_seen; i++)
			if (seen[i] == id) {
				ms_error("archive '%s': member '%s' has extra field 0x%04x twice",
				         what, name, id);
				return -1;
			}
		if (n_seen == MS_ARRAY_LEN(seen) || id == 0x7075 || id == 0x6375) {
			ms_error("archive '%s': member '%s' has extra fields that extractors read "
			         "differently (a Unicode path or too many fields)",
			         what, name);
			return -1;
		}
		seen[n_seen++] = id;
		if (id == 0x0001) {
			*z64 = p + 4;
			*z64_len = flen;
		}
		p += 4 + flen;
		len -= 4 + flen;
	}
	return 0;
}

/* The member's name: no NUL (Python cuts it there), no backslash unless
 * made on Unix (unzip turns it into '/' for names from DOS and Windows),
 * and bytes past ASCII only when flagged UTF-8 (else each reader picks its
 * own code page). */
static int check_name(const uint8_t *p, size_t len, uint16_t flags, int unix_made, const char *what)
{
	char *shown = ms_strndup((const char *)p, len);
	const char *why = NULL;
	if (len == 0)
		why = "a member has an empty name";
	for (size_t i = 0; i < len && !why; i++) {
		if (p[i] == 0)
			why = "a member name holds a NUL byte";
		else if (p[i] == '\\' && !unix_made)
			why = "a member name holds a backslash (not made on Unix)";
		else if (p[i] >= 0x80 && !(flags & FLAG_UTF8))
			why = "a member name is not ASCII and not flagged UTF-8";
	}
	if (!why && (flags & FLAG_UTF8) && ms_utf8_prefix((const char *)p, len) != len)
		why = "a member name flagged UTF-8 is not UTF-8";
	if (why)
		ms_error("archive '%s': %s ('%s')", what, why, shown);
	free(shown);
	return why ? -1 : 0;
}

/* The sizes and offset a central header leaves to its zip64 field: exactly
 * the saturated ones, in the order the format gives. */
static int central_zip64(struct ms_zip_entry *e, uint32_t usize, uint32_t csize, uint32_t off,
                         const uint8_t *z64, size_t z64_len, const char *what)
{
	uint64_t *want[3] = {usize == SAT32 ? &e->usize : NULL, csize == SAT32 ? &e->csize : NULL,
	                     off == SAT32 ? &e->local_off : NULL};
	size_t k = 0;
	for (int i = 0; i < 3; i++) {
		if (!want[i])
			continue;
		if (!z64 || z64_len < 8 * (k + 1))
			goto malformed;
		*want[i] = le64(z64 + 8 * k++);
	}
	if (z64 && z64_len != 8 * k)
		goto malformed;
	return 0;
malformed:
	ms_error("archive '%s': member '%s' has a zip64 field that does not match its header", what,
	         e->name);
	return -1;
}

/* One central header at p (left bytes of directory remain); *used gets its
 * length. */
static int parse_central(const uint8_t *p, uint64_t left, const char *what, struct ms_zip_entry *e,
                         size_t *used)
{
	if (left < CENTRAL_LEN || memcmp(p, "PK\1\2", 4) != 0)
		return bad(what, "the zip central directory is malformed");
	size_t nlen = le16(p + 28), elen = le16(p + 30), clen = le16(p + 32);
	if (left - CENTRAL_LEN < nlen + elen + clen)
		return bad(what, "the zip central directory is malformed");
	uint16_t flags = le16(p + 8);
	if (check_name(p + CENTRAL_LEN, nlen, flags, (le16(p + 4) >> 8) == 3, what) < 0)
		return -1;
	e->name = ms_strndup((const char *)p + CENTRAL_LEN, nlen);
	e->flags = flags;
	e->method = le16(p + 10);
	e->crc = le32(p + 16);
	e->csize = le32(p + 20);
	e->usize = le32(p + 24);
	e->local_off = le32(p + 42);
	e->is_dir = nlen > 0 && p[CENTRAL_LEN + nlen - 1] == '/';
	*used = CENTRAL_LEN + nlen + elen + clen;
	if (le16(p + 34) != 0)
		return bad(what, "multi-disk zip archives are not accepted");
	const uint8_t *z64;
	size_t z64_len;
	if (check_extra(p + CENTRAL_LEN + nlen, elen, what, e->name, &z64, &z64_len) < 0 ||
	    central_zip64(e, le32(p + 24), le32(p + 20), le32(p + 42), z64, z64_len, what) < 0)
		return -1;
	const char *why = NULL;
	if (flags & ~FLAGS_OK)
		why = "is encrypted or uses zip features modelseal does not accept";
	else if (e->method != 0 && e->method != 8)
		why = "uses a compression method other than stored or deflate";
	else if (e->method == 0 && e->csize != e->usize)
		why = "is stored with two different sizes";
	else if (e->is_dir && e->usize != 0)
		why = "is a directory with data";
	if (why) {
		ms_error("archive '%s': member '%s' %s", what, e->name, why);
		return -1;
	}
	/* Unix mode in the external attributes: its type must be the one the
	 * name says (libarchive reads the mode, Python the name). */
	unsigned mode = le32(p + 38) >> 16, type = mode & 0170000;
	if ((le16(p + 4) >> 8) == 3 && type != 0 && type != (e->is_dir ? 0040000u : 0100000u)) {
		ms_error("archive '%s': member '%s' is a %s by its mode and a %s by its name "
		         "(zip links and special files are not accepted)",
		         what, e->name,
		         type == 0120000 ? "symbolic link" : "special file or directory",
		         e->is_dir ? "directory" : "file");
		return -1;
	}
	return 0;
}

/* The local header of e must say what its central header says; e->end gets
 * where the member ends. */
static int check_local(int fd, uint64_t limit, const char *what, struct ms_zip_entry *e)
{
	uint8_t h[LOCAL_LEN];
	if (e->local_off > limit || limit - e->local_off < LOCAL_LEN ||
	    read_at(fd, e->local_off, h, sizeof h, what) < 0 || memcmp(h, "PK\3\4", 4) != 0) {
		ms_error("archive '%s': member '%s': no local header where the central directory "
		         "says",
		         what, e->name);
		return -1;
	}
	size_t nlen = le16(h + 26), elen = le16(h + 28);
	uint64_t data = e->local_off + LOCAL_LEN + nlen + elen;
	if (data > limit) {
		ms_error("archive '%s': member '%s' runs into the central directory", what,
		         e->name);
		return -1;
	}
	uint8_t *var = ms_malloc(nlen + elen + 1);
	int rc = read_at(fd, e->local_off + LOCAL_LEN, var, nlen + elen, what);
	const uint8_t *z64 = NULL;
	size_t z64_len = 0;
	if (rc == 0 && (nlen != strlen(e->name) || memcmp(var, e->name, nlen) != 0)) {
		ms_error("archive '%s': member '%s' has another name in its local header", what,
		         e->name);
		rc = -1;
	}
	if (rc == 0)
		rc = check_extra(var + nlen, elen, what, e->name, &z64, &z64_len);
	uint32_t crc = le32(h + 14), cs = le32(h + 18), us = le32(h + 22);
	uint64_t csize = cs, usize = us;
	if (rc == 0 && cs == SAT32 && us == SAT32 && z64 && z64_len >= 16) {
		usize = le64(z64);
		csize = le64(z64 + 8);
	}
	free(var);
	if (rc < 0)
		return -1;
	int desc = e->flags & FLAG_DESCRIPTOR;
	int same = le16(h + 6) == e->flags && le16(h + 8) == e->method;
	/* With a data descriptor, a local value may be left 0 (writers
	 * streaming the data do); any other must be the central one. */
	if (same)
		same = (crc == e->crc || (desc && crc == 0)) &&
		       (csize == e->csize || (desc && csize == 0)) &&
		       (usize == e->usize || (desc && usize == 0));
	if (!same) {
		ms_error("archive '%s': member '%s': local and central headers disagree (flags, "
		         "method, CRC or sizes)",
		         what, e->name);
		return -1;
	}
	if (e->csize > limit - data) {
		ms_error("archive '%s': member '%s' runs into the central directory", what,
		         e->name);
		return -1;
	}
	e->end = data + e->csize;
	return desc ? 1 : 0;
}

/* The data descriptor after e's data: its values must be the central
 * header's; with or without its signature, 32- or 64-bit sizes. The one
 * form that ends where the next member (or the directory) begins. */
static int check_descriptor(int fd, uint64_t next, const char *what, struct ms_zip_entry *e)
{
	uint8_t d[24] = {0};
	uint64_t left = next > e->end ? next - e->end : 0;
	if (left > sizeof d || left < 12 || read_at(fd, e->end, d, (size_t)left, what) < 0) {
		ms_error("archive '%s': member '%s': no data descriptor where it must be", what,
		         e->name);
		return -1;
	}
	const uint8_t *p = d;
	size_t n = (size_t)left;
	if (n >= 16 && memcmp(d, "PK\7\10", 4) == 0) {
		p += 4;
		n -= 4;
	}
	int ok =
	    le32(p) == e->crc && ((n == 12 && le32(p + 4) == e->csize && le32(p + 8) == e->usize) ||
	                          (n == 20 && le64(p + 4) == e->csize && le64(p + 12) == e->usize));
	if (!ok) {
		ms_error(
		    "archive '%s': member '%s': its data descriptor disagrees with the central "
		    "directory",
		    what, e->name);
		return -1;
	}
	e->end = next;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Duplicate names after the normalisation every extractor applies: a
 * trailing '/' and leading "./" do not make another member. */
static int check_duplicates(const struct ms_zip_dir *d, const char *what)
{
	char **names = ms_calloc(d->n + 1, sizeof *names);
	for (size_t i = 0; i < d->n; i++) {
		const char *s = d->v[i].name;
		while (s[0] == '.' && s[1] == '/')
			s += 2;
		size_t n = strlen(s);
		while (n > 0 && s[n - 1] == '/')
			n--;
		names[i] = ms_strndup(s, n);
	}
	qsort(names, d->n, sizeof *names, name_cmp);
	int rc = 0;
	for (size_t i = 1; i < d->n && rc == 0; i++)
		if (strcmp(names[i - 1], names[i]) == 0) {
			ms_error("archive '%s': member '%s' appears twice in the zip directory",
			         what, names[i]);
			rc = -1;
		}
	for (size_t i = 0; i < d->n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* Member after member from offset 0, the directory right after the last. */
static int check_layout(int fd, const struct end *end, const char *what, struct ms_zip_dir *d)
{
	uint64_t pos = 0;
	for (size_t i = 0; i < d->n; i++) {
		struct ms_zip_entry *e = &d->v[i];
		if (e->local_off != pos) {
			ms_error("archive '%s': member '%s' %s", what, e->name,
			         e->local_off < pos ? "overlaps the member before it"
			         : i == 0           ? "does not start the file (data before the "
			                              "archive)"
			                            : "leaves a gap before it");
			return -1;
		}
		int desc = check_local(fd, end->cd_off, what, e);
		if (desc < 0)
			return -1;
		uint64_t next = i + 1 < d->n ? d->v[i + 1].local_off : end->cd_off;
		if (desc && check_descriptor(fd, next, what, e) < 0)
			return -1;
		pos = e->end;
	}
	if (pos != end->cd_off)
		return bad(what, "data between the last member and the zip central directory");
	return 0;
}

int ms_zip_dir_read(int fd, uint64_t size, const char *what, struct ms_zip_dir *d)
{
	memset(d, 0, sizeof *d);
	struct end end;
	if (read_end(fd, size, what, &end) < 0)
		return -1;
	if (end.cd_off > end.cd_end || end.cd_end - end.cd_off != end.cd_size)
		return bad(what, "the zip central directory is not right before its end record");
	if (end.cd_size > MAX_CD || end.n > end.cd_size / CENTRAL_LEN)
		return bad(what, end.cd_size > MAX_CD ? "the zip central directory is too large"
		                                      : "the zip central directory is malformed");
	uint8_t *cd = ms_malloc(end.cd_size + 1);
	int rc = read_at(fd, end.cd_off, cd, (size_t)end.cd_size, what);
	d->v = ms_calloc(end.n + 1, sizeof *d->v);
	uint64_t at = 0;
	for (size_t i = 0; rc == 0 && i < end.n; i++) {
		size_t used = 0;
		rc = parse_central(cd + at, end.cd_size - at, what, &d->v[i], &used);
		d->n = i + 1;
		at += used;
	}
	free(cd);
	if (rc == 0 && at != end.cd_size)
		rc = bad(what, "the zip central directory holds more than its entries");
	if (rc == 0)
		rc = check_duplicates(d, what);
	if (rc == 0)
		rc = check_layout(fd, &end, what, d);
	if (rc < 0)
		ms_zip_dir_free(d);
	return rc;
}

void ms_zip_dir_free(struct ms_zip_dir *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].name);
	free(d->v);
	d->v = NULL;
	d->n = 0;
}
