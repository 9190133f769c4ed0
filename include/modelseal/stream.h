/* Hashing bytes that arrive in order from one producer (the archive reader)
 * on worker threads, in bounded memory.
 *
 * The producer opens a shard, writes its bytes, and closes it; it may have
 * one shard open at a time. Bytes are copied into a fixed set of buffers;
 * when none is free, or too many shards are in flight, the producer waits.
 * Each shard's buffers are hashed in order by one worker at a time, and
 * different shards are hashed in parallel. A shard can also be a byte range
 * of an open file, hashed by a worker straight from the file. */
#ifndef MODELSEAL_STREAM_H
#define MODELSEAL_STREAM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "modelseal/manifest.h"
#include "modelseal/progress.h"

struct ms_stream;
struct ms_stream_shard;

/* Starts `jobs` worker threads. Range shards add the bytes they hash to
 * progress (may be NULL), which ms_stream_finish draws while it waits. Of
 * the workers' errors only the first is shown, and none once *shown is set
 * (ms_error_first_only): shown, when not NULL, is shared with the caller,
 * whose own error about the same failure (the archive shrank) then counts
 * too. NULL after reporting. */
struct ms_stream *ms_stream_start(enum ms_hash_alg alg, unsigned jobs, struct ms_progress *progress,
                                  atomic_int *shown);

/* Opens shard `id` (its digest is read back with ms_stream_digest). Blocks
 * while too many shards are in flight. NULL when a worker failed (it has
 * reported). */
struct ms_stream_shard *ms_stream_open(struct ms_stream *s, size_t id);
/* Appends bytes to the open shard. -1 when a worker failed. */
int ms_stream_write(struct ms_stream *s, struct ms_stream_shard *sh, const void *data, size_t len);
/* Ends the shard: no more bytes. -1 when a worker failed. */
int ms_stream_close(struct ms_stream *s, struct ms_stream_shard *sh);

/* Shard `id` is bytes [off, off+len) of fd, which must stay open until
 * ms_stream_finish; what names it in errors (copied). -1 when a worker
 * failed. */
int ms_stream_range(struct ms_stream *s, size_t id, int fd, uint64_t off, uint64_t len,
                    const char *what);

/* Waits until every shard is hashed and stops the workers. -1 if any shard
 * failed (reported). Call once, then ms_stream_digest, then ms_stream_free. */
int ms_stream_finish(struct ms_stream *s);
/* The digest of shard id, after a successful finish. */
const uint8_t *ms_stream_digest(const struct ms_stream *s, size_t id);
/* Stops the workers if still running and frees everything. */
void ms_stream_free(struct ms_stream *s);

/* Memory bound, for the documentation and the tests. */
#define MS_STREAM_BUF_SIZE ((size_t)1 << 20)
size_t ms_stream_buffers(unsigned jobs);

#endif
