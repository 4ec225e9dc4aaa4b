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
#include "race_env.h"

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

/*
 * The FIXTURE_SETUP of a race case: SKIPs with the reason when the machine
 * cannot run it, fails on a set-up error; true when the case may run.
 */
static inline bool race_case_setup(struct __test_metadata *_metadata,
				   struct race_env *env, const char *race,
				   const char *trigger, unsigned int needs)
{
	char why[256];
	int ret;

	verdict_case_name(trigger, _metadata->name);
	ret = race_env_setup(env, race, trigger, needs, why, sizeof(why));
	if (ret)
		verdict_case_abandon();	/* no teardown will finish it */
	if (ret > 0)
		SKIP(return false, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	return true;
}

/* A further set-up step's 0 / 1 (SKIP) / -1 (error) answer, as above. */
static inline bool race_case_check(struct __test_metadata *_metadata,
				   int ret, const char *why)
{
	if (ret)
		verdict_case_abandon();
	if (ret > 0)
		SKIP(return false, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	return true;
}

/* The FIXTURE_TEARDOWN of a race case: restore, then the kernel's verdict. */
static inline void race_case_teardown(struct __test_metadata *_metadata,
				      struct race_env *env)
{
	EXPECT_EQ(0, race_env_teardown(env))
		TH_LOG("the kernel or the restore reported problems");
}

#endif
