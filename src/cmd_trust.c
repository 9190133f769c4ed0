/* modelseal trust: the registry's trusted public keys, and the trust file
 * that carries them (with revocations) to hosts without the registry. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "modelseal/checkpoint.h"
#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/json.h"
#include "modelseal/registry_trust.h"
#include "modelseal/sigstore.h"
#include "modelseal/util.h"

const char cmd_trust_usage[] =
    "usage: modelseal trust add PUB [--label L] | list | remove KEYID|LABEL|PUB | export [-o FILE] | "
    "import FILE\n"
    "       modelseal trust add --ca PEM [--label L]\n"
    "       modelseal trust add --identity ID --issuer URL [--trusted-root FILE] [--label L]\n"
    "       modelseal trust remove --identity ID --issuer URL\n"
    "\n"
    "Manages the public keys, root certificates and Sigstore keyless identities\n"
    "that verify trusts when no --key, --ca or --identity is given. Every\n"
    "change is an event in the registry's chained log.\n"
    "\n"
    "  add PUB [--label L]   trust the public key in PUB (Ed25519 or ECDSA PEM)\n"
    "  add --ca PEM          trust the root certificate in PEM for certificate bundles\n"
    "  add --identity ID --issuer URL [--trusted-root FILE]\n"
    "                        trust keyless bundles whose certificate is for ID at\n"
    "                        the OIDC issuer URL, checked against FILE (a\n"
    "                        trusted_root.json; else verify --trusted-root)\n"
    "  list                  the trusted keys, CAs and identities, with revocations\n"
    "  remove KEYID|LABEL    stop trusting a key, CA or identity (by its id or label)\n"
    "  remove --identity ID --issuer URL\n"
    "                        stop trusting a keyless identity\n"
    "  export [-o FILE]      trusted keys and revocations as one JSON file, with\n"
    "                        the newest checkpoint when it signs exactly them\n"
    "  import FILE           merge such a file into this registry; refuses (exit 1)\n"
    "                        a file older than one imported before (checkpoint)\n"
    "\n"
    "Options:\n"
    "  -l, --label L         a short name for the key, CA or identity (add)\n"
    "  --ca PEM              a root certificate (add)\n"
    "  --identity ID         a keyless signer's SAN: email, URI or DNS name (add, remove)\n"
    "  --issuer URL          ... and its OIDC issuer, exactly (add, remove)\n"
    "  --trusted-root FILE   the Sigstore trusted_root.json for the identity (add)\n"
    "  -o, --output FILE     write the export to FILE instead of stdout\n";

#define LABEL_MAX 100

struct trust_args {
	const char *label, *output;
	const char *ca, *identity, *issuer, *trusted_root;
	const char *sub;
	char **ops; /* operands after the subcommand */
	int n_ops;
};

static int check_label(const char *l)
{
	size_t n = strlen(l);
	if (n == 0 || n > LABEL_MAX)
		return ms_usage_error("--label must be 1 to %d bytes", LABEL_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)l[i] < 0x20 || l[i] == 0x7f)
			return ms_usage_error("--label must not hold control characters");
	if (ms_is_hex64(l))
		return ms_usage_error("--label must not look like a key id");
	return MS_OK;
}

/* A label names one key, CA or identity: refuse one that another already
 * has (owner: the id of the one being labelled). */
static int label_taken(const struct ms_trust *t, const char *label, const char *owner)
{
	const char *other = NULL, *kind = "key";
	for (size_t i = 0; !other && i < t->n_keys; i++)
		if (t->keys[i].label && strcmp(t->keys[i].label, label) == 0)
			other = ms_pubkey_id(t->keys[i].key);
	for (size_t i = 0; !other && i < t->n_cas; i++)
		if (t->cas[i].label && strcmp(t->cas[i].label, label) == 0) {
			other = t->cas[i].id;
			kind = "CA";
		}
	for (size_t i = 0; !other && i < t->n_ids; i++)
		if (t->ids[i].label && strcmp(t->ids[i].label, label) == 0) {
			other = t->ids[i].id;
			kind = "identity";
		}
	if (!other || strcmp(other, owner) == 0)
		return 0;
	ms_error("label '%s' already names %s %s", label, kind, other);
	return 1;
}

