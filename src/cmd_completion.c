/* modelseal completion: a shell completion script, generated from the
 * command table (names, summaries, usage texts) and each command's option
 * table, so that it names exactly what the binary parses. Nothing here is
 * written by hand per command: a new command or option appears by itself. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/util.h"

const char cmd_completion_usage[] =
    "usage: modelseal completion bash|zsh|fish\n"
    "\n"
    "Prints a completion script for the shell on standard output: command\n"
    "names, each command's options and the values they take. Load it with\n"
    "  source <(modelseal completion bash)            (bash, or ~/.bashrc)\n"
    "  modelseal completion zsh > \"${fpath[1]}/_modelseal\"   (zsh)\n"
    "  modelseal completion fish | source              (fish)\n";

const struct option cmd_completion_options[] = {{NULL, 0, NULL, 0}};

/* One option as the shells see it: "--name" and, when the option table
 * maps it to a letter, "-c" too. */
struct comp_opt {
	const char *name;
	int has_arg;
	char shrt; /* 0 when there is no short form */
};

/* Everything the generators need to know about one command. */
struct comp_cmd {
	const char *name;
	const char *summary;
	struct comp_opt *opts;
	size_t n_opts;
	const char *usage;
	struct ms_buf words; /* first-operand words ("add list ..."), space separated */
};

static char short_form(int val)
{
	return val > 0 && val < 0x80 && isalnum(val) ? (char)val : 0;
}

static void add_options(struct comp_cmd *c, const struct option *o, size_t n)
{
	c->opts = ms_reallocarray(c->opts, c->n_opts + n, sizeof *c->opts);
	for (size_t i = 0; i < n; i++)
		c->opts[c->n_opts++] =
		    (struct comp_opt){o[i].name, o[i].has_arg, short_form(o[i].val)};
}

static const struct comp_opt *find_option(const struct comp_cmd *c, const char *tok, size_t len)
{
	for (size_t i = 0; i < c->n_opts; i++) {
		const struct comp_opt *o = &c->opts[i];
		if (len > 2 && tok[1] == '-' && strlen(o->name) == len - 2 &&
		    memcmp(tok + 2, o->name, len - 2) == 0)
			return o;
		if (len == 2 && tok[1] == o->shrt)
			return o;
	}
	return NULL;
}

/* A literal word of a synopsis: lower case, as "list" or "bash", never a
 * placeholder such as FILE or a value such as PART.json. */
