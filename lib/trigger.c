// SPDX-License-Identifier: GPL-2.0
/* Trigger registry, shared target table and the migrator loop. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "known_bugs.h"
#include "pagemap.h"
#include "procs.h"
#include "trigger.h"
#include "undo.h"

static const struct trigger * const triggers[] = {
	&trigger_compaction, &trigger_compact_node, &trigger_move_pages,
	&trigger_soft_offline, &trigger_offline,
};

const struct trigger *trigger_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(triggers); i++)
		if (!strcmp(triggers[i]->name, name))
			return triggers[i];
	return NULL;
}

struct trigger_targets *targets_create(void)
{
	return shared_alloc(sizeof(struct trigger_targets));
}

void targets_set(struct trigger_targets *t, int slot, pid_t pid, void *addr,
		 size_t len)
{
	struct target_region *r = &t->region[slot];

	/* Publish address and length before the pid makes the slot live. */
	__atomic_store_n(&r->pid, 0, __ATOMIC_RELEASE);
	r->addr = (unsigned long)addr;
	r->len = len;
	__atomic_store_n(&r->pid, pid, __ATOMIC_RELEASE);
}

int targets_add(struct trigger_targets *t, pid_t pid, void *addr, size_t len)
{
	int i;

	for (i = 0; i < TARGET_REGIONS_MAX; i++)
		if (!t->region[i].pid) {
			targets_set(t, i, pid, addr, len);
			return i;
		}
	return -ENOSPC;
}

void targets_remove(struct trigger_targets *t, int slot)
{
	__atomic_store_n(&t->region[slot].pid, 0, __ATOMIC_RELEASE);
}

static int region_pfns(const struct target_region *r, uint64_t *pfns,
		       int max)
{
	size_t psz = getpagesize(), n = r->len / psz, i;
	uint64_t *pm;
	int fd, count = 0;

	fd = pagemap_open(r->pid);
	if (fd < 0)
		return 0;	/* the owner is gone: nothing to migrate */
	pm = calloc(n, sizeof(*pm));
	if (pm && !pagemap_read(fd, r->addr, n, pm))
		for (i = 0; i < n && count < max; i++)
			if (pm_present(pm[i]) && pm_pfn(pm[i]))
				pfns[count++] = pm_pfn(pm[i]);
	free(pm);
	close(fd);
	return count;
}

int targets_collect_pfns(struct trigger_targets *t, uint64_t *pfns, int max)
{
	struct target_region r;
	int i, n = 0;

	for (i = 0; i < t->nr_pfns && n < max && i < TARGET_PFNS_MAX; i++)
		pfns[n++] = t->pfn[i];
	for (i = 0; i < TARGET_REGIONS_MAX && n < max; i++) {
		r.pid = __atomic_load_n(&t->region[i].pid, __ATOMIC_ACQUIRE);
		if (!r.pid)
			continue;
		r.addr = t->region[i].addr;
		r.len = t->region[i].len;
		n += region_pfns(&r, pfns + n, max - n);
	}
	return n;
}

int numa_nodes_with_memory(int *nodes, int max)
{
	char buf[256], *p;
	int n = 0, a, b;

	if (knob_read("/sys/devices/system/node/has_memory", buf, sizeof(buf)))
		return 0;
	for (p = strtok(buf, ","); p; p = strtok(NULL, ",")) {
		if (sscanf(p, "%d-%d", &a, &b) != 2) {
			a = atoi(p);
			b = a;
		}
		for (; a <= b && n < max; a++)
			nodes[n++] = a;
	}
	return n;
}

pid_t migrator_start(const struct trigger *tr, struct trigger_targets *t,
		     struct trigger_stats *st, bool *stop,
		     unsigned int pause_us, pid_t apart_from)
{
	pid_t pid = worker_fork();
	int ret;

	if (pid)
		return pid;
	while (!stop_requested(stop)) {
		long hold = __atomic_load_n(&st->hold, __ATOMIC_ACQUIRE);

		if (hold) {
			__atomic_store_n(&st->held, hold, __ATOMIC_RELEASE);
			usleep(1000);
			continue;
		}
		if (apart_from > 0)
			cpu_keep_apart(apart_from);
		ret = tr->round(t, st);
		st->rounds++;
		if (ret) {
			st->errors++;
			st->last_error = ret;
		}
		if (pause_us)
			usleep(pause_us);
	}
	_exit(0);
}

/*
 * A compaction round runs until its scanners meet, which may be a second
 * after the case's time is over.  Compaction gives up at once on a fatal
 * signal (isolate_migratepages_block()), and what it moved stays moved, so
 * its migrator is killed instead of waited for: the suite's 20 compaction
 * and compact_node cases took 67.2 s instead of 70.1 s (Debian 6.12.118,
 * two-node TCG VM, idle host, 2026-12-06).
 */
int migrator_stop(pid_t pid, const struct trigger *tr)
{
	if (tr->flags & TRIGGER_ABORTABLE)
		return worker_kill_wait(pid, "migrator");
	return worker_wait(pid, "migrator");
}

bool kernel_migrates_in_batches(void)
{
	static const struct kver_range folio_by_folio[] = {
		{ "2.6", "6.3" }, { NULL, NULL },
	};

	return !kver_running_in(folio_by_folio);
}
