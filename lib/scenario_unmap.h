/* SPDX-License-Identifier: GPL-2.0 */
/*
 * R2, anon_vma freed during unmap (seeds 000/001, "memory unplug:
 * migration by kernel"): try_to_migrate() drops a folio's mapcount to
 * zero, and if the owner then unmaps the region or exits, the anon_vma
 * that folio->mapping still points to may be freed while the migration
 * goes on; remove_migration_ptes() walks it without the owner's mmap lock.
 * migrate_folio_unmap() therefore holds a reference from
 * folio_get_anon_vma() until the folio is moved or put back.
 *
 * Victim processes loop: map a region, fill it, hold it a few
 * milliseconds while verifying it, then munmap it, or every few rounds
 * exit with it still mapped and get respawned.  A flavour forks children
 * that read the region, write half of it (their own anon_vma's folios)
 * and exit meanwhile.  With the move_pages trigger a thread of each victim
 * also migrates the region the other thread is about to unmap.
 */
#ifndef MR_SCENARIO_UNMAP_H
#define MR_SCENARIO_UNMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "race_env.h"

struct unmap_opts {
	int victims;		/* 0: two per CPU */
	size_t region_bytes;	/* 0: default, bounded by MemAvailable */
	bool fork_children;	/* victims fork children that touch the region */
};

struct unmap_result {
	long victims;		/* victim processes started, respawns included */
	long rounds;		/* regions mapped, filled, verified, unmapped */
	long exits;		/* victims that exited with their region mapped */
	/*
	 * The window: regions (of victims or children) with a page that
	 * changed PFN between fill and the moment just before munmap or exit,
	 * or that still held a migration entry then.
	 */
	long regions_moved;
	long pages_moved;
	long inflight;		/* regions unmapped with a migration entry */
	long children;
	long child_regions_moved;
	long mover_calls;	/* move_pages calls of victims' own threads */
	long mover_pages;	/* pages those calls moved */
	long overlaps;		/* munmaps issued while such a call ran */
	long bad_pages;
	long failures;		/* victims or children that did not exit cleanly */
	char error[200];	/* the first thing that went wrong */
};

/*
 * Starts the migrator of @env, runs victims until the case's time is up
 * (while the window is not reached, up to twice that time more, 30 s at
 * most) and stops everything.  Returns 0, or -1 when the scenario could
 * not run (res->error says why).  @o may be NULL.
 */
int unmap_run(struct race_env *env, const struct unmap_opts *o,
	      struct unmap_result *res);
/* Prints the window line; returns 0 on pass, else prints what failed. */
int unmap_verdict(struct race_env *env, const struct unmap_result *res);

#endif
