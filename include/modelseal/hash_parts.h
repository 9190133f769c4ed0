/* Hashing split across machines: `hash --part K/N` hashes one of N balanced
 * parts of a model's shard plan and writes a part document; `hash --merge`
 * checks that the parts fit together and assembles the statement, equal to
 * `hash --format json` of the whole model.
 *
 * A part document (JSON):
 *   {"modelseal_statement_part": 1, "part": K, "parts": N, "name": SUBJECT,
 *    "serialization": {... as in the statement ...},
 *    "files": [{"path": P, "size": BYTES}, ...],   every file of the model
 *    "resources": [{"name", "algorithm", "digest"}, ...]}   this part's only
 * K counts from 1. The file list lets the merge check that the parts come
 * from one listing of one model and cover every planned resource once. */
#ifndef MODELSEAL_HASH_PARTS_H
#define MODELSEAL_HASH_PARTS_H

#include "modelseal/hashing.h"
#include "modelseal/manifest.h"

/* "K/N" with 1 <= K <= N <= MS_MAX_PARTS; -1 after a usage error. */
int ms_part_spec_parse(const char *s, unsigned *k, unsigned *n);

/* Hashes part k (1-based) of n of the model at path; *json is the part
 * document. -1 after reporting. */
int ms_hash_part(const char *path, const struct ms_hash_opts *o, unsigned k, unsigned n,
                 char **json);

/* Reads the part documents (at most MS_BUNDLE_MAX bytes each), checks that
 * they are parts 1..N of one model listing, each once, and that together
 * they hold every resource of its plan exactly once; fills m (root digest
 * included). -1 after reporting what does not fit. */
int ms_hash_merge(char *const *paths, size_t n_paths, struct ms_manifest *m);

/* sign --statement: the statement (a merged one) must cover exactly the
 * files of the model at path, as listed with the statement's own rules
 * (its ignore list, plus signature when it lies inside the model), with the
 * same sizes where the statement records them (shards), and name the model
 * as sign would. -1 after reporting every difference. */
int ms_statement_covers_model(const struct ms_manifest *st, const char *path,
                              const char *signature);

#endif
