/* Base64 as used in Sigstore bundles and DSSE envelopes (libsodium codec). */
#ifndef MODELSEAL_B64_H
#define MODELSEAL_B64_H

#include <stddef.h>
#include <stdint.h>

/* Standard alphabet with padding, as Sigstore bundles carry it. Freshly
 * allocated, NUL-terminated. */
char *ms_b64_encode(const void *data, size_t len);

/* Decodes text of exactly len bytes in the standard alphabet or the URL-safe
 * one, padded or not (DSSE allows either). Anything else (whitespace, mixed
 * alphabets, bad padding, trailing bits) is refused with an error naming
 * what (e.g. "signature"). *out is malloc'd (never NULL on success, even for
 * empty input) and must be freed. */
int ms_b64_decode(const char *text, size_t len, const char *what, uint8_t **out, size_t *out_len);
/* The same bytes, faster, for data that is not secret (a payload): not in
 * constant time. They land `room` bytes into *mem (malloc'd, to be freed),
 * followed by a NUL, so that a header can be written before them and a
 * text read after them without copying a payload of tens of megabytes. */
int ms_b64_decode_public(const char *text, size_t len, const char *what, size_t room, uint8_t **mem,
                         size_t *out_len);

#endif
