/* Archives as models (ms_archive_hash through libarchive: tar in its
 * flavours, compressed or not, zip, ...) and archive member names
 * (ms_archive_check_name). The input is written to a scratch file, as the
 * reader takes a path. An accepted member name is a safe manifest path, and
 * every resource of an accepted archive has a safe name. */
#include <fcntl.h>
#include <unistd.h>

#include "fuzz.h"
#include "modelseal/archive.h"
#include "modelseal/hashing.h"
#include "modelseal/manifest.h"
#include "modelseal/util.h"

static char dir[] = "/tmp/ms-fuzz-archive-XXXXXX";
static char *path;

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	path = ms_asprintf("%s/model.tar", dir);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_name(data, size);
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
	if (ms_archive_hash(path, &o, NULL, &m, &info) == 0) {
		for (size_t i = 0; i < m.n_res; i++)
			MS_FUZZ_ASSERT(ms_path_is_safe(m.res[i].path));
		ms_manifest_free(&m);
	}
	ms_archive_info_free(&info);
	ms_hash_opts_free(&o);
	return 0;
}
