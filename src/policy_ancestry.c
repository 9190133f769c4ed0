/* The lineage rules of a policy. require_ancestor follows signed SLSA
 * provenance statements from the model up to an approved base; each
 * statement counts only when a trusted, unrevoked key signed it. They are
 * found beside the model (its own MODEL/model.provenance.sig), beside its
 * signature and its sibling models (X.provenance.sig, DIR/model.provenance.sig
 * in the model's parent directory), and in the registry. A revoked model is
 * a dead end: the walk neither stops at it as an approved ancestor nor passes
 * through it. The same statements
 * carry the signing time (runDetails.metadata.finishedOn) that
 * max_signature_age_days checks; the registry's record is the fallback. */
#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modelseal/bundle.h"
#include "modelseal/json.h"
#include "modelseal/lineage.h"
#include "modelseal/manifest.h"
#include "modelseal/provenance.h"
#include "modelseal/registry.h"
#include "modelseal/util.h"
#include "policy_int.h"

#define MAX_SCAN 4096 /* directory entries looked at per directory */
#define MAX_WALK 10000
/* Provenance statements are a few KiB. Whoever can write beside the model
 * could otherwise make the walk parse 4096 bundles of 128 MiB each. */
#define PROVENANCE_FILE_MAX ((off_t)1 << 20)
#define PROVENANCE_READ_MAX ((size_t)16 << 20) /* all files read beside a model */

typedef char hex64[MS_HEX_LEN + 1];

struct prov {
	hex64 subject;
	hex64 *parents; /* models only; datasets are not ancestors */
	size_t n_parents;
	struct ms_model_link *deps; /* parents and datasets, as named (lineage) */
	size_t n_deps;
	char *name, *version; /* externalParameters, or NULL */
	int64_t finished;     /* -1: none */
	char *source;
	char *bundle; /* the bundle it came from */
};

struct provenance_store {
	const struct ms_policy *p;
	const struct ms_policy_input *in;
	hex64 root;   /* the model's verified root digest; "" when it did not verify */
	char **paths; /* candidate files, read lazily in this order */
	size_t n_paths, next;
	hex64 *asked; /* digests already looked up in the registry */
	size_t n_asked;
	struct prov *v;
	size_t n;
	size_t bytes_read;   /* from the candidate files, at most PROVENANCE_READ_MAX */
	struct ms_buf notes; /* why statements were passed over */
	struct ms_buf dead;  /* revoked models the walk met: it never passes them */
};

static void add_path(struct provenance_store *s, char *path)
{
	for (size_t i = 0; i < s->n_paths; i++)
		if (strcmp(s->paths[i], path) == 0) {
			free(path);
			return;
		}
	s->paths = ms_reallocarray(s->paths, s->n_paths + 1, sizeof *s->paths);
	s->paths[s->n_paths++] = path;
}

static int ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);
	return a >= b && strcmp(s + a - b, tail) == 0;
}

/* DIR/X.provenance.sig and, with subdirs, DIR/SUB/model.provenance.sig. */
static void scan_dir(struct provenance_store *s, const char *dir, int subdirs)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t seen = 0;
	if (!d)
		return;
	while ((e = readdir(d)) && seen++ < MAX_SCAN) {
		if (e->d_name[0] == '.')
			continue;
		if (ends_with(e->d_name, ".provenance.sig"))
			add_path(s, ms_asprintf("%s/%s", dir, e->d_name));
		else if (subdirs && (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN))
			add_path(s, ms_asprintf("%s/%s/model.provenance.sig", dir, e->d_name));
	}
	closedir(d);
}

struct provenance_store *provenance_store_new(const struct ms_policy *p,
                                              const struct ms_policy_input *in)
{
	struct provenance_store *s = ms_calloc(1, sizeof *s);
	s->p = p;
	s->in = in;
	if ((!in->res->signer && !in->res->identity) || !in->res->signature)
		return s;
	ms_hex_encode(in->res->signed_manifest.root, MS_ROOT_LEN, s->root);
	add_path(s, ms_provenance_path(in->res->signature));
	char *sigdir = ms_dirname(in->res->signature);
	char *modeldir = ms_dirname(in->req->model);
	scan_dir(s, sigdir, 0);
	scan_dir(s, modeldir, 1);
	free(sigdir);
	free(modeldir);
	return s;
}

