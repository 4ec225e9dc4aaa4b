// SPDX-License-Identifier: GPL-2.0
/* Saving the hugetlb pools in the undo log; hugetlb.h. */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hugetlb.h"
#include "undo.h"

#define POOLS_DIR	"/sys/kernel/mm/hugepages"
#define NODE_POOL	"/sys/devices/system/node/node%d/hugepages/%.32s/nr_hugepages"
#define NODES_MAX	64

static int save(const char *path, bool zero_too)
{
	char old[UNDO_VALUE_MAX];

	if (knob_read(path, old, sizeof(old)) || (!zero_too && !strcmp(old, "0")))
		return 0;
	return undo_add(UNDO_WRITE, path, old, old);
}

/*
 * The total first: the undo log replays newest first, so every node's
 * count is put back before the total, and a node without pool pages
 * (left out) gets none from the total either.
 */
static int pool_save(const char *size)
{
	char path[UNDO_PATH_MAX];
	int node, ret;

	snprintf(path, sizeof(path), POOLS_DIR "/%.32s/nr_hugepages", size);
	ret = save(path, true);
	for (node = 0; !ret && node < NODES_MAX; node++) {
		snprintf(path, sizeof(path), NODE_POOL, node, size);
		ret = save(path, false);
	}
	return ret;
}

int hugetlb_pools_save(void)
{
	DIR *d = opendir(POOLS_DIR);
	struct dirent *e;
	int ret = 0;

	if (!d)
		return 0;	/* no hugetlb: nothing to lose */
	while (!ret && (e = readdir(d)))
		if (!strncmp(e->d_name, "hugepages-", 10))
			ret = pool_save(e->d_name);
	closedir(d);
	return ret;
}
