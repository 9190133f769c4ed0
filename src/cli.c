/* Option parsing shared by every command: the global options are accepted
 * anywhere on the command line, -h prints the command's usage. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/cli.h"
#include "modelseal/output.h"
#include "modelseal/progress.h"
#include "modelseal/suggest.h"
#include "modelseal/util.h"

struct ms_global_opts ms_global;
const struct ms_command *ms_current;

enum { OPT_REGISTRY = 0x100, OPT_JSON, OPT_NO_PROGRESS, OPT_HELP_LONG, OPT_PROGRESS };

static const struct option global_longopts[] = {
    {"registry", required_argument, NULL, OPT_REGISTRY},
    {"json", no_argument, NULL, OPT_JSON},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"progress", required_argument, NULL, OPT_PROGRESS},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
};

const struct option *ms_global_options(size_t *n)
{
	*n = MS_ARRAY_LEN(global_longopts);
	return global_longopts;
}

void ms_print_usage(const struct ms_command *cmd, FILE *f)
{
	fputs(cmd->usage, f);
	fputs("\nGlobal options: --registry PATH, --json, -q/--quiet, -v/--verbose, "
	      "--progress auto|bar|plain|none, --no-progress, -h/--help\n",
	      f);
}

int ms_global_progress_option(const char *arg)
{
	enum ms_progress_mode mode;
	if (ms_progress_mode_parse(arg, &mode) < 0)
		return ms_usage_error("--progress '%s': use auto, bar, plain or none", arg), -1;
	ms_global.progress = (int)mode;
	return 0;
}

int ms_usage_error(const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	fprintf(stderr, "modelseal: error: %s", ms_esc_message(msg ? msg : fmt));
	if (msg)
		ms_output_note_error(msg);
	free(msg);
	if (ms_current)
		fprintf(stderr, "\n(see 'modelseal %s -h')\n", ms_current->name);
	else
		fputs("\n(see 'modelseal help')\n", stderr);
	return MS_ERR;
}

/* The merged option table lives as long as the process; commands parse once. */
static struct option *merge_longopts(const struct option *cmd_opts)
{
	size_t n = 0;
	while (cmd_opts && cmd_opts[n].name)
		n++;
	size_t g = MS_ARRAY_LEN(global_longopts);
	struct option *all = ms_calloc(n + g + 1, sizeof *all);
	if (n)
		memcpy(all, cmd_opts, n * sizeof *all);
	memcpy(all + n, global_longopts, g * sizeof *all);
	return all;
}

/* The long options that start with the name of arg ("--na" or "--na=x"),
 * as "--a, --b", or NULL when fewer than two do (one is no ambiguity). */
static char *prefix_matches(const struct option *opts, const char *name, size_t len)
{
	struct ms_buf b = {0};
	size_t hits = 0;
	for (const struct option *o = opts; o->name; o++) {
		if (strncmp(o->name, name, len) != 0)
			continue;
		if (strlen(o->name) == len) { /* an exact match is never ambiguous */
			ms_buf_free(&b);
			return NULL;
		}
		ms_buf_printf(&b, "%s--%s", hits++ ? ", " : "", o->name);
	}
	if (hits < 2) {
		ms_buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* An unknown or ambiguous long option: name the candidates, or the closest
 * option when the word looks like a typo of one. Exits 2. */
static void bad_long_option(const struct option *opts, const char *arg)
{
	const char *name = arg + 2;
	size_t len = strcspn(name, "=");
	char *word = ms_strndup(name, len);
	char *amb = prefix_matches(opts, word, len);
	if (amb) {
		ms_usage_error("option '--%s' is ambiguous for '%s': %s", word, ms_current->name,
			       amb);
		free(amb);
		free(word);
		exit(MS_ERR);
	}
	const char *hint = ms_suggest_in_table(word, opts, sizeof *opts);
	if (hint)
		ms_usage_error("unknown option '--%s' for '%s'; did you mean '--%s'?", word,
			       ms_current->name, hint);
	else
		ms_usage_error("unknown option '--%s' for '%s'", word, ms_current->name);
	free(word);
	exit(MS_ERR);
}

int ms_unknown_command(const char *name, const struct ms_command *cmds)
{
	const char *hint = ms_suggest_in_table(name, cmds, sizeof *cmds);
	int rc = hint ? ms_usage_error("'%s' is not a modelseal command; did you mean '%s'?",
				       name, hint)
		      : ms_usage_error("'%s' is not a modelseal command", name);
	return rc;
}

int ms_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	static const struct option *merged_for;
	static struct option *merged;
	static char *merged_short;

	if (!merged || merged_for != longopts) {
		free(merged);
		free(merged_short);
		merged = merge_longopts(longopts);
		merged_for = longopts;
		merged_short = ms_asprintf(":%sqvh", shortopts ? shortopts : "");
	}
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, merged_short, merged, NULL);
		switch (c) {
		case OPT_REGISTRY:
			ms_global.registry = optarg;
			continue;
		case OPT_JSON:
			ms_global.json = 1;
			continue;
		case OPT_NO_PROGRESS:
			ms_global.no_progress = 1;
			continue;
		case OPT_PROGRESS:
			if (ms_global_progress_option(optarg) < 0)
				exit(MS_ERR);
			continue;
		case 'q':
			ms_global.quiet = 1;
			continue;
		case 'v':
			ms_global.verbose = 1;
			continue;
		case 'h':
			ms_print_usage(ms_current, stdout);
			exit(fflush(stdout) == 0 ? MS_OK : MS_ERR);
		case ':':
			exit(ms_usage_error("option '%s' needs a value", argv[optind - 1]));
		case '?':
			if (optopt && optopt < 0x100)
				exit(ms_usage_error("unknown option '-%c' for '%s'", optopt,
						    ms_current->name));
			if (strncmp(argv[optind - 1], "--", 2) == 0)
				bad_long_option(merged, argv[optind - 1]);
			exit(ms_usage_error("unknown option '%s' for '%s'", argv[optind - 1],
					    ms_current->name));
		default:
			return c;
		}
	}
}
