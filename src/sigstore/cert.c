/* The Fulcio signing certificate: chain to a CA of the trusted root at the
 * signing time, the embedded SCTs against the root's CT logs, and the
 * identity (SAN) and OIDC issuer it was issued for. */
#include <stdlib.h>
#include <string.h>

#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "modelseal/sigstore.h"
#include "modelseal/util.h"
#include "sigstore_int.h"

#define OID_ISSUER_V1 "1.3.6.1.4.1.57264.1.1" /* raw string, deprecated */
#define OID_ISSUER_V2 "1.3.6.1.4.1.57264.1.8" /* DER UTF8String */

static int chain_with_ca(const struct ms_tr_ca *ca, X509 *leaf, STACK_OF(X509) * extra, int64_t t,
                         X509 **issuer, const char **err)
{
	int n = sk_X509_num(ca->chain);
	X509_STORE *store = X509_STORE_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok = 0;
	if (!store || !untrusted || !ctx ||
	    !X509_STORE_add_cert(store, sk_X509_value(ca->chain, n - 1)))
		goto out;
	for (int i = 0; i < sk_X509_num(extra); i++)
		sk_X509_push(untrusted, sk_X509_value(extra, i));
	for (int i = 0; i < n - 1; i++)
		sk_X509_push(untrusted, sk_X509_value(ca->chain, i));
	if (!X509_STORE_CTX_init(ctx, store, leaf, untrusted))
		goto out;
	X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(param, (time_t)t);
	X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
	ok = X509_verify_cert(ctx) == 1;
	STACK_OF(X509) *chain = ok ? X509_STORE_CTX_get0_chain(ctx) : NULL;
	if (!ok) {
		*err = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
	} else if (sk_X509_num(chain) < 2) { /* the root itself: it signs nothing */
		ok = 0;
		*err = "the certificate is the CA's own";
	} else if (issuer) {
		*issuer = sk_X509_value(chain, 1);
		X509_up_ref(*issuer);
	}
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted); /* the certificates belong to others */
	X509_STORE_free(store);
	ERR_clear_error();
	return ok;
}

static int usage_ok(X509 *leaf, char **why)
{
	uint32_t flags = X509_get_extension_flags(leaf);
	if (X509_check_ca(leaf) != 0)
		return ms_ss_fail(why, "certificate: a CA certificate cannot sign as a leaf");
	if (!(flags & EXFLAG_KUSAGE) || !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE))
		return ms_ss_fail(why, "certificate: key usage lacks digitalSignature");
	if (!(flags & EXFLAG_XKUSAGE) || !(X509_get_extended_key_usage(leaf) & XKU_CODE_SIGN))
		return ms_ss_fail(why, "certificate: extended key usage lacks codeSigning");
	return 0;
}

int ms_fulcio_chain_verify(const struct ms_trusted_root *tr, X509 *leaf, STACK_OF(X509) * extra,
                           int64_t t, X509 **issuer, char **why)
{
	const char *err = "no certificate authority of the trusted root is valid then";
	char when[32];
	for (size_t i = 0; i < tr->n_cas; i++) {
		const struct ms_tr_ca *ca = &tr->cas[i];
		if (t < ca->valid.start || t > ca->valid.end)
			continue;
		if (!chain_with_ca(ca, leaf, extra, t, issuer, &err))
			continue;
		if (usage_ok(leaf, why) == 0)
			return 0;
		if (issuer) { /* only a leaf that passes has an issuer to hand back */
			X509_free(*issuer);
			*issuer = NULL;
		}
		return -1;
	}
	return ms_ss_fail(why,
	                  "certificate: does not chain to a Fulcio CA of the trusted root at "
	                  "%s: %s",
	                  ms_time_format(t, when, sizeof when), err);
}

/* ---- SCT (RFC 6962 section 3.2) ---- */