/* Prints a --json document and frees it. */
static void print_doc(cJSON *doc)
{
	char *text = ms_json_print(doc);
	fputs(text, stdout);
	free(text);
	cJSON_Delete(doc);
}

static int open_store(unsigned flags, struct ms_registry **reg, struct ms_trust *t)
{
	if (ms_registry_open(NULL, flags, reg) < 0)
		return -1;
	if (ms_registry_trust_load(*reg, t) < 0) {
		ms_registry_close(*reg);
		return -1;
	}
	return 0;
}

static int trust_add_key(const struct trust_args *a)
{
	struct ms_pubkey *k;
	struct ms_registry *reg;
	struct ms_trust t;
	if (a->n_ops != 1)
		return ms_usage_error("trust add takes one PUB file");
	if (a->label && check_label(a->label) != MS_OK)
		return MS_ERR;
	if (ms_pubkey_load(a->ops[0], &k) < 0)
		return MS_ERR;
	int rc = MS_ERR;
	const char *id = ms_pubkey_id(k);
	if (open_store(MS_REG_CREATE, &reg, &t) < 0) {
		ms_pubkey_free(k);
		return MS_ERR;
	}
	/* Adding a trusted key again without --label keeps its label. */
	const struct ms_trust_key *known = ms_trust_find_key(&t, id);
	const char *label = a->label ? a->label : known ? known->label : NULL;
	if ((!a->label || !label_taken(&t, a->label, id)) &&
	    ms_registry_trust_add(reg, id, ms_pubkey_pem(k), label) == 0) {
		rc = MS_OK;
		const struct ms_revocation *r = ms_trust_revocation(&t, "key", id);
		if (r)
			ms_warn("key %s is revoked (%s): signatures by it still fail", id,
			        r->reason);
		if (ms_global.json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "trusted", id);
			cJSON_AddStringToObject(o, "algorithm", ms_key_alg_name(ms_pubkey_alg(k)));
			ms_trust_json_label(o, label);
			print_doc(o);
		} else {
			printf("trusted %s%s%s%s\n", id, label ? " (" : "", label ? ms_esc(label) : "",
			       label ? ")" : "");
		}
	}
	ms_trust_free(&t);
	ms_registry_close(reg);
	ms_pubkey_free(k);
	return rc;
}

/* "trusted ID (LABEL): WHAT", or its --json document. */
static void print_added(const char *kind, const char *id, const char *what, const char *label)
{
	if (ms_global.json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "trusted", id);
		cJSON_AddStringToObject(o, "kind", kind);
		cJSON_AddStringToObject(o, "name", what);
		ms_trust_json_label(o, label);
		print_doc(o);
	} else {
		printf("trusted %s %s%s%s%s: %s\n", kind, id, label ? " (" : "",
		       label ? ms_esc(label) : "", label ? ")" : "", ms_esc(what));
	}
}

static int trust_add_ca(const struct trust_args *a)
{
	struct ms_trust_ca ca = {.label = (char *)a->label};
	struct ms_registry *reg;
	struct ms_trust t;
	char *text;
	size_t len;
	if (a->n_ops)
		return ms_usage_error("trust add --ca takes no PUB file");
	if (ms_read_file(a->ca, 1 << 20, "CA certificate", &text, &len) < 0)
		return MS_ERR;
	char *what = ms_asprintf("CA certificate '%s'", a->ca);
	int rc = ms_ca_parse(text, len, what, ca.id, &ca.subject, &ca.pem) < 0 ? MS_ERR : MS_OK;
	free(what);
	free(text);
	if (rc != MS_OK)
		return MS_ERR;
	rc = MS_ERR;
	if (open_store(MS_REG_CREATE, &reg, &t) == 0) {
		if ((!a->label || !label_taken(&t, a->label, ca.id)) &&
		    ms_registry_trust_add_ca(reg, &ca) == 0) {
			print_added("ca", ca.id, ca.subject, a->label);
			rc = MS_OK;
		}
		ms_trust_free(&t);
		ms_registry_close(reg);
	}
	free(ca.subject);
	free(ca.pem);
	return rc;
}

