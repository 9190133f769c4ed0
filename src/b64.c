/* Base64 through libsodium: it rejects non-canonical input that hand-written
 * decoders often accept (stray characters, non-zero padding bits). Its
 * decoder runs in constant time, right for keys but a tenth of verify's
 * time on a 40 MB bundle's payload: public data takes a table decoder that
 * accepts exactly what libsodium accepts in the standard padded alphabet
 * and hands anything else to libsodium. */
#include <pthread.h>
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

/* The standard alphabet's values; 0xff for any other byte. */
static uint8_t std_values[256];

static void std_values_init(void)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	memset(std_values, 0xff, sizeof std_values);
	for (unsigned i = 0; i < 64; i++)
		std_values[(unsigned char)alphabet[i]] = (uint8_t)i;
}

/* Decodes standard base64 with canonical padding (0 to 2 '=', zero bits
 * after the last byte) into bin, which holds len / 4 * 3 bytes. -1 for
 * anything else, which libsodium then judges. */
static int decode_std(const char *text, size_t len, uint8_t *bin, size_t *n)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, std_values_init);
	size_t pad = 0;
	while (pad < len && pad < 3 && text[len - 1 - pad] == '=')
		pad++;
	size_t body = len - pad, tail = body % 4;
	if (pad > 2 || tail == 1 || (tail == 0 && pad != 0) || (tail && pad != 4 - tail))
		return -1;
	const unsigned char *t = (const unsigned char *)text;
	uint8_t *o = bin;
	unsigned bad = 0;
	size_t i = 0;
	for (; i + 4 <= body; i += 4) {
		unsigned a = std_values[t[i]], b = std_values[t[i + 1]], c = std_values[t[i + 2]],
		         d = std_values[t[i + 3]];
		bad |= a | b | c | d;
		uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | d;
		o[0] = (uint8_t)(v >> 16);
		o[1] = (uint8_t)(v >> 8);
		o[2] = (uint8_t)v;
		o += 3;
	}
	if (tail) {
		unsigned a = std_values[t[i]], b = std_values[t[i + 1]];
		unsigned c = tail == 3 ? std_values[t[i + 2]] : 0;
		bad |= a | b | c;
		uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)(c & 0x3f) << 6;
		/* the bits past the last whole byte must be zero */
		if ((tail == 2 && (v & 0xffff)) || (tail == 3 && (v & 0xff)))
			return -1;
		*o++ = (uint8_t)(v >> 16);
		if (tail == 3)
			*o++ = (uint8_t)(v >> 8);
	}
	if (bad & 0x80)
		return -1;
	*n = (size_t)(o - bin);
	return 0;
}

int ms_b64_decode_public(const char *text, size_t len, const char *what, size_t room, uint8_t **mem,
                         size_t *out_len)
{
	if (room > SIZE_MAX / 2 || len > SIZE_MAX / 2) {
		ms_error("%s is too large", what);
		return -1;
	}
	uint8_t *buf = ms_malloc(room + len / 4 * 3 + 3), *slow;
	size_t n;
	if (decode_std(text, len, buf + room, &n) < 0) {
		/* not canonical standard base64: libsodium judges (rare) */
		if (ms_b64_decode(text, len, what, &slow, &n) < 0) {
			free(buf);
			return -1;
		}
		memcpy(buf + room, slow, n); /* n <= len / 4 * 3 + 2 */
		free(slow);
	}
	buf[room + n] = '\0';
	*mem = buf;
	*out_len = n;
	return 0;
}
