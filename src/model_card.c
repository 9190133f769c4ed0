/* Model card front matter, parsed with libyaml (see model_card.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "modelseal/model_card.h"
#include "modelseal/util.h"

void ms_model_card_free(struct ms_model_card *c)
{
	for (size_t i = 0; i < c->n_base_models; i++)
		free(c->base_models[i]);
	for (size_t i = 0; i < c->n_datasets; i++)
		free(c->datasets[i]);
	free(c->base_models);
	free(c->datasets);
	free(c->relation);
	free(c->license);
	memset(c, 0, sizeof *c);
}

/* ---- the front matter block ---- */

/* Length of a delimiter line ("---" or "...", trailing blanks, a newline or
 * the end) at s, or 0 when s does not start one. */
static size_t delimiter(const char *s, size_t n, int closing)
{
	size_t i = 3;
	if (n < 3 || (memcmp(s, "---", 3) != 0 && !(closing && memcmp(s, "...", 3) == 0)))
		return 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] == '\r')
		i++;
	if (i == n)
		return closing ? i : 0;
	return s[i] == '\n' ? i + 1 : 0;
}

/* The YAML between the opening and the closing delimiter: 1 found, 0 there
 * is no front matter, -1 it is not closed (after a warning). */
static int front_matter(const char *text, size_t len, const char *what, size_t *start, size_t *end)
{
	size_t at = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0; /* BOM */
	size_t open = delimiter(text + at, len - at, 0);
	if (!open)
		return 0;
	*start = at + open;
	for (size_t i = *start; i < len;) {
		if (delimiter(text + i, len - i, 1)) {
			*end = i;
			return 1;
		}
		const char *nl = memchr(text + i, '\n', len - i);
		if (!nl)
			break;
		i = (size_t)(nl - text) + 1;
	}
	ms_warn("%s: the model card's front matter has no closing '---' line within %zu "
	        "bytes; its declared lineage is not recorded",
	        what, MS_MODEL_CARD_MAX);
	return -1;
}

/* ---- the fields ---- */

struct card_parse {
	yaml_document_t *doc;
	const char *what;
	struct ms_model_card *out;
};

static void field_warning(struct card_parse *p, const char *field, const char *why)
{
	ms_warn("%s: model card field '%s' %s; it is not recorded", p->what, field, why);
}

static int has_control(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return 1;
	return 0;
}

/* A scalar as a string: NULL for YAML null, or (after a warning) for one
 * longer than the limit or with a control character (a NUL, or an escape
 * sequence that would reach a terminal when show prints it). */
static char *scalar(struct card_parse *p, const char *field, const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (len == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	     strcmp(v, "NULL") == 0))
		return NULL;
	if (has_control(v, len) || len > MS_MODEL_CARD_STRING_MAX) {
		field_warning(p, field,
		              len > MS_MODEL_CARD_STRING_MAX ? "is too long"
		                                             : "holds a control character");
		return NULL;
	}
	return ms_strndup(v, len);
}

/* One string or a list of strings into *list. */
static void string_list(struct card_parse *p, const char *field, const yaml_node_t *n, char ***list,
                        size_t *count)
{
	if (*list) {
		field_warning(p, field, "appears twice");
		return;
	}
	if (n->type == YAML_SCALAR_NODE) {
		char *s = scalar(p, field, n);
		if (s) {
			*list = ms_calloc(1, sizeof **list);
			(*list)[(*count)++] = s;
		}
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		field_warning(p, field, "is neither a string nor a list of strings");
		return;
	}
	const yaml_node_item_t *it = n->data.sequence.items.start;
	size_t total = (size_t)(n->data.sequence.items.top - it);
	if (total > MS_MODEL_CARD_LIST_MAX) {
		field_warning(p, field, "has too many entries");
		return;
	}
	*list = ms_calloc(total ? total : 1, sizeof **list);
	for (; it < n->data.sequence.items.top; it++) {
		const yaml_node_t *e = yaml_document_get_node(p->doc, *it);
		char *s = e && e->type == YAML_SCALAR_NODE ? scalar(p, field, e) : NULL;
		if (!e || e->type != YAML_SCALAR_NODE)
			field_warning(p, field, "holds an entry that is not a string");
		if (s)
			(*list)[(*count)++] = s;
	}
}

static void one_string(struct card_parse *p, const char *field, const yaml_node_t *n, char **out)
{
	if (*out)
		field_warning(p, field, "appears twice");
	else if (n->type != YAML_SCALAR_NODE)
		field_warning(p, field, "is not a string");
	else
		*out = scalar(p, field, n);
}

