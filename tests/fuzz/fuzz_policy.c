/* Deploy policies (ms_policy_load), read from a scratch directory that also
 * holds a valid public key "k.pub", so policies naming a key file can load. */
#include <fcntl.h>
#include <unistd.h>

#include "fuzz.h"
#include "modelseal/policy.h"
#include "modelseal/util.h"

static char dir[] = "/tmp/ms-fuzz-policy-XXXXXX";
static char *policy_path, *key_path;

/* tests/data/keys/ed25519.pub */
static const char pub[] = "-----BEGIN PUBLIC KEY-----\n"
			  "MCowBQYDK2VwAyEAEEVPTsUkfdbDsHuhZjtbdDBOpn29BhLnhM3R8fnMToE=\n"
			  "-----END PUBLIC KEY-----\n";

static void cleanup(void)
{
	unlink(policy_path);
	unlink(key_path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	policy_path = ms_asprintf("%s/policy.json", dir);
	key_path = ms_asprintf("%s/k.pub", dir);
	if (ms_write_atomic(key_path, pub, sizeof pub - 1, 0644) < 0)
		abort();
	atexit(cleanup);
	ms_fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = open(policy_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0)
		abort();
	struct ms_policy *p;
	if (ms_policy_load(policy_path, &p) < 0)
		return 0;
	size_t n;
	(void)ms_policy_key_files(p, &n);
	int allow = ms_policy_allow_unsigned(p);
	MS_FUZZ_ASSERT(allow >= -1 && allow <= 1);
	ms_policy_free(p);
	return 0;
}
