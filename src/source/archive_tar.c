/* The tar framing, followed from the bytes libarchive reads (see
 * archive_int.h). It reads what GNU tar and Python's tarfile read: header
 * blocks, pax extended headers and GNU long names, and where each member's
 * data starts and ends. Memory: one header's extension data, at most
 * MAX_EXT bytes, and the members found but not yet taken. */
#include <stdlib.h>
#include <string.h>

#include "archive_int.h"
#include "modelseal/util.h"

#define BLOCK 512
#define MAX_EXT ((uint64_t)1 << 20)
/* Zeros after the end-of-archive block: writers pad to their record size
 * (10 KiB by default, 1 MiB at most for GNU tar -b 2048). A compressed
 * stream of terabytes of zeros would otherwise keep us decompressing long
 * after every extractor stopped. */
#define MAX_TAIL ((uint64_t)16 << 20)

enum state {
	S_HEADER, /* collecting a header block */
	S_EXT,    /* collecting the data of a pax or GNU long-name header */
	S_DATA,   /* inside a member's data (and its padding) */
	S_END     /* after the end-of-archive block: only zeros may follow */
};

struct ms_tarscan {
	const char *what;
	enum state state;
	uint64_t pos;   /* stream offset of the next byte the state wants */
	uint64_t at;    /* where what is being checked starts, for messages */
	uint64_t end;   /* where the end-of-archive block starts */
	int started;    /* a header was read */
	char *hdr_name; /* the member whose header is being checked, for messages */
	uint64_t need;  /* bytes the state still wants (data: up to the next header) */
	uint8_t block[BLOCK];
	size_t have; /* of block */
	char ext_type;
	struct ms_buf ext; /* extension data being collected */
	uint64_t ext_len;
	/* what the extension headers said for the next member */
	char *pax_path, *pax_link, *long_name, *long_link;
	int pax_size_set, seen_x, seen_l, seen_k;
	uint64_t pax_size;
	struct ms_tar_record *rec; /* found, not yet taken */
	size_t n_rec, head, cap;
	struct ms_tar_record taken;
};

struct ms_tarscan *ms_tarscan_new(const char *what)
{
	struct ms_tarscan *t = ms_calloc(1, sizeof *t);
	t->what = what;
	t->need = BLOCK;
	return t;
}

static void clear_ext(struct ms_tarscan *t)
{
	free(t->pax_path);
	free(t->pax_link);
	free(t->long_name);
	free(t->long_link);
	t->pax_path = t->pax_link = t->long_name = t->long_link = NULL;
	t->pax_size_set = t->seen_x = t->seen_l = t->seen_k = 0;
}

static void record_free(struct ms_tar_record *r)
{
	free(r->name);
	free(r->link);
	memset(r, 0, sizeof *r);
}

void ms_tarscan_free(struct ms_tarscan *t)
{
	if (!t)
		return;
	clear_ext(t);
	ms_buf_free(&t->ext);
	free(t->hdr_name);
	for (size_t i = t->head; i < t->n_rec; i++)
		record_free(&t->rec[i]);
	free(t->rec);
	record_free(&t->taken);
	free(t);
}

static int refuse(struct ms_tarscan *t, const char *why)
{
	if (t->hdr_name)
		ms_error("archive '%s': member '%s': %s (at byte %llu of the tar stream)", t->what,
		         t->hdr_name, why, (unsigned long long)t->at);
	else
		ms_error("archive '%s': %s (at byte %llu of the tar stream)", t->what, why,
		         (unsigned long long)t->at);
	return -1;
}

/* A numeric field: spaces, octal digits, then only NUL or spaces (GNU tar
 * and Python refuse anything else, libarchive stops at the first odd
 * byte), or base-256 with the high bit set. */