static int trust_add_identity(const struct trust_args *a)
{
	struct ms_trust_identity id = {.identity = (char *)a->identity,
	                               .issuer = (char *)a->issuer,
	                               .label = (char *)a->label};
	struct ms_trusted_root tr;
	struct ms_registry *reg;
	struct ms_trust t;
	size_t len;
	if (a->n_ops)
		return ms_usage_error("trust add --identity takes no PUB file");
	if (ms_identity_check(a->identity, a->issuer, "trust add") < 0)
		return MS_ERR;
	ms_identity_id(a->identity, a->issuer, id.id);
	/* Read as verify will read it, so that a bad root fails now. */
	if (a->trusted_root && (ms_read_file(a->trusted_root, MS_TRUSTED_ROOT_MAX, "trusted root",
	                                     &id.trusted_root, &len) < 0 ||
	                        ms_trusted_root_load(a->trusted_root, &tr) < 0)) {
		free(id.trusted_root);
		return MS_ERR;
	}
	if (a->trusted_root)
		ms_trusted_root_free(&tr);
	int rc = MS_ERR;
	if (open_store(MS_REG_CREATE, &reg, &t) == 0) {
		const struct ms_revocation *r = ms_trust_revocation(&t, "identity", id.id);
		if ((!a->label || !label_taken(&t, a->label, id.id)) &&
		    ms_registry_trust_add_identity(reg, &id) == 0) {
			char *name = ms_asprintf("%s (issuer %s)%s", a->identity, a->issuer,
			                         a->trusted_root ? ", with its trusted root" : "");
			print_added("identity", id.id, name, a->label);
			free(name);
			if (r)
				ms_warn("identity %s is revoked (%s): its signatures still fail",
				        a->identity, r->reason);
			if (!a->trusted_root)
				ms_note(
				    "verify needs --trusted-root FILE for its bundles (or add it "
				    "again with --trusted-root)");
			rc = MS_OK;
		}
		ms_trust_free(&t);
		ms_registry_close(reg);
	}
	free(id.trusted_root);
	return rc;
}

static int trust_add(const struct trust_args *a)
{
	if (a->ca && a->identity)
		return ms_usage_error("trust add takes --ca or --identity, not both");
	if (a->ca)
		return trust_add_ca(a);
	if (a->identity)
		return trust_add_identity(a);
	return trust_add_key(a);
}

static cJSON *revocation_json(const struct ms_revocation *r)
{
	char when[32];
	if (!r)
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "reason", r->reason);
	cJSON_AddStringToObject(o, "time", ms_time_format(r->time, when, sizeof when));
	return o;
}

static void list_json(const struct ms_trust *t)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *keys = cJSON_AddArrayToObject(doc, "keys");
	for (size_t i = 0; i < t->n_keys; i++) {
		const struct ms_trust_key *k = &t->keys[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "keyid", ms_pubkey_id(k->key));
		cJSON_AddStringToObject(o, "algorithm", ms_key_alg_name(ms_pubkey_alg(k->key)));
		ms_trust_json_label(o, k->label);
		cJSON_AddItemToObject(
		    o, "revoked",
		    revocation_json(ms_trust_revocation(t, "key", ms_pubkey_id(k->key))));
		cJSON_AddItemToArray(keys, o);
	}
	cJSON *cas = cJSON_AddArrayToObject(doc, "cas");
	for (size_t i = 0; i < t->n_cas; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", t->cas[i].id);
		cJSON_AddStringToObject(o, "subject", t->cas[i].subject);
		ms_trust_json_label(o, t->cas[i].label);
		cJSON_AddItemToArray(cas, o);
	}
	cJSON *ids = cJSON_AddArrayToObject(doc, "identities");
	for (size_t i = 0; i < t->n_ids; i++) {
		const struct ms_trust_identity *id = &t->ids[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", id->id);
		cJSON_AddStringToObject(o, "identity", id->identity);
		cJSON_AddStringToObject(o, "issuer", id->issuer);
		cJSON_AddBoolToObject(o, "trusted_root", id->trusted_root != NULL);
		ms_trust_json_label(o, id->label);
		cJSON_AddItemToObject(o, "revoked",
		                      revocation_json(ms_trust_revocation(t, "identity", id->id)));
		cJSON_AddItemToArray(ids, o);
	}
	print_doc(doc);
}

