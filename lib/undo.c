// SPDX-License-Identifier: GPL-2.0
/* Undo log and restore guardian; see undo.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/swap.h>
#include <unistd.h>

#include "kselftest.h"
#include "lock.h"
#include "procs.h"
#include "undo.h"

#define OOM_REFUSED \
	"# restore guardian: oom_score_adj -1000 refused (CAP_SYS_RESOURCE?): the OOM killer may pick it\n"

enum { UNDO_FREE, UNDO_LIVE, UNDO_DONE };	/* undo_entry.state */

/* In shared memory: every process of the case and the guardian see it. */
struct undo_log {
	int count;	/* slots handed out; passes UNDO_MAX once full */
	struct undo_entry e[UNDO_MAX];
};

static struct undo_log *ulog;
static int guardian_fd = -1;	/* its other end tells the guardian we live */

int knob_read(const char *path, char *buf, size_t len)
{
	char *open_br, *close_br;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	/* "always [madvise] never" style files: the selected word. */
	open_br = strchr(buf, '[');
	close_br = open_br ? strchr(open_br, ']') : NULL;
	if (open_br && close_br) {
		*close_br = '\0';
		memmove(buf, open_br + 1, strlen(open_br + 1) + 1);
	}
	return 0;
}

int knob_write(const char *path, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		n = -errno;
	close(fd);
	return n == (ssize_t)len ? 0 : (n < 0 ? (int)n : -EIO);
}

static int apply_entry(const struct undo_entry *e)
{
	char cur[UNDO_VALUE_MAX];

	switch (e->kind) {
	case UNDO_WRITE:
		if (e->expect[0] && !knob_read(e->path, cur, sizeof(cur)) &&
		    !strcmp(cur, e->expect))
			return 0;
		return knob_write(e->path, e->value);
	case UNDO_SWAPOFF:
		if (swapoff(e->path) && errno != EINVAL)
			return -errno;
		return 0;
	case UNDO_CALL:
		return e->fn ? e->fn(e) : 0;
	}
	return 0;
}

/* Newest first; every entry is done once tried, so nothing runs twice. */
static int apply_all(struct undo_log *log)
{
	int i, ret, failed = 0, n;

	if (!log)
		return 0;
	n = __atomic_load_n(&log->count, __ATOMIC_ACQUIRE);
	for (i = (n < UNDO_MAX ? n : UNDO_MAX) - 1; i >= 0; i--) {
		struct undo_entry *e = &log->e[i];

		if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != UNDO_LIVE)
			continue;
		ret = apply_entry(e);
		__atomic_store_n(&e->state, UNDO_DONE, __ATOMIC_RELEASE);
		if (ret) {
			failed++;
			fprintf(stderr, "# restore %s (%s) failed: %s\n",
				e->path, e->value, strerror(-ret));
		}
	}
	return failed;
}

static struct undo_log *undo_log_new(void)
{
	if (ulog)
		munmap(ulog, sizeof(*ulog));
	ulog = shared_alloc(sizeof(*ulog));
	return ulog;
}

/* Waits until every process of the case is gone, then restores. */
static void __noreturn guardian_main(int pipe_rd)
{
	char c, buf[16];
	ssize_t n;

	setsid();	/* out of the test's process group */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	/* The next program of the suite must not find us holding it. */
	run_lock_forget();
	/*
	 * When memory runs out the test's processes should go, not the one
	 * that puts the machine back: the OOM killer's last choice.
	 */
	if (knob_write("/proc/self/oom_score_adj", "-1000") ||
	    knob_read("/proc/self/oom_score_adj", buf, sizeof(buf)) ||
	    strcmp(buf, "-1000"))
		fputs(OOM_REFUSED, stderr);
	do
		n = read(pipe_rd, &c, 1);
	while (n > 0 || (n < 0 && errno == EINTR));
	/* Every writer is gone: the test ended or was killed. */
	apply_all(ulog);
	/* Exiting lets go of MR_UNDO_LOCK: the next case may save now. */
	_exit(0);
}

/* The previous case's guardian first: it may still be restoring. */
static int undo_lock_wait(char *why, size_t len)
{
	pid_t holder = 0;
	int fd = lock_take(MR_UNDO_LOCK, UNDO_LOCK_TIMEOUT_S, &holder);

	if (fd == -EWOULDBLOCK)
		snprintf(why, len,
			 "the restore guardian (pid %d) of an earlier case has not finished in %d s (%s)",
			 holder, UNDO_LOCK_TIMEOUT_S, MR_UNDO_LOCK);
	/* Cannot open it (not root): such a run changes nothing. */
	return fd == -EWOULDBLOCK ? -ETIMEDOUT : fd;
}

int undo_start(char *why, size_t len)
{
	int pipefd[2], lock_fd, ret;
	pid_t pid;

	lock_fd = undo_lock_wait(why, len);
	if (lock_fd == -ETIMEDOUT)
		return lock_fd;
	if (!undo_log_new()) {
		ret = -ENOMEM;
		goto fail;
	}
	if (pipe2(pipefd, O_CLOEXEC)) {
		ret = -errno;
		goto fail;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		goto fail;
	}
	if (pid == 0) {
		close(pipefd[1]);
		guardian_main(pipefd[0]);	/* keeps lock_fd to its end */
	}
	close(pipefd[0]);
	guardian_fd = pipefd[1];
	if (lock_fd >= 0) {
		lock_set_holder(lock_fd, pid);
		close(lock_fd);
	}
	return 0;
fail:
	snprintf(why, len, "cannot start the restore guardian: %s",
		 strerror(-ret));
	if (lock_fd >= 0)
		close(lock_fd);
	return ret;
}

/* A slot of the log, or NULL when it is full (said so on stderr). */
static struct undo_entry *undo_slot(const char *path)
{
	int i;

	if (!ulog && !undo_log_new())
		return NULL;
	i = __atomic_fetch_add(&ulog->count, 1, __ATOMIC_ACQ_REL);
	if (i < UNDO_MAX)
		return &ulog->e[i];
	fprintf(stderr,
		"# undo log full (%d entries): refusing to change %s\n",
		UNDO_MAX, path);
	return NULL;
}

static int undo_add_entry(int kind, undo_fn fn, const char *path,
			  const char *value, const char *expect)
{
	struct undo_entry *e = undo_slot(path);

	if (!e)
		return -ENOSPC;
	e->kind = kind;
	e->fn = fn;
	snprintf(e->path, sizeof(e->path), "%s", path);
	snprintf(e->value, sizeof(e->value), "%s", value ? value : "");
	snprintf(e->expect, sizeof(e->expect), "%s", expect ? expect : "");
	/* Live only when complete: a kill half-way leaves a free slot. */
	__atomic_store_n(&e->state, UNDO_LIVE, __ATOMIC_RELEASE);
	return 0;
}

int undo_add(int kind, const char *path, const char *value,
	     const char *expect)
{
	return undo_add_entry(kind, NULL, path, value, expect);
}

int undo_add_call(undo_fn fn, const char *path, const char *value)
{
	return undo_add_entry(UNDO_CALL, fn, path, value, NULL);
}

int undo_run(void)
{
	return apply_all(ulog);
}

int knob_set(const char *path, const char *value)
{
	char old[UNDO_VALUE_MAX];
	int ret;

	ret = knob_read(path, old, sizeof(old));
	if (ret)
		return ret;
	ret = undo_add(UNDO_WRITE, path, old, old);
	if (ret)
		return ret;
	return knob_write(path, value);
}

int knob_set_long(const char *path, long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", value);
	return knob_set(path, buf);
}
