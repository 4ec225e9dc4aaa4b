// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's ceilings for bench.sh: as many pages migrated per second as a
 * process can ask of the kernel, through one trigger.
 *
 * move_pages (the default): one mover thread per CPU, each moving its own
 * region of base pages between nodes 0 and 1 with move_pages(2) as fast
 * as the kernel returns: no fork, no unmap, no compaction scan, nothing
 * but the migration itself.  Base pages, because every window the suite
 * counts is one per folio and a THP would count 512 pages for one copy.
 * bench.sh takes the highest pages-migrated rate of any subject as the
 * VM's ceiling; this one is there so that the figure does not depend on
 * which peers happened to run.
 *
 * compaction, compact_node: a child writes /proc/sys/vm/compact_memory
 * (or each node's compact file in turn) without pause while the main
 * thread keeps handing it work: regions of base pages, filled, with every
 * other page freed again, so that every pageblock they touch holds pages
 * to move and holes to move them into.
 *
 * soft_offline: every page of a region in turn, by the frame pagemap
 * shows, written to soft_offline_page, and the retired frame unpoisoned
 * at once (debugfs, hwpoison_inject), so that nothing stays retired.
 *
 * A trigger's ceiling bounds every window that is one migrated page per
 * event: bench.sh calls a floor above it out of reach.  Not part of the
 * suite.
 *
 * Usage: ceiling SECONDS [move_pages|compaction|compact_node|soft_offline].
 * Exit 0 done, 1 usage or set-up error or a failed call, 4 the machine
 * cannot do it (skip).
 */
#include <errno.h>
#include <fcntl.h>
#include <numa.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "obvious.h"

#define REGION_SIZE	(32UL << 20)
#define MAX_MOVERS	16
#define SCAN_REGIONS	4		/* alive at once for compaction */
#define SCAN_REGION	(64UL << 20)
#define OFFLINE_REGION	(4UL << 20)
#define SOFT_OFFLINE	"/sys/devices/system/memory/soft_offline_page"
#define DEBUGFS		"/sys/kernel/debug"
#define UNPOISON	DEBUGFS "/hwpoison/unpoison-pfn"
#define PM_PRESENT	(1ULL << 63)
#define PM_PFN		((1ULL << 55) - 1)

static struct pingpong movers[MAX_MOVERS];
static pthread_t threads[MAX_MOVERS];

/* A region of base pages, each written so that it exists. */
static char *base_region(size_t len, size_t psz)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	for (i = 0; i < len; i += psz)
		p[i] = 1;
	return p;
}

/* Starts @n movers; returns how many started (all of them, or it said why not). */
static int start_movers(int n, size_t psz)
{
	int i;

	for (i = 0; i < n; i++) {
		movers[i].region = base_region(REGION_SIZE, psz);
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

static int move_pages_ceiling(long seconds)
{
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

/*
 * Work for compaction: a region filled and then riddled with holes, the
 * oldest of SCAN_REGIONS unmapped to make room for the next.
 */
static int compaction_ceiling(long seconds, bool per_node)
{
	char *ring[SCAN_REGIONS] = { NULL };
	size_t psz = getpagesize(), i;
	unsigned long regions = 0;
	double end = now() + seconds;
	char path[64];
	pid_t compactor;
	int k;

	snprintf(path, sizeof(path), NODE_COMPACT, 0);
	if (access(per_node ? path : COMPACT_MEMORY, W_OK)) {
		printf("ceiling: SKIP: %s: %s\n", per_node ? path : COMPACT_MEMORY,
		       strerror(errno));
		return EXIT_SKIP;
	}
	compactor = start_compactor(per_node);
	if (compactor < 0) {
		perror("fork");
		return 1;
	}
	while (now() < end) {
		k = regions++ % SCAN_REGIONS;
		if (ring[k])
			munmap(ring[k], SCAN_REGION);
		ring[k] = base_region(SCAN_REGION, psz);
		if (!ring[k])
			break;
		for (i = psz; i < SCAN_REGION; i += 2 * psz)
			madvise(ring[k] + i, psz, MADV_DONTNEED);
	}
	for (k = 0; k < SCAN_REGIONS; k++)
		if (ring[k])
			munmap(ring[k], SCAN_REGION);
	printf("ceiling: in %ld s: %lu regions of %lu MiB riddled for %s\n",
	       seconds, regions, SCAN_REGION >> 20,
	       per_node ? "compact_node" : "compaction");
	return stop_compactor(compactor, "ceiling") ? 1 : 0;
}

/* The frame behind @addr, 0 when none. */
static uint64_t pfn_of(int pm_fd, const char *addr)
{
	uint64_t e;
	off_t off = (uintptr_t)addr / getpagesize() * sizeof(e);

	if (pread(pm_fd, &e, sizeof(e), off) != sizeof(e) ||
	    !(e & PM_PRESENT))
		return 0;
	return e & PM_PFN;
}

/* debugfs and hwpoison_inject for unpoisoning; 0 when it is there. */
static int unpoison_ready(void)
{
	struct stat st;

	if (stat(UNPOISON, &st)) {
		mount("debugfs", DEBUGFS, "debugfs", 0, NULL);
		if (system("modprobe -q hwpoison_inject") < 0)
			return -1;
	}
	return stat(UNPOISON, &st);
}

/* Retires the frame of every page in turn and unpoisons it at once. */
static int soft_offline_ceiling(long seconds)
{
	size_t psz = getpagesize(), i = 0, n = OFFLINE_REGION / psz;
	unsigned long moved = 0, refused = 0;
	double end = now() + seconds;
	char buf[32];
	uint64_t pfn;
	int pm_fd, err;
	char *p;

	if (access(SOFT_OFFLINE, W_OK) || unpoison_ready()) {
		printf("ceiling: SKIP: needs %s and %s\n", SOFT_OFFLINE, UNPOISON);
		return EXIT_SKIP;
	}
	pm_fd = open("/proc/self/pagemap", O_RDONLY);
	p = base_region(OFFLINE_REGION, psz);
	if (pm_fd < 0 || !p) {
		perror("ceiling: pagemap or mmap");
		return 1;
	}
	while (now() < end) {
		pfn = pfn_of(pm_fd, p + (i++ % n) * psz);
		if (!pfn)
			continue;
		snprintf(buf, sizeof(buf), "%#llx",
			 (unsigned long long)pfn * psz);
		err = write_str(SOFT_OFFLINE, buf);
		if (err) {
			refused++;
			continue;
		}
		moved++;
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)pfn);
		err = write_str(UNPOISON, buf);
		if (err) {
			printf("ceiling: cannot unpoison %s: %s\n", buf,
			       strerror(-err));
			return 1;
		}
	}
	printf("ceiling: in %ld s: %lu pages soft offlined and unpoisoned, %lu refused\n",
	       seconds, moved, refused);
	return 0;
}

int main(int argc, char **argv)
{
	const char *trigger = argc == 3 ? argv[2] : "move_pages";
	long seconds = seconds_arg(argc == 3 ? 2 : argc, argv);

	if (!strcmp(trigger, "move_pages"))
		return move_pages_ceiling(seconds);
	if (!strcmp(trigger, "compaction"))
		return compaction_ceiling(seconds, false);
	if (!strcmp(trigger, "compact_node"))
		return compaction_ceiling(seconds, true);
	if (!strcmp(trigger, "soft_offline"))
		return soft_offline_ceiling(seconds);
	fprintf(stderr,
		"usage: %s SECONDS [move_pages|compaction|compact_node|soft_offline]\n",
		argv[0]);
	return 1;
}
