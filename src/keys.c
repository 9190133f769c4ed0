/* Key files. libcrypto reads and writes the PEM/PKCS#8 encodings and checks
 * ECDSA; libsodium generates, holds and uses the Ed25519 secret. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modelseal/keys.h"
#include "modelseal/util.h"

#define PUBKEY_FILE_MAX (1 << 20)
#define SECKEY_FILE_MAX (64 << 10)
/* scrypt cost: 16 MiB and ~50 ms. N = 2^15 would need more than the 32 MiB
 * that OpenSSL allows by default, and `openssl pkey` could not read the key. */
#define SCRYPT_N 16384
#define SCRYPT_R 8
#define SCRYPT_P 1

static const char BEGIN_PUBLIC[] = "-----BEGIN PUBLIC KEY-----";
static const char BEGIN_PLAIN[] = "-----BEGIN PRIVATE KEY-----";
static const char BEGIN_ENCRYPTED[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----";

struct ms_pubkey {
	enum ms_key_alg alg;
	EVP_PKEY *pkey;
	uint8_t ed25519[crypto_sign_PUBLICKEYBYTES];
	char id[MS_KEYID_HEX + 1];
	char *pem;
	char *source;
};

struct ms_seckey {
	uint8_t *sk;  /* Ed25519: libsodium's 64 bytes (seed || public), sodium_malloc */
	EVP_PKEY *ec; /* ECDSA: libcrypto's key, which it cleanses when freed */
	struct ms_pubkey *pub;
};

static const char *find(const char *text, size_t len, const char *needle)
{
	return memmem(text, len, needle, strlen(needle));
}

/* The last libcrypto reason, for -v, and a clean queue for the next call. */
static void drop_openssl_errors(void)
{
	unsigned long e = ERR_peek_last_error();
	if (e)
		ms_debug("libcrypto: %s", ERR_reason_error_string(e));
	ERR_clear_error();
}

const char *ms_key_alg_name(enum ms_key_alg alg)
{
	switch (alg) {
	case MS_KEY_ED25519:
		return "ed25519";
	case MS_KEY_ECDSA_P256:
		return "ecdsa-p256";
	case MS_KEY_ECDSA_P384:
		return "ecdsa-p384";
	case MS_KEY_ECDSA_P521:
		return "ecdsa-p521";
	}
	return "unknown";
}

const char *ms_pubkey_id(const struct ms_pubkey *k)
{
	return k->id;
}

const char *ms_pubkey_pem(const struct ms_pubkey *k)
{
	return k->pem;
}

enum ms_key_alg ms_pubkey_alg(const struct ms_pubkey *k)
{
	return k->alg;
}

const char *ms_pubkey_source(const struct ms_pubkey *k)
{
	return k->source;
}

void ms_pubkey_free(struct ms_pubkey *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k->pem);
	free(k->source);
	free(k);
}

/* Which supported algorithm pkey is; -1 with an error naming it otherwise. */
static int classify(EVP_PKEY *pkey, const char *what, enum ms_key_alg *alg)
{
	int id = EVP_PKEY_get_base_id(pkey);
	if (id == EVP_PKEY_ED25519) {
		*alg = MS_KEY_ED25519;
		return 0;
	}
	if (id == EVP_PKEY_EC) {
		char curve[64] = "";
		size_t n = 0;
		if (EVP_PKEY_get_group_name(pkey, curve, sizeof curve, &n) != 1)
			strcpy(curve, "explicit parameters");
		if (strcmp(curve, "prime256v1") == 0 || strcmp(curve, "P-256") == 0)
			*alg = MS_KEY_ECDSA_P256;
		else if (strcmp(curve, "secp384r1") == 0 || strcmp(curve, "P-384") == 0)
			*alg = MS_KEY_ECDSA_P384;
		else if (strcmp(curve, "secp521r1") == 0 || strcmp(curve, "P-521") == 0)
			*alg = MS_KEY_ECDSA_P521;
		else {
			ms_error("%s: ECDSA curve %s is not supported (P-256, P-384 or P-521 only)",
			         what, curve);
			return -1;
		}
		return 0;
	}
	const char *name = EVP_PKEY_get0_type_name(pkey);
	ms_error("%s: %s keys are not supported (Ed25519, or ECDSA P-256/P-384/P-521)", what,
	         name ? name : "this kind of");
	return -1;
}

