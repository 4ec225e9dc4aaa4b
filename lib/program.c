// SPDX-License-Identifier: GPL-2.0
/*
 * What every test program does before the harness runs its first case,
 * in a constructor: each program's main() is the harness's own
 * TEST_HARNESS_MAIN, and nothing here touches the harness.  It reads the
 * duration (options.h), takes the run lock, lets a runner's SIGTERM take
 * the running case down with the program, and opens the kernel log that
 * every case's verdict reads.  A bad duration or a second run at once
 * ends the program with status 1 before any case ran.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "lock.h"
#include "options.h"
#include "procs.h"
#include "verdict.h"

#define RUN_LOCK_WAIT_S	60

/* Killed by the runner: take the running case down with us. */
static void kill_running_case(int sig)
{
	case_pgrp_kill();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void __attribute__((constructor)) program_start(void)
{
	char msg[256];

	if (mr_options_parse())
		exit(1);	/* usage error, already explained */
	/*
	 * Exit 1, not SKIP: a second run at once is a mistake of whoever
	 * started it, and a runner must report it as a failure rather than
	 * a green run that tested nothing.  The wait lets the processes
	 * of a run the runner just killed end first.
	 */
	if (run_lock_take(MR_RUN_LOCK, RUN_LOCK_WAIT_S, msg, sizeof(msg))) {
		fprintf(stderr, "%s: %s\n", program_invocation_short_name, msg);
		exit(1);
	}
	if (!case_pgrp_init()) {
		signal(SIGTERM, kill_running_case);
		signal(SIGINT, kill_running_case);
		signal(SIGHUP, kill_running_case);
	}
	/* Before the first case: its records and a killed case's are read. */
	verdict_program_start();
}
