/* The pre-deploy gate behind verify and unpack: which keys to trust, the
 * verification, revocations, the policy, the event and the verdict. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modelseal/checkpoint.h"
#include "modelseal/cli.h"
#include "modelseal/gate.h"
#include "modelseal/json.h"
#include "modelseal/lineage.h"
#include "modelseal/registry_trust.h"
#include "modelseal/sigstore.h"
#include "modelseal/util.h"

static void add_cand(struct ms_gate *g, struct ms_pubkey *k)
{
	for (size_t i = 0; i < g->n_cands; i++)
		if (strcmp(ms_pubkey_id(g->cands[i]), ms_pubkey_id(k)) == 0)
			return;
	g->cands = ms_reallocarray(g->cands, g->n_cands + 1, sizeof *g->cands);
	g->cands[g->n_cands++] = k;
}

/* Revocations always count, from the registry and the trust file alike;
 * keys come from --key, else the trust file, else the registry. */
static int load_trust(struct ms_gate *g)
{
	struct ms_trust reg_trust = {0};
	if (g->trust_file && ms_trust_load_file(g->trust_file, &g->trust) < 0)
		return -1;
	int have = ms_registry_open_if_exists(&g->reg);
	if (have < 0 || (have && ms_registry_trust_load(g->reg, &reg_trust) < 0)) {
		/* Fail closed: whoever can cut a host off a shared registry must
		 * not make it accept a revoked key or model that way. */
		ms_note("hint: verify needs the registry's revocations and cannot read them, so "
		        "it gives no verdict; to verify without a registry, point --registry "
		        "(or $MODELSEAL_REGISTRY) at a path where there is none");
		ms_trust_free(&reg_trust);
		return -1;
	}
	/* A trust file given directly passes trust import's rollback check: an
	 * old file (from before a key was revoked) must not undo on the command
	 * line what import refuses. Checked before the registry's revocations
	 * join the file's. */
	if (have && g->trust_file &&
	    ms_registry_trust_file_current(g->reg, &reg_trust, &g->trust) < 0) {
		ms_trust_free(&reg_trust);
		return -1;
	}
	for (size_t i = 0; i < reg_trust.n_revs; i++)
		ms_trust_copy_revocation(&g->trust, &reg_trust.revs[i]);
	if (!g->trust_file) { /* the keys, CAs and identities move over to g->trust */
		g->trust.keys = reg_trust.keys;
		g->trust.n_keys = reg_trust.n_keys;
		g->trust.cas = reg_trust.cas;
		g->trust.n_cas = reg_trust.n_cas;
		g->trust.ids = reg_trust.ids;
		g->trust.n_ids = reg_trust.n_ids;
		reg_trust.keys = NULL;
		reg_trust.cas = NULL;
		reg_trust.ids = NULL;
		reg_trust.n_keys = reg_trust.n_cas = reg_trust.n_ids = 0;
	}
	ms_trust_free(&reg_trust);
	return 0;
}

/* Trust given on the command line (--key, --ca, --identity) replaces the
 * trust store's and the trust file's keys, CAs and identities entirely: a
 * user who names what to trust never gets a pass from something else.
 * --trusted-root alone only names the Sigstore instance, for the stored
 * identities. Revocations and the policy's trust always count. */
static int cli_trust(const struct ms_gate *g)
{
	return g->n_key_paths || g->n_ca_paths || g->req.identity;
}

static int load_keys(struct ms_gate *g)
{
	g->own_keys = ms_calloc(g->n_key_paths ? g->n_key_paths : 1, sizeof *g->own_keys);
	for (size_t i = 0; i < g->n_key_paths; i++) {
		if (ms_pubkey_load(g->key_paths[i], &g->own_keys[i]) < 0)
			return -1;
		g->n_own_keys = i + 1;
		add_cand(g, g->own_keys[i]);
	}
	for (size_t i = 0; !cli_trust(g) && i < g->trust.n_keys; i++)
		add_cand(g, g->trust.keys[i].key);
	size_t n;
	struct ms_pubkey *const *pk = g->policy ? ms_policy_key_files(g->policy, &n) : NULL;
	for (size_t i = 0; pk && i < n; i++)
		add_cand(g, pk[i]);
	return 0;
}

