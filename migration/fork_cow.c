// SPDX-License-Identifier: GPL-2.0
/*
 * R3, fork copying migration entries (lib/fork_cow.h): memory
 * kinds by triggers.  Compaction moves neither PMD-mapped THPs nor hugetlb
 * pages: those cases SKIP with it.
 */
#include "kselftest_harness.h"
#include "harness.h"
#include "fork_cow.h"

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
}

FIXTURE_TEARDOWN(fork_cow)
{
	race_case_teardown(_metadata, &self->env);
}

/* One case: the scenario with these options (struct fork_cow_opts). */
#define FORK_COW(...)							\
	race_case_run(_metadata, &self->env, &fork_cow_scenario,	\
		      variant->trigger,					\
		      &(const struct fork_cow_opts){ __VA_ARGS__ })

TEST_F_TIMEOUT(fork_cow, base_pages, RACE_CASE_TIMEOUT)
{
	FORK_COW(.memory = FORK_COW_BASE);
}

/* Fresh PMD-mapped THPs every generation: copy_huge_pmd(). */
TEST_F_TIMEOUT(fork_cow, thp, RACE_CASE_TIMEOUT)
{
	FORK_COW(.memory = FORK_COW_THP);
}

/* MAP_PRIVATE hugetlb: copy_hugetlb_page_range(). */
TEST_F_TIMEOUT(fork_cow, hugetlb, RACE_CASE_TIMEOUT)
{
	FORK_COW(.memory = FORK_COW_HUGETLB);
}

/* Hundreds of sleeping children stretch every anon_vma walk. */
TEST_F_TIMEOUT(fork_cow, many_sleepers, RACE_CASE_TIMEOUT)
{
	FORK_COW(.sleepers = FORK_COW_SLEEPERS);
}

/* Walks that start between anon_vma_fork() and the copy: fix (b). */
TEST_F_TIMEOUT(fork_cow, fork_storm, RACE_CASE_TIMEOUT)
{
	FORK_COW(.sleepers = FORK_COW_SLEEPERS, .storm = true);
}

/* Read-only while migrating: read-exclusive migration entries. */
TEST_F_TIMEOUT(fork_cow, read_exclusive, RACE_CASE_TIMEOUT)
{
	FORK_COW(.read_only = true);
}

TEST_HARNESS_MAIN
