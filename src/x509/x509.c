/* X.509 chains with libcrypto. The bundle's certificates are parsed here,
 * from bytes an attacker chose: each must be exactly one DER certificate,
 * and none is trusted for being in the bundle. Trust comes only from the
 * roots the user gave, through X509_verify_cert at an explicit time. */
#include <limits.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "modelseal/util.h"
#include "modelseal/x509.h"

#define PEM_FILE_MAX (1 << 20)

struct ms_x509_roots {
	X509_STORE *store;
	size_t n;
	char (*fps)[65];         /* hex SHA-256 of each root's DER, in order added */
	struct ms_pubkey **keys; /* leaf keys handed out, freed with the roots */
	size_t n_keys;
};

/* The last libcrypto reason, for -v, and a clean queue for the next call. */
static void drop_errors(void)
{
	unsigned long e = ERR_peek_last_error();
	if (e)
		ms_debug("libcrypto: %s", ERR_reason_error_string(e));
	ERR_clear_error();
}

struct ms_x509_roots *ms_x509_roots_new(void)
{
	struct ms_x509_roots *r = ms_calloc(1, sizeof *r);
	r->store = X509_STORE_new();
	if (!r->store) {
		ms_error("out of memory");
		exit(MS_ERR);
	}
	return r;
}

size_t ms_x509_roots_count(const struct ms_x509_roots *r)
{
	return r ? r->n : 0;
}

void ms_x509_roots_free(struct ms_x509_roots *r)
{
	if (!r)
		return;
	X509_STORE_free(r->store);
	free(r->fps);
	for (size_t i = 0; i < r->n_keys; i++)
		ms_pubkey_free(r->keys[i]);
	free(r->keys);
	free(r);
}

/* Calls fn on every CERTIFICATE block of the PEM text; other blocks and
 * text between them are skipped. The number of certificates, or -1 with an
 * error when a block is garbled. */
static int each_pem_cert(const char *pem, size_t len, const char *what,
                         int (*fn)(X509 *x, void *ctx), void *ctx)
{
	if (len > INT_MAX) {
		ms_error("%s is too large", what);
		return -1;
	}
	ERR_clear_error(); /* the queue must say why this read stopped */
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	int n = 0;
	for (X509 *x; bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)); n++) {
		int rc = fn(x, ctx);
		X509_free(x);
		if (rc < 0) {
			n = -1;
			break;
		}
	}
	unsigned long e = ERR_peek_last_error();
	if (n >= 0 && e && ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
		ms_error("%s: truncated or malformed PEM certificate", what);
		n = -1;
	}
	drop_errors();
	BIO_free(bio);
	if (n == 0) {
		ms_error("%s holds no PEM certificate (no '-----BEGIN CERTIFICATE-----' line)",
		         what);
		n = -1;
	}
	return n;
}

/* Hex SHA-256 of the certificate's DER: what names a root in a policy. */
static void fingerprint(const X509 *x, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	if (X509_digest(x, EVP_sha256(), md, &n) != 1 || n != sizeof md) {
		ms_error("cannot hash a certificate");
		exit(MS_ERR);
	}
	ms_hex_encode(md, sizeof md, out);
}

int ms_x509_roots_has(const struct ms_x509_roots *r, const char *sha256_hex)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (strcmp(r->fps[i], sha256_hex) == 0)
			return 1;
	return 0;
}

static int add_root(X509 *x, void *ctx)
{
	struct ms_x509_roots *r = ctx;
	if (X509_STORE_add_cert(r->store, x) != 1) {
		unsigned long e = ERR_peek_last_error();
		/* the same root twice is harmless */
		if (ERR_GET_REASON(e) != X509_R_CERT_ALREADY_IN_HASH_TABLE) {
			ms_error("cannot add a root certificate");
			return -1;
		}
		ERR_clear_error();
	}
	r->fps = ms_reallocarray(r->fps, r->n + 1, sizeof *r->fps);
	fingerprint(x, r->fps[r->n++]);
	return 0;
}

int ms_x509_roots_add_pem(struct ms_x509_roots *r, const char *pem, size_t len, const char *what)
{
	return each_pem_cert(pem, len, what, add_root, r) < 0 ? -1 : 0;
}

int ms_x509_roots_add_file(struct ms_x509_roots *r, const char *path)
{
	char *text;
	size_t len;
	if (ms_read_file(path, PEM_FILE_MAX, "CA certificate", &text, &len) < 0)
		return -1;
	char *what = ms_asprintf("CA certificate '%s'", path);
	int rc = ms_x509_roots_add_pem(r, text, len, what);
	free(what);
	free(text);
	return rc;
}

