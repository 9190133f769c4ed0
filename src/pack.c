/* pack: a signed model directory as one deterministic archive.
 *
 * Same model, same bytes: members sorted (the signatures first, so a reader
 * finds them before the weights, then the model in manifest order), owner
 * 0/0 without names, modes 0644/0755, one fixed mtime, no gzip timestamp,
 * zip times in UTC. Everything lives under one top-level directory named
 * after the model, which is then the model root when the archive is read. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "modelseal/archive.h"
#include "modelseal/util.h"
#include "modelseal/walk.h"

/* 1980-01-01 00:00:00 UTC: the oldest time a zip entry can hold. */
#define PACK_MTIME ((time_t)315532800)
#define COPY_CHUNK ((size_t)1 << 20)

static const char *const signature_first[] = {"model.sig", "model.provenance.sig"};

struct pentry {
	char *rel; /* below the model directory */
	mode_t type;
	uint64_t size;
	char *link; /* symlink text */
	char *blob; /* a hub cache link: the regular file it names, below the hub
	               folder; packed as that file's bytes under rel */
};

struct plist {
	struct pentry *e;
	size_t n, cap;
	const char *root_real; /* the model directory */
	const char *hub_real;  /* its hub folder when it is a hub cache snapshot */
	int hub_fd;
};

static void plist_add(struct plist *l, const char *rel, const struct stat *st, char *link)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->e = ms_reallocarray(l->e, l->cap, sizeof *l->e);
	}
	l->e[l->n++] = (struct pentry){ms_strdup(rel), st->st_mode & S_IFMT,
	                               (uint64_t)st->st_size, link, NULL};
}

static void plist_free(struct plist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->e[i].rel);
		free(l->e[i].link);
		free(l->e[i].blob);
	}
	free(l->e);
}

static int sig_rank(const char *rel)
{
	for (size_t i = 0; i < MS_ARRAY_LEN(signature_first); i++)
		if (strcmp(rel, signature_first[i]) == 0)
			return (int)i;
	return (int)MS_ARRAY_LEN(signature_first);
}

static int pentry_cmp(const void *pa, const void *pb)
{
	const struct pentry *a = pa, *b = pb;
	int ra = sig_rank(a->rel), rb = sig_rank(b->rel);
	if (ra != rb)
		return ra < rb ? -1 : 1;
	return ms_path_cmp(a->rel, b->rel);
}

/* A symlink is packed as a link only when it stays inside the model, as
 * --allow-symlinks would hash it. */
static char *read_inside_link(int dirfd, const char *name, const char *rel)
{
	char buf[4096], copy[4096];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof buf - 1);
	if (n < 0) {
		ms_error("cannot read symbolic link '%s': %s", rel, strerror(errno));
		return NULL;
	}
	buf[n] = '\0';
	memcpy(copy, buf, (size_t)n + 1);
	int depth = 0, out = buf[0] == '/';
	for (const char *p = rel; *p; p++)
		depth += *p == '/';
	for (char *save = NULL, *c = strtok_r(copy, "/", &save); c && !out;
	     c = strtok_r(NULL, "/", &save)) {
		depth += strcmp(c, "..") == 0 ? -1 : strcmp(c, ".") == 0 ? 0 : 1;
		out = depth < 0;
	}
	if (out) {
		ms_error("symbolic link '%s' points outside the model", rel);
		return NULL;
	}
	return ms_strdup(buf);
}

static int list_dir(struct plist *l, int fd, const char *prefix);

/* In a hub cache snapshot, a link that resolves to a regular file inside
 * the snapshot's own hub folder (its blobs/) is packed as that file, under
 * the link's name: what sign hashed for it, and what a cp -rL copy holds.
 * 1 added, 0 not such a link (packed as a link, or refused, as elsewhere),
 * -1 after reporting. */
