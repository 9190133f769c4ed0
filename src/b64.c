/* Base64 through libsodium: it rejects non-canonical input that hand-written
 * decoders often accept (stray characters, non-zero padding bits). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/b64.h"
#include "modelseal/util.h"

char *ms_b64_encode(const void *data, size_t len)
{
	const int variant = sodium_base64_VARIANT_ORIGINAL;
	size_t size = sodium_base64_ENCODED_LEN(len, variant);
	char *out = ms_malloc(size);
	sodium_bin2base64(out, size, data, len, variant);
	return out;
}

/* Which of libsodium's variants the text can be: the alphabet decides
 * standard or URL-safe, a trailing '=' decides padded. */
static int guess_variant(const char *text, size_t len)
{
	int std = 0, url = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '+' || text[i] == '/')
			std = 1;
		else if (text[i] == '-' || text[i] == '_')
			url = 1;
	}
	if (std && url)
		return -1;
	int padded = len > 0 && text[len - 1] == '=';
	if (url)
		return padded ? sodium_base64_VARIANT_URLSAFE
		              : sodium_base64_VARIANT_URLSAFE_NO_PADDING;
	return padded || len % 4 == 0 ? sodium_base64_VARIANT_ORIGINAL
	                              : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
}

int ms_b64_decode(const char *text, size_t len, const char *what, uint8_t **out, size_t *out_len)
{
	int variant = guess_variant(text, len);
	if (variant < 0) {
		ms_error("%s is not valid base64: it mixes the standard and URL-safe alphabets",
		         what);
		return -1;
	}
	size_t max = len / 4 * 3 + 3;
	uint8_t *bin = ms_malloc(max);
	size_t n = 0;
	/* A NULL end pointer makes libsodium fail unless all len bytes decode. */
	if (sodium_base642bin(bin, max, text, len, NULL, &n, NULL, variant) != 0) {
		ms_error("%s is not valid base64", what);
		free(bin);
		return -1;
	}
	*out = bin;
	*out_len = n;
	return 0;
}
