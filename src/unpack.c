/* unpack: verify an archive, then extract it so that DEST is the model.
 *
 * The signature is checked before a single member is read. Then one pass
 * hashes the members and writes them, through libarchive's disk writer with
 * its secure flags, into a private temporary directory beside DEST. Only
 * when every digest matched is that directory renamed to DEST; on any
 * failure it is removed, so DEST either appears verified and whole or not
 * at all. Writing in the same pass that hashes means the bytes on disk are
 * the bytes that were verified, not a second read of an archive that may
 * have changed in between. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modelseal/bundle.h"
#include "modelseal/unpack.h"
#include "modelseal/util.h"

#define DISK_FLAGS                                                                                 \
	(ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |                       \
	 ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS)

struct extractor {
	char *tmp;  /* the private directory beside DEST */
	int tmp_fd; /* open on it */
	int cwd_fd; /* where we came from */
	int inside; /* the process sits in tmp: the disk writer's paths are relative */
	struct archive *disk;
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

static void leave(struct extractor *x)
{
	if (x->inside && fchdir(x->cwd_fd) == 0)
		x->inside = 0;
}

static int enter(struct extractor *x)
{
	if (x->inside)
		return 0;
	if (fchdir(x->tmp_fd) < 0) {
		ms_error("cannot enter '%s': %s", x->tmp, strerror(errno));
		return -1;
	}
	x->inside = 1;
	return 0;
}

/* Before each pass: an empty directory and a fresh writer. */
static int x_begin(void *ctx)
{
	struct extractor *x = ctx;
	leave(x);
	if (x->disk)
		archive_write_free(x->disk);
	DIR *d = opendir(x->tmp);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *p = ms_asprintf("%s/%s", x->tmp, e->d_name);
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

/* Plain permissions only: no setuid, setgid or sticky bit, no owner. */
static void normalise_entry(struct archive_entry *e, const char *name)
{
	archive_entry_copy_pathname(e, name);
	mode_t type = archive_entry_filetype(e);
	if (type == AE_IFDIR)
		archive_entry_set_perm(e, 0755);
	else if (type == AE_IFREG)
		archive_entry_set_perm(e, archive_entry_perm(e) & 0111 ? 0755 : 0644);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_uname(e, NULL);
	archive_entry_set_gname(e, NULL);
	archive_entry_xattr_clear(e);
	archive_entry_acl_clear(e);
	archive_entry_set_fflags(e, 0, 0);
}

static int x_entry(void *ctx, struct archive_entry *in, const char *name)
{
	struct extractor *x = ctx;
	if (enter(x) < 0)
		return -1;
	struct archive_entry *e = archive_entry_clone(in);
	normalise_entry(e, name);
	const char *hard = archive_entry_hardlink(in);
	char *target = NULL;
	if (hard && !ms_archive_check_name(hard, &target) && target)
		archive_entry_copy_hardlink(e, target);
	free(target);
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

static int make_tmp(const char *dest, struct extractor *x)
{
	char *dir = ms_dirname(dest), *base = ms_basename(dest);
	x->tmp = ms_asprintf("%s/.%s.unpack-XXXXXX", dir, base);
	free(dir);
	free(base);
	if (!mkdtemp(x->tmp)) {
		ms_error("cannot create a directory beside '%s': %s", dest, strerror(errno));
		return -1;
	}
	x->tmp_fd = open(x->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	x->cwd_fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x->tmp_fd < 0 || x->cwd_fd < 0) {
		ms_error("cannot open '%s': %s", x->tmp, strerror(errno));
		return -1;
	}
	return 0;
}

/* The model directory in tmp gets the signature that verified when it came
 * from beside the archive, and ordinary permissions. */
static int finish_model_dir(const char *model_dir, const struct ms_verify_result *res)
{
	mode_t mask = umask(0);
	umask(mask);
	if (chmod(model_dir, 0777 & ~mask) < 0) {
		ms_error("cannot set the mode of '%s': %s", model_dir, strerror(errno));
		return -1;
	}
	if (res->sig_member)
		return 0;
	char *json, *path = ms_asprintf("%s/model.sig", model_dir);
	size_t len;
	int rc = ms_read_file(res->signature, MS_BUNDLE_MAX, "signature", &json, &len);
	if (rc == 0) {
		unlink(path);
		rc = ms_write_atomic(path, json, len, 0644 & ~mask);
		free(json);
	}
	free(path);
	return rc;
}

static int move_into_place(struct extractor *x, const char *dest,
                           const struct ms_verify_result *res)
{
	char *src =
	    res->archive_root ? ms_asprintf("%s/%s", x->tmp, res->archive_root) : ms_strdup(x->tmp);
	int rc = finish_model_dir(src, res);
	if (rc == 0 && rename(src, dest) < 0) {
		ms_error("cannot rename '%s' to '%s': %s", src, dest, strerror(errno));
		rc = -1;
	}
	free(src);
	if (rc == 0) {
		char *dir = ms_dirname(dest);
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			(void)fsync(fd);
			close(fd);
		}
		free(dir);
	}
	return rc;
}

int ms_unpack(const struct ms_verify_request *vreq, const char *dest, struct ms_verify_result *res)
{
	memset(res, 0, sizeof *res);
	struct extractor x = {.tmp_fd = -1, .cwd_fd = -1};
	if (ms_unpack_check_dest(dest) < 0)
		return MS_ERR;
	int rc = make_tmp(dest, &x) < 0 ? MS_ERR : MS_OK;
	if (rc == MS_OK) {
		struct ms_archive_sink sink = {x_begin, x_entry, x_data, &x};
		struct ms_verify_request req = *vreq;
		req.archive = 1;
		req.sink = &sink;
		rc = ms_verify_model(&req, res);
		if (x.disk && archive_write_close(x.disk) != ARCHIVE_OK && rc == MS_OK) {
			ms_error("cannot extract: %s", archive_error_string(x.disk));
			rc = MS_ERR;
		}
		leave(&x);
	}
	if (rc == MS_OK && !res->verified)
		rc = MS_FAIL;
	if (rc == MS_OK && move_into_place(&x, dest, res) < 0)
		rc = MS_ERR;
	if (x.disk)
		archive_write_free(x.disk);
	if (x.tmp_fd >= 0)
		close(x.tmp_fd);
	if (x.cwd_fd >= 0)
		close(x.cwd_fd);
	if (x.tmp)
		remove_tree(x.tmp); /* after a success only the empty shell, if any */
	free(x.tmp);
	return rc;
}
