/* trusted_root.json: the Sigstore instance's trust anchors as TUF ships
 * them (Fulcio CAs, Rekor logs, CT logs, timestamp authorities), each with
 * the period in which it may be used. Parsed strictly; every key and
 * certificate is decoded up front so a broken root fails at once, not when
 * some bundle happens to need the broken piece. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modelseal/json.h"
#include "modelseal/sigstore.h"
#include "modelseal/util.h"
#include "sigstore_int.h"

#define TR_MEDIA_PREFIX "application/vnd.dev.sigstore.trustedroot"
#define TR_MAX_ITEMS 256

int ms_rfc3339_parse(const char *s, int64_t *out)
{
	/* Protobuf JSON timestamps: seconds, an optional fraction of 1 to 9
	 * digits, then Z. The fraction cannot change which second a log entry
	 * or certificate falls in, so it is dropped. */
	size_t n = strlen(s);
	if (n < 20 || n > 30 || s[n - 1] != 'Z')
		return -1;
	char secs[21];
	memcpy(secs, s, 19);
	secs[19] = 'Z';
	secs[20] = '\0';
	if (n > 20) {
		if (s[19] != '.' || n == 21)
			return -1;
		for (size_t i = 20; i < n - 1; i++)
			if (s[i] < '0' || s[i] > '9' || i > 28)
				return -1;
	}
	return ms_time_parse(secs, out);
}

static int parse_validity(const cJSON *obj, const char *what, struct ms_validity *v)
{
	const cJSON *vf = ms_json_object(obj, "validFor", what);
	if (!vf)
		return -1;
	const char *start = ms_json_string(vf, "start", what);
	if (!start)
		return -1;
	const cJSON *end = cJSON_GetObjectItemCaseSensitive(vf, "end");
	v->end = INT64_MAX;
	if (ms_rfc3339_parse(start, &v->start) < 0 ||
	    (end && (!cJSON_IsString(end) || ms_rfc3339_parse(end->valuestring, &v->end) < 0))) {
		ms_error("%s: validFor holds a malformed time (want 2021-01-12T11:53:27Z)", what);
		return -1;
	}
	if (v->end < v->start) {
		ms_error("%s: validFor ends before it starts", what);
		return -1;
	}
	return 0;
}

static int parse_log(const cJSON *o, const char *what, struct ms_tr_log *log)
{
	const char *url = ms_json_string(o, "baseUrl", what);
	const cJSON *pk = ms_json_object(o, "publicKey", what);
	const cJSON *id = ms_json_object(o, "logId", what);
	uint8_t *der;
	size_t len;
	if (!url || !pk || !id || parse_validity(pk, what, &log->valid) < 0 ||
	    ms_ss_b64_field(id, "keyId", what, &log->id, &log->id_len) < 0 ||
	    ms_ss_b64_field(pk, "rawBytes", what, &der, &len) < 0)
		return -1;
	log->base_url = ms_strdup(url);
	const cJSON *details = cJSON_GetObjectItemCaseSensitive(pk, "keyDetails");
	if (cJSON_IsString(details) && strncmp(details->valuestring, "PKCS1_RSA", 9) == 0) {
		/* Old CT logs of the staging root: a bare PKCS#1 RSAPublicKey. */
		const unsigned char *p = der;
		log->key = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
		if (!log->key || p != der + len) {
			ms_error("%s: not a DER PKCS#1 RSA public key", what);
			EVP_PKEY_free(log->key);
			log->key = NULL;
		}
	} else {
		log->key = ms_ss_pubkey_der(der, len, what);
	}
	free(der);
	return log->key ? 0 : -1;
}

static int parse_ca(const cJSON *o, const char *what, struct ms_tr_ca *ca)
{
	const cJSON *chain = ms_json_object(o, "certChain", what);
	const cJSON *certs = chain ? ms_json_array(chain, "certificates", what) : NULL;
	const cJSON *uri = cJSON_GetObjectItemCaseSensitive(o, "uri");
	if (!certs || parse_validity(o, what, &ca->valid) < 0)
		return -1;
	if (cJSON_GetArraySize(certs) < 1 || cJSON_GetArraySize(certs) > 10) {
		ms_error("%s: certChain must hold 1 to 10 certificates", what);
		return -1;
	}
	ca->uri = ms_strdup(cJSON_IsString(uri) ? uri->valuestring : "");
	ca->chain = sk_X509_new_null();
	const cJSON *c;
	cJSON_ArrayForEach(c, certs)
	{
		X509 *x = ms_ss_cert_field(c, what);
		if (!x)
			return -1;
		sk_X509_push(ca->chain, x);
	}
	return 0;
}

