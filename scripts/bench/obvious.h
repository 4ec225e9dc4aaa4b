/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the obvious loops (obvious_r1..4.c, bench.sh subjects, not part
 * of the suite) have in common: the argument, a clock, a child that
 * compacts all of memory, a thread that moves a region between nodes 0
 * and 1, and children forked to check a region.
 */
#ifndef OBVIOUS_H
#define OBVIOUS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define EXIT_SKIP	4
#define COMPACT_MEMORY	"/proc/sys/vm/compact_memory"
#define NODE_COMPACT	"/sys/devices/system/node/node%d/compact"

/* SECONDS, the only argument (1 to 3600); a usage error exits 1. */
long seconds_arg(int argc, char **argv);
double now(void);

/* Opens @path, writes @s, closes: 0 or -errno. */
int write_str(const char *path, const char *s);

/*
 * A child that writes 1 to COMPACT_MEMORY over and over until killed,
 * or with @per_node to each node's compact file (NODE_COMPACT) in turn;
 * -1 when fork failed.  stop_compactor() kills and reaps it, and returns
 * 1, with a line naming @name, when it had stopped by itself.
 */
pid_t start_compactor(bool per_node);
int stop_compactor(pid_t pid, const char *name);

/*
 * move_pages(MPOL_MF_MOVE_ALL) of every page of a region to node 1, then
 * to node 0, and so on, in a thread until @stop: pingpong_main() is its
 * start routine.  @error is the errno that ended it, if one did.
 */
struct pingpong {
	char *region;
	size_t npages, psz;
	unsigned long calls;
	int stop, error;
};

void *pingpong_main(void *arg);

/*
 * Forks children that exit 0 when @intact() until @end, one after the
 * other, counting them and the ones that did not (@bad); -1 when fork
 * failed, else 0.
 */
int fork_checks(double end, int (*intact)(void), unsigned long *forks,
		unsigned long *bad);

#endif
