// SPDX-License-Identifier: GPL-2.0
/* Undo log and restore guardian; see undo.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/swap.h>
#include <unistd.h>

#include "kselftest.h"
#include "undo.h"

#define UNDO_MAX	256

static struct undo_entry undo_log[UNDO_MAX];
static int undo_count;
static int guardian_fd = -1;

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
	}
	return 0;
}

static void apply_all(struct undo_entry *log, int count, bool quiet)
{
	int i, ret;

	for (i = count - 1; i >= 0; i--) {
		ret = apply_entry(&log[i]);
		if (ret && !quiet)
			fprintf(stderr, "# restore %s (%s) failed: %s\n",
				log[i].path, log[i].value, strerror(-ret));
	}
}

static void guardian_loop(int fd)
{
	static struct undo_entry log[UNDO_MAX];
	struct undo_entry e;
	int count = 0;

	while (read(fd, &e, sizeof(e)) == sizeof(e)) {
		if (e.kind == UNDO_CLEAR)
			count = 0;
		else if (count < UNDO_MAX)
			log[count++] = e;
	}
	/* Every writer is gone: the test ended or was killed. */
	apply_all(log, count, false);
}

int undo_start(void)
{
	int pipefd[2];
	pid_t pid;

	undo_count = 0;
	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(pipefd[1]);
		setsid();	/* out of the test's process group */
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		guardian_loop(pipefd[0]);
		_exit(0);
	}
	close(pipefd[0]);
	guardian_fd = pipefd[1];
	return 0;
}

static void guardian_send(const struct undo_entry *e)
{
	if (guardian_fd >= 0 && write(guardian_fd, e, sizeof(*e)) != sizeof(*e))
		fprintf(stderr, "# undo guardian lost: %s\n", strerror(errno));
}

int undo_add(int kind, const char *path, const char *value,
	     const char *expect)
{
	struct undo_entry *e;

	if (undo_count >= UNDO_MAX)
		return -ENOSPC;
	e = &undo_log[undo_count++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	snprintf(e->path, sizeof(e->path), "%s", path);
	snprintf(e->value, sizeof(e->value), "%s", value ? value : "");
	snprintf(e->expect, sizeof(e->expect), "%s", expect ? expect : "");
	guardian_send(e);
	return 0;
}

void undo_run(void)
{
	struct undo_entry clear = { .kind = UNDO_CLEAR };

	apply_all(undo_log, undo_count, false);
	undo_count = 0;
	guardian_send(&clear);
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
