/* X.509 certificate chains: the roots a user trusts (--ca), the path from a
 * bundle's leaf to one of them (libcrypto's X509_verify_cert at a stated
 * time), and the leaf's fitness to sign code (KeyUsage digitalSignature, EKU
 * codeSigning, an optional pinned identity). The certificates inside a
 * bundle are never trusted by themselves: they are untrusted intermediates
 * until a path reaches a root given here. */
#ifndef MODELSEAL_X509_H
#define MODELSEAL_X509_H

#include <stddef.h>
#include <stdint.h>

#include "modelseal/keys.h"

#define MS_X509_MAX_CHAIN 8    /* certificates read from one bundle */
#define MS_X509_CERT_MAX 65536 /* bytes of one DER certificate */
#define MS_X509_TEXT_MAX 512   /* names kept for the verdict (longer: cut, "...") */

struct ms_x509_roots; /* opaque: trusted root certificates */

struct ms_x509_roots *ms_x509_roots_new(void);
/* Adds every "-----BEGIN CERTIFICATE-----" block of a PEM file (text around
 * the blocks, as certtool writes, is skipped). A file without one, or a
 * garbled block: an error naming the file, and -1. */
int ms_x509_roots_add_file(struct ms_x509_roots *r, const char *path);
/* The same from PEM text in memory; what names it in messages. */
int ms_x509_roots_add_pem(struct ms_x509_roots *r, const char *pem, size_t len, const char *what);
size_t ms_x509_roots_count(const struct ms_x509_roots *r);
/* 1 when a root whose DER has this hex SHA-256 was added, else 0. */
int ms_x509_roots_has(const struct ms_x509_roots *r, const char *sha256_hex);
/* Frees the roots and every leaf key ms_x509_verify handed out with them. */
void ms_x509_roots_free(struct ms_x509_roots *r);

/* Who signed, as the verdict shows it. Every string is printable ASCII:
 * other bytes from the certificate appear as \xNN (RFC 2253 escapes in
 * names), so no certificate can write control characters to a terminal. */
struct ms_x509_signer {
	char subject[MS_X509_TEXT_MAX];  /* leaf subject, RFC 2253 */
	char root[MS_X509_TEXT_MAX];     /* subject of the trusted root reached */
	char root_sha256[65];            /* hex SHA-256 of that root's DER */
	char identity[MS_X509_TEXT_MAX]; /* what matched --identity: "email:..",
	                                    "uri:..", "dns:.." or "cn:.."; else "" */
	char time[32];                   /* the time of the check, ISO 8601 UTC */
	const char *time_source;         /* "timestamp" or "current time" */
};

struct ms_x509_check {
	const uint8_t *const *certs; /* DER, leaf first, then intermediates: untrusted */
	const size_t *lens;
	size_t n;
	const char *identity;    /* SAN email, URI or DNS name, or subject CN; NULL: any */
	int64_t time;            /* check validity at this time (seconds, UTC) */
	const char *time_source; /* how that time was obtained, for the verdict */
};

/* Verifies, in this order: every certificate parses as exactly one DER
 * certificate; a path from certs[0] through the others to a root exists,
 * with every signature, validity period and CA constraint holding at
 * c->time (no partial chains: an intermediate given as a root fails); the
 * leaf has KeyUsage digitalSignature and EKU codeSigning; the leaf carries
 * c->identity when one is given; the leaf key is one modelseal verifies with.
 * MS_OK: *key is the leaf's public key (owned by roots) and *signer says who.
 * MS_FAIL: *why (malloc'd) names the failed check. MS_ERR: malformed input,
 * reported. */
int ms_x509_verify(struct ms_x509_roots *roots, const struct ms_x509_check *c, const char *what,
                   struct ms_pubkey **key, struct ms_x509_signer *signer, char **why);

/* A certificate chain for signing: every CERTIFICATE block of a PEM file as
 * DER, in file order (leaf first). -1 after reporting. */
int ms_x509_chain_load(const char *path, uint8_t ***ders, size_t **lens, size_t *n);
void ms_x509_chain_free(uint8_t **ders, size_t *lens, size_t n);
/* Why the DER certificate may not sign code (the usage check of
 * ms_x509_verify), freshly allocated, or NULL when it may (or does not
 * parse: ms_x509_cert_has_key reports that). */
char *ms_x509_cert_usage_problem(const uint8_t *der, size_t len);
/* 1 when the public key of the DER certificate is k, 0 when it is another
 * key, -1 (reported) when the certificate does not parse. */
int ms_x509_cert_has_key(const uint8_t *der, size_t len, const struct ms_pubkey *k,
                         const char *what);

#endif
