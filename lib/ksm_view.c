// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's view of R4's members (ksm_migration_internal.h): which PFN each maps
 * (pagemap), whether it is a KSM page (kpageflags), what each process
 * counts as merged (ksm_merging_pages, ksm_stat), and the checks on them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ksm_migration_internal.h"
#include "pagemap.h"
#include "procs.h"

#define MERGE_SCANS		1000	/* ksmd full scans a merge may take, */
#define MERGE_MIN_SECONDS	2.0	/* but a page in migration waits */
#define SETTLE_SCANS		2	/* full scans: ksmd has seen everyone */
#define SETTLE_TIMEOUT		10.0
#define RETRY_SECONDS		2.0	/* a mapping may be in migration */
#define WHY_MAX			200

/*
 * PFNs of @n pages of @pid (0: this process) at @addr, 0 where none is
 * present; with @ksm, 0 also where it is not a KSM page.
 */
int read_pfns(struct ksm_oracle *ksm, pid_t pid, unsigned long addr, int n,
	      uint64_t *pfn)
{
	int fd = pagemap_open(pid), ret, i;

	if (fd < 0)
		return -errno;
	ret = pagemap_read(fd, addr, n, pfn);
	close(fd);
	for (i = 0; i < n; i++) {
		pfn[i] = !ret && pm_present(pfn[i]) ? pm_pfn(pfn[i]) : 0;
		if (ksm && pfn[i] && !ksm_oracle_page(ksm, pfn[i]))
			pfn[i] = 0;
	}
	return ret;
}

static int member_pfns(struct ksm_case *k, int slot, uint64_t *pfn,
		       bool ksm_only)
{
	struct member *m = &k->c->m[slot];

	return read_pfns(ksm_only ? &k->ksm : NULL, m->pid, m->addr,
			 KSM_PAGES, pfn);
}

/* Why is page @i of @slot not present: a migration entry, swap, nothing? */
static void describe_absent(struct ksm_case *k, int slot, int i, char *why)
{
	struct member *m = &k->c->m[slot];
	int fd = pagemap_open(m->pid);
	uint64_t e = 0;

	if (fd >= 0) {
		pagemap_read(fd, m->addr + i * getpagesize(), 1, &e);
		close(fd);
	}
	snprintf(why, WHY_MAX, "page %d of member %d (pid %d) is not present: pagemap %#llx (%s)",
		 i, slot, m->pid, (unsigned long long)e,
		 migration_entry_kind(e) ? "a migration entry" :
		 pm_swapped(e) ? "swapped" : "not mapped");
}

/*
 * One read of what the members map.  For each page the members that did
 * not write it must map one and the same KSM page; a member that wrote it
 * must map a page of its own.  Fills @shared; returns 0 or 1 with @why.
 */
static int mapping_problem(struct ksm_case *k, const int *slots, int n,
			   uint64_t *shared, char *why)
{
	static uint64_t pfn[MEMBERS_MAX][KSM_PAGES];
	struct member *m;
	int s, i;

	for (s = 0; s < n; s++)
		if (member_pfns(k, slots[s], pfn[s], false)) {
			snprintf(why, WHY_MAX, "cannot read the pagemap of pid %d",
				 k->c->m[slots[s]].pid);
			return 1;
		}
	for (i = 0; i < KSM_PAGES; i++) {
		shared[i] = 0;
		for (s = 0; s < n; s++) {
			m = &k->c->m[slots[s]];
			if (!pfn[s][i]) {
				describe_absent(k, slots[s], i, why);
				return 1;
			}
			if (m->own[i])
				continue;
			if (!shared[i])
				shared[i] = pfn[s][i];
			if (pfn[s][i] == shared[i])
				continue;
			snprintf(why, WHY_MAX, "page %d: member %d maps PFN %#llx, others %#llx",
				 i, slots[s], (unsigned long long)pfn[s][i],
				 (unsigned long long)shared[i]);
			return 1;
		}
		if (shared[i] && !ksm_oracle_page(&k->ksm, shared[i])) {
			snprintf(why, WHY_MAX, "page %d: shared PFN %#llx is not a KSM page",
				 i, (unsigned long long)shared[i]);
			return 1;
		}
		for (s = 0; s < n; s++) {
			m = &k->c->m[slots[s]];
			if (!m->own[i] || (pfn[s][i] != shared[i] &&
					   !ksm_oracle_page(&k->ksm, pfn[s][i])))
				continue;
			snprintf(why, WHY_MAX,
				 "page %d: member %d wrote it but still maps KSM PFN %#llx",
				 i, slots[s], (unsigned long long)pfn[s][i]);
			return 1;
		}
	}
	return 0;
}

