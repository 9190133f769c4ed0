/* Path REFs, verified before they are trusted (see pathref.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "modelseal/bundle.h"
#include "modelseal/checkpoint.h"
#include "modelseal/lineage.h"
#include "modelseal/pathref.h"
#include "modelseal/policy.h"
#include "modelseal/registry_trust.h"
#include "modelseal/util.h"
#include "modelseal/verify.h"

int ms_ref_is_path(const char *ref)
{
	struct stat st;
	return *ref && stat(ref, &st) == 0;
}

static int usable(const struct ms_trust *t, const struct ms_pubkey *k, unsigned flags)
{
	return (flags & MS_PATHREF_REVOKED_KEYS) || !ms_trust_revocation(t, "key", ms_pubkey_id(k));
}

/* The keys to verify with: the trust store's (unrevoked unless asked) and
 * also. Borrowed from t and also. */
static struct ms_pubkey **pick_keys(const struct ms_trust *t, const struct ms_pubkey *also,
                                    unsigned flags, size_t *n)
{
	struct ms_pubkey **keys = ms_calloc(t->n_keys + 1, sizeof *keys);
	*n = 0;
	for (size_t i = 0; i < t->n_keys; i++)
		if (usable(t, t->keys[i].key, flags))
			keys[(*n)++] = t->keys[i].key;
	/* The signer's own key, unless the store has it already. The verify
	 * request only reads keys, so dropping const is safe. */
	if (also && usable(t, also, flags) && !ms_trust_find_key(t, ms_pubkey_id(also)))
		keys[(*n)++] = (struct ms_pubkey *)also;
	return keys;
}

/* The first few differences, "modified: w.bin; extra: x.bin". */
static char *describe(const struct ms_problems *p)
{
	struct ms_buf b = {0};
	for (size_t i = 0; i < p->n && i < 3; i++)
		ms_buf_printf(&b, "%s%s: %s", i ? "; " : "", p->v[i].kind, p->v[i].path);
	if (p->n > 3)
		ms_buf_printf(&b, "; and %zu more", p->n - 3);
	return b.data ? b.data : ms_strdup("no detail");
}

/* Why the model at path is not believed, from a failed verification. */
static void report_failure(const struct ms_pathref_view *v)
{
	const char *path = v->path;
	const struct ms_verify_result *res = &v->res;
	if (!res->signer) {
		const char *keys = !v->n_keys      ? "any key (none is trusted)"
		                   : v->trust_file ? "any unrevoked key of the trust file"
		                                   : "any unrevoked key of the trust store";
		ms_error("the model at '%s' is not signed by a trusted key: its signature "
		         "does not verify with %s, so nothing it says is used. Trust its "
		         "signer ('modelseal trust add PUB') or name the model by "
		         "NAME@VERSION or sha256:DIGEST",
		         path, keys);
		return;
	}
	char *what = describe(&res->problems);
	ms_error("the files at '%s' are not the ones its signature covers (%s), so it does "
	         "not name the signed model; name the model by NAME@VERSION or sha256:DIGEST",
	         path, what);
	free(what);
}

/* Runs the verification with v->keys; v->digest on success. */
static int view_verify(struct ms_pathref_view *v)
{
	v->req = (struct ms_verify_request){.model = v->path, .keys = v->keys, .n_keys = v->n_keys};
	int rc = v->n_keys ? ms_verify_model(&v->req, &v->res) : MS_FAIL;
	if (rc == MS_OK) {
		ms_hex_encode(v->res.signed_manifest.root, MS_ROOT_LEN, v->digest);
		return 0;
	}
	if (rc == MS_FAIL)
		report_failure(v);
	else
		ms_error("the model at '%s' cannot be verified, so it is not used: a path "
		         "names a model only once its signature verifies with a trusted key",
		         v->path);
	return -1;
}

/* Moves (or with to NULL, drops) the keys of from. */
static void move_keys(struct ms_trust *from, struct ms_trust *to)
{
	for (size_t i = 0; i < from->n_keys; i++) {
		if (to)
			ms_trust_add_key(to, from->keys[i].key, from->keys[i].label);
		else
			ms_pubkey_free(from->keys[i].key);
		free(from->keys[i].label);
	}
	from->n_keys = 0;
}

/* The trust file's keys (v->trust_file set) or else the trust store's, and
 * the revocations of both: what verify would trust. */
