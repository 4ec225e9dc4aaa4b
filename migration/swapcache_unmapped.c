// SPDX-License-Identifier: GPL-2.0
/*
 * R1, swap cache without rmap (seeds 000/001, "memory unplug: migration by
 * kernel"): folios read into the swap cache by MADV_WILLNEED are on the
 * LRU but not mapped, and PFN-scanning migrators move them while threads
 * fault them in.  The scenario is lib/swapcache_unmapped.c; this file only
 * picks the triggers that can reach unmapped memory (move_pages walks page
 * tables and cannot).
 */
#include "kselftest_harness.h"
#include "harness.h"
#include "swapcache_unmapped.h"

FIXTURE(swapcache_unmapped) {
	struct race_env env;
};

FIXTURE_VARIANT(swapcache_unmapped) {
	const char *trigger;
};

FIXTURE_VARIANT_ADD(swapcache_unmapped, compaction) {
	.trigger = "compaction",
};

FIXTURE_VARIANT_ADD(swapcache_unmapped, compact_node) {
	.trigger = "compact_node",
};

FIXTURE_VARIANT_ADD(swapcache_unmapped, soft_offline) {
	.trigger = "soft_offline",
};

FIXTURE_SETUP(swapcache_unmapped)
{
}

FIXTURE_TEARDOWN(swapcache_unmapped)
{
	race_case_teardown(_metadata, &self->env);
}

TEST_F_TIMEOUT(swapcache_unmapped, willneed_readback, RACE_CASE_TIMEOUT)
{
	race_case_run(_metadata, &self->env, &swapcache_unmapped_scenario,
		      variant->trigger, NULL);
}

TEST_HARNESS_MAIN
