// SPDX-License-Identifier: GPL-2.0
/*
 * R2, anon_vma freed during unmap (seeds 000/001, "memory unplug:
 * migration by kernel"): victims munmap their regions or exit while the
 * kernel migrates their pages without their mmap lock.  The scenario is
 * lib/scenario_unmap.c; this file picks the triggers and the flavours
 * (plain victims, victims that fork children touching the region).
 */
#include "kselftest_harness.h"
#include "harness.h"
#include "race_env.h"
#include "scenario_unmap.h"

FIXTURE(anon_vma) {
	struct race_env env;
};

FIXTURE_VARIANT(anon_vma) {
	const char *trigger;
};

FIXTURE_VARIANT_ADD(anon_vma, compaction) {
	.trigger = "compaction",
};

FIXTURE_VARIANT_ADD(anon_vma, compact_node) {
	.trigger = "compact_node",
};

FIXTURE_VARIANT_ADD(anon_vma, move_pages) {
	.trigger = "move_pages",
};

FIXTURE_VARIANT_ADD(anon_vma, soft_offline) {
	.trigger = "soft_offline",
};

FIXTURE_SETUP(anon_vma)
{
	race_case_setup(_metadata, &self->env, "R2", variant->trigger,
			NEED_ROOT);
}

FIXTURE_TEARDOWN(anon_vma)
{
	race_case_teardown(_metadata, &self->env);
}

TEST_F_TIMEOUT(anon_vma, munmap_exit, RACE_CASE_TIMEOUT)
{
	struct unmap_result res;

	unmap_run(&self->env, NULL, &res);
	EXPECT_EQ(0, unmap_verdict(&self->env, &res));
}

TEST_F_TIMEOUT(anon_vma, fork_children, RACE_CASE_TIMEOUT)
{
	struct unmap_opts opts = { .fork_children = true };
	struct unmap_result res;

	unmap_run(&self->env, &opts, &res);
	EXPECT_EQ(0, unmap_verdict(&self->env, &res));
}

TEST_HARNESS_MAIN
