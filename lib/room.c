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
#include "procs.h"
#include "room.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23	/* 5.14 */
#endif

/* Runs on @cpu until the matching room_unpin(); false when it cannot. */
static bool room_pin(int cpu, cpu_set_t *old)
{
	if (cpu < 0 || sched_getaffinity(0, sizeof(*old), old))
		return false;
	return !pin_to_cpu(0, cpu);
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
	/*
	 * One call faults the room in, in the loop's order (the loop is the
	 * fallback before 5.14): 96 MiB in 0.51 to 0.63 s, against 0.57 to
	 * 1.01 s a page at a time (two-node TCG VM, 6.12.118, 2026-12-07).
	 */
	if (madvise(r->p, len, MADV_POPULATE_WRITE))
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

/* What a punch frees: the pages of one wave, or those at PFNs <= top. */
struct punch {
	unsigned int wave;
	uint64_t top;		/* 0: by wave */
};

static bool in_punch(const struct room *r, size_t i, const struct punch *p)
{
	uint64_t pfn = r->pfn[i];

	if (!pfn)
		return false;
	return p->top ? pfn <= p->top : pfn % r->waves == p->wave;
}

/*
 * Frees the pages @p names, run by run, and forgets their PFNs so that no
 * later punch names them again; returns how many it freed.
 */
static size_t punch_runs(struct room *r, const struct punch *p, int cpu)
{
	size_t i, j, done = 0;
	cpu_set_t old;
	bool pinned = room_pin(cpu, &old);

	for (i = 0; i < r->n; i = j + 1) {
		for (j = i; j < r->n && in_punch(r, j, p); j++)
			r->pfn[j] = 0;
		if (j > i)
			madvise(r->p + i * r->psz, (j - i) * r->psz,
				MADV_DONTNEED);
		done += j - i;
	}
	room_unpin(pinned, &old);
	return done;
}

bool room_punch(struct room *r, int cpu)
{
	struct punch p = { 0 };

	if (!r->p || r->punched >= r->waves)
		return false;
	p.wave = r->punched++;
	punch_runs(r, &p, cpu);
	return true;
}

static int pfn_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The @nth lowest PFN the room still holds (the highest if fewer), or 0. */
static uint64_t nth_lowest_pfn(const struct room *r, size_t nth)
{
	uint64_t *sorted = malloc(r->n * sizeof(*sorted)), pfn = 0;
	size_t i, n = 0;

	if (!sorted)
		return 0;
	for (i = 0; i < r->n; i++)
		if (r->pfn[i])
			sorted[n++] = r->pfn[i];
	if (n && nth) {
		qsort(sorted, n, sizeof(*sorted), pfn_cmp);
		pfn = sorted[(nth < n ? nth : n) - 1];
	}
	free(sorted);
	return pfn;
}

size_t room_punch_low(struct room *r, size_t pages, int cpu)
{
	struct punch p = { 0 };

	if (!r->p)
		return 0;
	p.top = nth_lowest_pfn(r, pages);
	return p.top ? punch_runs(r, &p, cpu) : 0;
}

void room_drop(struct room *r)
{
	if (r->p)
		munmap(r->p, r->n * r->psz);
	free(r->pfn);
	memset(r, 0, sizeof(*r));
}