static void print_list(const struct ms_trust *t)
{
	if (ms_global.json) {
		list_json(t);
		return;
	}
	for (size_t i = 0; i < t->n_keys; i++) {
		const struct ms_trust_key *k = &t->keys[i];
		const char *id = ms_pubkey_id(k->key);
		const struct ms_revocation *r = ms_trust_revocation(t, "key", id);
		printf("%s  %-10s  %s%s%s\n", id, ms_key_alg_name(ms_pubkey_alg(k->key)),
		       k->label ? ms_esc(k->label) : "-", r ? "  REVOKED: " : "",
		       r ? ms_esc(r->reason) : "");
	}
	for (size_t i = 0; i < t->n_cas; i++) {
		const struct ms_trust_ca *c = &t->cas[i];
		printf("%s  %-10s  %s  %s\n", c->id, "ca", c->label ? ms_esc(c->label) : "-",
		       ms_esc(c->subject));
	}
	for (size_t i = 0; i < t->n_ids; i++) {
		const struct ms_trust_identity *id = &t->ids[i];
		const struct ms_revocation *r = ms_trust_revocation(t, "identity", id->id);
		printf("%s  %-10s  %s  ", id->id, "identity", id->label ? ms_esc(id->label) : "-");
		printf("%s (issuer ", ms_esc(id->identity));
		printf("%s)%s%s%s\n", ms_esc(id->issuer),
		       id->trusted_root ? ", with trusted root" : "", r ? "  REVOKED: " : "",
		       r ? ms_esc(r->reason) : "");
	}
	if (t->n_keys + t->n_cas + t->n_ids == 0)
		ms_note("nothing is trusted (add a key with 'modelseal trust add PUB')");
}

static int trust_list(const struct trust_args *a)
{
	struct ms_registry *reg;
	struct ms_trust t = {0};
	if (a->n_ops)
		return ms_usage_error("trust list takes no operands");
	int have = ms_registry_open_if_exists(&reg);
	if (have < 0 || (have && ms_registry_trust_load(reg, &t) < 0)) {
		ms_registry_close(reg);
		return MS_ERR;
	}
	print_list(&t);
	ms_trust_free(&t);
	ms_registry_close(reg);
	return MS_OK;
}

/* --json of remove names the key, as add does: {"removed": KEYID, "label"}.
 * The raw rows are read, not parsed keys: a key that no longer parses can
 * still be removed. */
struct removed {
	const char *op; /* KEYID or LABEL as given */
	cJSON *doc;
};

static int removed_key(const struct ms_trusted_key *k, void *ctx)
{
	struct removed *r = ctx;
	if (strcmp(k->keyid, r->op) != 0 && (!k->label || strcmp(k->label, r->op) != 0))
		return 0;
	r->doc = cJSON_CreateObject();
	cJSON_AddStringToObject(r->doc, "removed", k->keyid);
	if (k->label)
		cJSON_AddStringToObject(r->doc, "label", k->label);
	else
		cJSON_AddNullToObject(r->doc, "label");
	return 1;
}

/* A CA or an identity by its id or label, an identity also by --identity
 * and --issuer: "ca" or "identity" in *what and its id, or NULL. */
