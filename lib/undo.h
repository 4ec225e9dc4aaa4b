/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Leave the system as it was found: every knob, swap device and memory
 * block a test changes is recorded here before it is changed, and restored
 * in reverse order at the end of the test.
 *
 * The harness SIGKILLs a test's process group on timeout and the runner
 * kills the harness, so restoring from the test itself is not enough: a
 * guardian process, in a session of its own, keeps a copy of the log and
 * restores it when the last process of the test is gone.
 */
#ifndef MR_UNDO_H
#define MR_UNDO_H

#include <stdbool.h>
#include <stddef.h>

enum undo_kind {
	UNDO_WRITE,	/* write value to path unless it already reads expect */
	UNDO_SWAPOFF,	/* swapoff(path) */
	UNDO_CLEAR,	/* guardian: the test restored everything itself */
};

#define UNDO_PATH_MAX	192
#define UNDO_VALUE_MAX	64

struct undo_entry {
	int kind;
	char path[UNDO_PATH_MAX];
	char value[UNDO_VALUE_MAX];
	char expect[UNDO_VALUE_MAX];	/* "" = always write */
};

int undo_start(void);
int undo_add(int kind, const char *path, const char *value,
	     const char *expect);
void undo_run(void);

/* Knob helpers built on the log. */
int knob_read(const char *path, char *buf, size_t len);
int knob_write(const char *path, const char *value);
/* Saves the knob's current value in the log, then writes @value. */
int knob_set(const char *path, const char *value);
int knob_set_long(const char *path, long value);

#endif
