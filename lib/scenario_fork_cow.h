/* SPDX-License-Identifier: GPL-2.0 */
/*
 * R3, fork copying migration entries (seed 003, "Swapless page migration:
 * add R/W migration entries").  While a private anonymous page is under
 * migration its page table entry is a migration entry, and fork() copies
 * it into the child.  Two fixes keep COW correct:
 *
 *  (a) copy_nonpresent_pte() (and copy_huge_pmd(), the hugetlb copy) turns
 *      a write or read-exclusive entry into a read entry in parent and
 *      child, so that both fault before writing once the migration ends;
 *  (b) anon_vma_fork() links the child's VMA after the parent's, so that
 *      remove_migration_ptes() visits the child after fork copied the
 *      entry and no orphaned entry stays behind (a BUG as soon as its
 *      process faults, exits or reads its pagemap).
 *
 * Lanes of parent processes keep a private region of (tag, generation,
 * page) patterns and fork a child per generation k:
 *
 *  - the parent writes (P, k): it COWs the pages the last child shares and
 *    owns fresh exclusive pages (migration makes write entries of them,
 *    read-exclusive ones while the region is read-only);
 *  - it polls its pagemap until one of them is under migration (bounded),
 *    forks child k and reads the child's pagemap at once;
 *  - child k reads its own pagemap first, then checks (P, k); after the
 *    parent's (P, k + 1) it checks (P, k) again and writes (C, k), which
 *    the parent must never see; after (P, k + 2) it checks (C, k) and
 *    exits with a code that names what it saw (procs.h).
 *
 * Findings: a write or read-exclusive migration entry in a child, or a
 * parent entry that fork left so (cow_entry, fix (a) lost); a write that
 * crossed the fork (cow_leak); bad data; a child killed or failed.  The
 * window figure: migration entries children found in their mappings right
 * after fork.  Lanes, children and the migrator share one CPU, so that the
 * migrator gives way between the folios of a batch while the rest of it
 * is still unmapped; a fork storm gives the migrator a CPU of its own.
 */
#ifndef MR_SCENARIO_FORK_COW_H
#define MR_SCENARIO_FORK_COW_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"

enum fork_cow_memory {
	FORK_COW_BASE,		/* base pages (MADV_NOHUGEPAGE) */
	FORK_COW_THP,		/* PMD-mapped THPs, mapped fresh each generation */
	FORK_COW_HUGETLB,	/* MAP_PRIVATE hugetlb pages */
};

#define FORK_COW_LANES		3
#define FORK_COW_SLEEPERS	200
#define FORK_COW_STORM_MS	100	/* per generation */

struct fork_cow_opts {
	enum fork_cow_memory memory;
	/*
	 * mprotect(PROT_READ) between the parent's write and fork: migration
	 * makes read-exclusive entries.  Both make it writable after fork.
	 */
	bool read_only;
	/*
	 * Sleeping children per lane, recycled a few at a time: each is a VMA
	 * that every rmap walk of the parent's pages visits, which stretches
	 * the migration window and the walk order (b) depends on.
	 */
	int sleepers;
	/*
	 * After each generation's fork, short-lived children forked back to
	 * back (aimed as that fork is) for FORK_COW_STORM_MS: a
	 * remove_migration_ptes() walk that starts between anon_vma_fork()
	 * and the page table copy races the copy, and the walk order (b)
	 * keeps the copied entry from being orphaned.  The region ends a page
	 * table, behind a populated lead-in that fork copies first.
	 */
	bool storm;
	int lanes;		/* 0: FORK_COW_LANES */
	size_t region_bytes;	/* per lane; 0: the memory kind's default */
};

/*
 * Runs lanes against the migrator of the case's trigger until the case's
 * time is up (up to three times as long while no entry was seen).  SKIPs
 * when the trigger cannot migrate this memory kind or the machine cannot
 * give it.  Window line keys beside the events: migrator_rounds, forks,
 * generations, aimed (forks made while the parent saw an entry),
 * copied_write and copied_read_exclusive (parent entries fork turned into
 * read entries: fix (a) at work), seen_by_child, seen_by_parent,
 * pgmigrate_success, seen_<kind> (entries by kind; untyped: hugetlb, or
 * not decodable), sleepers (per lane), sleepers_recycled, thp_regions,
 * thp_misses, storm_forks, storm_seen, storm_split (migrator on a CPU of
 * its own), burst_forks and burst_seen.
 */
extern const struct scenario fork_cow_scenario;

#endif