static const char *find_anchor(const struct ms_trust *t, const struct trust_args *a,
                               const char **what)
{
	char id[MS_HEX_LEN + 1];
	if (a->identity) {
		ms_identity_id(a->identity, a->issuer, id);
		const struct ms_trust_identity *i = ms_trust_find_identity(t, id);
		*what = "identity";
		return i ? i->id : NULL;
	}
	for (size_t i = 0; i < t->n_cas; i++)
		if (strcmp(t->cas[i].id, a->ops[0]) == 0 ||
		    (t->cas[i].label && strcmp(t->cas[i].label, a->ops[0]) == 0)) {
			*what = "ca";
			return t->cas[i].id;
		}
	for (size_t i = 0; i < t->n_ids; i++)
		if (strcmp(t->ids[i].id, a->ops[0]) == 0 ||
		    (t->ids[i].label && strcmp(t->ids[i].label, a->ops[0]) == 0)) {
			*what = "identity";
			return t->ids[i].id;
		}
	return NULL;
}

static int remove_anchor(const struct trust_args *a)
{
	struct ms_registry *reg;
	struct ms_trust t;
	const char *what = NULL;
	if (open_store(0, &reg, &t) < 0)
		return MS_ERR;
	const char *id = find_anchor(&t, a, &what);
	int rc = id ? ms_registry_trust_remove_anchor(reg, what, id) : 1;
	ms_trust_free(&t);
	ms_registry_close(reg);
	if (rc == 1 && a->identity)
		ms_error("identity %s at %s is not trusted", a->identity, a->issuer);
	else if (rc == 1)
		ms_error("no trusted key has the id or label '%s' (nor any CA or identity)",
		         a->ops[0]);
	return rc;
}

/* trust remove PUB, as revoke takes it: a file that exists is read as a
 * public key and stands for its key id. 0, or -1 after reporting. */
