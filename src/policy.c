/* Deploy policies: strict loading and the rules that need no lineage. */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/json.h"
#include "modelseal/manifest.h"
#include "modelseal/trust.h"
#include "modelseal/util.h"
#include "policy_int.h"

#define MAX_AGE_DAYS 36500

void ms_policy_free(struct ms_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_key_ids; i++)
		free(p->key_ids[i]);
	for (size_t i = 0; i < p->n_key_files; i++)
		ms_pubkey_free(p->key_files[i]);
	for (size_t i = 0; i < p->n_ancestors; i++)
		free(p->ancestors[i]);
	for (size_t i = 0; i < p->n_ids; i++) {
		free(p->ids[i].identity);
		free(p->ids[i].issuer);
	}
	free(p->ids);
	for (size_t i = 0; i < p->n_ca_files; i++)
		free(p->ca_files[i]);
	free(p->ca_files);
	ms_x509_roots_free(p->cas);
	free(p->key_ids);
	free(p->key_files);
	free(p->ancestors);
	free(p->path);
	free(p);
}

struct ms_pubkey *const *ms_policy_key_files(const struct ms_policy *p, size_t *n)
{
	*n = p->n_key_files;
	return p->key_files;
}

const char *const *ms_policy_ca_files(const struct ms_policy *p, size_t *n)
{
	*n = p->n_ca_files;
	return (const char *const *)p->ca_files;
}

const struct ms_policy_identity *ms_policy_identities(const struct ms_policy *p, size_t *n)
{
	*n = p->n_ids;
	return p->ids;
}

int ms_policy_allow_unsigned(const struct ms_policy *p)
{
	return p->allow_unsigned;
}

int policy_trusts(const struct ms_policy *p, const char *keyid)
{
	if (!p->has_keys)
		return 1;
	for (size_t i = 0; i < p->n_key_ids; i++)
		if (strcmp(p->key_ids[i], keyid) == 0)
			return 1;
	return 0;
}

/* ---- loading ---- */

static void add_string(char ***v, size_t *n, const char *s)
{
	*v = ms_reallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = ms_strdup(s);
}

/* A non-empty array of non-empty strings. */
static const cJSON *string_array(const cJSON *doc, const char *key, const char *what)
{
	const cJSON *arr = ms_json_array(doc, key, what);
	if (!arr)
		return NULL;
	if (!arr->child) {
		ms_error("%s: '%s' is empty: leave the field out instead", what, key);
		return NULL;
	}
	for (const cJSON *c = arr->child; c; c = c->next)
		if (!cJSON_IsString(c) || !*c->valuestring) {
			ms_error("%s: '%s' must hold non-empty strings", what, key);
			return NULL;
		}
	return arr;
}

/* A key id as it is, or a key file relative to the policy's directory. */
static int load_trusted_key(struct ms_policy *p, const char *entry, const char *what)
{
	if (ms_is_hex64(entry)) {
		add_string(&p->key_ids, &p->n_key_ids, entry);
		return 0;
	}
	char *dir = ms_dirname(p->path);
	char *path = entry[0] == '/' ? ms_strdup(entry) : ms_asprintf("%s/%s", dir, entry);
	struct ms_pubkey *k = NULL;
	int rc = ms_pubkey_load(path, &k);
	if (rc < 0)
		ms_error("%s: trusted key '%s' cannot be used", what, entry);
	free(path);
	free(dir);
	if (rc < 0)
		return -1;
	p->key_files = ms_reallocarray(p->key_files, p->n_key_files + 1, sizeof *p->key_files);
	p->key_files[p->n_key_files++] = k;
	add_string(&p->key_ids, &p->n_key_ids, ms_pubkey_id(k));
	return 0;
}

/* A root certificate file relative to the policy's directory, read now so
 * that a typo is an error at load time. */
static int load_trusted_ca(struct ms_policy *p, const char *entry, const char *what)
{
	char *dir = ms_dirname(p->path);
	char *path = entry[0] == '/' ? ms_strdup(entry) : ms_asprintf("%s/%s", dir, entry);
	free(dir);
	if (!p->cas)
		p->cas = ms_x509_roots_new();
	if (ms_x509_roots_add_file(p->cas, path) < 0) {
		ms_error("%s: trusted CA '%s' cannot be used", what, entry);
		free(path);
		return -1;
	}
	p->ca_files = ms_reallocarray(p->ca_files, p->n_ca_files + 1, sizeof *p->ca_files);
	p->ca_files[p->n_ca_files++] = path;
	return 0;
}

