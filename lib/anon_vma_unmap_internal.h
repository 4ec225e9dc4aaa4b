/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pieces of R2's scenario (anon_vma_unmap.h): the test supervises and
 * respawns its victims (anon_vma_unmap.c); each victim maps, fills, holds
 * and unmaps its regions, or exits with one mapped, and may fork a child
 * over it (anon_vma_unmap_victim.c).  Counters and the calls that failed
 * live in shared memory.
 */
#ifndef MR_ANON_VMA_UNMAP_INTERNAL_H
#define MR_ANON_VMA_UNMAP_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "anon_vma_unmap.h"

#define VICTIMS_MAX	16
#define NODES_MAX	64

/* Counted by the test, its victims and their children. */
enum um_count {
	VICTIMS,		/* started, respawns included */
	ROUNDS,			/* regions mapped, filled, verified, unmapped */
	EXITS,			/* victims that exited with a region mapped */
	CHILDREN,
	REGIONS_MOVED,		/* regions with a page moved before */
	CHILD_REGIONS_MOVED,	/* the same, of children */
	PAGES_MOVED,
	INFLIGHT,		/* the window: unmapped with an entry */
	MOVER_CALLS,		/* move_pages calls of victims' own threads */
	MOVER_PAGES,		/* pages those calls moved */
	OVERLAPS,		/* munmaps issued while such a call ran */
	BAD_PAGES,
	FAILURES,		/* victims or children that exited uncleanly */
	NR_COUNTS		/* all on the window line */
};

/* Shared by the test, its victims and their children. */
struct um_shared {
	bool stop;
	long n[NR_COUNTS];
	/* The system call a victim failed, for the test to report. */
	char why[VICTIMS_MAX][RACE_TEXT_MAX / 2];
};

/* One victim process; private to it after the fork. */
struct victim {
	struct um_shared *sh;
	struct trigger_targets *targets;
	const struct trigger_stats *stats;	/* the migrator's rounds */
	double t_start;
	int slot, nslots;	/* targets: slot for itself, +nslots child */
	uint32_t tag;
	size_t psz, len, npages;
	uint64_t *pm, *pfn0, *child_pfn0;
	int pm_fd;
	bool aim_apart;		/* aim from a CPU the migrator is not on */
	unsigned int aim_pause_us;	/* between the aim's looks */
	bool split;		/* an anon_vma per few pages (not one) */
	pid_t migrator;
	/* The mover thread (move_pages flavour) */
	bool mover;
	int nodes[NODES_MAX], nnodes;
	char *cur;		/* region the mover migrates, or NULL */
	long cur_seq, in_call, seq;
	pthread_t mover_thread;
};

static inline void add(struct um_shared *sh, enum um_count i, long n)
{
	__atomic_add_fetch(&sh->n[i], n, __ATOMIC_RELAXED);
}

/* anon_vma_unmap_victim.c: one victim's life; its exit code. */
int victim_main(struct victim *v, bool fork_child);

#endif
