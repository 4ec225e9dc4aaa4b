// SPDX-License-Identifier: GPL-2.0
/* The obvious loops' common pieces: see obvious.h. */
#include <errno.h>
#include <fcntl.h>
#include <numa.h>
#include <numaif.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "obvious.h"

long seconds_arg(int argc, char **argv)
{
	long seconds = 0;
	char *stop = NULL;

	if (argc == 2)
		seconds = strtol(argv[1], &stop, 10);
	if (argc != 2 || *stop || seconds < 1 || seconds > 3600) {
		fprintf(stderr, "usage: %s SECONDS (1 to 3600)\n", argv[0]);
		exit(1);
	}
	return seconds;
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

pid_t start_compactor(bool per_node)
{
	int node = 0, nodes = numa_max_node() + 1;
	pid_t pid = fork();
	char path[64];

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		snprintf(path, sizeof(path), NODE_COMPACT, node++ % nodes);
		if (write_str(per_node ? path : COMPACT_MEMORY, "1"))
			_exit(1);
	}
}

int stop_compactor(pid_t pid, const char *name)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status))
		return 0;
	printf("%s: the compactor stopped: a write to %s or a node's compact file failed\n",
	       name, COMPACT_MEMORY);
	return 1;
}

void *pingpong_main(void *arg)
{
	struct pingpong *pp = arg;
	void **pages = calloc(pp->npages, sizeof(*pages));
	int *nodes = calloc(pp->npages, sizeof(*nodes));
	int *status = calloc(pp->npages, sizeof(*status));
	size_t i;

	if (!pages || !nodes || !status) {
		pp->error = ENOMEM;
		return NULL;
	}
	for (i = 0; i < pp->npages; i++)
		pages[i] = pp->region + i * pp->psz;
	while (!__atomic_load_n(&pp->stop, __ATOMIC_RELAXED)) {
		for (i = 0; i < pp->npages; i++)
			nodes[i] = (pp->calls + 1) % 2;
		if (move_pages(0, pp->npages, pages, nodes, status,
			       MPOL_MF_MOVE_ALL) < 0) {
			pp->error = errno;
			break;
		}
		pp->calls++;
	}
	free(pages);
	free(nodes);
	free(status);
	return NULL;
}

int fork_checks(double end, int (*intact)(void), unsigned long *forks,
		unsigned long *bad)
{
	int status;
	pid_t pid;

	while (now() < end) {
		pid = fork();
		if (!pid)
			_exit(intact() ? 0 : 1);
		if (pid < 0) {
			perror("fork");
			return -1;
		}
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			(*bad)++;
		(*forks)++;
	}
	return 0;
}
