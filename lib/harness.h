/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the race cases of every program share, on top of
 * kselftest_harness.h and with its documented macros only: each program
 * ends with TEST_HARNESS_MAIN, its race cases are
 * TEST_F_TIMEOUT(..., RACE_CASE_TIMEOUT) (options.h), and what runs before
 * the first case is lib/program.c's constructor.
 */
#ifndef MR_HARNESS_H
#define MR_HARNESS_H

#include <signal.h>
#include <unistd.h>

#include "known_bugs.h"
#include "options.h"
#include "race_env.h"
#include "scenario.h"

#define OVERRUN_FMT \
	"still running %d s (2 x %.1f s + 60 s) after its set-up: its processes were killed"

/*
 * The case's watchdog: SIGALRM mr_watchdog_seconds() after a successful
 * set-up, in the case's own process.  It kills every other process of the
 * case and fails it with an ASSERT, whose jump back into the harness then
 * runs FIXTURE_TEARDOWN: the restore and the kernel's verdict as for any
 * case.  The processes the case forks inherit the handler but not the
 * alarm, and ignore it.
 */
static struct __test_metadata *race_watched;
static struct race_env *race_watched_env;
static pid_t race_watched_pid;

static void race_case_overrun(int sig)
{
	struct __test_metadata *_metadata = race_watched;
	double seconds;
	int overran_s;

	if (!_metadata || getpid() != race_watched_pid)
		return;
	seconds = race_watched_env->seconds;
	overran_s = mr_watchdog_seconds_for(seconds);
	race_env_overrun(race_watched_env);
	ASSERT_EQ(0, overran_s)
		TH_LOG(OVERRUN_FMT, overran_s, seconds);
}

static inline void race_case_watch(struct __test_metadata *_metadata,
				   struct race_env *env)
{
	struct sigaction sa = {
		.sa_handler = race_case_overrun,
		.sa_flags = SA_NODEFER | SA_RESETHAND,
	};

	race_watched = _metadata;
	race_watched_env = env;
	race_watched_pid = getpid();
	sigaction(SIGALRM, &sa, NULL);
	alarm(mr_watchdog_seconds());
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
	race_case_watch(_metadata, env);
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

/*
 * A race case, the same in every program: set-up (SKIP with the reason
 * when the machine cannot run it), the scenario's run with @opts, its
 * verdict.  FIXTURE_TEARDOWN calls race_case_teardown().
 */
static inline void race_case_run(struct __test_metadata *_metadata,
				 struct race_env *env,
				 const struct scenario *s, const char *trigger,
				 const void *opts)
{
	struct race_result res;
	int ret;

	if (!race_case_setup(_metadata, env, s->race, trigger, s->needs))
		return;
	race_result_init(&res);
	ret = s->run(env, opts, &res);
	if (!race_case_check(_metadata, ret,
			     ret > 0 ? res.skip : res.first_failure))
		return;
	EXPECT_EQ(0, race_verdict(env, &res));
}

/*
 * Last thing in the FIXTURE_TEARDOWN of a case that lib/known_bugs.c may
 * declare, once race_case_teardown() found the restore and the kernel
 * clean (a case the kernel's log or taint failed is not settled): on a
 * kernel the declaration applies to, the case's verdict becomes XFAIL or
 * XPASS (see known_bugs.h).  @variant is the variant's name, NULL for a
 * fixture without variants: the case's name is fixture[.variant].test, as
 * the harness prints it.  An aborted case (a failed ASSERT) is left
 * alone: the harness fails it anyway.
 */
static inline void known_bug_settle(struct __test_metadata *_metadata,
				    const char *variant)
{
	char name[256];
	int code;

	if (_metadata->aborted)
		return;
	snprintf(name, sizeof(name), "%s%s%s.%s", _metadata->fixture->name,
		 variant ? "." : "", variant ? variant : "", _metadata->name);
	code = known_bug_outcome(name, _metadata->exit_code,
				 _metadata->results->reason,
				 sizeof(_metadata->results->reason));
	_metadata->exit_code = code;
}

/*
 * The FIXTURE_TEARDOWN of a race case: restore, then the kernel's verdict.
 * True when both were clean.
 */
static inline bool race_case_teardown(struct __test_metadata *_metadata,
				      struct race_env *env)
{
	int problems;

	alarm(0);	/* the watchdog: the restore has its own bounds */
	problems = race_env_teardown(env);
	EXPECT_EQ(0, problems)
		TH_LOG("the kernel or the restore reported problems");
	return !problems;
}

#endif