/* ---- printable names ---- */

/* Copies s into dst as printable ASCII: other bytes (and the backslash,
 * unless the text is RFC 2253 escaped already) as \xNN; cut with "..." when
 * it does not fit. */
static void printable_ex(char *dst, size_t cap, const uint8_t *s, size_t n, int keep_backslash)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char tmp[5];
		int printable_byte =
		    s[i] >= 0x20 && s[i] < 0x7f && (s[i] != '\\' || keep_backslash);
		size_t w = printable_byte ? 1 : 4;
		if (printable_byte)
			tmp[0] = (char)s[i];
		else
			snprintf(tmp, sizeof tmp, "\\x%02x", s[i]);
		if (o + w + 4 > cap) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(dst + o, tmp, w);
		o += w;
	}
	dst[o] = '\0';
}

static void printable(char *dst, size_t cap, const uint8_t *s, size_t n)
{
	printable_ex(dst, cap, s, n, 0);
}

/* RFC 2253, whose escapes (\1B for ESC) are kept as they are. */
static void name_text(const X509_NAME *name, char *dst, size_t cap)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL;
	long n = 0;
	if (bio && X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0)
		n = BIO_get_mem_data(bio, &data);
	printable_ex(dst, cap, (const uint8_t *)(data ? data : ""), data ? (size_t)n : 0, 1);
	BIO_free(bio);
}

/* ---- parsing ---- */

/* Exactly one DER certificate, nothing after it. */
static X509 *parse_der(const uint8_t *der, size_t len, const char *what, size_t i)
{
	if (len == 0 || len > MS_X509_CERT_MAX) {
		ms_error("%s: certificate %zu is %s", what, i, len ? "too large" : "empty");
		return NULL;
	}
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (!x || p != der + len) {
		drop_errors();
		X509_free(x);
		ms_error("%s: certificate %zu is not one DER X.509 certificate", what, i);
		return NULL;
	}
	return x;
}

static STACK_OF(X509) * parse_intermediates(const struct ms_x509_check *c, const char *what)
{
	STACK_OF(X509) *st = sk_X509_new_null();
	for (size_t i = 1; st && i < c->n; i++) {
		X509 *x = parse_der(c->certs[i], c->lens[i], what, i);
		if (!x || !sk_X509_push(st, x)) {
			X509_free(x);
			sk_X509_pop_free(st, X509_free);
			return NULL;
		}
	}
	return st;
}

/* ---- the checks ---- */

static char *time_text(const ASN1_TIME *t)
{
	struct tm tm;
	char buf[32];
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1 ||
	    !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return ms_strdup("(unreadable time)");
	return ms_strdup(buf);
}

/* Why X509_verify_cert refused, naming the certificate and the time. */
static char *path_failure(X509_STORE_CTX *ctx, const struct ms_x509_signer *s)
{
	int err = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
	char subject[MS_X509_TEXT_MAX] = "?";
	if (bad)
		name_text(X509_get_subject_name(bad), subject, sizeof subject);
	char *reason;
	if (err == X509_V_ERR_CERT_HAS_EXPIRED && bad) {
		char *t = time_text(X509_get0_notAfter(bad));
		reason = ms_asprintf("expired on %s", t);
		free(t);
	} else if (err == X509_V_ERR_CERT_NOT_YET_VALID && bad) {
		char *t = time_text(X509_get0_notBefore(bad));
		reason = ms_asprintf("is not valid before %s", t);
		free(t);
	} else {
		reason = ms_strdup(X509_verify_cert_error_string(err));
	}
	char *why = ms_asprintf("certificate chain: certificate %d '%s': %s (checked at %s, %s)",
	                        depth, subject, reason, s->time, s->time_source);
	free(reason);
	return why;
}

/* The chain from leaf to a root at c->time; the root's subject into s. */
static int build_path(struct ms_x509_roots *roots, X509 *leaf, STACK_OF(X509) * untrusted,
                      const struct ms_x509_check *c, struct ms_x509_signer *s, char **why)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	if (!ctx || X509_STORE_CTX_init(ctx, roots->store, leaf, untrusted) != 1) {
		X509_STORE_CTX_free(ctx);
		ms_error("out of memory");
		exit(MS_ERR);
	}
	X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(vp, (time_t)c->time);
	/* RFC 5280's rules in full (as the Sigstore clients apply them), so a
	 * malformed extension or CA certificate is not waved through */
	X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_X509_STRICT);
	/* no X509_V_FLAG_PARTIAL_CHAIN: the path must end at a self-signed root
	 * the user gave, so an intermediate given as --ca does not suffice */
	int ok = X509_verify_cert(ctx) == 1;
	if (ok) {
		STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
		X509 *top = sk_X509_value(chain, sk_X509_num(chain) - 1);
		name_text(X509_get_subject_name(top), s->root, sizeof s->root);
		fingerprint(top, s->root_sha256);
	} else {
		*why = path_failure(ctx, s);
	}
	X509_STORE_CTX_free(ctx);
	drop_errors();
	return ok ? MS_OK : MS_FAIL;
}