static void put_be(struct ms_buf *b, uint64_t v, int bytes)
{
	uint8_t out[8];
	for (int i = 0; i < bytes; i++)
		out[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	ms_buf_append(b, out, (size_t)bytes);
}

/* The precertificate's TBS: the leaf's TBS without the SCT list extension,
 * re-encoded (what the CT log signed before the SCTs were embedded). */
static unsigned char *precert_tbs(X509 *leaf, int *len)
{
	X509 *pre = X509_dup(leaf);
	unsigned char *der = NULL;
	int idx = pre ? X509_get_ext_by_NID(pre, NID_ct_precert_scts, -1) : -1;
	*len = 0;
	if (idx >= 0) {
		X509_EXTENSION_free(X509_delete_ext(pre, idx));
		*len = i2d_re_X509_tbs(pre, &der);
	}
	X509_free(pre);
	return *len > 0 ? der : NULL;
}

/* digitally-signed struct of a precert SCT: version, signature type,
 * timestamp, entry type, issuer key hash, TBS, extensions. */
static void sct_signed_data(const SCT *sct, const uint8_t key_hash[32], const unsigned char *tbs,
                            int tbs_len, struct ms_buf *b)
{
	unsigned char *ext = NULL;
	size_t ext_len = SCT_get0_extensions(sct, &ext);
	put_be(b, 0, 1); /* v1 */
	put_be(b, 0, 1); /* certificate_timestamp */
	put_be(b, SCT_get_timestamp(sct), 8);
	put_be(b, 1, 2); /* precert_entry */
	ms_buf_append(b, key_hash, 32);
	put_be(b, (uint64_t)tbs_len, 3);
	ms_buf_append(b, tbs, (size_t)tbs_len);
	put_be(b, ext_len, 2);
	if (ext_len)
		ms_buf_append(b, ext, ext_len);
}

static int one_sct(const struct ms_trusted_root *tr, const SCT *sct, const uint8_t key_hash[32],
                   const unsigned char *tbs, int tbs_len, char **why)
{
	unsigned char *id = NULL, *sig = NULL;
	size_t id_len = SCT_get0_log_id(sct, &id);
	size_t sig_len = SCT_get0_signature(sct, &sig);
	int64_t t = (int64_t)(SCT_get_timestamp(sct) / 1000);
	if (SCT_get_version(sct) != SCT_VERSION_V1)
		return ms_ss_fail(why, "certificate: an embedded SCT is not version 1");
	const struct ms_tr_log *log = ms_tr_find_log(tr->ctlogs, tr->n_ctlogs, id, id_len, t);
	if (!log)
		return ms_ss_fail(why, "certificate: an embedded SCT is from a CT log that is not "
		                       "in the trusted root (or not valid at its time)");
	struct ms_buf b = {0};
	sct_signed_data(sct, key_hash, tbs, tbs_len, &b);
	int ok = ms_sig_verify(log->key, (const uint8_t *)b.data, b.len, sig, sig_len);
	ms_buf_free(&b);
	return ok ? 0
	          : ms_ss_fail(why,
	                       "certificate: an embedded SCT does not verify with the "
	                       "key of CT log %s",
	                       log->base_url);
}

int ms_sct_verify(const struct ms_trusted_root *tr, X509 *leaf, X509 *issuer, char **why)
{
	STACK_OF(SCT) *scts = X509_get_ext_d2i(leaf, NID_ct_precert_scts, NULL, NULL);
	int rc = 0, tbs_len = 0;
	unsigned char *spki = NULL, *tbs = NULL;
	uint8_t key_hash[32];
	int spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(issuer), &spki);
	if (!scts || sk_SCT_num(scts) == 0)
		rc = ms_ss_fail(why, "certificate: no embedded SCT (not logged in CT)");
	else if (spki_len <= 0 || !(tbs = precert_tbs(leaf, &tbs_len)))
		rc = ms_ss_fail(why, "certificate: cannot rebuild its precertificate");
	if (rc == 0)
		SHA256(spki, (size_t)spki_len, key_hash);
	for (int i = 0; rc == 0 && i < sk_SCT_num(scts); i++)
		rc = one_sct(tr, sk_SCT_value(scts, i), key_hash, tbs, tbs_len, why);
	OPENSSL_free(spki);
	OPENSSL_free(tbs);
	SCT_LIST_free(scts);
	ERR_clear_error();
	return rc;
}

/* ---- identity and issuer ---- */

/* A SAN value as text: email, URI or DNS name; NULL for other kinds or one
 * with a NUL inside. */
static char *san_text(const GENERAL_NAME *g)
{
	const ASN1_IA5STRING *s = g->type == GEN_EMAIL ? g->d.rfc822Name
	                          : g->type == GEN_URI ? g->d.uniformResourceIdentifier
	                          : g->type == GEN_DNS ? g->d.dNSName
	                                               : NULL;
	if (!s || memchr(s->data, '\0', (size_t)s->length))
		return NULL;
	return ms_strndup((const char *)s->data, (size_t)s->length);
}

char *ms_cert_identity(X509 *leaf, const char *want)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	char *found = NULL;
	for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		char *s = san_text(sk_GENERAL_NAME_value(names, i));
		if (s && want && strcmp(s, want) == 0) {
			free(found);
			found = s;
			break;
		}
		if (!found)
			found = s;
		else
			free(s);
	}
	GENERAL_NAMES_free(names);
	return found;
}

/* The extension's value: for .1.8 a DER UTF8String, for .1.1 the raw
 * bytes. NULL when absent; *bad when present but unreadable. */
static char *issuer_ext(X509 *leaf, const char *oid, int der, int *bad)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	int idx = obj ? X509_get_ext_by_OBJ(leaf, obj, -1) : -1;
	ASN1_OBJECT_free(obj);
	if (idx < 0)
		return NULL;
	ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(leaf, idx));
	const unsigned char *p = ASN1_STRING_get0_data(v);
	int len = ASN1_STRING_length(v);
	ASN1_UTF8STRING *u = der ? d2i_ASN1_UTF8STRING(NULL, &p, len) : NULL;
	if (u && p == ASN1_STRING_get0_data(v) + len) {
		p = ASN1_STRING_get0_data(u);
		len = ASN1_STRING_length(u);
	} else if (der) {
		len = -1;
	}
	/* A NUL inside would make the text compare as something shorter. */
	char *out = len > 0 && !memchr(p, '\0', (size_t)len)
	                ? ms_strndup((const char *)p, (size_t)len)
	                : NULL;
	ASN1_UTF8STRING_free(u);
	*bad = out == NULL;
	return out;
}

char *ms_cert_issuer(X509 *leaf, char **why)
{
	int bad1 = 0, bad8 = 0;
	char *v1 = issuer_ext(leaf, OID_ISSUER_V1, 0, &bad1);
	char *v8 = issuer_ext(leaf, OID_ISSUER_V2, 1, &bad8);
	char *out = NULL;
	if (bad1 || bad8)
		ms_ss_fail(why, "certificate: its OIDC issuer extension is malformed");
	else if (v1 && v8 && strcmp(v1, v8) != 0)
		ms_ss_fail(why, "certificate: its two OIDC issuer extensions disagree");
	else if (!v1 && !v8)
		ms_ss_fail(why, "certificate: no OIDC issuer extension");
	else
		out = ms_strdup(v8 ? v8 : v1);
	free(v1);
	free(v8);
	return out;
}
