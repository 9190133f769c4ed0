/* The tar framing walker (ms_tarscan, src/source/archive_tar.c): header blocks,
 * pax records, GNU long names, numeric fields, fed in pieces of varying
 * size as libarchive's reads would come. Every member it reports has a
 * name and one of the four types modelseal reads. */
#include "../../src/source/archive_int.h"
#include "fuzz.h"

MS_FUZZ_INIT

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_tarscan *t = ms_tarscan_new("fuzz");
	uint32_t seed = (uint32_t)size * 2654435761u;
	size_t off = 0;
	int rc = 0;
	while (rc == 0 && off < size) {
		seed = seed * 1103515245u + 12345u;
		size_t n = 1 + (seed >> 8) % 1500;
		if (n > size - off)
			n = size - off;
		rc = ms_tarscan_feed(t, off, data + off, n);
		off += n;
	}
	if (rc == 0)
		(void)ms_tarscan_end(t);
	const struct ms_tar_record *r;
	while ((r = ms_tarscan_next(t)) != NULL) {
		MS_FUZZ_ASSERT(r->name != NULL);
		MS_FUZZ_ASSERT(r->type == '0' || r->type == '1' || r->type == '2' ||
		               r->type == '5');
		MS_FUZZ_ASSERT((r->type != '1' && r->type != '2') || r->link != NULL);
		MS_FUZZ_ASSERT(r->type == '0' || r->size == 0);
	}
	ms_tarscan_free(t);
	return 0;
}
