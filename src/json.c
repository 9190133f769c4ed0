/* Strict JSON reading and stable printing over cJSON. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/json.h"
#include "modelseal/util.h"

/* cJSON keeps every member of an object, so {"a":1,"a":2} would read as 1 to
 * us and as 2 to another tool. Refuse such documents outright. */
static int has_duplicate_keys(const cJSON *item, const char **dup)
{
	for (const cJSON *c = item ? item->child : NULL; c; c = c->next) {
		if (cJSON_IsObject(item) && c->string)
			for (const cJSON *d = c->next; d; d = d->next)
				if (d->string && strcmp(c->string, d->string) == 0) {
					*dup = c->string;
					return 1;
				}
		if (has_duplicate_keys(c, dup))
			return 1;
	}
	return 0;
}

cJSON *ms_json_parse(const char *text, size_t len, const char *what)
{
	const char *end = NULL;
	if (len == 0) {
		ms_error("%s is empty", what);
		return NULL;
	}
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!root) {
		const char *at = cJSON_GetErrorPtr();
		size_t off = at && at >= text && at <= text + len ? (size_t)(at - text) : 0;
		ms_error("%s is not valid JSON (near byte %zu)", what, off);
		return NULL;
	}
	while (end && end < text + len && strchr(" \t\r\n", *end) && *end)
		end++;
	if (end && end < text + len) {
		ms_error("%s has trailing data after the JSON document", what);
		cJSON_Delete(root);
		return NULL;
	}
	const char *dup;
	if (has_duplicate_keys(root, &dup)) {
		ms_error("%s has the key '%s' twice in one object", what, dup);
		cJSON_Delete(root);
		return NULL;
	}
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
	/* Doubles hold integers exactly up to 2^53; max is kept below that. */
	if (!isfinite(d) || d != floor(d) || d < (double)min || d > (double)max) {
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
