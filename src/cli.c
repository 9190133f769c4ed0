/* Option parsing shared by every command: the global options are accepted
 * anywhere on the command line, -h prints the command's usage. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/cli.h"
#include "modelseal/util.h"

struct ms_global_opts ms_global;
const struct ms_command *ms_current;

enum { OPT_REGISTRY = 0x100, OPT_JSON, OPT_NO_PROGRESS, OPT_HELP_LONG };

static const struct option global_longopts[] = {
    {"registry", required_argument, NULL, OPT_REGISTRY},
    {"json", no_argument, NULL, OPT_JSON},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
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
	      "--no-progress, -h/--help\n",
	      f);
}

int ms_usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("modelseal: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
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
			exit(ms_usage_error("unknown option '%s' for '%s'", argv[optind - 1],
					    ms_current->name));
		default:
			return c;
		}
	}
}
