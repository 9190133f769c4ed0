/* Each unit test file builds into its own program: it defines its suite and
 * ends with MS_CHECK_MAIN(suite_fn). */
#ifndef MODELSEAL_CHECK_MAIN_H
#define MODELSEAL_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

#define MS_CHECK_MAIN(suite_fn)                                                                    \
	int main(void)                                                                             \
	{                                                                                          \
		SRunner *runner = srunner_create(suite_fn());                                      \
		srunner_run_all(runner, CK_NORMAL);                                                \
		int failed = srunner_ntests_failed(runner);                                        \
		srunner_free(runner);                                                              \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                       \
	}

#endif
