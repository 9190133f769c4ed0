/* modelseal revoke: withdraw trust from a key (every signature by it) or
 * from one model, with a reason that verify shows. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/json.h"
#include "modelseal/pathref.h"
#include "modelseal/registry_trust.h"
#include "modelseal/util.h"

const char cmd_revoke_usage[] =
    "usage: modelseal revoke KEYID|REF --reason TEXT [--yes]\n"
    "       modelseal revoke --identity ID --issuer URL --reason TEXT [--yes]\n"
    "\n"
    "Revokes a key, a Sigstore keyless identity or one model. A revoked key's\n"
    "or identity's signatures no longer verify; a revoked model no longer\n"
    "verifies, whoever signed it. The revocation is\n"
    "an event in the registry's chained log and travels in 'trust export'.\n"
    "It is final: there is no command to undo it. On a terminal, revoke shows\n"
    "what it will revoke and how many recorded models that affects, and asks.\n"
    "\n"
    "  KEYID  a key id (64 hex digits), a trusted key's (or identity's) label,\n"
    "         or a PUB file\n"
    "  REF    sha256:<hex or unique prefix>, NAME@VERSION, or a signed model's\n"
    "         path (the model its files are, once verified)\n"
    "\n"
    "Options:\n"
    "  --identity ID       revoke the keyless signer ID (certificate SAN) ...\n"
    "  --issuer URL        ... at this OIDC issuer, exactly\n"
    "  -r, --reason TEXT   why (required; shown whenever verification fails)\n"
    "  -y, --yes           do not ask for confirmation (scripts)\n";

struct target {
	const char *kind; /* "key", "model" or "identity" */
	char subject[MS_HEX_LEN + 1];
	const char *identity, *issuer; /* kind "identity" */
};

static int is_pub_file(const char *path)
{
	char *text;
	size_t len;
	struct stat st;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > 65536)
		return 0;
	if (ms_read_file(path, 65536, "key", &text, &len) < 0)
		return 0;
	int yes = strstr(text, "-----BEGIN PUBLIC KEY-----") != NULL;
	free(text);
	return yes;
}

static int key_target(const char *id, struct target *t)
{
	t->kind = "key";
	memcpy(t->subject, id, sizeof t->subject);
	return 0;
}

/* What the operand names. A bare 64-hex string is a key unless a model with
 * that digest is recorded: write sha256:<hex> to mean a model for sure. */
static int resolve(struct ms_registry *reg, const struct ms_trust *trust, const char *arg,
                   struct target *t)
{
	struct ms_model_info m;
	t->kind = "model";
	if (strncmp(arg, "sha256:", 7) == 0 && ms_is_hex64(arg + 7)) {
		memcpy(t->subject, arg + 7, sizeof t->subject);
		return 0;
	}
	if (ms_is_hex64(arg)) {
		int rc = ms_trust_find_key(trust, arg) ? 1 : ms_registry_get_model(reg, arg, 0, &m);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			ms_model_info_free(&m);
			memcpy(t->subject, arg, sizeof t->subject);
			return 0;
		}
		return key_target(arg, t);
	}
	for (size_t i = 0; i < trust->n_keys; i++)
		if (trust->keys[i].label && strcmp(trust->keys[i].label, arg) == 0)
			return key_target(ms_pubkey_id(trust->keys[i].key), t);
	for (size_t i = 0; i < trust->n_ids; i++)
		if (trust->ids[i].label && strcmp(trust->ids[i].label, arg) == 0) {
			t->kind = "identity";
			t->identity = trust->ids[i].identity;
			t->issuer = trust->ids[i].issuer;
			memcpy(t->subject, trust->ids[i].id, sizeof t->subject);
			return 0;
		}
	if (is_pub_file(arg)) {
		struct ms_pubkey *k;
		if (ms_pubkey_load(arg, &k) < 0)
			return -1;
		key_target(ms_pubkey_id(k), t);
		ms_pubkey_free(k);
		return 0;
	}
	/* A path revokes what its files are: the root its signature covers once
	 * that verifies (with any key of the trust store, revoked ones too) and
	 * the files re-hash to it; never the root a signature file merely claims. */
	if (ms_ref_is_path(arg) && !strchr(arg, '@'))
		return ms_pathref_verify(reg, arg, NULL, MS_PATHREF_REVOKED_KEYS, t->subject);
	return ms_registry_resolve_ref(reg, arg, t->subject);
}

static int check_reason(const char *r)
{
	size_t n = r ? strlen(r) : 0;
	if (!r)
		return ms_usage_error("--reason TEXT is required: say why");
	if (n == 0 || n > MS_REASON_MAX)
		return ms_usage_error("--reason must be 1 to %d bytes", MS_REASON_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)r[i] < 0x20 || r[i] == 0x7f)
			return ms_usage_error(
			    "--reason must be one line without control characters");
	return MS_OK;
}

static void report(const struct target *t, const char *reason)
{
	const char *pre = strcmp(t->kind, "model") == 0 ? "sha256:" : "";
	if (!ms_global.json && t->identity) {
		printf("revoked identity %s (issuer ", ms_esc(t->identity));
		printf("%s): %s\n", ms_esc(t->issuer), ms_esc(reason));
		return;
	}
	if (!ms_global.json) {
		printf("revoked %s %s%s: %s\n", t->kind, pre, ms_esc(t->subject), ms_esc(reason));
		return;
	}
	cJSON *o = cJSON_CreateObject();
	char *subject = ms_asprintf("%s%s", pre, t->subject);
	cJSON_AddStringToObject(o, "revoked", t->kind);
	cJSON_AddStringToObject(o, "subject", subject);
	if (t->identity) {
		cJSON_AddStringToObject(o, "identity", t->identity);
		cJSON_AddStringToObject(o, "issuer", t->issuer);
	}
	cJSON_AddStringToObject(o, "reason", reason);
	char *text = ms_json_print(o);
	fputs(text, stdout);
	free(text);
	free(subject);
	cJSON_Delete(o);
}

