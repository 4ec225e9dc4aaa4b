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
 * Three flavours, any trigger:
 *   forked_children  merge, stop ksmd, fork, migrate: every process maps
 *                    the new page, reads the right data, a write unshares
 *                    only the writer; ksmd again: the sharers' counts still
 *                    agree (a forked child's own: ksm_accounting);
 *   stable_nodes     sharers hold merged pages while churners merge into
 *                    them, write and exit, and ksmd searches and prunes the
 *                    stable tree while the KSM pages migrate;
 *   unmerge          MADV_UNMERGEABLE and run=2 while the KSM pages
 *                    migrate leave no KSM page behind and the data intact.
 */
/*
 * A caller (ksm/ksm_migration.c, hotplug/ with the "offline" trigger):
 *	race_env_setup(&env, "R4", trigger, NEED_ROOT | NEED_KSM, ...);
 *	ksm_scenario_setup(&env, -1, why, len);
 *	ksm_forked_children_run(&env, &res);
 *	ksm_verdict(&env, &res);		0: passed
 *	race_env_teardown(&env);		restores KSM, kernel verdict
 */
#ifndef MR_SCENARIO_KSM_H
#define MR_SCENARIO_KSM_H

#include <stddef.h>

#include "race_env.h"

struct ksm_result {
	const char *flavour;
	/*
	 * KSM pages seen at a new PFN while shared: forked_children counts
	 * from the fork on, the others from the merge on; stable_nodes adds
	 * the churners' own.  The window proof of the case.
	 */
	long long events;
	long long pages;	/* KSM pages that could have moved */
	long cycles;		/* merge cycles, or epochs for stable_nodes */
	long children;		/* processes forked after the merge */
	long churners;		/* churner processes that ran */
	long churners_merged;	/* churners whose pages merged in time */
	long churn_moved;	/* churners' own KSM pages seen to move */
	long checks;		/* consistency checks passed or failed */
	long full_scans;	/* ksmd full scans while migrating */
	long pages_scanned;	/* ksmd pages scanned while migrating */
	long failures;
	char first_failure[200];
};

/*
 * Call after race_env_setup(): saves and sets the KSM knobs (see
 * ksm_setup()).  @merge_across_nodes 0 or 1 sets that knob, -1 leaves it.
 * Returns 0, 1 to SKIP, -1 on error, with @why.
 */
int ksm_scenario_setup(struct race_env *e, int merge_across_nodes,
		       char *why, size_t len);

/* Each runs for race_duration() and returns 0, or -1 on a set-up error. */
int ksm_forked_children_run(struct race_env *e, struct ksm_result *r);
int ksm_stable_nodes_run(struct race_env *e, struct ksm_result *r);
int ksm_unmerge_run(struct race_env *e, struct ksm_result *r);

/*
 * Prints the window line and what failed; returns 0 when the case passed.
 * "window not reached" when no KSM page changed PFN while shared.
 */
int ksm_verdict(struct race_env *e, const struct ksm_result *r);

#endif