static int is_literal(const char *s, size_t len)
{
	if (len < 2 || !islower((unsigned char)s[0]))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/* Once each: a synopsis of several lines ("trust add PUB", "trust add
 * --ca PEM") names a word again. */
static void add_word(struct ms_buf *b, const char *s, size_t len)
{
	for (const char *p = b->len ? b->data : ""; *p; p += strcspn(p, " "), p += *p == ' ')
		if (strcspn(p, " ") == len && memcmp(p, s, len) == 0)
			return;
	ms_buf_printf(b, "%s%.*s", b->len ? " " : "", (int)len, s);
}

/* The words that may come first after the command name, read from the
 * synopsis (the usage text up to its first blank line): literal words
 * outside brackets, as in "trust add PUB | list | ..." or "completion
 * bash|zsh|fish". A COMMAND placeholder stands for the command names. */
static void synopsis_words(struct comp_cmd *c, const struct ms_command *all)
{
	const char *end = strstr(c->usage, "\n\n");
	if (!end)
		end = c->usage + strlen(c->usage);
	int depth = 0, skip_value = 0;
	for (const char *p = c->usage; p < end;) {
		if (*p == '[' || *p == ']') {
			depth += *p == '[' ? 1 : -1;
			p++;
			continue;
		}
		size_t len = strcspn(p, " \t\n|[]");
		if (len == 0) { /* a separator */
			p++;
			continue;
		}
		if (p + len > end)
			break;
		if (len == 7 && memcmp(p, "COMMAND", 7) == 0) {
			for (const struct ms_command *k = all; k->name; k++)
				add_word(&c->words, k->name, strlen(k->name));
		} else if (depth == 0) {
			if (p[0] == '-') {
				const struct comp_opt *o = find_option(c, p, len);
				skip_value = o && o->has_arg != no_argument;
			} else if (skip_value) {
				skip_value = 0;
			} else if (is_literal(p, len) &&
			           !(len == strlen(c->name) && memcmp(p, c->name, len) == 0) &&
			           !(len == 9 && memcmp(p, "modelseal", 9) == 0)) {
				add_word(&c->words, p, len);
			}
		}
		p += len;
	}
}

/* The values an option takes when its usage text lists them, as in
 * "--format text|json|sha256sum": into out, space separated; 0 if none. */
static int option_values(const char *usage, const char *name, struct ms_buf *out)
{
	size_t nlen = strlen(name);
	out->len = 0;
	for (const char *p = usage; (p = strstr(p, "--")) != NULL; p += 2) {
		if (strncmp(p + 2, name, nlen) != 0 || (p[2 + nlen] != ' ' && p[2 + nlen] != '='))
			continue;
		const char *v = p + 3 + nlen;
		size_t len = strcspn(v, " \t\n]");
		if (!memchr(v, '|', len))
			continue;
		for (const char *w = v; w < v + len;) {
			size_t wl = strcspn(w, "|");
			if (w + wl > v + len)
				wl = (size_t)(v + len - w);
			if (!is_literal(w, wl) && !(wl >= 1 && isdigit((unsigned char)w[0]))) {
				out->len = 0;
				break;
			}
			add_word(out, w, wl);
			w += wl + 1;
		}
		if (out->len)
			return 1;
	}
	return 0;
}

/* The command table as the generators see it, plus the global options
 * (accepted before the command name too) as a command of their own. */
struct comp_set {
	struct comp_cmd *cmds;
	size_t n;
	struct comp_cmd global;
};

static void load_commands(struct comp_set *set)
{
	const struct ms_command *all = ms_commands();
	size_t n_global;
	const struct option *global = ms_global_options(&n_global);
	memset(set, 0, sizeof *set);
	set->global = (struct comp_cmd){.name = "", .summary = "", .usage = ""};
	add_options(&set->global, global, n_global);
	while (all[set->n].name)
		set->n++;
	set->cmds = ms_calloc(set->n, sizeof *set->cmds);
	for (size_t i = 0; i < set->n; i++) {
		struct comp_cmd *c = &set->cmds[i];
		size_t k = 0;
		c->name = all[i].name;
		c->summary = all[i].summary;
		c->usage = all[i].usage;
		while (all[i].options && all[i].options[k].name)
			k++;
		add_options(c, all[i].options, k);
		add_options(c, global, n_global);
		synopsis_words(c, all);
	}
	for (size_t i = 0; i < set->n; i++)
		add_word(&set->global.words, all[i].name, strlen(all[i].name));
}

static void free_commands(struct comp_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->cmds[i].opts);
		ms_buf_free(&set->cmds[i].words);
	}
	free(set->cmds);
	free(set->global.opts);
	ms_buf_free(&set->global.words);
}

/* Single-quoted for the shells; our own strings, but never trust a quote. */
static void put_quoted(const char *s)
{
	putchar('\'');
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*s);
	putchar('\'');
}

static void print_header(const char *shell)
{
	printf("# %s completion for modelseal %s: generated by 'modelseal completion %s'\n"
	       "# from the command and option tables; regenerate it, do not edit it.\n\n",
	       shell, MODELSEAL_VERSION, shell);
}

/* ---- bash ---- */

static void bash_option_list(const struct comp_cmd *c, int with_arg_only)
{
	const char *sep = "";
	for (size_t i = 0; i < c->n_opts; i++) {
		const struct comp_opt *o = &c->opts[i];
		if (with_arg_only && o->has_arg == no_argument)
			continue;
		printf("%s--%s", sep, o->name);
		if (o->shrt)
			printf(" -%c", o->shrt);
		sep = " ";
	}
}

static void bash_spec_case(const struct comp_cmd *c, const char *pattern, const char *words)
{
	printf("\t%s)\n\t\topts='", pattern);
	bash_option_list(c, 0);
	fputs("'\n\t\targopts='", stdout);
	bash_option_list(c, 1);
	printf("'\n\t\twords='%s' ;;\n", words);
}

static void bash_spec(const struct comp_set *set)
{
	fputs("# Sets opts (every option), argopts (those that take a value) and\n"
	      "# words (what may come first) for command $1, or before the command.\n"
	      "_modelseal_spec()\n{\n\tcase $1 in\n",
	      stdout);
	for (size_t i = 0; i < set->n; i++)
		bash_spec_case(&set->cmds[i], set->cmds[i].name,
		               set->cmds[i].words.len ? set->cmds[i].words.data : "");
	/* No command yet: the command names; an unknown one: nothing. */
	bash_spec_case(&set->global, "''", set->global.words.data);
	bash_spec_case(&set->global, "*", "");
	fputs("\tesac\n}\n\n", stdout);
}