static int parse_number(const uint8_t *f, size_t len, uint64_t *out)
{
	*out = 0;
	if (f[0] & 0x80) {
		if (f[0] != 0x80)
			return -1; /* negative, or too large */
		for (size_t i = 1; i < len; i++) {
			if (*out >> 55)
				return -1;
			*out = *out << 8 | f[i];
		}
		return *out >> 63 ? -1 : 0;
	}
	size_t i = 0;
	while (i < len && f[i] == ' ')
		i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (*out >> 60)
			return -1;
		*out = *out << 3 | (uint64_t)(f[i] - '0');
	}
	for (; i < len; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	return 0;
}

static int is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* The stored checksum matches the unsigned or the signed sum (both are in
 * the wild, and every reader takes either). */
static int checksum_ok(const uint8_t *h)
{
	uint64_t want;
	if (parse_number(h + 148, 8, &want) < 0)
		return 0;
	long u = 0, s = 0;
	for (int i = 0; i < BLOCK; i++) {
		int c = i >= 148 && i < 156 ? ' ' : h[i];
		u += c;
		s += (signed char)c;
	}
	return (uint64_t)u == want || (s >= 0 && (uint64_t)s == want);
}

static char *field(const uint8_t *f, size_t len)
{
	return ms_strndup((const char *)f, strnlen((const char *)f, len));
}

/* One "LEN key=value\n" record after another; path, linkpath and size are
 * used, sparse and charset keys refused (readers disagree on them). */
static int parse_pax(struct ms_tarscan *t, const char *p, size_t len)
{
	while (len > 0) {
		size_t i = 0;
		uint64_t rl = 0;
		while (i < len && p[i] >= '0' && p[i] <= '9' && rl < MAX_EXT)
			rl = rl * 10 + (uint64_t)(p[i++] - '0');
		if (i == 0 || i >= len || p[i] != ' ' || rl > len || rl <= i + 1 ||
		    p[rl - 1] != '\n')
			return refuse(t, "malformed pax extended header");
		const char *key = p + i + 1, *end = p + rl - 1;
		const char *eq = memchr(key, '=', (size_t)(end - key));
		if (!eq || eq == key || memchr(key, '\0', (size_t)(end - key)))
			return refuse(t, "malformed pax extended header");
		size_t klen = (size_t)(eq - key);
		char *value = ms_strndup(eq + 1, (size_t)(end - eq - 1));
		int rc = 0;
		if (klen == 4 && memcmp(key, "path", 4) == 0 && *value) {
			free(t->pax_path);
			t->pax_path = value;
			value = NULL;
		} else if (klen == 8 && memcmp(key, "linkpath", 8) == 0 && *value) {
			free(t->pax_link);
			t->pax_link = value;
			value = NULL;
		} else if (klen == 4 && memcmp(key, "size", 4) == 0) {
			rc = ms_parse_u64(value, 0, INT64_MAX, &t->pax_size);
			t->pax_size_set = 1;
			if (rc < 0)
				refuse(t, "pax size is not a number");
		} else if ((klen == 4 && (memcmp(key, "path", 4) == 0)) ||
		           (klen == 8 && memcmp(key, "linkpath", 8) == 0) ||
		           (klen > 10 && memcmp(key, "GNU.sparse", 10) == 0) ||
		           (klen == 10 && memcmp(key, "hdrcharset", 10) == 0)) {
			rc = refuse(t, "pax header with an empty path, a sparse map or a charset");
		}
		free(value);
		if (rc < 0)
			return -1;
		p += rl;
		len -= rl;
	}
	return 0;
}

/* The data of an extension header is complete. */
static int ext_done(struct ms_tarscan *t)
{
	const char *d = t->ext.data ? t->ext.data : "";
	size_t n = t->ext.len;
	if (t->ext_type == 'x')
		return parse_pax(t, d, n);
	char *name = ms_strndup(d, strnlen(d, n));
	if (!*name) {
		free(name);
		return refuse(t, "empty GNU long name");
	}
	char **slot = t->ext_type == 'L' ? &t->long_name : &t->long_link;
	*slot = name;
	return 0;
}

