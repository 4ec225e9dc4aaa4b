// SPDX-License-Identifier: GPL-2.0
/*
 * R2's victims (anon_vma_unmap_internal.h): rounds of map, fill, verify,
 * aim and munmap, a last one that exits with the region mapped, the
 * forked child that writes half of it, and the mover thread of the
 * move_pages flavour.
 */
#include <errno.h>
#include <numaif.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "anon_vma_unmap_internal.h"
#include "pagemap.h"
#include "pattern.h"
#include "procs.h"

#define ROUNDS_MIN	3	/* a victim lives 3 to 6 rounds */
#define ROUNDS_SPREAD	4
#define HOLD_MIN_US	1000
#define HOLD_SPREAD_US	4000
#define MOVER_WAIT_US	2000	/* how long a munmap waits for the mover */
/*
 * How long a victim watches for an entry: twice the trigger's mean round
 * (a compaction pass over a large zone takes a second or more, and a
 * region that lives a few milliseconds is rarely met), within bounds.
 */
#define AIM_MIN_US	20000
#define AIM_MAX_US	300000
#define REPORT_MAX	4
#define CHILD_TAG	0x8000u
/*
 * A region has an anon_vma per this many pages (split_anon_vmas()), unless
 * the trigger scans zones.  Last references dropped by migration, per
 * second, under compaction / move_pages (two-node TCG VM, Debian
 * 6.12.118, 2026-12-07, bench.sh, two repeats): one anon_vma a region
 * 18 / 24; one per 16 pages 34 / 192; per 4 pages 66 / 593; per page 43 /
 * 1,651.  Per 4 pages, a 7-run soak there: regions in flight at least
 * 53 and 177 a case under move_pages (51 and 173 unsplit), but 18, 29
 * and 26 in three of the four compaction cases (56, 75 and 64 unsplit):
 * compaction's victims spend their time on the VMAs, for last references
 * (66 a second) still short of R2's floor of 100.
 */
#define ANON_VMA_PAGES	4

/* Leaves the failed call for the test's report; the victim exits so. */
static int victim_fail(struct victim *v, const char *what, int err)
{
	snprintf(v->sh->why[v->slot], sizeof(v->sh->why[0]), ": %s: %s",
		 what, strerror(err));
	return WORKER_SYSCALL;
}

/* Counts bad pages of @p; @child: odd pages carry the child's pattern. */
static long verify(struct victim *v, char *p, uint32_t gen, bool child)
{
	long bad = 0, seen;
	size_t i;

	for (i = 0; i < v->npages; i++) {
		uint32_t tag = child && (i & 1) ? v->tag ^ CHILD_TAG : v->tag;

		seen = __atomic_load_n(&v->sh->n[BAD_PAGES], __ATOMIC_RELAXED);
		if (pattern_check(p + i * v->psz, v->psz, tag, i, gen,
				  seen + bad >= REPORT_MAX))
			bad++;
	}
	add(v->sh, BAD_PAGES, bad);
	return bad;
}

/* PFN of every page now (0: not present). */
static int snapshot(struct victim *v, char *p, uint64_t *pfn)
{
	size_t i;

	if (pagemap_read(v->pm_fd, (unsigned long)p, v->npages, v->pm))
		return -1;
	for (i = 0; i < v->npages; i++)
		pfn[i] = pm_present(v->pm[i]) ? pm_pfn(v->pm[i]) : 0;
	return 0;
}

/*
 * Counts the region in @regions when a page is no longer where the fill
 * put it (@pfn0) or is under migration, as the aim's last look (v->pm)
 * saw it: the look right before the munmap or exit.  A look of its own
 * here came too late for half of the entries aim() had seen (Debian 6.1,
 * compaction, where an entry lives for one base page's copy).
 */
static void count_moved(struct victim *v, const uint64_t *pfn0,
			enum um_count regions)
{
	long moved = 0, entries = 0;
	size_t i;

	for (i = 0; i < v->npages; i++) {
		uint64_t e = v->pm[i];

		if (migration_entry_kind(e) != MIGRATION_NONE)
			entries++;
		else if (!pfn0[i] || !pm_present(e) || pm_pfn(e) == pfn0[i])
			continue;
		moved++;
	}
	add(v->sh, regions, moved > 0);
	add(v->sh, PAGES_MOVED, moved);
	add(v->sh, INFLIGHT, entries > 0);
}

/*
 * The case's time is up: what a victim sees from now on counts no more,
 * so its aim ends and no round follows the one under way.  R2's cases
 * took 3.04 to 3.13 s so, against 3.11 to 3.36 s (two-node TCG VM,
 * Debian 6.12.118, 2026-12-07, two runs each).
 */
