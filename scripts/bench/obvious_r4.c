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
#define KSM		"/sys/kernel/mm/ksm/"
#define EXIT_SKIP	4

static const char * const knobs[] = { "run", "pages_to_scan", "sleep_millisecs" };
static char saved[3][32];
static char *region;
static size_t psz, npages;
static int stop_moving, move_error;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

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
	unsigned long forks = 0, bad = 0, calls = 0;
	long seconds, merged = -1;
	char buf[32], *stop;
	pthread_t thread;
	double end;
	int status, failed = 0;
	size_t i, k;
	pid_t pid;

	seconds = argc == 2 ? strtol(argv[1], &stop, 10) : 0;
	if (argc != 2 || *stop || seconds < 1 || seconds > 3600) {
		fprintf(stderr, "usage: %s SECONDS (1 to 3600)\n", argv[0]);
		return 1;
	}
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

	if (pthread_create(&thread, NULL, mover, &calls)) {
		fprintf(stderr, "obvious_r4: cannot start the mover thread\n");
		failed = 1;
		goto restore;
	}
	end = now() + seconds;
	while (now() < end) {
		pid = fork();
		if (!pid)
			_exit(region_intact() ? 0 : 1);
		if (pid < 0) {
			perror("fork");
			failed = 1;
			break;
		}
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			bad++;
		forks++;
	}
	__atomic_store_n(&stop_moving, 1, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);

	printf("obvious_r4: %ld of %zu pages merged, then in %ld s:\n",
	       merged, npages, seconds);
	printf("obvious_r4: %lu move_pages calls, %lu forks, %lu bad children\n",
	       calls, forks, bad);
	if (move_error) {
		printf("obvious_r4: move_pages failed: %s\n", strerror(move_error));
		failed = 1;
	}
restore:
	/* The region's KSM pages go with it; then ksmd as it was. */
	munmap(region, REGION_SIZE);
	for (k = 0; k < 3; k++)
		knob(knobs[k], saved[k], 1);
	return failed || bad ? 1 : 0;
}
