// SPDX-License-Identifier: GPL-2.0
/* main() of every test program; see harness.h. */
#include <signal.h>
#include <stdio.h>

#include "lock.h"
#include "options.h"
#include "procs.h"
#include "verdict.h"

int (*mr_harness_entry)(int argc, char **argv);

/* Killed by the runner: take the running case down with us. */
static void kill_running_case(int sig)
{
	case_pgrp_kill();
	signal(sig, SIG_DFL);
	raise(sig);
}

int main(int argc, char **argv)
{
	char msg[256];

	if (mr_options_parse(&argc, argv))
		return 1;	/* usage error, already explained */
	/*
	 * Exit 1, not SKIP: a second run at once is a mistake of whoever
	 * started it, and a runner must report it as a failure rather than
	 * a green run that tested nothing.
	 */
	if (run_lock_take(MR_RUN_LOCK, msg, sizeof(msg))) {
		fprintf(stderr, "%s: %s\n", argv[0], msg);
		return 1;
	}
	if (!mr_harness_entry) {
		fprintf(stderr, "%s: built without harness.h\n", argv[0]);
		return 1;
	}
	if (!case_pgrp_init()) {
		signal(SIGTERM, kill_running_case);
		signal(SIGINT, kill_running_case);
		signal(SIGHUP, kill_running_case);
	}
	/* Before the first case: its records and a killed case's are read. */
	verdict_program_start();
	return mr_harness_entry(argc, argv);
}
