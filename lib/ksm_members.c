// SPDX-License-Identifier: GPL-2.0
/*
 * R4's members (ksm_migration_internal.h): a sharer the scenario forked, or a child a
 * sharer forked after the merge.  Members map the same number of pages
 * with the same contents and act only when told to, through a command
 * block in shared memory, so that their pagemaps can be compared at
 * points where nothing moves but the migrator.
 */
#include <errno.h>
#include <numaif.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ksm_migration_internal.h"
#include "pagemap.h"
#include "pattern.h"
#include "procs.h"

#define HUGE_ALIGN		(2UL << 20)	/* KSM_PAGES fill one THP */
#define THP_CANDIDATES		4	/* for the shared pages */
#define LANDING_CANDIDATES	8
#define LANDING_THPS		3
#define LANDING_PAGES		(LANDING_THPS * KSM_PAGES)
#define NODE_MASK_BITS		1024
#define LONG_BITS		(8 * sizeof(long))

#define TAG_OWN		0x4f574e00	/* + slot: a member's own writes */
#define TAG_LANDING	0x4c414e00	/* + slot: landing pages of its own */

static const char * const cmd_names[] = {
	"", "init", "check", "write", "fork", "renew", "unmerge", "exit",
	"land",
};

static void __noreturn member_loop(struct ksm_ctl *c, int slot);

/*
 * With merge_across_nodes=0 KSM merges only pages on one node: every
 * process allocates on the first node with memory, the migrator moves the
 * pages elsewhere.  The offline trigger made the test prefer the node with
 * movable memory (lib/memblock.c): our pages stay there.
 */
void prefer_first_node(struct ksm_ctl *c, void *p, size_t len)
{
	unsigned long mask[NODE_MASK_BITS / LONG_BITS] = { 0 };
	int nodes[NODE_MASK_BITS], n;

	n = numa_nodes_with_memory(nodes, NODE_MASK_BITS);
	if (n < 2 || c->keep_policy)
		return;
	mask[nodes[0] / LONG_BITS] |= 1UL << nodes[0] % LONG_BITS;
	mbind(p, len, MPOL_PREFERRED, mask, NODE_MASK_BITS + 1, 0);
}

/* Candidate THPs by PFN, lowest first; unknown PFNs last. */
static void sort_candidates(const uint64_t *pfn, int *order, int n)
{
	int i, j, t;

	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && pfn[order[j]] - 1 < pfn[order[j - 1]] - 1;
		     j--) {
			t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
}

/*
 * Fresh memory: @keep THPs, the lowest (or with @highest the highest) of
 * @n candidates, moved side by side.  Compaction moves pages only while
 * they lie below the point where its scanners meet, into holes of partly
 * used pageblocks: so the shared pages take the lowest THPs, and a
 * landing process takes the highest and lets KSM free half of each, the
 * holes above them.  ksmd splits the THPs to merge their base pages.
 * Without THP this is just fresh memory.
 */