static void bash_values(const struct comp_set *set)
{
	const struct comp_cmd *cmds = set->cmds;
	size_t n = set->n;
	struct ms_buf v = {0};
	fputs("# The values option $2 of command $1 takes, when it names them.\n"
	      "_modelseal_values()\n{\n\tcase $1:$2 in\n",
	      stdout);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < cmds[i].n_opts; j++) {
			const struct comp_opt *o = &cmds[i].opts[j];
			if (o->has_arg == no_argument || !option_values(cmds[i].usage, o->name, &v))
				continue;
			printf("\t%s:--%s", cmds[i].name, o->name);
			if (o->shrt)
				printf(" | %s:-%c", cmds[i].name, o->shrt);
			printf(") echo '%s' ;;\n", v.data);
		}
	fputs("\tesac\n}\n\n", stdout);
	ms_buf_free(&v);
}

static const char bash_main[] =
    "_modelseal()\n"
    "{\n"
    "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
    "\tlocal cmd='' operands=0 i w opts argopts words values\n"
    "\t_modelseal_spec ''\n"
    "\t# The command is the first word that is neither an option nor an\n"
    "\t# option's value; count the operands after it.\n"
    "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
    "\t\tw=${COMP_WORDS[i]}\n"
    "\t\tif [[ \" $argopts \" == *\" $w \"* ]]; then\n"
    "\t\t\t((i++))\n"
    "\t\t\t[[ ${COMP_WORDS[i]} == = ]] && ((i++)) # --opt=value: three words\n"
    "\t\telif [[ $w == -* ]]; then\n"
    "\t\t\t:\n"
    "\t\telif [[ -z $cmd ]]; then\n"
    "\t\t\tcmd=$w\n"
    "\t\t\t_modelseal_spec \"$cmd\"\n"
    "\t\telse\n"
    "\t\t\t((operands++))\n"
    "\t\tfi\n"
    "\tdone\n"
    "\tCOMPREPLY=()\n"
    "\t[[ $prev == = ]] && ((COMP_CWORD > 2)) && prev=${COMP_WORDS[COMP_CWORD - 2]}\n"
    "\tif ((COMP_CWORD > 1)) && [[ \" $argopts \" == *\" $prev \"* ]]; then\n"
    "\t\tvalues=$(_modelseal_values \"$cmd\" \"$prev\")\n"
    "\t\tif [[ -n $values ]]; then\n"
    "\t\t\tCOMPREPLY=($(compgen -W \"$values\" -- \"$cur\"))\n"
    "\t\telse\n"
    "\t\t\t_modelseal_files \"$cur\"\n"
    "\t\tfi\n"
    "\telif [[ $cur == -* ]]; then\n"
    "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
    "\telif [[ -z $cmd || ($operands -eq 0 && -n $words) ]]; then\n"
    "\t\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
    "\telse\n"
    "\t\t_modelseal_files \"$cur\"\n"
    "\tfi\n"
    "}\n"
    "\n"
    "# File names, one per line so that spaces survive.\n"
    "_modelseal_files()\n"
    "{\n"
    "\tlocal IFS=$'\\n'\n"
    "\tcompopt -o filenames 2>/dev/null\n"
    "\tCOMPREPLY=($(compgen -f -- \"$1\"))\n"
    "}\n"
    "complete -F _modelseal modelseal\n";

static void gen_bash(const struct comp_set *set)
{
	print_header("bash");
	bash_spec(set);
	bash_values(set);
	fputs(bash_main, stdout);
}

/* ---- zsh ---- */

static void zsh_option(const struct comp_cmd *c, const struct comp_opt *o, struct ms_buf *v)
{
	const char *action = "_files";
	char *values = NULL;
	if (o->has_arg != no_argument && option_values(c->usage, o->name, v))
		action = values = ms_asprintf("(%s)", v->data);
	/* Repeatable (*): some options are, and zsh must not hide them. */
	if (o->has_arg == no_argument) {
		printf(" \\\n\t\t\t'*--%s'", o->name);
		if (o->shrt)
			printf(" '*-%c'", o->shrt);
	} else {
		printf(" \\\n\t\t\t'*--%s=:%s:%s'", o->name, o->name, action);
		if (o->shrt)
			printf(" '*-%c+:%s:%s'", o->shrt, o->name, action);
	}
	free(values);
}

