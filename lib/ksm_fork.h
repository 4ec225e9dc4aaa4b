/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KSM accounting of a forked child, no migration involved.
 *
 * A child forked from a process with merged pages maps the same KSM pages
 * but has none of the parent's rmap items: its own ksm_merging_pages and
 * ksm_rmap_items must start at 0 and stay there once MADV_UNMERGEABLE has
 * taken the KSM pages out of it.  Until "mm/ksm: fix incorrect KSM counter
 * handling in mm_struct during fork" ksm_fork() left the counters that
 * dup_mm() copied from the parent, so the child reported the parent's
 * figures for good.
 *
 * Per-process figures only (/proc/PID/ksm_merging_pages, ksm_stat,
 * pagemap, kpageflags): other KSM users may share the machine.
 */
#ifndef MR_KSM_FORK_H
#define MR_KSM_FORK_H

#include <stddef.h>

#define KSM_FORK_FIX \
	"mm/ksm: fix incorrect KSM counter handling in mm_struct during fork"

/* Distinct contents, each in two pages: ksmd merges them pair by pair. */
#define KSM_FORK_PAIRS	32
#define KSM_FORK_PAGES	(2 * KSM_FORK_PAIRS)

/* One process's own view; -1 where the kernel has no such figure. */
struct ksm_fork_figures {
	long merging;		/* /proc/PID/ksm_merging_pages */
	long rmap_items;	/* ksm_stat ksm_rmap_items */
	long stat_merging;	/* ksm_stat ksm_merging_pages (6.6+) */
	long ksm_pages;		/* KSM pages it maps, by kpageflags */
};

struct ksm_fork_result {
	struct ksm_fork_figures parent;		/* just before the fork */
	struct ksm_fork_figures at_fork;	/* the child, first thing */
	struct ksm_fork_figures unmerged;	/* after its MADV_UNMERGEABLE */
	long bad_pages;		/* pages the child found with wrong data */
};

struct ksm_fork_region {
	char *addr;
	size_t len;
	unsigned int gen;	/* contents differ between runs */
};

/*
 * Call after ksm_setup(): maps KSM_FORK_PAGES pages in this process and
 * lets ksmd merge them (ksmd stopped again afterwards, so that it never
 * sees the child).  Returns 0, or -1 with @why.
 */
int ksm_fork_merge(struct ksm_fork_region *r, char *why, size_t len);
/*
 * Forks a child that reads its figures at once, unmerges its copy of the
 * region, checks the data and reads them again.  Returns 0, or -1 with
 * @why when the child could not do it.
 */
int ksm_fork_run(struct ksm_fork_region *r, struct ksm_fork_result *res,
		 char *why, size_t len);
void ksm_fork_unmap(struct ksm_fork_region *r);

#endif