static int add_hub_link(struct plist *l, const char *rel)
{
	char *full = ms_asprintf("%s/%s", l->root_real, rel);
	char *real = realpath(full, NULL);
	free(full);
	size_t n = strlen(l->hub_real);
	struct stat st;
	int inside = real && strncmp(real, l->hub_real, n) == 0 && real[n] == '/' &&
	             strncmp(real, l->root_real, strlen(l->root_real)) != 0;
	if (!inside || stat(real, &st) < 0 || !S_ISREG(st.st_mode)) {
		free(real);
		return 0;
	}
	plist_add(l, rel, &st, NULL);
	l->e[l->n - 1].blob = ms_strdup(real + n + 1);
	free(real);
	return 1;
}

static int list_entry(struct plist *l, int dirfd, const char *name, const char *rel)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		ms_error("cannot stat '%s': %s", rel, strerror(errno));
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		plist_add(l, rel, &st, NULL);
		return 0;
	}
	if (S_ISLNK(st.st_mode) && l->hub_real) {
		int hub = add_hub_link(l, rel);
		if (hub != 0)
			return hub < 0 ? -1 : 0;
	}
	if (S_ISLNK(st.st_mode)) {
		char *link = read_inside_link(dirfd, name, rel);
		if (!link)
			return -1;
		plist_add(l, rel, &st, link);
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		ms_error("'%s' is not a regular file, directory or symbolic link", rel);
		return -1;
	}
	plist_add(l, rel, &st, NULL);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		ms_error("cannot open directory '%s': %s", rel, strerror(errno));
		return -1;
	}
	return list_dir(l, fd, rel);
}

/* Takes ownership of fd. */
static int list_dir(struct plist *l, int fd, const char *prefix)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		ms_error("cannot read directory '%s': %s", prefix ? prefix : ".", strerror(errno));
		close(fd);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *rel = prefix ? ms_asprintf("%s/%s", prefix, e->d_name) : ms_strdup(e->d_name);
		rc = list_entry(l, dirfd(d), e->d_name, rel);
		free(rel);
	}
	closedir(d);
	return rc;
}

/* ---- writing ---- */

enum pack_format { PF_TAR, PF_GZ, PF_BZ2, PF_XZ, PF_ZST, PF_ZIP };

static const struct {
	const char *ext;
	enum pack_format f;
} extensions[] = {
    {".tar", PF_TAR},     {".tar.gz", PF_GZ}, {".tgz", PF_GZ},
    {".tar.bz2", PF_BZ2}, {".tar.xz", PF_XZ}, {".txz", PF_XZ},
    {".tar.zst", PF_ZST}, {".tzst", PF_ZST},  {".zip", PF_ZIP},
};

static int format_of(const char *path, enum pack_format *f)
{
	size_t n = strlen(path);
	for (size_t i = 0; i < MS_ARRAY_LEN(extensions); i++) {
		size_t e = strlen(extensions[i].ext);
		if (n > e && strcmp(path + n - e, extensions[i].ext) == 0) {
			*f = extensions[i].f;
			return 0;
		}
	}
	ms_error("cannot tell the archive format of '%s' (use .tar, .tar.gz, .tgz, .tar.bz2, "
	         ".tar.xz, .tar.zst or .zip)",
	         path);
	return -1;
}

static int has_builtin_zstd(void)
{
	struct archive *a = archive_write_new();
	int ok = a && archive_write_add_filter_zstd(a) == ARCHIVE_OK;
	if (a)
		archive_write_free(a);
	return ok;
}

char *ms_archive_default_path(const char *dir)
{
	char *base = ms_strdup(dir);
	size_t n = strlen(base);
	while (n > 1 && base[n - 1] == '/')
		base[--n] = '\0';
	char *out = ms_asprintf("%s%s", base, has_builtin_zstd() ? ".tar.zst" : ".tar.gz");
	free(base);
	return out;
}

/* Compression runs in-process only: ARCHIVE_WARN means an external program. */
static int set_format(struct archive *a, enum pack_format f)
{
	int r = f == PF_ZIP ? archive_write_set_format_zip(a)
	                    : archive_write_set_format_pax_restricted(a);
	if (r == ARCHIVE_OK) {
		switch (f) {
		case PF_GZ:
			r = archive_write_add_filter_gzip(a);
			if (r == ARCHIVE_OK)
				r = archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
			break;
		case PF_BZ2:
			r = archive_write_add_filter_bzip2(a);
			break;
		case PF_XZ:
			r = archive_write_add_filter_xz(a);
			break;
		case PF_ZST:
			r = archive_write_add_filter_zstd(a);
			break;
		default:
			break;
		}
	}
	if (r == ARCHIVE_OK)
		return 0;
	ms_error("cannot set up the archive format: %s",
	         archive_error_string(a) ? archive_error_string(a) : "not built into libarchive");
	return -1;
}