static void push(struct ms_tarscan *t, struct ms_tar_record r)
{
	if (t->head > 0 && t->head == t->n_rec)
		t->head = t->n_rec = 0;
	if (t->n_rec == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->rec = ms_reallocarray(t->rec, t->cap, sizeof *t->rec);
	}
	t->rec[t->n_rec++] = r;
}

/* An extension header: its data comes next, then the header it extends. */
static int start_ext(struct ms_tarscan *t, char type, uint64_t size)
{
	int *seen = type == 'x' ? &t->seen_x : type == 'L' ? &t->seen_l : &t->seen_k;
	if (*seen)
		return refuse(t, "two extension headers of one kind for one member");
	*seen = 1;
	if (size > MAX_EXT || (type != 'x' && size > 65536))
		return refuse(t, "extension header too large");
	t->ext_type = type;
	t->ext.len = 0;
	t->ext_len = size;
	t->state = S_EXT;
	t->need = (size + BLOCK - 1) / BLOCK * BLOCK;
	return t->need ? 0 : ext_done(t);
}

/* A member's header block: the record, then its data. */
static int member(struct ms_tarscan *t, const uint8_t *h, char type, uint64_t size)
{
	if (t->pax_size_set)
		size = t->pax_size;
	if (type != '0' && size != 0)
		return refuse(t, "a directory or link member carries data");
	if ((t->pax_path && t->long_name) || (t->pax_link && t->long_link))
		return refuse(t, "a member named both by pax and by a GNU long name");
	struct ms_tar_record r = {.type = type, .size = size};
	if (t->pax_path || t->long_name)
		r.name = ms_strdup(t->pax_path ? t->pax_path : t->long_name);
	else if (h[345]) {
		char *prefix = field(h + 345, 155), *name = field(h, 100);
		r.name = ms_asprintf("%s/%s", prefix, name);
		free(prefix);
		free(name);
	} else {
		r.name = field(h, 100);
	}
	if (t->pax_link || t->long_link)
		r.link = ms_strdup(t->pax_link ? t->pax_link : t->long_link);
	else if (type == '1' || type == '2')
		r.link = field(h + 157, 100);
	clear_ext(t);
	size_t n = strlen(r.name);
	if (type == '0' && n > 0 && r.name[n - 1] == '/') {
		record_free(&r);
		return refuse(t, "a regular file named like a directory");
	}
	push(t, r);
	t->state = S_DATA;
	t->need = (size + BLOCK - 1) / BLOCK * BLOCK;
	if (t->need == 0)
		t->state = S_HEADER, t->need = BLOCK;
	return 0;
}

static int header(struct ms_tarscan *t)
{
	const uint8_t *h = t->block;
	if (is_zero(h, BLOCK)) {
		free(t->hdr_name);
		t->hdr_name = NULL;
		if (t->seen_x || t->seen_l || t->seen_k)
			return refuse(t, "an extension header without its member");
		t->state = S_END;
		t->end = t->at;
		return 0;
	}
	int first = !t->started;
	t->started = 1;
	free(t->hdr_name);
	t->hdr_name = NULL;
	if (checksum_ok(h))
		t->hdr_name = t->pax_path    ? ms_strdup(t->pax_path)
		              : t->long_name ? ms_strdup(t->long_name)
		                             : field(h, 100);
	if (!checksum_ok(h))
		return refuse(t, first ? "not a tar archive as its name says (bad header checksum)"
		                       : "damaged tar header (bad checksum)");
	static const char ustar[8] = {'u', 's', 't', 'a', 'r', '\0', '0', '0'};
	int posix = memcmp(h + 257, ustar, 8) == 0;
	int gnu = memcmp(h + 257, "ustar  \0", 8) == 0;
	if (!posix && !gnu)
		return refuse(t, "not a ustar, pax or GNU tar header");
	if (gnu && !is_zero(h + 345, 155))
		return refuse(t, "GNU header with fields extractors read differently");
	/* Python stops reading, silently, at a header with any malformed
	 * number (mode, uid, gid, size, mtime, device numbers): every one must
	 * be plain. */
	static const struct {
		unsigned off, len;
	} numbers[] = {{100, 8}, {108, 8}, {116, 8}, {136, 12}, {329, 8}, {337, 8}};
	uint64_t size, n;
	for (size_t i = 0; i < MS_ARRAY_LEN(numbers); i++)
		if (parse_number(h + numbers[i].off, numbers[i].len, &n) < 0)
			return refuse(t, "malformed numeric field in a tar header");
	if (parse_number(h + 124, 12, &size) < 0)
		return refuse(t, "malformed size field");
	char type = h[156] ? (char)h[156] : '0';
	switch (type) {
	case 'x':
	case 'L':
	case 'K':
		return start_ext(t, type, size);
	case '0':
	case '1':
	case '2':
	case '5':
		return member(t, h, type, size);
	case 'g':
		return refuse(t, "pax global header (extractors apply it differently)");
	case 'S':
		return refuse(t, "sparse member");
	case '3':
	case '4':
	case '6':
		return refuse(t, "device or fifo member: a model holds only files, directories and "
		                 "links");
	default:
		return refuse(t, "member of a type extractors read differently");
	}
}

