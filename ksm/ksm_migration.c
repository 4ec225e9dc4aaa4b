// SPDX-License-Identifier: GPL-2.0
/*
 * R4, KSM pages under migration (seeds 002, "ksm: rmap_walk to
 * remove_migration_ptes", and 004, "ksm: make KSM page migration
 * possible"): migration must reach every process that maps a KSM page,
 * also those forked since ksmd last looked, and ksmd must not drop a
 * stable node whose page is being migrated.  The scenarios are in
 * lib/ksm_migration.h; this file picks the triggers.  move_pages needs two
 * nodes and runs with merge_across_nodes both ways (restored afterwards).
 *
 * ksm_accounting is no race: a forked child's own KSM counters, which the
 * race cases leave alone (see lib/ksm_fork.h).
 */
#include "kselftest_harness.h"
#include "harness.h"
#include "ksm.h"
#include "ksm_fork.h"
#include "ksm_migration.h"

FIXTURE(ksm_migration) {
	struct race_env env;
};

FIXTURE_VARIANT(ksm_migration) {
	const char *trigger;
	struct ksm_opts opts;
};

/*
 * move_pages first: where it runs (two nodes), its ping-pong leaves the
 * partly used pageblocks that compaction needs as targets; a freshly
 * booted machine has almost none.
 */
FIXTURE_VARIANT_ADD(ksm_migration, move_pages_merge_across_nodes) {
	.trigger = "move_pages",
	.opts = { .merge_across_nodes = 1 },
};

FIXTURE_VARIANT_ADD(ksm_migration, move_pages_per_node_trees) {
	.trigger = "move_pages",
	.opts = { .merge_across_nodes = 0 },
};

FIXTURE_VARIANT_ADD(ksm_migration, compaction) {
	.trigger = "compaction",
	.opts = { .merge_across_nodes = -1 },
};

FIXTURE_VARIANT_ADD(ksm_migration, compact_node) {
	.trigger = "compact_node",
	.opts = { .merge_across_nodes = -1 },
};

FIXTURE_VARIANT_ADD(ksm_migration, soft_offline) {
	.trigger = "soft_offline",
	.opts = { .merge_across_nodes = -1 },
};

FIXTURE_SETUP(ksm_migration)
{
}

FIXTURE_TEARDOWN(ksm_migration)
{
	race_case_teardown(_metadata, &self->env);
}

TEST_F_TIMEOUT(ksm_migration, forked_children, RACE_CASE_TIMEOUT)
{
	race_case_run(_metadata, &self->env, &ksm_forked_children,
		      variant->trigger, &variant->opts);
}

TEST_F_TIMEOUT(ksm_migration, stable_nodes, RACE_CASE_TIMEOUT)
{
	race_case_run(_metadata, &self->env, &ksm_stable_nodes,
		      variant->trigger, &variant->opts);
}

TEST_F_TIMEOUT(ksm_migration, unmerge, RACE_CASE_TIMEOUT)
{
	race_case_run(_metadata, &self->env, &ksm_unmerge, variant->trigger,
		      &variant->opts);
}

/* What the child's counters showed, against the fix. */
#define CHILD_FMT	"forked child %s: %ld (fixed upstream by \"%s\")"
#define ACCOUNTING_FMT \
	"ksm_accounting: parent merging=%ld rmap_items=%ld; child at fork merging=%ld rmap_items=%ld stat_merging=%ld; after MADV_UNMERGEABLE merging=%ld rmap_items=%ld stat_merging=%ld\n"

FIXTURE(ksm_accounting) {
	struct race_env env;
	struct ksm_fork_region region;
};

/* KSM set up and pages merged: what fails here is no kernel bug of ours. */
FIXTURE_SETUP(ksm_accounting)
{
	char why[256] = "";

	if (!race_case_setup(_metadata, &self->env, NULL, NULL,
			     NEED_ROOT | NEED_KSM))
		return;
	if (access("/proc/self/ksm_stat", R_OK))
		SKIP(return, "no /proc/PID/ksm_stat (kernel older than 6.1)");
	if (!race_case_check(_metadata, ksm_setup(-1, why, sizeof(why)), why))
		return;
	ASSERT_EQ(0, ksm_fork_merge(&self->region, why, sizeof(why)))
		TH_LOG("%s", why);
}

/* Declared in lib/known_bugs.c: 6.1 and others fail the case. */
FIXTURE_TEARDOWN(ksm_accounting)
{
	ksm_fork_unmap(&self->region);
	if (race_case_teardown(_metadata, &self->env))
		known_bug_settle(_metadata, NULL);
}

/*
 * The child maps the parent's KSM pages but owns no rmap item: its own
 * counters start at 0, and after MADV_UNMERGEABLE they agree with the
 * KSM pages it maps, none.  Anything else that goes wrong is an ASSERT.
 */
TEST_F_TIMEOUT(ksm_accounting, fork_resets_counters, RACE_CASE_TIMEOUT)
{
	struct ksm_fork_result r;
	char why[256] = "";

	ASSERT_EQ(0, ksm_fork_run(&self->region, &r, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_EQ(KSM_FORK_PAGES, r.parent.merging)
		TH_LOG("the parent's own ksm_merging_pages before the fork");
	ASSERT_EQ(KSM_FORK_PAGES, r.at_fork.ksm_pages)
		TH_LOG("KSM pages the child maps by kpageflags after the fork");
	ASSERT_EQ(0, r.bad_pages)
		TH_LOG("pages of the child with wrong data after MADV_UNMERGEABLE");
	ASSERT_EQ(0, r.unmerged.ksm_pages)
		TH_LOG("KSM pages left in the child after MADV_UNMERGEABLE");
	ksft_print_msg(ACCOUNTING_FMT, r.parent.merging, r.parent.rmap_items,
		       r.at_fork.merging, r.at_fork.rmap_items,
		       r.at_fork.stat_merging, r.unmerged.merging,
		       r.unmerged.rmap_items, r.unmerged.stat_merging);
	EXPECT_EQ(0, r.at_fork.merging)
		TH_LOG(CHILD_FMT, "inherited the parent's ksm_merging_pages",
		       r.at_fork.merging, KSM_FORK_FIX);
	EXPECT_EQ(0, r.at_fork.rmap_items)
		TH_LOG(CHILD_FMT, "inherited the parent's ksm_rmap_items",
		       r.at_fork.rmap_items, KSM_FORK_FIX);
	/* ksm_stat shows ksm_merging_pages since 6.6 only: -1 before. */
	if (r.at_fork.stat_merging >= 0) {
		EXPECT_EQ(0, r.at_fork.stat_merging)
			TH_LOG(CHILD_FMT,
			       "inherited ksm_merging_pages in its ksm_stat",
			       r.at_fork.stat_merging, KSM_FORK_FIX);
	}
	EXPECT_EQ(0, r.unmerged.merging)
		TH_LOG(CHILD_FMT,
		       "still reports ksm_merging_pages after MADV_UNMERGEABLE, mapping no KSM page",
		       r.unmerged.merging, KSM_FORK_FIX);
	EXPECT_EQ(0, r.unmerged.rmap_items)
		TH_LOG(CHILD_FMT,
		       "still reports ksm_rmap_items after MADV_UNMERGEABLE",
		       r.unmerged.rmap_items, KSM_FORK_FIX);
}

TEST_HARNESS_MAIN