/* PEM text as OpenSSL writes it and its SHA-256, the key id. */
static int identify(struct ms_pubkey *k)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	if (!bio || PEM_write_bio_PUBKEY(bio, k->pkey) != 1) {
		BIO_free(bio);
		ms_error("cannot encode public key %s", k->source);
		return -1;
	}
	long n = BIO_get_mem_data(bio, &data);
	uint8_t digest[32];
	if (EVP_Digest(data, (size_t)n, digest, NULL, EVP_sha256(), NULL) != 1) {
		BIO_free(bio);
		ms_error("SHA-256 failed");
		return -1;
	}
	k->pem = ms_strndup(data, (size_t)n);
	ms_hex_encode(digest, sizeof digest, k->id);
	BIO_free(bio);
	return 0;
}

/* Takes ownership of pkey. */
static int pubkey_from_evp(EVP_PKEY *pkey, const char *what, struct ms_pubkey **out)
{
	struct ms_pubkey *k = ms_calloc(1, sizeof *k);
	k->pkey = pkey;
	k->source = ms_strdup(what);
	if (classify(pkey, what, &k->alg) < 0)
		goto fail;
	if (k->alg == MS_KEY_ED25519) {
		size_t n = sizeof k->ed25519;
		if (EVP_PKEY_get_raw_public_key(pkey, k->ed25519, &n) != 1 ||
		    n != sizeof k->ed25519) {
			ms_error("%s: malformed Ed25519 public key", what);
			goto fail;
		}
	}
	if (identify(k) < 0)
		goto fail;
	*out = k;
	return 0;
fail:
	drop_openssl_errors();
	ms_pubkey_free(k);
	return -1;
}

/* A precise message for the usual wrong files given as a public key. */
static void explain_missing_block(const char *pem, size_t len, const char *what)
{
	if (find(pem, len, "PRIVATE KEY-----"))
		ms_error("%s is a secret key; give the public key (.pub) instead", what);
	else if (find(pem, len, "-----BEGIN CERTIFICATE-----"))
		ms_error("%s is a certificate; certificates are not supported yet, give the "
		         "public key",
		         what);
	else
		ms_error("%s holds no PEM public key (no '%s' line)", what, BEGIN_PUBLIC);
}

int ms_pubkey_parse(const char *pem, size_t len, const char *what, struct ms_pubkey **out)
{
	ms_sodium_init();
	const char *begin = find(pem, len, BEGIN_PUBLIC);
	if (!begin) {
		explain_missing_block(pem, len, what);
		return -1;
	}
	size_t rest = len - (size_t)(begin - pem);
	if (rest > INT_MAX) {
		ms_error("%s is too large", what);
		return -1;
	}
	BIO *bio = BIO_new_mem_buf(begin, (int)rest);
	EVP_PKEY *pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	if (!pkey) {
		drop_openssl_errors();
		ms_error("%s: truncated or malformed PEM public key", what);
		return -1;
	}
	return pubkey_from_evp(pkey, what, out);
}

int ms_pubkey_parse_der(const uint8_t *der, size_t len, const char *what, struct ms_pubkey **out)
{
	const unsigned char *p = der;
	EVP_PKEY *pkey = len <= LONG_MAX ? d2i_PUBKEY(NULL, &p, (long)len) : NULL;
	if (!pkey || p != der + len) {
		EVP_PKEY_free(pkey);
		drop_openssl_errors();
		ms_error("%s: malformed public key", what);
		return -1;
	}
	return pubkey_from_evp(pkey, what, out);
}