static void gen_zsh(const struct comp_set *set)
{
	const struct comp_cmd *cmds = set->cmds;
	size_t n = set->n;
	struct ms_buf v = {0};
	fputs("#compdef modelseal\n", stdout);
	print_header("zsh");
	fputs("_modelseal()\n{\n\tlocal -a commands\n\tcommands=(\n", stdout);
	for (size_t i = 0; i < n; i++) {
		/* _describe splits NAME:DESCRIPTION at the first unescaped colon. */
		struct ms_buf entry = {0};
		ms_buf_printf(&entry, "%s:", cmds[i].name);
		for (const char *p = cmds[i].summary; *p; p++)
			ms_buf_printf(&entry, "%s%c", *p == ':' ? "\\" : "", *p);
		fputs("\t\t", stdout);
		put_quoted(entry.data);
		putchar('\n');
		ms_buf_free(&entry);
	}
	fputs("\t)\n\tlocal curcontext=$curcontext state line ret=1\n\t_arguments -C", stdout);
	for (size_t j = 0; j < set->global.n_opts; j++)
		zsh_option(&set->global, &set->global.opts[j], &v);
	fputs(" \\\n\t\t\t'1:command:->command' '*::argument:->argument' && ret=0\n"
	      "\tcase $state in\n"
	      "\tcommand) _describe -t commands 'modelseal command' commands && ret=0 ;;\n"
	      "\targument)\n"
	      "\t\tcurcontext=${curcontext%:*:*}:modelseal-$words[1]:\n"
	      "\t\tcase $words[1] in\n",
	      stdout);
	for (size_t i = 0; i < n; i++) {
		const struct comp_cmd *c = &cmds[i];
		printf("\t\t%s)\n\t\t\t_arguments -S", c->name);
		for (size_t j = 0; j < c->n_opts; j++)
			zsh_option(c, &c->opts[j], &v);
		if (c->words.len)
			printf(" \\\n\t\t\t'1:argument:(%s)'", c->words.data);
		fputs(" \\\n\t\t\t'*:file:_files' && ret=0 ;;\n", stdout);
	}
	fputs("\t\tesac ;;\n\tesac\n\treturn ret\n}\n\n_modelseal \"$@\"\n", stdout);
	ms_buf_free(&v);
}

/* ---- fish ---- */

static void fish_option(const struct comp_cmd *c, const struct comp_opt *o, const char *cond,
                        struct ms_buf *v)
{
	printf("complete -c modelseal -n '%s' -l %s", cond, o->name);
	if (o->shrt)
		printf(" -s %c", o->shrt);
	if (o->has_arg != no_argument && option_values(c->usage, o->name, v))
		printf(" -x -a '%s'", v->data);
	else if (o->has_arg != no_argument)
		fputs(" -r -F", stdout);
	putchar('\n');
}

static void gen_fish(const struct comp_set *set)
{
	const struct comp_cmd *cmds = set->cmds;
	size_t n = set->n;
	struct ms_buf v = {0};
	print_header("fish");
	fputs("complete -c modelseal -f\n", stdout);
	for (size_t i = 0; i < n; i++) {
		printf("complete -c modelseal -n __fish_use_subcommand -a %s -d ", cmds[i].name);
		put_quoted(cmds[i].summary);
		putchar('\n');
	}
	for (size_t j = 0; j < set->global.n_opts; j++)
		fish_option(&set->global, &set->global.opts[j], "__fish_use_subcommand", &v);
	for (size_t i = 0; i < n; i++) {
		const struct comp_cmd *c = &cmds[i];
		char *cond = ms_asprintf("__fish_seen_subcommand_from %s", c->name);
		for (size_t j = 0; j < c->n_opts; j++)
			fish_option(c, &c->opts[j], cond, &v);
		printf("complete -c modelseal -n '%s'", cond);
		if (c->words.len)
			printf(" -a '%s'\n", c->words.data);
		else
			fputs(" -F\n", stdout);
		free(cond);
	}
	ms_buf_free(&v);
}

int cmd_completion(int argc, char **argv)
{
	static const struct {
		const char *shell;
		void (*gen)(const struct comp_set *);
	} shells[] = {{"bash", gen_bash}, {"zsh", gen_zsh}, {"fish", gen_fish}};

	while (ms_getopt(argc, argv, "", cmd_completion_options) != -1)
		;
	if (argc - optind != 1)
		return ms_usage_error("completion needs one shell: bash, zsh or fish");
	for (size_t i = 0; i < MS_ARRAY_LEN(shells); i++) {
		if (strcmp(argv[optind], shells[i].shell) != 0)
			continue;
		struct comp_set set;
		load_commands(&set);
		shells[i].gen(&set);
		free_commands(&set);
		return MS_OK;
	}
	return ms_usage_error("no completion for '%s': the shells are bash, zsh and fish",
	                      argv[optind]);
}
