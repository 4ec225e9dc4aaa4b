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
 *   swapcache   R1: unmapped swap-cache folios in the block
 *   unmap       R2: victims munmap and exit while their block goes offline
 *   fork_cow    R3: fork while the parent's block goes offline
 *   ksm_*       R4: KSM pages in the block; the stable tree must find them
 *               at their new PFN, and the KSM memory notifier must not drop
 *               live nodes
 */
#include "kselftest_harness.h"
#include "harness.h"
#include "race_env.h"
#include "scenario_fork_cow.h"
#include "ksm_scenario.h"
#include "scenario_swapcache.h"
#include "scenario_unmap.h"

FIXTURE(offline) {
	struct race_env env;
};

/* Each case sets up its own race, with the offline trigger. */
static bool offline_case(struct __test_metadata *_metadata,
			 struct race_env *env, const char *race,
			 unsigned int needs)
{
	return race_case_setup(_metadata, env, race, "offline",
			       NEED_ROOT | needs);
}

FIXTURE_SETUP(offline)
{
}

FIXTURE_TEARDOWN(offline)
{
	race_case_teardown(_metadata, &self->env);
}

TEST_F_TIMEOUT(offline, swapcache, RACE_CASE_TIMEOUT)
{
	struct swapcache_result res;
	char why[256];

	if (!offline_case(_metadata, &self->env, "R1", NEED_SWAP) ||
	    !race_case_check(_metadata, swapcache_probe(why, sizeof(why)), why))
		return;
	ASSERT_EQ(0, swapcache_run(&self->env, NULL, &res))
		TH_LOG("%s", res.error);
	EXPECT_EQ(0, swapcache_verdict(&self->env, &res));
}

TEST_F_TIMEOUT(offline, unmap, RACE_CASE_TIMEOUT)
{
	struct unmap_result res;

	if (!offline_case(_metadata, &self->env, "R2", 0))
		return;
	unmap_run(&self->env, NULL, &res);
	EXPECT_EQ(0, unmap_verdict(&self->env, &res));
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