static int key_id_of_file(const char *op, char id[MS_KEYID_HEX + 1])
{
	struct stat st;
	id[0] = '\0';
	if (stat(op, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	struct ms_pubkey *k;
	if (ms_pubkey_load(op, &k) < 0)
		return -1;
	snprintf(id, MS_KEYID_HEX + 1, "%s", ms_pubkey_id(k));
	ms_pubkey_free(k);
	return 0;
}

static int trust_remove(const struct trust_args *given)
{
	struct ms_registry *reg;
	struct trust_args copy = *given, *a = &copy;
	char id[MS_KEYID_HEX + 1];
	const char *op = NULL;
	if (a->identity ? a->n_ops != 0 : a->n_ops != 1)
		return ms_usage_error("trust remove takes one KEYID, LABEL or PUB file, or "
		                      "--identity and --issuer");
	if (!a->identity && key_id_of_file(a->ops[0], id) < 0)
		return MS_ERR;
	if (!a->identity && id[0]) {
		op = id;
		a->ops = (char **)&op;
	}
	struct removed r = {a->identity ? NULL : a->ops[0], NULL};
	if (ms_registry_open(NULL, 0, &reg) < 0)
		return MS_ERR;
	int rc = a->identity ? 1
	         : ms_global.json ? ms_registry_trust_list(reg, removed_key, &r)
	                          : 0;
	if (rc == 0)
		rc = ms_registry_trust_remove(reg, a->ops[0]);
	ms_registry_close(reg);
	if (rc == 1)
		rc = remove_anchor(a);
	const char *name = a->identity ? a->identity : a->ops[0];
	if (rc == 0 && !ms_global.json) {
		printf("removed %s\n", ms_esc(name));
	} else if (rc == 0) {
		if (!r.doc) { /* a CA or an identity */
			r.doc = cJSON_CreateObject();
			cJSON_AddStringToObject(r.doc, "removed", name);
			cJSON_AddNullToObject(r.doc, "label");
		}
		char *text = ms_json_print(r.doc);
		fputs(text, stdout);
		free(text);
	}
	cJSON_Delete(r.doc);
	return rc == 0 ? MS_OK : MS_ERR;
}

/* The newest checkpoint goes along when it signs exactly this trust state,
 * so that a deploy host can refuse an older file (trust import). */
static int add_checkpoint(struct ms_registry *reg, struct ms_trust *t)
{
	struct ms_checkpoint c, now;
	char *bundle = NULL, digest[MS_HEX_LEN + 1];
	int rc = ms_registry_checkpoint_newest(reg, NULL, &c, &bundle);
	if (rc <= 0)
		return rc;
	if (ms_checkpoint_peek(bundle, "stored checkpoint", &now) < 0) {
		free(bundle);
		return -1;
	}
	ms_trust_digest(t, digest);
	if (strcmp(digest, now.trust_sha256) == 0) {
		t->checkpoint = bundle;
		return 0;
	}
	ms_warn("trust changed since the newest checkpoint (%llu events): exported without one; "
	        "run 'modelseal checkpoint' first so that deploy hosts can refuse older files",
	        (unsigned long long)now.size);
	free(bundle);
	return 0;
}

/* --json of export -o and import: {"exported"|"imported": FILE, "keys_...",
 * "revocations_...", "checkpoint": whether one went along}. */
static void print_counts(const char *verb, const char *file, size_t n_keys, size_t n_anchors,
                         size_t n_revs, int checkpoint)
{
	int export = strcmp(verb, "exported") == 0;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, verb, file);
	cJSON_AddNumberToObject(o, export ? "keys_exported" : "keys_added", (double)n_keys);
	cJSON_AddNumberToObject(o, export ? "cas_and_identities_exported" : "cas_and_identities_added",
	                        (double)n_anchors);
	cJSON_AddNumberToObject(o, export ? "revocations_exported" : "revocations_added",
	                        (double)n_revs);
	cJSON_AddBoolToObject(o, "checkpoint", checkpoint);
	char *text = ms_json_print(o);
	fputs(text, stdout);
	free(text);
	cJSON_Delete(o);
}

static int trust_export(const struct trust_args *a)
{
	struct ms_registry *reg;
	struct ms_trust t = {0};
	if (a->n_ops)
		return ms_usage_error("trust export takes no operands (use -o FILE)");
	int have = ms_registry_open_if_exists(&reg);
	if (have < 0 || (have && ms_registry_trust_load(reg, &t) < 0)) {
		ms_registry_close(reg);
		return MS_ERR;
	}
	if (have && add_checkpoint(reg, &t) < 0) {
		ms_registry_close(reg);
		ms_trust_free(&t);
		return MS_ERR;
	}
	ms_registry_close(reg);
	char *text = ms_trust_to_json(&t);
	int rc = MS_OK;
	if (a->output)
		rc = ms_write_atomic(a->output, text, strlen(text), 0644) < 0 ? MS_ERR : MS_OK;
	else
		fputs(text, stdout);
	if (rc == MS_OK && a->output && ms_global.json)
		print_counts("exported", a->output, t.n_keys, t.n_cas + t.n_ids, t.n_revs,
		             t.checkpoint != NULL);
	else if (rc == MS_OK && a->output)
		ms_note("exported %zu key%s, %zu CA%s, %zu identit%s and %zu revocation%s to %s",
		        t.n_keys, t.n_keys == 1 ? "" : "s", t.n_cas, t.n_cas == 1 ? "" : "s",
		        t.n_ids, t.n_ids == 1 ? "y" : "ies", t.n_revs, t.n_revs == 1 ? "" : "s",
		        a->output);
	free(text);
	ms_trust_free(&t);
	return rc;
}

static int labels_free(const struct ms_trust *have, const struct ms_trust *in)
{
	for (size_t i = 0; i < in->n_keys; i++)
		if (in->keys[i].label &&
		    label_taken(have, in->keys[i].label, ms_pubkey_id(in->keys[i].key)))
			return -1;
	for (size_t i = 0; i < in->n_cas; i++)
		if (in->cas[i].label && label_taken(have, in->cas[i].label, in->cas[i].id))
			return -1;
	for (size_t i = 0; i < in->n_ids; i++)
		if (in->ids[i].label && label_taken(have, in->ids[i].label, in->ids[i].id))
			return -1;
	return 0;
}

static int str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* New CAs and identities, and new labels or trusted roots of known ones; a
 * label or root the file leaves out keeps the one here. */
static int import_anchors(struct ms_registry *reg, const struct ms_trust *have,
                          const struct ms_trust *in, size_t *n)
{
	for (size_t i = 0; i < in->n_cas; i++) {
		struct ms_trust_ca c = in->cas[i];
		const struct ms_trust_ca *old = ms_trust_find_ca(have, c.id);
		if (old && (!c.label || str_same(old->label, c.label)))
			continue;
		if (old && !c.label)
			c.label = old->label;
		if (ms_registry_trust_add_ca(reg, &c) < 0)
			return -1;
		(*n)++;
	}
	for (size_t i = 0; i < in->n_ids; i++) {
		struct ms_trust_identity d = in->ids[i];
		const struct ms_trust_identity *old = ms_trust_find_identity(have, d.id);
		if (old && (!d.label || str_same(old->label, d.label)) &&
		    (!d.trusted_root || str_same(old->trusted_root, d.trusted_root)))
			continue;
		if (old && !d.label)
			d.label = old->label;
		if (old && !d.trusted_root)
			d.trusted_root = old->trusted_root;
		if (ms_registry_trust_add_identity(reg, &d) < 0)
			return -1;
		(*n)++;
	}
	return 0;
}

/* Every check first (the file, labels), then the changes. */
static int import_into(struct ms_registry *reg, const struct ms_trust *have,
                       const struct ms_trust *in, size_t *n_keys, size_t *n_anchors, size_t *n_revs)
{
	if (labels_free(have, in) < 0)
		return -1;
	for (size_t i = 0; i < in->n_keys; i++) {
		const struct ms_trust_key *k = &in->keys[i];
		const struct ms_trust_key *old = ms_trust_find_key(have, ms_pubkey_id(k->key));
		if (old && (!k->label || (old->label && strcmp(old->label, k->label) == 0)))
			continue; /* nothing new: no event either */
		if (ms_registry_trust_add(reg, ms_pubkey_id(k->key), ms_pubkey_pem(k->key),
		                          k->label ? k->label
		                          : old    ? old->label
		                                   : NULL) < 0)
			return -1;
		(*n_keys)++;
	}
	if (import_anchors(reg, have, in, n_anchors) < 0)
		return -1;
	for (size_t i = 0; i < in->n_revs; i++) {
		int rc = ms_registry_import_revocation(reg, &in->revs[i]);
		if (rc < 0)
			return -1;
		*n_revs += (size_t)rc;
	}
	return 0;
}

static int trust_import(const struct trust_args *a)
{
	struct ms_registry *reg;
	struct ms_trust in, have;
	size_t n_keys = 0, n_anchors = 0, n_revs = 0;
	if (a->n_ops != 1)
		return ms_usage_error("trust import takes one FILE");
	if (ms_trust_load_file(a->ops[0], &in) < 0)
		return MS_ERR;
	if (open_store(MS_REG_CREATE, &reg, &have) < 0) {
		ms_trust_free(&in);
		return MS_ERR;
	}
	struct ms_checkpoint c;
	int has_cp = 0;
	int rc = ms_registry_check_trust_file(reg, &have, &in, &c, &has_cp);
	if (rc == MS_OK)
		rc = import_into(reg, &have, &in, &n_keys, &n_anchors, &n_revs) < 0 ||
		             (has_cp && ms_registry_checkpoint_store(reg, &c, in.checkpoint) < 0)
		         ? MS_ERR
		         : MS_OK;
	if (rc == MS_OK && ms_global.json)
		print_counts("imported", a->ops[0], n_keys, n_anchors, n_revs, has_cp);
	else if (rc == MS_OK && n_anchors)
		printf("imported %zu new key%s, %zu new CA%s or identit%s and %zu new "
		       "revocation%s from %s\n",
		       n_keys, n_keys == 1 ? "" : "s", n_anchors, n_anchors == 1 ? "" : "s",
		       n_anchors == 1 ? "y" : "ies", n_revs, n_revs == 1 ? "" : "s", a->ops[0]);
	else if (rc == MS_OK)
		printf("imported %zu new key%s and %zu new revocation%s from %s\n", n_keys,
		       n_keys == 1 ? "" : "s", n_revs, n_revs == 1 ? "" : "s", a->ops[0]);
	ms_trust_free(&in);
	ms_trust_free(&have);
	ms_registry_close(reg);
	return rc;
}

enum { OPT_CA = 0x300, OPT_IDENTITY, OPT_ISSUER, OPT_TRUSTED_ROOT };

const struct option cmd_trust_options[] = {
    {"label", required_argument, NULL, 'l'},
    {"output", required_argument, NULL, 'o'},
    {"ca", required_argument, NULL, OPT_CA},
    {"identity", required_argument, NULL, OPT_IDENTITY},
    {"issuer", required_argument, NULL, OPT_ISSUER},
    {"trusted-root", required_argument, NULL, OPT_TRUSTED_ROOT},
    {NULL, 0, NULL, 0},
};

/* --ca, --identity, --issuer and --trusted-root: where they go. */
static int check_anchor_options(const struct trust_args *a)
{
	int add = strcmp(a->sub, "add") == 0, remove = strcmp(a->sub, "remove") == 0;
	if (a->ca && !add)
		return ms_usage_error("--ca only goes with 'trust add'");
	if ((a->identity || a->issuer) && !add && !remove)
		return ms_usage_error("--identity and --issuer only go with 'trust add' and "
		                      "'trust remove'");
	if (!a->identity != !a->issuer)
		return ms_usage_error("--identity and --issuer go together: who signs, at which "
		                      "OIDC issuer");
	if (a->trusted_root && !(add && a->identity))
		return ms_usage_error("--trusted-root only goes with 'trust add --identity'");
	return MS_OK;
}

static int parse_args(int argc, char **argv, struct trust_args *a)
{
	int c;
	while ((c = ms_getopt(argc, argv, "l:o:", cmd_trust_options)) != -1) {
		if (c == 'l')
			a->label = optarg;
		else if (c == OPT_CA)
			a->ca = optarg;
		else if (c == OPT_IDENTITY)
			a->identity = optarg;
		else if (c == OPT_ISSUER)
			a->issuer = optarg;
		else if (c == OPT_TRUSTED_ROOT)
			a->trusted_root = optarg;
		else
			a->output = optarg;
	}
	if (optind == argc)
		return ms_usage_error("which one: add, list, remove, export or import?");
	a->sub = argv[optind];
	a->ops = argv + optind + 1;
	a->n_ops = argc - optind - 1;
	if (a->label && strcmp(a->sub, "add") != 0)
		return ms_usage_error("--label only goes with 'trust add'");
	if (a->output && strcmp(a->sub, "export") != 0)
		return ms_usage_error("--output only goes with 'trust export'");
	return check_anchor_options(a);
}

int cmd_trust(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(const struct trust_args *);
	} subs[] = {{"add", trust_add},
	            {"list", trust_list},
	            {"remove", trust_remove},
	            {"export", trust_export},
	            {"import", trust_import}};
	struct trust_args a = {0};
	if (parse_args(argc, argv, &a) != MS_OK)
		return MS_ERR;
	for (size_t i = 0; i < MS_ARRAY_LEN(subs); i++)
		if (strcmp(a.sub, subs[i].name) == 0)
			return subs[i].fn(&a);
	return ms_usage_error("'%s' is not a trust subcommand (add, list, remove, export, import)",
	                      a.sub);
}
