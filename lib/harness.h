/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Glue between a test program and lib/main.c: include this after
 * kselftest_harness.h, instead of writing TEST_HARNESS_MAIN.  main() then
 * parses our options, gives every case a harness timeout that fits the
 * chosen duration, and runs the kselftest harness.
 */
#ifndef MR_HARNESS_H
#define MR_HARNESS_H

#include "options.h"

static int mr_run_harness(int argc, char **argv)
{
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			if (t->timeout < mr_case_timeout())
				t->timeout = mr_case_timeout();
	return test_harness_run(argc, argv);
}

/* The harness lives in the test's own file: hand it to main(). */
static void __attribute__((constructor)) mr_register_harness(void)
{
	mr_harness_entry = mr_run_harness;
}

#endif