/* Roots for certificate bundles: --ca, else (no trust on the command line)
 * the trust store's or trust file's CAs, and the policy's trusted_cas (as
 * its key files join the keys). */
static int load_cas(struct ms_gate *g)
{
	size_t n = 0;
	const char *const *pol = g->policy ? ms_policy_ca_files(g->policy, &n) : NULL;
	size_t n_store = cli_trust(g) ? 0 : g->trust.n_cas;
	if (!g->n_ca_paths && !n && !n_store)
		return 0;
	g->cas = ms_x509_roots_new();
	for (size_t i = 0; i < g->n_ca_paths; i++)
		if (ms_x509_roots_add_file(g->cas, g->ca_paths[i]) < 0)
			return -1;
	for (size_t i = 0; i < n_store; i++) {
		const struct ms_trust_ca *c = &g->trust.cas[i];
		char *what = ms_asprintf("trusted CA %s", c->id);
		int rc = ms_x509_roots_add_pem(g->cas, c->pem, strlen(c->pem), what);
		free(what);
		if (rc < 0)
			return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (ms_x509_roots_add_file(g->cas, pol[i]) < 0)
			return -1;
	g->req.cas = g->cas;
	return 0;
}

/* The trusted root stored with identity at issuer, parsed into *tr: 1, 0
 * when there is none, -1 on error. */
static int stored_root(const struct ms_gate *g, const char *identity, const char *issuer,
                       struct ms_trusted_root *tr)
{
	char id[MS_HEX_LEN + 1];
	ms_identity_id(identity, issuer, id);
	const struct ms_trust_identity *t = ms_trust_find_identity(&g->trust, id);
	if (!t || !t->trusted_root)
		return 0;
	char *what = ms_asprintf("trusted root of identity %s", identity);
	int rc = ms_trusted_root_parse(t->trusted_root, strlen(t->trusted_root), what, tr);
	free(what);
	return rc < 0 ? -1 : 1;
}

static int add_signer(struct ms_gate *g, const char *identity, const char *issuer)
{
	struct ms_keyless_signer *s = &g->signers[g->n_signers];
	struct ms_trusted_root *tr = &g->roots[g->n_signers++];
	s->identity = identity;
	s->issuer = issuer;
	if (g->req.trusted_root)
		return 0;
	int rc = stored_root(g, identity, issuer, tr);
	if (rc > 0)
		s->root = tr;
	return rc < 0 ? -1 : 0;
}

/* Keyless signers without --identity: the trust store's (or trust file's)
 * identities and the policy's trusted_identities, each with the trusted
 * root stored for it unless --trusted-root gives one for all. */
static int load_identities(struct ms_gate *g)
{
	size_t n_pol = 0;
	const struct ms_policy_identity *pol =
	    g->policy ? ms_policy_identities(g->policy, &n_pol) : NULL;
	size_t n_store = cli_trust(g) ? 0 : g->trust.n_ids;
	size_t n = n_store + n_pol;
	if (g->req.identity || !n)
		return 0;
	g->signers = ms_calloc(n, sizeof *g->signers);
	g->roots = ms_calloc(n, sizeof *g->roots);
	for (size_t i = 0; i < n_store; i++)
		if (add_signer(g, g->trust.ids[i].identity, g->trust.ids[i].issuer) < 0)
			return -1;
	for (size_t i = 0; i < n_pol; i++)
		if (add_signer(g, pol[i].identity, pol[i].issuer) < 0)
			return -1;
	g->req.signers = g->signers;
	g->req.n_signers = g->n_signers;
	return 0;
}

static const struct ms_revocation *key_revoked(const struct ms_gate *g, const struct ms_pubkey *k)
{
	return ms_trust_revocation(&g->trust, "key", ms_pubkey_id(k));
}

/* Unrevoked keys first; only when none of them verifies are the revoked
 * ones tried, so that the failure can name the revocation. */
static int verify_with(struct ms_gate *g, int revoked)
{
	struct ms_pubkey **keys = ms_calloc(g->n_cands, sizeof *keys);
	size_t n = 0;
	for (size_t i = 0; i < g->n_cands; i++)
		if ((key_revoked(g, g->cands[i]) != NULL) == revoked)
			keys[n++] = g->cands[i];
	g->req.keys = keys;
	g->req.n_keys = n;
	/* A trusted root verifies keyless bundles, and CAs certificate bundles,
	 * without any key; the pass over revoked keys needs keys. */
	int none = !n && (revoked || (!g->req.trusted_root && !g->cas && !g->n_signers));
	int rc = none           ? MS_FAIL
	         : g->verify_fn ? g->verify_fn(&g->req, &g->res, g->verify_ctx)
	                        : ms_verify_model(&g->req, &g->res);
	g->req.keys = NULL;
	g->req.n_keys = 0;
	free(keys);
	return rc;
}

static const struct ms_revocation *identity_revoked(const struct ms_gate *g, const char *identity,
                                                    const char *issuer)
{
	char id[MS_HEX_LEN + 1];
	ms_identity_id(identity, issuer, id);
	return ms_trust_revocation(&g->trust, "identity", id);
}

static void add_revocation_problem(struct ms_gate *g, const char *path, const char *what,
                                   const struct ms_revocation *r)
{
	char when[32];
	ms_problems_add(&g->res.problems, path, "revoked",
	                ms_asprintf("%s was revoked %s: %s", what,
	                            ms_time_format(r->time, when, sizeof when), r->reason));
	g->res.verified = 0;
}

static int check_revocations(struct ms_gate *g, int rc)
{
	char hex[2 * MS_ROOT_LEN + 1];
	const struct ms_revocation *r;
	if (!g->res.signer && !g->res.identity)
		return rc;
	if (g->res.signer && (r = key_revoked(g, g->res.signer))) {
		char *what = ms_asprintf("signing key %s", ms_pubkey_id(g->res.signer));
		add_revocation_problem(g, g->res.signature, what, r);
		free(what);
	}
	if (g->res.identity && (r = identity_revoked(g, g->res.identity, g->res.issuer))) {
		char *what = ms_asprintf("identity %s (issuer %s)", g->res.identity, g->res.issuer);
		add_revocation_problem(g, g->res.signature, what, r);
		free(what);
	}
	ms_hex_encode(g->res.signed_manifest.root, MS_ROOT_LEN, hex);
	if ((r = ms_trust_revocation(&g->trust, "model", hex))) {
		char *what = ms_asprintf("model sha256:%s", hex);
		add_revocation_problem(g, g->req.model, what, r);
		free(what);
	}
	return rc == MS_OK && g->res.problems.n ? MS_FAIL : rc;
}

static int run_verify(struct ms_gate *g)
{
	int rc = verify_with(g, 0);
	if (rc == MS_FAIL && !g->res.signer && !g->res.identity && g->n_cands) {
		struct ms_verify_result first = g->res;
		memset(&g->res, 0, sizeof g->res);
		int rc2 = verify_with(g, 1);
		if (g->res.signer) {
			ms_verify_result_free(&first);
			rc = rc2;
		} else {
			ms_verify_result_free(&g->res);
			g->res = first;
		}
	}
	return rc == MS_ERR ? rc : check_revocations(g, rc);
}

static int run_policy(struct ms_gate *g)
{
	struct ms_policy_input in = {&g->req,   &g->res, g->cands,           g->n_cands,
	                             &g->trust, g->reg,  (int64_t)time(NULL)};
	g->has_policy = 1;
	return ms_policy_evaluate(g->policy, &in, &g->report);
}

/* The signer in --json and in events: the key id, or for a keyless
 * signature {identity, issuer, time, time_source}; for problem "untrusted"
 * the key id the bundle names (verified is then false); else null. */
static cJSON *signer_json(const struct ms_verify_result *res)
{
	char when[32];
	if (res->signer)
		return cJSON_CreateString(ms_pubkey_id(res->signer));
	if (res->claimed_signer)
		return cJSON_CreateString(res->claimed_signer);
	if (!res->identity)
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "identity", res->identity);
	cJSON_AddStringToObject(o, "issuer", res->issuer);
	cJSON_AddStringToObject(o, "time", ms_time_format(res->signed_time, when, sizeof when));
	cJSON_AddStringToObject(o, "time_source", res->time_source);
	return o;
}

