// SPDX-License-Identifier: GPL-2.0
/* A room of pages freed by PFN in waves; see room.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pagemap.h"
#include "room.h"

/* Runs on @cpu until the matching room_unpin(); false when it cannot. */
static bool room_pin(int cpu, cpu_set_t *old)
{
	cpu_set_t set;

	if (cpu < 0 || sched_getaffinity(0, sizeof(*old), old))
		return false;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return !sched_setaffinity(0, sizeof(set), &set);
}

static void room_unpin(bool pinned, cpu_set_t *old)
{
	if (pinned)
		sched_setaffinity(0, sizeof(*old), old);
}

static int room_touch(struct room *r)
{
	size_t len = r->n * r->psz, i;
	int fd;

	if (madvise(r->p, len, MADV_NOHUGEPAGE) ||
	    madvise(r->p, len, MADV_DONTFORK))
		return -errno;
	for (i = 0; i < r->n; i++)
		r->p[i * r->psz] = 1;
	fd = pagemap_open(0);
	if (fd < 0)
		return fd;
	if (pagemap_read(fd, (unsigned long)r->p, r->n, r->pfn))
		memset(r->pfn, 0, r->n * sizeof(*r->pfn));
	close(fd);
	for (i = 0; i < r->n; i++)
		r->pfn[i] = pm_present(r->pfn[i]) ? pm_pfn(r->pfn[i]) : 0;
	return 0;
}

int room_make(struct room *r, size_t bytes, unsigned int waves, int cpu)
{
	cpu_set_t old;
	bool pinned;
	int ret;

	memset(r, 0, sizeof(*r));
	r->psz = sysconf(_SC_PAGESIZE);
	r->n = bytes / r->psz;
	r->waves = waves ?: 1;
	r->pfn = calloc(r->n, sizeof(*r->pfn));
	r->p = mmap(NULL, r->n * r->psz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->p == MAP_FAILED)
		r->p = NULL;
	if (!r->p || !r->pfn) {
		room_drop(r);
		return -ENOMEM;
	}
	pinned = room_pin(cpu, &old);
	ret = room_touch(r);
	room_unpin(pinned, &old);
	if (ret)
		room_drop(r);
	return ret;
}

bool room_punch(struct room *r, int cpu)
{
	unsigned int wave;
	size_t i = 0, j;
	cpu_set_t old;
	bool pinned;

	if (!r->p || r->punched >= r->waves)
		return false;
	wave = r->punched++;
	pinned = room_pin(cpu, &old);
	while (i < r->n) {
		if (!r->pfn[i] || r->pfn[i] % r->waves != wave) {
			i++;
			continue;
		}
		for (j = i; j < r->n && r->pfn[j] &&
		     r->pfn[j] % r->waves == wave;)
			j++;
		madvise(r->p + i * r->psz, (j - i) * r->psz, MADV_DONTNEED);
		i = j;
	}
	room_unpin(pinned, &old);
	return true;
}

void room_drop(struct room *r)
{
	if (r->p)
		munmap(r->p, r->n * r->psz);
	free(r->pfn);
	memset(r, 0, sizeof(*r));
}
