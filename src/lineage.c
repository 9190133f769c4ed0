/* Presenting registry records: labels, JSON, and the lineage graph as a
 * terminal tree or Graphviz dot. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modelseal/json.h"
#include "modelseal/lineage.h"
#include "modelseal/provenance.h"
#include "modelseal/util.h"

#define SHORT_HEX 12

const char *ms_model_label(const char *name, const char *version, char *buf, size_t size)
{
	if (name)
		snprintf(buf, size, "%s@%s", name, version ? version : "");
	else
		snprintf(buf, size, "(unnamed)");
	return buf;
}

static void add_digest(cJSON *o, const char *key, const char *hex)
{
	char *s = ms_asprintf("sha256:%s", hex);
	cJSON_AddStringToObject(o, key, s);
	free(s);
}

static void add_opt_string(cJSON *o, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

cJSON *ms_model_link_to_json(const struct ms_model_link *l)
{
	cJSON *o = cJSON_CreateObject();
	add_digest(o, "digest", l->digest);
	add_opt_string(o, "name", l->name);
	add_opt_string(o, "version", l->version);
	cJSON_AddStringToObject(o, "relation", ms_relation_name(l->relation));
	return o;
}

cJSON *ms_model_info_to_json(const struct ms_model_info *m, int with_parents)
{
	char when[32];
	cJSON *o = cJSON_CreateObject();
	add_digest(o, "digest", m->digest);
	add_opt_string(o, "name", m->name);
	add_opt_string(o, "version", m->version);
	add_opt_string(o, "method", m->method);
	add_opt_string(o, "hash", m->hash);
	cJSON_AddNumberToObject(o, "size", (double)m->size);
	cJSON_AddNumberToObject(o, "files", (double)m->n_files);
	add_opt_string(o, "signer", m->signer);
	cJSON_AddStringToObject(o, "created", ms_time_format(m->created, when, sizeof when));
	if (with_parents) {
		cJSON *p = cJSON_AddArrayToObject(o, "parents");
		for (size_t i = 0; i < m->n_parents; i++)
			cJSON_AddItemToArray(p, ms_model_link_to_json(&m->parents[i]));
	}
	return o;
}

cJSON *ms_registry_revocation_json(struct ms_registry *reg, const char *kind, const char *subject)
{
	char *reason = NULL, when[32];
	int64_t time = 0;
	if (!subject || ms_registry_revocation(reg, kind, subject, &reason, &time) != 1)
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "reason", reason);
	cJSON_AddStringToObject(o, "time", ms_time_format(time, when, sizeof when));
	free(reason);
	return o;
}

void ms_registry_print_json(cJSON *o)
{
	char *text = ms_json_print(o);
	fputs(text, stdout);
	free(text);
	cJSON_Delete(o);
}

int ms_lineage_format_parse(const char *s, enum ms_lineage_format *out)
{
	static const char *const names[] = {"tree", "json", "dot"};
	for (size_t i = 0; i < MS_ARRAY_LEN(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum ms_lineage_format)i;
			return 0;
		}
	return -1;
}

/* Node lookup by digest: an index sorted by digest, searched by bsearch. */
struct node_index {
	const struct ms_lineage *l;
	size_t *order;
};

static int cmp_node(const void *a, const void *b, void *ctx)
{
	const struct ms_lineage *l = ctx;
	return strcmp(l->nodes[*(const size_t *)a].digest, l->nodes[*(const size_t *)b].digest);
}

static void index_build(struct node_index *ix, const struct ms_lineage *l)
{
	ix->l = l;
	ix->order = ms_calloc(l->n_nodes ? l->n_nodes : 1, sizeof *ix->order);
	for (size_t i = 0; i < l->n_nodes; i++)
		ix->order[i] = i;
	qsort_r(ix->order, l->n_nodes, sizeof *ix->order, cmp_node, (void *)l);
}

