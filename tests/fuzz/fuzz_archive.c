/* Archives as models (ms_archive_hash through libarchive: tar in its
 * flavours, compressed or not, zip, with the zip directory and tar framing
 * checks of archive_zip.c and archive_tar.c) and archive member names
 * (ms_archive_check_name). The input is written to a scratch file named
 * for the format its first bytes look like (the reader reads the format the
 * name says). An accepted member name is a safe manifest path, and every
 * resource of an accepted archive has a safe name. Half the inputs go
 * through a sink that writes nothing, so that unpack's own name checks
 * (case and Unicode normalisation collisions) run too. */
#include <fcntl.h>
#include <unistd.h>

#include "fuzz.h"
#include "modelseal/archive.h"
#include "modelseal/hashing.h"
#include "modelseal/manifest.h"
#include "modelseal/util.h"

static char dir[] = "/tmp/ms-fuzz-archive-XXXXXX";
static const char *const exts[] = {"tar", "tar.gz", "tar.bz2", "tar.xz", "tar.zst", "zip"};
static char *paths[6];

static void cleanup(void)
{
	for (size_t i = 0; i < 6; i++)
		unlink(paths[i]);
	rmdir(dir);
}

static size_t sniff(const uint8_t *d, size_t n)
{
	static const struct {
		const char *magic;
		size_t len, ext;
	} m[] = {{"\x1f\x8b", 2, 1},
	         {"BZh", 3, 2},
	         {"\xfd"
	          "7zXZ",
	          5, 3},
	         {"\x28\xb5\x2f\xfd", 4, 4},
	         {"PK", 2, 5}};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (n >= m[i].len && memcmp(d, m[i].magic, m[i].len) == 0)
			return m[i].ext;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	for (size_t i = 0; i < 6; i++)
		paths[i] = ms_asprintf("%s/model.%s", dir, exts[i]);
	atexit(cleanup);
	ms_fuzz_quiet();
	return 0;
}

static void check_name(const uint8_t *data, size_t size)
{
	char *raw = ms_fuzz_cstr(data, size < 512 ? size : 512), *norm = NULL;
	if (ms_archive_check_name(raw, &norm) == NULL && norm)
		MS_FUZZ_ASSERT(ms_path_is_safe(norm));
	free(norm);
	free(raw);
}

static int sink_begin(void *ctx)
{
	(void)ctx;
	return 0;
}

static int sink_entry(void *ctx, struct archive_entry *e, const char *name)
{
	(void)ctx, (void)e, (void)name;
	return 0;
}

static int sink_data(void *ctx, const void *buf, size_t len, int64_t offset)
{
	(void)ctx, (void)buf, (void)len, (void)offset;
	return 0;
}

static int sink_link(void *ctx, const char *name, const char *target, int hard)
{
	(void)ctx, (void)name, (void)target, (void)hard;
	return 0;
}

static const struct ms_archive_sink nowhere = {sink_begin, sink_entry, sink_data, sink_link, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_name(data, size);
	const char *path = paths[sniff(data, size)];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0)
		abort();
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	o.jobs = 1;
	o.shard_size = 64;
	o.allow_symlinks = size > 0 && (data[0] & 1);
	struct ms_manifest m;
	struct ms_archive_info info = {0};
	const struct ms_archive_sink *sink = size > 0 && (data[0] & 2) ? &nowhere : NULL;
	if (ms_archive_hash(path, &o, sink, &m, &info) == 0) {
		for (size_t i = 0; i < m.n_res; i++)
			MS_FUZZ_ASSERT(ms_path_is_safe(m.res[i].path));
		ms_manifest_free(&m);
	}
	ms_archive_info_free(&info);
	ms_hash_opts_free(&o);
	return 0;
}
