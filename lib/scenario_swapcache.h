/* SPDX-License-Identifier: GPL-2.0 */
/*
 * R1, swap cache without rmap (seeds 000/001, "memory unplug: migration
 * by kernel"): a page freshly read into the swap cache is on the LRU but
 * nobody maps it yet, so its folio->mapping is NULL.  A migration started
 * by the kernel (compaction, memory offline, soft offline by PFN) may pick
 * it up; migrate_folio_unmap() must then skip the rmap walk instead of
 * following the NULL mapping, and still move the swap cache entry to the
 * new folio.
 *
 * The scenario keeps a large private anonymous region going round trips
 * through swap: MADV_PAGEOUT pushes it out, MADV_WILLNEED reads it back
 * into the swap cache without mapping it, and the migrator runs while
 * those folios sit there and while threads fault part of them in.  Every
 * page is verified each round.
 */
#ifndef MR_SCENARIO_SWAPCACHE_H
#define MR_SCENARIO_SWAPCACHE_H

#include <stddef.h>

#include "race_env.h"

struct swapcache_opts {
	size_t region_bytes;	/* 0: a fraction of MemAvailable, capped */
	int churn_threads;	/* threads faulting pages in; 0: default */
};

struct swapcache_result {
	long rounds;
	long pages;		/* pages in the region */
	long swapped_out;	/* pages pagemap showed swapped after PAGEOUT */
	long readahead;		/* pages mincore showed back in core */
	long candidates;	/* unmapped swap-cache folios kpageflags saw */
	long tracked;		/* parked pages found in those sets again */
	/*
	 * The window: parked pages whose folio, identified by the PFN the
	 * page maps when faulted in at the end of the round, was an unmapped
	 * swap-cache folio at a PFN that held none (or a churned page) before
	 * the migrator ran.
	 */
	long moved;
	long lost;		/* ... found neither there nor in "after" */
	long churn_faults;	/* pages the churn threads faulted in */
	long bad_pages;
	long migrator_rounds;
	long swapcached_kb;	/* highest SwapCached seen */
	char error[200];	/* the first thing that went wrong */
};

/*
 * 0 when this machine can show the window, else 1 and the SKIP reason:
 * /proc/kpageflags must be readable and MADV_PAGEOUT known.  Swap itself
 * is race_env_setup()'s NEED_SWAP.
 */
int swapcache_probe(char *why, size_t len);
/*
 * Starts the migrator of @env, runs rounds until the case's time is up
 * (at least two; while the window is not reached, up to twice that time
 * more, 30 s at most) and stops the migrator.  Returns 0, or -1 when the
 * scenario could not run (res->error says why).  @o may be NULL.
 */
int swapcache_run(struct race_env *env, const struct swapcache_opts *o,
		  struct swapcache_result *res);
/* Prints the window line; returns 0 on pass, else prints what failed. */
int swapcache_verdict(struct race_env *env,
		      const struct swapcache_result *res);

#endif