/* What the revocation will hit, for the confirmation prompt. */
static void describe(struct ms_registry *reg, const struct ms_trust *trust, const struct target *t)
{
	uint64_t n = 0;
	if (t->identity) {
		fprintf(stderr, "About to revoke identity %s (issuer %s).\n", ms_esc(t->identity),
		        ms_esc(t->issuer));
		fputs("Every keyless signature by it will fail.\n", stderr);
		return;
	}
	if (strcmp(t->kind, "key") == 0) {
		const struct ms_trust_key *k = ms_trust_find_key(trust, t->subject);
		if (ms_registry_count_signed_by(reg, t->subject, &n) < 0)
			n = 0;
		fprintf(stderr, "About to revoke key %s%s%s%s.\n", t->subject,
		        k && k->label ? " (" : "", k && k->label ? ms_esc(k->label) : "",
		        k && k->label ? ")" : "");
		fprintf(stderr,
		        "Every signature by it will fail: %llu recorded model%s signed by it.\n",
		        (unsigned long long)n, n == 1 ? "" : "s");
		return;
	}
	struct ms_model_info m = {0};
	int found = ms_registry_get_model(reg, t->subject, 0, &m) == 0;
	int named = found && m.name;
	fprintf(stderr, "About to revoke model sha256:%s%s%s%s%s%s.\n", t->subject,
	        named ? " (" : "", named ? ms_esc(m.name) : "", named ? "@" : "",
	        named ? ms_esc(m.version) : "",
	        named ? ")" : "");
	fprintf(stderr, "It will fail verification, whoever signed it (%s).\n",
	        found ? "1 recorded model" : "not recorded here");
	if (found)
		ms_model_info_free(&m);
}

/* On a terminal only; scripts pass --yes (or have no terminal). */
static int confirmed(struct ms_registry *reg, const struct ms_trust *trust, const struct target *t)
{
	char line[16];
	describe(reg, trust, t);
	fputs("This is final and cannot be undone. Revoke? [y/N] ", stderr);
	fflush(stderr);
	if (!fgets(line, sizeof line, stdin))
		line[0] = '\0';
	if (strcmp(line, "y\n") == 0 || strcmp(line, "yes\n") == 0)
		return 1;
	ms_error("nothing revoked: not confirmed (--yes skips the question)");
	return 0;
}

enum { OPT_IDENTITY = 0x300, OPT_ISSUER };

const struct option cmd_revoke_options[] = {
    {"reason", required_argument, NULL, 'r'},
    {"yes", no_argument, NULL, 'y'},
    {"identity", required_argument, NULL, OPT_IDENTITY},
    {"issuer", required_argument, NULL, OPT_ISSUER},
    {NULL, 0, NULL, 0},
};

/* --identity and --issuer instead of an operand: 0 with *t filled, -1 on a
 * usage error. */
static int identity_target(int n_ops, const char *identity, const char *issuer, struct target *t)
{
	if (!identity != !issuer)
		return ms_usage_error("--identity and --issuer go together: who signs, at which "
		                      "OIDC issuer"),
		       -1;
	if (n_ops)
		return ms_usage_error("give KEYID|REF or --identity and --issuer, not both"), -1;
	if (ms_identity_check(identity, issuer, "revoke") < 0)
		return -1;
	t->kind = "identity";
	t->identity = identity;
	t->issuer = issuer;
	ms_identity_id(identity, issuer, t->subject);
	return 0;
}

static int record(struct ms_registry *reg, const struct target *t, const char *reason)
{
	if (t->identity)
		return ms_registry_revoke_identity(reg, t->identity, t->issuer, reason);
	return ms_registry_revoke(reg, t->kind, t->subject, reason);
}

int cmd_revoke(int argc, char **argv)
{
	const char *reason = NULL, *identity = NULL, *issuer = NULL;
	struct target t = {0};
	int c, yes = 0;
	while ((c = ms_getopt(argc, argv, "r:y", cmd_revoke_options)) != -1) {
		if (c == 'y')
			yes = 1;
		else if (c == OPT_IDENTITY)
			identity = optarg;
		else if (c == OPT_ISSUER)
			issuer = optarg;
		else
			reason = optarg;
	}
	int by_identity = identity || issuer;
	if (by_identity && identity_target(argc - optind, identity, issuer, &t) < 0)
		return MS_ERR;
	if (!by_identity && optind == argc)
		return ms_usage_error("no KEYID or REF given");
	if (argc - optind > 1)
		return ms_usage_error("one KEYID or REF at a time");
	if (check_reason(reason) != MS_OK)
		return MS_ERR;
	struct ms_registry *reg;
	struct ms_trust trust;
	if (ms_registry_open(NULL, MS_REG_CREATE, &reg) < 0)
		return MS_ERR;
	if (ms_registry_trust_load(reg, &trust) < 0) {
		ms_registry_close(reg);
		return MS_ERR;
	}
	int ask = !yes && isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
	int rc = (!by_identity && resolve(reg, &trust, argv[optind], &t) < 0) ||
	                 (ask && !confirmed(reg, &trust, &t)) || record(reg, &t, reason) < 0
	             ? MS_ERR
	             : MS_OK;
	if (rc == MS_OK)
		report(&t, reason);
	ms_trust_free(&trust);
	ms_registry_close(reg);
	return rc;
}
