// SPDX-License-Identifier: GPL-2.0
/*
 * Memory block offline/online and the "offline" trigger.  Offlining may
 * legitimately fail (-EBUSY for an unmovable page, -EINTR when our alarm
 * cuts a long retry loop short): that is counted, not a failure.  A block
 * that cannot be brought back online is a failure and reported loudly.
 *
 * Only ZONE_MOVABLE blocks are offlined: boot memory in ZONE_NORMAL holds
 * kernel allocations and answers -EBUSY at once (measured on a 24 GiB
 * machine with 23 GiB free), and offlining it is not what users do.  The
 * test's processes are made to prefer the node with movable memory, so
 * their pages land in blocks the trigger may take.
 */
#include <dirent.h>
#include <errno.h>
#include <numaif.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hugetlb.h"
#include "memblock.h"
#include "procs.h"
#include "trigger.h"
#include "undo.h"

#define MEMORY_DIR	"/sys/devices/system/memory"
#define BLOCKS_PER_ROUND 2
#define ONLINE_RETRY_S	5

static long registered[MEMBLOCK_TOUCHED_MAX];
static int nr_registered;

long memblock_size(void)
{
	static long size;
	char buf[32];

	if (!size) {
		if (knob_read(MEMORY_DIR "/block_size_bytes", buf, sizeof(buf)))
			return -ENOENT;
		size = strtol(buf, NULL, 16);
	}
	return size;
}

long memblock_of_pfn(uint64_t pfn)
{
	long size = memblock_size();

	if (size <= 0)
		return size ? size : -EINVAL;
	return pfn * getpagesize() / size;
}

static void block_path(long id, const char *file, char *buf, size_t len)
{
	snprintf(buf, len, MEMORY_DIR "/memory%ld/%s", id, file);
}

int memblock_zone(long id, char *buf, size_t len)
{
	char path[128];
	int ret;

	block_path(id, "valid_zones", path, sizeof(path));
	ret = knob_read(path, buf, len);
	if (!ret)
		buf[strcspn(buf, " ")] = '\0';
	return ret;
}

int memblock_is_online(long id)
{
	char path[128], state[32];
	int ret;

	block_path(id, "state", path, sizeof(path));
	ret = knob_read(path, state, sizeof(state));
	return ret ? ret : !strcmp(state, "online");
}

int memblock_may_offline(long id)
{
	char path[128], buf[32];

	if (memblock_is_online(id) != 1)
		return 0;
	block_path(id, "removable", path, sizeof(path));
	if (!knob_read(path, buf, sizeof(buf)) && !strcmp(buf, "0"))
		return 0;
	if (memblock_zone(id, buf, sizeof(buf)))
		return 0;
	return !strcmp(buf, "Movable");
}

/*
 * Onlining can fail for a while (memory still being offlined by someone
 * else, a transient allocation failure): try again with growing pauses,
 * ONLINE_RETRY_S in all, then say which block stayed offline.
 */
static int online_with_backoff(long id, const char *state_path,
			       const char *how)
{
	double start = now_seconds();
	useconds_t pause = 10000;
	int ret, tries = 0;

	for (;;) {
		ret = knob_write(state_path, how);
		tries++;
		if (memblock_is_online(id) == 1)
			return 0;
		if (now_seconds() - start >= ONLINE_RETRY_S)
			break;
		usleep(pause);
		if (pause < 1000000)
			pause *= 2;
	}
	if (!ret)
		ret = -EIO;
	fprintf(stderr,
		"# memory block %ld (%s) would not come back online: %d tries in %.1f s, last: %s\n",
		id, state_path, tries, now_seconds() - start, strerror(-ret));
	return ret;
}

/* Undo entry: path is the block's state file, value how to online it. */
static int restore_block(const struct undo_entry *e)
{
	long id;

	if (sscanf(e->path, MEMORY_DIR "/memory%ld/", &id) != 1)
		return -EINVAL;
	if (memblock_is_online(id) == 1)
		return 0;
	return online_with_backoff(id, e->path, e->value);
}

/* The undo entry that brings @id back online, once per block. */
static int register_block(long id, const char *online_how)
{
	char path[128];
	int i, ret;

	for (i = 0; i < nr_registered; i++)
		if (registered[i] == id)
			return 0;
	if (nr_registered == MEMBLOCK_TOUCHED_MAX)
		return -ENOSPC;
	block_path(id, "state", path, sizeof(path));
	ret = undo_add_call(restore_block, path, online_how);
	if (!ret)
		registered[nr_registered++] = id;
	return ret;
}

