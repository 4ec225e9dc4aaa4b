// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's ceiling for bench.sh: as many pages migrated per second as a
 * process can ask of the kernel.  One mover thread per CPU, each moving
 * its own region of base pages between nodes 0 and 1 with move_pages(2)
 * as fast as the kernel returns: no fork, no unmap, no compaction scan,
 * nothing but the migration itself.  Base pages, because every window
 * the suite counts is one per folio and a THP would count 512 pages for
 * one copy.  bench.sh takes the highest pages-migrated rate of any
 * subject as the ceiling; this one is there so that the figure does not
 * depend on which peers happened to run.  Not part of the suite.
 *
 * Usage: ceiling SECONDS.  Exit 0 done, 1 usage or set-up error or a
 * mover that failed, 4 fewer than two NUMA nodes (skip).
 */
#include <numa.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "obvious.h"

#define REGION_SIZE	(32UL << 20)
#define MAX_MOVERS	16

static struct pingpong movers[MAX_MOVERS];
static pthread_t threads[MAX_MOVERS];

/* A region of base pages, each written so that it exists. */
static char *base_region(size_t psz)
{
	char *p = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, REGION_SIZE, MADV_NOHUGEPAGE);
	for (i = 0; i < REGION_SIZE; i += psz)
		p[i] = 1;
	return p;
}

/* Starts @n movers; returns how many started (all of them, or it said why not). */
static int start_movers(int n, size_t psz)
{
	int i;

	for (i = 0; i < n; i++) {
		movers[i].region = base_region(psz);
		if (!movers[i].region) {
			perror("mmap");
			break;
		}
		movers[i].npages = REGION_SIZE / psz;
		movers[i].psz = psz;
		if (pthread_create(&threads[i], NULL, pingpong_main, &movers[i])) {
			fprintf(stderr, "ceiling: cannot start a mover thread\n");
			break;
		}
	}
	return i;
}

int main(int argc, char **argv)
{
	long seconds = seconds_arg(argc, argv);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long calls = 0;
	int i, n, started, err = 0;

	if (numa_available() < 0 || numa_max_node() < 1) {
		printf("ceiling: SKIP: needs NUMA nodes 0 and 1\n");
		return EXIT_SKIP;
	}
	n = cpus < 1 ? 1 : cpus > MAX_MOVERS ? MAX_MOVERS : cpus;
	started = start_movers(n, getpagesize());
	if (started == n)
		sleep(seconds);
	for (i = 0; i < started; i++) {
		__atomic_store_n(&movers[i].stop, 1, __ATOMIC_RELAXED);
		pthread_join(threads[i], NULL);
		calls += movers[i].calls;
		if (movers[i].error) {
			printf("ceiling: move_pages failed: %s\n",
			       strerror(movers[i].error));
			err = 1;
		}
	}
	printf("ceiling: in %ld s: %d movers of %lu MiB, %lu move_pages calls\n",
	       seconds, n, REGION_SIZE >> 20, calls);
	return err || started < n ? 1 : 0;
}
