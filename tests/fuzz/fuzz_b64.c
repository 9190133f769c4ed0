/* Base64 (ms_b64_decode, both alphabets, padded or not): what decodes
 * encodes back to text that decodes to the same bytes, and any bytes
 * survive encode then decode. The fast decoder for public data
 * (ms_b64_decode_public) gives the same verdict and bytes. */
#include "fuzz.h"
#include "modelseal/b64.h"

MS_FUZZ_INIT

static void round_trip(const uint8_t *bytes, size_t len)
{
	char *text = ms_b64_encode(bytes, len);
	uint8_t *back;
	size_t back_len;
	MS_FUZZ_ASSERT(ms_b64_decode(text, strlen(text), "encoded", &back, &back_len) == 0);
	MS_FUZZ_ASSERT(back_len == len && memcmp(back, bytes, len) == 0);
	free(back);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *out;
	size_t out_len;
	uint8_t *fast;
	size_t fast_len;
	int rc = ms_b64_decode((const char *)data, size, "input", &out, &out_len);
	size_t room = size % 7; /* the fast decoder's bytes land after room, then a NUL */
	MS_FUZZ_ASSERT(
	    ms_b64_decode_public((const char *)data, size, "input", room, &fast, &fast_len) == rc);
	if (rc == 0) {
		MS_FUZZ_ASSERT(fast_len == out_len && memcmp(fast + room, out, out_len) == 0 &&
		               fast[room + fast_len] == 0);
		free(fast);
	}
	if (rc == 0) {
		MS_FUZZ_ASSERT(out_len <= size);
		round_trip(out, out_len);
		free(out);
	}
	round_trip(data, size);
	return 0;
}
