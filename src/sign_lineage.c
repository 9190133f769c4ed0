/* The lineage half of `modelseal sign` (see sign_lineage.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modelseal/bundle.h"
#include "modelseal/cli.h"
#include "modelseal/pathref.h"
#include "modelseal/provenance.h"
#include "modelseal/registry_trust.h"
#include "modelseal/sign.h"
#include "modelseal/sign_lineage.h"
#include "modelseal/util.h"

int ms_sign_lineage_add_parent(struct ms_sign_lineage *l, const char *arg)
{
	const char *eq = strrchr(arg, '=');
	enum ms_relation rel;
	if (!eq || eq == arg)
		return ms_usage_error("--parent needs REF=RELATION, not '%s'", arg), -1;
	if (ms_relation_parse(eq + 1, &rel) < 0 || rel == MS_REL_DATASET)
		return ms_usage_error("unknown relation '%s' in --parent %s "
		                      "(finetune, adapter, quantized or merge; datasets "
		                      "go with --dataset)",
		                      eq + 1, arg),
		       -1;
	l->parents = ms_reallocarray(l->parents, l->n_parents + 1, sizeof *l->parents);
	l->parents[l->n_parents++] = arg;
	return 0;
}

void ms_sign_lineage_add_dataset(struct ms_sign_lineage *l, const char *ref)
{
	l->datasets = ms_reallocarray(l->datasets, l->n_datasets + 1, sizeof *l->datasets);
	l->datasets[l->n_datasets++] = ref;
}

/* Several model parents only for a merge, and a merge needs several. */
static int check_relations(const struct ms_sign_lineage *l)
{
	size_t merges = 0;
	for (size_t i = 0; i < l->n_parents; i++)
		merges += strcmp(strrchr(l->parents[i], '=') + 1, "merge") == 0;
	if (merges && merges < 2)
		return ms_usage_error("a merge needs at least two --parent REF=merge");
	if (l->n_parents > 1 && merges != l->n_parents)
		return ms_usage_error("several parents are only allowed for a merge "
		                      "(--parent REF=merge for each)");
	return 0;
}

/* A recorded model may be a parent or dataset unless it, or the key that
 * signed it, was revoked: a revoked model is a dead end for lineage. */
static int check_not_revoked(struct ms_sign_lineage *l, const char *ref,
                             const struct ms_model_info *m)
{
	char *reason = NULL, when[32];
	int64_t t = 0;
	const char *what = "model";
	int rc = ms_registry_revocation(l->reg, "model", m->digest, &reason, &t);
	if (rc == 0 && m->signer) {
		what = "key that signed the model";
		rc = ms_registry_revocation(l->reg, "key", m->signer, &reason, &t);
	}
	if (rc == 1)
		ms_error("'%s' (sha256:%.12s...) cannot be a parent or dataset: the %s was "
		         "revoked %s: %s",
		         ref, m->digest, what, ms_time_format(t, when, sizeof when), reason);
	free(reason);
	return rc == 0 ? 0 : -1;
}

/* Fills dependency i (its digest known) from the registry's record. */
static int fill(struct ms_sign_lineage *l, size_t i)
{
	struct ms_model_link *d = &l->deps[i];
	struct ms_model_info m;
	if (ms_registry_get_model(l->reg, d->digest, 0, &m) != 0) {
		ms_error("'%s' (sha256:%.12s...) is not recorded in the registry", l->refs[i],
		         d->digest);
		return -1;
	}
	int rc = check_not_revoked(l, l->refs[i], &m);
	free(d->name);
	free(d->version);
	d->name = m.name;
	d->version = m.version;
	m.name = m.version = NULL;
	ms_model_info_free(&m);
	return rc;
}

/* Resolves one REF into the next dependency slot. A path is left pending
 * (digest "") for ms_sign_lineage_resolve_paths: it is believed only once
 * verified, which needs the signer's key. */
static int resolve(struct ms_sign_lineage *l, char *ref, enum ms_relation rel)
{
	size_t i = l->n_deps++;
	struct ms_model_link *d = &l->deps[i];
	memset(d, 0, sizeof *d);
	d->relation = rel;
	l->refs[i] = ref;
	int rc = l->reg ? ms_registry_find_ref(l->reg, ref, d->digest) : 1;
	if (rc == 1 && ms_ref_is_path(ref)) {
		d->digest[0] = '\0';
		return 0;
	}
	if (rc == 1) {
		char *hint = ms_registry_ref_hint(l->reg, ref);
		ms_error("unknown REF '%s': no recorded NAME@VERSION, digest or signed model "
		         "path%s",
		         ref, hint);
		free(hint);
	}
	return rc == 0 ? fill(l, i) : -1;
}

/* The REF of a --parent REF=RELATION (freshly allocated). */
static char *parent_ref(const char *arg)
{
	return ms_strndup(arg, (size_t)(strrchr(arg, '=') - arg));
}

