/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory blocks (/sys/devices/system/memory/memoryN): find the block that
 * holds a page, offline it (the kernel migrates every page in it, without
 * the owners' mmap locks) and bring it back as it was.
 */
#ifndef MR_MEMBLOCK_H
#define MR_MEMBLOCK_H

#include <stddef.h>
#include <stdint.h>

#define MEMBLOCK_TOUCHED_MAX	64

long memblock_size(void);		/* bytes, or -errno */
long memblock_of_pfn(uint64_t pfn);	/* block id, or -errno */
int memblock_zone(long id, char *buf, size_t len);
int memblock_is_online(long id);	/* 1, 0, or -errno */
/*
 * Whether the test may offline @id: online, removable and in
 * ZONE_MOVABLE.
 */
int memblock_may_offline(long id);
/* Offline then online again; the undo log brings it back if we die. */
int memblock_cycle(long id, unsigned int timeout_s);
int memblock_node(long id);		/* NUMA node of a block, or -errno */

#endif
