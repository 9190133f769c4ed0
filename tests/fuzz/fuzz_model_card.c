/* Model card front matter: ms_model_card_parse on any bytes (libyaml behind
 * it). What it keeps is bounded and free of control characters, and turns
 * into JSON that prints. */
#include "fuzz.h"
#include "modelseal/model_card.h"

MS_FUZZ_INIT

static void check_string(const char *s)
{
	MS_FUZZ_ASSERT(s && strlen(s) <= MS_MODEL_CARD_STRING_MAX);
	for (const char *c = s; *c; c++)
		MS_FUZZ_ASSERT((unsigned char)*c >= 0x20 && *c != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_model_card c;
	char *buf = malloc(size ? size : 1); /* exact size: overreads show */
	if (!buf)
		abort();
	memcpy(buf, data, size);
	if (ms_model_card_parse(buf, size, "fuzz", &c)) {
		MS_FUZZ_ASSERT(c.n_base_models <= MS_MODEL_CARD_LIST_MAX);
		MS_FUZZ_ASSERT(c.n_datasets <= MS_MODEL_CARD_LIST_MAX);
		for (size_t i = 0; i < c.n_base_models; i++)
			check_string(c.base_models[i]);
		for (size_t i = 0; i < c.n_datasets; i++)
			check_string(c.datasets[i]);
		if (c.license)
			check_string(c.license);
		cJSON *j = ms_model_card_to_json(&c);
		char *text = cJSON_PrintUnformatted(j);
		MS_FUZZ_ASSERT(text != NULL);
		free(text);
		cJSON_Delete(j);
		ms_model_card_free(&c);
	}
	free(buf);
	return 0;
}
