/* The evidence of a keyless Sigstore bundle, read strictly: the signing
 * certificate, the transparency log entries, the RFC 3161 timestamps and
 * the DSSE envelope. Nothing is verified here; verify.c does that. Kept
 * apart from src/bundle.c, which reads the key-based bundles modelseal
 * writes. */
#include <stdlib.h>
#include <string.h>

#include "modelseal/b64.h"
#include "modelseal/bundle.h"
#include "modelseal/json.h"
#include "modelseal/sigstore.h"
#include "modelseal/util.h"
#include "sigstore_int.h"

#define MAX_PROOF_HASHES 64 /* a tree of 2^64 leaves */

static const char *const media_types[] = {
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle.v0.3+json",
};

static const cJSON *get(const cJSON *o, const char *key)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

int ms_sigstore_tree_is_keyless(const cJSON *root)
{
	const cJSON *vm = get(root, "verificationMaterial");
	const cJSON *tlog = get(vm, "tlogEntries");
	return (get(vm, "certificate") || get(vm, "x509CertificateChain")) && cJSON_IsArray(tlog) &&
	       cJSON_GetArraySize(tlog) > 0;
}

int ms_sigstore_bundle_is_keyless(const char *json, size_t len)
{
	cJSON *root = ms_json_parse_quiet(json, len);
	int keyless = ms_sigstore_tree_is_keyless(root);
	cJSON_Delete(root);
	return keyless;
}

/* A fixed-size hash from base64. */
static int hash_field(const cJSON *o, const char *key, const char *what, uint8_t out[32])
{
	uint8_t *h;
	size_t n;
	if (ms_ss_b64_field(o, key, what, &h, &n) < 0)
		return -1;
	if (n != 32)
		ms_error("%s: %s must be a SHA-256 hash (32 bytes), not %zu bytes", what, key, n);
	else
		memcpy(out, h, 32);
	free(h);
	return n == 32 ? 0 : -1;
}

static int parse_proof(const cJSON *p, const char *what, struct ms_tlog_entry *e)
{
	const cJSON *hashes = ms_json_array(p, "hashes", what);
	const cJSON *cp = ms_json_object(p, "checkpoint", what);
	const char *env = cp ? ms_json_string(cp, "envelope", what) : NULL;
	if (!hashes || !env ||
	    ms_ss_int_field(p, "logIndex", what, INT64_MAX, &e->proof_index) < 0 ||
	    ms_ss_int_field(p, "treeSize", what, INT64_MAX, &e->tree_size) < 0 ||
	    hash_field(p, "rootHash", what, e->root_hash) < 0)
		return -1;
	int n = cJSON_GetArraySize(hashes);
	if (n > MAX_PROOF_HASHES) {
		ms_error("%s: inclusion proof has %d hashes, more than any tree needs", what, n);
		return -1;
	}
	e->hashes = ms_calloc((size_t)n + 1, sizeof *e->hashes);
	const cJSON *h;
	cJSON_ArrayForEach(h, hashes)
	{
		uint8_t *d = NULL;
		size_t len = 0;
		int ok = cJSON_IsString(h) &&
		         ms_ss_b64_quiet(h->valuestring, strlen(h->valuestring), &d, &len) == 0 &&
		         len == 32;
		if (ok)
			memcpy(e->hashes[e->n_hashes++], d, 32);
		free(d);
		if (!ok) {
			ms_error("%s: inclusion proof hash %zu is not a base64 SHA-256 hash", what,
			         e->n_hashes);
			return -1;
		}
	}
	e->checkpoint = ms_strdup(env);
	e->has_proof = 1;
	return 0;
}

static int parse_entry(const cJSON *o, const char *what, struct ms_tlog_entry *e)
{
	const cJSON *id = ms_json_object(o, "logId", what);
	const cJSON *kv = ms_json_object(o, "kindVersion", what);
	const char *kind = kv ? ms_json_string(kv, "kind", what) : NULL;
	const char *version = kind ? ms_json_string(kv, "version", what) : NULL;
	const char *body = ms_json_string(o, "canonicalizedBody", what);
	uint64_t t = 0;
	if (!id || !version || !body ||
	    ms_ss_int_field(o, "logIndex", what, INT64_MAX, &e->log_index) < 0 ||
	    ms_ss_b64_field(id, "keyId", what, &e->log_id, &e->log_id_len) < 0 ||
	    (get(o, "integratedTime") &&
	     ms_ss_int_field(o, "integratedTime", what, INT64_MAX, &t) < 0))
		return -1;
	e->kind = ms_strdup(kind);
	e->version = ms_strdup(version);
	e->integrated_time = (int64_t)t;
	e->body_b64 = ms_strdup(body);
	if (ms_b64_decode(body, strlen(body), what, &e->body, &e->body_len) < 0)
		return -1;
	const cJSON *promise = get(o, "inclusionPromise");
	if (promise &&
	    ms_ss_b64_field(promise, "signedEntryTimestamp", what, &e->set, &e->set_len) < 0)
		return -1;
	const cJSON *proof = get(o, "inclusionProof");
	return proof ? parse_proof(proof, what, e) : 0;
}