/* A 'verified' or 'failed' event where a writable registry already exists:
 * deploy hosts without one are neither slowed down nor failed. */
static void note_in_registry(const struct ms_gate *g)
{
	const struct ms_verify_result *res = &g->res;
	char hex[2 * MS_ROOT_LEN + 1];
	char *subject;
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "model", g->req.model);
	/* A verified signer means the statement is trusted: name the model by
	 * its root. */
	if (res->signer || res->identity) {
		ms_hex_encode(res->signed_manifest.root, MS_ROOT_LEN, hex);
		subject = ms_asprintf("sha256:%s", hex);
		cJSON_AddItemToObject(d, "signer", signer_json(res));
		if (res->has_cert)
			cJSON_AddStringToObject(d, "certificate", res->cert.subject);
		if (res->certificate_ignored)
			cJSON_AddBoolToObject(d, "certificate_ignored", 1);
	} else {
		char *abs = realpath(g->req.model, NULL);
		subject = ms_strdup(abs ? abs : g->req.model);
		free(abs);
	}
	cJSON_AddNumberToObject(d, "problems", (double)res->problems.n);
	if (res->problems.n) {
		char *first =
		    ms_asprintf("%s: %s", res->problems.v[0].kind, res->problems.v[0].path);
		cJSON_AddStringToObject(d, "first_problem", first);
		free(first);
	}
	if (g->has_policy) {
		cJSON_AddStringToObject(d, "policy", g->policy_path);
		cJSON_AddBoolToObject(d, "policy_ok", g->report.ok);
	}
	char *detail = cJSON_PrintUnformatted(d);
	ms_registry_note_event(g->verified ? MS_EV_VERIFIED : MS_EV_FAILED, subject, detail);
	free(detail);
	free(subject);
	cJSON_Delete(d);
}

