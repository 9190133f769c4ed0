/* The manifest: resources with digests, and the OMS in-toto statement that
 * carries it (DESIGN.md "Formats"). */
#ifndef MODELSEAL_MANIFEST_H
#define MODELSEAL_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "modelseal/util.h" /* ms_path_cmp, ms_path_is_safe: manifest order and names */

enum ms_method { MS_METHOD_SHARDS, MS_METHOD_FILES };
enum ms_hash_alg { MS_HASH_SHA256, MS_HASH_BLAKE2B };

#define MS_DIGEST_MAX 64 /* BLAKE2b-512; SHA-256 uses 32 */
#define MS_ROOT_LEN 32   /* the root digest is always SHA-256 */

#define MS_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define MS_OMS_PREDICATE_TYPE "https://model_signing/signature/v1.0"
/* model_signing 0.2.0: one in-toto subject per file, no resources */
#define MS_LEGACY_PREDICATE_TYPE "https://model_signing/Digests/v0.1"

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
	/* shards method: the empty files, which have no shard and so no
	 * resource. Recorded in modelseal's statements as predicate.empty_files
	 * (outside the root digest, which stays model_signing's); a statement
	 * without that field (another tool's) leaves has_empty_files 0, and
	 * then nobody knows which empty files were signed. */
	char **empty_files;
	size_t n_empty_files;
	int has_empty_files;
	uint8_t root[MS_ROOT_LEN];
	int legacy;           /* read from a MS_LEGACY_PREDICATE_TYPE statement */
	uint64_t total_bytes; /* bytes hashed (informational) */
	size_t n_files;       /* files hashed (informational) */
};

void ms_manifest_free(struct ms_manifest *m);

size_t ms_digest_len(enum ms_hash_alg alg);
const char *ms_hash_alg_name(enum ms_hash_alg alg); /* "sha256", "blake2b" */
const char *ms_method_name(enum ms_method method);  /* "shards", "files" */
int ms_hash_alg_parse(const char *s, enum ms_hash_alg *out);
int ms_method_parse(const char *s, enum ms_method *out);

/* Manifest order: by path component by component (ms_path_cmp, util.h),
 * then by start offset. */
void ms_manifest_sort(struct ms_manifest *m);
/* Records an empty file (shards method), sorted in by ms_manifest_sort. */
void ms_manifest_add_empty_file(struct ms_manifest *m, const char *path);
/* root = SHA-256 over the raw digests of all resources, in order. */
void ms_manifest_compute_root(struct ms_manifest *m);
/* The same into out, m unchanged. For a parsed statement the resources are
 * in manifest order by then, so this is the root a fresh hash of the same
 * files has, while m->root stays the signed one (over the listed order). */
void ms_manifest_root(const struct ms_manifest *m, uint8_t out[MS_ROOT_LEN]);

/* The files a manifest signs, one entry a path (resources grouped by path,
 * plus the empty files), sorted by strcmp for lookup. size is the signed
 * size for the shards method (the last shard's end; 0 for an empty file)
 * and UINT64_MAX when the statement does not say (files method). */
struct ms_signed_file {
	const char *path; /* borrowed from the manifest */
	uint64_t size;
};
struct ms_signed_set {
	struct ms_signed_file *v;
	size_t n;
};
/* -1 after reporting when an empty file is also a resource. Resources of one
 * path need not be adjacent: any resource order is accepted. */
int ms_signed_set_build(const struct ms_manifest *m, struct ms_signed_set *s);
const struct ms_signed_file *ms_signed_set_find(const struct ms_signed_set *s, const char *path);
void ms_signed_set_free(struct ms_signed_set *s);

/* Resource name as it appears in the statement: "path" or "path:start:end".
 * Freshly allocated. */
char *ms_resource_name(const struct ms_manifest *m, const struct ms_resource *r);
/* "sha256", or "sha256-sharded-<size>". Freshly allocated. */
char *ms_resource_algorithm(const struct ms_manifest *m);

/* The statement JSON exactly as it is signed (and printed by hash --format
 * json). Freshly allocated, NUL-terminated. NULL after reporting when a name
 * (model, file or ignored path) is not valid UTF-8, which JSON cannot carry
 * faithfully. */
char *ms_statement_to_json(const struct ms_manifest *m);

/* The pieces of a statement, for formats built from them (hash --part):
 * predicate.serialization and predicate.resources out, and in (-1 after
 * reporting; ms_resource_parse checks the name is safe and the digest well
 * formed, not the order). */
typedef struct cJSON cJSON;
cJSON *ms_serialization_json(const struct ms_manifest *m);
cJSON *ms_resources_json(const struct ms_manifest *m);
int ms_serialization_parse(const cJSON *ser, struct ms_manifest *m);
int ms_resource_parse(const cJSON *item, const char *algorithm, struct ms_manifest *m,
                      struct ms_resource *r);

/* Parses and checks a statement: _type, predicateType, one subject, method,
 * hash, resources (safe names, known algorithm, well-formed digests, shard
 * ranges consistent with shard_size), and that the subject digest equals the
 * root recomputed from the resources. -1 with a "modelseal: error:" naming
 * the problem. */
int ms_statement_parse(const char *json, size_t len, struct ms_manifest *m);

#endif