static struct archive_entry *make_entry(const char *top, const struct pentry *p)
{
	struct archive_entry *e = archive_entry_new();
	char *name = *p->rel ? ms_asprintf("%s/%s", top, p->rel) : ms_strdup(top);
	archive_entry_set_pathname(e, name);
	free(name);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, PACK_MTIME, 0);
	if (p->type == S_IFDIR) {
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
	} else if (p->type == S_IFLNK) {
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_perm(e, 0777);
		archive_entry_set_symlink(e, p->link);
	} else {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)p->size);
	}
	return e;
}

/* libarchive's message with the system's reason: its "Write error" alone
 * does not say that the disk is full. */
static const char *write_error(struct archive *a)
{
	static char msg[256];
	const char *what = archive_error_string(a) ? archive_error_string(a) : "write failed";
	int err = archive_errno(a);
	if (err > 0)
		snprintf(msg, sizeof msg, "%s (%s)", what, strerror(err));
	else
		snprintf(msg, sizeof msg, "%s", what);
	return msg;
}

static int copy_file(struct archive *a, int dirfd, int hub_fd, const struct pentry *p,
                     uint8_t *buf)
{
	/* a blob is opened below the hub folder, its last component unfollowed */
	int fd = p->blob ? openat(hub_fd, p->blob, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
	                 : openat(dirfd, p->rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ms_error("cannot open '%s': %s", p->rel, strerror(errno));
		return -1;
	}
	uint64_t done = 0;
	ssize_t n;
	while ((n = read(fd, buf, COPY_CHUNK)) > 0 && done + (uint64_t)n <= p->size) {
		if (archive_write_data(a, buf, (size_t)n) != n) {
			ms_error("cannot write the archive: %s", write_error(a));
			close(fd);
			return -1;
		}
		done += (uint64_t)n;
	}
	int err = n < 0 ? errno : 0;
	close(fd);
	if (err || n > 0 || done != p->size) {
		ms_error("'%s' %s while it was packed", p->rel,
		         err ? strerror(err) : "changed size");
		return -1;
	}
	return 0;
}

static int write_members(struct archive *a, int dirfd, const char *top, struct plist *l)
{
	const struct pentry root = {.rel = "", .type = S_IFDIR};
	uint8_t *buf = ms_malloc(COPY_CHUNK);
	int rc = 0;
	for (size_t i = 0; i <= l->n && rc == 0; i++) {
		const struct pentry *p = i == 0 ? &root : &l->e[i - 1];
		struct archive_entry *e = make_entry(top, p);
		if (archive_write_header(a, e) != ARCHIVE_OK) {
			ms_error("cannot write the archive: %s", write_error(a));
			rc = -1;
		} else if (p->type == S_IFREG) {
			rc = copy_file(a, dirfd, l->hub_fd, p, buf);
		}
		archive_entry_free(e);
	}
	free(buf);
	return rc;
}

/* temp file beside out, O_EXCL; *tmp gets its name. */
static int open_temp(const char *out, char **tmp)
{
	int fd = -1;
	for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
		free(*tmp);
		*tmp = ms_asprintf("%s.%ld.%d.tmp", out, (long)getpid(), attempt);
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0)
		ms_error("cannot create '%s': %s", *tmp, strerror(errno));
	return fd;
}