int ms_gate_run(struct ms_gate *g)
{
	if (g->policy_path && ms_policy_load(g->policy_path, &g->policy) < 0)
		return MS_ERR;
	if (load_trust(g) < 0 || load_keys(g) < 0 || load_cas(g) < 0 || load_identities(g) < 0)
		return MS_ERR;
	if (g->req.identity && !g->req.trusted_root && !g->cas && !g->n_cands) {
		ms_error("--identity %s names whom a certificate must name: give the roots that "
		         "certify it (--ca ROOT.pem, or --trusted-root FILE with --issuer); trust "
		         "given on the command line replaces the trust store's",
		         g->req.identity);
		return MS_ERR;
	}
	if (g->req.trusted_root && !g->req.identity && !g->n_signers) {
		ms_error("--trusted-root needs --identity and --issuer (who must have signed), or "
		         "identities in the trust store ('modelseal trust add --identity ID "
		         "--issuer URL')");
		return MS_ERR;
	}
	if (g->policy && ms_policy_allow_unsigned(g->policy) >= 0)
		g->req.ignore_unsigned = ms_policy_allow_unsigned(g->policy);
	if (g->n_cands == 0 && !g->req.trusted_root && !g->cas && !g->n_signers) {
		ms_problems_add(
		    &g->res.problems, g->req.model, "untrusted",
		    ms_strdup("no key is trusted: add one with 'modelseal trust add PUB', "
		              "or give --key PUB, --ca ROOT.pem, --trust-file FILE or a policy "
		              "with trusted_keys"));
		return MS_FAIL;
	}
	int rc = run_verify(g);
	if (rc != MS_ERR && g->policy) {
		int prc = run_policy(g);
		rc = prc == MS_ERR ? MS_ERR : prc == MS_FAIL ? MS_FAIL : rc;
	}
	g->verified = rc == MS_OK;
	if (rc != MS_ERR)
		note_in_registry(g);
	return rc;
}

