// SPDX-License-Identifier: GPL-2.0
/*
 * The obvious loop for R2 (the anon_vma freed while migration unmaps its
 * folios), as a kernel developer would write it in an afternoon: map a
 * region, fill it, and throw it away again, by munmap() in this process
 * and by exit() in a forked child in turn, while a child writes 1 to
 * /proc/sys/vm/compact_memory in a loop.  A bench.sh subject, not part
 * of the suite.
 *
 * Usage: obvious_r2 SECONDS.  Exit 0 done, 1 usage or set-up error, 4 no
 * compact_memory (skip).
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

/* A child that compacts all of memory, over and over, until killed. */
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

/* Maps and fills a region; NULL when it cannot be mapped. */
static char *map_and_fill(void)
{
	char *p = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0x5a, REGION_SIZE);
	return p;
}

int main(int argc, char **argv)
{
	unsigned long unmaps = 0, exits = 0;
	int status, child_status, failed = 0;
	pid_t compactor, pid;
	char *p, *stop;
	long seconds;
	double end;

	seconds = argc == 2 ? strtol(argv[1], &stop, 10) : 0;
	if (argc != 2 || *stop || seconds < 1 || seconds > 3600) {
		fprintf(stderr, "usage: %s SECONDS (1 to 3600)\n", argv[0]);
		return 1;
	}
	if (access(COMPACT_MEMORY, W_OK)) {
		printf("obvious_r2: SKIP: %s: %s\n", COMPACT_MEMORY, strerror(errno));
		return EXIT_SKIP;
	}
	compactor = start_compactor();
	if (compactor < 0) {
		perror("fork");
		return 1;
	}
	end = now() + seconds;
	while (!failed && now() < end) {
		/* munmap() in this process ... */
		p = map_and_fill();
		if (!p) {
			failed = 1;
			break;
		}
		munmap(p, REGION_SIZE);
		unmaps++;
		/* ... and exit() of a child that mapped and filled its own. */
		pid = fork();
		if (!pid)
			_exit(map_and_fill() ? 0 : 1);
		if (pid < 0 || waitpid(pid, &child_status, 0) < 0 ||
		    !WIFEXITED(child_status) || WEXITSTATUS(child_status))
			failed = 1;
		else
			exits++;
	}
	kill(compactor, SIGKILL);
	waitpid(compactor, &status, 0);

	printf("obvious_r2: %lu munmaps and %lu exits of %lu MiB in %ld s\n",
	       unmaps, exits, REGION_SIZE >> 20, seconds);
	if (failed)
		printf("obvious_r2: mapping and filling %lu MiB failed\n",
		       REGION_SIZE >> 20);
	if (!WIFSIGNALED(status)) {
		printf("obvious_r2: the compactor stopped: cannot write %s\n",
		       COMPACT_MEMORY);
		return 1;
	}
	return failed ? 1 : 0;
}
