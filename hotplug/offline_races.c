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
#include "race_env.h"
#include "scenario_fork_cow.h"
#include "scenario_ksm.h"
#include "swapcache_unmapped.h"
#include "anon_vma_unmap.h"

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

TEST_F(offline, swapcache_unmapped)
{
	race_case_run(_metadata, &self->env, &swapcache_unmapped_scenario,
		      "offline", NULL);
}

TEST_F(offline, anon_vma_unmap)
{
	race_case_run(_metadata, &self->env, &anon_vma_unmap_scenario,
		      "offline", NULL);
}

TEST_F(offline, fork_cow)
{
	struct fork_cow_opts opts = { .memory = FORK_COW_BASE };
	struct fork_cow_result res;
	int ret;

	if (!offline_case(_metadata, &self->env, "R3", 0))
		return;
	ret = fork_cow_run(&self->env, &opts, &res);
	if (ret > 0)
		SKIP(return, "%s", res.error);
	ASSERT_EQ(0, ret) TH_LOG("%s", res.error);
	EXPECT_EQ(0, fork_cow_verdict(&self->env, &res));
}

/* KSM cases: R4 with its knobs saved and set by the scenario. */
static bool ksm_case(struct __test_metadata *_metadata, struct race_env *env)
{
	char why[256];

	return offline_case(_metadata, env, "R4", NEED_KSM) &&
	       race_case_check(_metadata,
			       ksm_scenario_setup(env, -1, why, sizeof(why)),
			       why);
}

TEST_F(offline, ksm_forked_children)
{
	struct ksm_result res;

	if (!ksm_case(_metadata, &self->env))
		return;
	EXPECT_EQ(0, ksm_forked_children_run(&self->env, &res));
	EXPECT_EQ(0, ksm_verdict(&self->env, &res));
}

TEST_F(offline, ksm_stable_nodes)
{
	struct ksm_result res;

	if (!ksm_case(_metadata, &self->env))
		return;
	EXPECT_EQ(0, ksm_stable_nodes_run(&self->env, &res));
	EXPECT_EQ(0, ksm_verdict(&self->env, &res));
}