void ms_gate_free(struct ms_gate *g)
{
	ms_verify_result_free(&g->res);
	ms_policy_report_free(&g->report);
	for (size_t i = 0; i < g->n_own_keys; i++)
		ms_pubkey_free(g->own_keys[i]);
	free(g->own_keys);
	free(g->cands);
	ms_x509_roots_free(g->cas);
	for (size_t i = 0; g->roots && i < g->n_signers; i++)
		ms_trusted_root_free(&g->roots[i]);
	free(g->roots);
	free(g->signers);
	ms_trust_free(&g->trust);
	ms_policy_free(g->policy);
	ms_registry_close(g->reg);
}

/* ---- the verdict ---- */

static void add_string_or_null(cJSON *o, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

/* model_signing 0.2.0's formats, accepted only as a fallback: say so. */
static const char *legacy_format(const struct ms_verify_result *res)
{
	if (!res->signer || (!res->legacy_signature && !res->signed_manifest.legacy))
		return NULL;
	return res->legacy_signature
	           ? "model_signing 0.2.0: Digests/v0.1 statement, pre-standard DSSE signature"
	           : "model_signing 0.2.0: Digests/v0.1 statement";
}

/* Who signed beyond the key id: the certificate, or that one was ignored. */
static void add_signer_json(cJSON *j, const struct ms_verify_result *res)
{
	if (res->signer && res->has_cert) {
		const struct ms_x509_signer *c = &res->cert;
		cJSON *o = cJSON_AddObjectToObject(j, "certificate");
		cJSON_AddStringToObject(o, "subject", c->subject);
		cJSON_AddStringToObject(o, "root", c->root);
		add_string_or_null(o, "identity", c->identity[0] ? c->identity : NULL);
		cJSON_AddStringToObject(o, "checked_at", c->time);
		cJSON_AddStringToObject(o, "time_source", c->time_source);
	} else {
		cJSON_AddNullToObject(j, "certificate");
	}
	cJSON_AddBoolToObject(j, "certificate_ignored", res->signer && res->certificate_ignored);
	add_string_or_null(j, "legacy_format", legacy_format(res));
}

cJSON *ms_gate_to_json(const struct ms_gate *g)
{
	const struct ms_verify_result *res = &g->res;
	cJSON *j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "verified", g->verified);
	cJSON_AddStringToObject(j, "model", g->req.model);
	add_string_or_null(j, "signature", res->signature);
	char hex[2 * MS_ROOT_LEN + 1];
	char *digest = NULL;
	if (res->signer || res->identity) {
		ms_hex_encode(res->signed_manifest.root, MS_ROOT_LEN, hex);
		digest = ms_asprintf("sha256:%s", hex);
	}
	add_string_or_null(j, "digest", digest);
	cJSON_AddItemToObject(j, "signer", signer_json(res));
	free(digest);
	add_signer_json(j, res);
	cJSON *problems = cJSON_AddArrayToObject(j, "problems");
	for (size_t i = 0; i < res->problems.n; i++) {
		const struct ms_problem *p = &res->problems.v[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", p->path);
		cJSON_AddStringToObject(o, "problem", p->kind);
		add_string_or_null(o, "detail", p->detail);
		cJSON_AddItemToArray(problems, o);
	}
	if (g->has_policy) {
		cJSON *rules = cJSON_AddArrayToObject(j, "policy");
		for (size_t i = 0; i < g->report.n; i++) {
			const struct ms_policy_rule *r = &g->report.v[i];
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "rule", r->rule);
			cJSON_AddBoolToObject(o, "ok", r->ok);
			add_string_or_null(o, "detail", r->detail);
			cJSON_AddItemToArray(rules, o);
		}
	} else {
		cJSON_AddNullToObject(j, "policy");
	}
	return j;
}

/* "KEYID", or "IDENTITY (issuer URL) at TIME (SOURCE)" for a keyless
 * signature. */
static void print_signer(const struct ms_verify_result *res)
{
	char when[32];
	if (res->signer)
		printf("%s", ms_pubkey_id(res->signer));
	else
		printf("%s (issuer %s) at %s (%s)", ms_esc(res->identity), ms_esc(res->issuer),
		       ms_time_format(res->signed_time, when, sizeof when), res->time_source);
}

