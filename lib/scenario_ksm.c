// SPDX-License-Identifier: GPL-2.0
/*
 * R4, KSM pages under migration; the race and the seeds are described in
 * scenario_ksm.h.
 *
 * Every process of a case is a member: a sharer the scenario forked, or a
 * child a sharer forked after the merge.  Members map the same number of
 * pages with the same contents and act only when told to, through a small
 * command block in shared memory, so that their pagemaps can be compared
 * at points where nothing moves but the migrator.  Churners (stable_nodes)
 * run on their own: merge, write half, check, exit.
 *
 * Compaction moves a page only while it lies below the point where its
 * migration and free scanners meet, and only into holes of partly used
 * pageblocks; on a mostly free machine a page it moved stays put.  So
 * each cycle runs a round, maps fresh pages low (map_fresh()), merges
 * them with the migrator stopped, lets a landing process make holes above
 * them, and only then migrates.  The window proof is the PFN of every
 * shared KSM page, read from every process's pagemap.
 */
#include <errno.h>
#include <numaif.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest.h"
#include "ksm.h"
#include "pagemap.h"
#include "pattern.h"
#include "procs.h"
#include "scenario_ksm.h"

#define KSM_PAGES		512	/* pages each member maps */
#define HUGE_ALIGN		(2UL << 20)	/* KSM_PAGES fill one THP */
#define THP_CANDIDATES		4	/* for the shared pages */
#define LANDING_CANDIDATES	8
#define CANDIDATES_MAX		LANDING_CANDIDATES
#define LANDING_THPS		3
#define LANDING_PAGES		(LANDING_THPS * KSM_PAGES)
#define MEMBERS_MAX		16
#define SHARERS			2
#define CHILDREN		4	/* forked_children */
#define UNMERGE_CHILDREN	2
#define STABLE_SHARERS		3
#define CHURNERS		2
#define CHURN_PAGES		64
#define CMD_TIMEOUT		10.0	/* seconds a member may take */
#define MERGE_TIMEOUT		15.0
#define MERGE_SCANS		1000	/* ksmd full scans a merge may take, */
#define MERGE_MIN_SECONDS	2.0	/* but a page in migration waits */
#define SETTLE_SCANS		2	/* full scans: ksmd has seen everyone */
#define SETTLE_TIMEOUT		10.0
#define CHURN_MERGE_TIMEOUT	1.0
#define MIGRATE_ROUNDS		4
#define MIGRATOR_PAUSE_US	1000
#define EPOCH_SECONDS		0.3
#define SAMPLE_SECONDS		2.0	/* unmerge: migration before unmerging */
#define RETRY_SECONDS		2.0	/* a mapping may be in migration */
#define POLL_US			500
#define REPORT_MAX		20
#define NO_MOVE_FMT		"window not reached: no KSM page changed PFN while shared (%lld KSM pages, %ld migration rounds)\n"
#define NODE_MASK_BITS		1024

#define TAG_SHARED	0x4b534d31	/* every member's pages */
#define TAG_OWN		0x4f574e00	/* + slot: a member's own writes */
#define TAG_CHURN	0x43485200	/* + serial: a churner's private set */
#define TAG_CHURN_OWN	0x43485700
#define TAG_LANDING	0x4c414e00	/* + slot: landing pages of its own */

enum member_cmd {
	CMD_INIT = 1,	/* map and fill fresh pages, MADV_MERGEABLE */
	CMD_CHECK,	/* verify every page */
	CMD_WRITE,	/* write own contents where own[] says so */
	CMD_FORK,	/* fork arg children into slots arg2.. */
	CMD_RENEW,	/* the same with generation arg */
	CMD_UNMERGE,	/* MADV_UNMERGEABLE */
	CMD_EXIT,
	CMD_LAND,	/* be the landing process */
};

static const char * const cmd_names[] = {
	"", "init", "check", "write", "fork", "renew", "unmerge", "exit",
	"land",
};

struct member {
	pid_t pid;
	int parent;		/* slot of the forking member, -1: scenario */
	unsigned long addr;	/* the pages; children inherit the address */
	int cmd, arg, arg2;
	int seq;		/* last command posted */
	int done;		/* last command carried out */
	int result;		/* its WORKER_* code */
	int wstatus;		/* children: wait status, from the parent */
	bool reaped;
	unsigned char own[KSM_PAGES];	/* pages this member overwrote */
};

/* Shared between the scenario, members, churners and the migrator. */
struct ksm_ctl {
	uint32_t gen;		/* generation of the shared contents */
	int nr;			/* slots in use */
	struct member m[MEMBERS_MAX];
	bool migrate_stop;
	bool churn_stop;
	uint32_t churn_serial;
	long churn_moved;	/* churners' KSM pages that moved merged */
	long churn_merged;	/* churners whose pages merged in time */
};

/* The scenario's own state, in the test process. */
struct ksm_case {
	struct race_env *e;
	struct ksm_ctl *c;
	struct ksm_result *r;
	const char *phase;
	struct ksm_oracle ksm;	/* which PFNs are KSM pages */
	pid_t migrator;
	int landing;		/* slot of the landing process, or -1 */
	long scans0, scanned0;
	pid_t churner[CHURNERS];
};

static size_t psz(void)
{
	return getpagesize();
}

static void fail(struct ksm_case *k, const char *fmt, ...) __printf(2, 3);

static void fail(struct ksm_case *k, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!k->r->failures)
		snprintf(k->r->first_failure, sizeof(k->r->first_failure),
			 "%.40s: %.150s", k->phase, msg);
	if (k->r->failures++ < REPORT_MAX)
		ksft_print_msg("R4 %s, %s: %s\n", k->r->flavour, k->phase, msg);
}

/* ---- members: the processes that share the KSM pages ---- */

static void __noreturn member_loop(struct ksm_ctl *c, int slot);

/*
 * With merge_across_nodes=0 KSM merges only pages on one node: every
 * process allocates on the first node with memory, the migrator moves the
 * pages elsewhere.  Nothing to do on one node.
 */
/*
 * The offline trigger makes the test prefer the node with movable memory
 * (lib/memblock.c): our pages must stay there, or no block holding them
 * can go offline.
 */
static bool keep_trigger_policy;

