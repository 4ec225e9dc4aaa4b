// SPDX-License-Identifier: GPL-2.0
/* Machine-wide locks; see lock.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lock.h"
#include "procs.h"

#define LOCK_POLL_US	20000
#define RUN_LOCK_WAIT_FMT \
	"# another migration_races run (pid %d) holds %s: waiting up to %.0f s for it to end\n"
#define RUN_LOCK_BUSY_FMT \
	"another migration_races run (pid %d) holds %s: refusing to run two at once"

bool mr_run_lock_unneeded;
static int run_lock_fd = -1;

static pid_t lock_holder(int fd)
{
	char buf[24];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return (pid_t)strtol(buf, NULL, 10);
}

int lock_take(const char *path, double timeout_s, pid_t *holder)
{
	double deadline = now_seconds() + timeout_s;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/* Polled, not blocking: a wait without a bound could hang a case. */
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int ret = -errno;

			close(fd);
			return ret;
		}
		if (now_seconds() >= deadline) {
			if (holder)
				*holder = lock_holder(fd);
			close(fd);
			return -EWOULDBLOCK;
		}
		usleep(LOCK_POLL_US);
	}
	return fd;
}

void lock_set_holder(int fd, pid_t pid)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%d\n", pid);

	if (ftruncate(fd, 0) || pwrite(fd, buf, n, 0) != n)
		return;	/* only the message of a later waiter suffers */
}

int run_lock_take(const char *path, double wait_s, char *msg, size_t len)
{
	pid_t holder = 0;
	int fd;

	if (mr_run_lock_unneeded)
		return 0;
	fd = lock_take(path, 0, &holder);
	if (fd == -EWOULDBLOCK && wait_s > 0) {
		fprintf(stderr, RUN_LOCK_WAIT_FMT, holder, path, wait_s);
		fd = lock_take(path, wait_s, &holder);
	}
	if (fd == -EWOULDBLOCK) {
		snprintf(msg, len, RUN_LOCK_BUSY_FMT, holder, path);
		return -1;
	}
	if (fd < 0)
		return 0;
	lock_set_holder(fd, getpid());
	run_lock_fd = fd;
	return 0;
}

void run_lock_forget(void)
{
	if (run_lock_fd >= 0)
		close(run_lock_fd);
	run_lock_fd = -1;
}
