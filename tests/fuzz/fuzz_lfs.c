/* Git LFS pointer files: ms_lfs_pointer_parse on any bytes. What it accepts
 * is small, starts with a version line, ends with a newline and carries a
 * well-formed oid. */
#include "fuzz.h"
#include "modelseal/lfs.h"
#include "modelseal/trust.h"

MS_FUZZ_INIT

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_lfs_pointer p;
	/* An exact-size copy, so reading past len shows up under ASan. */
	char *buf = malloc(size ? size : 1);
	if (!buf)
		abort();
	memcpy(buf, data, size);
	if (ms_lfs_pointer_parse(buf, size, &p)) {
		MS_FUZZ_ASSERT(size <= MS_LFS_POINTER_MAX);
		MS_FUZZ_ASSERT(size > 8 && memcmp(buf, "version ", 8) == 0);
		MS_FUZZ_ASSERT(buf[size - 1] == '\n');
		MS_FUZZ_ASSERT(ms_is_hex64(p.oid));
	}
	free(buf);
	return 0;
}
