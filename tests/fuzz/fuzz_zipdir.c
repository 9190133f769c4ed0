/* The zip directory parser (ms_zip_dir_read, src/source/archive_zip.c): the end
 * record, zip64 records, central headers, local headers and data
 * descriptors of an untrusted zip. An accepted directory lays its members
 * out one after another inside the file, each with a non-empty name
 * without NUL. */
#include <fcntl.h>
#include <unistd.h>

#include "../../src/source/archive_int.h"
#include "fuzz.h"
#include "modelseal/util.h"

static char dir[] = "/tmp/ms-fuzz-zipdir-XXXXXX";
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
	path = ms_asprintf("%s/model.zip", dir);
	atexit(cleanup);
	ms_fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	struct ms_zip_dir d;
	if (ms_zip_dir_read(fd, size, "fuzz", &d) == 0) {
		uint64_t pos = 0;
		for (size_t i = 0; i < d.n; i++) {
			MS_FUZZ_ASSERT(d.v[i].local_off == pos);
			MS_FUZZ_ASSERT(d.v[i].end > d.v[i].local_off && d.v[i].end <= size);
			MS_FUZZ_ASSERT(d.v[i].name[0] != '\0');
			pos = d.v[i].end;
		}
		ms_zip_dir_free(&d);
	}
	close(fd);
	return 0;
}
