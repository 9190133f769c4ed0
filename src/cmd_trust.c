/* modelseal trust: the registry's trusted public keys, and the trust file
 * that carries them (with revocations) to hosts without the registry. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/checkpoint.h"
#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/json.h"
#include "modelseal/registry_trust.h"
#include "modelseal/util.h"

const char cmd_trust_usage[] =
    "usage: modelseal trust add PUB [--label L] | list | remove KEYID|LABEL | export [-o FILE] | "
    "import FILE\n"
    "\n"
    "Manages the public keys that verify trusts when no --key is given. Every\n"
    "change is an event in the registry's chained log.\n"
    "\n"
    "  add PUB [--label L]   trust the public key in PUB (Ed25519 or ECDSA PEM)\n"
    "  list                  the trusted keys, with revocations\n"
    "  remove KEYID|LABEL    stop trusting a key\n"
    "  export [-o FILE]      trusted keys and revocations as one JSON file, with\n"
    "                        the newest checkpoint when it signs exactly them\n"
    "  import FILE           merge such a file into this registry; refuses (exit 1)\n"
    "                        a file older than one imported before (checkpoint)\n"
    "\n"
    "Options:\n"
    "  -l, --label L         a short name for the key (add)\n"
    "  -o, --output FILE     write the export to FILE instead of stdout\n";

#define LABEL_MAX 100

struct trust_args {
	const char *label, *output;
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

/* A label names one key: refuse one that another key already has. */
static int label_taken(const struct ms_trust *t, const char *label, const char *keyid)
{
	for (size_t i = 0; i < t->n_keys; i++)
		if (t->keys[i].label && strcmp(t->keys[i].label, label) == 0 &&
		    strcmp(ms_pubkey_id(t->keys[i].key), keyid) != 0) {
			ms_error("label '%s' already names key %s", label,
			         ms_pubkey_id(t->keys[i].key));
			return 1;
		}
	return 0;
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

static int trust_add(const struct trust_args *a)
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
	if ((!a->label || !label_taken(&t, a->label, id)) &&
	    ms_registry_trust_add(reg, id, ms_pubkey_pem(k), a->label) == 0) {
		rc = MS_OK;
		const struct ms_revocation *r = ms_trust_revocation(&t, "key", id);
		if (r)
			ms_warn("key %s is revoked (%s): signatures by it still fail", id,
			        r->reason);
		if (ms_global.json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "trusted", id);
			cJSON_AddStringToObject(o, "algorithm", ms_key_alg_name(ms_pubkey_alg(k)));
			if (a->label)
				cJSON_AddStringToObject(o, "label", a->label);
			else
				cJSON_AddNullToObject(o, "label");
			char *text = ms_json_print(o);
			fputs(text, stdout);
			free(text);
			cJSON_Delete(o);
		} else {
			printf("trusted %s%s%s%s\n", id, a->label ? " (" : "",
			       a->label ? ms_esc(a->label) : "", a->label ? ")" : "");
		}
	}
	ms_trust_free(&t);
	ms_registry_close(reg);
	ms_pubkey_free(k);
	return rc;
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

static void print_list(const struct ms_trust *t)
{
	if (ms_global.json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON *keys = cJSON_AddArrayToObject(doc, "keys");
		for (size_t i = 0; i < t->n_keys; i++) {
			const struct ms_trust_key *k = &t->keys[i];
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "keyid", ms_pubkey_id(k->key));
			cJSON_AddStringToObject(o, "algorithm",
			                        ms_key_alg_name(ms_pubkey_alg(k->key)));
			if (k->label)
				cJSON_AddStringToObject(o, "label", k->label);
			else
				cJSON_AddNullToObject(o, "label");
			cJSON_AddItemToObject(
			    o, "revoked",
			    revocation_json(ms_trust_revocation(t, "key", ms_pubkey_id(k->key))));
			cJSON_AddItemToArray(keys, o);
		}
		char *text = ms_json_print(doc);
		fputs(text, stdout);
		free(text);
		cJSON_Delete(doc);
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
	if (t->n_keys == 0)
		ms_note("no trusted keys (add one with 'modelseal trust add PUB')");
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

static int trust_remove(const struct trust_args *a)
{
	struct ms_registry *reg;
	struct removed r = {a->n_ops == 1 ? a->ops[0] : NULL, NULL};
	if (a->n_ops != 1)
		return ms_usage_error("trust remove takes one KEYID or LABEL");
	if (ms_registry_open(NULL, 0, &reg) < 0)
		return MS_ERR;
	int rc = ms_global.json ? ms_registry_trust_list(reg, removed_key, &r) : 0;
	if (rc == 0)
		rc = ms_registry_trust_remove(reg, a->ops[0]);
	ms_registry_close(reg);
	if (rc == 1)
		ms_error("no trusted key has the id or label '%s'", a->ops[0]);
	else if (rc == 0 && !ms_global.json)
		printf("removed %s\n", a->ops[0]);
	else if (rc == 0 && r.doc) {
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
static void print_counts(const char *verb, const char *file, size_t n_keys, size_t n_revs,
                         int checkpoint)
{
	int export = strcmp(verb, "exported") == 0;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, verb, file);
	cJSON_AddNumberToObject(o, export ? "keys_exported" : "keys_added", (double)n_keys);
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
		print_counts("exported", a->output, t.n_keys, t.n_revs, t.checkpoint != NULL);
	else if (rc == MS_OK && a->output)
		ms_note("exported %zu key%s and %zu revocation%s to %s", t.n_keys,
		        t.n_keys == 1 ? "" : "s", t.n_revs, t.n_revs == 1 ? "" : "s", a->output);
	free(text);
	ms_trust_free(&t);
	return rc;
}

/* Every check first (the file, labels), then the changes. */
static int import_into(struct ms_registry *reg, const struct ms_trust *have,
                       const struct ms_trust *in, size_t *n_keys, size_t *n_revs)
{
	for (size_t i = 0; i < in->n_keys; i++)
		if (in->keys[i].label &&
		    label_taken(have, in->keys[i].label, ms_pubkey_id(in->keys[i].key)))
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
	size_t n_keys = 0, n_revs = 0;
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
		rc = import_into(reg, &have, &in, &n_keys, &n_revs) < 0 ||
		             (has_cp && ms_registry_checkpoint_store(reg, &c, in.checkpoint) < 0)
		         ? MS_ERR
		         : MS_OK;
	if (rc == MS_OK && ms_global.json)
		print_counts("imported", a->ops[0], n_keys, n_revs, has_cp);
	else if (rc == MS_OK)
		printf("imported %zu new key%s and %zu new revocation%s from %s\n", n_keys,
		       n_keys == 1 ? "" : "s", n_revs, n_revs == 1 ? "" : "s", a->ops[0]);
	ms_trust_free(&in);
	ms_trust_free(&have);
	ms_registry_close(reg);
	return rc;
}

const struct option cmd_trust_options[] = {
    {"label", required_argument, NULL, 'l'},
    {"output", required_argument, NULL, 'o'},
    {NULL, 0, NULL, 0},
};

static int parse_args(int argc, char **argv, struct trust_args *a)
{
	int c;
	while ((c = ms_getopt(argc, argv, "l:o:", cmd_trust_options)) != -1) {
		if (c == 'l')
			a->label = optarg;
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
	return MS_OK;
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
