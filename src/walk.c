/* The directory walk. Everything is opened relative to directory fds with
 * O_NOFOLLOW, so a symlink is seen as a symlink and never crossed by accident. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "modelseal/util.h"
#include "modelseal/walk.h"

/* Never hashed: where modelseal keeps a directory model's signatures. */
static const char *const signature_names[] = {"model.sig", "model.provenance.sig"};
static const char *const git_names[] = {".git", ".gitattributes", ".github", ".gitignore"};

char *ms_normalise_rel_path(const char *path)
{
	if (!path || *path == '/')
		return NULL;
	struct ms_buf b = {0};
	for (const char *p = path; *p;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			ms_buf_free(&b);
			return NULL;
		}
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (b.len)
				ms_buf_append(&b, "/", 1);
			ms_buf_append(&b, p, n);
		}
		p += n + (slash ? 1 : 0);
	}
	return b.data; /* NULL when nothing was left */
}

int ms_ignore_match(char *const *list, size_t n, const char *rel)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list[i]);
		if (strncmp(rel, list[i], len) == 0 && (rel[len] == '\0' || rel[len] == '/'))
			return 1;
	}
	return 0;
}

static void add_ignored(char ***list, size_t *n, const char *rel)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*list)[i], rel) == 0)
			return;
	*list = ms_reallocarray(*list, *n + 1, sizeof(char *));
	(*list)[(*n)++] = ms_strdup(rel);
}

static int cmp_ignored(const void *a, const void *b)
{
	return ms_path_cmp(*(char *const *)a, *(char *const *)b);
}

void ms_ignore_list_build(const struct ms_hash_opts *o, char ***list, size_t *n)
{
	*list = NULL;
	*n = 0;
	for (size_t i = 0; i < MS_ARRAY_LEN(signature_names); i++)
		add_ignored(list, n, signature_names[i]);
	if (o->ignore_git)
		for (size_t i = 0; i < MS_ARRAY_LEN(git_names); i++)
			add_ignored(list, n, git_names[i]);
	for (size_t i = 0; i < o->n_ignore; i++)
		add_ignored(list, n, o->ignore[i]);
	qsort(*list, *n, sizeof(char *), cmp_ignored);
}

void ms_ignore_list_free(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static void add_file(struct ms_walk *w, size_t *cap, const char *rel, const char *open_path,
                     const struct stat *st)
{
	if (w->n_files == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		w->files = ms_reallocarray(w->files, *cap, sizeof *w->files);
	}
	struct ms_file *f = &w->files[w->n_files++];
	f->rel = ms_strdup(rel);
	f->open_path = ms_strdup(open_path);
	f->size = (uint64_t)st->st_size;
	f->hash_limit = UINT64_MAX;
	f->mtime = st->st_mtim;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
}

/* An allowed symlink: its target must be a regular file inside the root.
 * The target is then opened by its real path, so nothing is followed later. */
static int resolve_symlink(const char *root_real, const char *rel, char **target, struct stat *st)
{
	char *full = ms_asprintf("%s/%s", root_real, rel);
	char *real = realpath(full, NULL);
	free(full);
	size_t rlen = strlen(root_real);
	if (!real) {
		ms_error("symbolic link '%s' is dangling or unreadable: %s", rel, strerror(errno));
		return -1;
	}
	int inside = strncmp(real, root_real, rlen) == 0 && real[rlen] == '/';
	if (strcmp(root_real, "/") == 0)
		inside = 1, rlen = 0;
	if (!inside) {
		ms_error("symbolic link '%s' points outside the model", rel);
		free(real);
		return -1;
	}
	if (stat(real, st) < 0 || !S_ISREG(st->st_mode)) {
		ms_error("symbolic link '%s' does not point to a regular file", rel);
		free(real);
		return -1;
	}
	*target = ms_strdup(real + rlen + 1);
	free(real);
	return 0;
}

struct walk_ctx {
	struct ms_walk *w;
	const struct ms_hash_opts *o;
	const char *root_real;
	size_t cap;
};

static int walk_dir(struct walk_ctx *c, int dirfd, const char *prefix);

static int walk_entry(struct walk_ctx *c, int dirfd, const char *name, const char *rel)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		ms_error("cannot stat '%s': %s", rel, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			ms_error("cannot open directory '%s': %s", rel, strerror(errno));
			return -1;
		}
		return walk_dir(c, fd, rel);
	}
	if (S_ISREG(st.st_mode)) {
		add_file(c->w, &c->cap, rel, rel, &st);
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		if (!c->o->allow_symlinks) {
			ms_error(
			    "'%s' is a symbolic link (use --allow-symlinks to hash its target)",
			    rel);
			return -1;
		}
		char *target;
		if (resolve_symlink(c->root_real, rel, &target, &st) < 0)
			return -1;
		add_file(c->w, &c->cap, rel, target, &st);
		free(target);
		return 0;
	}
	ms_error("'%s' is not a regular file or directory", rel);
	return -1;
}

