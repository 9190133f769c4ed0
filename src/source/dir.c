/* The directory source: the walk. Everything is opened relative to
 * directory fds with O_NOFOLLOW, so a symlink is seen as a symlink and never
 * crossed by accident. A model path that names one file goes to file.c. */
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
#include "source_int.h"

/* Never hashed: where modelseal keeps a directory model's signatures. */
static const char *const signature_names[] = {"model.sig", "model.provenance.sig"};
/* Skipped by default (--no-ignore-git hashes them): git's files, and the
 * bookkeeping `hf download --local-dir` keeps and rewrites on re-download. */
static const char *const git_names[] = {".git", ".gitattributes", ".github", ".gitignore",
                                        ".cache/huggingface"};

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

void ms_ignore_list_build(const struct ms_source_opts *o, char ***list, size_t *n)
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

int ms_source_opts_same_files(const struct ms_source_opts *a, const struct ms_source_opts *b)
{
	if (!a->allow_symlinks != !b->allow_symlinks)
		return 0;
	char **la, **lb;
	size_t na, nb;
	ms_ignore_list_build(a, &la, &na); /* sorted, without repeats */
	ms_ignore_list_build(b, &lb, &nb);
	int same = na == nb;
	for (size_t i = 0; same && i < na; i++)
		same = strcmp(la[i], lb[i]) == 0;
	ms_ignore_list_free(la, na);
	ms_ignore_list_free(lb, nb);
	return same;
}

void ms_ignore_list_free(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

void ms_walk_add_file(struct ms_walk *w, size_t *cap, const char *rel, const char *open_path,
                      const struct stat *st)
{
	if (w->n_files == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		w->files = ms_reallocarray(w->files, *cap, sizeof *w->files);
	}
	struct ms_file *f = &w->files[w->n_files];
	f->seq = w->n_files++;
	f->rel = ms_strdup(rel);
	f->open_path = ms_strdup(open_path);
	f->size = (uint64_t)st->st_size;
	f->hash_limit = UINT64_MAX;
	f->mtime = st->st_mtim;
	f->ctime = st->st_ctim;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->in_hub = 0;
}

struct walk_ctx {
	struct ms_walk *w;
	const struct ms_source_opts *o;
	const char *root_real;
	const char *hub_real; /* the hub folder of a cache snapshot, or NULL */
	size_t cap;
	ms_walk_file_fn on_file; /* or NULL */
	void *on_file_ctx;
	const atomic_int *stop; /* or NULL */
};

/* Keeps dir's identity and status change time, taken before its entries
 * are read, for ms_walk_dirs_unchanged. */
static int add_dir(struct ms_walk *w, int fd, const char *rel)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		ms_error("cannot stat directory '%s': %s", rel, strerror(errno));
		return -1;
	}
	if (w->n_dirs == w->dirs_cap) {
		w->dirs_cap = w->dirs_cap ? 2 * w->dirs_cap : 16;
		w->dirs = ms_reallocarray(w->dirs, w->dirs_cap, sizeof *w->dirs);
	}
	w->dirs[w->n_dirs++] =
	    (struct ms_walk_dir){ms_strdup(rel), st.st_dev, st.st_ino, st.st_ctim};
	return 0;
}

static int stopped(const struct walk_ctx *c)
{
	return c->stop && atomic_load(c->stop);
}

/* Hands the file just listed to the caller's on_file, if any. */
static int listed(struct walk_ctx *c)
{
	if (!c->on_file)
		return 0;
	return c->on_file(c->on_file_ctx, c->w, &c->w->files[c->w->n_files - 1]);
}

/* real below dir (a real path): the rest after "dir/", else NULL. */
static const char *below(const char *dir, const char *real)
{
	size_t n = strlen(dir);
	if (strcmp(dir, "/") == 0)
		return real + 1;
	return strncmp(real, dir, n) == 0 && real[n] == '/' ? real + n + 1 : NULL;
}

/* A symlink may be followed when --allow-symlinks is given and it resolves
 * inside the root, or in a hub cache snapshot when it resolves inside the
 * snapshot's own hub folder (its blobs/). Its target must be a regular file,
 * which is then opened by its real path below the root or the hub folder,
 * so nothing is followed later. */
