// SPDX-License-Identifier: GPL-2.0
/*
 * Soft offline by physical address: the kernel migrates the page away and
 * retires the old frame.  PFN based, so it reaches pages that nobody maps
 * (R1) as well as mapped ones.  Every retired frame is lost to the system
 * until unpoisoned, so a test may retire at most SOFT_OFFLINE_BUDGET pages,
 * and they are unpoisoned afterwards where hwpoison-inject allows it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "trigger.h"
#include "undo.h"

#define SOFT_OFFLINE	"/sys/devices/system/memory/soft_offline_page"
#define ENABLE_SOFT	"/proc/sys/vm/enable_soft_offline"
#define UNPOISON	"/sys/kernel/debug/hwpoison/unpoison-pfn"
#define PER_ROUND	4

static int soft_offline_probe(char *why, size_t len)
{
	if (access(SOFT_OFFLINE, W_OK)) {
		snprintf(why, len, "%s missing (CONFIG_MEMORY_FAILURE, root)",
			 SOFT_OFFLINE);
		return -1;
	}
	return 0;
}

static int soft_offline_prepare(void)
{
	if (access(ENABLE_SOFT, F_OK))
		return 0;
	return knob_set(ENABLE_SOFT, "1");
}

static int soft_offline_round(struct trigger_targets *t,
			      struct trigger_stats *st)
{
	uint64_t pfns[TARGET_PFNS_MAX];
	int n, i, ret = 0;
	char addr[32];

	n = targets_collect_pfns(t, pfns, TARGET_PFNS_MAX);
	for (i = 0; i < PER_ROUND && n; i++) {
		uint64_t pfn = pfns[random() % n];

		if (st->nr_poisoned >= SOFT_OFFLINE_BUDGET)
			break;
		snprintf(addr, sizeof(addr), "%#llx",
			 (unsigned long long)pfn * getpagesize());
		st->pages_requested++;
		ret = knob_write(SOFT_OFFLINE, addr);
		if (!ret) {
			st->pages_moved++;
			st->poisoned[st->nr_poisoned++] = pfn;
		}
	}
	if (st->nr_poisoned >= SOFT_OFFLINE_BUDGET)
		usleep(10000);	/* budget spent: idle until stopped */
	return ret == -EBUSY || ret == -EIO ? 0 : ret;
}

static void soft_offline_finish(struct trigger_stats *st)
{
	int i, left = 0;
	char pfn[32];

	for (i = 0; i < st->nr_poisoned; i++) {
		snprintf(pfn, sizeof(pfn), "%llu",
			 (unsigned long long)st->poisoned[i]);
		left += !!knob_write(UNPOISON, pfn);
	}
	if (left)
		printf("# soft_offline: %d of %d retired pages could not be unpoisoned (%s)\n",
		       left, st->nr_poisoned, UNPOISON);
}

const struct trigger trigger_soft_offline = {
	.name = "soft_offline",
	.probe = soft_offline_probe,
	.prepare = soft_offline_prepare,
	.round = soft_offline_round,
	.finish = soft_offline_finish,
	.reaches_unmapped = true,
	.budget_pages = SOFT_OFFLINE_BUDGET,
	.pages_per_round = PER_ROUND,
};
