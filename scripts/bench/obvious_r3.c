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
#include <numa.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "obvious.h"

#define REGION_SIZE	(16UL << 20)

static char *region;
static size_t psz, npages;

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
	long seconds = seconds_arg(argc, argv);
	unsigned long forks = 0, bad = 0;
	struct pingpong pp;
	pthread_t thread;
	int forked;
	size_t i;

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

	pp = (struct pingpong){ .region = region, .npages = npages, .psz = psz };
	if (pthread_create(&thread, NULL, pingpong_main, &pp)) {
		fprintf(stderr, "obvious_r3: cannot start the mover thread\n");
		return 1;
	}
	forked = fork_checks(now() + seconds, region_intact, &forks, &bad);
	__atomic_store_n(&pp.stop, 1, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);
	munmap(region, REGION_SIZE);

	printf("obvious_r3: in %ld s: %lu move_pages calls, %lu forks, %lu bad children\n",
	       seconds, pp.calls, forks, bad);
	if (pp.error)
		printf("obvious_r3: move_pages failed: %s\n", strerror(pp.error));
	return bad || forked < 0 || pp.error ? 1 : 0;
}
