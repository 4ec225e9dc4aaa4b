// SPDX-License-Identifier: GPL-2.0
/*
 * R1, swap cache without rmap (seeds 000/001, "memory unplug: migration by
 * kernel"): folios read into the swap cache by MADV_WILLNEED are on the
 * LRU but not mapped, and PFN-scanning migrators move them while threads
 * fault them in.  The scenario is lib/scenario_swapcache.c; this file only
 * picks the triggers that can reach unmapped memory (move_pages walks page
 * tables and cannot).
 */
#include "kselftest_harness.h"
#include "harness.h"
#include "race_env.h"
#include "scenario_swapcache.h"

FIXTURE(swapcache) {
	struct race_env env;
};

FIXTURE_VARIANT(swapcache) {
	const char *trigger;
};

FIXTURE_VARIANT_ADD(swapcache, compaction) {
	.trigger = "compaction",
};

FIXTURE_VARIANT_ADD(swapcache, compact_node) {
	.trigger = "compact_node",
};

FIXTURE_VARIANT_ADD(swapcache, soft_offline) {
	.trigger = "soft_offline",
};

FIXTURE_SETUP(swapcache)
{
	char why[256];

	if (race_case_setup(_metadata, &self->env, "R1", variant->trigger,
			    NEED_ROOT | NEED_SWAP))
		race_case_check(_metadata, swapcache_probe(why, sizeof(why)),
				why);
}

FIXTURE_TEARDOWN(swapcache)
{
	race_case_teardown(_metadata, &self->env);
}

TEST_F_TIMEOUT(swapcache, willneed_readback, RACE_CASE_TIMEOUT)
{
	struct swapcache_result res;

	swapcache_run(&self->env, NULL, &res);
	EXPECT_EQ(0, swapcache_verdict(&self->env, &res));
}

TEST_HARNESS_MAIN
