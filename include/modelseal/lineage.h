/* Presenting registry records: labels, times, JSON objects, and the
 * lineage graph as a terminal tree, Graphviz dot or JSON. */
#ifndef MODELSEAL_LINEAGE_H
#define MODELSEAL_LINEAGE_H

#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>

#include "modelseal/registry.h"

/* "name@version", or "(unnamed)" for a model signed without a name. */
const char *ms_model_label(const char *name, const char *version, char *buf, size_t size);

/* {"digest": "sha256:<hex>", "name", "version", "method", "hash", "size",
 * "files", "signer", "created"}, and "parents" (with their relation) when
 * with_parents. */
cJSON *ms_model_info_to_json(const struct ms_model_info *m, int with_parents);
/* {"digest": "sha256:<hex>", "name", "version", "relation"} */
cJSON *ms_model_link_to_json(const struct ms_model_link *l);

/* {"reason", "time"} when the registry revokes KIND ("model" or "key")
 * SUBJECT, else null (also for a NULL subject, or an error, reported). */
cJSON *ms_registry_revocation_json(struct ms_registry *reg, const char *kind, const char *subject);

/* Prints o on stdout as one JSON document and frees it. */
void ms_registry_print_json(cJSON *o);

enum ms_lineage_format { MS_LINEAGE_TREE, MS_LINEAGE_JSON, MS_LINEAGE_DOT };
int ms_lineage_format_parse(const char *s, enum ms_lineage_format *out);

/* Prints the walk from nodes[0]: up to ancestors or down to descendants. */
void ms_lineage_print_tree(FILE *f, const struct ms_lineage *l, int descendants);
void ms_lineage_print_dot(FILE *f, const struct ms_lineage *l);

/* The model card lineage declared in a provenance bundle (see
 * ms_provenance_declared), one field a line in show's layout, the first
 * marked as not verified; nothing when there is none. */
void ms_declared_print(FILE *f, const char *provenance);
/* ... with "declared": nodes[0]'s declared lineage, or null. */
cJSON *ms_lineage_to_json(const struct ms_lineage *l, int descendants);

#endif