static bool stopping(const struct victim *v)
{
	return __atomic_load_n(&v->sh->stop, __ATOMIC_RELAXED);
}

/*
 * Watches the region's pagemap, which unlike a read does not wait for a
 * migration to end, for up to AIM_US and returns as soon as a page is
 * under migration: the munmap or exit that follows meets it in flight.
 * Leaves its last look in v->pm; -1 when it could not look.  Under a
 * scanning trigger it pauses between looks (AIM_PAUSE_SCAN_US).
 *
 * Soft offline hands the kernel one page a call, whose migration entry
 * lives for microseconds: a victim only sees it from another CPU than the
 * migrator's (on the same one the migration ends before the victim runs
 * again), polling without a pause, and only if its region is small enough
 * for the look before the munmap and the munmap itself to be quick
 * (region_size()).  Two-node TCG VM, Debian 6.12.118, 2026-12-06, three
 * case runs each: regions unmapped or exited in flight, munmap_exit /
 * fork_children, 67 to 88 / 41 to 63 so, against 11 to 14 / 15 to 25 with
 * regions of 1 MiB polled every 2 ms SCHED_FIFO wherever the scheduler
 * put the victim; polling apart without a pause, regions of 1 MiB saw an
 * entry in 90 of 175 looks but still held it in 13 just before munmap.
 */
static int aim(struct victim *v, char *p)
{
	long rounds = __atomic_load_n(&v->stats->rounds, __ATOMIC_RELAXED);
	double t = now_seconds(), patience = AIM_MAX_US / 1e6;
	double until;
	size_t i;

	if (rounds > 0)
		patience = 2 * (t - v->t_start) / rounds;
	if (patience < AIM_MIN_US / 1e6)
		patience = AIM_MIN_US / 1e6;
	if (patience > AIM_MAX_US / 1e6)
		patience = AIM_MAX_US / 1e6;
	until = t + patience;

	if (v->aim_apart)
		cpu_keep_apart(v->migrator);
	do {
		if (pagemap_read(v->pm_fd, (unsigned long)p, v->npages, v->pm))
			return -1;
		for (i = 0; i < v->npages; i++)
			if (migration_entry_kind(v->pm[i]) != MIGRATION_NONE)
				return 0;
		if (v->aim_pause_us)
			usleep(v->aim_pause_us);
	} while (now_seconds() < until && !stopping(v));
	return 0;
}

/* Holds the region a few milliseconds, reading it all the while. */
static long hold(struct victim *v, char *p, uint32_t gen, bool child)
{
	double until = now_seconds() +
		       (HOLD_MIN_US + random() % HOLD_SPREAD_US) / 1e6;
	long bad = 0;

	do {
		bad += verify(v, p, gen, child);
	} while (!bad && now_seconds() < until);
	return bad;
}

static void *mover_main(void *arg)
{
	struct victim *v = arg;
	void **pages = calloc(v->npages, sizeof(*pages));
	int *nodes = calloc(v->npages, sizeof(*nodes));
	int *status = calloc(v->npages, sizeof(*status));
	long k = 0, moved;
	size_t i;

	while (pages && nodes && status &&
	       !__atomic_load_n(&v->sh->stop, __ATOMIC_RELAXED)) {
		long seq = __atomic_load_n(&v->cur_seq, __ATOMIC_ACQUIRE);
		char *p = __atomic_load_n(&v->cur, __ATOMIC_ACQUIRE);
		int node = v->nodes[k++ % v->nnodes];

		if (!p) {
			usleep(100);
			continue;
		}
		for (i = 0; i < v->npages; i++) {
			pages[i] = p + i * v->psz;
			nodes[i] = node;
		}
		__atomic_store_n(&v->in_call, seq, __ATOMIC_RELEASE);
		/* MOVE_ALL: pages still shared with a child move too. */
		move_pages(0, v->npages, pages, nodes, status,
			   MPOL_MF_MOVE_ALL);
		__atomic_store_n(&v->in_call, 0, __ATOMIC_RELEASE);
		for (i = 0, moved = 0; i < v->npages; i++)
			moved += status[i] == node;
		add(v->sh, MOVER_CALLS, 1);
		add(v->sh, MOVER_PAGES, moved);
	}
	free(pages);
	free(nodes);
	free(status);
	return NULL;
}

/* The child of the fork flavour: reads, writes half, holds, exits. */
static void child_main(struct victim *v, char *p, uint32_t gen)
{
	long bad = verify(v, p, gen, false);
	size_t i;

	for (i = 1; i < v->npages; i += 2)
		pattern_fill(p + i * v->psz, v->psz, v->tag ^ CHILD_TAG, i,
			     gen);
	if (snapshot(v, p, v->child_pfn0))
		_exit(WORKER_SYSCALL);
	targets_set(v->targets, v->slot + v->nslots, getpid(), p, v->len);
	bad += hold(v, p, gen, true);
	if (!aim(v, p))
		count_moved(v, v->child_pfn0, CHILD_REGIONS_MOVED);
	add(v->sh, CHILDREN, 1);
	targets_remove(v->targets, v->slot + v->nslots);
	_exit(bad ? WORKER_BAD_DATA : WORKER_OK);
}

