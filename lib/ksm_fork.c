// SPDX-License-Identifier: GPL-2.0
/* KSM accounting of a forked child; see ksm_fork.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest.h"
#include "ksm.h"
#include "ksm_fork.h"
#include "pagemap.h"
#include "pattern.h"
#include "procs.h"

#define TAG_FORK	0x464f524b
#define MERGE_TIMEOUT	15.0	/* seconds ksmd may take for the pairs */

static size_t psz(void)
{
	return getpagesize();
}

/* Page i and page i + KSM_FORK_PAIRS hold the same contents. */
static void fill_pairs(struct ksm_fork_region *r)
{
	int i;

	for (i = 0; i < KSM_FORK_PAGES; i++)
		pattern_fill(r->addr + i * psz(), psz(), TAG_FORK,
			     i % KSM_FORK_PAIRS, r->gen);
}

static long check_pairs(struct ksm_fork_region *r)
{
	long bad = 0;
	int i;

	for (i = 0; i < KSM_FORK_PAGES; i++)
		bad += !!pattern_check(r->addr + i * psz(), psz(), TAG_FORK,
				       i % KSM_FORK_PAIRS, r->gen, bad >= 4);
	return bad;
}

/* KSM pages this process maps in @r, or -1. */
static long own_ksm_pages(struct ksm_fork_region *r, struct ksm_oracle *o)
{
	int fd = pagemap_open(0);
	long count = 0;
	int i;

	if (fd < 0)
		return -1;
	for (i = 0; i < KSM_FORK_PAGES; i++)
		count += ksm_oracle_page(o, pagemap_pfn_of(fd,
				(unsigned long)r->addr + i * psz()));
	close(fd);
	return count;
}

static int own_figures(struct ksm_fork_region *r, struct ksm_oracle *o,
		       struct ksm_fork_figures *f)
{
	struct ksm_stat st;
	int ret = ksm_stat_read(0, &st);

	f->merging = ksm_merging_pages(0);
	f->rmap_items = ret ? -1 : st.rmap_items;
	f->stat_merging = ret ? -1 : st.merging_pages;
	f->ksm_pages = own_ksm_pages(r, o);
	return ret || f->merging < 0 || f->ksm_pages < 0 ? -1 : 0;
}

int ksm_fork_merge(struct ksm_fork_region *r, char *why, size_t len)
{
	double deadline = now_seconds() + MERGE_TIMEOUT;
	long merging = 0;

	r->len = KSM_FORK_PAGES * psz();
	r->gen = (unsigned int)getpid() << 8;
	r->addr = mmap(NULL, r->len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->addr == MAP_FAILED) {
		r->addr = NULL;
		snprintf(why, len, "mmap: %s", strerror(errno));
		return -1;
	}
	/* KSM merges base pages: no THP to split first. */
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	fill_pairs(r);
	if (ksm_merge_range(r->addr, r->len) || ksm_set_run(1)) {
		snprintf(why, len, "MADV_MERGEABLE or run=1 failed: %s",
			 strerror(errno));
		return -1;
	}
	while (now_seconds() < deadline) {
		merging = ksm_merging_pages(0);
		if (merging == KSM_FORK_PAGES)
			break;
		usleep(2000);
	}
	/*
	 * run=0 returns once ksmd's batch is over: from here on ksmd never
	 * looks at the child, whose own figures must then stay 0.
	 */
	if (ksm_set_run(0)) {
		snprintf(why, len, "cannot stop ksmd");
		return -1;
	}
	if (merging == KSM_FORK_PAGES)
		return 0;
	snprintf(why, len, "ksmd merged %ld of %d pages in %.0f s", merging,
		 KSM_FORK_PAGES, MERGE_TIMEOUT);
	return -1;
}

/* The child: figures first, before anything can change them. */
static void __noreturn child_main(struct ksm_fork_region *r,
				  struct ksm_oracle *o,
				  struct ksm_fork_result *res)
{
	if (own_figures(r, o, &res->at_fork))
		_exit(WORKER_SYSCALL);
	if (ksm_unmerge_range(r->addr, r->len))
		_exit(WORKER_SYSCALL);
	res->bad_pages = check_pairs(r);
	if (own_figures(r, o, &res->unmerged))
		_exit(WORKER_SYSCALL);
	fflush(stdout);
	_exit(WORKER_OK);
}

int ksm_fork_run(struct ksm_fork_region *r, struct ksm_fork_result *res,
		 char *why, size_t len)
{
	struct ksm_fork_result *shared = shared_alloc(sizeof(*shared));
	struct ksm_oracle o;
	int ret = -1;
	pid_t pid;

	if (!shared || ksm_oracle_open(&o)) {
		snprintf(why, len, "no shared memory, or no /proc/kpageflags");
		goto out;
	}
	if (own_figures(r, &o, &shared->parent)) {
		snprintf(why, len, "cannot read this process's KSM figures");
		goto close;
	}
	fflush(stdout);
	pid = worker_fork();
	if (pid == 0)
		child_main(r, &o, shared);
	if (pid < 0)
		snprintf(why, len, "fork: %s", strerror(errno));
	else if (worker_wait(pid, "forked child"))
		snprintf(why, len, "the forked child could not read its figures");
	else
		ret = 0;
	*res = *shared;
close:
	ksm_oracle_close(&o);
out:
	if (shared)
		munmap(shared, sizeof(*shared));
	return ret;
}

void ksm_fork_unmap(struct ksm_fork_region *r)
{
	if (r->addr)
		munmap(r->addr, r->len);
	r->addr = NULL;
}