static int resolve_symlink(struct walk_ctx *c, const char *rel, struct ms_file *f, struct stat *st)
{
	if (!c->o->allow_symlinks && !c->hub_real) {
		ms_error("'%s' is a symbolic link (use --allow-symlinks to hash its target)", rel);
		return -1;
	}
	char *full = ms_asprintf("%s/%s", c->root_real, rel);
	char *real = realpath(full, NULL);
	free(full);
	if (!real) {
		ms_error("symbolic link '%s' is dangling or unreadable: %s", rel, strerror(errno));
		return -1;
	}
	const char *in_root = c->o->allow_symlinks ? below(c->root_real, real) : NULL;
	const char *in_hub = !in_root && c->hub_real ? below(c->hub_real, real) : NULL;
	int rc = -1;
	if (!in_root && !in_hub && c->hub_real)
		ms_error("symbolic link '%s' points outside the model and outside its hub "
		         "cache folder %s",
		         rel, c->hub_real);
	else if (!in_root && !in_hub)
		ms_error("symbolic link '%s' points outside the model", rel);
	else if (stat(real, st) < 0 || !S_ISREG(st->st_mode))
		ms_error("symbolic link '%s' does not point to a regular file", rel);
	else {
		f->open_path = ms_strdup(in_root ? in_root : in_hub);
		f->in_hub = in_hub != NULL;
		rc = 0;
	}
	free(real);
	return rc;
}

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
		ms_walk_add_file(c->w, &c->cap, rel, rel, &st);
		return listed(c);
	}
	if (S_ISLNK(st.st_mode)) {
		struct ms_file f = {0};
		if (resolve_symlink(c, rel, &f, &st) < 0)
			return -1;
		ms_walk_add_file(c->w, &c->cap, rel, f.open_path, &st);
		c->w->files[c->w->n_files - 1].in_hub = f.in_hub;
		c->w->hub_links |= f.in_hub;
		free(f.open_path);
		return listed(c);
	}
	ms_error("'%s' is not a regular file or directory", rel);
	return -1;
}

