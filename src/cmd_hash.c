/* modelseal hash: print the manifest (text, the in-toto statement, or
 * sha256sum lines). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/hash_parts.h"
#include "modelseal/hashing.h"
#include "modelseal/util.h"

const char cmd_hash_usage[] =
    "usage: modelseal hash [HASHING] [--format text|json|sha256sum] [--part K/N] MODEL\n"
    "       modelseal hash --merge PART.json...\n"
    "\n"
    "Print the manifest of MODEL: one line per resource (text), the in-toto\n"
    "statement exactly as sign would sign it (json), or lines that\n"
    "'sha256sum -c' accepts from the model root (sha256sum; needs --method files).\n"
    "\n"
    "Options:\n"
    "  --format FORMAT         text (default), json or sha256sum\n"
    "  --part K/N              hash only part K of N parts of equal bytes and print\n"
    "                          a part document (for job arrays; implies json)\n"
    "  --merge                 the operands are the N part documents: check they fit\n"
    "                          and print the whole statement, as --format json would\n"
    "\n"
    MS_HASHING_USAGE;

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_SHA256SUM };
enum { OPT_FORMAT = 0x300, OPT_PART, OPT_MERGE };

struct hash_args {
	enum format format;
	const char *part; /* --part K/N */
	int merge;
	const char *format_arg; /* --format, as given */
};

const struct option cmd_hash_options[] = {
    MS_HASHING_LONGOPTS,
    {"format", required_argument, NULL, OPT_FORMAT},
    {"part", required_argument, NULL, OPT_PART},
    {"merge", no_argument, NULL, OPT_MERGE},
    {NULL, 0, NULL, 0},
};

