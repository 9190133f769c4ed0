/* The lineage half of `modelseal sign`: --parent, --dataset, --name,
 * --version and --no-record; REF resolution before hashing, the name check
 * before signing, and the registry record after the signature is written. */
#ifndef MODELSEAL_SIGN_LINEAGE_H
#define MODELSEAL_SIGN_LINEAGE_H

#include <stddef.h>

#include "modelseal/hashing.h"
#include "modelseal/keys.h"
#include "modelseal/manifest.h"
#include "modelseal/model_card.h"
#include "modelseal/registry.h"

struct ms_sign_lineage {
	const char *name, *version; /* --name, --version */
	int no_record;              /* --no-record */
	const char **parents;       /* --parent REF=RELATION, as given */
	size_t n_parents;
	const char **datasets; /* --dataset REF */
	size_t n_datasets;
	const char *trust_file; /* --trust-file: keys for path REFs, or NULL */
	/* filled by ms_sign_lineage_prepare */
	struct ms_registry *reg;    /* NULL when nothing needs it */
	struct ms_model_link *deps; /* resolved parents, then datasets */
	size_t n_deps;
	char **refs;               /* each dependency's REF as given */
	struct ms_model_card card; /* the model card's declared lineage */
	int has_card;
	/* reg while it is still opening (ms_sign_lineage_lock waits for it) */
	struct ms_registry_opening *opening;
	/* no registry yet and nothing to resolve in one: it is created only
	 * once the model is hashed and signed, so a failed sign leaves no new
	 * empty registry */
	int create_later;
};

/* Option collectors (argv strings are borrowed). -1 after a usage error
 * (bad RELATION, missing '='). */
int ms_sign_lineage_add_parent(struct ms_sign_lineage *l, const char *arg);
void ms_sign_lineage_add_dataset(struct ms_sign_lineage *l, const char *ref);

/* Before the key is unlocked: checks the option combination, opens the
 * registry (created when the model will be recorded) and resolves every REF
 * of the registry, refusing revoked models. Path REFs wait for
 * ms_sign_lineage_resolve_paths. -1 after reporting (usage errors, unknown
 * or ambiguous REF, revoked model, unusable registry). */
int ms_sign_lineage_prepare(struct ms_sign_lineage *l);

/* Once the key is unlocked, before hashing: verifies each path REF with the
 * trust store's keys and signer (ms_pathref_resolve), so that a forged or
 * copied signature beside a directory never names a parent, and checks that
 * no model is named twice. -1 after reporting. */
int ms_sign_lineage_resolve_paths(struct ms_sign_lineage *l, const struct ms_pubkey *signer);

/* The registry, opening while the key is unlocked and the model hashed:
 * when its opening has already ended, its outcome now (so that a registry
 * that cannot be opened costs no passphrase prompt and no hash), else 0
 * (ms_sign_lineage_lock waits for it). -1 after reporting. */
int ms_sign_lineage_registry_ready(struct ms_sign_lineage *l);

/* After hashing, before signing: the model must not be its own parent. -1
 * after reporting. */
int ms_sign_lineage_check(struct ms_sign_lineage *l, const struct ms_manifest *m);

/* Once the signature waits in its temp file, before the record: the
 * registry (opened meanwhile, or created now) is locked for writing and
 * NAME@VERSION must not name another model. The record's transaction
 * releases the lock. -1 after reporting. */
int ms_sign_lineage_lock(struct ms_sign_lineage *l, const struct ms_manifest *m);

/* Once MODEL is hashed (m), before signing: the declared lineage of its
 * card, the front matter of the README.md at its root when that file was
 * hashed with it (bad front matter is a warning). */
void ms_sign_lineage_read_card(struct ms_sign_lineage *l, const char *model,
                               const struct ms_manifest *m);

/* Whether a provenance statement is due (parents, datasets or a card). */
int ms_sign_lineage_wants_provenance(const struct ms_sign_lineage *l);

/* The SLSA provenance statement for the signed model (freshly allocated). */
char *ms_sign_lineage_provenance(const struct ms_sign_lineage *l, const struct ms_manifest *m);

/* Before hashing: when provenance is due and its file (beside the
 * signature, see ms_provenance_path) would land inside the model under a
 * name the walk does not skip by itself, leave it out of the hash. */
int ms_sign_lineage_exclude_provenance(const struct ms_sign_lineage *l, const char *model,
                                       const char *signature, struct ms_hash_opts *hash);

/* After signing: signs the provenance statement with key (DSSE in a
 * Sigstore bundle, like the model's signature) and writes it into a temp
 * file *tmp beside where it goes, *path (ms_rename_temp puts it in place
 * once recorded). *bundle, *path and *tmp are freshly allocated. */
int ms_sign_lineage_write_provenance(const struct ms_sign_lineage *l, const struct ms_manifest *m,
                                     const char *signature, const struct ms_seckey *key,
                                     char **bundle, char **path, char **tmp);

/* After the signature is written: records the model, its edges and the
 * 'signed' event (nothing with --no-record). provenance may be NULL. */
int ms_sign_lineage_record(struct ms_sign_lineage *l, const struct ms_manifest *m,
                           const char *statement, const char *bundle, const char *keyid,
                           const char *provenance);

void ms_sign_lineage_free(struct ms_sign_lineage *l);

#endif