static void prefer_first_node(void *p, size_t len)
{
	unsigned long mask[NODE_MASK_BITS / (8 * sizeof(long))] = { 0 };
	int nodes[NODE_MASK_BITS], n;

	n = numa_nodes_with_memory(nodes, NODE_MASK_BITS);
	if (n < 2 || keep_trigger_policy)
		return;
	mask[nodes[0] / (8 * sizeof(long))] |= 1UL << nodes[0] % (8 * sizeof(long));
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
 * @n candidates the kernel hands out, moved side by side.  Compaction
 * moves pages only while they lie below the point where its migration
 * and free scanners meet, and it only fills holes in partly used
 * pageblocks (a free pageblock is no target).  So the shared pages take
 * the lowest THPs, and a landing process takes the highest and frees
 * half of each (KSM merges those pages away) to make the holes above
 * them.  ksmd splits the THPs to merge their base pages.  Freed pages
 * become holes compaction can use once the per-CPU free lists overflow:
 * at once on a busy machine, maybe not for seconds on an idle one.
 * Without THP this is just fresh memory.
 */
static char *map_fresh(int keep, int n, bool highest)
{
	size_t len = keep * HUGE_ALIGN, span = (n + 1) * HUGE_ALIGN;
	uint64_t pfn[CANDIDATES_MAX];
	int order[CANDIDATES_MAX], i, fd;
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
	prefer_first_node(p, n * HUGE_ALIGN);
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

/*
 * Maps fresh pages (after the old ones, so as not to get them back),
 * fills them with generation @gen and makes them mergeable.
 */
static int member_fill(struct member *m, uint32_t gen)
{
	size_t len = KSM_PAGES * psz();
	char *p = map_fresh(1, THP_CANDIDATES, false);

	if (!p)
		return WORKER_SYSCALL;
	if (m->addr)
		munmap((void *)m->addr, len);
	memset(m->own, 0, sizeof(m->own));
	pattern_fill_range(p, len, psz(), TAG_SHARED, gen);
	m->addr = (unsigned long)p;
	return ksm_merge_range(p, len) ? WORKER_SYSCALL : WORKER_OK;
}

/*
 * The landing process: its even pages hold the shared contents and merge
 * into the stable nodes that already exist (a stable tree hit keeps the
 * shared page where it is), its odd pages are its own.  ksmd frees the
 * merged ones: LANDING_PAGES / 2 holes above the shared pages.
 */
static int member_land(struct ksm_ctl *c, struct member *m, int slot)
{
	size_t len = LANDING_PAGES * psz(), i;
	char *p = map_fresh(LANDING_THPS, LANDING_CANDIDATES, true);

	if (!p)
		return WORKER_SYSCALL;
	for (i = 0; i < LANDING_PAGES; i++)
		if (i & 1)
			pattern_fill(p + i * psz(), psz(), TAG_LANDING + slot,
				     i, c->gen);
		else
			pattern_fill(p + i * psz(), psz(), TAG_SHARED,
				     i % KSM_PAGES, c->gen);
	m->addr = (unsigned long)p;
	return ksm_merge_range(p, len) ? WORKER_SYSCALL : WORKER_OK;
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
	size_t i, bad = 0, leaks = 0;

	for (i = 0; i < KSM_PAGES; i++) {
		char *page = (char *)m->addr + i * psz();
		uint32_t tag = m->own[i] ? TAG_OWN + slot : TAG_SHARED;

		if (!pattern_check(page, psz(), tag, i, c->gen, bad >= 4))
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
	size_t i;

	for (i = 0; i < KSM_PAGES; i++)
		if (m->own[i])
			pattern_fill((char *)m->addr + i * psz(), psz(),
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
	size_t len = KSM_PAGES * psz();

	switch (m->cmd) {
	case CMD_INIT:
		return member_fill(m, c->gen);
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
		return member_fill(m, m->arg);
	case CMD_UNMERGE:
		return ksm_unmerge_range((void *)m->addr, len) ?
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

static void post(struct ksm_ctl *c, int slot, int cmd, int arg, int arg2)
{
	struct member *m = &c->m[slot];

	m->cmd = cmd;
	m->arg = arg;
	m->arg2 = arg2;
	__atomic_store_n(&m->seq, m->seq + 1, __ATOMIC_RELEASE);
}

/* A member that died cannot answer: notice at once, not at the timeout. */
static bool member_gone(struct ksm_case *k, int slot)
{
	struct member *m = &k->c->m[slot];
	int status;

	if (m->parent >= 0)
		return __atomic_load_n(&m->reaped, __ATOMIC_ACQUIRE);
	if (waitpid(m->pid, &status, WNOHANG) != m->pid)
		return false;
	m->wstatus = status;
	m->reaped = true;
	return true;
}

static void describe_exit(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "exited %d (%s)", WEXITSTATUS(status),
			 worker_exit_name(WEXITSTATUS(status)));
}

/* Returns the member's WORKER_* result, or -1 when it did not answer. */
static int wait_done(struct ksm_case *k, int slot)
{
	struct member *m = &k->c->m[slot];
	double deadline = now_seconds() + CMD_TIMEOUT;
	char how[96];

	while (__atomic_load_n(&m->done, __ATOMIC_ACQUIRE) != m->seq) {
		if (member_gone(k, slot)) {
			/* It may have answered just before it exited. */
			if (__atomic_load_n(&m->done, __ATOMIC_ACQUIRE) ==
			    m->seq)
				break;
			describe_exit(m->wstatus, how, sizeof(how));
			fail(k, "member %d (pid %d) %s during %s", slot,
			     m->pid, how, cmd_names[m->cmd]);
			return -1;
		}
		if (now_seconds() > deadline) {
			fail(k, "member %d (pid %d) did not finish %s in %.0f s",
			     slot, m->pid, cmd_names[m->cmd], CMD_TIMEOUT);
			return -1;
		}
		usleep(POLL_US);
	}
	if (m->result)
		fail(k, "member %d (pid %d): %s after %s", slot, m->pid,
		     worker_exit_name(m->result), cmd_names[m->cmd]);
	return m->result;
}

/* Runs @cmd in @n members at once; returns how many failed. */
static int command(struct ksm_case *k, const int *slots, int n, int cmd,
		   int arg)
{
	int i, bad = 0;

	for (i = 0; i < n; i++)
		post(k->c, slots[i], cmd, arg, 0);
	for (i = 0; i < n; i++)
		bad += !!wait_done(k, slots[i]);
	return bad;
}

/* Forks a member into @slot that starts with @cmd; returns 0 or -1. */
static int spawn_member(struct ksm_case *k, int slot, int cmd)
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
		fail(k, "fork: %s", strerror(errno));
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

static int spawn_sharer(struct ksm_case *k)
{
	int slot = k->c->nr++;

	return spawn_member(k, slot, CMD_INIT) ? -1 : slot;
}

/* Sets up @n child slots that member @parent will fill by forking. */
static int reserve_children(struct ksm_ctl *c, int parent, int n)
{
	int first = c->nr, s;

	for (s = first; s < first + n; s++) {
		memcpy(&c->m[s], &c->m[parent], sizeof(c->m[s]));
		c->m[s].pid = 0;
		c->m[s].parent = parent;
		c->m[s].seq = 0;
		c->m[s].done = 0;
		c->m[s].result = 0;
		c->m[s].reaped = false;
	}
	c->nr += n;
	return first;
}

static void members_kill(struct ksm_case *k)
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

/* Children exit before their parents; every exit must be clean. */
static void members_end(struct ksm_case *k)
{
	struct ksm_ctl *c = k->c;
	int s, pass, status, bad = 0;
	char how[96];

	k->phase = "exit";
	for (pass = 0; pass < 2; pass++)
		for (s = 0; s < c->nr; s++)
			if (!c->m[s].reaped &&
			    (pass ? c->m[s].parent < 0 : c->m[s].parent >= 0)) {
				post(c, s, CMD_EXIT, 0, 0);
				bad += !!wait_done(k, s);
			}
	for (s = 0; s < c->nr && !bad; s++) {
		if (c->m[s].parent < 0 && !c->m[s].reaped) {
			waitpid(c->m[s].pid, &status, 0);
			c->m[s].reaped = true;
			c->m[s].wstatus = status;
		}
		status = c->m[s].wstatus;
		if (WIFEXITED(status) && !WEXITSTATUS(status))
			continue;
		describe_exit(status, how, sizeof(how));
		fail(k, "member %d (pid %d) %s", s, c->m[s].pid, how);
	}
	members_kill(k);
}

/* ---- the kernel's view: pagemap, kpageflags, ksm_stat ---- */

static int member_pfns(struct ksm_case *k, int slot, uint64_t *pfn)
{
	struct member *m = &k->c->m[slot];
	uint64_t pm[KSM_PAGES];
	int fd, ret, i;

	fd = pagemap_open(m->pid);
	if (fd < 0)
		return -errno;
	ret = pagemap_read(fd, m->addr, KSM_PAGES, pm);
	close(fd);
	for (i = 0; i < KSM_PAGES; i++)
		pfn[i] = !ret && pm_present(pm[i]) ? pm_pfn(pm[i]) : 0;
	return ret;
}

static bool pfn_is_ksm(struct ksm_case *k, uint64_t pfn)
{
	return ksm_oracle_page(&k->ksm, pfn);
}

/* Why is page @i of @slot not present: a migration entry, swap, nothing? */
static void describe_absent(struct ksm_case *k, int slot, int i, char *why,
			    size_t len)
{
	struct member *m = &k->c->m[slot];
	int fd = pagemap_open(m->pid);
	uint64_t e = 0;

	if (fd >= 0) {
		pagemap_read(fd, m->addr + i * psz(), 1, &e);
		close(fd);
	}
	snprintf(why, len, "page %d of member %d (pid %d) is not present: pagemap %#llx (%s)",
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
			   uint64_t *shared, char *why, size_t len)
{
	static uint64_t pfn[MEMBERS_MAX][KSM_PAGES];
	struct member *m;
	int s, i;

	for (s = 0; s < n; s++)
		if (member_pfns(k, slots[s], pfn[s])) {
			snprintf(why, len, "cannot read the pagemap of pid %d",
				 k->c->m[slots[s]].pid);
			return 1;
		}
	for (i = 0; i < KSM_PAGES; i++) {
		shared[i] = 0;
		for (s = 0; s < n; s++) {
			m = &k->c->m[slots[s]];
			if (!pfn[s][i]) {
				describe_absent(k, slots[s], i, why, len);
				return 1;
			}
			if (m->own[i])
				continue;
			if (!shared[i])
				shared[i] = pfn[s][i];
			if (pfn[s][i] == shared[i])
				continue;
			snprintf(why, len, "page %d: member %d maps PFN %#llx, others %#llx",
				 i, slots[s], (unsigned long long)pfn[s][i],
				 (unsigned long long)shared[i]);
			return 1;
		}
		if (shared[i] && !pfn_is_ksm(k, shared[i])) {
			snprintf(why, len, "page %d: shared PFN %#llx is not a KSM page",
				 i, (unsigned long long)shared[i]);
			return 1;
		}
		for (s = 0; s < n; s++) {
			m = &k->c->m[slots[s]];
			if (!m->own[i] || (pfn[s][i] != shared[i] &&
					   !pfn_is_ksm(k, pfn[s][i])))
				continue;
			snprintf(why, len,
				 "page %d: member %d wrote it but still maps KSM PFN %#llx",
				 i, slots[s], (unsigned long long)pfn[s][i]);
			return 1;
		}
	}
	return 0;
}

/*
 * Other tests on the machine migrate pages too, and a busy machine may
 * keep a migration entry for a while: a mismatch counts only when it
 * persists for RETRY_SECONDS.  A lost entry or a stale PFN never heals.
 */
static int check_mapping(struct ksm_case *k, const int *slots, int n,
			 uint64_t *shared)
{
	double deadline = now_seconds() + RETRY_SECONDS;
	char why[200] = "";

	k->r->checks++;
	do {
		if (!mapping_problem(k, slots, n, shared, why, sizeof(why)))
			return 0;
		usleep(10000);
	} while (now_seconds() < deadline);
	fail(k, "%s", why);
	return -1;
}

/* KSM pages of @slot by kpageflags, or -1. */
static long member_ksm_pages(struct ksm_case *k, int slot)
{
	uint64_t pfn[KSM_PAGES];
	long count = 0;
	int i;

	if (member_pfns(k, slot, pfn))
		return -1;
	for (i = 0; i < KSM_PAGES; i++)
		count += pfn_is_ksm(k, pfn[i]);
	return count;
}

/*
 * A forked child's own KSM figures are not compared with its KSM pages:
 * until "mm/ksm: fix incorrect KSM counter handling in mm_struct during
 * fork" a child inherits its parent's counters (6.1 and others), which
 * is no migration race and is the business of a case of its own,
 * ksm_accounting.fork_resets_counters.  What it maps still counts: with
 * @none, no KSM page may be left in it.
 */
static int forked_counts_problem(struct ksm_case *k, int slot, long pages,
				 bool none, char *why, size_t len)
{
	if (!none || !pages)
		return 0;
	snprintf(why, len, "member %d (pid %d, forked): %ld KSM pages by kpageflags",
		 slot, k->c->m[slot].pid, pages);
	return 1;
}

/*
 * The member's own KSM figures (ksm_merging_pages, ksm_stat) must count
 * exactly the KSM pages it maps; with @none, there must be none at all.
 * Sharers only, whose pages ksmd merged itself: that is where a stable
 * node dropped as stale while its page moves (kpfn) shows.
 */
static int counts_problem(struct ksm_case *k, int slot, bool none,
			  char *why, size_t len)
{
	pid_t pid = k->c->m[slot].pid;
	long pages = member_ksm_pages(k, slot);
	long merging;
	struct ksm_stat st;

	if (pages >= 0 && k->c->m[slot].parent >= 0)
		return forked_counts_problem(k, slot, pages, none, why, len);
	merging = ksm_merging_pages(pid);
	if (pages < 0 || merging < 0 || ksm_stat_read(pid, &st)) {
		snprintf(why, len, "cannot read the KSM figures of pid %d", pid);
		return 1;
	}
	/* ksm_stat has ksm_merging_pages since 6.6 only: -1 before. */
	if (merging == pages &&
	    (st.merging_pages == pages || st.merging_pages < 0) &&
	    (!none || (!pages && !st.rmap_items)))
		return 0;
	snprintf(why, len,
		 "member %d (pid %d): %ld KSM pages by kpageflags, ksm_merging_pages %ld, ksm_stat merging %ld rmap_items %ld",
		 slot, pid, pages, merging, st.merging_pages, st.rmap_items);
	return 1;
}

static int check_counts(struct ksm_case *k, const int *slots, int n,
			bool none)
{
	double deadline = now_seconds() + RETRY_SECONDS;
	char why[200] = "";
	int s, bad;

	k->r->checks++;
	do {
		for (s = 0, bad = 0; s < n && !bad; s++)
			bad = counts_problem(k, slots[s], none, why,
					     sizeof(why));
		if (!bad)
			return 0;
		usleep(10000);
	} while (now_seconds() < deadline);
	fail(k, "%s", why);
	return -1;
}

/* KSM pages of @slot at a new PFN since @last (0: not seen yet); updates @last. */
static long count_moved(struct ksm_case *k, int slot, uint64_t *last)
{
	uint64_t pfn[KSM_PAGES];
	long moved = 0;
	int i;

	if (member_pfns(k, slot, pfn))
		return 0;
	for (i = 0; i < KSM_PAGES; i++) {
		if (!pfn[i] || pfn[i] == last[i] || !pfn_is_ksm(k, pfn[i]))
			continue;
		moved += !!last[i];
		last[i] = pfn[i];
	}
	return moved;
}

/*
 * Per page, the KSM PFN that all of @slots map, or 0 where they disagree
 * or it is not a KSM page (in migration, say).
 */
static void sample_shared(struct ksm_case *k, const int *slots, int n,
			  uint64_t *shared)
{
	static uint64_t pfn[MEMBERS_MAX][KSM_PAGES];
	int s, i;

	memset(shared, 0, KSM_PAGES * sizeof(*shared));
	for (s = 0; s < n; s++)
		if (member_pfns(k, slots[s], pfn[s]))
			return;
	for (i = 0; i < KSM_PAGES; i++) {
		for (s = 1; s < n && pfn[s][i] == pfn[0][i]; s++)
			;
		if (s == n && pfn_is_ksm(k, pfn[0][i]))
			shared[i] = pfn[0][i];
	}
}

/* Shared KSM pages seen at a new PFN since @last; updates @last. */
static long note_moves(uint64_t *last, const uint64_t *now)
{
	long moved = 0;
	int i;

	for (i = 0; i < KSM_PAGES; i++) {
		if (!now[i])
			continue;
		moved += last[i] && last[i] != now[i];
		last[i] = now[i];
	}
	return moved;
}

/* ---- ksmd and the migrator ---- */

/*
 * Waits until every sharer maps one KSM page per index and counts all of
 * them as merged, bounded in time and in ksmd full scans: ksmd skips a
 * page while it is being migrated (other tests compact too), so many fast
 * scans alone do not prove that a merge will not come.  With @last, pages
 * that move once merged count as events.
 */
static int wait_merged(struct ksm_case *k, const int *slots, int n,
		       uint64_t *last)
{
	long scans0 = ksm_counter("full_scans"), scans = scans0, merging;
	double start = now_seconds();
	uint64_t shared[KSM_PAGES];
	char why[200] = "";
	int s;

	while (now_seconds() - start < MERGE_TIMEOUT &&
	       (scans - scans0 < MERGE_SCANS ||
		now_seconds() - start < MERGE_MIN_SECONDS)) {
		if (last) {
			sample_shared(k, slots, n, shared);
			k->r->events += note_moves(last, shared);
		}
		for (s = 0, why[0] = '\0'; s < n && !why[0]; s++) {
			merging = ksm_merging_pages(k->c->m[slots[s]].pid);
			if (merging != KSM_PAGES)
				snprintf(why, sizeof(why), "member %d has %ld of %d pages merged",
					 slots[s], merging, KSM_PAGES);
		}
		if (!why[0] && !mapping_problem(k, slots, n, shared, why,
						sizeof(why)))
			return 0;
		usleep(2000);
		scans = ksm_counter("full_scans");
	}
	fail(k, "KSM did not merge the pages in %.1f s and %ld full scans: %s",
	     now_seconds() - start, scans - scans0, why);
	return -1;
}

static bool counts_agree(struct ksm_case *k, const int *slots, int n)
{
	char why[200];
	int s;

	for (s = 0; s < n; s++)
		if (counts_problem(k, slots[s], false, why, sizeof(why)))
			return false;
	return true;
}

/*
 * ksmd runs until it has been through every process SETTLE_SCANS times
 * and their figures agree with kpageflags, then stops.  A pass can miss a
 * page that another test is migrating just then: the next one finds it.
 * Whatever still disagrees at the bound is for check_counts() to report.
 */
static int ksmd_settle(struct ksm_case *k, const int *slots, int n)
{
	long scans0 = ksm_counter("full_scans");
	double start = now_seconds();
	int ret;

	if (scans0 < 0 || ksm_set_run(1)) {
		fail(k, "cannot start ksmd");
		return -1;
	}
	ret = ksm_wait_full_scans(scans0, SETTLE_SCANS, SETTLE_TIMEOUT);
	while (!ret && now_seconds() - start < SETTLE_TIMEOUT &&
	       !counts_agree(k, slots, n))
		usleep(2000);
	ksm_set_run(0);
	if (ret)
		fail(k, "ksmd did not complete %d full scans in %.0f s",
		     SETTLE_SCANS, SETTLE_TIMEOUT);
	return ret;
}

static void ksmd_mark(struct ksm_case *k)
{
	k->scans0 = ksm_counter("full_scans");
	k->scanned0 = ksm_counter("pages_scanned");
}

/* ksmd's work that overlapped migration, for the window line. */
static void ksmd_account(struct ksm_case *k)
{
	long scans = ksm_counter("full_scans");

	/* run=2 starts full_scans from zero again. */
	k->r->full_scans += scans >= k->scans0 ? scans - k->scans0 : scans;
	k->r->pages_scanned += ksm_counter("pages_scanned") - k->scanned0;
}

/* One round of the trigger in this process: a deterministic migration. */
static void migrate_round(struct ksm_case *k)
{
	struct trigger_stats *st = k->e->stats;
	int ret = k->e->trigger->round(k->e->targets, st);

	st->rounds++;
	if (ret) {
		st->errors++;
		st->last_error = ret;
	}
}

static int targets_publish(struct ksm_case *k, const int *slots, int n,
			   int *tslot)
{
	int i;

	for (i = 0; i < n; i++) {
		tslot[i] = targets_add(k->e->targets, k->c->m[slots[i]].pid,
				       (void *)k->c->m[slots[i]].addr,
				       KSM_PAGES * psz());
		if (tslot[i] < 0) {
			fail(k, "target table full");
			return -1;
		}
	}
	return 0;
}

static void targets_withdraw(struct ksm_case *k, const int *tslot, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (tslot[i] >= 0)
			targets_remove(k->e->targets, tslot[i]);
}

/* A migrator process for one cycle: it must not move pages before they merge. */
static int migrator_begin(struct ksm_case *k)
{
	struct race_env *e = k->e;

	__atomic_store_n(&k->c->migrate_stop, false, __ATOMIC_RELAXED);
	ksmd_mark(k);
	k->migrator = migrator_start(e->trigger, e->targets, e->stats,
				     &k->c->migrate_stop, MIGRATOR_PAUSE_US);
	if (k->migrator < 0) {
		fail(k, "cannot fork the migrator: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void migrator_end(struct ksm_case *k)
{
	if (k->migrator <= 0)
		return;
	stop_request(&k->c->migrate_stop);
	if (worker_wait(k->migrator, "migrator"))
		fail(k, "the migrator failed");
	k->migrator = -1;
	ksmd_account(k);
}

/* ---- case set-up shared by the flavours ---- */

static int case_begin(struct ksm_case *k, struct race_env *e,
		      struct ksm_result *r, const char *flavour)
{
	memset(k, 0, sizeof(*k));
	memset(r, 0, sizeof(*r));
	r->flavour = flavour;
	k->e = e;
	k->r = r;
	k->migrator = -1;
	k->landing = -1;
	k->ksm.kpf_fd = -1;
	k->ksm.kpc_fd = -1;
	k->phase = "set-up";
	k->c = shared_alloc(sizeof(*k->c));
	if (!k->c || ksm_oracle_open(&k->ksm)) {
		ksft_print_msg("R4 %s: %s\n", flavour, k->c ?
			       "cannot open /proc/kpageflags, /proc/kpagecount" :
			       "out of memory");
		return -1;
	}
	/* Contents differ between cases and runs: no stale node matches. */
	k->c->gen = (uint32_t)getpid() << 12;
	vmstat_read(&e->vm_before);
	e->t_start = now_seconds();
	return 0;
}

static int case_end(struct ksm_case *k)
{
	migrator_end(k);
	members_kill(k);
	ksm_oracle_close(&k->ksm);
	if (k->c)
		munmap(k->c, sizeof(*k->c));
	return race_env_stop(k->e) ? -1 : 0;
}

/*
 * A case runs for the duration; one that has not seen its window yet gets
 * up to one more, because a loaded machine starves ksmd (it runs at nice
 * 5) while other tests' compaction moves fresh pages before they merge.
 */
static bool case_time_left(struct ksm_case *k)
{
	if (race_time_left(k->e))
		return true;
	race_env_nominal_end(k->e, k->r->events);
	return !k->r->events && !k->c->churn_moved &&
	       now_seconds() - k->e->t_start < 2 * race_duration();
}

/*
 * A landing process for this cycle's shared pages (see map_fresh()),
 * spawned once they merged, with ksmd running: a stable tree hit merges
 * its even pages at the first look.  It only makes room for compaction
 * above the shared pages, so a slow merge is no failure.
 */
static int landing_begin(struct ksm_case *k)
{
	double start = now_seconds();
	struct member *m;

	if (k->landing < 0)
		k->landing = k->c->nr++;
	m = &k->c->m[k->landing];
	if (spawn_member(k, k->landing, CMD_LAND))
		return -1;
	while (ksm_merging_pages(m->pid) < LANDING_PAGES / 2 &&
	       now_seconds() - start < MERGE_TIMEOUT)
		usleep(2000);
	return 0;
}

static void landing_end(struct ksm_case *k)
{
	struct member *m;
	char how[96];

	if (k->landing < 0 || k->c->m[k->landing].reaped)
		return;
	m = &k->c->m[k->landing];
	post(k->c, k->landing, CMD_EXIT, 0, 0);
	if (!wait_done(k, k->landing) && !m->reaped)
		waitpid(m->pid, &m->wstatus, 0);
	m->reaped = true;
	if (WIFEXITED(m->wstatus) && !WEXITSTATUS(m->wstatus))
		return;
	describe_exit(m->wstatus, how, sizeof(how));
	fail(k, "landing process %d %s", m->pid, how);
}

/*
 * A new generation: @n sharers map the shared contents and ksmd merges
 * them (moves of merged pages count in @last from the merge on, if set).
 */
static int sharers_merge(struct ksm_case *k, int *slots, int n,
			 uint64_t *last)
{
	int i;

	k->phase = "merge";
	k->c->gen++;
	/* Compaction moves only what lies low: make room there first. */
	migrate_round(k);
	for (i = 0; i < n; i++) {
		slots[i] = spawn_sharer(k);
		if (slots[i] < 0)
			return -1;
	}
	if (ksm_set_run(1)) {
		fail(k, "cannot start ksmd");
		return -1;
	}
	return wait_merged(k, slots, n, last);
}

/*
 * @nsharers processes map the same contents and merge; ksmd stops; the
 * first sharer forks @nchildren, which ksmd has never seen.  Fills @slots
 * (sharers first) and returns how many members there are, or -1.  With
 * @last, moves of merged pages count from the merge on.
 */
static int merged_family(struct ksm_case *k, int nsharers, int nchildren,
			 int *slots, uint64_t *last)
{
	int i, first;

	if (sharers_merge(k, slots, nsharers, last) || landing_begin(k))
		return -1;
	/* From here on ksmd must not learn about the children. */
	if (ksm_set_run(0)) {
		fail(k, "cannot stop ksmd");
		return -1;
	}
	if (!nchildren)
		return nsharers;
	k->phase = "fork";
	first = reserve_children(k->c, slots[0], nchildren);
	post(k->c, slots[0], CMD_FORK, nchildren, first);
	if (wait_done(k, slots[0]))
		return -1;
	for (i = 0; i < nchildren; i++)
		slots[nsharers + i] = first + i;
	k->r->children += nchildren;
	return nsharers + nchildren;
}

int ksm_scenario_setup(struct race_env *e, int merge_across_nodes,
		       char *why, size_t len)
{
	if (access("/proc/kpageflags", R_OK)) {
		snprintf(why, len,
			 "/proc/kpageflags not readable (CONFIG_PROC_PAGE_MONITOR, root)");
		return 1;
	}
	if (access("/proc/self/ksm_stat", R_OK)) {
		snprintf(why, len, "no /proc/PID/ksm_stat (kernel older than 6.1)");
		return 1;
	}
	keep_trigger_policy = e->trigger == &trigger_offline;
	return ksm_setup(merge_across_nodes, why, len);
}

/* ---- forked_children ---- */

/* Trigger rounds until every KSM page moved, or MIGRATE_ROUNDS. */
static long migrate_family(struct ksm_case *k, const int *slots, int n,
			   const uint64_t *before)
{
	uint64_t last[KSM_PAGES];
	int tslot[MEMBERS_MAX], round;
	long moved = 0;

	k->phase = "migrate";
	if (targets_publish(k, slots, n, tslot) == 0) {
		ksmd_mark(k);
		for (round = 0; round < MIGRATE_ROUNDS && moved < KSM_PAGES;
		     round++) {
			migrate_round(k);
			memcpy(last, before, sizeof(last));
			moved = count_moved(k, slots[0], last);
		}
		ksmd_account(k);
	}
	targets_withdraw(k, tslot, n);
	return moved;
}

/* Page i is written by member i % n: every KSM page keeps n - 1 sharers. */
static void assign_writers(struct ksm_ctl *c, const int *slots, int n)
{
	int i;

	for (i = 0; i < KSM_PAGES; i++)
		c->m[slots[i % n]].own[i] = 1;
}

static int forked_cycle(struct ksm_case *k)
{
	uint64_t before[KSM_PAGES], after[KSM_PAGES];
	int slots[MEMBERS_MAX], n;
	long moved;

	n = merged_family(k, SHARERS, CHILDREN, slots, NULL);
	if (n < 0 || check_mapping(k, slots, n, before))
		return -1;
	moved = migrate_family(k, slots, n, before);
	k->r->events += moved;
	k->r->pages += KSM_PAGES;
	k->phase = "after migration";
	if (check_mapping(k, slots, n, after) ||
	    command(k, slots, n, CMD_CHECK, 0))
		return -1;
	k->phase = "write";
	assign_writers(k->c, slots, n);
	if (command(k, slots, n, CMD_WRITE, 0) ||
	    command(k, slots, n, CMD_CHECK, 0) ||
	    check_mapping(k, slots, n, after))
		return -1;
	k->phase = "ksmd again";
	if (ksmd_settle(k, slots, n) || check_counts(k, slots, n, false) ||
	    check_mapping(k, slots, n, after) ||
	    command(k, slots, n, CMD_CHECK, 0))
		return -1;
	return 0;
}

/* Runs @cycle again and again, with fresh members, while time is left. */
static int run_cycles(struct race_env *e, struct ksm_result *r,
		      const char *flavour, int (*cycle)(struct ksm_case *k))
{
	struct ksm_case k;
	int ret;

	if (case_begin(&k, e, r, flavour))
		return -1;
	do {
		ret = cycle(&k);
		members_end(&k);
		r->cycles++;
	} while (!ret && !r->failures && case_time_left(&k));
	return case_end(&k);
}

int ksm_forked_children_run(struct race_env *e, struct ksm_result *r)
{
	return run_cycles(e, r, "forked_children", forked_cycle);
}

/* ---- unmerge ---- */

/*
 * Half the members MADV_UNMERGEABLE while the migrator moves the KSM
 * pages, then run=2 (MADV_UNMERGEABLE when other processes use KSM)
 * unmerges the rest, still under migration: no KSM page may be left in
 * any member and every page must hold its data.
 */
static int unmerge_cycle(struct ksm_case *k)
{
	uint64_t before[KSM_PAGES], last[KSM_PAGES] = { 0 };
	int slots[MEMBERS_MAX], tslot[MEMBERS_MAX], n, i, bad = 0;
	struct trigger_stats *st = k->e->stats;
	double deadline;
	long rounds0;

	n = merged_family(k, SHARERS, UNMERGE_CHILDREN, slots, last);
	if (n < 0 || check_mapping(k, slots, n, before))
		return -1;
	k->r->events += note_moves(last, before);
	k->phase = "unmerge";
	if (targets_publish(k, slots, n, tslot) || migrator_begin(k)) {
		targets_withdraw(k, tslot, n);
		return -1;
	}
	for (i = 1; i < n; i += 2)
		post(k->c, slots[i], CMD_UNMERGE, 0, 0);
	rounds0 = __atomic_load_n(&st->rounds, __ATOMIC_RELAXED);
	deadline = now_seconds() + SAMPLE_SECONDS;
	while (__atomic_load_n(&st->rounds, __ATOMIC_RELAXED) < rounds0 + 2 &&
	       now_seconds() < deadline) {
		k->r->events += count_moved(k, slots[0], last);
		usleep(1000);
	}
	k->r->events += count_moved(k, slots[0], last);
	k->r->pages += KSM_PAGES;
	for (i = 1; i < n; i += 2)
		bad += !!wait_done(k, slots[i]);
	/* run=2 would unmerge every KSM user: only when nobody else uses it. */
	if (!ksm_other_user()) {
		if (ksm_set_run(2))
			fail(k, "cannot write run=2");
	} else if (!command(k, slots, n, CMD_UNMERGE, 0)) {
		/* The counters drop with the rmap items, on ksmd's next scans. */
		ksmd_settle(k, slots, n);
	}
	migrator_end(k);
	targets_withdraw(k, tslot, n);
	if (bad || k->r->failures)
		return -1;
	k->phase = "after unmerge";
	if (check_counts(k, slots, n, true) ||
	    command(k, slots, n, CMD_CHECK, 0))
		return -1;
	return 0;
}

int ksm_unmerge_run(struct race_env *e, struct ksm_result *r)
{
	return run_cycles(e, r, "unmerge", unmerge_cycle);
}

/* ---- stable_nodes ---- */

/* PFNs of @n pages at @p in this process, 0 where not a KSM page. */
static void self_ksm_pfns(int pm_fd, struct ksm_oracle *o, char *p,
			  size_t n, uint64_t *pfn)
{
	size_t i;

	for (i = 0; i < n; i++) {
		pfn[i] = pagemap_pfn_of(pm_fd, (unsigned long)p + i * psz());
		if (!ksm_oracle_page(o, pfn[i]))
			pfn[i] = 0;
	}
}

/* Bounded: a churner gives up on the merge, not on its checks. */
static bool churner_merged(struct ksm_ctl *c, long want)
{
	double deadline = now_seconds() + CHURN_MERGE_TIMEOUT;

	while (now_seconds() < deadline && !stop_requested(&c->churn_stop)) {
		if (ksm_merging_pages(0) >= want)
			return true;
		usleep(1000);
	}
	return false;
}

/* Own KSM pages that migrated while this churner watched them. */
static void churner_watch(struct ksm_ctl *c, char *p, size_t n)
{
	uint64_t before[CHURN_PAGES], after[CHURN_PAGES];
	int pm_fd = pagemap_open(0);
	struct ksm_oracle o;
	long moved = 0;
	size_t i;

	if (pm_fd < 0 || ksm_oracle_open(&o)) {
		close(pm_fd);
		return;
	}
	self_ksm_pfns(pm_fd, &o, p, n, before);
	usleep(1000 + random() % 20000);
	self_ksm_pfns(pm_fd, &o, p, n, after);
	for (i = 0; i < n; i++)
		moved += before[i] && after[i] && before[i] != after[i];
	__atomic_fetch_add(&c->churn_moved, moved, __ATOMIC_RELAXED);
	ksm_oracle_close(&o);
	close(pm_fd);
}

static size_t churner_check(char *a, char *b, char *d, uint32_t gen,
			    uint32_t serial)
{
	uint32_t own = TAG_CHURN_OWN + serial, mine = TAG_CHURN + serial;
	size_t i, bad = 0, p = psz();

	for (i = 0; i < KSM_PAGES; i++)
		bad += !!pattern_check(a + i * p, p, i & 1 ? own : TAG_SHARED,
				       i, gen, bad >= 4);
	for (i = 0; i < CHURN_PAGES; i++) {
		bad += !!pattern_check(b + i * p, p, i & 1 ? own : mine,
				       KSM_PAGES + i, gen, bad >= 4);
		bad += !!pattern_check(d + i * p, p, mine, KSM_PAGES + i, gen,
				       bad >= 4);
	}
	return bad;
}

/*
 * A churner maps the sharers' contents, which merge into their stable
 * nodes, and a set of its own twice over, which makes new stable nodes;
 * waits for the merge, writes half of each and exits.  ksmd then takes
 * its rmap items off the sharers' nodes and prunes its stale ones, under
 * the folio lock of pages that are being migrated.
 */
static void __noreturn churner_main(struct ksm_ctl *c, uint32_t serial)
{
	size_t n = KSM_PAGES + 2 * CHURN_PAGES, p = psz(), i, bad;
	uint32_t gen = __atomic_load_n(&c->gen, __ATOMIC_RELAXED);
	uint32_t own = TAG_CHURN_OWN + serial, mine = TAG_CHURN + serial;
	char *a, *b, *d;

	srandom(serial);
	a = mmap(NULL, n * p, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		_exit(WORKER_SYSCALL);
	b = a + KSM_PAGES * p;
	d = b + CHURN_PAGES * p;
	madvise(a, n * p, MADV_NOHUGEPAGE);
	prefer_first_node(a, n * p);
	pattern_fill_range(a, KSM_PAGES * p, p, TAG_SHARED, gen);
	for (i = 0; i < CHURN_PAGES; i++) {
		pattern_fill(b + i * p, p, mine, KSM_PAGES + i, gen);
		pattern_fill(d + i * p, p, mine, KSM_PAGES + i, gen);
	}
	if (ksm_merge_range(a, n * p))
		_exit(WORKER_SYSCALL);
	if (churner_merged(c, n / 2)) {
		__atomic_fetch_add(&c->churn_merged, 1, __ATOMIC_RELAXED);
		churner_watch(c, b, CHURN_PAGES);
	}
	for (i = 1; i < KSM_PAGES; i += 2)
		pattern_fill(a + i * p, p, own, i, gen);
	for (i = 1; i < CHURN_PAGES; i += 2)
		pattern_fill(b + i * p, p, own, KSM_PAGES + i, gen);
	bad = churner_check(a, b, d, gen, serial);
	if (bad)
		printf("# churner %d: %zu bad pages\n", getpid(), bad);
	fflush(stdout);
	_exit(bad ? WORKER_BAD_DATA : WORKER_OK);
}

/* Reaps churners that finished and starts new ones unless stopping. */
static void churners_keep(struct ksm_case *k)
{
	uint32_t serial;
	int i, status;
	char how[96];
	pid_t pid;

	for (i = 0; i < CHURNERS; i++) {
		pid = k->churner[i];
		if (pid > 0) {
			if (waitpid(pid, &status, WNOHANG) != pid)
				continue;
			k->churner[i] = 0;
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				describe_exit(status, how, sizeof(how));
				fail(k, "churner %d %s", pid, how);
			}
		}
		if (stop_requested(&k->c->churn_stop))
			continue;
		serial = ++k->c->churn_serial;
		fflush(stdout);
		pid = worker_fork();
		if (pid == 0)
			churner_main(k->c, serial);
		if (pid > 0) {
			k->churner[i] = pid;
			k->r->churners++;
		}
	}
}

static bool churners_left(struct ksm_case *k)
{
	int i;

	for (i = 0; i < CHURNERS; i++)
		if (k->churner[i] > 0)
			return true;
	return false;
}

static void churners_stop(struct ksm_case *k)
{
	double deadline = now_seconds() + CMD_TIMEOUT;
	int i;

	stop_request(&k->c->churn_stop);
	while (churners_left(k) && now_seconds() < deadline) {
		churners_keep(k);
		usleep(POLL_US);
	}
	if (churners_left(k))
		fail(k, "churners did not exit in %.0f s", CMD_TIMEOUT);
	workers_kill(k->churner, CHURNERS);
	for (i = 0; i < CHURNERS; i++)
		k->churner[i] = 0;
	k->r->churn_moved = k->c->churn_moved;
	k->r->churners_merged = k->c->churn_merged;
}

/*
 * One epoch: the sharers take new contents (fresh pages, new stable
 * nodes, the old ones go stale), merge with the migrator stopped, then
 * the migrator runs while churners come and go.
 */
static int stable_epoch(struct ksm_case *k, const int *slots, int n,
			bool renew)
{
	uint64_t last[KSM_PAGES] = { 0 }, now[KSM_PAGES];
	int tslot[MEMBERS_MAX];
	double end;

	k->phase = "renew";
	if (renew) {
		k->c->gen++;
		if (command(k, slots, n, CMD_RENEW, k->c->gen) ||
		    wait_merged(k, slots, n, last))
			return -1;
	}
	if (landing_begin(k))
		return -1;
	k->phase = "churn";
	if (targets_publish(k, slots, n, tslot) || migrator_begin(k)) {
		targets_withdraw(k, tslot, n);
		return -1;
	}
	end = now_seconds() + EPOCH_SECONDS;
	while (now_seconds() < end && case_time_left(k)) {
		churners_keep(k);
		sample_shared(k, slots, n, now);
		k->r->events += note_moves(last, now);
		usleep(2000);
	}
	migrator_end(k);
	targets_withdraw(k, tslot, n);
	landing_end(k);
	sample_shared(k, slots, n, now);
	k->r->events += note_moves(last, now);
	k->r->pages += KSM_PAGES;
	k->r->cycles++;
	k->phase = "periodic check";
	if (command(k, slots, n, CMD_CHECK, 0) ||
	    check_mapping(k, slots, n, last) ||
	    check_counts(k, slots, n, false))
		return -1;
	return k->r->failures ? -1 : 0;
}

/* Churners gone, ksmd has pruned: the sharers must be exactly as merged. */
static int stable_quiet(struct ksm_case *k, const int *slots, int n)
{
	uint64_t shared[KSM_PAGES];

	k->phase = "quiet";
	churners_stop(k);
	if (ksmd_settle(k, slots, n) || check_mapping(k, slots, n, shared) ||
	    check_counts(k, slots, n, false) ||
	    command(k, slots, n, CMD_CHECK, 0))
		return -1;
	return 0;
}

int ksm_stable_nodes_run(struct race_env *e, struct ksm_result *r)
{
	int slots[MEMBERS_MAX], i, ret;
	struct ksm_case k;

	if (case_begin(&k, e, r, "stable_nodes"))
		return -1;
	ret = sharers_merge(&k, slots, STABLE_SHARERS, NULL);
	for (i = 0; !ret && (!i || case_time_left(&k)); i++)
		ret = stable_epoch(&k, slots, STABLE_SHARERS, i > 0);
	if (!ret)
		stable_quiet(&k, slots, STABLE_SHARERS);
	churners_stop(&k);
	/* The churners' own stable nodes moved while shared too. */
	r->events += r->churn_moved;
	members_end(&k);
	return case_end(&k);
}

/* ---- verdict ---- */

int ksm_verdict(struct race_env *e, const struct ksm_result *r)
{
	int bad = 0;

	race_window_print(e, r->events,
			  "flavour=%s ksm_pages=%lld cycles=%ld children=%ld churners=%ld churners_merged=%ld churn_moved=%ld checks=%ld rounds=%ld ksmd_full_scans=%ld ksmd_pages_scanned=%ld pgmigrate_success=%lld pgmigrate_fail=%lld",
			  r->flavour, r->pages, r->cycles, r->children,
			  r->churners, r->churners_merged, r->churn_moved,
			  r->checks,
			  e->stats ? e->stats->rounds : 0, r->full_scans,
			  r->pages_scanned,
			  race_vmstat_delta(e, "pgmigrate_success"),
			  race_vmstat_delta(e, "pgmigrate_fail"));
	if (r->failures) {
		ksft_print_msg("R4 %s: %ld problems, the first: %s\n",
			       r->flavour, r->failures, r->first_failure);
		bad++;
	}
	if (!r->events) {
		race_window_missed(e, NO_MOVE_FMT,
				   r->pages, e->stats ? e->stats->rounds : 0);
		bad++;
	}
	return bad;
}
