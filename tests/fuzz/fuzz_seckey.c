/* Secret key files (ms_seckey_load: PKCS#8 PEM, plain or encrypted), read
 * with the fixed passphrase "correct-horse" (the one of
 * tests/data/keys/ed25519-enc.key). A key that loads signs, and its public
 * half verifies the signature. */
#include <fcntl.h>
#include <unistd.h>

#include "fuzz.h"
#include "modelseal/keys.h"
#include "modelseal/util.h"

static char dir[] = "/tmp/ms-fuzz-seckey-XXXXXX";
static char *key_path, *pass_path;

static void cleanup(void)
{
	unlink(key_path);
	unlink(pass_path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	key_path = ms_asprintf("%s/k.key", dir);
	pass_path = ms_asprintf("%s/pass", dir);
	if (ms_write_atomic(pass_path, "correct-horse\n", 14, 0600) < 0)
		abort();
	ms_fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = open(key_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0)
		abort();
	struct ms_passphrase_src src = {.file = pass_path};
	struct ms_seckey *k;
	if (ms_seckey_load(key_path, &src, &k) < 0)
		return 0;
	uint8_t sig[MS_SIG_MAX];
	size_t n = ms_seckey_signature(k, data, size, sig); /* Ed25519 or ECDSA */
	MS_FUZZ_ASSERT(n > 0);
	MS_FUZZ_ASSERT(ms_pubkey_verify(ms_seckey_public(k), data, size, sig, n) == 1);
	ms_seckey_free(k);
	return 0;
}
