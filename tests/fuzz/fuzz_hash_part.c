/* Part documents (ms_hash_merge: hash --merge). The input is written to a
 * file and merged alone (a one-part model): what merges prints as a
 * statement that parses back with the same root. */
#include <unistd.h>

#include "fuzz.h"
#include "modelseal/hash_parts.h"
#include "modelseal/util.h"

MS_FUZZ_INIT

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/ms-fuzz-part-%ld.json", (long)getpid());
	}
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	char *paths[1] = {path};
	struct ms_manifest m;
	if (ms_hash_merge(paths, 1, &m) < 0)
		return 0;
	char *json = ms_statement_to_json(&m);
	if (json) { /* names that are not UTF-8 are refused there, reported */
		struct ms_manifest again;
		MS_FUZZ_ASSERT(ms_statement_parse(json, strlen(json), &again) == 0);
		MS_FUZZ_ASSERT(memcmp(again.root, m.root, MS_ROOT_LEN) == 0);
		ms_manifest_free(&again);
		free(json);
	}
	ms_manifest_free(&m);
	return 0;
}
