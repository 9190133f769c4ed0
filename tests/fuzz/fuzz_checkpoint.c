/* Registry checkpoints (audit --checkpoint, trust import): the input as a
 * checkpoint payload (ms_checkpoint_parse) and as a checkpoint bundle
 * (ms_checkpoint_peek: the bundle parser, then the payload parser). What is
 * accepted prints (ms_checkpoint_payload) and parses back to the same
 * fields. */
#include "fuzz.h"
#include "modelseal/checkpoint.h"

MS_FUZZ_INIT

static void round_trip(const struct ms_checkpoint *c)
{
	char *text = ms_checkpoint_payload(c);
	struct ms_checkpoint again;
	MS_FUZZ_ASSERT(ms_checkpoint_parse(text, strlen(text), "printed checkpoint", &again) == 0);
	MS_FUZZ_ASSERT(strcmp(again.registry, c->registry) == 0 && again.size == c->size &&
	               strcmp(again.head, c->head) == 0 && again.time == c->time &&
	               strcmp(again.trust_sha256, c->trust_sha256) == 0);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_checkpoint c;
	if (ms_checkpoint_parse((const char *)data, size, "checkpoint", &c) == 0)
		round_trip(&c);
	char *s = ms_fuzz_cstr(data, size);
	if (ms_checkpoint_peek(s, "checkpoint bundle", &c) == 0)
		round_trip(&c);
	free(s);
	return 0;
}
