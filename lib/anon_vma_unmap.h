/* SPDX-License-Identifier: GPL-2.0 */
/* R2, anon_vma freed during unmap: see lib/anon_vma_unmap.c. */
#ifndef MR_ANON_VMA_UNMAP_H
#define MR_ANON_VMA_UNMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"

struct anon_vma_unmap_opts {
	int victims;		/* 0: two per CPU */
	size_t region_bytes;	/* 0: default, bounded by MemAvailable */
	bool fork_children;	/* victims fork children touching the region */
};

/* Its opts: struct anon_vma_unmap_opts, or NULL for the defaults. */
extern const struct scenario anon_vma_unmap_scenario;

#endif