static void alarm_interrupts(int sig)
{
}

int memblock_cycle(long id, unsigned int timeout_s)
{
	struct sigaction sa = { .sa_handler = alarm_interrupts };
	char path[128], zone[32];
	const char *how;
	int ret, on;

	if (memblock_zone(id, zone, sizeof(zone)))
		return -ENOENT;
	how = strcmp(zone, "Movable") ? "online_kernel" : "online_movable";
	ret = register_block(id, how);
	if (ret)
		return ret;
	block_path(id, "state", path, sizeof(path));
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: offline sees it */
	alarm(timeout_s);
	ret = knob_write(path, "offline");
	alarm(0);
	on = knob_write(path, how);
	if (on && memblock_is_online(id) != 1 &&
	    online_with_backoff(id, path, how))
		return -EIO;
	return ret;
}

/* A block the test may offline, or -ENOENT. */
static long first_offlinable_block(void)
{
	struct dirent *d;
	DIR *dir = opendir(MEMORY_DIR);
	long id, found = -ENOENT;

	if (!dir)
		return found;
	while (found < 0 && (d = readdir(dir)))
		if (sscanf(d->d_name, "memory%ld", &id) == 1 &&
		    memblock_may_offline(id))
			found = id;
	closedir(dir);
	return found;
}

int memblock_node(long id)
{
	char path[128];
	struct dirent *d;
	DIR *dir;
	int node = -ENOENT;

	snprintf(path, sizeof(path), MEMORY_DIR "/memory%ld", id);
	dir = opendir(path);
	if (!dir)
		return node;
	while ((d = readdir(dir)))
		if (sscanf(d->d_name, "node%d", &node) == 1)
			break;
	closedir(dir);
	return node;
}

static int offline_probe(char *why, size_t len)
{
	if (geteuid()) {
		snprintf(why, len, "memory block offline needs root");
		return -1;
	}
	if (memblock_size() <= 0) {
		snprintf(why, len, "no %s (CONFIG_MEMORY_HOTPLUG)", MEMORY_DIR);
		return -1;
	}
	if (first_offlinable_block() < 0) {
		snprintf(why, len,
			 "no online ZONE_MOVABLE memory block to offline (needs CONFIG_MEMORY_HOTREMOVE and movable memory: movablecore= or memhp_default_state=online_movable)");
		return -1;
	}
	return 0;
}

/*
 * Make the test's pages prefer the node that has movable memory.  Offline
 * dissolves the free huge pages of a block: the pools go in the undo log.
 */
static int offline_prepare(void)
{
	long id = first_offlinable_block();
	unsigned long mask;
	int node, ret;

	if (id < 0)
		return id;
	ret = hugetlb_pools_save();
	if (ret)
		return ret;
	node = memblock_node(id);
	if (node < 0 || node >= (int)(8 * sizeof(mask)))
		return 0;	/* no NUMA: every page may land there */
	mask = 1UL << node;
	if (set_mempolicy(MPOL_PREFERRED, &mask, 8 * sizeof(mask)))
		return -errno;
	return 0;
}

static int offline_round(struct trigger_targets *t, struct trigger_stats *st)
{
	static uint64_t pfns[TARGET_PFNS_MAX];
	long blocks[BLOCKS_PER_ROUND];
	int n, i, j, nb = 0, ret = 0, r;

	n = targets_collect_pfns(t, pfns, TARGET_PFNS_MAX);
	for (i = 0; i < n && nb < BLOCKS_PER_ROUND; i++) {
		long id = memblock_of_pfn(pfns[(i * 7919) % n]);

		for (j = 0; j < nb && blocks[j] != id; j++)
			;
		if (j == nb && memblock_may_offline(id))
			blocks[nb++] = id;
	}
	for (i = 0; i < nb; i++) {
		r = memblock_cycle(blocks[i], 5);
		if (r == -EIO) {
			st->fatal = r;
			return r;
		}
		if (!r)
			st->blocks++;
		else if (r != -EBUSY && r != -EINTR && r != -EAGAIN)
			ret = r;
	}
	if (!nb)
		usleep(1000);
	return ret;
}

const struct trigger trigger_offline = {
	.name = "offline",
	.flags = TRIGGER_UNMAPPED | TRIGGER_MOVES_THP | TRIGGER_MOVES_HUGETLB |
		 TRIGGER_ALL_TARGETS | TRIGGER_SETS_POLICY,
	.probe = offline_probe,
	.prepare = offline_prepare,
	.round = offline_round,
};