static int check_usage(X509 *leaf, char **why)
{
	uint32_t fl = X509_get_extension_flags(leaf);
	if (!(fl & EXFLAG_KUSAGE) || !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE)) {
		*why = ms_strdup("key usage: the signing certificate lacks KeyUsage "
		                 "digitalSignature");
		return MS_FAIL;
	}
	if (!(fl & EXFLAG_XKUSAGE) || !(X509_get_extended_key_usage(leaf) & XKU_CODE_SIGN)) {
		*why = ms_strdup("extended key usage: the signing certificate lacks EKU "
		                 "codeSigning");
		return MS_FAIL;
	}
	return MS_OK;
}

/* One identity of the leaf, "kind:value", into the list; 1 when it is the
 * pinned one (compared byte for byte, whole). */
static int note_identity(struct ms_buf *found, const char *kind, const uint8_t *v, size_t n,
                         const char *want, struct ms_x509_signer *s)
{
	char shown[MS_X509_TEXT_MAX - 8];
	printable(shown, sizeof shown, v, n);
	ms_buf_printf(found, "%s%s:%s", found->len ? ", " : "", kind, shown);
	if (!want || strlen(want) != n || memcmp(want, v, n) != 0)
		return 0;
	snprintf(s->identity, sizeof s->identity, "%.5s:%s", kind, shown);
	return 1;
}

static int match_san(X509 *leaf, const char *want, struct ms_buf *found, struct ms_x509_signer *s)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	int hit = 0;
	for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		int type;
		const ASN1_STRING *v = GENERAL_NAME_get0_value(g, &type);
		const char *kind = type == GEN_EMAIL ? "email"
		                   : type == GEN_URI ? "uri"
		                   : type == GEN_DNS ? "dns"
		                                     : NULL;
		if (kind)
			hit |= note_identity(found, kind, ASN1_STRING_get0_data(v),
			                     (size_t)ASN1_STRING_length(v), want, s);
	}
	GENERAL_NAMES_free(names);
	return hit;
}