void provenance_store_free(struct provenance_store *s)
{
	for (size_t i = 0; i < s->n_paths; i++)
		free(s->paths[i]);
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].parents);
		ms_model_links_free(s->v[i].deps, s->v[i].n_deps);
		free(s->v[i].name);
		free(s->v[i].version);
		free(s->v[i].source);
		free(s->v[i].bundle);
	}
	free(s->paths);
	free(s->asked);
	free(s->v);
	ms_buf_free(&s->notes);
	ms_buf_free(&s->dead);
	free(s);
}

static void note(struct provenance_store *s, const char *fmt, const char *a, const char *b)
{
	if (s->notes.len > 600) /* enough to say why; the rest with -v */
		return;
	ms_buf_printf(&s->notes, "; ");
	ms_buf_printf(&s->notes, fmt, a, b);
}

/* ---- reading one statement ---- */

static int dep_digest(const cJSON *dep, hex64 out)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(dep, "digest");
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(d, "sha256");
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(dep, "annotations");
	const cJSON *rel = cJSON_GetObjectItemCaseSensitive(ann, "relation");
	if (!cJSON_IsString(h) || !ms_is_hex64(h->valuestring))
		return -1;
	if (cJSON_IsString(rel) && strcmp(rel->valuestring, "dataset") == 0)
		return -1;
	memcpy(out, h->valuestring, sizeof(hex64));
	return 0;
}

/* NAME@VERSION (or the sha256: form when unnamed) into l's name and version. */
static void split_label(const char *label, struct ms_model_link *l)
{
	const char *at = label ? strrchr(label, '@') : NULL;
	if (!at || at == label || strncmp(label, "sha256:", 7) == 0)
		return;
	l->name = ms_strndup(label, (size_t)(at - label));
	l->version = ms_strdup(at + 1);
}

/* Every dependency with a digest and a known relation, for lineage. */
static void add_dep(struct prov *p, const cJSON *dep)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(dep, "digest"), "sha256");
	const cJSON *rel = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(dep, "annotations"), "relation");
	enum ms_relation r;
	if (!cJSON_IsString(h) || !ms_is_hex64(h->valuestring) || !cJSON_IsString(rel) ||
	    ms_relation_parse(rel->valuestring, &r) < 0)
		return;
	p->deps = ms_reallocarray(p->deps, p->n_deps + 1, sizeof *p->deps);
	struct ms_model_link *l = &p->deps[p->n_deps++];
	memset(l, 0, sizeof *l);
	memcpy(l->digest, h->valuestring, sizeof l->digest);
	l->relation = r;
	split_label(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(dep, "name")), l);
}

static char *opt_string(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	return s ? ms_strdup(s) : NULL;
}

/* The parts of a SLSA provenance statement the rules use. -1 when the
 * payload is not one (after a warning). */
static int parse_statement(const char *payload, size_t len, const char *what, struct prov *out)
{
	cJSON *st = ms_json_parse(payload, len, what);
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(st, "_type");
	const cJSON *ptype = cJSON_GetObjectItemCaseSensitive(st, "predicateType");
	const cJSON *subj = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(st, "subject"), 0);
	const cJSON *sd = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(subj, "digest"), "sha256");
	const cJSON *pred = cJSON_GetObjectItemCaseSensitive(st, "predicate");
	const cJSON *deps = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(pred, "buildDefinition"), "resolvedDependencies");
	const cJSON *fin = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pred, "runDetails"),
	                                     "metadata"),
	    "finishedOn");
	int ok = cJSON_IsString(type) && strcmp(type->valuestring, MS_STATEMENT_TYPE) == 0 &&
	         cJSON_IsString(ptype) && strcmp(ptype->valuestring, MS_SLSA_PREDICATE_TYPE) == 0 &&
	         cJSON_IsString(sd) && ms_is_hex64(sd->valuestring) &&
	         (!deps || cJSON_IsArray(deps));
	if (!ok) {
		if (st)
			ms_warn("%s is not a SLSA provenance statement of a model; ignored", what);
		cJSON_Delete(st);
		return -1;
	}
	memcpy(out->subject, sd->valuestring, sizeof(hex64));
	out->finished = -1;
	if (cJSON_IsString(fin) && ms_time_parse(fin->valuestring, &out->finished) < 0)
		out->finished = -1;
	const cJSON *ext = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(pred, "buildDefinition"), "externalParameters");
	out->name = opt_string(ext, "name");
	out->version = out->name ? opt_string(ext, "version") : NULL;
	for (const cJSON *dep = deps ? deps->child : NULL; dep; dep = dep->next) {
		hex64 h;
		add_dep(out, dep);
		if (dep_digest(dep, h) < 0)
			continue;
		out->parents =
		    ms_reallocarray(out->parents, out->n_parents + 1, sizeof *out->parents);
		memcpy(out->parents[out->n_parents++], h, sizeof h);
	}
	cJSON_Delete(st);
	return 0;
}