/* {"identity": ID, "issuer": URL}, both exactly as the certificate has them. */
static int load_trusted_identity(struct ms_policy *p, const cJSON *o, const char *what)
{
	static const char *const fields[] = {"identity", "issuer"};
	if (!cJSON_IsObject(o)) {
		ms_error("%s: trusted_identities holds objects {\"identity\", \"issuer\"}", what);
		return -1;
	}
	char *item = ms_asprintf("%s: trusted_identities[%zu]", what, p->n_ids);
	const char *identity = ms_json_only_fields(o, fields, MS_ARRAY_LEN(fields), item) < 0
	                           ? NULL
	                           : ms_json_string(o, "identity", item);
	const char *issuer = identity ? ms_json_string(o, "issuer", item) : NULL;
	int rc = issuer ? ms_identity_check(identity, issuer, item) : -1;
	free(item);
	if (rc < 0)
		return -1;
	p->ids = ms_reallocarray(p->ids, p->n_ids + 1, sizeof *p->ids);
	p->ids[p->n_ids++] = (struct ms_policy_identity){ms_strdup(identity), ms_strdup(issuer)};
	return 0;
}

/* sha256:<hex>, or NAME@VERSION where NAME may be a Hugging Face id
 * (org/name) but not a path: no empty, "." or ".." component. */
static int valid_ancestor(const char *s)
{
	if (strncmp(s, "sha256:", 7) == 0)
		return ms_is_hex64(s + 7);
	const char *at = strrchr(s, '@');
	if (!at || at == s || !at[1])
		return 0;
	char *name = ms_strndup(s, (size_t)(at - s));
	int ok = ms_path_is_safe(name) && strcmp(name, ".") != 0;
	free(name);
	return ok;
}

static int parse_rules(struct ms_policy *p, const cJSON *doc, const char *what)
{
	const cJSON *arr;
	if (cJSON_GetObjectItemCaseSensitive(doc, "trusted_keys")) {
		if (!(arr = string_array(doc, "trusted_keys", what)))
			return -1;
		p->has_keys = 1;
		for (const cJSON *c = arr->child; c; c = c->next)
			if (load_trusted_key(p, c->valuestring, what) < 0)
				return -1;
	}
	if (cJSON_GetObjectItemCaseSensitive(doc, "trusted_cas")) {
		if (!(arr = string_array(doc, "trusted_cas", what)))
			return -1;
		for (const cJSON *c = arr->child; c; c = c->next)
			if (load_trusted_ca(p, c->valuestring, what) < 0)
				return -1;
	}
	if (cJSON_GetObjectItemCaseSensitive(doc, "trusted_identities")) {
		if (!(arr = ms_json_array(doc, "trusted_identities", what)))
			return -1;
		if (!arr->child) {
			ms_error("%s: 'trusted_identities' is empty: leave the field out instead",
			         what);
			return -1;
		}
		for (const cJSON *c = arr->child; c; c = c->next)
			if (load_trusted_identity(p, c, what) < 0)
				return -1;
	}
	if (cJSON_GetObjectItemCaseSensitive(doc, "require_ancestor")) {
		if (!(arr = string_array(doc, "require_ancestor", what)))
			return -1;
		for (const cJSON *c = arr->child; c; c = c->next) {
			if (!valid_ancestor(c->valuestring)) {
				ms_error("%s: require_ancestor entry '%s' is neither "
				         "sha256:<64 hex digits> nor NAME@VERSION",
				         what, c->valuestring);
				return -1;
			}
			add_string(&p->ancestors, &p->n_ancestors, c->valuestring);
		}
	}
	if (cJSON_GetObjectItemCaseSensitive(doc, "allow_unsigned_files") &&
	    ms_json_bool(doc, "allow_unsigned_files", what, &p->allow_unsigned) < 0)
		return -1;
	if (cJSON_GetObjectItemCaseSensitive(doc, "max_signature_age_days") &&
	    ms_json_u64(doc, "max_signature_age_days", 1, MAX_AGE_DAYS, what, &p->max_age_days) < 0)
		return -1;
	return 0;
}

static int parse_policy(struct ms_policy *p, const cJSON *doc, const char *what)
{
	static const char *const fields[] = {"version",
	                                     "trusted_keys",
	                                     "trusted_cas",
	                                     "trusted_identities",
	                                     "require_ancestor",
	                                     "allow_unsigned_files",
	                                     "max_signature_age_days"};
	uint64_t version;
	if (!cJSON_IsObject(doc)) {
		ms_error("%s must be a JSON object", what);
		return -1;
	}
	for (const cJSON *c = doc->child; c; c = c->next) {
		size_t i = 0;
		while (i < MS_ARRAY_LEN(fields) && strcmp(c->string, fields[i]) != 0)
			i++;
		if (i == MS_ARRAY_LEN(fields)) {
			ms_error(
			    "%s: unknown field '%s' (a policy only has: version, trusted_keys, "
			    "trusted_cas, trusted_identities, require_ancestor, "
			    "allow_unsigned_files, max_signature_age_days)",
			    what, c->string);
			return -1;
		}
	}
	if (ms_json_u64(doc, "version", 0, 1000000, what, &version) < 0)
		return -1;
	if (version != MS_POLICY_VERSION) {
		ms_error("%s: version %llu is not supported (this modelseal reads version %d)",
		         what, (unsigned long long)version, MS_POLICY_VERSION);
		return -1;
	}
	return parse_rules(p, doc, what);
}