static int on_format(int opt, const char *arg, void *ctx)
{
	struct hash_args *a = ctx;
	enum format *f = &a->format;
	if (opt == OPT_PART) {
		a->part = arg;
		return 1;
	}
	if (opt == OPT_MERGE) {
		a->merge = 1;
		return 1;
	}
	if (opt != OPT_FORMAT)
		return 0;
	a->format_arg = arg;
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
static char *digest_line(const char *hex, const char *name)
{
	struct ms_buf b = {0};
	int escape = strpbrk(name, "\\\n\r") != NULL;
	ms_buf_printf(&b, "%s%s  ", escape ? "\\" : "", hex);
	for (const char *p = name; *p; p++) {
		if (escape && *p == '\\')
			ms_buf_printf(&b, "\\\\");
		else if (escape && *p == '\n')
			ms_buf_printf(&b, "\\n");
		else if (escape && *p == '\r')
			ms_buf_printf(&b, "\\r");
		else
			ms_buf_append(&b, p, 1);
	}
	ms_buf_append(&b, "", 1);
	return b.data;
}

/* The text format escapes every byte a terminal would act on (ms_escape),
 * with sha256sum's leading backslash when anything was escaped; the
 * sha256sum format keeps to what sha256sum -c reads back. */
static void print_text(const struct ms_manifest *m)
{
	char hex[2 * MS_DIGEST_MAX + 1];
	for (size_t i = 0; i < m->n_res; i++) {
		char *name = ms_resource_name(m, &m->res[i]);
		char *shown = ms_escape(name);
		ms_hex_encode(m->res[i].digest, ms_digest_len(m->alg), hex);
		printf("%s%s  %s\n", strcmp(shown, name) != 0 ? "\\" : "", hex, shown);
		free(shown);
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
	char **lines = ms_calloc(m->n_res + 1, sizeof *lines);
	int rc = 0;
	for (size_t i = 0; i < m->n_res && rc == 0; i++) {
		/* A single-file model's root is its directory: name the file. */
		const char *name = strcmp(m->res[i].path, ".") == 0 ? m->name : m->res[i].path;
		ms_hex_encode(m->res[i].digest, 32, hex);
		lines[i] = digest_line(hex, name);
		/* sha256sum escapes only backslash, newline and CR: a name with
		 * other bytes a terminal acts on (ESC, C1, bidi, not UTF-8) is
		 * refused before anything is printed, never written raw. */
		if (strcmp(ms_esc_message(lines[i]), lines[i]) != 0) {
			ms_error("file name '%s' has characters the sha256sum format cannot "
			         "escape; use --format text or json",
			         ms_esc(name));
			rc = -1;
		}
	}
	for (size_t i = 0; i < m->n_res; i++) {
		if (rc == 0)
			printf("%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
	return rc;
}

static int print_statement(const struct ms_manifest *m)
{
	char *json = ms_statement_to_json(m);
	if (json)
		fputs(json, stdout);
	free(json);
	return json ? 0 : -1;
}

/* hash --merge PART.json...: the whole statement from its parts. */
static int merge(int argc, char **argv)
{
	if (optind == argc)
		return ms_usage_error("--merge needs the part documents (PART.json...)");
	struct ms_manifest m;
	if (ms_hash_merge(argv + optind, (size_t)(argc - optind), &m) < 0)
		return MS_ERR;
	int rc = print_statement(&m);
	ms_manifest_free(&m);
	return rc < 0 ? MS_ERR : MS_OK;
}

static int part(const char *spec, const char *model, const struct ms_hash_opts *o)
{
	unsigned k, n;
	char *json;
	if (ms_part_spec_parse(spec, &k, &n) < 0)
		return MS_ERR;
	if (ms_hash_part(model, o, k, n, &json) < 0)
		return MS_ERR;
	fputs(json, stdout);
	free(json);
	return MS_OK;
}

static int whole(const char *model, const struct ms_hash_opts *o, enum format format)
{
	struct ms_manifest m;
	if (ms_model_hash(model, o, &m) < 0)
		return MS_ERR;
	int rc = 0;
	if (format == FORMAT_JSON)
		rc = print_statement(&m);
	else if (format == FORMAT_SHA256SUM)
		rc = print_sha256sum(&m);
	else
		print_text(&m);
	ms_manifest_free(&m);
	return rc < 0 ? MS_ERR : MS_OK;
}

static int check_operands(int argc, char **argv, const struct hash_args *a,
                          const struct ms_hash_opts *o)
{
	if (a->merge && (a->part || o->archive))
		return ms_usage_error("--merge takes part documents only, without --part or "
		                      "--archive");
	if (a->part && o->archive)
		return ms_usage_error("--part hashes a directory or file, not an --archive");
	if (a->part && a->format == FORMAT_SHA256SUM)
		return ms_usage_error("--part writes a part document (JSON), not sha256sum lines");
	if (a->merge)
		return MS_OK;
	if (optind == argc)
		return ms_usage_error("no MODEL given");
	if (argc - optind > 1)
		return ms_usage_error("one MODEL at a time (got '%s' too)", argv[optind + 1]);
	/* Refuse before hashing a large model for nothing. */
	if (a->format == FORMAT_SHA256SUM && (o->method != MS_METHOD_FILES || o->alg != MS_HASH_SHA256)) {
		ms_error("--format sha256sum needs --method files and --hash sha256");
		return MS_ERR;
	}
	return MS_OK;
}

int cmd_hash(int argc, char **argv)
{
	struct ms_hash_opts o;
	struct hash_args a = {.format = FORMAT_TEXT};
	ms_hash_opts_init(&o);
	int rc = ms_parse_hashing_command(argc, argv, cmd_hash_options, MS_HASHING_SHORTOPTS, on_format,
	                                  &a, &o, NULL) < 0
	             ? MS_ERR
	             : MS_OK;
	/* as in lineage: --json asks for the JSON format, never against --format */
	if (rc == MS_OK && ms_global.json && a.format != FORMAT_JSON && a.format_arg)
		rc = ms_usage_error("--json conflicts with --format %s", a.format_arg);
	if (ms_global.json)
		a.format = FORMAT_JSON;
	if (rc == MS_OK)
		rc = check_operands(argc, argv, &a, &o);
	if (rc == MS_OK)
		rc = a.merge  ? merge(argc, argv)
		     : a.part ? part(a.part, argv[optind], &o)
		              : whole(argv[optind], &o, a.format);
	ms_hash_opts_free(&o);
	return rc;
}