static int known_relation(const char *r)
{
	static const char *const rels[] = {"adapter", "merge", "quantized", "finetune"};
	for (size_t i = 0; i < MS_ARRAY_LEN(rels); i++)
		if (strcmp(r, rels[i]) == 0)
			return 1;
	return 0;
}

static void take_field(struct card_parse *p, const char *key, const yaml_node_t *v)
{
	struct ms_model_card *c = p->out;
	if (strcmp(key, "base_model") == 0)
		string_list(p, key, v, &c->base_models, &c->n_base_models);
	else if (strcmp(key, "datasets") == 0)
		string_list(p, key, v, &c->datasets, &c->n_datasets);
	else if (strcmp(key, "license") == 0)
		one_string(p, key, v, &c->license);
	else if (strcmp(key, "base_model_relation") == 0) {
		one_string(p, key, v, &c->relation);
		if (c->relation && !known_relation(c->relation)) {
			field_warning(p, key, "is not adapter, merge, quantized or finetune");
			free(c->relation);
			c->relation = NULL;
		}
	}
}

static int load_fields(yaml_document_t *doc, const char *what, struct ms_model_card *out)
{
	struct card_parse p = {doc, what, out};
	const yaml_node_t *root = yaml_document_get_root_node(doc);
	if (!root)
		return 0; /* empty front matter */
	if (root->type != YAML_MAPPING_NODE) {
		ms_warn("%s: the model card's front matter is not a mapping of fields; its "
		        "declared lineage is not recorded",
		        what);
		return 0;
	}
	for (const yaml_node_pair_t *kv = root->data.mapping.pairs.start;
	     kv < root->data.mapping.pairs.top; kv++) {
		const yaml_node_t *k = yaml_document_get_node(doc, kv->key);
		const yaml_node_t *v = yaml_document_get_node(doc, kv->value);
		if (k && v && k->type == YAML_SCALAR_NODE &&
		    strlen((const char *)k->data.scalar.value) == k->data.scalar.length)
			take_field(&p, (const char *)k->data.scalar.value, v);
	}
	return out->n_base_models || out->relation || out->n_datasets || out->license;
}

int ms_model_card_parse(const char *text, size_t len, const char *what, struct ms_model_card *out)
{
	size_t start, end;
	memset(out, 0, sizeof *out);
	if (front_matter(text, len, what, &start, &end) <= 0)
		return 0;
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser)) {
		ms_error("out of memory");
		exit(MS_ERR);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text + start, end - start);
	int rc = 0;
	if (!yaml_parser_load(&parser, &doc)) {
		ms_warn("%s: the model card's front matter is not valid YAML (line %zu: %s); "
		        "its declared lineage is not recorded",
		        what, (size_t)parser.problem_mark.line + 2,
		        parser.problem ? parser.problem : "parse error");
	} else {
		rc = load_fields(&doc, what, out);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	if (!rc)
		ms_model_card_free(out);
	return rc;
}

int ms_model_card_read(const char *model_dir, struct ms_model_card *out)
{
	char *path = ms_asprintf("%s/%s", model_dir, MS_MODEL_CARD_NAME);
	char *buf = ms_malloc(MS_MODEL_CARD_MAX);
	struct stat st;
	size_t len = 0;
	memset(out, 0, sizeof *out);
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		for (;;) {
			ssize_t n = read(fd, buf + len, MS_MODEL_CARD_MAX - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || (len += (size_t)n) == MS_MODEL_CARD_MAX)
				break;
		}
	}
	if (fd >= 0)
		close(fd);
	int rc = len ? ms_model_card_parse(buf, len, path, out) : 0;
	free(buf);
	free(path);
	return rc;
}

static void add_list(cJSON *o, const char *key, char *const *v, size_t n)
{
	if (!n)
		return;
	cJSON *a = cJSON_AddArrayToObject(o, key);
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
}

cJSON *ms_model_card_to_json(const struct ms_model_card *c)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "source", MS_MODEL_CARD_NAME);
	add_list(o, "base_model", c->base_models, c->n_base_models);
	if (c->relation)
		cJSON_AddStringToObject(o, "base_model_relation", c->relation);
	add_list(o, "datasets", c->datasets, c->n_datasets);
	if (c->license)
		cJSON_AddStringToObject(o, "license", c->license);
	return o;
}
