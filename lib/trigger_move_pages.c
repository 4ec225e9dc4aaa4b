// SPDX-License-Identifier: GPL-2.0
/*
 * move_pages(2) trigger: ping-pong every target page between NUMA nodes
 * with MPOL_MF_MOVE_ALL, which also moves shared pages (KSM, pages shared
 * with forked children).  The kernel migrates after dropping the owner's
 * mmap lock: the owner can fork, munmap or fault meanwhile.
 */
#include <errno.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "trigger.h"

#define NODES_MAX	64

static int move_pages_probe(char *why, size_t len)
{
	int nodes[NODES_MAX];

	if (numa_nodes_with_memory(nodes, NODES_MAX) < 2) {
		snprintf(why, len, "needs 2 NUMA nodes with memory");
		return -1;
	}
	if (geteuid()) {
		snprintf(why, len, "MPOL_MF_MOVE_ALL needs root");
		return -1;
	}
	return 0;
}

static int move_region(const struct target_region *r, int node,
		       struct trigger_stats *st)
{
	size_t psz = getpagesize(), n = r->len / psz, i;
	void **pages = calloc(n, sizeof(*pages));
	int *nodes = calloc(n, sizeof(*nodes));
	int *status = calloc(n, sizeof(*status));
	long ret = -ENOMEM;

	if (pages && nodes && status) {
		for (i = 0; i < n; i++) {
			pages[i] = (void *)(r->addr + i * psz);
			nodes[i] = node;
		}
		ret = move_pages(r->pid, n, pages, nodes, status,
				 MPOL_MF_MOVE_ALL);
		if (ret < 0)
			ret = errno == ESRCH ? 0 : -errno;
		st->pages_requested += n;
		for (i = 0; i < n; i++) {
			st->pages_moved += status[i] == node;
			/* -ENOENT and -EFAULT: no page there, nothing refused. */
			if (status[i] < 0 && status[i] != -ENOENT &&
			    status[i] != -EFAULT) {
				st->pages_refused++;
				st->last_refusal = status[i];
			}
		}
	}
	free(pages);
	free(nodes);
	free(status);
	return ret < 0 ? ret : 0;
}

static int move_pages_round(struct trigger_targets *t,
			    struct trigger_stats *st)
{
	int nodes[NODES_MAX], nr, i, ret = 0, node;
	struct target_region r;

	nr = numa_nodes_with_memory(nodes, NODES_MAX);
	if (nr < 2)
		return -ENODEV;
	node = nodes[st->rounds % nr];
	for (i = 0; i < TARGET_REGIONS_MAX; i++) {
		r.pid = __atomic_load_n(&t->region[i].pid, __ATOMIC_ACQUIRE);
		if (!r.pid)
			continue;
		r.addr = t->region[i].addr;
		r.len = t->region[i].len;
		ret = move_region(&r, node, st) ?: ret;
	}
	return ret;
}

const struct trigger trigger_move_pages = {
	.name = "move_pages",
	.flags = TRIGGER_MOVES_THP | TRIGGER_MOVES_HUGETLB | TRIGGER_ALL_TARGETS |
		 TRIGGER_BY_ADDRESS,
	.probe = move_pages_probe,
	.round = move_pages_round,
};