static int load_trust(struct ms_pathref_view *v)
{
	struct ms_trust reg_trust = {0};
	if ((v->trust_file && ms_trust_load_file(v->trust_file, &v->trust) < 0) ||
	    (v->reg && ms_registry_trust_load(v->reg, &reg_trust) < 0) ||
	    (v->reg && v->trust_file &&
	     ms_registry_trust_file_current(v->reg, &reg_trust, &v->trust) < 0)) {
		ms_trust_free(&reg_trust);
		return -1;
	}
	for (size_t i = 0; i < reg_trust.n_revs; i++) {
		const struct ms_revocation *r = &reg_trust.revs[i];
		ms_trust_add_revocation(&v->trust, r->kind, r->subject, r->reason, r->time);
	}
	move_keys(&reg_trust, v->trust_file ? NULL : &v->trust);
	ms_trust_free(&reg_trust);
	return 0;
}

/* sign and revoke: the trust file's or trust store's keys and revocations,
 * and also. */
static int store_verify(struct ms_pathref_view *v, const struct ms_pubkey *also, unsigned flags)
{
	if (load_trust(v) < 0)
		return -1;
	v->keys = pick_keys(&v->trust, also, flags, &v->n_keys);
	return view_verify(v);
}

int ms_pathref_verify(struct ms_registry *reg, const char *path, const struct ms_pubkey *also,
                      unsigned flags, char digest[MS_HEX_LEN + 1])
{
	struct ms_pathref_view v = {.path = path, .reg = reg};
	int rc = store_verify(&v, also, flags);
	if (rc == 0)
		memcpy(digest, v.digest, MS_HEX_LEN + 1);
	ms_pathref_view_free(&v);
	return rc;
}

/* verify's choice of keys: --key files, else the trust file's, else the
 * trust store's; revocations from both places always. Revoked keys verify
 * too: the question is which model the files are, and show names the
 * revocation. */
static int view_trust(struct ms_pathref_view *v)
{
	if (load_trust(v) < 0)
		return -1;
	if (v->n_key_paths)
		move_keys(&v->trust, NULL);
	for (size_t i = 0; i < v->n_key_paths; i++) {
		struct ms_pubkey *k;
		if (ms_pubkey_load(v->key_paths[i], &k) < 0)
			return -1;
		ms_trust_add_key(&v->trust, k, NULL);
	}
	v->keys = pick_keys(&v->trust, NULL, MS_PATHREF_REVOKED_KEYS, &v->n_keys);
	return 0;
}

int ms_pathref_view_load(struct ms_pathref_view *v)
{
	return view_trust(v) < 0 ? -1 : view_verify(v);
}

void ms_pathref_view_free(struct ms_pathref_view *v)
{
	ms_verify_result_free(&v->res);
	ms_trust_free(&v->trust);
	free(v->keys);
	v->keys = NULL;
}

/* The bundle that verified, read again for the record: it must still carry
 * the payload that verified. */
static char *verified_bundle(const struct ms_pathref_view *v)
{
	char *json;
	size_t len, plen, which;
	uint8_t *payload = NULL;
	if (ms_read_file(v->res.signature, MS_BUNDLE_MAX, "signature", &json, &len) < 0)
		return NULL;
	int rc = ms_bundle_verify(json, len, v->res.signature, MS_INTOTO_PAYLOAD_TYPE, v->keys,
	                          v->n_keys, &payload, &plen, &which);
	if (rc != MS_OK || plen != v->res.payload_len ||
	    memcmp(payload, v->res.payload, plen) != 0) {
		if (rc != MS_ERR)
			ms_error("signature '%s' changed while it was read", v->res.signature);
		free(json);
		json = NULL;
	}
	free(payload);
	return json;
}

/* NAME@VERSION for the record, unless the registry has it for another model. */
static int name_is_free(struct ms_registry *reg, const struct ms_model_info *m)
{
	char digest[MS_HEX_LEN + 1];
	if (!m->name || !m->version || !*m->version)
		return 0;
	char *label = ms_asprintf("%s@%s", m->name, m->version);
	int rc = ms_registry_find_ref(reg, label, digest);
	if (rc == 0)
		ms_warn("%s names another model in the registry: sha256:%.12s... is recorded "
		        "without a name",
		        label, m->digest);
	free(label);
	return rc == 1;
}

/* A verified model signed elsewhere (on another host, or a fresh CI runner)
 * is recorded here, from what verified: its statement and bundle, and its
 * name, time and recorded parents from its trusted provenance. */