static int parse_tlog(const cJSON *vm, const char *what, struct ms_sigstore_bundle *b)
{
	const cJSON *arr = ms_json_array(vm, "tlogEntries", what);
	if (!arr)
		return -1;
	int n = cJSON_GetArraySize(arr);
	if (n < 1 || n > MS_SIGSTORE_MAX_ENTRIES) {
		ms_error("%s: tlogEntries must hold 1 to %d entries", what,
		         MS_SIGSTORE_MAX_ENTRIES);
		return -1;
	}
	b->tlog = ms_calloc((size_t)n, sizeof *b->tlog);
	const cJSON *o;
	cJSON_ArrayForEach(o, arr)
	{
		char *name = ms_asprintf("%s: tlogEntries[%zu]", what, b->n_tlog);
		int rc = parse_entry(o, name, &b->tlog[b->n_tlog++]);
		free(name);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int parse_timestamps(const cJSON *vm, const char *what, struct ms_sigstore_bundle *b)
{
	const cJSON *tvd = get(vm, "timestampVerificationData");
	const cJSON *arr = get(tvd, "rfc3161Timestamps");
	if (!arr)
		return 0;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > MS_SIGSTORE_MAX_ENTRIES) {
		ms_error("%s: rfc3161Timestamps must be an array of at most %d", what,
		         MS_SIGSTORE_MAX_ENTRIES);
		return -1;
	}
	size_t n = (size_t)cJSON_GetArraySize(arr);
	b->tsp = ms_calloc(n + 1, sizeof *b->tsp);
	b->tsp_len = ms_calloc(n + 1, sizeof *b->tsp_len);
	const cJSON *o;
	cJSON_ArrayForEach(o, arr)
	{
		char *name = ms_asprintf("%s: rfc3161Timestamps[%zu]", what, b->n_tsp);
		int rc = ms_ss_b64_field(o, "signedTimestamp", name, &b->tsp[b->n_tsp],
		                         &b->tsp_len[b->n_tsp]);
		free(name);
		if (rc < 0)
			return -1;
		b->n_tsp++;
	}
	return 0;
}

/* The leaf from "certificate" (v0.3) or "x509CertificateChain" (v0.1, v0.2),
 * the rest of a chain kept as untrusted intermediates. */
static int parse_cert(const cJSON *vm, const char *what, struct ms_sigstore_bundle *b)
{
	const cJSON *c = get(vm, "certificate");
	b->chain = sk_X509_new_null();
	if (c)
		return (b->cert = ms_ss_cert_field(c, what)) ? 0 : -1;
	const cJSON *chain = ms_json_object(vm, "x509CertificateChain", what);
	const cJSON *certs = chain ? ms_json_array(chain, "certificates", what) : NULL;
	if (!certs)
		return -1;
	if (cJSON_GetArraySize(certs) < 1 || cJSON_GetArraySize(certs) > 10) {
		ms_error("%s: x509CertificateChain must hold 1 to 10 certificates", what);
		return -1;
	}
	cJSON_ArrayForEach(c, certs)
	{
		X509 *x = ms_ss_cert_field(c, what);
		if (!x)
			return -1;
		if (!b->cert)
			b->cert = x;
		else
			sk_X509_push(b->chain, x);
	}
	return 0;
}

static int parse_envelope(const cJSON *root, const char *what, struct ms_sigstore_bundle *b)
{
	const cJSON *env = ms_json_object(root, "dsseEnvelope", what);
	const char *payload = env ? ms_json_string(env, "payload", what) : NULL;
	const char *type = payload ? ms_json_string(env, "payloadType", what) : NULL;
	const cJSON *sigs = type ? ms_json_array(env, "signatures", what) : NULL;
	if (!sigs)
		return -1;
	if (cJSON_GetArraySize(sigs) != 1) {
		ms_error("%s: a keyless DSSE envelope must hold exactly one signature", what);
		return -1;
	}
	b->payload_type = ms_strdup(type);
	size_t room = ms_dsse_pae_room(type);
	if (ms_b64_decode_public(payload, strlen(payload), what, room, &b->payload_mem,
	                         &b->payload_len) < 0)
		return -1;
	b->payload = b->payload_mem + room;
	return ms_ss_b64_field(cJSON_GetArrayItem(sigs, 0), "sig", what, &b->sig, &b->sig_len);
}

int ms_sigstore_bundle_parse(const char *json, size_t len, const char *what,
                             struct ms_sigstore_bundle *b)
{
	memset(b, 0, sizeof *b);
	cJSON *root = ms_json_parse(json, len, what);
	if (!root)
		return -1;
	const char *mt = ms_json_string(root, "mediaType", what);
	const cJSON *vm = mt ? ms_json_object(root, "verificationMaterial", what) : NULL;
	int rc = -1;
	size_t i = 0;
	while (mt && i < MS_ARRAY_LEN(media_types) && strcmp(mt, media_types[i]) != 0)
		i++;
	if (mt && i == MS_ARRAY_LEN(media_types))
		ms_error("%s: mediaType '%s' is not a Sigstore bundle v0.1 to v0.3", what, mt);
	else if (vm && get(root, "messageSignature"))
		ms_error("%s: holds a messageSignature, not the DSSE envelope of a model", what);
	else if (vm && parse_cert(vm, what, b) == 0 && parse_tlog(vm, what, b) == 0 &&
	         parse_timestamps(vm, what, b) == 0 && parse_envelope(root, what, b) == 0)
		rc = 0;
	cJSON_Delete(root);
	if (rc < 0)
		ms_sigstore_bundle_free(b);
	return rc;
}

void ms_sigstore_bundle_free(struct ms_sigstore_bundle *b)
{
	X509_free(b->cert);
	sk_X509_pop_free(b->chain, X509_free);
	for (size_t i = 0; i < b->n_tlog; i++) {
		struct ms_tlog_entry *e = &b->tlog[i];
		free(e->log_id);
		free(e->kind);
		free(e->version);
		free(e->set);
		free(e->body_b64);
		free(e->body);
		free(e->hashes);
		free(e->checkpoint);
	}
	free(b->tlog);
	for (size_t i = 0; i < b->n_tsp; i++)
		free(b->tsp[i]);
	free(b->tsp);
	free(b->tsp_len);
	free(b->payload_type);
	free(b->payload_mem);
	free(b->sig);
	memset(b, 0, sizeof *b);
}
