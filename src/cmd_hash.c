/* modelseal hash: print the manifest (text, the in-toto statement, or
 * sha256sum lines). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/hashing.h"
#include "modelseal/util.h"

const char cmd_hash_usage[] =
    "usage: modelseal hash [HASHING] [--format text|json|sha256sum] MODEL\n"
    "\n"
    "Print the manifest of MODEL: one line per resource (text), the in-toto\n"
    "statement exactly as sign would sign it (json), or lines that\n"
    "'sha256sum -c' accepts from the model root (sha256sum; needs --method files).\n"
    "\n"
    "Options:\n"
    "  --format FORMAT         text (default), json or sha256sum\n"
    "\n"
    MS_HASHING_USAGE;

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_SHA256SUM };
enum { OPT_FORMAT = 0x300 };

const struct option cmd_hash_options[] = {
    MS_HASHING_LONGOPTS,
    {"format", required_argument, NULL, OPT_FORMAT},
    {NULL, 0, NULL, 0},
};

static int on_format(int opt, const char *arg, void *ctx)
{
	enum format *f = ctx;
	if (opt != OPT_FORMAT)
		return 0;
	if (strcmp(arg, "text") == 0)
		*f = FORMAT_TEXT;
	else if (strcmp(arg, "json") == 0)
		*f = FORMAT_JSON;
	else if (strcmp(arg, "sha256sum") == 0)
		*f = FORMAT_SHA256SUM;
	else {
		ms_usage_error("unknown --format '%s' (use text, json or sha256sum)", arg);
		return -1;
	}
	return 1;
}

/* One "<hex>  <name>" line, escaped as sha256sum does: a name with a
 * backslash or newline gets a leading backslash on the line and those
 * characters escaped. */
static void print_digest_line(const char *hex, const char *name)
{
	int escape = strpbrk(name, "\\\n\r") != NULL;
	printf("%s%s  ", escape ? "\\" : "", hex);
	for (const char *p = name; *p; p++) {
		if (escape && *p == '\\')
			fputs("\\\\", stdout);
		else if (escape && *p == '\n')
			fputs("\\n", stdout);
		else if (escape && *p == '\r')
			fputs("\\r", stdout);
		else
			putchar(*p);
	}
	putchar('\n');
}

static void print_text(const struct ms_manifest *m)
{
	char hex[2 * MS_DIGEST_MAX + 1];
	for (size_t i = 0; i < m->n_res; i++) {
		char *name = ms_resource_name(m, &m->res[i]);
		ms_hex_encode(m->res[i].digest, ms_digest_len(m->alg), hex);
		print_digest_line(hex, name); /* a newline in a name cannot fake a line */
		free(name);
	}
}

static int print_sha256sum(const struct ms_manifest *m)
{
	if (m->method != MS_METHOD_FILES || m->alg != MS_HASH_SHA256) {
		ms_error("--format sha256sum needs --method files and --hash sha256");
		return -1;
	}
	char hex[2 * MS_DIGEST_MAX + 1];
	for (size_t i = 0; i < m->n_res; i++) {
		ms_hex_encode(m->res[i].digest, 32, hex);
		/* A single-file model's root is its directory: name the file. */
		print_digest_line(hex, strcmp(m->res[i].path, ".") == 0 ? m->name
									     : m->res[i].path);
	}
	return 0;
}

int cmd_hash(int argc, char **argv)
{
	struct ms_hash_opts o;
	const char *model;
	enum format format = FORMAT_TEXT;
	ms_hash_opts_init(&o);
	if (ms_parse_hashing_command(argc, argv, cmd_hash_options, MS_HASHING_SHORTOPTS, on_format,
	                             &format, &o, &model) < 0) {
		ms_hash_opts_free(&o);
		return MS_ERR;
	}
	if (ms_global.json)
		format = FORMAT_JSON;
	/* Refuse before hashing a large model for nothing. */
	if (format == FORMAT_SHA256SUM && (o.method != MS_METHOD_FILES || o.alg != MS_HASH_SHA256)) {
		ms_hash_opts_free(&o);
		ms_error("--format sha256sum needs --method files and --hash sha256");
		return MS_ERR;
	}
	struct ms_manifest m;
	int rc = ms_model_hash(model, &o, &m);
	ms_hash_opts_free(&o);
	if (rc < 0)
		return MS_ERR;
	if (format == FORMAT_JSON) {
		char *json = ms_statement_to_json(&m);
		if (json)
			fputs(json, stdout);
		else
			rc = -1;
		free(json);
	} else if (format == FORMAT_SHA256SUM) {
		rc = print_sha256sum(&m);
	} else {
		print_text(&m);
	}
	ms_manifest_free(&m);
	return rc < 0 ? MS_ERR : MS_OK;
}
