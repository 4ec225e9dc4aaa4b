// SPDX-License-Identifier: GPL-2.0
/*
 * R3, fork copying migration entries (seed 003, "Swapless page migration:
 * add R/W migration entries"): parents fork while their private anonymous
 * pages are under migration, and every child checks that COW held and
 * that no writable or read-exclusive migration entry reached it.  The
 * scenario is lib/scenario_fork_cow.c; this file picks the memory kinds
 * and the triggers.  Compaction moves neither PMD-mapped THPs nor hugetlb
 * pages, so those cases SKIP with the compaction triggers; move_pages,
 * soft offline and memory offline (hotplug/) reach them.
 */
#include "kselftest_harness.h"
#include "harness.h"
#include "race_env.h"
#include "scenario_fork_cow.h"

FIXTURE(fork_cow) {
	struct race_env env;
};

FIXTURE_VARIANT(fork_cow) {
	const char *trigger;
};

FIXTURE_VARIANT_ADD(fork_cow, compaction) {
	.trigger = "compaction",
};

FIXTURE_VARIANT_ADD(fork_cow, compact_node) {
	.trigger = "compact_node",
};

FIXTURE_VARIANT_ADD(fork_cow, move_pages) {
	.trigger = "move_pages",
};

FIXTURE_VARIANT_ADD(fork_cow, soft_offline) {
	.trigger = "soft_offline",
};

FIXTURE_SETUP(fork_cow)
{
	race_case_setup(_metadata, &self->env, "R3", variant->trigger,
			NEED_ROOT);
}

FIXTURE_TEARDOWN(fork_cow)
{
	race_case_teardown(_metadata, &self->env);
}

/* Runs the scenario with @o and judges it. */
static void run_fork_cow(struct __test_metadata *_metadata,
			 struct race_env *env, const struct fork_cow_opts *o)
{
	struct fork_cow_result res;
	int ret = fork_cow_run(env, o, &res);

	if (ret > 0)
		SKIP(return, "%s", res.error);
	ASSERT_EQ(0, ret) TH_LOG("%s", res.error);
	EXPECT_EQ(0, fork_cow_verdict(env, &res));
}

TEST_F_TIMEOUT(fork_cow, base_pages, RACE_CASE_TIMEOUT)
{
	struct fork_cow_opts o = { .memory = FORK_COW_BASE };

	run_fork_cow(_metadata, &self->env, &o);
}

/* Fresh PMD-mapped THPs every generation: copy_huge_pmd(). */
TEST_F_TIMEOUT(fork_cow, thp, RACE_CASE_TIMEOUT)
{
	struct fork_cow_opts o = { .memory = FORK_COW_THP };

	run_fork_cow(_metadata, &self->env, &o);
}

/* MAP_PRIVATE hugetlb: copy_hugetlb_page_range(). */
TEST_F_TIMEOUT(fork_cow, hugetlb, RACE_CASE_TIMEOUT)
{
	struct fork_cow_opts o = { .memory = FORK_COW_HUGETLB };

	run_fork_cow(_metadata, &self->env, &o);
}

/* Hundreds of sleeping children stretch every anon_vma walk. */
TEST_F_TIMEOUT(fork_cow, many_sleepers, RACE_CASE_TIMEOUT)
{
	struct fork_cow_opts o = {
		.memory = FORK_COW_BASE,
		.sleepers = FORK_COW_SLEEPERS,
	};

	run_fork_cow(_metadata, &self->env, &o);
}

/*
 * Forks back to back on one CPU, the migrator on another, many sleepers:
 * remove_migration_ptes() walks that start between anon_vma_fork() and
 * copy_page_range() (fix (b), the walk order).
 */
TEST_F_TIMEOUT(fork_cow, fork_storm, RACE_CASE_TIMEOUT)
{
	struct fork_cow_opts o = {
		.memory = FORK_COW_BASE,
		.sleepers = FORK_COW_SLEEPERS,
		.storm = true,
	};

	run_fork_cow(_metadata, &self->env, &o);
}

/* Read-only while migrating: read-exclusive migration entries. */
TEST_F_TIMEOUT(fork_cow, read_exclusive, RACE_CASE_TIMEOUT)
{
	struct fork_cow_opts o = {
		.memory = FORK_COW_BASE,
		.read_only = true,
	};

	run_fork_cow(_metadata, &self->env, &o);
}

TEST_HARNESS_MAIN
