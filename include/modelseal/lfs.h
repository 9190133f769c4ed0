/* Git LFS pointer files: what a clone without `git lfs pull` holds in place
 * of large files (git-lfs docs/spec.md). Signing one signs ~130 bytes of
 * text instead of the weights, so sign refuses them unless told otherwise,
 * and verify says what it found where weights were signed. */
#ifndef MODELSEAL_LFS_H
#define MODELSEAL_LFS_H

#include <stddef.h>
#include <stdint.h>

#include "modelseal/manifest.h"
#include "modelseal/verify.h"

#define MS_LFS_POINTER_MAX 1024 /* the spec's bound on a pointer file */

struct ms_lfs_pointer {
	char oid[65];  /* sha256 of the real content, hex */
	uint64_t size; /* its size in bytes */
};

/* 1 when buf[0..len) is a pointer file: "version <spec URL>\n" first, then
 * "key value\n" lines including "oid sha256:<64 hex>" and "size <decimal>";
 * 0 otherwise. Never reads past len. */
int ms_lfs_pointer_parse(const char *buf, size_t len, struct ms_lfs_pointer *out);

/* Whether the file at path is a pointer file: a regular file of at most
 * MS_LFS_POINTER_MAX bytes (opened without blocking) that parses. 0 also
 * when it cannot be read: this only ever adds a diagnosis. */
int ms_lfs_pointer_file(const char *path, struct ms_lfs_pointer *out);

/* sign: the pointer files among the files of the hashed model at path (a
 * directory or a single file; m its fresh manifest). Each is named in an
 * error (or, with allow, a warning); returns how many were found. */
size_t ms_lfs_check_model(const char *path, const struct ms_manifest *m, int allow);

/* verify: a "modified" problem whose file under target (the hashed
 * directory or single file) is now a pointer file gets a detail that says
 * so and what to run. */
void ms_lfs_explain(const char *target, struct ms_problems *p);

#endif
