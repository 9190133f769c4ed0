/* Merkle inclusion proofs (RFC 6962 section 2.1.1, in the form of RFC 9162
 * section 2.1.3.2): the leaf's hash and the audit path rebuild the root of
 * a tree of the given size. */
#include <string.h>

#include <openssl/sha.h>
#include <sodium.h>

#include "modelseal/sigstore.h"
#include "modelseal/util.h"
#include "sigstore_int.h"

static void hash_children(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
	uint8_t buf[65];
	buf[0] = 0x01;
	memcpy(buf + 1, l, 32);
	memcpy(buf + 33, r, 32);
	SHA256(buf, sizeof buf, out);
}

static void hash_leaf(const uint8_t *body, size_t len, uint8_t out[32])
{
	crypto_hash_sha256_state c;
	const uint8_t zero = 0x00;
	crypto_hash_sha256_init(&c);
	crypto_hash_sha256_update(&c, &zero, 1);
	crypto_hash_sha256_update(&c, body, len);
	crypto_hash_sha256_final(&c, out);
}

int ms_merkle_inclusion(const uint8_t *body, size_t body_len, uint64_t index, uint64_t size,
                        const uint8_t (*hashes)[32], size_t n_hashes, const uint8_t root[32],
                        char **why)
{
	if (index >= size)
		return ms_ss_fail(why, "inclusion proof: leaf index %llu is outside a tree of %llu",
		                  (unsigned long long)index, (unsigned long long)size);
	uint64_t fn = index, sn = size - 1;
	uint8_t r[32];
	hash_leaf(body, body_len, r);
	for (size_t i = 0; i < n_hashes; i++) {
		if (sn == 0)
			return ms_ss_fail(why,
			                  "inclusion proof: more hashes than the tree has levels");
		if ((fn & 1) || fn == sn) {
			hash_children(hashes[i], r, r);
			/* A right-most node with no right sibling: climb until the
			 * node is a right child again. */
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			hash_children(r, hashes[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return ms_ss_fail(why, "inclusion proof: fewer hashes than the tree has levels");
	if (sodium_memcmp(r, root, 32) != 0)
		return ms_ss_fail(why, "inclusion proof: the audit path does not lead to the root "
		                       "hash");
	return 0;
}
