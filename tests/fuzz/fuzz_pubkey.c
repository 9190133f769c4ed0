/* Public keys (ms_pubkey_parse: PEM SPKI, Ed25519 and ECDSA P-256/384/521).
 * An accepted key prints back to PEM that parses to the same key id, and
 * checking any bytes as a signature does not crash. */
#include "fuzz.h"
#include "modelseal/keys.h"

MS_FUZZ_INIT

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_pubkey *k;
	if (ms_pubkey_parse((const char *)data, size, "fuzz key", &k) < 0)
		return 0;
	const char *id = ms_pubkey_id(k), *pem = ms_pubkey_pem(k);
	MS_FUZZ_ASSERT(strlen(id) == MS_KEYID_HEX);
	struct ms_pubkey *again;
	MS_FUZZ_ASSERT(ms_pubkey_parse(pem, strlen(pem), "printed key", &again) == 0);
	MS_FUZZ_ASSERT(strcmp(ms_pubkey_id(again), id) == 0);
	MS_FUZZ_ASSERT(ms_pubkey_alg(again) == ms_pubkey_alg(k));
	size_t sig_len = size < 140 ? size : 140;
	MS_FUZZ_ASSERT(ms_pubkey_verify(k, data, size, data, sig_len) == 0);
	ms_pubkey_free(again);
	ms_pubkey_free(k);
	return 0;
}