/* Consumes up to len bytes of buf for the current state; returns how many. */
static size_t step(struct ms_tarscan *t, const uint8_t *buf, size_t len, int *rc)
{
	size_t n = len < t->need ? len : (size_t)t->need;
	if (t->state == S_END) {
		for (size_t i = 0; i < len && *rc == 0; i++)
			if (buf[i]) {
				free(t->hdr_name);
				t->hdr_name = NULL;
				t->at = t->pos + i;
				*rc = refuse(t, "data after the end of the archive");
			}
		t->pos += len;
		if (*rc == 0 && t->pos - t->end > MAX_TAIL) {
			t->at = t->end;
			*rc = refuse(t, "more than 16 MiB of padding after the end of the archive");
		}
		return len;
	}
	if (t->state == S_HEADER) {
		memcpy(t->block + t->have, buf, n);
		t->have += n;
	} else if (t->state == S_EXT) {
		uint64_t room = t->ext_len > t->ext.len ? t->ext_len - t->ext.len : 0;
		ms_buf_append(&t->ext, buf, n < room ? n : (size_t)room);
	}
	t->need -= n;
	t->pos += n;
	if (t->need > 0)
		return n;
	if (t->state == S_HEADER) {
		t->have = 0;
		t->need = BLOCK;
		t->at = t->pos - BLOCK;
		*rc = header(t);
	} else {
		enum state was = t->state;
		t->state = S_HEADER;
		t->need = BLOCK;
		if (was == S_EXT)
			*rc = ext_done(t);
	}
	return n;
}

int ms_tarscan_feed(struct ms_tarscan *t, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	if (off < t->pos) { /* bytes seen before: only the new part */
		if (t->pos - off >= len)
			return 0;
		p += t->pos - off;
		len -= (size_t)(t->pos - off);
	} else if (off > t->pos) { /* skipped: only ever inside a member's data */
		if (t->state != S_DATA || off - t->pos > t->need)
			return refuse(t, "libarchive skipped bytes that are not member data");
		t->need -= off - t->pos;
		t->pos = off;
	}
	int rc = 0;
	while (len > 0 && rc == 0) {
		size_t n = step(t, p, len, &rc);
		p += n;
		len -= n;
	}
	return rc;
}

int ms_tarscan_end(struct ms_tarscan *t)
{
	if (t->state == S_END ||
	    (t->state == S_HEADER && t->have == 0 && !t->seen_x && !t->seen_l && !t->seen_k))
		return 0;
	return refuse(t, "the archive ends inside a member");
}

const struct ms_tar_record *ms_tarscan_next(struct ms_tarscan *t)
{
	record_free(&t->taken);
	if (t->head == t->n_rec)
		return NULL;
	t->taken = t->rec[t->head++];
	return &t->taken;
}
