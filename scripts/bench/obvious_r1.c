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
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REGION_SIZE	(64UL << 20)
#define COMPACT_MEMORY	"/proc/sys/vm/compact_memory"
#define EXIT_SKIP	4

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

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

/*
 * A child that compacts all of memory, over and over, until killed.
 * Forked before the region exists: pages mapped by two processes are not
 * paged out.
 */
static pid_t start_compactor(void)
{
	pid_t pid = fork();
	int fd;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		fd = open(COMPACT_MEMORY, O_WRONLY);
		if (fd < 0 || write(fd, "1", 1) != 1)
			_exit(1);
		close(fd);
	}
}

int main(int argc, char **argv)
{
	size_t psz = getpagesize(), i, bad = 0;
	unsigned long rounds = 0;
	double end;
	pid_t compactor;
	char *p, *stop;
	int status;
	long seconds;

	seconds = argc == 2 ? strtol(argv[1], &stop, 10) : 0;
	if (argc != 2 || *stop || seconds < 1 || seconds > 3600) {
		fprintf(stderr, "usage: %s SECONDS (1 to 3600)\n", argv[0]);
		return 1;
	}
	if (!swap_active()) {
		printf("obvious_r1: SKIP: no active swap\n");
		return EXIT_SKIP;
	}
	if (access(COMPACT_MEMORY, W_OK)) {
		printf("obvious_r1: SKIP: %s: %s\n", COMPACT_MEMORY, strerror(errno));
		return EXIT_SKIP;
	}
	compactor = start_compactor();
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
	kill(compactor, SIGKILL);
	waitpid(compactor, &status, 0);
	munmap(p, REGION_SIZE);

	printf("obvious_r1: %lu rounds of %lu MiB out and back in %ld s, %zu bad pages\n",
	       rounds, REGION_SIZE >> 20, seconds, bad);
	if (!WIFSIGNALED(status)) {
		printf("obvious_r1: the compactor stopped: cannot write %s\n",
		       COMPACT_MEMORY);
		return 1;
	}
	return bad ? 1 : 0;
}