static int path_too_long(const char *rel)
{
	ms_error("'%.80s...' is nested too deep: its path is longer than %d bytes", rel,
	         PATH_MAX - 1);
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
	int rc = add_dir(c->w, fd, prefix ? prefix : ".");
	struct dirent *e;
	errno = 0;
	while (rc == 0 && !stopped(c) && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *rel = prefix ? ms_asprintf("%s/%s", prefix, e->d_name) : ms_strdup(e->d_name);
		/* A path nothing could open is refused: the paths held while
		 * descending grow with the square of the depth. */
		if (ms_ignore_match(c->w->ignored, c->w->n_ignored, rel))
			rc = 0;
		else if (strlen(rel) >= PATH_MAX)
			rc = path_too_long(rel);
		else
			rc = walk_entry(c, dirfd(d), e->d_name, rel);
		free(rel);
		errno = 0;
	}
	if (rc == 0 && stopped(c)) {
		rc = -1; /* asked to stop: not an error to report */
	} else if (rc == 0 && errno) {
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

/* The Hugging Face hub cache layout: the hub folder of a snapshot,
 * .../models--ORG--NAME (or datasets--, spaces--), when real lies in
 * .../models--ORG--NAME/snapshots/REV; NULL otherwise. */
char *ms_hub_folder(const char *real)
{
	static const char *const kinds[] = {"models--", "datasets--", "spaces--"};
	const char *s = real;
	while ((s = strstr(s, "/snapshots/")) != NULL) {
		const char *rev = s + strlen("/snapshots/");
		const char *name = s;
		while (name > real && name[-1] != '/')
			name--;
		for (size_t i = 0; *rev && *rev != '/' && i < MS_ARRAY_LEN(kinds); i++)
			if (strncmp(name, kinds[i], strlen(kinds[i])) == 0 &&
			    (size_t)(s - name) > strlen(kinds[i]))
				return ms_strndup(real, (size_t)(s - real));
		s++;
	}
	return NULL;
}

/* Leaves w to the caller to free, also on failure. */
static int walk_model(const char *path, const struct ms_source_opts *o, struct ms_walk *w,
                      ms_walk_file_fn on_file, void *ctx, const atomic_int *stop)
{
	memset(w, 0, sizeof *w);
	w->root_fd = -1;
	w->hub_fd = -1;
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
		rc = ms_source_file_list(w, real, &st);
		if (rc == 0 && on_file)
			rc = on_file(ctx, w, &w->files[0]);
	} else if (S_ISDIR(st.st_mode)) {
		ms_ignore_list_build(o, &w->ignored, &w->n_ignored);
		char *hub = ms_hub_folder(real);
		w->root_fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		w->hub_fd = hub ? open(hub, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		int fd = w->root_fd < 0 || (hub && w->hub_fd < 0) ? -1 : dup(w->root_fd);
		if (fd < 0) {
			ms_error("cannot open model directory '%s': %s", path, strerror(errno));
			rc = -1;
		} else {
			struct walk_ctx c = {w, o, real, hub, 0, on_file, ctx, stop};
			rc = walk_dir(&c, fd, NULL);
		}
		free(hub);
	} else {
		ms_error("model '%s' is not a regular file or directory", path);
		rc = -1;
	}
	free(real);
	if (rc < 0)
		return -1;
	if (w->n_files > 1)
		qsort(w->files, w->n_files, sizeof *w->files, cmp_files);
	return 0;
}

int ms_walk_list(const char *path, const struct ms_source_opts *o, struct ms_walk *w)
{
	if (walk_model(path, o, w, NULL, NULL, NULL) == 0)
		return 0;
	ms_walk_free(w);
	return -1;
}

int ms_walk_list_each(const char *path, const struct ms_source_opts *o, struct ms_walk *w,
                      ms_walk_file_fn on_file, void *ctx)
{
	return walk_model(path, o, w, on_file, ctx, NULL);
}

int ms_walk_list_each_until(const char *path, const struct ms_source_opts *o, struct ms_walk *w,
                            ms_walk_file_fn on_file, void *ctx, const atomic_int *stop)
{
	return walk_model(path, o, w, on_file, ctx, stop);
}

static int same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static int same_dir(const struct stat *st, const struct ms_walk_dir *d)
{
	return S_ISDIR(st->st_mode) && st->st_dev == d->dev && st->st_ino == d->ino &&
	       same_time(st->st_ctim, d->ctime);
}

int ms_walk_dirs_unchanged(const struct ms_walk *w, const char *path)
{
	struct stat st;
	if (w->root_fd < 0 || w->n_dirs == 0 || stat(path, &st) < 0 || !same_dir(&st, &w->dirs[0]))
		return 0;
	for (size_t i = 0; i < w->n_dirs; i++)
		if (fstatat(w->root_fd, w->dirs[i].rel, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !same_dir(&st, &w->dirs[i]))
			return 0;
	return 1;
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
	for (size_t i = 0; i < w->n_dirs; i++)
		free(w->dirs[i].rel);
	free(w->dirs);
	free(w->files);
	free(w->name);
	if (w->root_fd >= 0)
		close(w->root_fd);
	if (w->hub_fd >= 0)
		close(w->hub_fd);
	memset(w, 0, sizeof *w);
	w->root_fd = -1;
	w->hub_fd = -1;
}

/* The directory f's open_path is relative to. */
static int base_fd(const struct ms_walk *w, const struct ms_file *f)
{
	return f->in_hub ? w->hub_fd : w->root_fd;
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

static int is_listed_file(const struct stat *st, const struct ms_file *f)
{
	return st->st_ino == f->ino && st->st_dev == f->dev;
}

/* The path's stat is the inode's (the fd was that inode when opened, and
 * it still is the listed one): it says whether the bytes changed since
 * the walk as well as fstat of the fd would, one syscall a file fewer. */
int ms_walk_still_listed(const struct ms_walk *w, const struct ms_file *f)
{
	struct stat st;
	if (fstatat(base_fd(w, f), f->open_path, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !is_listed_file(&st, f) || (uint64_t)st.st_size != f->size ||
	    !same_time(st.st_mtim, f->mtime) || !same_time(st.st_ctim, f->ctime))
		return 0;
	/* A followed link must still lead to what was hashed: re-pointed
	 * meanwhile, the model no longer holds those bytes. */
	int linked = f->in_hub || (strcmp(f->rel, ".") != 0 && strcmp(f->rel, f->open_path) != 0);
	return !linked || (fstatat(w->root_fd, f->rel, &st, 0) == 0 && is_listed_file(&st, f));
}

int ms_walk_open(const struct ms_walk *w, const struct ms_file *f)
{
	/* Listed as a regular file, but it may have been swapped for a FIFO
	 * since: opened without blocking, and checked again. */
	int fd = open_beneath(base_fd(w, f), f->open_path);
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
	/* Another file renamed in since the walk: what is read must be the
	 * file listed, which ms_walk_still_listed then checks by path. */
	if (!is_listed_file(&st, f)) {
		ms_error("'%s' changed while the model was being hashed", ms_file_display(f));
		close(fd);
		return -1;
	}
	return fd;
}
