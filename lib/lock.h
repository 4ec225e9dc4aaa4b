/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Machine-wide locks (flock on a file under /run).
 *
 * The run lock: one program of the suite at a time on a machine.  Two
 * runs at once would each save the other's changed knobs as "original"
 * and restore them, and their migrations would blur each other's windows.
 * A program holds it from main() to its exit; programs run one after
 * another are fine, only concurrent ones are refused.
 *
 * The undo lock (see undo.c): held by a case's restore guardian until it
 * has restored, so that the next case never saves modified values.
 */
#ifndef MR_LOCK_H
#define MR_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MR_RUN_LOCK	"/run/migration_races.lock"
#define MR_UNDO_LOCK	"/run/migration_races.undo.lock"

/*
 * Takes an exclusive flock on @path (created if missing), waiting at most
 * @timeout_s seconds (0: one try).  Returns the locked fd; -EWOULDBLOCK
 * when another holds it, with its pid (as written by lock_set_holder(), 0
 * if unknown) in *@holder; or -errno when the file cannot be opened.
 */
int lock_take(const char *path, double timeout_s, pid_t *holder);
/* Records @pid as the holder, for the message of whoever waits next. */
void lock_set_holder(int fd, pid_t pid);

/* Set before main() (a constructor) by programs that change nothing. */
extern bool mr_run_lock_unneeded;
/*
 * Takes the run lock on @path for the rest of the program, waiting up to
 * @wait_s for a holder to let go: the processes of a program the runner
 * just killed may still be ending (a case's children finishing a system
 * call, the restore).  Returns 0, also when @path cannot be opened (not
 * root: such a run changes nothing); -1 with the reason in @msg when
 * another run still holds it.
 */
int run_lock_take(const char *path, double wait_s, char *msg, size_t len);
/* In a process that outlives the program (the guardian): let go of it. */
void run_lock_forget(void);

#endif
