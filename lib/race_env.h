/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every race test case shares: what it needs (checked up front, a
 * SKIP with the reason when missing), the trigger it runs, the migrator
 * process, the undo guardian, the kernel's verdict and the window line.
 *
 * Test cases call race_env_setup() from FIXTURE_SETUP and
 * race_env_teardown() from FIXTURE_TEARDOWN; scenarios in lib/scenario_*.c
 * use the rest.
 */
#ifndef MR_RACE_ENV_H
#define MR_RACE_ENV_H

#include <stdbool.h>
#include <sys/types.h>

#include "kselftest.h"
#include "trigger.h"
#include "verdict.h"
#include "vmstat.h"

enum race_needs {
	NEED_ROOT	= 1 << 0,
	NEED_SWAP	= 1 << 1,	/* active swap, zram set up if none */
	NEED_KSM	= 1 << 2,
	NEED_THP	= 1 << 3,
	NEED_HUGETLB	= 1 << 4,
};

struct race_env {
	const char *race;		/* "R1".."R4" */
	const struct trigger *trigger;
	struct trigger_targets *targets;	/* shared with the migrator */
	struct trigger_stats *stats;		/* shared with the migrator */
	bool *stop;				/* shared with every worker */
	pid_t migrator;
	struct verdict verdict;
	struct vmstat_snap vm_before, vm_after;
	double t_start, t_end;
	/*
	 * Events counted when the case's nominal duration ran out, for a
	 * case that then ran on because its window was still closed; -1
	 * when it did not (all events are then within the duration).
	 */
	long long nominal_events;
	double seconds;		/* its nominal duration (race_env_stretch()) */
	bool set_up;
};

/*
 * Returns 0 when the case can run, 1 when it must SKIP, -1 on error; @why
 * says why in both cases.  @trigger_name NULL: a case that migrates
 * nothing (no trigger, no migrator) but restores and judges the kernel
 * as the race cases do.
 */
int race_env_setup(struct race_env *e, const char *race,
		   const char *trigger_name, unsigned int needs,
		   char *why, size_t len);
/* Starts the clock, the vmstat snapshot and the migrator. */
int race_env_start(struct race_env *e, unsigned int pause_us);
/*
 * Holds the migrator between rounds, waiting (bounded) until its round in
 * flight is over, or lets it go on.  Returns 0 or -errno.
 */
int race_env_hold(struct race_env *e, bool hold);
/* Stops the migrator, lets the trigger clean up, takes the vmstat delta. */
int race_env_stop(struct race_env *e);
/*
 * Restores everything and returns how many problems the kernel and the
 * restore reported (0 is good).  Safe to call after a failed set-up.
 */
int race_env_teardown(struct race_env *e);

/*
 * The case's watchdog fired (harness.h): stops and kills every other
 * process of the case, reaps the migrator and prints "# finding:
 * race=Rn kind=case_timeout trigger=T"; FIXTURE_TEARDOWN then restores.
 */
void race_env_overrun(struct race_env *e);

/* Seconds a case is meant to run (the environment's, options.h). */
double race_duration(void);
/*
 * Runs this case @times (at most MR_STRETCH_MAX) its duration, within
 * MR_MAX_SECONDS, where its window is rare on this kernel: @why says
 * why.  Before race_env_start(); the window line shows the result.
 */
void race_env_stretch(struct race_env *e, double times, const char *why);
bool race_time_left(struct race_env *e);
/*
 * Whether a step as long as @step_s (the last one), started now, ends
 * within the case's duration: a case made of long steps ends a little
 * before its nominal time rather than up to a step past it.
 */
bool race_time_for(struct race_env *e, double step_s);
long long race_vmstat_delta(struct race_env *e, const char *name);
/*
 * A case that runs past its duration (a miss extension) records what it
 * had counted when the duration ran out; only the first call counts.
 */
void race_env_nominal_end(struct race_env *e, long long events);

/*
 * Prints "window: race=Rn trigger=NAME events=N seconds=S
 * nominal_seconds=D nominal_events=M pages_requested=.. pages_moved=..
 * pages_refused=.. pgmigrate_fail=.." followed by @extra (more key=value
 * pairs, may be NULL).  M counts only what was seen within the case's
 * nominal duration D: the margin a soak judges.
 */
/*
 * A case that missed its window says so with @fmt ("window not reached:
 * ..."), unless the kernel refused its migrations: at least 64 pages
 * handed to the trigger and half of them refused page by page (move_pages
 * status, soft offline), or as many migrations failing as succeeding in
 * /proc/vmstat.  Then the line names the refusal and its figures, and a
 * "# finding: race=Rn kind=migration_refused ..." line follows.
 */
void race_window_missed(struct race_env *e, const char *fmt, ...)
	__printf(2, 3);
void race_window_print(struct race_env *e, long long events,
		       const char *extra_fmt, ...)
	__printf(3, 4);

#endif
