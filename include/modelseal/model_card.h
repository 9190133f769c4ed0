/* A Hugging Face model card's YAML front matter (the block between "---"
 * lines at the top of the model's README.md): the lineage its author
 * declares. sign records it in the signed provenance as *declared*, apart
 * from lineage proven by parents' signatures: nothing checks it against the
 * models it names, and no policy rule relies on it. */
#ifndef MODELSEAL_MODEL_CARD_H
#define MODELSEAL_MODEL_CARD_H

#include <cJSON.h>
#include <stddef.h>

#define MS_MODEL_CARD_NAME "README.md"
#define MS_MODEL_CARD_MAX ((size_t)64 << 10) /* front matter read, in bytes */
#define MS_MODEL_CARD_LIST_MAX 64            /* entries of one list kept */
#define MS_MODEL_CARD_STRING_MAX 512         /* bytes of one value kept */

struct ms_model_card {
	char **base_models; /* base_model: one id or a list */
	size_t n_base_models;
	char *relation; /* base_model_relation, or NULL */
	char **datasets;
	size_t n_datasets;
	char *license; /* or NULL */
};

/* Parses a README's text. 1 with *out filled when its front matter declares
 * any of the fields, 0 when there is none (no front matter, or none of the
 * fields). Bad front matter (not terminated, not YAML, not a mapping, a
 * field of the wrong type or too long) is a warning naming what: 0, or 1
 * with the fields that were fine. what names the file in warnings. */
int ms_model_card_parse(const char *text, size_t len, const char *what, struct ms_model_card *out);

/* The same for MODEL_DIR/README.md (followed if it is a link, opened without
 * blocking; a missing or unreadable one is simply none). */
int ms_model_card_read(const char *model_dir, struct ms_model_card *out);

void ms_model_card_free(struct ms_model_card *c);

/* {"source": "README.md", "base_model": [...], "base_model_relation",
 * "datasets": [...], "license"}, present fields only. */
cJSON *ms_model_card_to_json(const struct ms_model_card *c);

#endif
