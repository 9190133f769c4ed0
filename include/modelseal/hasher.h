/* One running digest (SHA-256 through libcrypto, BLAKE2b-512 through
 * libsodium) and hashing a byte range of an open file. Shared by the
 * directory engine (hashing.c) and the archive stream (stream.c). */
#ifndef MODELSEAL_HASHER_H
#define MODELSEAL_HASHER_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "modelseal/manifest.h"
#include "modelseal/progress.h"

/* Scratch size for ms_hash_fd_range when a range is read rather than mapped. */
#define MS_READ_CHUNK ((size_t)256 << 10)

struct ms_hasher {
	enum ms_hash_alg alg;
	EVP_MD_CTX *evp; /* SHA-256 only; owned */
	crypto_generichash_blake2b_state b2;
};

/* Allocates what the hasher needs; -1 after reporting. */
int ms_hasher_new(struct ms_hasher *h, enum ms_hash_alg alg);
void ms_hasher_free(struct ms_hasher *h);
/* Starts (or restarts) a digest. -1 after reporting. */
int ms_hasher_begin(struct ms_hasher *h);
void ms_hasher_update(struct ms_hasher *h, const void *data, size_t len);
/* Writes ms_digest_len(alg) bytes. -1 after reporting. */
int ms_hasher_final(struct ms_hasher *h, uint8_t *digest);

/* Feeds bytes [off, off+len) of fd to h: ranges of 1 MiB and more window by
 * window through the read path below, smaller ones with pread into scratch
 * (MS_READ_CHUNK bytes). Adds the bytes to progress if not NULL. -1 after reporting, with
 * what naming the file, when it cannot be read or shrank. */
int ms_hash_fd_range(struct ms_hasher *h, int fd, uint64_t off, uint64_t len, uint8_t *scratch,
                     struct ms_progress *progress, const char *what);

/* How ms_hash_fd_range reads ranges of 1 MiB and more: 16 MiB mapped
 * windows or pread into MS_READ_CHUNK. AUTO (the default) times the first
 * windows of each on the thread's CPU clock, mapped ones first, then read
 * ones (only samples that ran beside no window of the other path count),
 * and keeps the cheaper for the rest of the process;
 * MODELSEAL_READ=mmap|pread in the environment fixes it. ms_read_path_set
 * also forgets the samples taken. A window whose first or last byte is not
 * in the page cache is read whatever the path, and is no sample. */
enum ms_read_path { MS_READ_AUTO, MS_READ_MAP, MS_READ_PREAD };
void ms_read_path_set(enum ms_read_path p);
/* Whether bytes off and off+len-1 of fd are in the page cache (1 also
 * where the system cannot tell): mapped windows need both. */
int ms_window_cached(int fd, uint64_t off, size_t len);
/* The path in use: AUTO while still measuring. */
enum ms_read_path ms_read_path_current(void);
/* The cheaper path given CPU time ns[k] over bytes[k] for mapped (k = 0)
 * and read (k = 1) windows; mapped on a tie. */
enum ms_read_path ms_read_path_pick(const uint64_t ns[2], const uint64_t bytes[2]);

/* A mapped file that shrinks raises SIGBUS; this turns it into an error of
 * ms_hash_fd_range instead. Call once before hashing mapped ranges. */
void ms_install_sigbus_guard(void);

#endif