/*
 * A member's own KSM figures (ksm_merging_pages, ksm_stat) must count
 * exactly the KSM pages it maps; with @none, there must be none at all.
 * That is where a stable node dropped as stale while its page moves
 * (kpfn) shows.  Sharers only, whose pages ksmd merged itself: until
 * "mm/ksm: fix incorrect KSM counter handling in mm_struct during fork" a
 * forked child inherits its parent's counters (6.1 and others), no
 * migration race and the business of ksm_accounting.  What a child maps
 * still counts: with @none, no KSM page may be left in it.
 */
static int counts_problem(struct ksm_case *k, int slot, bool none, char *why)
{
	pid_t pid = k->c->m[slot].pid;
	uint64_t pfn[KSM_PAGES];
	long pages = 0, merging = 0;
	struct ksm_stat st;
	int i, ret;

	ret = member_pfns(k, slot, pfn, true);
	for (i = 0; i < KSM_PAGES; i++)
		pages += !!pfn[i];
	if (!ret && k->c->m[slot].parent >= 0) {
		if (!none || !pages)
			return 0;
		snprintf(why, WHY_MAX, "member %d (pid %d, forked): %ld KSM pages by kpageflags",
			 slot, pid, pages);
		return 1;
	}
	if (!ret)
		merging = ksm_merging_pages(pid);
	if (ret || merging < 0 || ksm_stat_read(pid, &st)) {
		snprintf(why, WHY_MAX, "cannot read the KSM figures of pid %d",
			 pid);
		return 1;
	}
	/* ksm_stat has ksm_merging_pages since 6.6 only: -1 before. */
	if (merging == pages &&
	    (st.merging_pages == pages || st.merging_pages < 0) &&
	    (!none || (!pages && !st.rmap_items)))
		return 0;
	snprintf(why, WHY_MAX,
		 "member %d (pid %d): %ld KSM pages by kpageflags, ksm_merging_pages %ld, ksm_stat merging %ld rmap_items %ld",
		 slot, pid, pages, merging, st.merging_pages, st.rmap_items);
	return 1;
}

static int counts_disagree(struct ksm_case *k, const int *slots, int n,
			   bool none, char *why)
{
	int s;

	for (s = 0; s < n; s++)
		if (counts_problem(k, slots[s], none, why))
			return 1;
	return 0;
}

/*
 * Other tests on the machine migrate pages too, and a busy machine may
 * keep a migration entry for a while: a mismatch counts only when it
 * persists for RETRY_SECONDS.  A lost entry or a stale PFN never heals.
 * Checks the mapping (filling @shared) or, without @shared, the counts.
 */
static int check(struct ksm_case *k, const int *slots, int n,
		 uint64_t *shared, bool none)
{
	double deadline = now_seconds() + RETRY_SECONDS;
	char why[WHY_MAX] = "";

	k->checks++;
	do {
		if (shared ? !mapping_problem(k, slots, n, shared, why) :
			     !counts_disagree(k, slots, n, none, why))
			return 0;
		usleep(10000);
	} while (now_seconds() < deadline);
	ksm_fail(k, "ksm_check", "%s", why);
	return -1;
}

int check_mapping(struct ksm_case *k, const int *slots, int n,
		  uint64_t *shared)
{
	return check(k, slots, n, shared, false);
}

int check_counts(struct ksm_case *k, const int *slots, int n, bool none)
{
	return check(k, slots, n, NULL, none);
}