/* One of the four lists: absent is empty (a private instance may run
 * without CT or TSA). */
static int parse_list(const cJSON *root, const char *key, const char *what, void **items, size_t *n,
                      size_t size, int (*one)(const cJSON *, const char *, void *))
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, key);
	if (!arr)
		return 0;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > TR_MAX_ITEMS) {
		ms_error("%s: field '%s' must be an array of at most %d items", what, key,
		         TR_MAX_ITEMS);
		return -1;
	}
	*items = ms_calloc((size_t)cJSON_GetArraySize(arr) + 1, size);
	const cJSON *o;
	cJSON_ArrayForEach(o, arr)
	{
		char *name = ms_asprintf("%s: %s[%zu]", what, key, *n);
		int rc = one(o, name, (char *)*items + *n * size);
		free(name);
		(*n)++; /* counted even when it failed: free releases its parts */
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int one_log(const cJSON *o, const char *what, void *p)
{
	return parse_log(o, what, p);
}

static int one_ca(const cJSON *o, const char *what, void *p)
{
	return parse_ca(o, what, p);
}

int ms_trusted_root_parse(const char *json, size_t len, const char *what,
                          struct ms_trusted_root *tr)
{
	memset(tr, 0, sizeof *tr);
	cJSON *root = ms_json_parse(json, len, what);
	if (!root)
		return -1;
	const char *mt = ms_json_string(root, "mediaType", what);
	int rc = -1;
	if (mt && strncmp(mt, TR_MEDIA_PREFIX, strlen(TR_MEDIA_PREFIX)) != 0)
		ms_error("%s: mediaType '%s' is not a Sigstore trusted root", what, mt);
	else if (mt &&
	         parse_list(root, "tlogs", what, (void **)&tr->tlogs, &tr->n_tlogs,
	                    sizeof *tr->tlogs, one_log) == 0 &&
	         parse_list(root, "ctlogs", what, (void **)&tr->ctlogs, &tr->n_ctlogs,
	                    sizeof *tr->ctlogs, one_log) == 0 &&
	         parse_list(root, "certificateAuthorities", what, (void **)&tr->cas, &tr->n_cas,
	                    sizeof *tr->cas, one_ca) == 0 &&
	         parse_list(root, "timestampAuthorities", what, (void **)&tr->tsas, &tr->n_tsas,
	                    sizeof *tr->tsas, one_ca) == 0)
		rc = 0;
	if (rc == 0 && (tr->n_tlogs == 0 || tr->n_cas == 0)) {
		ms_error("%s: a trusted root for keyless signatures needs at least one tlog and "
		         "one certificate authority",
		         what);
		rc = -1;
	}
	cJSON_Delete(root);
	if (rc < 0)
		ms_trusted_root_free(tr);
	return rc;
}

int ms_trusted_root_load(const char *path, struct ms_trusted_root *tr)
{
	char *json;
	size_t len;
	if (ms_read_file(path, MS_TRUSTED_ROOT_MAX, "trusted root", &json, &len) < 0)
		return -1;
	char *what = ms_asprintf("trusted root '%s'", path);
	int rc = ms_trusted_root_parse(json, len, what, tr);
	free(what);
	free(json);
	return rc;
}

static void free_logs(struct ms_tr_log *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].base_url);
		free(v[i].id);
		EVP_PKEY_free(v[i].key);
	}
	free(v);
}

static void free_cas(struct ms_tr_ca *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].uri);
		sk_X509_pop_free(v[i].chain, X509_free);
	}
	free(v);
}

void ms_trusted_root_free(struct ms_trusted_root *tr)
{
	free_logs(tr->tlogs, tr->n_tlogs);
	free_logs(tr->ctlogs, tr->n_ctlogs);
	free_cas(tr->cas, tr->n_cas);
	free_cas(tr->tsas, tr->n_tsas);
	memset(tr, 0, sizeof *tr);
}

const struct ms_tr_log *ms_tr_find_log(const struct ms_tr_log *logs, size_t n, const uint8_t *id,
                                       size_t id_len, int64_t t)
{
	for (size_t i = 0; i < n; i++)
		if (logs[i].id_len == id_len && memcmp(logs[i].id, id, id_len) == 0 &&
		    t >= logs[i].valid.start && t <= logs[i].valid.end)
			return &logs[i];
	return NULL;
}
