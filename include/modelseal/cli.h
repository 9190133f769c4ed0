/* Command table, global options and per-command option parsing. */
#ifndef MODELSEAL_CLI_H
#define MODELSEAL_CLI_H

#include <getopt.h>
#include <stdio.h>

/* Options that every command accepts, before or after its name. */
struct ms_global_opts {
	const char *registry; /* --registry PATH */
	int json;             /* --json */
	int quiet;            /* -q */
	int verbose;          /* -v */
	int no_progress;      /* --no-progress */
	int progress;         /* --progress: enum ms_progress_mode (0 auto) */
};
extern struct ms_global_opts ms_global;

struct ms_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;          /* one line for `modelseal help` */
	const char *usage;            /* synopsis + options, as in the man page */
	const struct option *options; /* what it parses; ends with a NULL name */
};

/* The command running now, for usage and error messages. */
extern const struct ms_command *ms_current;

const struct ms_command *ms_command_find(const char *name);
const struct ms_command *ms_commands(void); /* terminated by a NULL name */

/* The options every command accepts (for shell completion); *n of them. */
const struct option *ms_global_options(size_t *n);

/* getopt_long for a command: the command's options plus the global ones and
 * -h/--help, which prints the usage and exits 0. Unknown options and missing
 * arguments print a clear error and exit 2. Returns the option, or -1 when
 * only operands remain (argv is permuted so operands come last, from optind). */
int ms_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/* "'NAME' is not a modelseal command", with the closest command of cmds (a
 * table ending in a NULL name) when NAME looks like a typo of one; MS_ERR. */
int ms_unknown_command(const char *name, const struct ms_command *cmds);

/* Error about the command line, with a pointer to -h, and MS_ERR. */
int ms_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --progress MODE (a global option): -1 after a usage error. */
int ms_global_progress_option(const char *arg);

/* Prints the usage text of cmd to f. */
void ms_print_usage(const struct ms_command *cmd, FILE *f);

#endif