int ms_policy_load(const char *path, struct ms_policy **out)
{
	char *text;
	size_t len;
	*out = NULL;
	if (ms_read_file(path, MS_POLICY_MAX, "policy", &text, &len) < 0)
		return -1;
	char *what = ms_asprintf("policy '%s'", path);
	struct ms_policy *p = ms_calloc(1, sizeof *p);
	p->path = ms_strdup(path);
	p->allow_unsigned = -1;
	cJSON *doc = ms_json_parse(text, len, what);
	int rc = doc ? parse_policy(p, doc, what) : -1;
	cJSON_Delete(doc);
	free(what);
	free(text);
	if (rc < 0) {
		ms_policy_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

/* ---- evaluation ---- */

static void add_rule(struct ms_policy_report *r, const char *rule, int ok, char *detail)
{
	r->v = ms_reallocarray(r->v, r->n + 1, sizeof *r->v);
	r->v[r->n++] = (struct ms_policy_rule){rule, ok, detail};
	if (!ok)
		r->ok = 0;
}

void ms_policy_report_free(struct ms_policy_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].detail);
	free(r->v);
	memset(r, 0, sizeof *r);
}

/* A certificate signer chaining to one of trusted_cas; 0 when the
 * policy names no CA or the signer is no certificate. */
static int cert_trusted(const struct ms_policy *p, const struct ms_verify_result *res)
{
	return p->cas && res->signer && res->has_cert &&
	       ms_x509_roots_has(p->cas, res->cert.root_sha256);
}

/* A keyless signer that trusted_identities names. */
static int identity_trusted(const struct ms_policy *p, const struct ms_verify_result *res)
{
	for (size_t i = 0; res->identity && i < p->n_ids; i++)
		if (strcmp(p->ids[i].identity, res->identity) == 0 &&
		    strcmp(p->ids[i].issuer, res->issuer) == 0)
			return 1;
	return 0;
}

/* trusted_keys names bare keys, trusted_cas certificate roots,
 * trusted_identities keyless signers: with several, a signer passes the
 * rule of its kind, and the other rules say so. */
static int other_rule(const struct ms_policy *p, const struct ms_verify_result *res,
                      struct ms_policy_report *r, const char *rule)
{
	if (strcmp(rule, "trusted_keys") != 0 && res->signer && p->has_keys &&
	    policy_trusts(p, ms_pubkey_id(res->signer)) && !res->has_cert)
		add_rule(r, rule, 1,
		         ms_asprintf("signed by the bare key %s (trusted_keys)",
		                     ms_pubkey_id(res->signer)));
	else if (strcmp(rule, "trusted_cas") != 0 && cert_trusted(p, res))
		add_rule(r, rule, 1,
		         ms_asprintf("signed by a certificate from a trusted CA (trusted_cas)"));
	else if (strcmp(rule, "trusted_identities") != 0 && identity_trusted(p, res))
		add_rule(r, rule, 1,
		         ms_asprintf("signed by %s (issuer %s) (trusted_identities)", res->identity,
		                     res->issuer));
	else
		return 0;
	return 1;
}

static void rule_trusted_keys(const struct ms_policy *p, const struct ms_policy_input *in,
                              struct ms_policy_report *r)
{
	const struct ms_verify_result *res = in->res;
	const struct ms_pubkey *signer = res->signer;
	if (!signer && !res->identity) {
		add_rule(r, "trusted_keys", 0, ms_strdup("no valid signature by any key"));
		return;
	}
	if (signer && policy_trusts(p, ms_pubkey_id(signer)))
		add_rule(r, "trusted_keys", 1, ms_asprintf("signed by %s", ms_pubkey_id(signer)));
	else if (other_rule(p, res, r, "trusted_keys"))
		;
	else if (signer)
		add_rule(r, "trusted_keys", 0,
		         ms_asprintf("signer %s is not one of the %zu key%s the policy trusts",
		                     ms_pubkey_id(signer), p->n_key_ids,
		                     p->n_key_ids == 1 ? "" : "s"));
	else
		add_rule(r, "trusted_keys", 0,
		         ms_asprintf("keyless signer %s (issuer %s) is none of the %zu key%s the "
		                     "policy trusts (trusted_identities lists keyless signers)",
		                     res->identity, res->issuer, p->n_key_ids,
		                     p->n_key_ids == 1 ? "" : "s"));
}

