/* SPDX-License-Identifier: GPL-2.0 */
/*
 * R4, KSM pages under migration (seeds "ksm: rmap_walk to
 * remove_migration_ptes" and "ksm: make KSM page migration possible").
 *
 * Migration finds the mappings of a KSM page through rmap_walk_ksm(): the
 * stable node's rmap items, then, in a second pass, the VMAs of processes
 * forked since ksmd last looked (search_new_forks); miss one and a process
 * keeps a migration entry for good.  folio_migrate_ksm() moves the stable
 * node's kpfn to the new page, and ksm_get_folio() re-reads kpfn before it
 * drops a node whose page looks stale, so that ksmd, searching or pruning
 * the stable tree while a migration runs, never drops a live node.
 *
 * Three scenarios, any trigger:
 *   ksm_forked_children  merge, stop ksmd, fork, migrate: every process
 *                        maps the new page, reads the right data, a write
 *                        unshares only the writer; ksmd again: the
 *                        sharers' counts still agree (a forked child's
 *                        own: ksm_accounting);
 *   ksm_stable_nodes     sharers hold merged pages while churners merge
 *                        into them, write and exit, and ksmd searches and
 *                        prunes the stable tree while the KSM pages move;
 *   ksm_unmerge          MADV_UNMERGEABLE and run=2 while the KSM pages
 *                        migrate leave no KSM page behind, the data intact.
 *
 * The window proof is the PFN of every shared KSM page, read from every
 * process's pagemap: events count KSM pages seen at a new PFN while
 * shared.  A failed consistency check is a "ksm_check" finding.
 */
#ifndef MR_KSM_MIGRATION_H
#define MR_KSM_MIGRATION_H

#include "scenario.h"

struct ksm_opts {
	int merge_across_nodes;	/* 0 or 1 sets the knob, -1 leaves it */
};

/* Their run() takes a struct ksm_opts, or NULL to leave the knobs. */
extern const struct scenario ksm_forked_children;
extern const struct scenario ksm_stable_nodes;
extern const struct scenario ksm_unmerge;

#endif
