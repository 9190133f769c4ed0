/* Keyless verification, all steps in the order SECURITY.md gives: the
 * trusted times first (RFC 3161 timestamps, then each log entry: body,
 * inclusion proof, checkpoint, SET), then the certificate at each of those
 * times (validity, chain, SCT, usage), the DSSE signature with its key, and
 * last the identity and issuer the caller expects. The first failed check
 * ends it: every piece of evidence present must verify. */
#include <stdlib.h>
#include <string.h>

#include "modelseal/bundle.h"
#include "modelseal/sigstore.h"
#include "modelseal/util.h"
#include "sigstore_int.h"

struct times {
	int64_t v[2 * MS_SIGSTORE_MAX_ENTRIES];
	const char *source[2 * MS_SIGSTORE_MAX_ENTRIES];
	size_t n;
};

static void add_time(struct times *t, int64_t when, const char *source)
{
	t->v[t->n] = when;
	t->source[t->n++] = source;
}

static int check_timestamps(const struct ms_trusted_root *tr, const struct ms_sigstore_bundle *b,
                            struct times *t, char **why)
{
	for (size_t i = 0; i < b->n_tsp; i++) {
		int64_t when;
		if (ms_tsa_verify(tr, b->tsp[i], b->tsp_len[i], b->sig, b->sig_len, &when, why) < 0)
			return -1;
		add_time(t, when, "timestamp authority");
	}
	return 0;
}

/* A log entry without an integrated time (Rekor v2) is looked up at the
 * first timestamp authority time. */
static const struct ms_tr_log *entry_log(const struct ms_trusted_root *tr,
                                         const struct ms_tlog_entry *e, const struct times *t,
                                         char **why)
{
	int64_t when = e->integrated_time ? e->integrated_time : t->n ? t->v[0] : -1;
	if (when < 0) {
		ms_ss_fail(why,
		           "no trusted time: log entry %llu has no integrated time and the "
		           "bundle no timestamp",
		           (unsigned long long)e->log_index);
		return NULL;
	}
	const struct ms_tr_log *log =
	    ms_tr_find_log(tr->tlogs, tr->n_tlogs, e->log_id, e->log_id_len, when);
	if (!log)
		ms_ss_fail(why,
		           "log entry %llu: its log is not in the trusted root (or was not "
		           "valid at its time)",
		           (unsigned long long)e->log_index);
	return log;
}

static int check_entry(const struct ms_trusted_root *tr, const struct ms_sigstore_bundle *b,
                       const struct ms_tlog_entry *e, struct times *t, char **why)
{
	const struct ms_tr_log *log = entry_log(tr, e, t, why);
	if (!log || ms_rekor_body_check(e, b, why) < 0)
		return -1;
	if (!e->has_proof)
		return ms_ss_fail(why, "log entry %llu: no inclusion proof",
		                  (unsigned long long)e->log_index);
	if (ms_merkle_inclusion(e->body, e->body_len, e->proof_index, e->tree_size, e->hashes,
	                        e->n_hashes, e->root_hash, why) < 0 ||
	    ms_signed_note_verify(e->checkpoint, log, e->tree_size, e->root_hash, why) < 0)
		return -1;
	if (!e->set)
		return 0; /* an integrated time nobody signed is no trusted time */
	if (e->integrated_time <= 0)
		return ms_ss_fail(why,
		                  "log entry %llu: a signed entry timestamp without an "
		                  "integrated time",
		                  (unsigned long long)e->log_index);
	if (ms_rekor_set_verify(e, log, why) < 0)
		return -1;
	add_time(t, e->integrated_time, "transparency log");
	return 0;
}

static int check_cert_at(const struct ms_trusted_root *tr, const struct ms_sigstore_bundle *b,
                         int64_t t, const char *source, X509 **issuer, char **why)
{
	int64_t nb, na;
	char when[32], a[32], z[32];
	if (ms_ss_asn1_time(X509_get0_notBefore(b->cert), &nb) < 0 ||
	    ms_ss_asn1_time(X509_get0_notAfter(b->cert), &na) < 0)
		return ms_ss_fail(why, "certificate: unreadable validity period");
	if (t < nb || t > na)
		return ms_ss_fail(why, "certificate: valid %s to %s, but the %s time is %s",
		                  ms_time_format(nb, a, sizeof a), ms_time_format(na, z, sizeof z),
		                  source, ms_time_format(t, when, sizeof when));
	X509_free(*issuer);
	*issuer = NULL;
	return ms_fulcio_chain_verify(tr, b->cert, b->chain, t, issuer, why);
}

