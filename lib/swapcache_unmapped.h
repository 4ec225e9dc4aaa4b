/* SPDX-License-Identifier: GPL-2.0 */
/* R1, swap cache without rmap: see lib/swapcache_unmapped.c. */
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
