// SPDX-License-Identifier: GPL-2.0
/* Worker processes; see procs.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procs.h"

const char *worker_exit_name(int code)
{
	switch (code) {
	case WORKER_OK:
		return "ok";
	case WORKER_BAD_DATA:
		return "bad data";
	case WORKER_COW_LEAK:
		return "COW leak";
	case WORKER_BAD_ENTRY:
		return "writable migration entry in a COW mapping";
	case WORKER_SYSCALL:
		return "system call failed";
	case WORKER_KSM:
		return "KSM accounting";
	}
	return "unexpected exit code";
}

pid_t worker_fork(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* The parent may have died before prctl() took effect. */
		if (getppid() != parent)
			_exit(WORKER_SYSCALL);
	}
	return pid;
}

/* 0 for a clean exit, or for SIGKILL when @killed; else says why, -1. */
static int worker_status(pid_t pid, const char *what, bool killed)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_OK)
		return 0;
	if (killed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		return 0;
	if (WIFEXITED(status))
		printf("# %s %d exited %d (%s)\n", what, pid,
		       WEXITSTATUS(status),
		       worker_exit_name(WEXITSTATUS(status)));
	else
		printf("# %s %d killed by signal %d (%s)\n", what, pid,
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	return -1;
}

int worker_wait(pid_t pid, const char *what)
{
	return worker_status(pid, what, false);
}

int worker_kill_wait(pid_t pid, const char *what)
{
	kill(pid, SIGKILL);
	return worker_status(pid, what, true);
}

void workers_kill(pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	for (i = 0; i < n; i++)
		if (pids[i] > 0) {
			waitpid(pids[i], NULL, 0);
			pids[i] = 0;
		}
}

void sched_realtime(bool on)
{
	struct sched_param p = { .sched_priority = on ? 1 : 0 };

	sched_setscheduler(0, on ? SCHED_FIFO : SCHED_OTHER, &p);
}

pid_t task_by_comm(const char *comm)
{
	char path[300], name[64];
	struct dirent *e;
	pid_t found = 0;
	DIR *d;
	FILE *f;

	d = opendir("/proc");
	while (d && !found && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f)) {
			name[strcspn(name, "\n")] = 0;
			if (!strcmp(name, comm))
				found = atoi(e->d_name);
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

int task_stack_has(pid_t pid, const char *fn)
{
	char path[32], buf[2048];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return !!strstr(buf, fn);
}

/*
 * /proc/@name/stat read into @buf, from the ')' that ends the command
 * name (which may hold spaces and parentheses); NULL if unreadable.
 */
static const char *proc_stat_fields(const char *name, char *buf, size_t len)
{
	char path[300];
	const char *rest;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/stat", name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	rest = fgets(buf, len, f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	return rest;
}

/* Field 39 of /proc/PID/stat, "processor"; -1 if unknown. */
static int task_last_cpu(pid_t pid)
{
	char name[16], buf[1024];
	const char *p;
	int field;

	snprintf(name, sizeof(name), "%d", pid);
	p = proc_stat_fields(name, buf, sizeof(buf));
	/* p is at the end of field 2. */
	for (field = 2; p && field < 39; field++)
		p = strchr(p + 1, ' ');
	return p ? atoi(p + 1) : -1;
}

int allowed_cpu(int nth)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set) && !nth--)
			return cpu;
	return -1;
}

int pin_to_cpu(pid_t pid, int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return -EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(pid, sizeof(set), &set) ? -errno : 0;
}

void cpu_keep_apart(pid_t pid)
{
	static cpu_set_t allowed;
	static bool known;
	int busy = task_last_cpu(pid), cpu;

	if (!known)
		known = !sched_getaffinity(0, sizeof(allowed), &allowed);
	if (!known || busy < 0)
		return;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (cpu != busy && CPU_ISSET(cpu, &allowed))
			break;
	if (cpu < CPU_SETSIZE)
		pin_to_cpu(0, cpu);
}

void *shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;	/* zero-filled */
}

bool *stop_flag_create(void)
{
	return shared_alloc(sizeof(bool));
}

static pid_t *running_pgrp;

int case_pgrp_init(void)
{
	running_pgrp = shared_alloc(sizeof(*running_pgrp));
	return running_pgrp ? 0 : -1;
}

void case_pgrp_publish(void)
{
	if (running_pgrp)
		__atomic_store_n(running_pgrp, getpgrp(), __ATOMIC_RELEASE);
}

void case_pgrp_kill(void)
{
	pid_t pgrp = running_pgrp ? __atomic_load_n(running_pgrp, __ATOMIC_ACQUIRE) : 0;

	if (pgrp > 1 && pgrp != getpgrp())
		kill(-pgrp, SIGKILL);
}

/* Whether /proc/@name is a live process of group @pgrp. */
static bool in_pgrp(const char *name, pid_t pgrp)
{
	char stat[512], state;
	const char *rest = proc_stat_fields(name, stat, sizeof(stat));
	int grp;

	return rest && sscanf(rest, ") %c %*d %d", &state, &grp) == 2 &&
	       grp == pgrp && state != 'Z';
}

void case_pgrp_kill_others(void)
{
	pid_t pgrp = getpgrp(), self = getpid(), pid;
	struct dirent *d;
	int round, found;
	DIR *dir;

	/* Rounds: a worker may fork while the last round kills. */
	for (round = 0, found = 1; found && round < 10; round++) {
		dir = opendir("/proc");
		if (!dir)
			return;
		found = 0;
		while ((d = readdir(dir))) {
			pid = atoi(d->d_name);
			if (pid > 0 && pid != self && pid != pgrp &&
			    in_pgrp(d->d_name, pgrp)) {
				kill(pid, SIGKILL);
				found++;
			}
		}
		closedir(dir);
		usleep(10000);
	}
}

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
