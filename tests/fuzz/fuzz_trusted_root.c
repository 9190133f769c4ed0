/* Sigstore trusted roots (ms_trusted_root_parse: verify --trusted-root).
 * What parses is complete: at least one log and one CA, every key and
 * certificate decoded, every validity period in order. */
#include "fuzz.h"
#include "modelseal/sigstore.h"

MS_FUZZ_INIT

static void check_logs(const struct ms_tr_log *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		MS_FUZZ_ASSERT(v[i].key && v[i].base_url && v[i].id);
		MS_FUZZ_ASSERT(v[i].valid.start <= v[i].valid.end);
		MS_FUZZ_ASSERT(ms_tr_find_log(v, n, v[i].id, v[i].id_len, v[i].valid.start));
	}
}

static void check_cas(const struct ms_tr_ca *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		MS_FUZZ_ASSERT(v[i].chain && sk_X509_num(v[i].chain) >= 1);
		MS_FUZZ_ASSERT(v[i].valid.start <= v[i].valid.end);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_trusted_root tr;
	if (ms_trusted_root_parse((const char *)data, size, "trusted root", &tr) < 0)
		return 0;
	MS_FUZZ_ASSERT(tr.n_tlogs >= 1 && tr.n_cas >= 1);
	check_logs(tr.tlogs, tr.n_tlogs);
	check_logs(tr.ctlogs, tr.n_ctlogs);
	check_cas(tr.cas, tr.n_cas);
	check_cas(tr.tsas, tr.n_tsas);
	ms_trusted_root_free(&tr);
	return 0;
}
