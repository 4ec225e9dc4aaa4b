// SPDX-License-Identifier: GPL-2.0
/*
 * The obvious loop for R1 (migration of a swap-cache folio nobody maps),
 * as a kernel developer would write it in an afternoon: push a region out
 * with MADV_PAGEOUT, read it back into the swap cache with MADV_WILLNEED
 * (unmapped until the next touch), fault it in and check it, again and
 * again, while a child writes 1 to /proc/sys/vm/compact_memory in a loop.
 * A bench.sh subject, not part of the suite.
 *
 * Usage: obvious_r1 SECONDS.  Exit 0 done, 1 usage or set-up error or a
 * page with the wrong contents, 4 no swap or no compact_memory (skip).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "obvious.h"

#define REGION_SIZE	(64UL << 20)

static int swap_active(void)
{
	FILE *f = fopen("/proc/swaps", "r");
	char line[256];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n > 1;	/* the first line is the header */
}

int main(int argc, char **argv)
{
	long seconds = seconds_arg(argc, argv);
	size_t psz = getpagesize(), i, bad = 0;
	unsigned long rounds = 0;
	pid_t compactor;
	double end;
	char *p;

	if (!swap_active()) {
		printf("obvious_r1: SKIP: no active swap\n");
		return EXIT_SKIP;
	}
	if (access(COMPACT_MEMORY, W_OK)) {
		printf("obvious_r1: SKIP: %s: %s\n", COMPACT_MEMORY, strerror(errno));
		return EXIT_SKIP;
	}
	/* Before the region exists: pages two processes map stay in. */
	compactor = start_compactor(false);
	if (compactor < 0) {
		perror("fork");
		return 1;
	}
	p = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		kill(compactor, SIGKILL);
		return 1;
	}
	for (i = 0; i < REGION_SIZE / psz; i++)
		*(size_t *)(p + i * psz) = i;

	end = now() + seconds;
	while (now() < end) {
		madvise(p, REGION_SIZE, MADV_PAGEOUT);
		madvise(p, REGION_SIZE, MADV_WILLNEED);
		for (i = 0; i < REGION_SIZE / psz; i++)
			if (*(size_t *)(p + i * psz) != i)
				bad++;
		rounds++;
	}
	munmap(p, REGION_SIZE);

	printf("obvious_r1: %lu rounds of %lu MiB out and back in %ld s, %zu bad pages\n",
	       rounds, REGION_SIZE >> 20, seconds, bad);
	if (stop_compactor(compactor, "obvious_r1"))
		return 1;
	return bad ? 1 : 0;
}
