/* Git LFS pointer files (see lfs.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modelseal/lfs.h"
#include "modelseal/trust.h"
#include "modelseal/util.h"

static const char *const versions[] = {
    "version https://git-lfs.github.com/spec/v1\n",
    "version https://hawser.github.com/spec/v1\n", /* pre-release git-lfs */
};

/* One "key value" line (without its newline) into *oid / *size. -1 when it
 * is not a well-formed line. */
static int parse_line(const char *s, size_t n, struct ms_lfs_pointer *out, int *have)
{
	const char *sp = memchr(s, ' ', n);
	if (!sp || sp == s)
		return -1;
	for (const char *k = s; k < sp; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '.' ||
		      *k == '-'))
			return -1;
	size_t klen = (size_t)(sp - s), vlen = n - klen - 1;
	const char *v = sp + 1;
	if (klen == 3 && memcmp(s, "oid", 3) == 0) {
		if (vlen != 7 + 64 || memcmp(v, "sha256:", 7) != 0)
			return -1;
		memcpy(out->oid, v + 7, 64);
		out->oid[64] = '\0';
		if (!ms_is_hex64(out->oid))
			return -1;
		*have |= 1;
	} else if (klen == 4 && memcmp(s, "size", 4) == 0) {
		char num[24];
		if (vlen == 0 || vlen >= sizeof num)
			return -1;
		memcpy(num, v, vlen);
		num[vlen] = '\0';
		if (ms_parse_u64(num, 0, UINT64_MAX, &out->size) < 0)
			return -1;
		*have |= 2;
	}
	return 0;
}

int ms_lfs_pointer_parse(const char *buf, size_t len, struct ms_lfs_pointer *out)
{
	size_t i = 0, vlen = 0;
	int have = 0;
	if (len > MS_LFS_POINTER_MAX)
		return 0;
	for (; i < MS_ARRAY_LEN(versions); i++) {
		vlen = strlen(versions[i]);
		if (len >= vlen && memcmp(buf, versions[i], vlen) == 0)
			break;
	}
	if (i == MS_ARRAY_LEN(versions))
		return 0;
	memset(out, 0, sizeof *out);
	for (size_t at = vlen; at < len;) {
		const char *nl = memchr(buf + at, '\n', len - at);
		if (!nl || parse_line(buf + at, (size_t)(nl - buf) - at, out, &have) < 0)
			return 0;
		at = (size_t)(nl - buf) + 1;
	}
	return have == 3;
}

int ms_lfs_pointer_file(const char *path, struct ms_lfs_pointer *out)
{
	char buf[MS_LFS_POINTER_MAX + 1];
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= MS_LFS_POINTER_MAX) {
		do
			n = read(fd, buf, sizeof buf);
		while (n < 0 && errno == EINTR);
	}
	close(fd);
	return n > 0 && ms_lfs_pointer_parse(buf, (size_t)n, out);
}

/* The file behind a manifest path: the model itself for ".". */
static char *file_path(const char *model, const char *rel)
{
	return strcmp(rel, ".") == 0 ? ms_strdup(model) : ms_asprintf("%s/%s", model, rel);
}

size_t ms_lfs_check_model(const char *path, const struct ms_manifest *m, int allow)
{
	size_t found = 0;
	for (size_t i = 0; i < m->n_res; i++) {
		const struct ms_resource *r = &m->res[i];
		/* One look per file: its last resource, which ends at its size. */
		if ((i + 1 < m->n_res && strcmp(m->res[i + 1].path, r->path) == 0) ||
		    r->end > MS_LFS_POINTER_MAX)
			continue;
		struct ms_lfs_pointer p;
		char *file = file_path(path, r->path);
		if (ms_lfs_pointer_file(file, &p)) {
			found++;
			if (allow)
				ms_warn("signing '%s' as it is: a Git LFS pointer file, not the "
				        "%llu bytes it stands for (--allow-lfs-pointers)",
				        r->path, (unsigned long long)p.size);
			else
				ms_error(
				    "'%s' is a Git LFS pointer file (oid sha256:%.12s..., size "
				    "%llu), not the file itself: run 'git lfs pull' in the "
				    "repository first, or pass --allow-lfs-pointers to sign "
				    "the pointers as they are",
				    file, p.oid, (unsigned long long)p.size);
		}
		free(file);
	}
	return found;
}

void ms_lfs_explain(const char *target, struct ms_problems *p)
{
	struct stat st;
	int single = stat(target, &st) == 0 && S_ISREG(st.st_mode);
	for (size_t i = 0; i < p->n; i++) {
		struct ms_lfs_pointer lp;
		if (strcmp(p->v[i].kind, "modified") != 0)
			continue;
		char *file = single ? ms_strdup(target) : file_path(target, p->v[i].path);
		if (ms_lfs_pointer_file(file, &lp)) {
			free(p->v[i].detail);
			p->v[i].detail = ms_asprintf(
			    "a Git LFS pointer file (oid sha256:%.12s..., size %llu) where the "
			    "signed file was: run 'git lfs pull'",
			    lp.oid, (unsigned long long)lp.size);
		}
		free(file);
	}
}