/* Shared KSM pages seen at a new PFN since @last; updates @last. */
long note_moves(uint64_t *last, const uint64_t *now, int n)
{
	long moved = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (!now[i])
			continue;
		moved += last[i] && last[i] != now[i];
		last[i] = now[i];
	}
	return moved;
}

/* KSM pages of @slot at a new PFN since @last (0: not seen yet). */
long count_moved(struct ksm_case *k, int slot, uint64_t *last)
{
	uint64_t pfn[KSM_PAGES];

	if (member_pfns(k, slot, pfn, true))
		return 0;
	return note_moves(last, pfn, KSM_PAGES);
}

/*
 * Per page, the KSM PFN that all of @slots map, or 0 where they disagree
 * or it is not a KSM page (in migration, say).
 */
void sample_shared(struct ksm_case *k, const int *slots, int n,
		   uint64_t *shared)
{
	static uint64_t pfn[MEMBERS_MAX][KSM_PAGES];
	int s, i;

	memset(shared, 0, KSM_PAGES * sizeof(*shared));
	for (s = 0; s < n; s++)
		if (member_pfns(k, slots[s], pfn[s], false))
			return;
	for (i = 0; i < KSM_PAGES; i++) {
		for (s = 1; s < n && pfn[s][i] == pfn[0][i]; s++)
			;
		if (s == n && ksm_oracle_page(&k->ksm, pfn[0][i]))
			shared[i] = pfn[0][i];
	}
}

/*
 * Waits until every sharer maps one KSM page per index and counts all of
 * them as merged, bounded in time and in ksmd full scans: ksmd skips a
 * page while it is being migrated (other tests compact too), so many fast
 * scans alone do not prove that a merge will not come.  With @last, pages
 * that move once merged count as events.
 */
int wait_merged(struct ksm_case *k, const int *slots, int n, uint64_t *last)
{
	long scans0 = ksm_counter("full_scans"), scans = scans0, merging;
	double start = now_seconds();
	uint64_t shared[KSM_PAGES];
	char why[WHY_MAX] = "";
	int s;

	while (now_seconds() - start < MERGE_TIMEOUT &&
	       (scans - scans0 < MERGE_SCANS ||
		now_seconds() - start < MERGE_MIN_SECONDS)) {
		if (last) {
			sample_shared(k, slots, n, shared);
			k->res->events += note_moves(last, shared, KSM_PAGES);
		}
		for (s = 0, why[0] = '\0'; s < n && !why[0]; s++) {
			merging = ksm_merging_pages(k->c->m[slots[s]].pid);
			if (merging != KSM_PAGES)
				snprintf(why, sizeof(why), "member %d has %ld of %d pages merged",
					 slots[s], merging, KSM_PAGES);
		}
		if (!why[0] && !mapping_problem(k, slots, n, shared, why))
			return 0;
		usleep(2000);
		scans = ksm_counter("full_scans");
	}
	ksm_fail(k, "ksm_check", "KSM did not merge the pages in %.1f s and %ld full scans: %s",
		 now_seconds() - start, scans - scans0, why);
	return -1;
}

/*
 * ksmd runs until it has been through every process SETTLE_SCANS times
 * and their figures agree with kpageflags, then stops.  A pass can miss a
 * page that another test is migrating just then: the next one finds it.
 * Whatever still disagrees at the bound is for check_counts() to report.
 */
int ksmd_settle(struct ksm_case *k, const int *slots, int n)
{
	long scans0 = ksm_counter("full_scans");
	double start = now_seconds();
	char why[WHY_MAX];
	int ret;

	if (scans0 < 0 || ksm_set_run(1)) {
		ksm_fail(k, "setup", "cannot start ksmd");
		return -1;
	}
	ret = ksm_wait_full_scans(scans0, SETTLE_SCANS, SETTLE_TIMEOUT);
	while (!ret && now_seconds() - start < SETTLE_TIMEOUT &&
	       counts_disagree(k, slots, n, false, why))
		usleep(2000);
	ksm_set_run(0);
	if (ret)
		ksm_fail(k, "ksm_check", "ksmd did not complete %d full scans in %.0f s",
			 SETTLE_SCANS, SETTLE_TIMEOUT);
	return ret;
}