int ms_pubkey_load(const char *path, struct ms_pubkey **out)
{
	char *text;
	size_t len;
	if (ms_read_file(path, PUBKEY_FILE_MAX, "public key", &text, &len) < 0)
		return -1;
	char *what = ms_asprintf("public key '%s'", path);
	int rc = ms_pubkey_parse(text, len, what, out);
	if (rc == 0) {
		free((*out)->source);
		(*out)->source = ms_strdup(path);
	}
	free(what);
	free(text);
	return rc;
}

/* The hash that goes with the curve, as model_signing and the Sigstore
 * clients pair them. */
static const EVP_MD *curve_md(enum ms_key_alg alg)
{
	return alg == MS_KEY_ECDSA_P256   ? EVP_sha256()
	       : alg == MS_KEY_ECDSA_P384 ? EVP_sha384()
	                                  : EVP_sha512();
}

static int verify_ecdsa(const struct ms_pubkey *k, const EVP_MD *md, const uint8_t *msg,
                        size_t msg_len, const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, k->pkey) == 1 &&
	         EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error(); /* a bad signature leaves reasons queued */
	return ok;
}

int ms_pubkey_verify(const struct ms_pubkey *k, const uint8_t *msg, size_t msg_len,
                     const uint8_t *sig, size_t sig_len)
{
	if (k->alg == MS_KEY_ED25519)
		return sig_len == crypto_sign_BYTES &&
		       crypto_sign_verify_detached(sig, msg, msg_len, k->ed25519) == 0;
	return verify_ecdsa(k, curve_md(k->alg), msg, msg_len, sig, sig_len);
}

int ms_pubkey_verify_sha256(const struct ms_pubkey *k, const uint8_t *msg, size_t msg_len,
                            const uint8_t *sig, size_t sig_len)
{
	return k->alg != MS_KEY_ED25519 &&
	       verify_ecdsa(k, EVP_sha256(), msg, msg_len, sig, sig_len);
}

/* ---- secret keys ---- */

static void *secure_malloc(size_t n)
{
	ms_sodium_init();
	void *p = sodium_malloc(n);
	if (!p) {
		ms_error("out of secure memory");
		exit(MS_ERR);
	}
	return p;
}

void ms_seckey_free(struct ms_seckey *k)
{
	if (!k)
		return;
	if (k->sk)
		sodium_free(k->sk);
	EVP_PKEY_free(k->ec);
	ms_pubkey_free(k->pub);
	free(k);
}

const struct ms_pubkey *ms_seckey_public(const struct ms_seckey *k)
{
	return k->pub;
}

void ms_seckey_sign(const struct ms_seckey *k, const uint8_t *msg, size_t msg_len,
                    uint8_t sig[MS_ED25519_SIG_LEN])
{
	if (!k->sk) {
		ms_error("internal error: Ed25519 signature asked of an ECDSA key");
		exit(MS_ERR);
	}
	crypto_sign_detached(sig, NULL, msg, msg_len, k->sk);
}

size_t ms_seckey_signature(const struct ms_seckey *k, const uint8_t *msg, size_t msg_len,
                           uint8_t sig[MS_SIG_MAX])
{
	if (k->sk) {
		crypto_sign_detached(sig, NULL, msg, msg_len, k->sk);
		return MS_ED25519_SIG_LEN;
	}
	size_t n = MS_SIG_MAX;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestSignInit(ctx, NULL, curve_md(k->pub->alg), NULL, k->ec) == 1 &&
	         EVP_DigestSign(ctx, sig, &n, msg, msg_len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		drop_openssl_errors();
		ms_error("ECDSA signing failed");
		return 0;
	}
	return n;
}

/* The secret key for a seed, with its public half. The seed is not kept. */
static int seckey_from_seed(const uint8_t *seed, const char *what, struct ms_seckey **out)
{
	struct ms_seckey *k = ms_calloc(1, sizeof *k);
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	k->sk = secure_malloc(crypto_sign_SECRETKEYBYTES);
	crypto_sign_seed_keypair(pk, k->sk, seed);
	sodium_mprotect_readonly(k->sk);
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, sizeof pk);
	if (!pkey || pubkey_from_evp(pkey, what, &k->pub) < 0) {
		ms_seckey_free(k);
		return -1;
	}
	*out = k;
	return 0;
}

