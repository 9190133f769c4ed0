/* The manifest: resources with digests, and the OMS in-toto statement that
 * carries it (DESIGN.md "Formats"). */
#ifndef MODELSEAL_MANIFEST_H
#define MODELSEAL_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

enum ms_method { MS_METHOD_SHARDS, MS_METHOD_FILES };
enum ms_hash_alg { MS_HASH_SHA256, MS_HASH_BLAKE2B };

#define MS_DIGEST_MAX 64 /* BLAKE2b-512; SHA-256 uses 32 */
#define MS_ROOT_LEN 32   /* the root digest is always SHA-256 */

#define MS_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define MS_OMS_PREDICATE_TYPE "https://model_signing/signature/v1.0"

struct ms_resource {
	char *path;     /* relative POSIX path; "." for a single-file model */
	uint64_t start; /* shards: byte range [start, end); files: 0, size */
	uint64_t end;
	uint8_t digest[MS_DIGEST_MAX];
};

struct ms_manifest {
	char *name; /* subject name: the model's base name */
	enum ms_method method;
	enum ms_hash_alg alg;
	uint64_t shard_size;
	int allow_symlinks;
	char **ignore_paths; /* as recorded in the statement */
	size_t n_ignore_paths;
	struct ms_resource *res;
	size_t n_res;
	uint8_t root[MS_ROOT_LEN];
	uint64_t total_bytes; /* bytes hashed (informational) */
	size_t n_files;       /* files hashed (informational) */
};

void ms_manifest_free(struct ms_manifest *m);

size_t ms_digest_len(enum ms_hash_alg alg);
const char *ms_hash_alg_name(enum ms_hash_alg alg); /* "sha256", "blake2b" */
const char *ms_method_name(enum ms_method method);  /* "shards", "files" */
int ms_hash_alg_parse(const char *s, enum ms_hash_alg *out);
int ms_method_parse(const char *s, enum ms_method *out);

/* Manifest order: by path component by component, then by start offset. */
int ms_path_cmp(const char *a, const char *b);
void ms_manifest_sort(struct ms_manifest *m);
/* root = SHA-256 over the raw digests of all resources, in order. */
void ms_manifest_compute_root(struct ms_manifest *m);

/* Resource name as it appears in the statement: "path" or "path:start:end".
 * Freshly allocated. */
char *ms_resource_name(const struct ms_manifest *m, const struct ms_resource *r);
/* "sha256", or "sha256-sharded-<size>". Freshly allocated. */
char *ms_resource_algorithm(const struct ms_manifest *m);

/* A manifest path is safe when it is relative, has no empty, "." or ".."
 * component, and no NUL (a lone "." is the single-file model). */
int ms_path_is_safe(const char *path);

/* The statement JSON exactly as it is signed (and printed by hash --format
 * json). Freshly allocated, NUL-terminated. NULL after reporting when a name
 * (model, file or ignored path) is not valid UTF-8, which JSON cannot carry
 * faithfully. */
char *ms_statement_to_json(const struct ms_manifest *m);

/* Parses and checks a statement: _type, predicateType, one subject, method,
 * hash, resources (safe names, known algorithm, well-formed digests, shard
 * ranges consistent with shard_size), and that the subject digest equals the
 * root recomputed from the resources. -1 with a "modelseal: error:" naming
 * the problem. */
int ms_statement_parse(const char *json, size_t len, struct ms_manifest *m);

#endif
