/* The option loop shared by the commands that hash a model. */
#include "modelseal/cli.h"
#include "modelseal/hashing.h"
#include "modelseal/util.h"

int ms_parse_hashing_command(int argc, char **argv, const struct option *longopts,
			     const char *shortopts,
			     int (*on_extra)(int opt, const char *arg, void *ctx), void *ctx,
			     struct ms_hash_opts *o, const char **model)
{
	int c;
	while ((c = ms_getopt(argc, argv, shortopts, longopts)) != -1) {
		int r = ms_hashing_option(c, optarg, o);
		if (r == 0 && on_extra)
			r = on_extra(c, optarg, ctx);
		if (r < 0)
			return -1;
		if (r == 0) {
			ms_usage_error("unexpected option");
			return -1;
		}
	}
	if (!model) /* the caller takes the operands from optind */
		return 0;
	if (optind == argc) {
		ms_usage_error("no MODEL given");
		return -1;
	}
	if (argc - optind > 1) {
		ms_usage_error("one MODEL at a time (got '%s' too)", argv[optind + 1]);
		return -1;
	}
	*model = argv[optind];
	return 0;
}
