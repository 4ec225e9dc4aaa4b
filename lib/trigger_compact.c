// SPDX-License-Identifier: GPL-2.0
/*
 * Compaction triggers: the kernel scans physical memory and migrates
 * movable pages, mapped or not, without taking any owner's mmap lock.
 * They reach every race, including unmapped swap cache (R1).
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "trigger.h"
#include "undo.h"

#define COMPACT_MEMORY	"/proc/sys/vm/compact_memory"
#define NODE_COMPACT	"/sys/devices/system/node/node%d/compact"

static int compaction_probe(char *why, size_t len)
{
	if (access(COMPACT_MEMORY, W_OK)) {
		snprintf(why, len, "%s not writable (CONFIG_COMPACTION, root)",
			 COMPACT_MEMORY);
		return -1;
	}
	return 0;
}

int compact_all_nodes(void)
{
	return knob_write(COMPACT_MEMORY, "1");
}

static int compaction_round(struct trigger_targets *t, struct trigger_stats *st)
{
	return compact_all_nodes();
}

const struct trigger trigger_compaction = {
	.name = "compaction",
	.flags = TRIGGER_UNMAPPED | TRIGGER_SCANS_ZONES | TRIGGER_ALL_TARGETS |
		 TRIGGER_ABORTABLE,
	.probe = compaction_probe,
	.round = compaction_round,
};

static int compact_node_probe(char *why, size_t len)
{
	char path[96];
	int nodes[64], n;

	n = numa_nodes_with_memory(nodes, 64);
	if (n < 1) {
		snprintf(why, len, "no NUMA node list in sysfs");
		return -1;
	}
	snprintf(path, sizeof(path), NODE_COMPACT, nodes[0]);
	if (access(path, W_OK)) {
		snprintf(why, len, "%s not writable", path);
		return -1;
	}
	return 0;
}

static int compact_node_round(struct trigger_targets *t,
			      struct trigger_stats *st)
{
	int nodes[64], n, i, ret = 0;
	char path[96];

	n = numa_nodes_with_memory(nodes, 64);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), NODE_COMPACT, nodes[i]);
		ret = knob_write(path, "1") ?: ret;
	}
	return ret;
}

const struct trigger trigger_compact_node = {
	.name = "compact_node",
	.flags = TRIGGER_UNMAPPED | TRIGGER_SCANS_ZONES | TRIGGER_ALL_TARGETS |
		 TRIGGER_ABORTABLE,
	.probe = compact_node_probe,
	.round = compact_node_round,
};