/* How many --parent and --dataset REFs name an existing file or directory. */
static size_t path_refs(const struct ms_sign_lineage *l)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n_parents; i++) {
		char *ref = parent_ref(l->parents[i]);
		n += ms_ref_is_path(ref) != 0;
		free(ref);
	}
	for (size_t i = 0; i < l->n_datasets; i++)
		n += ms_ref_is_path(l->datasets[i]) != 0;
	return n;
}

/* --trust-file with no path REF to verify is still read, so that a
 * missing or malformed file is an error rather than passed over. */
static int check_unused_trust_file(const struct ms_sign_lineage *l)
{
	if (!l->trust_file || path_refs(l) > 0)
		return 0;
	struct ms_trust t = {0};
	int rc = ms_trust_load_file(l->trust_file, &t);
	ms_trust_free(&t);
	return rc < 0 ? -1 : 0;
}

int ms_sign_lineage_prepare(struct ms_sign_lineage *l)
{
	if (!l->name != !l->version)
		return ms_usage_error("--name and --version go together"), -1;
	if (l->name && (!*l->name || !*l->version || strchr(l->name, '@')))
		return ms_usage_error("--name must be non-empty without '@', --version non-empty"),
		       -1;
	if (check_relations(l) != 0 || check_unused_trust_file(l) < 0)
		return -1;
	size_t n = l->n_parents + l->n_datasets;
	if (l->no_record && n == 0)
		return 0;
	if (n == 0) {
		/* Nothing to resolve: the registry is first needed once the
		 * model is hashed and signed (ms_sign_lineage_lock), so it opens
		 * meanwhile (a file opens in place, and is ready now). */
		l->opening = ms_registry_open_if_exists_start();
		return ms_sign_lineage_registry_ready(l);
	}
	/* With --no-record, path REFs need no registry: what they are and their
	 * names come from their verified signatures and provenance. */
	if (l->no_record && path_refs(l) == n
	        ? ms_registry_open_if_exists(&l->reg) < 0
	        : ms_registry_open(NULL, l->no_record ? 0 : MS_REG_CREATE, &l->reg) < 0)
		return -1;
	l->deps = ms_calloc(n ? n : 1, sizeof *l->deps);
	l->refs = ms_calloc(n ? n : 1, sizeof *l->refs);
	for (size_t i = 0; i < l->n_parents; i++) {
		enum ms_relation rel;
		ms_relation_parse(strrchr(l->parents[i], '=') + 1, &rel);
		if (resolve(l, parent_ref(l->parents[i]), rel) < 0)
			return -1;
	}
	for (size_t i = 0; i < l->n_datasets; i++)
		if (resolve(l, ms_strdup(l->datasets[i]), MS_REL_DATASET) < 0)
			return -1;
	return 0;
}

int ms_sign_lineage_resolve_paths(struct ms_sign_lineage *l, const struct ms_pubkey *signer)
{
	for (size_t i = 0; i < l->n_deps; i++)
		if (!l->deps[i].digest[0] && (ms_pathref_resolve(l->reg, l->refs[i], l->trust_file,
		                                                 signer, &l->deps[i]) < 0 ||
		                              (l->reg && fill(l, i) < 0)))
			return -1;
	for (size_t i = 0; i < l->n_deps; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(l->deps[i].digest, l->deps[j].digest) == 0) {
				ms_error("'%s' names sha256:%.12s... which is already a parent "
				         "or dataset",
				         l->refs[i], l->deps[i].digest);
				return -1;
			}
	return 0;
}

int ms_sign_lineage_check(struct ms_sign_lineage *l, const struct ms_manifest *m)
{
	char root[MS_HEX_LEN + 1];
	ms_hex_encode(m->root, MS_ROOT_LEN, root);
	for (size_t i = 0; i < l->n_deps; i++)
		if (strcmp(l->deps[i].digest, root) == 0) {
			ms_error("the model (sha256:%.12s...) cannot be its own parent or dataset",
			         root);
			return -1;
		}
	return 0;
}

/* Waits for the registry's opening: 0, or -1 after reporting. */
static int finish_opening(struct ms_sign_lineage *l)
{
	int have = ms_registry_open_if_exists_finish(l->opening, &l->reg);
	l->opening = NULL;
	if (have < 0)
		return -1;
	l->create_later = have == 0;
	return 0;
}

int ms_sign_lineage_registry_ready(struct ms_sign_lineage *l)
{
	if (!l->opening || !ms_registry_open_if_exists_done(l->opening))
		return 0;
	return finish_opening(l);
}

int ms_sign_lineage_lock(struct ms_sign_lineage *l, const struct ms_manifest *m)
{
	if (l->opening && finish_opening(l) < 0)
		return -1;
	if (!l->no_record && !l->reg && l->create_later &&
	    ms_registry_open(NULL, MS_REG_CREATE, &l->reg) < 0)
		return -1;
	if (l->no_record || !l->reg)
		return 0;
	/* Lock first, so that the name check and the record see one state. */
	if (ms_registry_lock(l->reg) < 0)
		return -1;
	char root[MS_HEX_LEN + 1];
	ms_hex_encode(m->root, MS_ROOT_LEN, root);
	if (l->name && ms_registry_check_name(l->reg, l->name, l->version, root) < 0) {
		ms_registry_unlock(l->reg);
		return -1;
	}
	return 0;
}

