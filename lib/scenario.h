/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one contract between a test program and a race scenario.
 *
 * A scenario (lib/scenario_*.c, one per race) is a struct scenario: the
 * race it drives, what the machine must have, and a run() that drives the
 * race with the case's trigger (struct race_env) for the case's duration
 * and fills a struct race_result.  The test program runs it with
 * race_case_run() (harness.h): set-up, run, verdict; FIXTURE_TEARDOWN
 * restores and reads the kernel's verdict.  Every race case therefore
 * reads the same: program -> scenario -> trigger.
 *
 * run() returns 0 when the race ran (what it saw is in the result: the
 * window events, named counters for the window line, the failures), 1
 * when this machine cannot run it (race_skip() says why) and -1 on a
 * set-up error (race_fail() says what).
 */
#ifndef MR_SCENARIO_H
#define MR_SCENARIO_H

#include <stdbool.h>

#include "race_env.h"

#define RACE_COUNTERS_MAX	32
#define RACE_TEXT_MAX		240

struct race_counter {
	const char *name;		/* a key of the window line */
	long long value;
};

struct race_result {
	long long events;		/* the window figure */
	struct race_counter counter[RACE_COUNTERS_MAX];
	int counters;
	long failures;
	char first_failure[RACE_TEXT_MAX];
	char skip[RACE_TEXT_MAX];	/* why the machine cannot run it */
	/* What "window not reached: ..." says when no event was seen. */
	char miss[RACE_TEXT_MAX];
};

struct scenario {
	const char *race;		/* "R1".."R4" */
	const char *name;		/* one name from program to offline case */
	unsigned int needs;		/* enum race_needs */
	int (*run)(struct race_env *env, const void *opts,
		   struct race_result *res);
};

void race_result_init(struct race_result *res);
/* Adds "name=value" to the window line (in the order of the calls). */
void race_count(struct race_result *res, const char *name, long long value);
/*
 * Records a failure of kind @kind: prints "# finding: race=Rn kind=KIND
 * trigger=T" (what scripts match) and the message, counts it, and keeps
 * the first message for the verdict.
 */
void race_fail(struct race_env *env, struct race_result *res,
	       const char *kind, const char *fmt, ...) __printf(4, 5);
/* Sets the SKIP reason; returns 1, what run() returns for a SKIP. */
int race_skip(struct race_result *res, const char *fmt, ...) __printf(2, 3);
/* Sets what the verdict says if the window was not reached. */
void race_miss(struct race_result *res, const char *fmt, ...) __printf(2, 3);
/*
 * Whether a step as long as @step_s (the last one) starts now: once the
 * window is seen (@events), only if it ends within the case's time
 * (race_time_for()); until then whenever time is left, for every chance
 * counts.
 */
bool race_step_time(struct race_env *env, long long events, double step_s);
/*
 * Whether a scenario's loop goes on: while the case's time holds a step
 * (race_step_time(); @step_s 0 for a loop of short steps) and, past it,
 * while @events is still 0, for twice that time more (30 s at most): a
 * busy machine then costs time rather than a false "window not reached".
 */
bool race_keep_going(struct race_env *env, long long events, double step_s);
/*
 * Prints the window line (events and every counter) and judges: 0 when
 * the window was reached and nothing failed.  No event: "window not
 * reached: <miss>", or the kernel's refusal (race_window_missed()).
 */
int race_verdict(struct race_env *env, const struct race_result *res);

#endif
