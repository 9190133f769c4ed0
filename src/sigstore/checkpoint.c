/* Checkpoints: the signed tree heads of transparency logs in the signed
 * note format (C2SP signed-note and tlog-checkpoint). The note text is
 * "ORIGIN\nSIZE\nBASE64 ROOT\n" plus optional extension lines; a blank line
 * follows, then one line per signature: "— NAME BASE64(hint || sig)\n". The
 * signature is over the text including its final newline. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "modelseal/sigstore.h"
#include "modelseal/util.h"
#include "sigstore_int.h"

#define NOTE_MAX 8192
#define SIG_PREFIX "\xe2\x80\x94 " /* U+2014 EM DASH, space */

/* The 4-byte key hint a signature by log carries: the first bytes of the
 * log id (Rekor v1, ECDSA), or for Ed25519 note keys SHA-256(name "\n" 0x01
 * key)[:4] as C2SP signed-note defines it. */
static int hint_matches(const struct ms_tr_log *log, const char *name, size_t name_len,
                        const uint8_t hint[4])
{
	if (log->id_len >= 4 && memcmp(log->id, hint, 4) == 0)
		return 1;
	uint8_t raw[32];
	size_t raw_len = sizeof raw;
	if (EVP_PKEY_get_base_id(log->key) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(log->key, raw, &raw_len) != 1)
		return 0;
	crypto_hash_sha256_state c;
	uint8_t md[32];
	const uint8_t sep[2] = {'\n', 0x01};
	crypto_hash_sha256_init(&c);
	crypto_hash_sha256_update(&c, (const uint8_t *)name, name_len);
	crypto_hash_sha256_update(&c, sep, 2);
	crypto_hash_sha256_update(&c, raw, raw_len);
	crypto_hash_sha256_final(&c, md);
	return memcmp(md, hint, 4) == 0;
}

/* The body lines: size and root must be the proof's. */
static int check_text(const char *text, size_t len, uint64_t tree_size, const uint8_t root[32],
                      char **why)
{
	const char *l1 = memchr(text, '\n', len);
	const char *l2 = l1 ? memchr(l1 + 1, '\n', len - (size_t)(l1 + 1 - text)) : NULL;
	const char *l3 = l2 ? memchr(l2 + 1, '\n', len - (size_t)(l2 + 1 - text)) : NULL;
	if (!l3 || l1 == text)
		return ms_ss_fail(why, "checkpoint: not origin, size and root hash lines");
	char *size_s = ms_strndup(l1 + 1, (size_t)(l2 - l1 - 1));
	uint64_t size;
	int bad_size = ms_parse_u64(size_s, 0, UINT64_MAX, &size) < 0;
	free(size_s);
	uint8_t *h = NULL;
	size_t hlen = 0;
	const char *r = l2 + 1;
	int bad_root = ms_ss_b64_quiet(r, (size_t)(l3 - r), &h, &hlen) < 0 || hlen != 32;
	int rc = 0;
	if (bad_size || bad_root)
		rc = ms_ss_fail(why, "checkpoint: malformed tree size or root hash");
	else if (size != tree_size)
		rc = ms_ss_fail(why, "checkpoint: tree size %llu, the inclusion proof says %llu",
		                (unsigned long long)size, (unsigned long long)tree_size);
	else if (sodium_memcmp(h, root, 32) != 0)
		rc = ms_ss_fail(why, "checkpoint: root hash differs from the inclusion proof's");
	free(h);
	return rc;
}

/* One signature line (without its newline): 1 verified by log, 0 another
 * key's, -1 malformed or a bad signature by log. */
static int check_sig_line(const char *line, size_t len, const char *text, size_t text_len,
                          const struct ms_tr_log *log)
{
	size_t pl = strlen(SIG_PREFIX);
	if (len < pl || memcmp(line, SIG_PREFIX, pl) != 0)
		return -1;
	const char *name = line + pl;
	const char *sp = memchr(name, ' ', len - pl);
	if (!sp || sp == name)
		return -1;
	const char *b64 = sp + 1;
	uint8_t *raw;
	size_t raw_len;
	if (ms_ss_b64_quiet(b64, len - (size_t)(b64 - line), &raw, &raw_len) < 0)
		return -1;
	int rc = 0;
	if (raw_len < 5)
		rc = -1;
	else if (hint_matches(log, name, (size_t)(sp - name), raw))
		rc = ms_sig_verify(log->key, (const uint8_t *)text, text_len, raw + 4, raw_len - 4)
		         ? 1
		         : -1;
	free(raw);
	return rc;
}

int ms_signed_note_verify(const char *note, const struct ms_tr_log *log, uint64_t tree_size,
                         const uint8_t root[32], char **why)
{
	size_t len = strlen(note);
	const char *blank = strstr(note, "\n\n");
	if (len > NOTE_MAX || !blank || note[len - 1] != '\n')
		return ms_ss_fail(why, "checkpoint: not a signed note");
	size_t text_len = (size_t)(blank - note) + 1;
	if (check_text(note, text_len, tree_size, root, why) < 0)
		return -1;
	int verified = 0;
	for (const char *p = blank + 2; p < note + len;) {
		const char *nl = strchr(p, '\n');
		int rc = check_sig_line(p, (size_t)(nl - p), note, text_len, log);
		if (rc < 0)
			return ms_ss_fail(why, "checkpoint: a signature line is malformed or does "
			                       "not verify with the log's key");
		verified |= rc;
		p = nl + 1;
	}
	if (!verified)
		return ms_ss_fail(why, "checkpoint: not signed by the log's key");
	return 0;
}