/* Verifies a provenance bundle with the trusted keys and keeps it when a key
 * the policy trusts, and nobody revoked, signed it. -1 on malformed input. */
static int add_bundle(struct provenance_store *s, const char *json, size_t len, const char *what)
{
	const struct ms_policy_input *in = s->in;
	uint8_t *payload;
	size_t plen, which;
	int rc = ms_bundle_verify(json, len, what, MS_INTOTO_PAYLOAD_TYPE, in->keys, in->n_keys,
	                          &payload, &plen, &which);
	if (rc == MS_ERR)
		return -1;
	if (rc == MS_FAIL) {
		note(s, "%s is not signed by a trusted key%s", what, "");
		return 0;
	}
	const char *signer = ms_pubkey_id(in->keys[which]);
	const struct ms_revocation *rev = ms_trust_revocation(in->trust, "key", signer);
	struct prov p = {0};
	if (!policy_trusts(s->p, signer))
		note(s, "%s is signed by %s, a key the policy does not trust", what, signer);
	else if (rev)
		note(s, "%s is signed by the revoked key %s", what, signer);
	else if (parse_statement((const char *)payload, plen, what, &p) == 0) {
		p.source = ms_strdup(what);
		p.bundle = ms_strndup(json, len);
		s->v = ms_reallocarray(s->v, s->n + 1, sizeof *s->v);
		s->v[s->n++] = p;
	}
	free(payload);
	return 0;
}

static int read_candidate(struct provenance_store *s, const char *path)
{
	char *json;
	size_t len;
	struct stat st = {0};
	if (stat(path, &st) < 0 && errno == ENOENT)
		return 0;
	if (S_ISREG(st.st_mode) && st.st_size > PROVENANCE_FILE_MAX) {
		ms_warn("'%s' is too large for a provenance statement (over 1 MiB): not read",
		        path);
		return 0;
	}
	if (S_ISREG(st.st_mode) && s->bytes_read + (size_t)st.st_size > PROVENANCE_READ_MAX) {
		ms_warn("provenance files beside the model were read up to 16 MiB: '%s' and "
		        "the rest are not read",
		        path);
		s->next = s->n_paths;
		return 0;
	}
	if (ms_read_file(path, (size_t)PROVENANCE_FILE_MAX, "provenance", &json, &len) < 0)
		return -1;
	s->bytes_read += len;
	char *what = ms_asprintf("provenance '%s'", path);
	int rc = add_bundle(s, json, len, what);
	free(what);
	free(json);
	return rc;
}

/* The model's own provenance (the first candidate) is its signer's: a
 * malformed one is an error. Files beside the signature and in sibling
 * directories are whoever else's can write there: a malformed one is passed
 * over (-v says why), so it can neither break the verdict nor add to it. */
static int add_file(struct provenance_store *s, size_t at)
{
	const char *path = s->paths[at];
	if (at == 0)
		return read_candidate(s, path);
	char *why = NULL;
	ms_error_divert(&why);
	int rc = read_candidate(s, path);
	ms_error_divert(NULL);
	if (rc < 0) {
		ms_debug("passed over provenance '%s' beside the model: %s", path,
		         why ? why : "unreadable");
		note(s, "provenance '%s' beside the model is malformed and was passed over%s", path,
		     "");
	}
	free(why);
	return 0;
}

static int add_from_registry(struct provenance_store *s, const char *digest)
{
	struct ms_model_info m;
	if (!s->in->reg)
		return 0;
	int rc = ms_registry_get_model(s->in->reg, digest, MS_INFO_FULL, &m);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (m.provenance) {
		char *what = ms_asprintf("registry provenance of sha256:%.12s", digest);
		rc = add_bundle(s, m.provenance, strlen(m.provenance), what);
		free(what);
	}
	ms_model_info_free(&m);
	return rc;
}

static const struct prov *known(const struct provenance_store *s, const char *digest)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].subject, digest) == 0)
			return &s->v[i];
	return NULL;
}

/* The trusted statement about digest: files first, then the registry.
 * *found NULL when there is none; -1 on malformed input. */
