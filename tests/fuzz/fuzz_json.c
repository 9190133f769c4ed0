/* Strict JSON (ms_json_parse): no crash, leak or hang on any bytes, and what
 * it accepts prints and reads back to the same document. The integers-only
 * form accepts a subset, and only whole numbers. */
#include <math.h>

#include "fuzz.h"
#include "modelseal/json.h"

MS_FUZZ_INIT

static int whole_numbers(const cJSON *item)
{
	for (; item; item = item->next)
		if ((cJSON_IsNumber(item) && item->valuedouble != floor(item->valuedouble)) ||
		    !whole_numbers(item->child))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *ints = ms_json_parse_integers((const char *)data, size, "input");
	cJSON *doc = ms_json_parse((const char *)data, size, "input");
	MS_FUZZ_ASSERT(!ints || (doc && whole_numbers(ints)));
	cJSON_Delete(ints);
	if (!doc)
		return 0;
	char *text = ms_json_print(doc);
	cJSON *again = ms_json_parse(text, strlen(text), "printed input");
	MS_FUZZ_ASSERT(again != NULL);
	char *text2 = ms_json_print(again);
	MS_FUZZ_ASSERT(strcmp(text, text2) == 0);
	free(text2);
	free(text);
	cJSON_Delete(again);
	cJSON_Delete(doc);
	return 0;
}
