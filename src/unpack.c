/* unpack: verify an archive, then extract it so that DEST is the model.
 *
 * The signature is checked before a single member is read. Then one pass
 * hashes the members and writes them into a private staging directory
 * beside DEST: only directories and the regular files the signed statement
 * lists go through libarchive's disk writer (with its secure flags), each
 * only up to its signed size, and a member the statement does not list is
 * refused before any of its bytes is written (archive.c). Writing in the
 * same pass that hashes means the bytes on disk are the bytes that were
 * verified, not a second read of an archive that may have changed in
 * between.
 *
 * Only when every digest matched does modelseal create the links (as links
 * to the regular file each resolved to, relative and inside the model, so
 * they never leave DEST wherever it is renamed), write DEST/model.sig from
 * a signature it verified again, and rename the model into place. On any
 * failure the staging directory is removed, so DEST either appears
 * verified and whole or not at all.
 *
 * The staging directory is named ".modelseal-unpack.*" and held under an
 * exclusive flock(2) while its unpack runs. An unpack killed (kill -9)
 * leaves it behind without model.sig, so it never passes for a model, and
 * the next unpack into the same parent directory removes every such
 * directory whose lock is free. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modelseal/bundle.h"
#include "modelseal/unpack.h"
#include "modelseal/util.h"

#define DISK_FLAGS                                                                                 \
	(ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |                       \
	 ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS)
#define STAGING_PREFIX ".modelseal-unpack."

struct link_todo {
	char *name, *target; /* member names */
	int hard;
};

struct extractor {
	struct ms_unpack *u;
	int cwd_fd; /* where we came from */
	int inside; /* the process sits in staging: the disk writer's paths are relative */
	struct archive *disk;
	struct link_todo *links;
	size_t n_links;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* Removes path and everything below it, never following a link. */
static void remove_tree(const char *path)
{
	(void)nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

/* ---- the staging directory ---- */

/* Removes the staging directories that interrupted unpacks left in dir:
 * those whose lock nobody holds. */
static void sweep_staging(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, STAGING_PREFIX, strlen(STAGING_PREFIX)) != 0)
			continue;
		char *path = ms_asprintf("%s/%s", dir, e->d_name);
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
			ms_note("removing '%s', left by an interrupted unpack", path);
			remove_tree(path);
		}
		if (fd >= 0)
			close(fd);
		free(path);
	}
	if (d)
		closedir(d);
}

/* Locks the directory just made at u->staging; 0 when it is still the
 * one at that path once locked. */