static int import(struct ms_pathref_view *v, const struct ms_lineage *l)
{
	char *bundle = verified_bundle(v);
	if (!bundle)
		return -1;
	const struct ms_model_info *m = &l->nodes[0];
	struct ms_parent_ref *parents = ms_calloc(m->n_parents + 1, sizeof *parents);
	struct ms_model_info p;
	size_t n = 0;
	for (size_t i = 0; i < m->n_parents; i++)
		if (ms_registry_get_model(v->reg, m->parents[i].digest, 0, &p) == 0) {
			ms_model_info_free(&p);
			memcpy(parents[n].digest, m->parents[i].digest, sizeof parents[n].digest);
			parents[n++].relation = m->parents[i].relation;
		}
	int named = name_is_free(v->reg, m);
	struct ms_model_record r = {
	    .name = named ? m->name : NULL,
	    .version = named ? m->version : NULL,
	    .method = m->method,
	    .hash = m->hash,
	    .size = m->size,
	    .n_files = m->n_files,
	    .signer = m->signer,
	    .statement = v->res.payload,
	    .bundle = bundle,
	    .provenance = m->provenance,
	    .created = m->created,
	    .parents = parents,
	    .n_parents = n,
	};
	memcpy(r.digest, m->digest, sizeof r.digest);
	int rc = ms_registry_record_model(v->reg, &r);
	if (rc == 0)
		ms_note("recorded %s (sha256:%.12s..., signed elsewhere) in the registry from '%s'",
		        named ? m->name : "the model", m->digest, v->path);
	free(parents);
	free(bundle);
	return rc;
}

/* 1 when reg holds digest, 0 not (or no registry), -1 error. */
static int recorded(struct ms_registry *reg, const char *digest)
{
	struct ms_model_info m;
	int rc = reg ? ms_registry_get_model(reg, digest, 0, &m) : 1;
	if (rc == 0)
		ms_model_info_free(&m);
	return rc < 0 ? -1 : rc == 0;
}

int ms_pathref_resolve(struct ms_registry *reg, const char *path, const char *trust_file,
                       const struct ms_pubkey *also, struct ms_model_link *out)
{
	struct ms_pathref_view v = {.path = path, .trust_file = trust_file, .reg = reg};
	struct ms_lineage l = {0};
	int rc = store_verify(&v, also, 0), known = rc == 0 ? recorded(reg, v.digest) : -1;
	if (known == 0) { /* named by its provenance, and recorded from it */
		struct ms_policy_input in = {
		    &v.req, &v.res, v.keys, v.n_keys, &v.trust, reg, (int64_t)time(NULL)};
		rc = ms_provenance_lineage(&in, &l);
		if (rc == 0 && reg)
			rc = import(&v, &l);
		if (rc == 0) {
			out->name = l.nodes[0].name ? ms_strdup(l.nodes[0].name) : NULL;
			out->version = l.nodes[0].version ? ms_strdup(l.nodes[0].version) : NULL;
		}
	}
	if (known >= 0 && rc == 0)
		memcpy(out->digest, v.digest, sizeof out->digest);
	if (l.nodes)
		ms_lineage_free(&l);
	ms_pathref_view_free(&v);
	return known >= 0 && rc == 0 ? 0 : -1;
}

int ms_ref_or_view(const char *ref, struct ms_registry **reg, struct ms_pathref_view *v,
                   char digest[MS_HEX_LEN + 1])
{
	int have = ms_registry_open_if_exists(reg);
	if (have < 0)
		return -1;
	int rc = have ? ms_registry_find_ref(*reg, ref, digest) : 1;
	if (rc != 1)
		return rc;
	if (!ms_ref_is_path(ref)) {
		if (have) {
			char *hint = ms_registry_ref_hint(*reg, ref);
			ms_error("unknown REF '%s': no recorded NAME@VERSION, digest or signed "
			         "model path%s",
			         ref, hint);
			free(hint);
		} else /* the usual "no registry at PATH" */
			ms_registry_open(NULL, 0, reg);
		return -1;
	}
	struct ms_model_info m;
	v->reg = *reg;
	if (ms_pathref_view_load(v) < 0)
		return -1;
	memcpy(digest, v->digest, MS_HEX_LEN + 1);
	rc = *reg ? ms_registry_get_model(*reg, digest, 0, &m) : 1;
	if (rc == 0)
		ms_model_info_free(&m);
	return rc;
}
