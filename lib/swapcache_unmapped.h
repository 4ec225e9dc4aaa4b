/* SPDX-License-Identifier: GPL-2.0 */
/*
 * R1, swap cache without rmap (seeds 000/001, "memory unplug: migration
 * by kernel"): a page freshly read into the swap cache is on the LRU but
 * nobody maps it yet, so its folio->mapping is NULL.  A migration started
 * by the kernel (compaction, memory offline, soft offline by PFN) may pick
 * it up; migrate_folio_unmap() must then skip the rmap walk instead of
 * following the NULL mapping, and still move the swap cache entry to the
 * new folio.  See lib/swapcache_unmapped.c.
 */
#ifndef MR_SWAPCACHE_UNMAPPED_H
#define MR_SWAPCACHE_UNMAPPED_H

#include <stddef.h>

#include "scenario.h"

struct swapcache_unmapped_opts {
	size_t region_bytes;	/* 0: a fraction of MemAvailable, capped */
	int churn_threads;	/* threads faulting pages in; 0: default */
};

/* Its opts: struct swapcache_unmapped_opts, or NULL for the defaults. */
extern const struct scenario swapcache_unmapped_scenario;

#endif
