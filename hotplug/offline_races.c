// SPDX-License-Identifier: GPL-2.0
/*
 * Memory unplug as the migration trigger for every race (seeds 000/001,
 * "memory unplug: migration by kernel"): offlining a memory block makes
 * the kernel migrate every page in it, without the owners' mmap locks.
 * Each case runs a race scenario of lib/ with the "offline" trigger, which
 * offlines and onlines again only blocks that hold the scenario's own
 * pages (lib/memblock.c), and restores every block it touched, also when
 * the test is killed.
 *
 *   swapcache_unmapped  R1: unmapped swap-cache folios in the block
 *   anon_vma_unmap      R2: victims munmap and exit while their block
 *                       goes offline
 *   fork_cow    R3: fork while the parent's block goes offline
 *   ksm_*       R4: KSM pages in the block; the stable tree must find them
 *               at their new PFN, and the KSM memory notifier must not drop
 *               live nodes
 */
#include "kselftest_harness.h"
#include "harness.h"
#include "anon_vma_unmap.h"
#include "ksm_migration.h"
#include "race_env.h"
#include "fork_cow.h"
#include "swapcache_unmapped.h"

FIXTURE(offline) {
	struct race_env env;
};

FIXTURE_SETUP(offline)
{
}

FIXTURE_TEARDOWN(offline)
{
	race_case_teardown(_metadata, &self->env);
}

TEST_F_TIMEOUT(offline, swapcache_unmapped, RACE_CASE_TIMEOUT)
{
	race_case_run(_metadata, &self->env, &swapcache_unmapped_scenario,
		      "offline", NULL);
}

TEST_F_TIMEOUT(offline, anon_vma_unmap, RACE_CASE_TIMEOUT)
{
	race_case_run(_metadata, &self->env, &anon_vma_unmap_scenario,
		      "offline", NULL);
}

TEST_F_TIMEOUT(offline, fork_cow, RACE_CASE_TIMEOUT)
{
	const struct fork_cow_opts opts = { .memory = FORK_COW_BASE };

	race_case_run(_metadata, &self->env, &fork_cow_scenario, "offline",
		      &opts);
}

TEST_F_TIMEOUT(offline, ksm_forked_children, RACE_CASE_TIMEOUT)
{
	race_case_run(_metadata, &self->env, &ksm_forked_children, "offline",
		      NULL);
}

TEST_F_TIMEOUT(offline, ksm_stable_nodes, RACE_CASE_TIMEOUT)
{
	race_case_run(_metadata, &self->env, &ksm_stable_nodes, "offline",
		      NULL);
}

TEST_HARNESS_MAIN
