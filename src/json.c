/* Strict JSON reading and stable printing over cJSON. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/json.h"
#include "modelseal/util.h"

static int key_cmp(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* Objects with at most this many keys are checked pair by pair: most are
 * small (a statement has one per resource, with three keys), and sorting
 * each cost an allocation and a qsort, a tenth of parsing a statement. */
#define PAIRWISE_KEYS 8

static const char *duplicate_key_pairwise(const cJSON *obj)
{
	for (const cJSON *a = obj->child; a; a = a->next)
		for (const cJSON *b = a->next; b; b = b->next)
			if (a->string && b->string && strcmp(a->string, b->string) == 0)
				return b->string;
	return NULL;
}

/* A key that occurs twice in obj, or NULL. Sorting finds it in n log n: a
 * pairwise scan let a 1 MB object with 100,000 keys stall for minutes. */
static const char *duplicate_key(const cJSON *obj)
{
	size_t n = 0;
	for (const cJSON *c = obj->child; c; c = c->next)
		n++;
	if (n < 2)
		return NULL;
	if (n <= PAIRWISE_KEYS)
		return duplicate_key_pairwise(obj);
	const cJSON **keys = ms_reallocarray(NULL, n, sizeof *keys);
	n = 0;
	for (const cJSON *c = obj->child; c; c = c->next)
		if (c->string)
			keys[n++] = c;
	qsort(keys, n, sizeof *keys, key_cmp);
	const char *dup = NULL;
	for (size_t i = 1; i < n && !dup; i++)
		if (strcmp(keys[i - 1]->string, keys[i]->string) == 0)
			dup = keys[i]->string;
	free(keys);
	return dup;
}

/* cJSON keeps every member of an object, so {"a":1,"a":2} would read as 1 to
 * us and as 2 to another tool. Refuse such documents outright. */
static int has_duplicate_keys(const cJSON *item, const char **dup)
{
	if (cJSON_IsObject(item) && (*dup = duplicate_key(item)) != NULL)
		return 1;
	for (const cJSON *c = item->child; c; c = c->next)
		if (has_duplicate_keys(c, dup))
			return 1;
	return 0;
}

/* cJSON accepts more than RFC 8259, and some of it changes meaning: an
 * escaped NUL ("\u0000") silently ends a string, so "a\u0000/../x" reads as
 * "a" here and as something else elsewhere; control bytes count as white
 * space; bytes that are not UTF-8 pass through. Refuse all of that before
 * cJSON sees the text. Outside strings a '"' always opens one in a
 * well-formed document, and a malformed one fails in cJSON anyway. */
/* Set while ms_json_parse_quiet runs: the checks are the same, the
 * messages are not printed. */
static _Thread_local int quiet;

