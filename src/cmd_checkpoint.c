/* modelseal checkpoint: a signed statement of the registry's event log
 * (size, head hash, identity, time, trust state), to be kept outside the
 * registry so that a later audit can prove the log only grew. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/bundle.h"
#include "modelseal/checkpoint.h"
#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/json.h"
#include "modelseal/passphrase.h"
#include "modelseal/registry.h"
#include "modelseal/util.h"

const char cmd_checkpoint_usage[] =
    "usage: modelseal checkpoint --key KEY [-o FILE] [--passphrase-file FILE]\n"
    "\n"
    "Audits the registry, then signs a checkpoint of its event log: the number\n"
    "of events, the head hash, the registry's identity, the time and the\n"
    "digest of its trust state (a DSSE envelope in a Sigstore bundle). Keep it\n"
    "outside the registry (CI artifact, deploy bundle): 'modelseal audit\n"
    "--checkpoint FILE --key PUB' then fails when the log was truncated or\n"
    "rewritten below it. The registry keeps a copy for 'trust export'.\n"
    "Refuses (exit 1) to sign a registry that is not intact.\n"
    "\n"
    "Options:\n"
    "  -k, --key KEY            the secret key to sign with\n"
    "  -o, --output FILE        write the checkpoint to FILE instead of stdout\n"
    "  --passphrase-file FILE   read the key's passphrase from the first line of FILE\n";

/* Above the global options' values (cli.c). */
enum { OPT_PASSPHRASE_FILE = 0x300, OPT_PASSPHRASE };

struct checkpoint_args {
	const char *key, *output;
	struct ms_passphrase_src pass;
};

const struct option cmd_checkpoint_options[] = {
    {"key", required_argument, NULL, 'k'},
    {"output", required_argument, NULL, 'o'},
    {"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
    /* spelled out so that getopt does not take it for --passphrase-file */
    {"passphrase", required_argument, NULL, OPT_PASSPHRASE},
    {NULL, 0, NULL, 0},
};

static int parse_args(int argc, char **argv, struct checkpoint_args *a)
{
	int c;
	while ((c = ms_getopt(argc, argv, "k:o:", cmd_checkpoint_options)) != -1) {
		if (c == 'k')
			a->key = optarg;
		else if (c == 'o')
			a->output = optarg;
		else if (c == OPT_PASSPHRASE_FILE)
			a->pass.file = optarg;
		else
			return ms_usage_error("%s", ms_no_argv_passphrase);
	}
	if (optind != argc)
		return ms_usage_error("checkpoint takes no operands");
	if (!a->key)
		return ms_usage_error("no secret key given (--key KEY)");
	return MS_OK;
}

static void report(const struct ms_checkpoint *c, const char *keyid, const char *output)
{
	if (ms_global.json && output) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "checkpoint", output);
		cJSON_AddStringToObject(o, "registry", c->registry);
		cJSON_AddNumberToObject(o, "size", (double)c->size);
		cJSON_AddStringToObject(o, "head", c->head);
		cJSON_AddStringToObject(o, "signer", keyid);
		char *text = ms_json_print(o);
		fputs(text, stdout);
		free(text);
		cJSON_Delete(o);
		return;
	}
	ms_note("checkpoint of registry %s: %llu events, head %s, signed by %s%s%s", c->registry,
	        (unsigned long long)c->size, c->head, keyid, output ? ", written to " : "",
	        output ? output : "");
}

static int sign_and_write(struct ms_registry *reg, const struct ms_checkpoint *c,
                          const struct ms_seckey *key, const char *output)
{
	char *payload = ms_checkpoint_payload(c);
	char *bundle = ms_bundle_sign((const uint8_t *)payload, strlen(payload),
	                              MS_CHECKPOINT_PAYLOAD_TYPE, key);
	size_t len = strlen(bundle);
	int rc = ms_registry_checkpoint_store(reg, c, bundle) < 0 ? MS_ERR : MS_OK;
	if (rc == MS_OK && output)
		rc = ms_write_atomic(output, bundle, len, 0644) < 0 ? MS_ERR : MS_OK;
	else if (rc == MS_OK &&
	         (fwrite(bundle, 1, len, stdout) != len || fputc('\n', stdout) == EOF))
		rc = MS_ERR;
	if (rc == MS_OK)
		report(c, ms_pubkey_id(ms_seckey_public(key)), output);
	free(bundle);
	free(payload);
	return rc;
}

int cmd_checkpoint(int argc, char **argv)
{
	struct checkpoint_args a = {0};
	struct ms_registry *reg;
	struct ms_seckey *key = NULL;
	struct ms_audit au = {0};
	struct ms_checkpoint c;
	if (parse_args(argc, argv, &a) != MS_OK)
		return MS_ERR;
	if (ms_registry_open(NULL, 0, &reg) < 0)
		return MS_ERR;
	int rc = ms_registry_checkpoint_now(reg, &c, &au);
	if (rc == 1)
		ms_error("registry %s is NOT intact (%s); not signing it: run 'modelseal audit'",
		         ms_registry_path(reg), au.problem);
	if (rc == 0)
		rc = ms_seckey_load(a.key, &a.pass, &key) < 0 ? -1 : 0;
	rc = rc < 0 ? MS_ERR : rc == 1 ? MS_FAIL : sign_and_write(reg, &c, key, a.output);
	ms_seckey_free(key);
	ms_audit_free(&au);
	ms_registry_close(reg);
	return rc;
}
