/* SPDX-License-Identifier: GPL-2.0 */
/*
 * R3, fork copying migration entries (seed 003, "Swapless page migration:
 * add R/W migration entries").  fork() copies the migration entry of a
 * private anonymous page under migration into the child.  Two fixes keep
 * COW correct:
 *  (a) copy_nonpresent_pte() (copy_huge_pmd(), the hugetlb copy) makes a
 *      write or read-exclusive entry a read entry in parent and child, so
 *      that both fault before writing once the migration ends;
 *  (b) anon_vma_fork() links the child's VMA after the parent's, so that
 *      remove_migration_ptes() visits the child after fork copied the
 *      entry and no orphaned entry stays (a BUG as soon as its process
 *      faults, exits or reads its pagemap).
 *
 * Lanes of parents keep a private region of (tag, generation, page)
 * patterns and fork child k per generation k: the parent writes (P, k),
 * COWing the pages the last child shares into fresh exclusive ones
 * (migration makes write entries of them, read-exclusive ones while the
 * region is read-only), polls its pagemap until one of them is under
 * migration (bounded), forks and reads the child's pagemap at once.
 * Child k reads its own pagemap first and checks (P, k); after the
 * parent's (P, k + 1) it checks (P, k) again and writes (C, k), which the
 * parent must never see; after (P, k + 2) it checks (C, k).
 *
 * Findings: a write or read-exclusive entry in a child, or a parent entry
 * fork left so (cow_entry, fix (a) lost), a write across the fork
 * (cow_leak), bad_data, a child failed or killed (child_failed).  The
 * window: migration entries children saw right after fork.  Lanes,
 * children and the migrator share a CPU, so that the migrator gives way
 * between the folios of a batch while the rest is still unmapped.
 */
#ifndef MR_FORK_COW_H
#define MR_FORK_COW_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"

enum fork_cow_memory {
	FORK_COW_BASE,		/* base pages (MADV_NOHUGEPAGE) */
	FORK_COW_THP,		/* PMD-mapped THPs, mapped fresh each generation */
	FORK_COW_HUGETLB,	/* MAP_PRIVATE hugetlb pages */
};

#define FORK_COW_SLEEPERS	200	/* per lane */
#define FORK_COW_STORM_MS	100	/* per generation */

struct fork_cow_opts {
	enum fork_cow_memory memory;
	/*
	 * PROT_READ between the parent's write and fork: migration makes
	 * read-exclusive entries.  Both make it writable after fork.
	 */
	bool read_only;
	/*
	 * Sleeping children, recycled a few at a time: each is a VMA every
	 * rmap walk of the parent's pages visits, which stretches the
	 * migration window and the walk order (b) depends on.
	 */
	int sleepers;
	/*
	 * Short-lived children forked back to back (aimed as the generation's
	 * fork) for FORK_COW_STORM_MS after each generation's fork: a
	 * remove_migration_ptes() walk that starts between anon_vma_fork()
	 * and the page table copy races the copy, and only the walk order (b)
	 * keeps the copied entry from being orphaned.
	 */
	bool storm;
};

/*
 * Lanes against the migrator of the case's trigger until the case's time
 * is up (up to three times as long while no entry was seen); a SKIP when
 * the trigger cannot migrate the memory kind or the machine cannot give
 * it.  The window line's keys beside the events: migrator_rounds, forks,
 * generations, aimed (forks made while the parent saw an entry),
 * copied_write and copied_read_exclusive (parent entries fork made read
 * entries: fix (a) at work), seen_by_child, seen_by_parent,
 * pgmigrate_success, seen_<kind of entry>, sleepers (per lane),
 * sleepers_recycled, thp_regions, thp_misses, storm_forks, storm_seen,
 * storm_split (migrator on a CPU of its own), burst_forks, burst_seen.
 */
extern const struct scenario fork_cow_scenario;

#endif
