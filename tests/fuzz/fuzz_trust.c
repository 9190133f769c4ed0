/* Trust files (ms_trust_parse: trust import, verify --trust-file). What is
 * accepted prints (ms_trust_to_json) and parses back to the same file, with
 * the same checkpoint and the same trust digest (what a checkpoint signs);
 * the same CAs and keyless identities (version 2), each with its root. */
#include "fuzz.h"
#include "modelseal/checkpoint.h"
#include "modelseal/trust.h"

MS_FUZZ_INIT

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_trust t = {0};
	if (ms_trust_parse((const char *)data, size, "trust file", &t) < 0)
		return 0;
	char *json = ms_trust_to_json(&t);
	struct ms_trust again = {0};
	MS_FUZZ_ASSERT(ms_trust_parse(json, strlen(json), "printed trust file", &again) == 0);
	MS_FUZZ_ASSERT(again.n_keys == t.n_keys && again.n_revs == t.n_revs);
	MS_FUZZ_ASSERT(again.n_cas == t.n_cas && again.n_ids == t.n_ids);
	for (size_t i = 0; i < t.n_ids; i++)
		MS_FUZZ_ASSERT(!t.ids[i].trusted_root == !again.ids[i].trusted_root);
	char *json2 = ms_trust_to_json(&again);
	MS_FUZZ_ASSERT(strcmp(json, json2) == 0);
	MS_FUZZ_ASSERT(!t.checkpoint == !again.checkpoint);
	MS_FUZZ_ASSERT(!t.checkpoint || strcmp(t.checkpoint, again.checkpoint) == 0);
	char d1[MS_HEX_LEN + 1], d2[MS_HEX_LEN + 1];
	ms_trust_digest(&t, d1);
	ms_trust_digest(&again, d2);
	MS_FUZZ_ASSERT(strcmp(d1, d2) == 0);
	free(json2);
	free(json);
	ms_trust_free(&again);
	ms_trust_free(&t);
	return 0;
}
