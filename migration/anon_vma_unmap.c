// SPDX-License-Identifier: GPL-2.0
/*
 * R2, anon_vma freed during unmap (seeds 000/001, "memory unplug:
 * migration by kernel"): victims munmap their regions or exit while the
 * kernel migrates their pages without their mmap lock.  The scenario is
 * lib/anon_vma_unmap.c; this file picks the triggers and the flavours
 * (plain victims, victims that fork children touching the region).
 */
#include "kselftest_harness.h"
#include "harness.h"
#include "anon_vma_unmap.h"

FIXTURE(anon_vma_unmap) {
	struct race_env env;
};

FIXTURE_VARIANT(anon_vma_unmap) {
	const char *trigger;
};

FIXTURE_VARIANT_ADD(anon_vma_unmap, compaction) {
	.trigger = "compaction",
};

FIXTURE_VARIANT_ADD(anon_vma_unmap, compact_node) {
	.trigger = "compact_node",
};

FIXTURE_VARIANT_ADD(anon_vma_unmap, move_pages) {
	.trigger = "move_pages",
};

FIXTURE_VARIANT_ADD(anon_vma_unmap, soft_offline) {
	.trigger = "soft_offline",
};

FIXTURE_SETUP(anon_vma_unmap)
{
}

FIXTURE_TEARDOWN(anon_vma_unmap)
{
	race_case_teardown(_metadata, &self->env);
}

static const struct anon_vma_unmap_opts fork_children = {
	.fork_children = true,
};

TEST_F_TIMEOUT(anon_vma_unmap, munmap_exit, RACE_CASE_TIMEOUT)
{
	race_case_run(_metadata, &self->env, &anon_vma_unmap_scenario,
		      variant->trigger, NULL);
}

TEST_F_TIMEOUT(anon_vma_unmap, fork_children, RACE_CASE_TIMEOUT)
{
	race_case_run(_metadata, &self->env, &anon_vma_unmap_scenario,
		      variant->trigger, &fork_children);
}

TEST_HARNESS_MAIN