static int check_signature(const struct ms_sigstore_bundle *b, char **why)
{
	size_t pae_len;
	const uint8_t *pae =
	    ms_dsse_pae_in_place(b->payload_type, b->payload, b->payload_len, &pae_len);
	int ok = ms_sig_verify(X509_get0_pubkey(b->cert), pae, pae_len, b->sig, b->sig_len);
	return ok ? 0
	          : ms_ss_fail(why,
	                       "the DSSE signature does not verify with the certificate's key");
}

static int check_identity(const struct ms_sigstore_bundle *b, const char *identity,
                          const char *issuer, struct ms_sigstore_result *res)
{
	res->identity = ms_cert_identity(b->cert, identity);
	res->issuer = ms_cert_issuer(b->cert, &res->problem);
	if (!res->issuer)
		return -1;
	if (!res->identity)
		return ms_ss_fail(&res->problem, "certificate: no email, URI or DNS identity");
	if (identity && strcmp(identity, res->identity) != 0)
		return ms_ss_fail(&res->problem, "identity: expected '%s', found '%s'", identity,
		                  res->identity);
	if (issuer && strcmp(issuer, res->issuer) != 0)
		return ms_ss_fail(&res->problem, "issuer: expected '%s', found '%s'", issuer,
		                  res->issuer);
	return 0;
}

static int verify_parsed(const struct ms_trusted_root *tr, const struct ms_sigstore_bundle *b,
                         const char *identity, const char *issuer, struct ms_sigstore_result *res)
{
	struct times t = {0};
	X509 *ca = NULL;
	char **why = &res->problem;
	int rc = check_timestamps(tr, b, &t, why);
	for (size_t i = 0; rc == 0 && i < b->n_tlog; i++)
		rc = check_entry(tr, b, &b->tlog[i], &t, why);
	if (rc == 0 && t.n == 0)
		rc = ms_ss_fail(why, "no trusted time: neither a signed entry timestamp nor a "
		                     "timestamp from an authority of the trusted root");
	for (size_t i = 0; rc == 0 && i < t.n; i++)
		rc = check_cert_at(tr, b, t.v[i], t.source[i], &ca, why);
	if (rc == 0)
		rc = ms_sct_verify(tr, b->cert, ca, why);
	X509_free(ca);
	if (rc == 0)
		rc = check_signature(b, why);
	if (rc == 0)
		rc = check_identity(b, identity, issuer, res);
	for (size_t i = 0; rc == 0 && i < t.n; i++)
		if (i == 0 || t.v[i] < res->time) {
			res->time = t.v[i];
			res->time_source = t.source[i];
		}
	return rc;
}

int ms_sigstore_verify(const char *json, size_t len, const char *what,
                       const struct ms_trusted_root *tr, const char *payload_type,
                       const char *identity, const char *issuer, struct ms_sigstore_result *res)
{
	struct ms_sigstore_bundle b;
	memset(res, 0, sizeof *res);
	if (ms_sigstore_bundle_parse(json, len, what, &b) < 0)
		return MS_ERR;
	if (strcmp(b.payload_type, payload_type) != 0) {
		ms_error("%s: payloadType is '%s', expected '%s'", what, b.payload_type,
		         payload_type);
		ms_sigstore_bundle_free(&b);
		return MS_ERR;
	}
	int rc = verify_parsed(tr, &b, identity, issuer, res) == 0 ? MS_OK : MS_FAIL;
	if (rc == MS_OK) {
		res->payload = ms_dsse_payload_take(&b.payload_mem, b.payload, b.payload_len);
		res->payload_len = b.payload_len;
	}
	ms_sigstore_bundle_free(&b);
	return rc;
}

void ms_sigstore_result_free(struct ms_sigstore_result *res)
{
	free(res->identity);
	free(res->issuer);
	free(res->payload);
	free(res->problem);
	memset(res, 0, sizeof *res);
}
