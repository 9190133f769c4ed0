/* Certificate chains from bundles (ms_bundle_parse's x509CertificateChain
 * and certificate, then ms_x509_verify against the interop root). Input
 * starting with '{' is a bundle; anything else is DER certificates split at
 * each "\n--\n". A verified chain hands back a key and printable names;
 * nothing crashes or leaks. */
#include "fuzz.h"
#include "modelseal/bundle.h"
#include "modelseal/util.h"
#include "modelseal/x509.h"

MS_FUZZ_INIT

#define AT 1893456000 /* 2030-01-01 */

static struct ms_x509_roots *the_roots(void)
{
	static struct ms_x509_roots *r;
	if (!r) {
		r = ms_x509_roots_new();
		/* from the repository root, where make runs the targets */
		ms_x509_roots_add_file(r, "tests/interop/oms/keys/ca-cert.pem");
	}
	return r;
}

static int printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return 0;
	return 1;
}

static void check(const uint8_t *const *certs, const size_t *lens, size_t n)
{
	struct ms_x509_check c = {certs, lens, n, "signer@example.com", AT, "fuzz"};
	struct ms_pubkey *key = NULL;
	struct ms_x509_signer s;
	char *why = NULL;
	int rc = ms_x509_verify(the_roots(), &c, "fuzz", &key, &s, &why);
	MS_FUZZ_ASSERT(rc != MS_OK || key != NULL);
	MS_FUZZ_ASSERT(rc != MS_FAIL || why != NULL);
	MS_FUZZ_ASSERT(printable(s.subject) && printable(s.root) && printable(s.identity));
	MS_FUZZ_ASSERT(!why || printable(why));
	free(why);
}

static void split_der(const uint8_t *data, size_t size)
{
	const uint8_t *certs[MS_X509_MAX_CHAIN + 1];
	size_t lens[MS_X509_MAX_CHAIN + 1], n = 0;
	while (n <= MS_X509_MAX_CHAIN) {
		const uint8_t *sep = memmem(data, size, "\n--\n", 4);
		size_t len = sep ? (size_t)(sep - data) : size;
		certs[n] = data;
		lens[n++] = len;
		if (!sep)
			break;
		data = sep + 4;
		size -= len + 4;
	}
	check(certs, lens, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size && data[0] != '{') {
		split_der(data, size);
		return 0;
	}
	struct ms_bundle b;
	if (ms_bundle_parse((const char *)data, size, "fuzz bundle", &b) < 0)
		return 0;
	MS_FUZZ_ASSERT((b.cert_kind == MS_BUNDLE_NO_CERT) == (b.n_certs == 0));
	MS_FUZZ_ASSERT(b.n_certs <= MS_X509_MAX_CHAIN);
	if (b.n_certs)
		check((const uint8_t *const *)b.certs, b.cert_lens, b.n_certs);
	ms_bundle_free(&b);
	return 0;
}
