// SPDX-License-Identifier: GPL-2.0
/*
 * The obvious loop for R4 (a KSM stable node under migration), as a
 * kernel developer would write it in an afternoon: fill a region with
 * pages of 256 different contents, let ksmd merge them, then move the
 * region back and forth between nodes 0 and 1 with move_pages(2) in a
 * thread while the main thread forks children that check the region and
 * exit.  MPOL_MF_MOVE_ALL, as KSM pages are shared.  Turns ksmd on and
 * fast (run, pages_to_scan, sleep_millisecs) and puts those back at the
 * end.  A bench.sh subject, not part of the suite.
 *
 * Usage: obvious_r4 SECONDS.  Exit 0 done, 1 usage or set-up error or a
 * child that saw wrong contents, 4 fewer than two NUMA nodes or no KSM
 * (skip).
 */
#include <numa.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "obvious.h"

#define REGION_SIZE	(16UL << 20)
#define KSM		"/sys/kernel/mm/ksm/"

static const char * const knobs[] = { "run", "pages_to_scan", "sleep_millisecs" };
static char saved[3][32];
static char *region;
static size_t psz, npages;

/* Reads or writes one KSM knob; 0 or -1. */
static int knob(const char *name, char *val, int write)
{
	char path[96];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), KSM "%s", name);
	f = fopen(path, write ? "w" : "r");
	if (!f)
		return -1;
	ok = write ? fputs(val, f) >= 0 : fscanf(f, "%31s", val) == 1;
	return fclose(f) || !ok ? -1 : 0;
}

static long pages_merged(void)
{
	FILE *f = fopen("/proc/self/ksm_merging_pages", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/* A child's check: every page still holds its contents. */
static int region_intact(void)
{
	size_t i;

	for (i = 0; i < npages; i++)
		if (region[i * psz] != (char)(i % 256) ||
		    region[i * psz + psz - 1] != (char)(i % 256))
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	long seconds = seconds_arg(argc, argv), merged = -1;
	unsigned long forks = 0, bad = 0;
	struct pingpong pp;
	pthread_t thread;
	int failed = 0;
	char buf[32];
	double end;
	size_t i, k;

	if (numa_available() < 0 || numa_max_node() < 1) {
		printf("obvious_r4: SKIP: needs NUMA nodes 0 and 1\n");
		return EXIT_SKIP;
	}
	for (k = 0; k < 3; k++) {
		if (knob(knobs[k], saved[k], 0)) {
			printf("obvious_r4: SKIP: no " KSM "%s\n", knobs[k]);
			return EXIT_SKIP;
		}
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
		memset(region + i * psz, i % 256, psz);
	if (madvise(region, REGION_SIZE, MADV_MERGEABLE)) {
		perror("madvise(MADV_MERGEABLE)");
		return 1;
	}
	snprintf(buf, sizeof(buf), "%zu", npages);
	if (knob("sleep_millisecs", "0", 1) || knob("pages_to_scan", buf, 1) ||
	    knob("run", "1", 1)) {
		perror("obvious_r4: setting up ksmd");
		failed = 1;
		goto restore;
	}

	/* Merging takes ksmd a few passes; at most the whole run time. */
	end = now() + seconds;
	while (now() < end && (merged = pages_merged()) < (long)npages / 2)
		usleep(100000);

	pp = (struct pingpong){ .region = region, .npages = npages, .psz = psz };
	if (pthread_create(&thread, NULL, pingpong_main, &pp)) {
		fprintf(stderr, "obvious_r4: cannot start the mover thread\n");
		failed = 1;
		goto restore;
	}
	if (fork_checks(now() + seconds, region_intact, &forks, &bad))
		failed = 1;
	__atomic_store_n(&pp.stop, 1, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);

	printf("obvious_r4: %ld of %zu pages merged, then in %ld s:\n",
	       merged, npages, seconds);
	printf("obvious_r4: %lu move_pages calls, %lu forks, %lu bad children\n",
	       pp.calls, forks, bad);
	if (pp.error) {
		printf("obvious_r4: move_pages failed: %s\n", strerror(pp.error));
		failed = 1;
	}
restore:
	/* The region's KSM pages go with it; then ksmd as it was. */
	munmap(region, REGION_SIZE);
	for (k = 0; k < 3; k++)
		knob(knobs[k], saved[k], 1);
	return failed || bad ? 1 : 0;
}