/* Takes ownership of fd. */
static int walk_dir(struct walk_ctx *c, int fd, const char *prefix)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		ms_error("cannot read directory '%s': %s", prefix ? prefix : ".", strerror(errno));
		close(fd);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	errno = 0;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *rel = prefix ? ms_asprintf("%s/%s", prefix, e->d_name) : ms_strdup(e->d_name);
		if (!ms_ignore_match(c->w->ignored, c->w->n_ignored, rel))
			rc = walk_entry(c, dirfd(d), e->d_name, rel);
		free(rel);
		errno = 0;
	}
	if (rc == 0 && errno) {
		ms_error("cannot read directory '%s': %s", prefix ? prefix : ".", strerror(errno));
		rc = -1;
	}
	closedir(d);
	return rc;
}

static int cmp_files(const void *a, const void *b)
{
	return ms_path_cmp(((const struct ms_file *)a)->rel, ((const struct ms_file *)b)->rel);
}

static int walk_single_file(struct ms_walk *w, const char *real, const struct stat *st)
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
	add_file(w, &cap, ".", base, st);
	free(dir);
	free(base);
	return 0;
}

int ms_walk_model(const char *path, const struct ms_hash_opts *o, struct ms_walk *w)
{
	memset(w, 0, sizeof *w);
	w->root_fd = -1;
	struct stat st;
	/* The model path itself is the user's choice: it may be a symlink. */
	if (stat(path, &st) < 0) {
		ms_error("cannot access model '%s': %s", path, strerror(errno));
		return -1;
	}
	char *real = realpath(path, NULL);
	if (!real) {
		ms_error("cannot resolve model path '%s': %s", path, strerror(errno));
		return -1;
	}
	w->name = ms_basename(path);
	int rc;
	if (S_ISREG(st.st_mode)) {
		rc = walk_single_file(w, real, &st);
	} else if (S_ISDIR(st.st_mode)) {
		ms_ignore_list_build(o, &w->ignored, &w->n_ignored);
		w->root_fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int fd = w->root_fd < 0 ? -1 : dup(w->root_fd);
		if (fd < 0) {
			ms_error("cannot open model directory '%s': %s", path, strerror(errno));
			rc = -1;
		} else {
			struct walk_ctx c = {w, o, real, 0};
			rc = walk_dir(&c, fd, NULL);
		}
	} else {
		ms_error("model '%s' is not a regular file or directory", path);
		rc = -1;
	}
	free(real);
	if (rc < 0) {
		ms_walk_free(w);
		return -1;
	}
	if (w->n_files > 1)
		qsort(w->files, w->n_files, sizeof *w->files, cmp_files);
	return 0;
}

void ms_walk_filter(struct ms_walk *w, int (*keep)(struct ms_file *f, void *ctx), void *ctx)
{
	size_t k = 0;
	for (size_t i = 0; i < w->n_files; i++) {
		if (keep(&w->files[i], ctx)) {
			w->files[k++] = w->files[i];
			continue;
		}
		free(w->files[i].rel);
		free(w->files[i].open_path);
	}
	w->n_files = k;
}

void ms_walk_free(struct ms_walk *w)
{
	for (size_t i = 0; i < w->n_files; i++) {
		free(w->files[i].rel);
		free(w->files[i].open_path);
	}
	ms_ignore_list_free(w->ignored, w->n_ignored);
	free(w->files);
	free(w->name);
	if (w->root_fd >= 0)
		close(w->root_fd);
	memset(w, 0, sizeof *w);
	w->root_fd = -1;
}

/* openat2 refuses every symlink on the way and anything escaping the root;
 * kernels without it get O_NOFOLLOW on the last component. */
static int open_beneath(int root_fd, const char *rel)
{
	struct open_how how = {
	    .flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
	    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof how);
	if (fd < 0 && (errno == ENOSYS || errno == EPERM))
		fd = openat(root_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	return fd;
}

const char *ms_file_display(const struct ms_file *f)
{
	return strcmp(f->rel, ".") == 0 ? f->open_path : f->rel;
}

int ms_walk_unchanged(int fd, const struct ms_file *f)
{
	struct stat st;
	return fstat(fd, &st) == 0 && (uint64_t)st.st_size == f->size && st.st_ino == f->ino &&
	       st.st_dev == f->dev && st.st_mtim.tv_sec == f->mtime.tv_sec &&
	       st.st_mtim.tv_nsec == f->mtime.tv_nsec;
}

int ms_walk_still_linked(const struct ms_walk *w, const struct ms_file *f)
{
	struct stat st;
	return fstatat(w->root_fd, f->open_path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       st.st_ino == f->ino && st.st_dev == f->dev;
}

int ms_walk_open(const struct ms_walk *w, const struct ms_file *f)
{
	/* Listed as a regular file, but it may have been swapped for a FIFO
	 * since: opened without blocking, and checked again. */
	int fd = open_beneath(w->root_fd, f->open_path);
	if (fd < 0) {
		ms_error("cannot open '%s': %s", ms_file_display(f), strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ms_error("'%s' changed while the model was being hashed: it is no longer a "
			 "regular file",
			 ms_file_display(f));
		close(fd);
		return -1;
	}
	return fd;
}