static int lock_staging(struct ms_unpack *u)
{
	u->lock_fd = open(u->staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat a, b;
	if (u->lock_fd >= 0 && flock(u->lock_fd, LOCK_EX) == 0 && fstat(u->lock_fd, &a) == 0 &&
	    lstat(u->staging, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
		return 0;
	if (u->lock_fd >= 0)
		close(u->lock_fd);
	u->lock_fd = -1;
	(void)rmdir(u->staging);
	return -1;
}

/* A new staging directory beside dest, locked. A sweep by another unpack
 * may remove it between mkdtemp and flock: then it is made again. */
static int make_staging(const char *dest, struct ms_unpack *u)
{
	char *dir = ms_dirname(dest), *base = ms_basename(dest);
	sweep_staging(dir);
	int rc = -1, made = 1;
	for (int tries = 0; tries < 8 && rc < 0 && made; tries++) {
		free(u->staging);
		u->staging = ms_asprintf("%s/" STAGING_PREFIX "%s.XXXXXX", dir, base);
		made = mkdtemp(u->staging) != NULL;
		if (!made) {
			ms_error("cannot create a directory beside '%s': %s", dest,
			         strerror(errno));
			free(u->staging);
			u->staging = NULL;
		} else {
			rc = lock_staging(u);
		}
	}
	if (rc < 0 && made)
		ms_error("cannot lock a directory beside '%s'", dest);
	free(dir);
	free(base);
	return rc;
}

void ms_unpack_discard(struct ms_unpack *u)
{
	if (u->staging)
		remove_tree(u->staging); /* after a commit only the empty shell, if any */
	if (u->lock_fd >= 0)
		close(u->lock_fd);
	free(u->staging);
	free(u->model);
	free(u->sig);
	free(u->prov);
	memset(u, 0, sizeof *u);
	u->lock_fd = -1;
}

/* ---- the sink: what the archive pass hands over ---- */

static void leave(struct extractor *x)
{
	if (x->inside && fchdir(x->cwd_fd) == 0)
		x->inside = 0;
}

static int enter(struct extractor *x)
{
	if (x->inside)
		return 0;
	if (fchdir(x->u->lock_fd) < 0) {
		ms_error("cannot enter '%s': %s", x->u->staging, strerror(errno));
		return -1;
	}
	x->inside = 1;
	return 0;
}

static void links_free(struct extractor *x)
{
	for (size_t i = 0; i < x->n_links; i++) {
		free(x->links[i].name);
		free(x->links[i].target);
	}
	free(x->links);
	x->links = NULL;
	x->n_links = 0;
}

/* Before each pass: an empty directory and a fresh writer. */
static int x_begin(void *ctx)
{
	struct extractor *x = ctx;
	leave(x);
	links_free(x);
	if (x->disk)
		archive_write_free(x->disk);
	DIR *d = opendir(x->u->staging);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *p = ms_asprintf("%s/%s", x->u->staging, e->d_name);
		remove_tree(p);
		free(p);
	}
	if (d)
		closedir(d);
	x->disk = archive_write_disk_new();
	if (!x->disk || archive_write_disk_set_options(x->disk, DISK_FLAGS) != ARCHIVE_OK) {
		ms_error("cannot set up libarchive's disk writer");
		return -1;
	}
	return 0;
}

/* A fresh entry with what the writer needs and nothing else: the name,
 * the type (regular file or directory, the only ones the archive pass
 * hands over), the size and plain permissions; no owner, no setuid,
 * setgid or sticky bit, no link, no xattr, ACL or flags. */
static struct archive_entry *plain_entry(struct archive_entry *in, const char *name)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_copy_pathname(e, name);
	if (archive_entry_filetype(in) == AE_IFDIR) {
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
	} else {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, archive_entry_perm(in) & 0111 ? 0755 : 0644);
		if (archive_entry_size_is_set(in))
			archive_entry_set_size(e, archive_entry_size(in));
	}
	if (archive_entry_mtime_is_set(in))
		archive_entry_set_mtime(e, archive_entry_mtime(in), 0);
	return e;
}

static int x_entry(void *ctx, struct archive_entry *in, const char *name)
{
	struct extractor *x = ctx;
	mode_t type = archive_entry_filetype(in);
	if ((type != AE_IFREG && type != AE_IFDIR) || archive_entry_hardlink(in)) {
		ms_error("cannot extract '%s': not a regular file or directory", name);
		return -1;
	}
	if (enter(x) < 0)
		return -1;
	struct archive_entry *e = plain_entry(in, name);
	int r = archive_write_header(x->disk, e);
	archive_entry_free(e);
	if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
		return 0;
	ms_error("cannot extract '%s': %s", name, archive_error_string(x->disk));
	return -1;
}

static int x_data(void *ctx, const void *buf, size_t len, int64_t offset)
{
	struct extractor *x = ctx;
	if (archive_write_data_block(x->disk, buf, len, offset) >= ARCHIVE_WARN)
		return 0;
	ms_error("cannot extract: %s", archive_error_string(x->disk));
	return -1;
}

/* Links wait until the model verified. */
static int x_link(void *ctx, const char *name, const char *target, int hard)
{
	struct extractor *x = ctx;
	x->links = ms_reallocarray(x->links, x->n_links + 1, sizeof *x->links);
	x->links[x->n_links++] = (struct link_todo){ms_strdup(name), ms_strdup(target), hard};
	return 0;
}

/* ---- after verification ---- */

/* The directory that holds path (relative to dfd), made where missing,
 * never through a link. -1 after reporting. */
static int open_parent(int dfd, const char *path, const char **base)
{
	int fd = dup(dfd);
	const char *p = path;
	for (const char *slash; fd >= 0 && (slash = strchr(p, '/')) != NULL; p = slash + 1) {
		char *comp = ms_strndup(p, (size_t)(slash - p));
		if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST)
			ms_error("cannot create '%s': %s", comp, strerror(errno));
		int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			ms_error("cannot open '%s' in '%s': %s", comp, path, strerror(errno));
		free(comp);
		close(fd);
		fd = next;
	}
	*base = p;
	return fd;
}