static void fsync_parent(const char *path)
{
	char *dir = ms_dirname(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

static int write_archive(int dirfd, const char *top, struct plist *l, const char *out,
                         enum pack_format f)
{
	char *tmp = NULL;
	int fd = open_temp(out, &tmp);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	struct archive *a = archive_write_new();
	int rc = a && set_format(a, f) == 0 ? 0 : -1;
	/* No padding to a 10 KiB record: the archive ends where its data does. */
	if (rc == 0 && f != PF_ZIP)
		archive_write_set_bytes_in_last_block(a, 1);
	if (rc == 0 && archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		ms_error("cannot write '%s': %s", out, write_error(a));
		rc = -1;
	}
	if (rc == 0)
		rc = write_members(a, dirfd, top, l);
	if (rc == 0 && archive_write_close(a) != ARCHIVE_OK) {
		ms_error("cannot write '%s': %s", out, write_error(a));
		rc = -1;
	} else if (rc < 0 && a) {
		/* After a failed write, libarchive < 3.8.2 frees its output
		 * buffer only in close, not in free (upstream pull request
		 * 2729). The temp file is removed anyway. */
		(void)archive_write_close(a);
	}
	if (a)
		archive_write_free(a);
	if (rc == 0 && fsync(fd) < 0) {
		ms_error("cannot write '%s' (fsync): %s", out, strerror(errno));
		rc = -1;
	}
	if (close(fd) < 0 && rc == 0) {
		ms_error("cannot write '%s' (close): %s", out, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp, out) < 0) {
		ms_error("cannot write '%s' (rename): %s", out, strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		unlink(tmp);
	else
		fsync_parent(out);
	free(tmp);
	return rc;
}

/* Writing the archive into the model would pack (part of) itself. */
static int out_inside_model(const char *real_dir, const char *out)
{
	char *dir = ms_dirname(out);
	char *real = realpath(dir, NULL);
	free(dir);
	if (!real)
		return 0; /* the write reports the missing directory */
	size_t n = strlen(real_dir);
	int inside = strncmp(real, real_dir, n) == 0 && (real[n] == '/' || real[n] == '\0');
	free(real);
	return inside;
}

static int check_signed(int dirfd, const char *dir)
{
	struct stat st;
	if (fstatat(dirfd, "model.sig", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
		return 0;
	ms_error("'%s' has no signature (model.sig): sign it before packing", dir);
	return -1;
}

int ms_archive_pack(const char *dir, const char *out)
{
	enum pack_format f;
	if (format_of(out, &f) < 0)
		return -1;
	ms_archive_names_utf8();
	char *real = realpath(dir, NULL);
	int dirfd = real ? open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (dirfd < 0) {
		ms_error("cannot open model directory '%s': %s", dir, strerror(errno));
		free(real);
		return -1;
	}
	int rc = check_signed(dirfd, dir);
	if (rc == 0 && out_inside_model(real, out)) {
		ms_error("the archive '%s' would be inside the model it packs", out);
		rc = -1;
	}
	struct plist l = {.root_real = real, .hub_fd = -1};
	char *hub = ms_hub_folder(real);
	if (hub) {
		l.hub_real = hub;
		l.hub_fd = open(hub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (l.hub_fd < 0) {
			ms_error("cannot open the hub folder '%s': %s", hub, strerror(errno));
			rc = -1;
		}
	}
	if (rc == 0)
		rc = list_dir(&l, dup(dirfd), NULL);
	/* Python's zipfile extracts a zip symlink as a file holding its text
	 * while unzip makes a link, so the reader refuses zip links: a tar
	 * carries them the same way to every extractor. */
	for (size_t i = 0; rc == 0 && f == PF_ZIP && i < l.n; i++)
		if (l.e[i].link) {
			ms_error(
			    "'%s' is a symbolic link, which a zip archive cannot carry the same "
			    "way to every extractor: pack into a .tar (or .tar.gz, ...) instead",
			    l.e[i].rel);
			rc = -1;
		}
	if (rc == 0) {
		qsort(l.e, l.n, sizeof *l.e, pentry_cmp);
		/* zip stores local times: make them the same everywhere. */
		setenv("TZ", "UTC0", 1);
		tzset();
		char *top = ms_basename(real);
		rc = write_archive(dirfd, top, &l, out, f);
		free(top);
	}
	plist_free(&l);
	if (l.hub_fd >= 0)
		close(l.hub_fd);
	free(hub);
	close(dirfd);
	free(real);
	return rc;
}