/* Whether the file starts like a public key: then a mode of 0644 is not a
 * leaked secret but the wrong file, and the message should say so. */
static int holds_public_key(int fd)
{
	char head[256];
	ssize_t n = pread(fd, head, sizeof head - 1, 0);
	if (n <= 0)
		return 0;
	head[n] = '\0';
	return strstr(head, "-----BEGIN PUBLIC KEY-----") != NULL;
}

/* Reads a secret key file into secure memory, refusing one that others may
 * read: a key anyone on the machine can copy is no longer secret. */
static int read_secret_file(const char *path, char **out, size_t *out_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ms_error("cannot open secret key '%s': %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ms_error("secret key '%s' is not a regular file", path);
		goto fail;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO) && holds_public_key(fd)) {
		ms_error("'%s' is a public key; signing needs the secret key (.key)", path);
		goto fail;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		ms_error("secret key '%s' is accessible by group or others (mode %04o); "
		         "run 'chmod 600 %s'",
		         path, (unsigned)(st.st_mode & 07777), path);
		goto fail;
	}
	if (st.st_size > SECKEY_FILE_MAX) {
		ms_error("secret key '%s' is larger than %d bytes", path, SECKEY_FILE_MAX);
		goto fail;
	}
	size_t cap = (size_t)st.st_size, len = 0;
	char *buf = secure_malloc(cap + 1);
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ms_error("cannot read secret key '%s': %s", path,
			         n < 0 ? strerror(errno) : "file shrank while read");
			sodium_free(buf);
			goto fail;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	*out = buf;
	*out_len = len;
	return 0;
fail:
	close(fd);
	return -1;
}

static PKCS8_PRIV_KEY_INFO *decrypt_p8(const X509_SIG *enc, const char *path,
                                       const struct ms_passphrase_src *src)
{
	struct ms_passphrase pass;
	char *prompt = ms_asprintf("Passphrase for %s: ", path);
	int rc = ms_passphrase_get(src, prompt, 0, &pass);
	free(prompt);
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	if (rc == 0 && pass.len <= INT_MAX) {
		p8 = PKCS8_decrypt(enc, pass.text, (int)pass.len);
		if (!p8)
			ms_error("cannot decrypt secret key '%s': wrong passphrase", path);
	}
	ms_passphrase_free(&pass);
	return p8;
}

/* Decodes the PEM block at bio into the PKCS#8 structure, decrypting it when
 * it is encrypted. The DER bytes are kept in libcrypto's secure heap
 * (PEM_FLAG_SECURE) and cleared when freed, since for a plain key they are
 * the secret itself. */
static PKCS8_PRIV_KEY_INFO *decode_p8(BIO *bio, const char *path,
                                      const struct ms_passphrase_src *src)
{
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	long len = 0;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	if (PEM_read_bio_ex(bio, &name, &header, &der, &len,
	                    PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE) != 1) {
		ms_error("secret key '%s': truncated or malformed PEM", path);
		return NULL;
	}
	const unsigned char *p = der;
	if (strcmp(name, "ENCRYPTED PRIVATE KEY") == 0) {
		X509_SIG *enc = d2i_X509_SIG(NULL, &p, len);
		if (enc && p == der + len)
			p8 = decrypt_p8(enc, path, src);
		else
			ms_error("secret key '%s': malformed encrypted PKCS#8 key", path);
		X509_SIG_free(enc);
	} else {
		p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, len);
		if (!p8 || p != der + len) {
			ms_error("secret key '%s': malformed PKCS#8 key", path);
			PKCS8_PRIV_KEY_INFO_free(p8);
			p8 = NULL;
		}
	}
	OPENSSL_secure_clear_free(der, (size_t)len);
	OPENSSL_secure_free(name);
	OPENSSL_secure_free(header);
	return p8;
}