static void wait_child(struct victim *v, pid_t child)
{
	if (child > 0 && worker_wait(child, "child"))
		add(v->sh, FAILURES, 1);
}

/* Munmaps with the mover's call on this region under way, if there is one. */
static void unmap_region(struct victim *v, char *p)
{
	double until = now_seconds() + MOVER_WAIT_US / 1e6;

	if (v->mover)
		while (__atomic_load_n(&v->in_call, __ATOMIC_ACQUIRE) !=
		       v->seq && now_seconds() < until)
			;
	munmap(p, v->len);
	if (v->mover &&
	    __atomic_load_n(&v->in_call, __ATOMIC_ACQUIRE) == v->seq)
		add(v->sh, OVERLAPS, 1);
	__atomic_store_n(&v->cur, NULL, __ATOMIC_RELEASE);
	targets_remove(v->targets, v->slot);
}

/*
 * Gives every ANON_VMA_PAGES of the region an anon_vma of its own, so
 * that one munmap or exit frees many, each of which a migration in flight
 * may hold the last reference to: every other piece is MADV_DONTDUMP, and
 * neighbours that differ in that flag neither merge nor share an anon_vma
 * (anon_vma_compatible()).  Nothing is dumped here, so the flag changes
 * nothing else.
 */
static void split_anon_vmas(struct victim *v, char *p)
{
	size_t piece = ANON_VMA_PAGES * v->psz, off, n;

	for (off = piece; off < v->len; off += 2 * piece) {
		n = v->len - off < piece ? v->len - off : piece;
		madvise(p + off, n, MADV_DONTDUMP);
	}
}

/*
 * One region's life.  With @keep_mapped the victim returns with the
 * region still mapped, and its exit tears it down.
 */
static int victim_round(struct victim *v, uint32_t gen, bool fork_child,
			bool keep_mapped)
{
	pid_t child = 0;
	long bad;
	char *p;

	p = mmap(NULL, v->len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return victim_fail(v, "mmap", errno);
	madvise(p, v->len, MADV_NOHUGEPAGE);
	if (v->split)
		split_anon_vmas(v, p);
	pattern_fill_range(p, v->len, v->psz, v->tag, gen);
	if (snapshot(v, p, v->pfn0))
		return victim_fail(v, "pagemap", errno);
	targets_set(v->targets, v->slot, getpid(), p, v->len);
	__atomic_store_n(&v->cur_seq, ++v->seq, __ATOMIC_RELEASE);
	__atomic_store_n(&v->cur, p, __ATOMIC_RELEASE);
	if (fork_child) {
		child = worker_fork();
		if (child == 0)
			child_main(v, p, gen);
		if (child < 0)
			return victim_fail(v, "fork", errno);
	}
	bad = hold(v, p, gen, false);
	if (!aim(v, p))
		count_moved(v, v->pfn0, REGIONS_MOVED);
	if (keep_mapped) {
		add(v->sh, EXITS, 1);
	} else {
		unmap_region(v, p);
		add(v->sh, ROUNDS, 1);
	}
	wait_child(v, child);
	return bad ? WORKER_BAD_DATA : WORKER_OK;
}

int victim_main(struct victim *v, bool fork_child)
{
	int rounds = ROUNDS_MIN + random() % ROUNDS_SPREAD, r, ret = 0;
	bool exit_mapped = random() & 1;

	v->pm_fd = pagemap_open(0);
	v->pm = calloc(v->npages, sizeof(*v->pm));
	v->pfn0 = calloc(v->npages, sizeof(*v->pfn0));
	v->child_pfn0 = calloc(v->npages, sizeof(*v->child_pfn0));
	if (v->pm_fd < 0 || !v->pm || !v->pfn0 || !v->child_pfn0)
		return victim_fail(v, "set-up", errno);
	if (v->mover)
		ret = pthread_create(&v->mover_thread, NULL, mover_main, v);
	if (ret)
		return victim_fail(v, "pthread_create", ret);
	for (r = 0; r < rounds && !ret; r++) {
		bool last = r == rounds - 1 || stopping(v);

		ret = victim_round(v, r, fork_child, last && exit_mapped);
		if (last || stopping(v))
			break;
	}
	/* exit_group() ends the mover too, wherever it is. */
	return ret;
}
