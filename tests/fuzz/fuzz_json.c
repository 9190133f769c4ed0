/* Strict JSON (ms_json_parse): no crash, leak or hang on any bytes, and what
 * it accepts prints and reads back to the same document. */
#include "fuzz.h"
#include "modelseal/json.h"

MS_FUZZ_INIT

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *doc = ms_json_parse((const char *)data, size, "input");
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
