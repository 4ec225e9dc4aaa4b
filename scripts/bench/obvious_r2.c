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
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "obvious.h"

#define REGION_SIZE	(64UL << 20)

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
	long seconds = seconds_arg(argc, argv);
	unsigned long unmaps = 0, exits = 0;
	int child_status, failed = 0;
	pid_t compactor, pid;
	double end;
	char *p;

	if (access(COMPACT_MEMORY, W_OK)) {
		printf("obvious_r2: SKIP: %s: %s\n", COMPACT_MEMORY, strerror(errno));
		return EXIT_SKIP;
	}
	compactor = start_compactor(false);
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
	printf("obvious_r2: %lu munmaps and %lu exits of %lu MiB in %ld s\n",
	       unmaps, exits, REGION_SIZE >> 20, seconds);
	if (failed)
		printf("obvious_r2: mapping and filling %lu MiB failed\n",
		       REGION_SIZE >> 20);
	if (stop_compactor(compactor, "obvious_r2"))
		return 1;
	return failed ? 1 : 0;
}