/* Node index of digest, or -1. */
static long index_find(const struct node_index *ix, const char *digest)
{
	size_t lo = 0, hi = ix->l->n_nodes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ix->l->nodes[ix->order[mid]].digest, digest);
		if (c == 0)
			return (long)ix->order[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Tree walk state: the edges sorted by the end we walk from. */
struct tree {
	FILE *f;
	const struct ms_lineage *l;
	struct node_index ix;
	const struct ms_lineage_edge **edges;
	int down;
	char *seen;
	struct ms_buf prefix;
};

static const char *edge_from(const struct ms_lineage_edge *e, int down)
{
	return down ? e->parent : e->child;
}

static const char *edge_to(const struct ms_lineage_edge *e, int down)
{
	return down ? e->child : e->parent;
}

/* Branches of one node: models before datasets, then by digest. */
static int cmp_edge(const void *a, const void *b, void *ctx)
{
	const struct ms_lineage_edge *x = *(const struct ms_lineage_edge *const *)a;
	const struct ms_lineage_edge *y = *(const struct ms_lineage_edge *const *)b;
	int down = *(const int *)ctx;
	int c = strcmp(edge_from(x, down), edge_from(y, down));
	if (c)
		return c;
	c = (x->relation == MS_REL_DATASET) - (y->relation == MS_REL_DATASET);
	return c ? c : strcmp(edge_to(x, down), edge_to(y, down));
}

/* The first of the sorted edges that leaves from digest. */
static size_t first_edge_from(const struct tree *t, const char *digest)
{
	size_t lo = 0, hi = t->l->n_edges;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(edge_from(t->edges[mid], t->down), digest) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void print_node_line(struct tree *t, long idx, const char *digest)
{
	char label[256];
	if (idx < 0) {
		fprintf(t->f, "sha256:%.*s\n", SHORT_HEX, ms_esc(digest));
		return;
	}
	const struct ms_model_info *m = &t->l->nodes[idx];
	fprintf(t->f, "%s  sha256:%.*s%s\n",
	        ms_esc(ms_model_label(m->name, m->version, label, sizeof label)), SHORT_HEX,
	        ms_esc(m->digest),
	        t->seen[idx] ? "  (see above)" : "");
}

static void print_branches(struct tree *t, long idx)
{
	const char *from = t->l->nodes[idx].digest;
	size_t first = first_edge_from(t, from), last = first;
	while (last < t->l->n_edges && strcmp(edge_from(t->edges[last], t->down), from) == 0)
		last++;
	for (size_t i = first; i < last; i++) {
		const struct ms_lineage_edge *e = t->edges[i];
		int final = i + 1 == last;
		long to = index_find(&t->ix, edge_to(e, t->down));
		fprintf(t->f, "%.*s%s%s: ", (int)t->prefix.len, t->prefix.data,
		        final ? "└── " : "├── ", ms_relation_name(e->relation));
		print_node_line(t, to, edge_to(e, t->down));
		if (to < 0 || t->seen[to])
			continue;
		t->seen[to] = 1;
		size_t keep = t->prefix.len;
		ms_buf_printf(&t->prefix, "%s", final ? "    " : "│   ");
		print_branches(t, to);
		t->prefix.len = keep;
	}
}

void ms_lineage_print_tree(FILE *f, const struct ms_lineage *l, int descendants)
{
	struct tree t = {.f = f, .l = l, .down = descendants};
	index_build(&t.ix, l);
	t.edges = ms_calloc(l->n_edges ? l->n_edges : 1, sizeof *t.edges);
	for (size_t i = 0; i < l->n_edges; i++)
		t.edges[i] = &l->edges[i];
	qsort_r(t.edges, l->n_edges, sizeof *t.edges, cmp_edge, &t.down);
	t.seen = ms_calloc(l->n_nodes, 1);
	print_node_line(&t, 0, l->nodes[0].digest);
	t.seen[0] = 1;
	ms_buf_printf(&t.prefix, "%s", "");
	print_branches(&t, 0);
	ms_buf_free(&t.prefix);
	free(t.seen);
	free(t.edges);
	free(t.ix.order);
}

void ms_declared_print(FILE *f, const char *provenance)
{
	cJSON *card = ms_provenance_declared(provenance);
	const char *title = "declared";
	for (const cJSON *c = card ? card->child : NULL; c; c = c->next) {
		if (strcmp(c->string, "source") == 0)
			continue;
		fprintf(f, "%-11s %s: ", title, c->string);
		if (cJSON_IsString(c))
			fputs(c->valuestring, f);
		for (const cJSON *e = cJSON_IsArray(c) ? c->child : NULL; e; e = e->next)
			fprintf(f, "%s%s", e == c->child ? "" : ", ",
			        cJSON_IsString(e) ? e->valuestring : "?");
		fputs(title[0] ? "  (model card, not verified)\n" : "\n", f);
		title = "";
	}
	cJSON_Delete(card);
}

/* A dot string literal: quotes and backslashes escaped. */
static void dot_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fputc('\\', f);
		if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == 0x7f) /* never raw on a terminal */
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void ms_lineage_print_dot(FILE *f, const struct ms_lineage *l)
{
	char label[256];
	fputs("digraph lineage {\n\trankdir=BT;\n\tnode [shape=box];\n", f);
	for (size_t i = 0; i < l->n_nodes; i++) {
		const struct ms_model_info *m = &l->nodes[i];
		char *text = ms_asprintf("%s\nsha256:%.*s",
		                         ms_model_label(m->name, m->version, label, sizeof label),
		                         SHORT_HEX, m->digest);
		fprintf(f, "\t\"sha256:%s\" [label=", m->digest);
		dot_string(f, text);
		fputs(i == 0 ? ", style=bold];\n" : "];\n", f);
		free(text);
	}
	/* Arrows point from a model to what it was made from, as in SLSA. */
	for (size_t i = 0; i < l->n_edges; i++)
		fprintf(f, "\t\"sha256:%s\" -> \"sha256:%s\" [label=\"%s\"];\n", l->edges[i].child,
		        l->edges[i].parent, ms_relation_name(l->edges[i].relation));
	fputs("}\n", f);
}

cJSON *ms_lineage_to_json(const struct ms_lineage *l, int descendants)
{
	cJSON *o = cJSON_CreateObject();
	add_digest(o, "root", l->nodes[0].digest);
	cJSON_AddStringToObject(o, "direction", descendants ? "descendants" : "ancestors");
	cJSON *nodes = cJSON_AddArrayToObject(o, "nodes");
	for (size_t i = 0; i < l->n_nodes; i++)
		cJSON_AddItemToArray(nodes, ms_model_info_to_json(&l->nodes[i], 0));
	cJSON *edges = cJSON_AddArrayToObject(o, "edges");
	for (size_t i = 0; i < l->n_edges; i++) {
		cJSON *e = cJSON_CreateObject();
		add_digest(e, "child", l->edges[i].child);
		add_digest(e, "parent", l->edges[i].parent);
		cJSON_AddStringToObject(e, "relation", ms_relation_name(l->edges[i].relation));
		cJSON_AddItemToArray(edges, e);
	}
	cJSON *card = ms_provenance_declared(l->nodes[0].provenance);
	if (card)
		cJSON_AddItemToObject(o, "declared", card);
	else
		cJSON_AddNullToObject(o, "declared");
	return o;
}