static int find(struct provenance_store *s, const char *digest, const struct prov **found)
{
	while (!(*found = known(s, digest)) && s->next < s->n_paths)
		if (add_file(s, s->next++) < 0)
			return -1;
	if (*found)
		return 0;
	for (size_t i = 0; i < s->n_asked; i++)
		if (strcmp(s->asked[i], digest) == 0)
			return 0;
	s->asked = ms_reallocarray(s->asked, s->n_asked + 1, sizeof *s->asked);
	memcpy(s->asked[s->n_asked++], digest, sizeof(hex64));
	if (add_from_registry(s, digest) < 0)
		return -1;
	*found = known(s, digest);
	return 0;
}

/* ---- require_ancestor ---- */

struct name_lookup {
	const char *version;
	hex64 digest;
	int found;
};

static int match_version(const struct ms_model_info *m, void *ctx)
{
	struct name_lookup *l = ctx;
	if (!m->version || strcmp(m->version, l->version) != 0)
		return 0;
	memcpy(l->digest, m->digest, sizeof l->digest);
	l->found = 1;
	return 1;
}

/* The listed digests; NAME@VERSION through the registry (quietly: a name
 * that does not resolve is a failed rule, not an error). */
static int resolve_targets(struct provenance_store *s, hex64 **out, const char ***names, size_t *n)
{
	const struct ms_policy *p = s->p;
	*out = ms_calloc(p->n_ancestors, sizeof **out);
	*names = ms_calloc(p->n_ancestors, sizeof **names);
	*n = 0;
	for (size_t i = 0; i < p->n_ancestors; i++) {
		const char *a = p->ancestors[i];
		if (strncmp(a, "sha256:", 7) == 0) {
			memcpy((*out)[*n], a + 7, sizeof(hex64));
			(*names)[(*n)++] = a;
			continue;
		}
		if (!s->in->reg) {
			note(s, "%s cannot be resolved: no registry on this host%s", a, "");
			continue;
		}
		char *name = ms_strndup(a, (size_t)(strrchr(a, '@') - a));
		struct name_lookup l = {strrchr(a, '@') + 1, "", 0};
		int rc = ms_registry_log(s->in->reg, name, 0, match_version, &l);
		free(name);
		if (rc < 0)
			return -1;
		if (!l.found) {
			note(s, "%s is not in the registry%s", a, "");
			continue;
		}
		memcpy((*out)[*n], l.digest, sizeof(hex64));
		(*names)[(*n)++] = a;
	}
	return 0;
}

static int is_target(const hex64 *t, size_t n, const char *digest)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i], digest) == 0)
			return (int)i;
	return -1;
}

/* Whether digest was revoked (registry or trust file). A revoked model is a
 * dead end: it is neither an approved ancestor nor a way to one. The first
 * few are named, with the reason, for the verdict. */
static int revoked(struct provenance_store *s, const char *digest)
{
	const struct ms_revocation *r = ms_trust_revocation(s->in->trust, "model", digest);
	struct ms_model_info m = {0};
	char when[32], label[256];
	if (!r)
		return 0;
	if (s->dead.len > 600) /* enough to say why */
		return 1;
	int named = s->in->reg && ms_registry_get_model(s->in->reg, digest, 0, &m) == 0;
	ms_buf_printf(&s->dead, "%s%s%ssha256:%s%s was revoked %s: %s", s->dead.len ? "; " : "",
	              named ? ms_model_label(m.name, m.version, label, sizeof label) : "",
	              named ? " (" : "", digest, named ? ")" : "",
	              ms_time_format(r->time, when, sizeof when), r->reason);
	if (named)
		ms_model_info_free(&m);
	return 1;
}

/* Breadth-first from the model: the first listed digest reached wins. */
static int walk(struct provenance_store *s, const hex64 *t, size_t nt, int *hit, size_t *steps)
{
	hex64 *queue = ms_calloc(MAX_WALK, sizeof *queue);
	size_t *depth = ms_calloc(MAX_WALK, sizeof *depth);
	size_t head = 0, tail = 0;
	int rc = 0;
	memcpy(queue[tail++], s->root, sizeof(hex64));
	*hit = -1;
	while (head < tail && *hit < 0) {
		const struct prov *p;
		size_t at = head++;
		if (revoked(s, queue[at]))
			continue;
		if ((*hit = is_target(t, nt, queue[at])) >= 0) {
			*steps = depth[at];
			break;
		}
		if ((rc = find(s, queue[at], &p)) < 0)
			break;
		if (!p && at == 0)
			note(s, "the model has no trusted signed provenance%s%s", "", "");
		for (size_t i = 0; p && i < p->n_parents && tail < MAX_WALK; i++) {
			size_t k = 0;
			while (k < tail && strcmp(queue[k], p->parents[i]) != 0)
				k++;
			if (k == tail) {
				memcpy(queue[tail], p->parents[i], sizeof(hex64));
				depth[tail++] = depth[at] + 1;
			}
		}
	}
	free(queue);
	free(depth);
	return rc;
}

