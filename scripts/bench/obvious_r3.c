// SPDX-License-Identifier: GPL-2.0
/*
 * The obvious loop for R3 (fork copying migration entries), as a kernel
 * developer would write it in an afternoon: a thread moves a filled
 * region back and forth between nodes 0 and 1 with move_pages(2) while
 * the main thread forks children that check the region and exit.
 * MPOL_MF_MOVE_ALL, as the children share the pages while they live.  A
 * bench.sh subject, not part of the suite.
 *
 * Usage: obvious_r3 SECONDS.  Exit 0 done, 1 usage or set-up error or a
 * child that saw wrong contents, 4 fewer than two NUMA nodes (skip).
 */
#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REGION_SIZE	(16UL << 20)
#define EXIT_SKIP	4

static char *region;
static size_t psz, npages;
static int stop_moving, move_error;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Moves every page of the region to node 1, then to node 0, and so on. */
static void *mover(void *arg)
{
	void **pages = calloc(npages, sizeof(*pages));
	int *nodes = calloc(npages, sizeof(*nodes));
	int *status = calloc(npages, sizeof(*status));
	unsigned long *calls = arg;
	size_t i;

	if (!pages || !nodes || !status) {
		move_error = ENOMEM;
		return NULL;
	}
	for (i = 0; i < npages; i++)
		pages[i] = region + i * psz;
	while (!__atomic_load_n(&stop_moving, __ATOMIC_RELAXED)) {
		for (i = 0; i < npages; i++)
			nodes[i] = (*calls + 1) % 2;
		if (move_pages(0, npages, pages, nodes, status,
			       MPOL_MF_MOVE_ALL) < 0) {
			move_error = errno;
			break;
		}
		(*calls)++;
	}
	free(pages);
	free(nodes);
	free(status);
	return NULL;
}

/* A child's check: every page still holds its index. */
static int region_intact(void)
{
	size_t i;

	for (i = 0; i < npages; i++)
		if (*(size_t *)(region + i * psz) != i)
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long forks = 0, bad = 0, calls = 0;
	pthread_t thread;
	char *stop;
	long seconds;
	double end;
	pid_t pid = 0;
	int status;
	size_t i;

	seconds = argc == 2 ? strtol(argv[1], &stop, 10) : 0;
	if (argc != 2 || *stop || seconds < 1 || seconds > 3600) {
		fprintf(stderr, "usage: %s SECONDS (1 to 3600)\n", argv[0]);
		return 1;
	}
	if (numa_available() < 0 || numa_max_node() < 1) {
		printf("obvious_r3: SKIP: needs NUMA nodes 0 and 1\n");
		return EXIT_SKIP;
	}
	psz = getpagesize();
	npages = REGION_SIZE / psz;
	region = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (i = 0; i < npages; i++)
		*(size_t *)(region + i * psz) = i;

	if (pthread_create(&thread, NULL, mover, &calls)) {
		fprintf(stderr, "obvious_r3: cannot start the mover thread\n");
		return 1;
	}
	end = now() + seconds;
	while (now() < end) {
		pid = fork();
		if (!pid)
			_exit(region_intact() ? 0 : 1);
		if (pid < 0) {
			perror("fork");
			break;
		}
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			bad++;
		forks++;
	}
	__atomic_store_n(&stop_moving, 1, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);
	munmap(region, REGION_SIZE);

	printf("obvious_r3: in %ld s: %lu move_pages calls, %lu forks, %lu bad children\n",
	       seconds, calls, forks, bad);
	if (move_error)
		printf("obvious_r3: move_pages failed: %s\n", strerror(move_error));
	return bad || pid < 0 || move_error ? 1 : 0;
}