static void rule_trusted_cas(const struct ms_policy *p, const struct ms_policy_input *in,
                             struct ms_policy_report *r)
{
	const struct ms_verify_result *res = in->res;
	if (!res->signer && !res->identity)
		add_rule(r, "trusted_cas", 0, ms_strdup("no valid signature"));
	else if (cert_trusted(p, res))
		add_rule(r, "trusted_cas", 1,
		         ms_asprintf("signed by certificate '%s' from '%s'", res->cert.subject,
		                     res->cert.root));
	else if (res->has_cert)
		add_rule(r, "trusted_cas", 0,
		         ms_asprintf("certificate '%s' chains to '%s', not to a CA the policy "
		                     "trusts",
		                     res->cert.subject, res->cert.root));
	else if (other_rule(p, res, r, "trusted_cas"))
		;
	else if (res->signer)
		add_rule(r, "trusted_cas", 0,
		         ms_asprintf("signed by the bare key %s, not by a certificate from a CA "
		                     "the policy trusts",
		                     ms_pubkey_id(res->signer)));
	else
		add_rule(r, "trusted_cas", 0,
		         ms_asprintf("signed keylessly by %s (issuer %s), not by a certificate "
		                     "from a CA the policy trusts",
		                     res->identity, res->issuer));
}

static void rule_trusted_identities(const struct ms_policy *p, const struct ms_policy_input *in,
                                    struct ms_policy_report *r)
{
	const struct ms_verify_result *res = in->res;
	if (!res->signer && !res->identity)
		add_rule(r, "trusted_identities", 0, ms_strdup("no valid signature"));
	else if (identity_trusted(p, res))
		add_rule(r, "trusted_identities", 1,
		         ms_asprintf("signed by %s (issuer %s)", res->identity, res->issuer));
	else if (other_rule(p, res, r, "trusted_identities"))
		;
	else if (res->identity)
		add_rule(r, "trusted_identities", 0,
		         ms_asprintf("keyless signer %s (issuer %s) is not one of the %zu "
		                     "identit%s the policy trusts",
		                     res->identity, res->issuer, p->n_ids,
		                     p->n_ids == 1 ? "y" : "ies"));
	else
		add_rule(r, "trusted_identities", 0,
		         ms_asprintf("signed by the key %s, not by a keyless identity the policy "
		                     "trusts",
		                     ms_pubkey_id(res->signer)));
}

/* Files that were not signed show up as "extra" problems unless the policy
 * allows them, in which case verify did not look for them. */
static void rule_unsigned(const struct ms_policy *p, const struct ms_policy_input *in,
                          struct ms_policy_report *r)
{
	if (p->allow_unsigned == 1) {
		add_rule(r, "allow_unsigned_files", 1,
		         ms_strdup("files that were not signed are allowed"));
		return;
	}
	size_t n = 0;
	const char *first = NULL;
	for (size_t i = 0; i < in->res->problems.n; i++)
		if (strcmp(in->res->problems.v[i].kind, "extra") == 0 && n++ == 0)
			first = in->res->problems.v[i].path;
	if (n == 0)
		add_rule(r, "allow_unsigned_files", 1, ms_strdup("every file is signed"));
	else
		add_rule(r, "allow_unsigned_files", 0,
		         ms_asprintf("%zu file%s not signed (first: %s)", n,
		                     n == 1 ? " is" : "s are", first));
}

int ms_policy_evaluate(const struct ms_policy *p, const struct ms_policy_input *in,
                       struct ms_policy_report *out)
{
	memset(out, 0, sizeof *out);
	out->ok = 1;
	if (p->has_keys)
		rule_trusted_keys(p, in, out);
	if (p->cas)
		rule_trusted_cas(p, in, out);
	if (p->n_ids)
		rule_trusted_identities(p, in, out);
	struct provenance_store *s = provenance_store_new(p, in);
	int rc = 0;
	char *detail = NULL;
	if (p->n_ancestors) {
		rc = rule_require_ancestor(s, &detail);
		if (rc >= 0)
			add_rule(out, "require_ancestor", rc, detail);
	}
	if (rc >= 0 && p->allow_unsigned >= 0)
		rule_unsigned(p, in, out);
	if (rc >= 0 && p->max_age_days) {
		rc = rule_signature_age(s, &detail);
		if (rc >= 0)
			add_rule(out, "max_signature_age_days", rc, detail);
	}
	provenance_store_free(s);
	if (rc < 0)
		return MS_ERR;
	return out->ok ? MS_OK : MS_FAIL;
}