int rule_require_ancestor(struct provenance_store *s, char **detail)
{
	hex64 *t = NULL;
	const char **names = NULL;
	size_t nt = 0, steps = 0;
	int hit = -1, rc = 0;
	if (!*s->root) {
		*detail = ms_strdup("the model's signature does not verify");
		return 0;
	}
	if (resolve_targets(s, &t, &names, &nt) < 0 || (nt && walk(s, t, nt, &hit, &steps) < 0))
		rc = -1;
	else if (hit >= 0 && steps == 0)
		*detail = ms_asprintf("the model is %s itself", names[hit]);
	else if (hit >= 0 && strncmp(names[hit], "sha256:", 7) == 0)
		*detail = ms_asprintf("descends from %s through %zu signed provenance statement%s",
		                      names[hit], steps, steps == 1 ? "" : "s");
	else if (hit >= 0)
		*detail = ms_asprintf("descends from %s (sha256:%s) through %zu signed "
		                      "provenance statement%s",
		                      names[hit], t[hit], steps, steps == 1 ? "" : "s");
	else
		*detail = ms_asprintf("no chain of trusted signed provenance reaches %s%s%s%s",
		                      nt ? "a required ancestor" : "any resolvable ancestor",
		                      s->dead.len ? "; revoked models are dead ends: " : "",
		                      s->dead.len ? s->dead.data : "",
		                      s->notes.data ? s->notes.data : "");
	free(t);
	free(names);
	return rc < 0 ? -1 : hit >= 0;
}

/* ---- max_signature_age_days ---- */

/* When the model was signed: for a keyless signature the time verify
 * checked (the log's or the timestamp authority's); else its trusted
 * provenance's finishedOn, else the registry's record of the same
 * signature. 1 found, 0 none, -1 error. */
static int signing_time(struct provenance_store *s, int64_t *t, const char **source)
{
	const struct prov *p;
	if (s->in->res->identity) {
		*t = s->in->res->signed_time;
		*source = s->in->res->time_source;
		return 1;
	}
	if (find(s, s->root, &p) < 0)
		return -1;
	if (p && p->finished >= 0) {
		*t = p->finished;
		*source = "signed provenance";
		return 1;
	}
	struct ms_model_info m;
	int rc = s->in->reg ? ms_registry_get_model(s->in->reg, s->root, 0, &m) : 1;
	if (rc < 0)
		return -1;
	if (rc == 1)
		return 0;
	int same = m.signer && strcmp(m.signer, ms_pubkey_id(s->in->res->signer)) == 0;
	*t = m.created;
	*source = "registry record";
	ms_model_info_free(&m);
	return same;
}

int rule_signature_age(struct provenance_store *s, char **detail)
{
	uint64_t limit = s->p->max_age_days;
	const char *source = NULL;
	char when[32];
	int64_t t;
	if (!*s->root) {
		*detail = ms_strdup("the model's signature does not verify");
		return 0;
	}
	int rc = signing_time(s, &t, &source);
	if (rc <= 0) {
		if (rc == 0)
			*detail =
			    ms_strdup("no signing time: the signature carries none and there is "
			              "no signed provenance or registry record of it");
		return rc;
	}
	/* Recorded, not measured: a time before 1970 is no signing time, and
	 * now - t could not even be computed for the oldest ones. */
	if (t < 0) {
		*detail = ms_asprintf("signing time %lld (%s) is before 1970: no time a signature "
		                      "was made",
		                      (long long)t, source);
		return 0;
	}
	ms_time_format(t, when, sizeof when);
	if (t > s->in->now + 300) {
		*detail = ms_asprintf("signing time %s (%s) is in the future", when, source);
		return 0;
	}
	int64_t age = s->in->now - t;
	int ok = age < 0 || (uint64_t)age <= limit * 86400;
	*detail = ms_asprintf("signed %s (%s), %lld day%s ago; limit %llu", when, source,
	                      (long long)(age / 86400), age / 86400 == 1 ? "" : "s",
	                      (unsigned long long)limit);
	return ok;
}