static int match_cn(X509 *leaf, const char *want, struct ms_buf *found, struct ms_x509_signer *s)
{
	const X509_NAME *name = X509_get_subject_name(leaf);
	int hit = 0;
	for (int i = -1; (i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0;) {
		unsigned char *utf8 = NULL;
		int n = ASN1_STRING_to_UTF8(&utf8,
		                            X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
		if (n >= 0)
			hit |= note_identity(found, "cn", utf8, (size_t)n, want, s);
		OPENSSL_free(utf8);
	}
	return hit;
}

static int check_identity(X509 *leaf, const char *want, struct ms_x509_signer *s, char **why)
{
	struct ms_buf found = {0};
	int hit = match_san(leaf, want, &found, s);
	hit |= match_cn(leaf, want, &found, s);
	drop_errors();
	if (!want || hit) {
		ms_buf_free(&found);
		return MS_OK;
	}
	char shown[MS_X509_TEXT_MAX];
	printable(shown, sizeof shown, (const uint8_t *)want, strlen(want));
	ms_buf_append(&found, "", 0);
	*why = ms_asprintf("identity: expected '%s', the signing certificate has %s", shown,
	                   found.len > 1 ? found.data : "no email, URI, DNS name or CN");
	ms_buf_free(&found);
	return MS_FAIL;
}

/* The leaf's key as modelseal's own public key type, kept by roots. */
static int leaf_key(struct ms_x509_roots *roots, X509 *leaf, const char *what,
                    struct ms_pubkey **key)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(X509_get0_pubkey(leaf), &der);
	char *desc = ms_asprintf("%s: the signing certificate's key", what);
	int rc = n > 0 ? ms_pubkey_parse_der(der, (size_t)n, desc, key) : -1;
	if (n <= 0)
		ms_error("%s cannot be read", desc);
	OPENSSL_free(der);
	free(desc);
	drop_errors();
	if (rc < 0)
		return MS_ERR;
	roots->keys = ms_reallocarray(roots->keys, roots->n_keys + 1, sizeof *roots->keys);
	roots->keys[roots->n_keys++] = *key;
	return MS_OK;
}

int ms_x509_verify(struct ms_x509_roots *roots, const struct ms_x509_check *c, const char *what,
                   struct ms_pubkey **key, struct ms_x509_signer *signer, char **why)
{
	memset(signer, 0, sizeof *signer);
	*why = NULL;
	*key = NULL;
	signer->time_source = c->time_source;
	ms_time_format(c->time, signer->time, sizeof signer->time);
	if (c->n == 0 || c->n > MS_X509_MAX_CHAIN) {
		ms_error("%s: %zu certificates in the chain (1 to %d)", what, c->n,
		         MS_X509_MAX_CHAIN);
		return MS_ERR;
	}
	X509 *leaf = parse_der(c->certs[0], c->lens[0], what, 0);
	STACK_OF(X509) *untrusted = leaf ? parse_intermediates(c, what) : NULL;
	int rc = MS_ERR;
	if (leaf && untrusted) {
		name_text(X509_get_subject_name(leaf), signer->subject, sizeof signer->subject);
		rc = build_path(roots, leaf, untrusted, c, signer, why);
		if (rc == MS_OK)
			rc = check_usage(leaf, why);
		if (rc == MS_OK)
			rc = check_identity(leaf, c->identity, signer, why);
		if (rc == MS_OK)
			rc = leaf_key(roots, leaf, what, key);
	}
	sk_X509_pop_free(untrusted, X509_free);
	X509_free(leaf);
	return rc;
}

/* ---- chains for signing ---- */

struct der_list {
	uint8_t **ders;
	size_t *lens;
	size_t n;
};

static int add_der(X509 *x, void *ctx)
{
	struct der_list *l = ctx;
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	if (n <= 0) {
		ms_error("cannot encode a certificate");
		return -1;
	}
	l->ders = ms_reallocarray(l->ders, l->n + 1, sizeof *l->ders);
	l->lens = ms_reallocarray(l->lens, l->n + 1, sizeof *l->lens);
	l->ders[l->n] = ms_malloc((size_t)n);
	memcpy(l->ders[l->n], der, (size_t)n);
	l->lens[l->n++] = (size_t)n;
	OPENSSL_free(der);
	return 0;
}

int ms_x509_chain_load(const char *path, uint8_t ***ders, size_t **lens, size_t *n)
{
	char *text;
	size_t len;
	if (ms_read_file(path, PEM_FILE_MAX, "certificate chain", &text, &len) < 0)
		return -1;
	char *what = ms_asprintf("certificate chain '%s'", path);
	struct der_list l = {0};
	int count = each_pem_cert(text, len, what, add_der, &l);
	if (count > MS_X509_MAX_CHAIN) {
		ms_error("%s holds %d certificates, more than %d", what, count, MS_X509_MAX_CHAIN);
		count = -1;
	}
	free(what);
	free(text);
	if (count < 0) {
		ms_x509_chain_free(l.ders, l.lens, l.n);
		return -1;
	}
	*ders = l.ders;
	*lens = l.lens;
	*n = l.n;
	return 0;
}

void ms_x509_chain_free(uint8_t **ders, size_t *lens, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ders[i]);
	free(ders);
	free(lens);
}

char *ms_x509_cert_usage_problem(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = len && len <= MS_X509_CERT_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;
	char *why = NULL;
	if (x && p == der + len)
		check_usage(x, &why);
	X509_free(x);
	drop_errors();
	return why;
}

int ms_x509_cert_has_key(const uint8_t *der, size_t len, const struct ms_pubkey *k,
                         const char *what)
{
	X509 *x = parse_der(der, len, what, 0);
	if (!x)
		return -1;
	unsigned char *spki = NULL;
	int n = i2d_PUBKEY(X509_get0_pubkey(x), &spki);
	struct ms_pubkey *cert_key = NULL;
	int rc = -1;
	if (n > 0 && ms_pubkey_parse_der(spki, (size_t)n, what, &cert_key) == 0)
		rc = strcmp(ms_pubkey_id(cert_key), ms_pubkey_id(k)) == 0;
	else if (n <= 0)
		ms_error("%s: the certificate's key cannot be read", what);
	ms_pubkey_free(cert_key);
	OPENSSL_free(spki);
	X509_free(x);
	drop_errors();
	return rc;
}
