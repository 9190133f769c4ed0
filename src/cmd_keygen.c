/* modelseal keygen: a new key pair (Ed25519, or ECDSA for verifiers that
 * know no Ed25519, such as model_signing). */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/keys.h"
#include "modelseal/lineage.h"
#include "modelseal/util.h"

const char cmd_keygen_usage[] =
    "usage: modelseal keygen [-o PREFIX] [--type TYPE] [--no-passphrase] [--passphrase-file "
    "FILE]\n"
    "                        [--force]\n"
    "\n"
    "Writes a key pair: PREFIX.key (secret, PKCS#8 PEM, mode 0600, encrypted with the\n"
    "passphrase) and PREFIX.pub (public, SPKI PEM). Prints the key id.\n"
    "\n"
    "Options:\n"
    "  -o, --output PREFIX       file name prefix (default: modelseal)\n"
    "  -t, --type TYPE           ed25519 (default), ecdsa-p256, ecdsa-p384 or ecdsa-p521;\n"
    "                            model_signing verifies ECDSA keys only\n"
    "  --no-passphrase           leave the secret key unencrypted\n"
    "  --passphrase-file FILE    read the passphrase from the first line of FILE\n"
    "                            (else $MODELSEAL_PASSPHRASE, else a prompt on the terminal)\n"
    "  --force                   replace existing key files\n";

enum { OPT_NO_PASSPHRASE = 0x300, OPT_PASSPHRASE_FILE, OPT_FORCE, OPT_PASSPHRASE };

static void report(const struct ms_keygen_opts *o, const char *keyid)
{
	char *key_path = ms_asprintf("%s.key", o->prefix);
	char *pub_path = ms_asprintf("%s.pub", o->prefix);
	if (ms_global.json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "keyid", keyid);
		cJSON_AddStringToObject(j, "algorithm", ms_key_alg_name(o->alg));
		cJSON_AddStringToObject(j, "public_key", pub_path);
		cJSON_AddStringToObject(j, "secret_key", key_path);
		cJSON_AddBoolToObject(j, "encrypted", o->passphrase != NULL);
		ms_registry_print_json(j);
	} else {
		puts(keyid);
		ms_note("wrote %s (secret%s) and %s (public)", key_path,
		        o->passphrase ? ", encrypted" : ", NOT encrypted", pub_path);
	}
	free(key_path);
	free(pub_path);
}

const struct option cmd_keygen_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"type", required_argument, NULL, 't'},
    {"no-passphrase", no_argument, NULL, OPT_NO_PASSPHRASE},
    {"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
    {"force", no_argument, NULL, OPT_FORCE},
    /* spelled out so that getopt does not take it for --passphrase-file */
    {"passphrase", required_argument, NULL, OPT_PASSPHRASE},
    {NULL, 0, NULL, 0},
};

int cmd_keygen(int argc, char **argv)
{
	struct ms_keygen_opts o = {.prefix = "modelseal"};
	struct ms_passphrase_src src = {0};
	int no_passphrase = 0, c;
	char *out_arg = NULL;
	while ((c = ms_getopt(argc, argv, "o:t:", cmd_keygen_options)) != -1) {
		if (c == 'o')
			o.prefix = out_arg = optarg;
		else if (c == 't' && ms_key_alg_parse(optarg, &o.alg) < 0)
			return ms_usage_error("unknown key type '%s' (ed25519, ecdsa-p256, "
			                      "ecdsa-p384 or ecdsa-p521)",
			                      optarg);
		else if (c == OPT_NO_PASSPHRASE)
			no_passphrase = 1;
		else if (c == OPT_PASSPHRASE_FILE)
			src.file = optarg;
		else if (c == OPT_FORCE)
			o.force = 1;
		else if (c == OPT_PASSPHRASE)
			return ms_usage_error("%s", ms_no_argv_passphrase);
	}
	if (optind != argc)
		return ms_usage_error("unexpected argument '%s'", argv[optind]);
	/* -o ci.key or -o ci.pub means the pair ci.key and ci.pub (argv is
	 * ours to shorten) */
	size_t plen = out_arg ? strlen(out_arg) : 0;
	if (plen > 4 && (strcmp(out_arg + plen - 4, ".key") == 0 ||
	                 strcmp(out_arg + plen - 4, ".pub") == 0))
		out_arg[plen - 4] = '\0';
	if (!*o.prefix)
		return ms_usage_error("the output prefix is empty");
	if (no_passphrase && src.file)
		return ms_usage_error("--no-passphrase and --passphrase-file exclude each other");
	if (ms_keygen_check(&o) < 0)
		return MS_ERR;

	struct ms_passphrase pass = {0};
	if (!no_passphrase) {
		if (ms_passphrase_get(&src, "Passphrase for the new key: ", 1, &pass) < 0)
			return MS_ERR;
		if (pass.len == 0) {
			ms_passphrase_free(&pass);
			ms_error("the passphrase is empty; use --no-passphrase for an "
			         "unencrypted key");
			return MS_ERR;
		}
		o.passphrase = &pass;
	}
	char keyid[MS_KEYID_HEX + 1];
	int rc = ms_keygen(&o, keyid);
	if (rc == 0)
		report(&o, keyid);
	ms_passphrase_free(&pass);
	return rc == 0 ? MS_OK : MS_ERR;
}
