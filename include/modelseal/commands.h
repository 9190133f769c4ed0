/* One entry point and one usage text per subcommand (src/cmd_<name>.c). */
#ifndef MODELSEAL_COMMANDS_H
#define MODELSEAL_COMMANDS_H

#define MS_DECLARE_COMMAND(name)                                                                   \
	int cmd_##name(int argc, char **argv);                                                     \
	extern const char cmd_##name##_usage[]

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

#endif