void ms_sign_lineage_read_card(struct ms_sign_lineage *l, const char *model,
                               const struct ms_manifest *m)
{
	/* Only a README.md that was hashed with the model (so the walk's
	 * rules on links and special files held for it) is read. */
	for (size_t i = 0; i < m->n_res; i++)
		if (strcmp(m->res[i].path, MS_MODEL_CARD_NAME) == 0) {
			l->has_card = ms_model_card_read(model, &l->card);
			return;
		}
}

int ms_sign_lineage_wants_provenance(const struct ms_sign_lineage *l)
{
	(void)l; /* every signature: lineage, the card and the signing time travel with it */
	return 1;
}

char *ms_sign_lineage_provenance(const struct ms_sign_lineage *l, const struct ms_manifest *m)
{
	char root[MS_HEX_LEN + 1];
	ms_hex_encode(m->root, MS_ROOT_LEN, root);
	struct ms_provenance p = {
	    .subject_name = m->name,
	    .root = root,
	    .name = l->name,
	    .version = l->version,
	    .method = ms_method_name(m->method),
	    .hash = ms_hash_alg_name(m->alg),
	    .shard_size = m->shard_size,
	    .deps = l->deps,
	    .n_deps = l->n_deps,
	    .card = l->has_card ? &l->card : NULL,
	    .time = (int64_t)time(NULL),
	};
	return ms_provenance_statement(&p);
}

int ms_sign_lineage_exclude_provenance(const struct ms_sign_lineage *l, const char *model,
                                       const char *signature, struct ms_hash_opts *hash)
{
	if (!ms_sign_lineage_wants_provenance(l))
		return 0;
	char *sig = signature ? ms_strdup(signature) : ms_default_signature_path(model);
	if (!sig)
		return -1;
	char *path = ms_provenance_path(sig);
	char *rel = ms_signature_inside_model(model, path);
	/* MODEL/model.provenance.sig is never hashed anyway. */
	int rc = rel && strcmp(rel, "model.provenance.sig") != 0
	             ? ms_hash_opts_add_ignore(hash, rel)
	             : 0;
	free(rel);
	free(path);
	free(sig);
	return rc;
}

int ms_sign_lineage_write_provenance(const struct ms_sign_lineage *l, const struct ms_manifest *m,
                                     const char *signature, const struct ms_seckey *key,
                                     char **bundle, char **path, char **tmp)
{
	char *statement = ms_sign_lineage_provenance(l, m);
	*bundle = ms_bundle_sign((const uint8_t *)statement, strlen(statement),
	                         MS_INTOTO_PAYLOAD_TYPE, key);
	*path = ms_provenance_path(signature);
	free(statement);
	*tmp = ms_write_temp(*path, *bundle, strlen(*bundle), 0644);
	if (!*tmp) {
		free(*bundle);
		free(*path);
		*bundle = *path = NULL;
		return -1;
	}
	return 0;
}

int ms_sign_lineage_record(struct ms_sign_lineage *l, const struct ms_manifest *m,
                           const char *statement, const char *bundle, const char *keyid,
                           const char *provenance)
{
	if (l->no_record)
		return 0;
	struct ms_parent_ref *refs = ms_calloc(l->n_deps ? l->n_deps : 1, sizeof *refs);
	for (size_t i = 0; i < l->n_deps; i++) {
		memcpy(refs[i].digest, l->deps[i].digest, sizeof refs[i].digest);
		refs[i].relation = l->deps[i].relation;
	}
	struct ms_model_record r = {
	    .name = l->name,
	    .version = l->version,
	    .method = ms_method_name(m->method),
	    .hash = ms_hash_alg_name(m->alg),
	    .size = m->total_bytes,
	    .n_files = m->n_files,
	    .signer = keyid,
	    .statement = statement,
	    .bundle = bundle,
	    .provenance = provenance,
	    .parents = refs,
	    .n_parents = l->n_deps,
	};
	ms_hex_encode(m->root, MS_ROOT_LEN, r.digest);
	int rc = ms_registry_record_model(l->reg, &r);
	free(refs);
	return rc;
}

void ms_sign_lineage_free(struct ms_sign_lineage *l)
{
	/* A sign that failed before it needed the registry: its error is the
	 * one reported, not also the registry's. */
	ms_registry_open_if_exists_abandon(l->opening);
	ms_registry_close(l->reg);
	ms_model_links_free(l->deps, l->n_deps);
	for (size_t i = 0; i < l->n_deps; i++)
		free(l->refs[i]);
	free(l->refs);
	ms_model_card_free(&l->card);
	free(l->parents);
	free(l->datasets);
	memset(l, 0, sizeof *l);
}