/* The certificate behind the key, after "signed by KEYID". Its names are
 * printable ASCII already (x509.h). */
static void print_signer_text(const struct ms_verify_result *res)
{
	const struct ms_x509_signer *c = &res->cert;
	if (res->has_cert) {
		printf(" (certificate '%s'", c->subject);
		if (c->identity[0])
			printf(" for %s", c->identity);
		printf(", chained to '%s' at %s, %s)", c->root, c->time, c->time_source);
	}
	if (res->certificate_ignored)
		printf(" (the bundle's certificate was IGNORED: --ignore-certificate)");
	if (legacy_format(res))
		printf("; legacy format: %s", legacy_format(res));
}

/* " (name@version)" when the registry knows the model by a name. */
static void print_model_name(const struct ms_gate *g, const char *hex)
{
	struct ms_model_info m = {0};
	char label[256];
	if (!g->reg || ms_registry_get_model(g->reg, hex, 0, &m) != 0)
		return;
	if (m.name)
		printf(" (%s)", ms_esc(ms_model_label(m.name, m.version, label, sizeof label)));
	ms_model_info_free(&m);
}

/* " (LABEL)" when the trust store names the signing key. */
static void print_signer_label(const struct ms_gate *g)
{
	const struct ms_trust_key *k =
	    g->res.signer ? ms_trust_find_key(&g->trust, ms_pubkey_id(g->res.signer)) : NULL;
	if (k && k->label)
		printf(" (%s)", ms_esc(k->label));
}

/* One line on success; on failure every problem and every rule on stdout
 * and a summary on stderr. */
static void print_text(const struct ms_gate *g)
{
	const struct ms_verify_result *res = &g->res;
	if (g->verified) {
		char hex[2 * MS_ROOT_LEN + 1];
		ms_hex_encode(res->signed_manifest.root, MS_ROOT_LEN, hex);
		printf("verified sha256:%s", hex);
		print_model_name(g, hex);
		printf(" signed by ");
		print_signer(res);
		print_signer_label(g);
		print_signer_text(res);
		if (g->has_policy)
			printf("; policy: %zu rule%s pass", g->report.n,
			       g->report.n == 1 ? "" : "s");
		putchar('\n');
		return;
	}
	for (size_t i = 0; i < res->problems.n; i++) {
		const struct ms_problem *p = &res->problems.v[i];
		printf("%s: %s%s%s%s\n", p->kind, ms_esc(p->path), p->detail ? " (" : "",
		       p->detail ? ms_esc_message(p->detail) : "", p->detail ? ")" : "");
	}
	if (res->problems.n == 1 && strcmp(res->problems.v[0].kind, "untrusted") == 0) {
		fflush(stdout);
		ms_error("%s", res->problems.v[0].detail);
		return;
	}
	size_t failed = 0;
	for (size_t i = 0; i < g->report.n; i++) {
		const struct ms_policy_rule *r = &g->report.v[i];
		failed += !r->ok;
		printf("policy %s: %s: %s\n", r->ok ? "ok" : "FAILED", r->rule,
		       r->detail ? ms_esc_message(r->detail) : "");
	}
	fflush(stdout); /* the details before the summary, also in one merged log */
	if (res->problems.n && failed)
		ms_error("verification FAILED: %zu problem%s, %zu policy rule%s failed; do not "
		         "deploy this model",
		         res->problems.n, res->problems.n == 1 ? "" : "s", failed,
		         failed == 1 ? "" : "s");
	else if (failed)
		ms_error("policy FAILED: %zu rule%s failed; do not deploy this model", failed,
		         failed == 1 ? "" : "s");
	else
		ms_error("verification FAILED: %zu problem%s; do not deploy this model",
		         res->problems.n, res->problems.n == 1 ? "" : "s");
}

void ms_gate_print(const struct ms_gate *g)
{
	if (ms_global.json) {
		cJSON *j = ms_gate_to_json(g);
		char *text = ms_json_print(j);
		fputs(text, stdout);
		free(text);
		cJSON_Delete(j);
	} else
		print_text(g);
}