/* The link's text: the way from the link's directory to its target, both
 * below the model root, so it never climbs out of DEST. */
static char *relative_target(const char *name, const char *target)
{
	size_t common = 0;
	for (size_t i = 0; name[i] && name[i] == target[i]; i++)
		if (name[i] == '/')
			common = i + 1;
	struct ms_buf b = {0};
	for (const char *s = name + common; (s = strchr(s, '/')) != NULL; s++)
		ms_buf_append(&b, "../", 3);
	ms_buf_append(&b, target + common, strlen(target + common) + 1);
	return b.data;
}

static const char *below_root(const char *name, const char *root)
{
	size_t n = root ? strlen(root) : 0;
	return n && strncmp(name, root, n) == 0 && name[n] == '/' ? name + n + 1 : name;
}

static int create_link(int model_fd, const struct link_todo *l, const char *root)
{
	const char *name = below_root(l->name, root), *target = below_root(l->target, root), *base;
	int dfd = open_parent(model_fd, name, &base);
	if (dfd < 0)
		return -1;
	int rc;
	if (l->hard) {
		rc = linkat(model_fd, target, dfd, base, 0);
	} else {
		char *text = relative_target(name, target);
		rc = symlinkat(text, dfd, base);
		free(text);
	}
	if (rc < 0)
		ms_error("cannot create the link '%s': %s", name, strerror(errno));
	close(dfd);
	return rc;
}

/* The signature to keep as DEST/model.sig: read again (from beside the
 * archive or from its member) and kept only if it verifies with the same
 * trust (keys, CAs, keyless signers) to the very statement that verified. */
static int verified_signature(const struct ms_verify_request *req,
                              const struct ms_verify_result *res, char **json, size_t *len)
{
	int rc;
	if (res->sig_member) {
		char *top = NULL;
		rc = ms_archive_read_member(req->model, "model.sig", MS_BUNDLE_MAX, json, len,
		                            &top) == 1
		         ? 0
		         : -1;
		free(top);
	} else {
		rc = ms_read_file(res->signature, MS_BUNDLE_MAX, "signature", json, len);
	}
	if (rc < 0)
		return -1;
	struct ms_verify_result again;
	int v = ms_verify_signature(req, res->signature, *json, *len, &again);
	int same = v == MS_OK && again.payload_len == res->payload_len &&
	           memcmp(again.payload, res->payload, res->payload_len) == 0;
	ms_verify_result_free(&again);
	if (same)
		return 0;
	ms_error("the signature of '%s' changed while it was unpacked", req->model);
	free(*json);
	*json = NULL; /* the caller's ms_unpack frees it otherwise */
	return -1;
}

/* The archive's model.provenance.sig, when it has one at the model root and
 * it verifies with one of the trusted keys: a signature the statement does
 * not list, kept only because it verified too. Otherwise it is left out,
 * with a warning. */
static int verified_provenance(const struct ms_verify_request *req,
                               const struct ms_verify_result *res, struct ms_unpack *u)
{
	char *json, *top = NULL;
	size_t len;
	int found = ms_archive_read_member(req->model, "model.provenance.sig", MS_BUNDLE_MAX, &json,
	                                   &len, &top);
	int at_root = found == 1 && ((top == NULL) == (res->archive_root == NULL)) &&
	              (!top || strcmp(top, res->archive_root) == 0);
	free(top);
	if (found < 0)
		return -1;
	if (found == 0)
		return 0;
	uint8_t *payload = NULL;
	size_t plen, which;
	int v = at_root
	            ? ms_bundle_verify(json, len, "model.provenance.sig", MS_INTOTO_PAYLOAD_TYPE,
	                               req->keys, req->n_keys, &payload, &plen, &which)
	            : MS_FAIL;
	free(payload);
	if (v == MS_OK) {
		u->prov = json;
		u->prov_len = len;
		return 0;
	}
	free(json);
	ms_warn("'%s': its model.provenance.sig does not verify with the trusted keys and is not "
	        "unpacked",
	        req->model);
	return 0;
}

/* The model directory in staging gets its links and ordinary permissions;
 * the signature that verified waits in u->sig for the commit, so that a
 * staging directory never holds a model.sig before its model is moved into
 * place. */