__attribute__((format(printf, 1, 2))) static void parse_error(const char *fmt, ...)
{
	if (quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	ms_error("%s", msg ? msg : "malformed JSON");
	free(msg);
}

/* Sixteen bytes as one vector (GCC and clang): SSE2 on x86-64, NEON on
 * arm64, and plain code elsewhere, with no flag to build with. */
typedef unsigned char bytes16 __attribute__((vector_size(16)));

static int any_set(bytes16 v)
{
	uint64_t half[2];
	memcpy(half, &v, sizeof half);
	return (half[0] | half[1]) != 0;
}

/* Whether the 32 bytes at p are all ASCII. */
static int ascii32(const char *p)
{
	bytes16 a, b;
	memcpy(&a, p, sizeof a);
	memcpy(&b, p + 16, sizeof b);
	return !any_set((a | b) & 0x80);
}

/* Where the valid UTF-8 prefix of text ends, like ms_utf8_prefix, but runs
 * of ASCII go 32 bytes at a time: a bundle is megabytes of base64. */
static size_t utf8_valid_prefix(const char *text, size_t len)
{
	size_t i = 0;
	while (i < len) {
		if (len - i >= 32 && ascii32(text + i)) {
			i += 32;
			continue;
		}
		/* one sequence fits in 4 bytes: a window that cuts the next one
		 * short still takes the ones before it */
		size_t k = ms_utf8_prefix(text + i, len - i < 4 ? len - i : 4);
		if (k == 0)
			return i;
		i += k;
	}
	return len;
}

/* Whether none of the 32 bytes at p ends a string's plain run: no '"',
 * no backslash, no control character. */
static int plain32(const char *p)
{
	bytes16 a, b;
	memcpy(&a, p, sizeof a);
	memcpy(&b, p + 16, sizeof b);
	return !any_set((bytes16)((a == '"') | (a == '\\') | (a < 0x20) | (b == '"') | (b == '\\') |
	                          (b < 0x20)));
}

/* From i inside a string: the first byte that ends it, escapes or is a
 * control character (the only ones check_text looks at), or len. Runs of
 * plain bytes go 32 at a time: a bundle is megabytes of base64 in one
 * string, checked before every parse. */
static size_t plain_string_end(const char *text, size_t i, size_t len)
{
	while (len - i >= 32 && plain32(text + i))
		i += 32;
	while (i < len && text[i] != '"' && text[i] != '\\' && (unsigned char)text[i] >= 0x20)
		i++;
	return i;
}

static int check_text(const char *text, size_t len, const char *what)
{
	size_t valid = utf8_valid_prefix(text, len);
	if (valid < len) {
		parse_error("%s is not valid UTF-8 (byte %zu)", what, valid);
		return -1;
	}
	int in_string = 0;
	size_t values = 1, depth = 0;
	for (size_t i = 0; i < len; i++) {
		if (in_string && (i = plain_string_end(text, i, len)) == len)
			break;
		unsigned char c = (unsigned char)text[i];
		if (!in_string && (c == ',' || c == '[' || c == '{'))
			values++;
		if (!in_string && (c == '[' || c == '{') && ++depth > MS_JSON_MAX_DEPTH) {
			parse_error("%s nests deeper than %d levels (byte %zu)", what,
			            MS_JSON_MAX_DEPTH, i);
			return -1;
		}
		if (!in_string && (c == ']' || c == '}') && depth > 0)
			depth--;
		if (c < 0x20 && (in_string || !strchr(" \t\r\n", c) || c == 0)) {
			parse_error("%s has a control character (0x%02x) at byte %zu", what, c, i);
			return -1;
		}
		if (c == '"') {
			in_string = !in_string;
		} else if (in_string && c == '\\' && i + 1 < len) {
			if (len - i >= 6 && memcmp(text + i + 1, "u0000", 5) == 0) {
				parse_error(
				    "%s has a NUL character (\\u0000) in a string at byte %zu",
				    what, i);
				return -1;
			}
			i++; /* the escaped character, which may be a quote */
		}
	}
	/* cJSON spends about 80 bytes on every value: "[0,0,0,...]" would cost
	 * 40 times its size. Real documents have far fewer values per byte, so
	 * this bounds the parse to a few times the input. */
	if (values > len / MS_JSON_BYTES_PER_VALUE + 4096) {
		parse_error(
		    "%s has too many JSON values for its size (%zu in %zu bytes; at most one "
		    "per %d bytes)",
		    what, values, len, MS_JSON_BYTES_PER_VALUE);
		return -1;
	}
	return 0;
}

cJSON *ms_json_parse(const char *text, size_t len, const char *what)
{
	const char *end = NULL;
	if (len == 0) {
		parse_error("%s is empty", what);
		return NULL;
	}
	if (check_text(text, len, what) < 0)
		return NULL;
	errno = 0;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!root && errno == ENOMEM) /* malloc failed in cJSON: not the text's fault */
		ms_out_of_memory();
	if (!root) {
		const char *at = cJSON_GetErrorPtr();
		size_t off = at && at >= text && at <= text + len ? (size_t)(at - text) : 0;
		parse_error("%s is not valid JSON (near byte %zu)", what, off);
		return NULL;
	}
	while (end && end < text + len && strchr(" \t\r\n", *end) && *end)
		end++;
	if (end && end < text + len) {
		parse_error("%s has trailing data after the JSON document", what);
		cJSON_Delete(root);
		return NULL;
	}
	const char *dup;
	if (has_duplicate_keys(root, &dup)) {
		parse_error("%s has the key '%s' twice in one object", what, dup);
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* The end of the number token at i (what may follow a number in JSON ends
 * it), and whether it is all digits after an optional "-". */
static size_t number_end(const char *text, size_t i, size_t len, int *digits_only)
{
	*digits_only = 1;
	for (size_t start = i; i < len && text[i] && strchr("+-.0123456789eE", text[i]); i++)
		if ((text[i] < '0' || text[i] > '9') && !(i == start && text[i] == '-'))
			*digits_only = 0;
	return i;
}

/* Whether every number outside strings is a canonical integer: digits, no
 * leading zero, no fraction or exponent, no "-0". The text is valid JSON,
 * so a backslash in a string is never its last byte. */
static int integers_only(const char *text, size_t len, const char *what)
{
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '"') {
			for (i = plain_string_end(text, i + 1, len); i < len && text[i] != '"';
			     i = plain_string_end(text, i + 2, len))
				; /* a backslash and the character it escapes */
			continue;
		}
		if (text[i] != '-' && (text[i] < '0' || text[i] > '9'))
			continue;
		int digits;
		size_t end = number_end(text, i, len, &digits), d = i + (text[i] == '-');
		if (!digits || end == d || (text[d] == '0' && (end - d > 1 || d > i))) {
			parse_error("%s: the number '%.*s' at byte %zu is not a plain integer",
			            what, (int)(end - i > 40 ? 40 : end - i), text + i, i);
			return -1;
		}
		i = end - 1;
	}
	return 0;
}