/* ---- lineage from signed provenance alone (show PATH, lineage PATH) ---- */

/* The node for digest, added (named as the statement that reached it names
 * it) when new. */
static size_t lineage_node(struct ms_lineage *l, const char *digest,
                           const struct ms_model_link *named)
{
	for (size_t i = 0; i < l->n_nodes; i++)
		if (strcmp(l->nodes[i].digest, digest) == 0)
			return i;
	l->nodes = ms_reallocarray(l->nodes, l->n_nodes + 1, sizeof *l->nodes);
	struct ms_model_info *m = &l->nodes[l->n_nodes];
	memset(m, 0, sizeof *m);
	memcpy(m->digest, digest, sizeof m->digest);
	if (named && named->name) {
		m->name = ms_strdup(named->name);
		m->version = ms_strdup(named->version);
	}
	return l->n_nodes++;
}

static void lineage_edge(struct ms_lineage *l, const char *child, const struct ms_model_link *d)
{
	for (size_t i = 0; i < l->n_edges; i++)
		if (strcmp(l->edges[i].child, child) == 0 &&
		    strcmp(l->edges[i].parent, d->digest) == 0)
			return;
	l->edges = ms_reallocarray(l->edges, l->n_edges + 1, sizeof *l->edges);
	struct ms_lineage_edge *e = &l->edges[l->n_edges++];
	memcpy(e->child, child, sizeof e->child);
	memcpy(e->parent, d->digest, sizeof e->parent);
	e->relation = d->relation;
}

/* nodes[0]: what the verified statement says of the model. */
static void root_node(const struct ms_verify_result *res, struct ms_model_info *m)
{
	const struct ms_manifest *mf = &res->signed_manifest;
	memset(m, 0, sizeof *m);
	ms_hex_encode(mf->root, MS_ROOT_LEN, m->digest);
	m->method = ms_strdup(ms_method_name(mf->method));
	m->hash = ms_strdup(ms_hash_alg_name(mf->alg));
	m->signer = ms_strdup(ms_pubkey_id(res->signer));
	m->statement = ms_strdup(res->payload);
	for (size_t i = 0; i < mf->n_res; i++) {
		m->size += mf->res[i].end - mf->res[i].start;
		m->n_files += i == 0 || strcmp(mf->res[i].path, mf->res[i - 1].path) != 0;
	}
}

/* What the statement about node at says: its name, time and dependencies. */
static void lineage_expand(struct ms_lineage *l, size_t at, const struct prov *p)
{
	struct ms_model_info *m = &l->nodes[at];
	if (!m->name && p->name) {
		m->name = ms_strdup(p->name);
		m->version = ms_strdup(p->version ? p->version : "");
	}
	if (p->finished >= 0 && !m->created)
		m->created = p->finished;
	if (at == 0 && !m->provenance)
		m->provenance = ms_strdup(p->bundle);
	for (size_t i = 0; i < p->n_deps; i++) {
		lineage_node(l, p->deps[i].digest, &p->deps[i]);
		lineage_edge(l, p->subject, &p->deps[i]);
		if (at == 0) {
			struct ms_model_info *root = &l->nodes[0];
			root->parents = ms_reallocarray(root->parents, root->n_parents + 1,
			                                sizeof *root->parents);
			struct ms_model_link *c = &root->parents[root->n_parents++];
			*c = p->deps[i];
			c->name = p->deps[i].name ? ms_strdup(p->deps[i].name) : NULL;
			c->version = p->deps[i].version ? ms_strdup(p->deps[i].version) : NULL;
		}
	}
}

int ms_provenance_lineage(const struct ms_policy_input *in, struct ms_lineage *out)
{
	static const struct ms_policy anyone; /* no trusted_keys: in->keys decide */
	struct provenance_store *s = provenance_store_new(&anyone, in);
	int rc = 0;
	memset(out, 0, sizeof *out);
	out->nodes = ms_calloc(1, sizeof *out->nodes);
	out->n_nodes = 1;
	root_node(in->res, &out->nodes[0]);
	for (size_t at = 0; at < out->n_nodes && out->n_nodes < MAX_WALK; at++) {
		const struct prov *p;
		hex64 digest;
		memcpy(digest, out->nodes[at].digest, sizeof digest);
		if ((rc = find(s, digest, &p)) < 0)
			break;
		if (p)
			lineage_expand(out, at, p);
	}
	provenance_store_free(s);
	if (rc < 0)
		ms_lineage_free(out);
	return rc;
}