static int finish_model_dir(const struct ms_verify_request *req, const struct ms_verify_result *res,
                            struct extractor *x)
{
	const char *model_dir = x->u->model;
	int fd = open(model_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		ms_error("cannot open '%s': %s", model_dir, strerror(errno));
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < x->n_links && rc == 0; i++)
		rc = create_link(fd, &x->links[i], res->archive_root);
	close(fd);
	mode_t mask = umask(0);
	umask(mask);
	if (rc == 0 && chmod(model_dir, 0777 & ~mask) < 0) {
		ms_error("cannot set the mode of '%s': %s", model_dir, strerror(errno));
		rc = -1;
	}
	if (rc < 0 || verified_signature(req, res, &x->u->sig, &x->u->sig_len) < 0)
		return -1;
	return verified_provenance(req, res, x->u);
}

int ms_unpack_commit(struct ms_unpack *u, const char *dest)
{
	mode_t mask = umask(0);
	umask(mask);
	char *path = ms_asprintf("%s/model.sig", u->model);
	int rc = ms_write_atomic(path, u->sig, u->sig_len, 0644 & ~mask);
	free(path);
	if (rc == 0 && u->prov) {
		path = ms_asprintf("%s/model.provenance.sig", u->model);
		rc = ms_write_atomic(path, u->prov, u->prov_len, 0644 & ~mask);
		free(path);
	}
	if (rc < 0)
		return -1;
	if (rename(u->model, dest) < 0) {
		ms_error("cannot rename '%s' to '%s': %s", u->model, dest, strerror(errno));
		return -1;
	}
	char *dir = ms_dirname(dest);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
	return 0;
}

int ms_unpack_check_dest(const char *dest)
{
	struct stat st;
	if (lstat(dest, &st) < 0)
		return errno == ENOENT
		           ? 0
		           : (ms_error("cannot access '%s': %s", dest, strerror(errno)), -1);
	DIR *d = S_ISDIR(st.st_mode) ? opendir(dest) : NULL;
	int empty = d != NULL;
	struct dirent *e;
	while (d && empty && (e = readdir(d)) != NULL)
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	if (d)
		closedir(d);
	if (empty)
		return 0;
	ms_error("'%s' already exists: unpack needs a new or empty directory", dest);
	return -1;
}

static int extract_verified(const struct ms_verify_request *vreq, struct extractor *x,
                            struct ms_verify_result *res)
{
	struct ms_archive_sink sink = {x_begin, x_entry, x_data, x_link, x};
	struct ms_verify_request req = *vreq;
	req.archive = 1;
	req.sink = &sink;
	int rc = ms_verify_model(&req, res);
	if (x->disk && archive_write_close(x->disk) != ARCHIVE_OK && rc == MS_OK) {
		ms_error("cannot extract: %s", archive_error_string(x->disk));
		rc = MS_ERR;
	}
	leave(x);
	if (rc == MS_OK && !res->verified)
		rc = MS_FAIL;
	if (rc != MS_OK)
		return rc;
	x->u->model = res->archive_root ? ms_asprintf("%s/%s", x->u->staging, res->archive_root)
	                                : ms_strdup(x->u->staging);
	return finish_model_dir(&req, res, x) < 0 ? MS_ERR : MS_OK;
}

int ms_unpack_stage(const struct ms_verify_request *vreq, const char *dest, struct ms_unpack *u,
                    struct ms_verify_result *res)
{
	memset(res, 0, sizeof *res);
	memset(u, 0, sizeof *u);
	u->lock_fd = -1;
	if (ms_unpack_check_dest(dest) < 0 || make_staging(dest, u) < 0)
		return MS_ERR;
	struct extractor x = {.u = u, .cwd_fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
	if (x.cwd_fd < 0) {
		ms_error("cannot open the current directory: %s", strerror(errno));
		ms_unpack_discard(u);
		return MS_ERR;
	}
	int rc = extract_verified(vreq, &x, res);
	if (x.disk)
		archive_write_free(x.disk);
	links_free(&x);
	close(x.cwd_fd);
	if (rc != MS_OK)
		ms_unpack_discard(u);
	return rc;
}

int ms_unpack(const struct ms_verify_request *req, const char *dest, struct ms_verify_result *res)
{
	struct ms_unpack u;
	int rc = ms_unpack_stage(req, dest, &u, res);
	if (rc == MS_OK && ms_unpack_commit(&u, dest) < 0)
		rc = MS_ERR;
	ms_unpack_discard(&u);
	return rc;
}
