/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside R1 (lib/swapcache_unmapped.c): the state of a case, shared by
 * the run loop, the round (swapcache_round.c: push out, read back, park,
 * fault in) and the bookkeeping of candidates and moves
 * (swapcache_pfns.c).
 */
#ifndef MR_SWAPCACHE_ROUND_H
#define MR_SWAPCACHE_ROUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "room.h"
#include "scenario.h"

#define CHUNK_PAGES	64
#define R1_TAG		0x5231	/* "R1" */

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

/* What a case counts; those before LINE_COUNTS go on the window line. */
enum sc_count {
	ROUNDS,
	PAGES,			/* pages in the region */
	SWAPPED_OUT,		/* pages pagemap showed swapped after PAGEOUT */
	READAHEAD,		/* pages mincore showed back in core */
	CANDIDATES,		/* unmapped swap-cache folios kpageflags saw */
	TRACKED,		/* parked pages found in those sets again */
	LOST,			/* ... found neither there nor in "after" */
	CHURN_FAULTS,		/* pages the churn threads faulted in */
	BAD_PAGES,
	MIGRATOR_ROUNDS,
	SWAPCACHED_KB,		/* highest SwapCached seen */
	LINE_COUNTS,
	/*
	 * The window: parked pages whose folio, identified by the PFN the
	 * page maps when faulted in at the end of the round, was an unmapped
	 * swap-cache folio at a PFN that held none (or a churned page) before
	 * the migrator ran.
	 */
	MOVED = LINE_COUNTS,
	NR_COUNTS
};

struct pfn_set {
	uint64_t *bits;
	uint64_t nr;		/* PFNs the bitmap covers */
};

struct sc_ctx {
	struct race_env *env;
	struct race_result *res;
	long n[NR_COUNTS];
	char *buf;
	size_t psz, len, npages, nchunks;
	uint32_t *gen;		/* generation each page holds */
	unsigned char *churn;	/* per chunk: churned this round */
	unsigned char *swapped;	/* per page: pagemap said swapped out */
	unsigned char *vec;	/* per page: mincore after MADV_WILLNEED */
	uint64_t *pm;		/* pagemap of one chunk */
	struct pfn_set before, after;
	struct pfn_set other;	/* PFNs another folio held during the window */
	uint64_t sample[TARGET_PFNS_MAX];	/* PFNs for PFN triggers */
	int nsample;
	int pm_fd, kpf_fd, nthreads;
	int cpu, punch_cpu;	/* the case's CPU, the room's punches' */
	bool churn_stop;
	int churn_err;		/* an errno of a churn thread */
	struct room room;
};

static inline char *page_at(struct sc_ctx *c, size_t i)
{
	return c->buf + i * c->psz;
}

/* Under a scanning trigger, frees low memory for the rounds; 0 or -1. */
int sc_clear_floor(struct sc_ctx *c);
/* One round: push out, read back, park in the window, verify. */
int sc_round(struct sc_ctx *c);

/*
 * Bookkeeping (swapcache_pfns.c).  Opening the window learns which PFNs
 * hold unmapped swap-cache folios ("before") and hands a sample of the
 * candidates to PFN-based triggers; closing it withdraws them and learns
 * the PFNs again ("after").  0, or -1 with the failure recorded.
 */
int sc_window_open(struct sc_ctx *c);
int sc_window_close(struct sc_ctx *c);
/* These @n pages, about to be freed, held other folios than parked ones. */
void sc_mark_other(struct sc_ctx *c, char *p, size_t n);
/* Counts page @i (pagemap entry @e at the end of the round) if it moved. */
void sc_account(struct sc_ctx *c, size_t i, uint64_t e);

#endif