/* Where the PKCS#8 block starts, or NULL with an error for other files. */
static const char *find_pkcs8(const char *text, size_t len, const char *path)
{
	const char *p = find(text, len, BEGIN_ENCRYPTED);
	if (!p)
		p = find(text, len, BEGIN_PLAIN);
	if (p)
		return p;
	if (find(text, len, "-----BEGIN OPENSSH PRIVATE KEY-----"))
		ms_error("secret key '%s' is in OpenSSH format; modelseal reads PKCS#8 PEM "
		         "('-----BEGIN PRIVATE KEY-----')",
		         path);
	else if (find(text, len, BEGIN_PUBLIC))
		ms_error("'%s' is a public key; signing needs the secret key (.key)", path);
	else if (find(text, len, "-----BEGIN EC PRIVATE KEY-----"))
		ms_error("secret key '%s' is a SEC1 EC key; convert it to PKCS#8 with 'openssl "
		         "pkcs8 -topk8 -in %s -out NEW.key'",
		         path, path);
	else if (find(text, len, " PRIVATE KEY-----"))
		ms_error("secret key '%s' is not a PKCS#8 key; modelseal signs with Ed25519 or "
		         "ECDSA P-256/P-384/P-521 PKCS#8 keys",
		         path);
	else
		ms_error("'%s' holds no PKCS#8 PEM secret key (no '%s' line)", path, BEGIN_PLAIN);
	return NULL;
}

/* The 32-byte Ed25519 seed of a key into secure memory, or NULL. */
static uint8_t *ed25519_seed(EVP_PKEY *pkey, const char *path)
{
	uint8_t *seed = secure_malloc(crypto_sign_SEEDBYTES);
	size_t n = crypto_sign_SEEDBYTES;
	if (EVP_PKEY_get_raw_private_key(pkey, seed, &n) != 1 || n != crypto_sign_SEEDBYTES) {
		ms_error("secret key '%s': malformed Ed25519 key", path);
		sodium_free(seed);
		return NULL;
	}
	return seed;
}

static int seckey_from_ed25519(EVP_PKEY *pkey, const char *path, struct ms_seckey **out)
{
	uint8_t *seed = ed25519_seed(pkey, path);
	if (!seed)
		return -1;
	char *what = ms_asprintf("public half of '%s'", path);
	int rc = seckey_from_seed(seed, what, out);
	free(what);
	sodium_free(seed);
	return rc;
}

/* Takes ownership of pkey, an ECDSA key on one of the supported curves. */
static int seckey_from_ec(EVP_PKEY *pkey, const char *path, struct ms_seckey **out)
{
	char *what = ms_asprintf("public half of '%s'", path);
	unsigned char *spki = NULL;
	int n = i2d_PUBKEY(pkey, &spki);
	struct ms_seckey *k = ms_calloc(1, sizeof *k);
	k->ec = pkey;
	int rc = n > 0 ? ms_pubkey_parse_der(spki, (size_t)n, what, &k->pub) : -1;
	if (n <= 0)
		ms_error("%s cannot be encoded", what);
	OPENSSL_free(spki);
	free(what);
	if (rc < 0) {
		ms_seckey_free(k);
		return -1;
	}
	*out = k;
	return 0;
}

/* The secret key of a decoded PKCS#8 structure: Ed25519 (into libsodium's
 * secure memory) or ECDSA P-256/384/521 (kept by libcrypto). */
static int seckey_from_p8(PKCS8_PRIV_KEY_INFO *p8, const char *path, struct ms_seckey **out)
{
	EVP_PKEY *pkey = EVP_PKCS82PKEY(p8);
	if (!pkey) {
		ms_error("secret key '%s': malformed PKCS#8 key", path);
		return -1;
	}
	int id = EVP_PKEY_get_base_id(pkey);
	enum ms_key_alg alg;
	if (id == EVP_PKEY_ED25519) {
		int rc = seckey_from_ed25519(pkey, path, out);
		EVP_PKEY_free(pkey); /* libcrypto cleanses the key it held */
		return rc;
	}
	char *what = ms_asprintf("secret key '%s'", path);
	int supported = classify(pkey, what, &alg) == 0;
	free(what);
	if (!supported) {
		EVP_PKEY_free(pkey);
		return -1;
	}
	return seckey_from_ec(pkey, path, out);
}

