/* modelseal: the command table and dispatch, nothing else. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/output.h"
#include "modelseal/util.h"

static int cmd_help(int argc, char **argv);
static const char cmd_help_usage[] = "usage: modelseal help [COMMAND]\n";
static const struct option cmd_help_options[] = {{NULL, 0, NULL, 0}}; /* none */

/* clang-format breaks a braced macro body over three lines */
/* clang-format off */
#define COMMAND(name, summary) \
	{#name, cmd_##name, summary, cmd_##name##_usage, cmd_##name##_options}
/* clang-format on */
static const struct ms_command commands[] = {
    COMMAND(digest, "print the root digest of a model"),
    COMMAND(hash, "print the manifest of a model"),
    COMMAND(log, "registry history, newest first"),
    COMMAND(show, "one registry record"),
    COMMAND(lineage, "ancestry graph of a model"),
    COMMAND(audit, "check the registry's state against its event log"),
    COMMAND(checkpoint, "sign a checkpoint of the registry's event log"),
    COMMAND(help, "show help for modelseal or one command"),
    COMMAND(keygen, "generate an Ed25519 key pair"),
    COMMAND(sign, "hash a model and sign it"),
    COMMAND(verify, "check a model against its signature"),
    COMMAND(trust, "manage trusted keys; export or import them"),
    COMMAND(revoke, "revoke a key or a model"),
    COMMAND(registry, "copy a registry between SQLite and PostgreSQL"),
    COMMAND(pack, "write a signed model into one archive"),
    COMMAND(unpack, "verify an archive, then extract it safely"),
    COMMAND(version, "print modelseal's version (-v: and its libraries')"),
    COMMAND(completion, "shell completion script for bash, zsh or fish"),
    {NULL, NULL, NULL, NULL, NULL},
};

static const char main_usage[] =
    "usage: modelseal [--registry PATH] [--json] [-q] [-v] [--progress MODE] <command> "
    "[<args>]\n"
    "       modelseal --version | -V | version\n";

const struct ms_command *ms_command_find(const char *name)
{
	for (const struct ms_command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

const struct ms_command *ms_commands(void)
{
	return commands;
}

static void print_overview(FILE *f)
{
	fputs(main_usage, f);
	int width = 0; /* the longest name: the summaries line up */
	for (const struct ms_command *c = commands; c->name; c++)
		if ((int)strlen(c->name) > width)
			width = (int)strlen(c->name);
	fputs("\nCommands:\n", f);
	for (const struct ms_command *c = commands; c->name; c++)
		fprintf(f, "  %-*s %s\n", width, c->name, c->summary);
	fputs("\nSee 'modelseal help <command>' or 'man modelseal-<command>'.\n", f);
}

static int cmd_help(int argc, char **argv)
{
	while (ms_getopt(argc, argv, "", NULL) != -1)
		;
	if (optind == argc) {
		print_overview(stdout);
		return MS_OK;
	}
	if (argc - optind > 1)
		return ms_usage_error("help takes at most one command");
	const struct ms_command *c = ms_command_find(argv[optind]);
	if (!c)
		return ms_usage_error("'%s' is not a modelseal command", argv[optind]);
	ms_print_usage(c, stdout);
	return MS_OK;
}

/* Global options before the command name; stops at the first operand. */
static int parse_leading_globals(int argc, char **argv)
{
	enum { O_REGISTRY = 0x100, O_JSON, O_NO_PROGRESS, O_PROGRESS };
	static const struct option opts[] = {
	    {"registry", required_argument, NULL, O_REGISTRY},
	    {"json", no_argument, NULL, O_JSON},
	    {"no-progress", no_argument, NULL, O_NO_PROGRESS},
	    {"progress", required_argument, NULL, O_PROGRESS},
	    {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:qvhV", opts, NULL)) != -1) {
		switch (c) {
		case O_REGISTRY:
			ms_global.registry = optarg;
			break;
		case O_JSON:
			ms_global.json = 1;
			break;
		case O_NO_PROGRESS:
			ms_global.no_progress = 1;
			break;
		case O_PROGRESS:
			if (ms_global_progress_option(optarg) < 0)
				exit(MS_ERR);
			break;
		case 'q':
			ms_global.quiet = 1;
			break;
		case 'v':
			ms_global.verbose = 1;
			break;
		case 'h':
			print_overview(stdout);
			exit(MS_OK);
		case 'V':
			printf("modelseal %s\n", MODELSEAL_VERSION);
			exit(MS_OK);
		case ':':
			exit(ms_usage_error("option '%s' needs a value", argv[optind - 1]));
		default:
			exit(ms_usage_error("unknown option '%s'", argv[optind - 1]));
		}
	}
	return optind;
}

/* A full disk or closed pipe on stdout must not pass for success. */
static int finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			ms_error("cannot write to standard output: %s", strerror(errno));
		return MS_ERR;
	}
	return rc;
}

static int run(int argc, char **argv)
{
	int first = parse_leading_globals(argc, argv);
	if (first >= argc) {
		ms_output_note_error("no command given: see 'modelseal help'");
		print_overview(stderr);
		return MS_ERR;
	}
	const char *name = argv[first];
	const struct ms_command *cmd = ms_command_find(name);
	if (!cmd)
		return ms_unknown_command(name, commands);
	ms_current = cmd;
	/* The command parses its own argv, with its name as argv[0]. */
	optind = 0;
	return finish_stdout(cmd->fn(argc - first, argv + first));
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		ms_error("cannot initialise libsodium");
		return MS_ERR;
	}
	/* Past a file size limit (ulimit -f) a write fails with EFBIG, reported
	 * and cleaned up like any write error, instead of the signal killing
	 * the process with a temp file left behind. */
	signal(SIGXFSZ, SIG_IGN);
	ms_output_init();
	int rc = run(argc, argv);
	ms_output_exit_status(rc);
	return rc;
}
