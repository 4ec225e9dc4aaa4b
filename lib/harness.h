/* SPDX-License-Identifier: GPL-2.0 */
/*
 * main() for every race test: parse our options, give every case a harness
 * timeout that fits the chosen duration, then run the kselftest harness.
 * Include after kselftest_harness.h, instead of TEST_HARNESS_MAIN.
 */
#ifndef MR_HARNESS_H
#define MR_HARNESS_H

#include "options.h"

#define MR_HARNESS_MAIN							\
int main(int argc, char **argv)						\
{									\
	struct __fixture_metadata *f;					\
	struct __test_metadata *t;					\
									\
	if (mr_options_parse(&argc, argv))				\
		return 1;						\
	for (f = __fixture_list; f; f = f->next)			\
		for (t = f->tests; t; t = t->next)			\
			if (t->timeout < mr_case_timeout())		\
				t->timeout = mr_case_timeout();		\
	return test_harness_run(argc, argv);				\
}

#endif