cJSON *ms_json_parse_integers(const char *text, size_t len, const char *what)
{
	cJSON *root = ms_json_parse(text, len, what);
	if (root && integers_only(text, len, what) < 0) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

cJSON *ms_json_parse_quiet(const char *text, size_t len)
{
	quiet = 1;
	cJSON *root = ms_json_parse(text, len, "");
	quiet = 0;
	return root;
}

static const cJSON *field(const cJSON *obj, const char *key, const char *what)
{
	const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
	if (!v)
		ms_error("%s: field '%s' is missing", what, key);
	return v;
}

static const cJSON *typed(const cJSON *obj, const char *key, const char *what,
                          cJSON_bool (*is)(const cJSON *), const char *type)
{
	const cJSON *v = field(obj, key, what);
	if (v && !is(v)) {
		ms_error("%s: field '%s' must be %s", what, key, type);
		return NULL;
	}
	return v;
}

const cJSON *ms_json_object(const cJSON *obj, const char *key, const char *what)
{
	return typed(obj, key, what, cJSON_IsObject, "an object");
}

const cJSON *ms_json_array(const cJSON *obj, const char *key, const char *what)
{
	return typed(obj, key, what, cJSON_IsArray, "an array");
}

const char *ms_json_string(const cJSON *obj, const char *key, const char *what)
{
	const cJSON *v = typed(obj, key, what, cJSON_IsString, "a string");
	return v ? v->valuestring : NULL;
}

int ms_json_bool(const cJSON *obj, const char *key, const char *what, int *out)
{
	const cJSON *v = typed(obj, key, what, cJSON_IsBool, "true or false");
	if (!v)
		return -1;
	*out = cJSON_IsTrue(v);
	return 0;
}

int ms_json_u64(const cJSON *obj, const char *key, uint64_t min, uint64_t max, const char *what,
                uint64_t *out)
{
	const cJSON *v = typed(obj, key, what, cJSON_IsNumber, "a number");
	if (!v)
		return -1;
	double d = v->valuedouble;
	/* Doubles hold integers exactly below 2^53: a larger number may not be
	 * the one its text says (2^53 + 1 reads as 2^53), so it is refused. */
	if (!isfinite(d) || d != floor(d) || d < (double)min || d > (double)max ||
	    d >= 9007199254740992.0) {
		ms_error("%s: field '%s' must be a whole number from %llu to %llu", what, key,
		         (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = (uint64_t)d;
	return 0;
}

char *ms_json_print(const cJSON *item)
{
	char *tabs = cJSON_Print(item);
	if (!tabs) {
		ms_error("out of memory");
		exit(MS_ERR);
	}
	/* cJSON indents with tabs and puts one after each colon; two spaces and
	 * one space read better. Tabs inside strings are escaped, so every raw
	 * tab is layout. */
	struct ms_buf b = {0};
	for (const char *p = tabs; *p; p++) {
		if (*p != '\t')
			ms_buf_append(&b, p, 1);
		else if (p > tabs && p[-1] == ':')
			ms_buf_append(&b, " ", 1);
		else
			ms_buf_append(&b, "  ", 2);
	}
	ms_buf_append(&b, "\n", 1);
	free(tabs);
	return b.data;
}

/* Unknown fields are refused so a misspelt field is never silently ignored. */
int ms_json_only_fields(const cJSON *o, const char *const *allowed, size_t n, const char *what)
{
	for (const cJSON *c = o->child; c; c = c->next) {
		size_t i = 0;
		while (i < n && strcmp(c->string, allowed[i]) != 0)
			i++;
		if (i == n) {
			ms_error("%s: unknown field '%s'", what, c->string);
			return -1;
		}
	}
	return 0;
}
