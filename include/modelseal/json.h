/* Strict JSON input on top of cJSON: whole-document parse with no trailing
 * bytes and no duplicate keys, and typed field access that reports what is
 * wrong by name. */
#ifndef MODELSEAL_JSON_H
#define MODELSEAL_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

/* A document may hold at most one value (number, string, array, object...)
 * per this many bytes, plus a few thousand: parsing then costs at most a few
 * times the input's size in memory. */
#define MS_JSON_BYTES_PER_VALUE 16
/* Arrays and objects nest at most this deep (no format of ours needs 10). */
#define MS_JSON_MAX_DEPTH 64

/* Parses exactly len bytes; what names the document in errors ("statement",
 * "signature bundle"). NULL after reporting. */
cJSON *ms_json_parse(const char *text, size_t len, const char *what);

/* The same checks, without a message: NULL when the text is not a strict
 * JSON document (for a first look at a document that is parsed again,
 * with messages, on the path that needs it). */
cJSON *ms_json_parse_quiet(const char *text, size_t len);

/* ms_json_parse, and every number must be a plain integer (no fraction,
 * exponent, leading zero or "-0"): for modelseal's own documents, where
 * "3e3" or "1.0" as a size is a forgery or a bug, never a writer's style.
 * (Statements keep ms_json_parse: model_signing writes shard sizes as 8.0.) */
cJSON *ms_json_parse_integers(const char *text, size_t len, const char *what);

/* Field getters: NULL / -1 after reporting "<what>: field 'key' ..." when the
 * field is missing or of the wrong type. The _opt forms accept absence. */
const cJSON *ms_json_object(const cJSON *obj, const char *key, const char *what);
const cJSON *ms_json_array(const cJSON *obj, const char *key, const char *what);
const char *ms_json_string(const cJSON *obj, const char *key, const char *what);
int ms_json_bool(const cJSON *obj, const char *key, const char *what, int *out);
/* An integral number in [min, max] and below 2^53 (also written as 8.0, as
 * Python does). */
int ms_json_u64(const cJSON *obj, const char *key, uint64_t min, uint64_t max, const char *what,
                uint64_t *out);

/* Refuses (reporting "<what>: unknown field 'x'") any member of o not in
 * allowed, so that a misspelt field is never silently ignored. */
int ms_json_only_fields(const cJSON *o, const char *const *allowed, size_t n, const char *what);

/* Serialises with two-space indentation and a final newline. */
char *ms_json_print(const cJSON *item);

#endif
