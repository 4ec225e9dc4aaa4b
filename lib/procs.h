/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Worker processes of a race test.  Workers die with the test (parent
 * death signal), so a killed test leaves no process behind, and their exit
 * codes name what they saw.
 */
#ifndef MR_PROCS_H
#define MR_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Exit codes of workers and children: what they saw. */
enum worker_exit {
	WORKER_OK = 0,
	WORKER_BAD_DATA = 10,	/* a page held the wrong pattern */
	WORKER_COW_LEAK = 11,	/* another process's write became visible */
	WORKER_BAD_ENTRY = 12,	/* a write migration entry in a COW mapping */
	WORKER_SYSCALL = 13,	/* a system call failed unexpectedly */
	WORKER_KSM = 14,	/* KSM accounting disagrees with pagemap */
};

const char *worker_exit_name(int code);

/* fork() with PR_SET_PDEATHSIG(SIGKILL); returns like fork(). */
pid_t worker_fork(void);
/*
 * Waits for @pid; returns 0 for a clean exit, else prints what happened
 * (exit code name or killing signal) with @what and returns -1.
 */
int worker_wait(pid_t pid, const char *what);
/*
 * SIGKILLs @pid and reaps it like worker_wait(), the SIGKILL counting as
 * a clean exit: a failure it exited with before is still reported.
 */
int worker_kill_wait(pid_t pid, const char *what);
/* SIGKILLs and reaps @n workers (entries <= 0 are skipped). */
void workers_kill(pid_t *pids, int n);

/*
 * SCHED_FIFO (priority 1), or back to SCHED_OTHER, for the calling
 * process; without CAP_SYS_NICE it stays as it is.  A process that polls
 * its pagemap for a migration in flight aims so: each of its wake-ups
 * preempts a migrator on its CPU at the migrator's next cond_resched(),
 * where a fair-class process waits for the migrator's slice to end.
 */
void sched_realtime(bool on);
/*
 * How long such a process sleeps between two looks: the migrator has the
 * CPU in between (polling every 50 us, it starved compaction).
 */
#define SCHED_REALTIME_POLL_US	2000

/* The @nth CPU this process may run on, or -1. */
int allowed_cpu(int nth);
/* Pins @pid (0: the caller) to @cpu; 0, or -errno (-EINVAL: @cpu < 0). */
int pin_to_cpu(pid_t pid, int cpu);

/* The process or kernel thread named @comm (the first found), or 0. */
pid_t task_by_comm(const char *comm);
/*
 * Whether the kernel stack of @pid (/proc/PID/stack: root and
 * CONFIG_STACKTRACE) names a function containing @fn: 1 or 0, -1 when it
 * cannot be read.  Where a parked migrator waits, without kprobes.
 */
int task_stack_has(pid_t pid, const char *fn);
/*
 * Pins the caller to an allowed CPU other than the one @pid last ran on,
 * where there is one.  Called before each round, it follows @pid around.
 */
void cpu_keep_apart(pid_t pid);

/* Zeroed MAP_SHARED memory that workers and the test both see. */
void *shared_alloc(size_t len);

/* Shared flag a supervisor raises to stop all workers. */
bool *stop_flag_create(void);
static inline bool stop_requested(bool *flag)
{
	return __atomic_load_n(flag, __ATOMIC_RELAXED);
}

static inline void stop_request(bool *flag)
{
	__atomic_store_n(flag, true, __ATOMIC_RELAXED);
}

double now_seconds(void);

/*
 * The harness runs each case in process groups of its own, which the
 * runner's SIGTERM to the harness does not reach: main() records the
 * running case's group here and kills it when it is killed itself, so the
 * undo guardian restores at once instead of after the case ran out.
 */
int case_pgrp_init(void);
void case_pgrp_publish(void);
void case_pgrp_kill(void);
/*
 * SIGKILLs every process of the caller's process group but the caller
 * and the group's leader (the harness's child, which waits for it).
 */
void case_pgrp_kill_others(void);

#endif
