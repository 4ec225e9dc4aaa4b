// SPDX-License-Identifier: GPL-2.0
/*
 * R4, KSM pages under migration (seeds 002, "ksm: rmap_walk to
 * remove_migration_ptes", and 004, "ksm: make KSM page migration
 * possible"): migration must reach every process that maps a KSM page,
 * also those forked since ksmd last looked, and ksmd must not drop a
 * stable node whose page is being migrated.  The scenarios are in
 * lib/scenario_ksm.c; this file picks the triggers.  move_pages needs two
 * nodes and runs with merge_across_nodes both ways (restored afterwards).
 */
#include "kselftest_harness.h"
#include "harness.h"
#include "race_env.h"
#include "scenario_ksm.h"

FIXTURE(ksm_migration) {
	struct race_env env;
};

FIXTURE_VARIANT(ksm_migration) {
	const char *trigger;
	int merge_across_nodes;		/* -1: leave as found */
};

/*
 * move_pages first: where it runs (two nodes), its ping-pong leaves the
 * partly used pageblocks that compaction needs as targets; a freshly
 * booted machine has almost none.
 */
FIXTURE_VARIANT_ADD(ksm_migration, move_pages_merge_across_nodes) {
	.trigger = "move_pages",
	.merge_across_nodes = 1,
};

FIXTURE_VARIANT_ADD(ksm_migration, move_pages_per_node_trees) {
	.trigger = "move_pages",
	.merge_across_nodes = 0,
};

FIXTURE_VARIANT_ADD(ksm_migration, compaction) {
	.trigger = "compaction",
	.merge_across_nodes = -1,
};

FIXTURE_VARIANT_ADD(ksm_migration, compact_node) {
	.trigger = "compact_node",
	.merge_across_nodes = -1,
};

FIXTURE_VARIANT_ADD(ksm_migration, soft_offline) {
	.trigger = "soft_offline",
	.merge_across_nodes = -1,
};

FIXTURE_SETUP(ksm_migration)
{
	char why[256];

	if (race_case_setup(_metadata, &self->env, "R4", variant->trigger,
			    NEED_ROOT | NEED_KSM))
		race_case_check(_metadata,
				ksm_scenario_setup(&self->env,
						   variant->merge_across_nodes,
						   why, sizeof(why)), why);
}

FIXTURE_TEARDOWN(ksm_migration)
{
	race_case_teardown(_metadata, &self->env);
}

TEST_F(ksm_migration, forked_children)
{
	struct ksm_result res;

	EXPECT_EQ(0, ksm_forked_children_run(&self->env, &res))
		TH_LOG("set-up or migrator failed");
	EXPECT_EQ(0, ksm_verdict(&self->env, &res));
}

TEST_F(ksm_migration, stable_nodes)
{
	struct ksm_result res;

	EXPECT_EQ(0, ksm_stable_nodes_run(&self->env, &res))
		TH_LOG("set-up or migrator failed");
	EXPECT_EQ(0, ksm_verdict(&self->env, &res));
}

TEST_F(ksm_migration, unmerge)
{
	struct ksm_result res;

	EXPECT_EQ(0, ksm_unmerge_run(&self->env, &res))
		TH_LOG("set-up or migrator failed");
	EXPECT_EQ(0, ksm_verdict(&self->env, &res));
}