static char *map_fresh(struct ksm_ctl *c, int keep, int n, bool highest)
{
	size_t len = keep * HUGE_ALIGN, span = (n + 1) * HUGE_ALIGN;
	uint64_t pfn[LANDING_CANDIDATES];
	int order[LANDING_CANDIDATES], i, fd;
	char *raw, *p, *dst_raw, *dst;

	raw = mmap(NULL, span, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dst_raw = mmap(NULL, len + HUGE_ALIGN, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED || dst_raw == MAP_FAILED)
		return NULL;
	p = (char *)(((unsigned long)raw + HUGE_ALIGN - 1) & ~(HUGE_ALIGN - 1));
	dst = (char *)(((unsigned long)dst_raw + HUGE_ALIGN - 1) &
		       ~(HUGE_ALIGN - 1));
	prefer_first_node(c, p, n * HUGE_ALIGN);
	madvise(p, n * HUGE_ALIGN, MADV_HUGEPAGE);
	fd = pagemap_open(0);
	for (i = 0; i < n; i++) {
		p[i * HUGE_ALIGN] = 1;
		pfn[i] = fd < 0 ? 0 : pagemap_pfn_of(fd, (unsigned long)p +
						     i * HUGE_ALIGN);
	}
	if (fd >= 0)
		close(fd);
	sort_candidates(pfn, order, n);
	for (i = 0; i < keep; i++) {
		char *src = p + order[highest ? n - 1 - i : i] * HUGE_ALIGN;

		if (mremap(src, HUGE_ALIGN, HUGE_ALIGN,
			   MREMAP_MAYMOVE | MREMAP_FIXED,
			   dst + i * HUGE_ALIGN) == MAP_FAILED)
			return NULL;
	}
	/* Give the other candidates and the spare address space back. */
	munmap(raw, span);
	if (dst > dst_raw)
		munmap(dst_raw, dst - dst_raw);
	munmap(dst + len, dst_raw + HUGE_ALIGN - dst);
	/* No new THP later: khugepaged must not collapse what ksmd split. */
	madvise(dst, len, MADV_NOHUGEPAGE);
	return dst;
}

/* Fresh pages (not the old ones again) of generation @gen, mergeable. */
static int member_fill(struct ksm_ctl *c, struct member *m, uint32_t gen)
{
	size_t len = KSM_PAGES * getpagesize();
	char *p = map_fresh(c, 1, THP_CANDIDATES, false);

	if (!p)
		return WORKER_SYSCALL;
	if (m->addr)
		munmap((void *)m->addr, len);
	memset(m->own, 0, sizeof(m->own));
	pattern_fill_range(p, len, getpagesize(), TAG_SHARED, gen);
	m->addr = (unsigned long)p;
	return ksm_merge_range(p, len) ? WORKER_SYSCALL : WORKER_OK;
}

/*
 * The landing process: its even pages hold the shared contents and merge
 * into the existing stable nodes (a stable tree hit leaves the shared
 * page where it is), its odd pages are its own.  ksmd frees the merged
 * ones: LANDING_PAGES / 2 holes above the shared pages.
 */
static int member_land(struct ksm_ctl *c, struct member *m, int slot)
{
	size_t psz = getpagesize(), i;
	char *p = map_fresh(c, LANDING_THPS, LANDING_CANDIDATES, true);

	if (!p)
		return WORKER_SYSCALL;
	for (i = 0; i < LANDING_PAGES; i++)
		if (i & 1)
			pattern_fill(p + i * psz, psz, TAG_LANDING + slot, i,
				     c->gen);
		else
			pattern_fill(p + i * psz, psz, TAG_SHARED,
				     i % KSM_PAGES, c->gen);
	m->addr = (unsigned long)p;
	return ksm_merge_range(p, LANDING_PAGES * psz) ? WORKER_SYSCALL :
							 WORKER_OK;
}

/* Whose write is this?  A member's own contents seen by another: COW leak. */
static bool foreign_write(struct ksm_ctl *c, int slot, const uint64_t *page,
			  size_t i)
{
	int s;

	for (s = 0; s < c->nr; s++)
		if (s != slot &&
		    page[0] == pattern_word(TAG_OWN + s, i, c->gen, 0))
			return true;
	return false;
}

static int member_check(struct ksm_ctl *c, int slot)
{
	struct member *m = &c->m[slot];
	size_t psz = getpagesize(), i, bad = 0, leaks = 0;

	for (i = 0; i < KSM_PAGES; i++) {
		char *page = (char *)m->addr + i * psz;
		uint32_t tag = m->own[i] ? TAG_OWN + slot : TAG_SHARED;

		if (!pattern_check(page, psz, tag, i, c->gen, bad >= 4))
			continue;
		bad++;
		leaks += foreign_write(c, slot, (uint64_t *)page, i);
	}
	if (!bad)
		return WORKER_OK;
	printf("# member %d (pid %d): %zu bad pages, %zu written by another process\n",
	       slot, getpid(), bad, leaks);
	return leaks ? WORKER_COW_LEAK : WORKER_BAD_DATA;
}

static void member_write(struct ksm_ctl *c, int slot)
{
	struct member *m = &c->m[slot];
	size_t psz = getpagesize(), i;

	for (i = 0; i < KSM_PAGES; i++)
		if (m->own[i])
			pattern_fill((char *)m->addr + i * psz, psz,
				     TAG_OWN + slot, i, c->gen);
}

static int member_fork(struct ksm_ctl *c, int slot)
{
	struct member *m = &c->m[slot];
	int i, child;
	pid_t pid;

	fflush(stdout);
	for (i = 0; i < m->arg; i++) {
		child = m->arg2 + i;
		pid = worker_fork();
		if (pid < 0)
			return WORKER_SYSCALL;
		if (pid == 0) {
			c->m[child].pid = getpid();
			member_loop(c, child);
		}
		c->m[child].pid = pid;
	}
	return WORKER_OK;
}

/* Records the exit of children this member forked. */
static void member_reap(struct ksm_ctl *c)
{
	int status, s;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (s = 0; s < c->nr; s++)
			if (c->m[s].pid == pid) {
				c->m[s].wstatus = status;
				__atomic_store_n(&c->m[s].reaped, true,
						 __ATOMIC_RELEASE);
			}
}

static bool children_left(struct ksm_ctl *c, int slot)
{
	int s;

	for (s = 0; s < c->nr; s++)
		if (c->m[s].parent == slot && c->m[s].pid > 0 &&
		    !__atomic_load_n(&c->m[s].reaped, __ATOMIC_ACQUIRE))
			return true;
	return false;
}

/* The scenario tells children to exit first; do not leave any behind. */
static void member_exit(struct ksm_ctl *c, int slot)
{
	double deadline = now_seconds() + CMD_TIMEOUT;
	int s;

	while (children_left(c, slot) && now_seconds() < deadline) {
		member_reap(c);
		usleep(POLL_US);
	}
	for (s = 0; s < c->nr; s++)
		if (c->m[s].parent == slot && !c->m[s].reaped)
			kill(c->m[s].pid, SIGKILL);
	while (children_left(c, slot)) {
		member_reap(c);
		usleep(POLL_US);
	}
}

static int member_do(struct ksm_ctl *c, int slot)
{
	struct member *m = &c->m[slot];

	switch (m->cmd) {
	case CMD_INIT:
		return member_fill(c, m, c->gen);
	case CMD_LAND:
		return member_land(c, m, slot);
	case CMD_CHECK:
		return member_check(c, slot);
	case CMD_WRITE:
		member_write(c, slot);
		return WORKER_OK;
	case CMD_FORK:
		return member_fork(c, slot);
	case CMD_RENEW:
		return member_fill(c, m, m->arg);
	case CMD_UNMERGE:
		return ksm_unmerge_range((void *)m->addr,
					 KSM_PAGES * getpagesize()) ?
		       WORKER_SYSCALL : WORKER_OK;
	case CMD_EXIT:
		member_exit(c, slot);
		return WORKER_OK;
	}
	return WORKER_SYSCALL;
}

static void member_loop(struct ksm_ctl *c, int slot)
{
	struct member *m = &c->m[slot];
	int seen = __atomic_load_n(&m->done, __ATOMIC_ACQUIRE);
	int seq;

	for (;;) {
		seq = __atomic_load_n(&m->seq, __ATOMIC_ACQUIRE);
		if (seq == seen) {
			member_reap(c);
			usleep(POLL_US);
			continue;
		}
		m->result = member_do(c, slot);
		fflush(stdout);
		seen = seq;
		__atomic_store_n(&m->done, seq, __ATOMIC_RELEASE);
		if (m->cmd == CMD_EXIT)
			_exit(WORKER_OK);
	}
}

/* ---- the scenario's side of the command block ---- */

static const char *worker_kind(int code)
{
	return code == WORKER_BAD_DATA ? "bad_data" :
	       code == WORKER_COW_LEAK ? "cow_leak" : "child_failed";
}

/* @who exited other than cleanly: a finding of what its exit code names. */
void ksm_fail_exit(struct ksm_case *k, const char *who, int status)
{
	if (WIFSIGNALED(status))
		ksm_fail(k, "child_failed", "%s killed by signal %d (%s)", who,
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		ksm_fail(k, worker_kind(WEXITSTATUS(status)),
			 "%s exited %d (%s)", who, WEXITSTATUS(status),
			 worker_exit_name(WEXITSTATUS(status)));
}

void post(struct ksm_ctl *c, int slot, int cmd, int arg, int arg2)
{
	struct member *m = &c->m[slot];

	m->cmd = cmd;
	m->arg = arg;
	m->arg2 = arg2;
	__atomic_store_n(&m->seq, m->seq + 1, __ATOMIC_RELEASE);
}

/* A member that died cannot answer: notice at once, not at the timeout. */
static bool member_gone(struct member *m)
{
	int status;

	if (m->parent >= 0)
		return __atomic_load_n(&m->reaped, __ATOMIC_ACQUIRE);
	if (waitpid(m->pid, &status, WNOHANG) != m->pid)
		return false;
	m->wstatus = status;
	m->reaped = true;
	return true;
}

/* Returns the member's WORKER_* result, or -1 when it did not answer. */
int wait_done(struct ksm_case *k, int slot)
{
	struct member *m = &k->c->m[slot];
	double deadline = now_seconds() + CMD_TIMEOUT;
	char who[64];

	snprintf(who, sizeof(who), "member %d (pid %d) in %s", slot, m->pid,
		 cmd_names[m->cmd]);
	while (__atomic_load_n(&m->done, __ATOMIC_ACQUIRE) != m->seq) {
		if (member_gone(m)) {
			/* It may have answered just before it exited. */
			if (__atomic_load_n(&m->done, __ATOMIC_ACQUIRE) ==
			    m->seq)
				break;
			ksm_fail_exit(k, who, m->wstatus);
			return -1;
		}
		if (now_seconds() > deadline) {
			ksm_fail(k, "child_failed", "%s did not finish in %.0f s",
				 who, CMD_TIMEOUT);
			return -1;
		}
		usleep(POLL_US);
	}
	if (m->result)
		ksm_fail(k, worker_kind(m->result), "%s: %s", who,
			 worker_exit_name(m->result));
	return m->result;
}

/* Runs @cmd in @n members at once; returns how many failed. */
int command(struct ksm_case *k, const int *slots, int n, int cmd, int arg)
{
	int i, bad = 0;

	for (i = 0; i < n; i++)
		post(k->c, slots[i], cmd, arg, 0);
	for (i = 0; i < n; i++)
		bad += !!wait_done(k, slots[i]);
	return bad;
}

/* Forks a member into @slot that starts with @cmd; returns 0 or -1. */
int spawn_member(struct ksm_case *k, int slot, int cmd)
{
	struct member *m = &k->c->m[slot];
	pid_t pid;

	memset(m, 0, sizeof(*m));
	m->parent = -1;
	m->cmd = cmd;
	m->seq = 1;
	fflush(stdout);
	pid = worker_fork();
	if (pid < 0) {
		ksm_fail(k, "setup", "fork: %s", strerror(errno));
		m->reaped = true;
		return -1;
	}
	if (pid == 0) {
		m->pid = getpid();
		member_loop(k->c, slot);
	}
	m->pid = pid;
	return wait_done(k, slot) ? -1 : 0;
}

/* Sets up @n child slots that member @parent will fill by forking. */
int reserve_children(struct ksm_ctl *c, int parent, int n)
{
	int first = c->nr, s;

	/* The parent has written nothing yet (own[] is clear). */
	for (s = first; s < first + n; s++) {
		memset(&c->m[s], 0, sizeof(c->m[s]));
		c->m[s].parent = parent;
		c->m[s].addr = c->m[parent].addr;
	}
	c->nr += n;
	return first;
}

void members_kill(struct ksm_case *k)
{
	struct ksm_ctl *c = k->c;
	int s;

	for (s = 0; s < c->nr; s++)
		if (c->m[s].pid > 0 && !c->m[s].reaped)
			kill(c->m[s].pid, SIGKILL);
	for (s = 0; s < c->nr; s++)
		if (c->m[s].parent < 0 && !c->m[s].reaped)
			waitpid(c->m[s].pid, NULL, 0);
	c->nr = 0;
	k->landing = -1;
}

/* After CMD_EXIT: its exit must be clean (a child's parent reaped it). */
static void member_judge(struct ksm_case *k, int slot, const char *what)
{
	struct member *m = &k->c->m[slot];
	char who[64];

	if (m->parent < 0 && !m->reaped) {
		waitpid(m->pid, &m->wstatus, 0);
		m->reaped = true;
	}
	if (WIFEXITED(m->wstatus) && !WEXITSTATUS(m->wstatus))
		return;
	snprintf(who, sizeof(who), "%s %d (pid %d)", what, slot, m->pid);
	ksm_fail_exit(k, who, m->wstatus);
}

/* Children exit before their parents; every exit must be clean. */
void members_end(struct ksm_case *k)
{
	struct ksm_ctl *c = k->c;
	int s, pass, bad = 0;

	k->phase = "exit";
	for (pass = 0; pass < 2; pass++)
		for (s = 0; s < c->nr; s++)
			if (!c->m[s].reaped &&
			    (pass ? c->m[s].parent < 0 : c->m[s].parent >= 0)) {
				post(c, s, CMD_EXIT, 0, 0);
				bad += !!wait_done(k, s);
			}
	for (s = 0; s < c->nr && !bad; s++)
		member_judge(k, s, "member");
	members_kill(k);
}

/*
 * A landing process for this cycle's shared pages (see map_fresh()),
 * spawned once they merged, with ksmd running: a stable tree hit merges
 * its even pages at the first look.  It only makes room for compaction,
 * so a slow merge is no failure.
 */
int landing_begin(struct ksm_case *k)
{
	double start = now_seconds();

	if (k->landing < 0)
		k->landing = k->c->nr++;
	if (spawn_member(k, k->landing, CMD_LAND))
		return -1;
	while (ksm_merging_pages(k->c->m[k->landing].pid) < LANDING_PAGES / 2 &&
	       now_seconds() - start < MERGE_TIMEOUT)
		usleep(2000);
	return 0;
}

void landing_end(struct ksm_case *k)
{
	if (k->landing < 0 || k->c->m[k->landing].reaped)
		return;
	post(k->c, k->landing, CMD_EXIT, 0, 0);
	if (!wait_done(k, k->landing))
		member_judge(k, k->landing, "landing process");
}
