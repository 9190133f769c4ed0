/* One entry point, one usage text and one option table per subcommand
 * (src/cmd_<name>.c). The option table is the one the command parses with,
 * so that shell completion (cmd_completion.c) cannot drift from it. It is
 * declared weak so that a new command without one still links: completion
 * then offers it only the global options, and t_completion fails for every
 * option its usage names. */
#ifndef MODELSEAL_COMMANDS_H
#define MODELSEAL_COMMANDS_H

#include <getopt.h>

#define MS_DECLARE_COMMAND(name)                                                                   \
	int cmd_##name(int argc, char **argv);                                                     \
	extern const char cmd_##name##_usage[];                                                    \
	extern const struct option cmd_##name##_options[] __attribute__((weak))

MS_DECLARE_COMMAND(digest);
MS_DECLARE_COMMAND(hash);
MS_DECLARE_COMMAND(pack);
MS_DECLARE_COMMAND(unpack);
MS_DECLARE_COMMAND(keygen);
MS_DECLARE_COMMAND(sign);
MS_DECLARE_COMMAND(verify);
MS_DECLARE_COMMAND(log);
MS_DECLARE_COMMAND(show);
MS_DECLARE_COMMAND(lineage);
MS_DECLARE_COMMAND(audit);
MS_DECLARE_COMMAND(trust);
MS_DECLARE_COMMAND(revoke);
MS_DECLARE_COMMAND(version);
MS_DECLARE_COMMAND(checkpoint);
MS_DECLARE_COMMAND(registry);
MS_DECLARE_COMMAND(completion);

#endif
