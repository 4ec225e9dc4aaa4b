/* SPDX-License-Identifier: GPL-2.0 */
/*
 * R3, fork copying migration entries (seed 003, "Swapless page migration:
 * add R/W migration entries").  While a private anonymous page is under
 * migration its page table entry is a migration entry, and fork() copies
 * it into the child.  Two fixes keep COW correct:
 *
 *  (a) copy_nonpresent_pte() (and its twins copy_huge_pmd() and the
 *      hugetlb copy) turns a write or read-exclusive entry into a read
 *      entry in parent and child, so that both fault before writing once
 *      the migration finishes;
 *  (b) anon_vma_fork() links the child's VMA after the parent's in the
 *      anon_vma, so remove_migration_ptes() visits the child after the
 *      fork copied the entry and no orphaned entry stays behind (a BUG as
 *      soon as its process faults, exits or reads its pagemap).
 *
 * Lanes of parent processes keep a private region whose pages hold
 * (generation, page index) patterns and fork a child per generation k:
 *
 *  - the parent writes (P, k): it COWs the pages the last child shares,
 *    so the parent owns fresh, exclusive pages (migration makes write
 *    entries of them, read-exclusive ones while the region is read-only);
 *  - it polls its own pagemap until one of them is under migration
 *    (bounded), forks child k, and reads the child's pagemap at once;
 *  - child k reads its own pagemap first thing, then checks (P, k); after
 *    the parent's write (P, k + 1) it checks (P, k) again and writes
 *    (C, k), which the parent must never see; after the parent's write
 *    (P, k + 2) it checks (C, k) and exits with a code that names what it
 *    saw (procs.h).  A killed child is a failure.
 *
 * A write or read-exclusive migration entry in a child's COW mapping is
 * fix (a) lost, and so is a parent entry of the same migration that fork
 * left writable or exclusive.  Migration entries found in children's
 * mappings right after fork are the proof that fork met migrations in
 * flight: the window figure.  Lanes, children and the migrator share one
 * CPU, so that the migrator gives way between the folios of a batch while
 * the rest of it is still unmapped; a fork storm (below) gives the
 * migrator a CPU of its own instead.
 */
#ifndef MR_SCENARIO_FORK_COW_H
#define MR_SCENARIO_FORK_COW_H

#include <stdbool.h>
#include <stddef.h>

#include "pagemap.h"
#include "race_env.h"

enum fork_cow_memory {
	FORK_COW_BASE,		/* base pages (MADV_NOHUGEPAGE) */
	FORK_COW_THP,		/* PMD-mapped THPs, mapped fresh each generation */
	FORK_COW_HUGETLB,	/* MAP_PRIVATE hugetlb pages */
};

struct fork_cow_opts {
	enum fork_cow_memory memory;
	/*
	 * mprotect(PROT_READ) between the parent's write and fork, so that
	 * migration makes read-exclusive entries; both processes make the
	 * region writable again after fork.
	 */
	bool read_only;
	/*
	 * Long-lived sleeping children per lane, recycled a few at a time:
	 * every one of them is a VMA in the anon_vma that each rmap walk of
	 * the parent's pages visits, which stretches the migration window
	 * and the walk order (b) depends on.
	 */
	int sleepers;
	/*
	 * Fork storm: after each generation's fork the lane forks short-lived
	 * children back to back (aimed, as that fork is) for
	 * FORK_COW_STORM_MS, with the migrator on a CPU of its own.  Each
	 * fork links a child VMA into the anon_vma and then copies the
	 * parent's page table; a remove_migration_ptes() walk that starts in
	 * between races the copy, and the walk order of fix (b) is what keeps
	 * the copied entry from being orphaned.  The region ends a page table,
	 * behind a populated lead-in that fork copies first.  Storm children
	 * read their pagemap and the first word of every page, and exit.
	 */
	bool storm;
	int lanes;		/* 0: FORK_COW_LANES */
	size_t region_bytes;	/* per lane; 0: the memory kind's default */
};

#define FORK_COW_LANES		3
#define FORK_COW_SLEEPERS	200
#define FORK_COW_STORM_MS	100	/* per generation */

struct fork_cow_result {
	enum fork_cow_memory memory;
	long generations;	/* COW handshakes completed */
	long forks;		/* generation children and sleepers forked */
	/*
	 * The window: migration entries found in children's mappings right
	 * after fork (one per PTE, or per PMD or hugetlb entry).  For each
	 * generation child the larger of what the lane saw in the child's
	 * pagemap and what the child saw in its own, plus what sleepers saw.
	 */
	long entries;
	/*
	 * Entries by kind, over both readings; [MIGRATION_NONE] counts those
	 * whose type pagemap does not show (hugetlb) or cannot be decoded.
	 */
	long kind[MIGRATION_WRITE + 1];
	int sleepers;		/* per lane, as the memory budget allowed */
	long sleepers_recycled;
	long storm_forks;	/* storm children forked */
	long storm_seen;	/* entries storm children found */
	bool storm_split;	/* lanes and migrator ran on different CPUs */
	long burst_forks;	/* children forked in bursts (lane_burst()) */
	long burst_seen;	/* entries burst children found */
	long thp_regions;	/* fresh regions that were THP-mapped */
	long thp_misses;	/* fresh regions that were not */
	long aimed;		/* forks made while the parent saw an entry */
	/*
	 * The parent's write and read-exclusive entries (by that kind) that
	 * fork copied and turned into read entries: fix (a) at work, seen
	 * from the parent.
	 */
	long copied[MIGRATION_WRITE + 1];
	long seen_by_child;	/* entries children found reading their own */
	long seen_by_parent;	/* entries the lane found in children's */
	long failures;		/* processes that failed, and a bad restore */
	bool types_known;	/* whether entry types could be decoded */
	char error[200];	/* the first failure, or why it could not run */
};

/*
 * Sets up the lanes, starts the migrator of @env, runs generations until
 * the case's time is up (up to three times as long while no entry was
 * seen), stops the migrator and reaps every process.
 * Returns 0 when it ran (failures are in @res), 1 when this memory kind
 * cannot be migrated by the trigger or had on this machine (SKIP, the
 * reason in res->error), -1 on a set-up error (res->error).
 */
int fork_cow_run(struct race_env *env, const struct fork_cow_opts *o,
		 struct fork_cow_result *res);
/*
 * Prints the window line; returns 0 on pass, else prints what failed:
 * any process or check that failed, a THP case that never forked over
 * THPs, or "window not reached" when no migration entry was seen.
 */
int fork_cow_verdict(struct race_env *env, const struct fork_cow_result *res);

#endif
