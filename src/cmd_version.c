/* modelseal version: the version, and with -v or --json the libraries it
 * runs with (what a bug report needs). */
#include <archive.h>
#include <cJSON.h>
#include <openssl/crypto.h>
#include <sodium.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/json.h"
#include "modelseal/util.h"

const char cmd_version_usage[] =
    "usage: modelseal version\n"
    "\n"
    "Print modelseal's version (the same as 'modelseal --version' or '-V').\n"
    "With -v, also the versions of the libraries it runs with; --json gives\n"
    "both as one document.\n";

const struct option cmd_version_options[] = {{NULL, 0, NULL, 0}};

static cJSON *libraries(void)
{
	cJSON *l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "libcrypto", OpenSSL_version(OPENSSL_VERSION));
	cJSON_AddStringToObject(l, "libsodium", sodium_version_string());
	cJSON_AddStringToObject(l, "libarchive", archive_version_string());
	cJSON_AddStringToObject(l, "sqlite", sqlite3_libversion());
	/* libpq gives a number: major * 10000 + minor (10 and later) */
	char pq[32];
	int v = PQlibVersion();
	snprintf(pq, sizeof pq, "%d.%d", v / 10000, v % 10000);
	cJSON_AddStringToObject(l, "libpq", pq);
	cJSON_AddStringToObject(l, "cjson", cJSON_Version());
	return l;
}

int cmd_version(int argc, char **argv)
{
	if (ms_getopt(argc, argv, "", cmd_version_options) != -1)
		return MS_ERR;
	if (optind < argc)
		return ms_usage_error("version takes no operand (got '%s')", argv[optind]);
	if (ms_global.json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "version", MODELSEAL_VERSION);
		cJSON_AddItemToObject(j, "libraries", libraries());
		char *text = ms_json_print(j);
		fputs(text, stdout);
		free(text);
		cJSON_Delete(j);
		return MS_OK;
	}
	printf("modelseal %s\n", MODELSEAL_VERSION);
	if (!ms_global.verbose)
		return MS_OK;
	cJSON *l = libraries();
	for (const cJSON *c = l->child; c; c = c->next)
		printf("  %-10s %s\n", c->string, c->valuestring);
	cJSON_Delete(l);
	return MS_OK;
}