/* A PKCS#8 EC key carries its public point beside the private scalar, and
 * nothing makes them agree: a key whose halves differ would sign bundles
 * that its own public key (the key id in them) never verifies. One
 * signature, checked, proves they match. */
static int check_pair(const struct ms_seckey *k, const char *path)
{
	static const uint8_t probe[] = "modelseal key pair check";
	uint8_t sig[MS_SIG_MAX];
	size_t n = ms_seckey_signature(k, probe, sizeof probe, sig);
	if (n && ms_pubkey_verify(k->pub, probe, sizeof probe, sig, n))
		return 0;
	ms_error("secret key '%s': its public key does not match its private key", path);
	return -1;
}

int ms_seckey_load(const char *path, const struct ms_passphrase_src *src, struct ms_seckey **out)
{
	char *text;
	size_t len;
	if (read_secret_file(path, &text, &len) < 0)
		return -1;
	int rc = -1;
	const char *begin = find_pkcs8(text, len, path);
	BIO *bio = begin ? BIO_new_mem_buf(begin, (int)(len - (size_t)(begin - text))) : NULL;
	PKCS8_PRIV_KEY_INFO *p8 = bio ? decode_p8(bio, path, src) : NULL;
	if (p8)
		rc = seckey_from_p8(p8, path, out);
	if (rc == 0 && check_pair(*out, path) < 0) {
		ms_seckey_free(*out);
		*out = NULL;
		rc = -1;
	}
	PKCS8_PRIV_KEY_INFO_free(p8);
	BIO_free(bio);
	sodium_free(text);
	drop_openssl_errors();
	return rc;
}

enum ms_key_alg ms_seckey_alg(const struct ms_seckey *k)
{
	return k->pub->alg;
}

/* ---- key generation ---- */

/* PKCS#8 PEM of the secret key, encrypted with PBES2 (scrypt + AES-256-CBC)
 * when a passphrase is given. Written into secure heap memory (BIO_s_secmem),
 * which libcrypto wipes when the BIO is freed. */
static BIO *encode_secret(const EVP_PKEY *pkey, const struct ms_passphrase *pass)
{
	PKCS8_PRIV_KEY_INFO *p8 = pkey ? EVP_PKEY2PKCS8(pkey) : NULL;
	BIO *bio = BIO_new(BIO_s_secmem());
	int ok = 0;
	if (p8 && bio && !pass) {
		ok = PEM_write_bio_PKCS8_PRIV_KEY_INFO(bio, p8) == 1;
	} else if (p8 && bio && pass->len <= INT_MAX) {
		unsigned char salt[16];
		randombytes_buf(salt, sizeof salt);
		X509_ALGOR *pbe = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), salt, sizeof salt, NULL,
		                                        SCRYPT_N, SCRYPT_R, SCRYPT_P);
		X509_SIG *enc = pbe ? PKCS8_set0_pbe(pass->text, (int)pass->len, p8, pbe) : NULL;
		if (!enc)
			X509_ALGOR_free(pbe);
		ok = enc && PEM_write_bio_PKCS8(bio, enc) == 1;
		X509_SIG_free(enc);
	}
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (!ok) {
		drop_openssl_errors();
		ms_error("cannot encode the secret key");
		BIO_free(bio);
		return NULL;
	}
	return bio;
}

/* A complete new file or nothing. Without --force an existing file is never
 * replaced, even one that appeared after ms_keygen_check(). */
static int write_key_file(const char *path, const char *data, size_t len, mode_t mode, int force)
{
	return force ? ms_write_atomic(path, data, len, mode) : ms_write_new(path, data, len, mode);
}

