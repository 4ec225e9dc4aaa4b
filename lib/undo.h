/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Leave the system as it was found: every knob, swap device, memory
 * block, mount, module and poisoned page a test changes is recorded here
 * before it is changed, and restored in reverse order at the end of the
 * test.
 *
 * The harness SIGKILLs a test's process group on timeout and the runner
 * kills the harness, so restoring from the test itself is not enough: a
 * guardian process, in a session of its own, shares the log and restores
 * what is left of it when the last process of the test is gone.  The log
 * lives in shared memory, so entries added by any process of the case
 * (the migrator's memory blocks and poisoned pages) reach both the test's
 * own restore and the guardian.
 *
 * The guardian holds MR_UNDO_LOCK until it has restored: the next case
 * waits for it (bounded) before it saves anything, so it never takes a
 * value the previous case changed for the original.
 */
#ifndef MR_UNDO_H
#define MR_UNDO_H

#include <stdbool.h>
#include <stddef.h>

enum undo_kind {
	UNDO_WRITE = 1,	/* write value to path unless it already reads expect */
	UNDO_SWAPOFF,	/* swapoff(path) */
	UNDO_CALL,	/* fn(entry): restores what only its module knows how */
};

#define UNDO_MAX	2048	/* soft offline's budget, and the knobs */
#define UNDO_PATH_MAX	192
#define UNDO_VALUE_MAX	64
/* How long a case waits for the previous case's guardian to restore. */
#define UNDO_LOCK_TIMEOUT_S	30

struct undo_entry;
/* Returns 0 when restored (or nothing to do), else -errno. */
typedef int (*undo_fn)(const struct undo_entry *e);

struct undo_entry {
	int state;	/* 0 being written, then live, then done */
	int kind;
	undo_fn fn;	/* UNDO_CALL; valid in every fork of the test */
	char path[UNDO_PATH_MAX];
	char value[UNDO_VALUE_MAX];
	char expect[UNDO_VALUE_MAX];	/* "" = always write */
};

/*
 * Waits for the previous case's guardian, starts this case's one with an
 * empty log.  Returns 0, or -errno with the reason in @why.
 */
int undo_start(char *why, size_t len);
/*
 * Records how to undo a change about to be made.  A full log refuses
 * (-ENOSPC, with a message): the caller must not make the change.
 */
int undo_add(int kind, const char *path, const char *value,
	     const char *expect);
int undo_add_call(undo_fn fn, const char *path, const char *value);
/*
 * Restores every live entry, newest first, and marks it done.  Returns
 * how many could not be restored (each reported on stderr).
 */
int undo_run(void);

/* Knob helpers built on the log. */
int knob_read(const char *path, char *buf, size_t len);
int knob_write(const char *path, const char *value);
/* Saves the knob's current value in the log, then writes @value. */
int knob_set(const char *path, const char *value);
int knob_set_long(const char *path, long value);

#endif
