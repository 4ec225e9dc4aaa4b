// SPDX-License-Identifier: GPL-2.0
/* zram swap set-up; see swap.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/swap.h>
#include <unistd.h>

#include "swap.h"
#include "undo.h"

#define ZRAM_CONTROL	"/sys/class/zram-control"

int swap_active(void)
{
	char line[256];
	int n = 0;
	FILE *f = fopen("/proc/swaps", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n > 1;	/* the first line is the header */
}

/* A version 1 swap header, as mkswap writes it. */
static int write_swap_header(const char *dev, size_t bytes)
{
	size_t psz = getpagesize();
	char *page = calloc(1, psz);
	uint32_t *info;
	int fd, ret = 0;

	if (!page)
		return -ENOMEM;
	info = (uint32_t *)(page + 1024);
	info[0] = 1;			/* version */
	info[1] = bytes / psz - 1;	/* last_page */
	memcpy(page + psz - 10, "SWAPSPACE2", 10);
	fd = open(dev, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || pwrite(fd, page, psz, 0) != (ssize_t)psz)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(page);
	return ret;
}

/* A free zram device: a hot-added one, or zram0 when it is unused. */
static int zram_claim(void)
{
	char buf[32];
	int id;

	if (!knob_read(ZRAM_CONTROL "/hot_add", buf, sizeof(buf))) {
		id = atoi(buf);
		/* Reading hot_add made it: without an entry, take it back. */
		if (undo_add(UNDO_WRITE, ZRAM_CONTROL "/hot_remove", buf, "")) {
			knob_write(ZRAM_CONTROL "/hot_remove", buf);
			return -ENOSPC;
		}
		return id;
	}
	if (!knob_read("/sys/block/zram0/disksize", buf, sizeof(buf)) &&
	    !strcmp(buf, "0"))
		return 0;
	return -ENODEV;
}

int swap_ensure(size_t bytes, char *why, size_t len)
{
	char path[96], dev[32], size[32];
	int id, ret;

	if (swap_active())
		return 0;
	if (geteuid()) {
		snprintf(why, len, "no active swap, and setting up zram needs root");
		return -1;
	}
	id = zram_claim();
	if (id < 0) {
		snprintf(why, len, "no active swap and no free zram device (CONFIG_ZRAM)");
		return -1;
	}
	snprintf(path, sizeof(path), "/sys/block/zram%d/reset", id);
	ret = undo_add(UNDO_WRITE, path, "1", "");
	snprintf(path, sizeof(path), "/sys/block/zram%d/disksize", id);
	snprintf(size, sizeof(size), "%zu", bytes);
	snprintf(dev, sizeof(dev), "/dev/zram%d", id);
	if (!ret)
		ret = knob_write(path, size);
	if (!ret)
		ret = write_swap_header(dev, bytes);
	if (!ret)
		ret = undo_add(UNDO_SWAPOFF, dev, NULL, NULL);
	if (!ret && swapon(dev, 0))
		ret = -errno;
	if (ret) {
		snprintf(why, len, "zram swap on %s failed: %s", dev,
			 strerror(-ret));
		return -1;
	}
	return 0;
}