static int refuse_existing(const char *path, int force)
{
	struct stat st;
	if (force || lstat(path, &st) < 0)
		return 0;
	ms_error("'%s' already exists; use --force to replace it", path);
	return -1;
}

/* The pair's directory must exist: keygen creates files, not directories. */
static int check_key_directory(const char *prefix)
{
	char *dir = ms_dirname(prefix);
	struct stat st;
	int rc = 0;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		ms_error("directory '%s' does not exist: create it first (mkdir -p '%s')", dir,
		         dir);
		rc = -1;
	}
	free(dir);
	return rc;
}

int ms_keygen_check(const struct ms_keygen_opts *o)
{
	if (check_key_directory(o->prefix) < 0)
		return -1;
	char *key_path = ms_asprintf("%s.key", o->prefix);
	char *pub_path = ms_asprintf("%s.pub", o->prefix);
	int rc = refuse_existing(key_path, o->force) < 0 || refuse_existing(pub_path, o->force) < 0
	             ? -1
	             : 0;
	free(key_path);
	free(pub_path);
	return rc;
}

static int write_pair(const struct ms_keygen_opts *o, BIO *secret, const struct ms_pubkey *pub)
{
	char *key_path = ms_asprintf("%s.key", o->prefix);
	char *pub_path = ms_asprintf("%s.pub", o->prefix);
	char *data;
	long n = BIO_get_mem_data(secret, &data);
	int rc = -1;
	if (ms_keygen_check(o) < 0)
		goto out;
	if (write_key_file(key_path, data, (size_t)n, 0600, o->force) < 0)
		goto out;
	if (write_key_file(pub_path, pub->pem, strlen(pub->pem), 0644, o->force) < 0) {
		if (!o->force)
			unlink(key_path); /* ours: a secret key without its public half is no use */
		goto out;
	}
	rc = 0;
out:
	free(key_path);
	free(pub_path);
	return rc;
}

/* A new key as libcrypto holds it: Ed25519 from a libsodium seed (the seed
 * is wiped here), ECDSA from libcrypto's generator. */
static EVP_PKEY *generate(enum ms_key_alg alg)
{
	static const char *const curves[] = {NULL, "P-256", "P-384", "P-521"};
	EVP_PKEY *pkey;
	if (alg == MS_KEY_ED25519) {
		uint8_t *seed = secure_malloc(crypto_sign_SEEDBYTES);
		randombytes_buf(seed, crypto_sign_SEEDBYTES);
		pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
		                                    crypto_sign_SEEDBYTES);
		sodium_free(seed);
	} else {
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[alg]);
	}
	if (!pkey) {
		drop_openssl_errors();
		ms_error("cannot generate a %s key", ms_key_alg_name(alg));
	}
	return pkey;
}

int ms_key_alg_parse(const char *s, enum ms_key_alg *out)
{
	for (enum ms_key_alg a = MS_KEY_ED25519; a <= MS_KEY_ECDSA_P521; a++)
		if (strcmp(s, ms_key_alg_name(a)) == 0) {
			*out = a;
			return 0;
		}
	return -1;
}

int ms_keygen(const struct ms_keygen_opts *o, char keyid[MS_KEYID_HEX + 1])
{
	EVP_PKEY *pkey = generate(o->alg);
	unsigned char *spki = NULL;
	int n = pkey ? i2d_PUBKEY(pkey, &spki) : -1;
	struct ms_pubkey *pub = NULL;
	BIO *secret = NULL;
	int rc = -1;
	if (n <= 0 || ms_pubkey_parse_der(spki, (size_t)n, "new key", &pub) < 0)
		goto out;
	secret = encode_secret(pkey, o->passphrase);
	if (!secret || write_pair(o, secret, pub) < 0)
		goto out;
	memcpy(keyid, pub->id, sizeof pub->id);
	rc = 0;
out:
	OPENSSL_free(spki);
	BIO_free(secret);
	ms_pubkey_free(pub);
	EVP_PKEY_free(pkey);
	return rc;
}
