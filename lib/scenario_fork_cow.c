// SPDX-License-Identifier: GPL-2.0
/*
 * R3, fork copying migration entries (seed 003, "Swapless page migration:
 * add R/W migration entries"); the scenario is described in
 * scenario_fork_cow.h.
 *
 * Processes: the test supervises; lanes (workers) own the regions and
 * fork; generation children do the COW handshake with their lane over two
 * pipes, three of them alive per lane at a time (a pipeline: each parent
 * write is the next write for two children); sleepers only join the
 * anon_vma and wait for SIGUSR1.  The lane reads a child's pagemap as soon
 * as fork returns, and the child reads its own before anything else: the
 * migration fork copied ends microseconds later.  Counters live in shared
 * memory; exit codes (procs.h) say what went wrong, and every process is
 * reaped by the one that forked it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest.h"

#include "hugetlb.h"
#include "pagemap.h"
#include "pattern.h"
#include "procs.h"
#include "scenario_fork_cow.h"
#include "swap.h"
#include "undo.h"
#include "vmstat.h"

#define TAG_PARENT		0x9a000000u	/* | lane id */
#define TAG_CHILD		0xc4000000u	/* | lane id */
#define BASE_REGION_BYTES	(512UL << 10)
#define HUGE_PER_LANE		2		/* THPs or hugetlb pages */
#define RECYCLE_PER_GEN		4		/* sleepers replaced per generation */
#define HANDSHAKE_MS		20000		/* a step takes milliseconds */
#define READY_SECONDS		60.0		/* lane set-up, sleepers included */
/* Aim at most two migrator rounds, and this long (slow TCG guests). */
#define AIM_MS			500
#define AIM_POLL_US		50
#define THP_TRIES		4
/* What one page table maps (x86-64, and most 4 KiB page systems). */
#define STORM_SPAN_BYTES	(2UL << 20)
#define EXTEND_FACTOR		3		/* see window_still_closed() */
#define FORK_COW_SLEEPERS_MIN	32		/* per lane */
#define FORK_COW_MAX_LANES	16
/* Forks of one burst (lane_burst()), and how long it may go on. */
#define BURST_FORKS		32
#define BURST_MS		20
/* Page tables and kernel structures of one sleeper (60-150 KiB measured). */
#define SLEEPER_BYTES		(256UL << 10)
#define BUDGET_CAP		(256UL << 20)
#define ROOM_BYTES		(96UL << 20)	/* see struct room */
#define ROOM_WAVES		3	/* at the start, a third and two thirds in */
#define THP_ENABLED		"/sys/kernel/mm/transparent_hugepage/enabled"
#define THP_PMD_SIZE		"/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"
#define THP_PMD_ENABLED		"/sys/kernel/mm/transparent_hugepage/hugepages-%zukB/enabled"
#define HUGETLB_DIR		"/sys/kernel/mm/hugepages/hugepages-%zukB/%s"
#define SOFT_OFFLINE_THP_SKIP	"soft offline splits THPs before migrating (soft_offline_in_use_page): no PMD is ever under migration"
#define TYPES_UNKNOWN_NOTE	"migration entry types unknown (no kernel config): write and read-exclusive entries were not checked"
#define NO_SWAP_TYPE_FMT	"%ld entries without a swap type in pagemap (hugetlb): the write and read-exclusive check skipped them\n"
#define NO_ENTRY_FMT		"window not reached: no child saw a migration entry in %ld forks (pgmigrate_success +%lld)\n"

/* In MAP_SHARED memory: written by lanes and children, read by the test. */
struct fork_cow_shared {
	int ready;
	int go;
	long generations;
	long forks;
	long entries;
	long kind[MIGRATION_WRITE + 1];
	long sleepers_recycled;
	long storm_forks;
	long storm_seen;
	long burst_forks;
	long burst_seen;
	long thp_regions;
	long thp_misses;
	long aimed;
	long copied[MIGRATION_WRITE + 1];	/* by the kind before fork */
	long seen_by_child;
	long seen_by_parent;
	long child_seen[FORK_COW_MAX_LANES];	/* the last child's own count */
	pid_t migrator;
	int holders;		/* lanes holding the migrator (hold_migration()) */
	int error_taken;
	char error[200];
};

/* A generation child and the region it forked over. */
struct kid {
	pid_t pid;		/* 0: none */
	int up, down;		/* pipes: child to lane, lane to child */
	uint32_t gen;
	char *region;
	long seen;		/* entries the lane saw in its mapping */
};

struct lane {
	int id;
	pid_t pid;
	int cpu;		/* shared with the migrator, -1: not pinned */
	int migrator_cpu;	/* the same, or another one for a storm */
	struct race_env *env;
	const struct fork_cow_opts *o;
	struct fork_cow_shared *sh;
	size_t len;		/* region bytes */
	size_t psz;		/* base page: pattern and pagemap unit */
	size_t huge;		/* THP or hugetlb page size, 0 for base pages */
	bool types_known;	/* migration entry types decodable */
	bool untyped_ok;	/* swap entries without a known type count */
	bool aim_by_rounds;	/* a migrator round covers every target */
	bool room;		/* compaction: the test holds a room */
	char *region;		/* what the next child forks over */
	int slot;		/* in env->targets */
	uint32_t gen;
	struct kid kid[3];	/* ring, by generation modulo 3 */
	uint64_t *pm;		/* pagemap buffer, inherited by children */
	uint64_t *pre, *post;	/* the lane's own pagemap around fork */
	int pm_fd;		/* the lane's own pagemap */
	int kpf_fd;
	pid_t *sleeper;
	int nr_sleepers;
	int next_retire;
};

static void count(long *counter, long n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

/* Prints a finding and keeps the first one for the verdict. */
static void __printf(2, 3)
report(struct fork_cow_shared *sh, const char *fmt, ...)
{
	char msg[sizeof(sh->error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("# %s\n", msg);
	fflush(stdout);
	if (!__atomic_exchange_n(&sh->error_taken, 1, __ATOMIC_ACQ_REL))
		memcpy(sh->error, msg, sizeof(msg));
}

static void child_exit(int code)
{
	fflush(stdout);
	_exit(code);
}

static uint32_t parent_tag(const struct lane *l)
{
	return TAG_PARENT | l->id;
}

static uint32_t child_tag(const struct lane *l)
{
	return TAG_CHILD | l->id;
}

/*
 * What a pagemap entry of a populated COW region says: -1 when it is not
 * a migration entry, else its kind (MIGRATION_NONE: type not decodable).
 */
static int classify(const struct lane *l, uint64_t e)
{
	enum migration_entry_kind k;

	if (pm_present(e))
		return -1;
	/*
	 * pagemap reports no swap type for a non-present hugetlb entry
	 * (pagemap_hugetlb_range, up to 6.12 at least); in a populated
	 * private region that can only be a migration entry.
	 */
	if (!pm_swapped(e))
		return l->o->memory == FORK_COW_HUGETLB ? MIGRATION_NONE : -1;
	k = migration_entry_kind(e);
	if (k != MIGRATION_NONE)
		return k;
	/* With no swap active any swap entry here is a migration entry. */
	return l->untyped_ok ? MIGRATION_NONE : -1;
}

/*
 * Reads the pagemap of a freshly forked child (@pid, 0 for this process)
 * for its region, counts the migration entries fork copied into it (or
 * migration set there since) into *@seen, and returns WORKER_BAD_ENTRY
 * when one of them still grants write access (write) or exclusive
 * ownership (read-exclusive) in the COW mapping: fix (a) lost.  One entry
 * per PTE, or per PMD or hugetlb entry for huge pages.
 */
static int scan_entries(struct lane *l, pid_t pid, const char *who,
			long *seen)
{
	size_t n = l->len / l->psz, step = l->huge ? l->huge / l->psz : 1;
	int fd = pagemap_open(pid), ret = WORKER_OK, k, first;
	size_t i, j;

	*seen = 0;
	if (fd < 0 || pagemap_read(fd, (unsigned long)l->region, n, l->pm)) {
		report(l->sh, "lane %d: cannot read the pagemap of %s %d: %s",
		       l->id, who, pid ?: getpid(), strerror(errno));
		if (fd >= 0)
			close(fd);
		return WORKER_SYSCALL;
	}
	close(fd);
	for (i = 0; i < n; i += step) {
		first = -1;
		for (j = i; j < i + step && j < n; j++) {
			k = classify(l, l->pm[j]);
			if (k < 0)
				continue;
			if (first < 0)
				first = k;
			if ((k == MIGRATION_WRITE ||
			     k == MIGRATION_READ_EXCLUSIVE) && !ret) {
				report(l->sh,
				       "lane %d generation %u: %s %d has a %s migration entry in its COW mapping at page %zu (pagemap %#llx)",
				       l->id, l->gen, who, pid ?: getpid(),
				       migration_entry_name(k), j,
				       (unsigned long long)l->pm[j]);
				ret = WORKER_BAD_ENTRY;
			}
		}
		if (first >= 0) {
			(*seen)++;
			count(&l->sh->kind[first], 1);
		}
	}
	return ret;
}

/* Die with the lane; false when it is gone already. */
static bool follow_lane(const struct lane *l)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return getppid() == l->pid;
}

static void fill(const struct lane *l, char *region, uint32_t tag,
		 uint32_t gen)
{
	pattern_fill_range(region, l->len, l->psz, tag, gen);
}

/*
 * WORKER_OK when every page holds (tag, gen).  A page that holds the other
 * process's (other_tag, other_gen) instead is a COW leak; anything else
 * is bad data.  The first bad page is printed.
 */
static int verify(const struct lane *l, const char *region, const char *who,
		  uint32_t tag, uint32_t gen, uint32_t other_tag,
		  uint32_t other_gen)
{
	size_t i, n = l->len / l->psz;
	const char *page;

	for (i = 0; i < n; i++) {
		page = region + i * l->psz;
		if (!pattern_check(page, l->psz, tag, i, gen, 1))
			continue;
		if (!pattern_check(page, l->psz, other_tag, i, other_gen, 1)) {
			report(l->sh,
			       "lane %d generation %u: COW leak: page %zu of the %s holds what the other process wrote (tag %#x gen %u)",
			       l->id, gen, i, who, other_tag, other_gen);
			return WORKER_COW_LEAK;
		}
		pattern_check(page, l->psz, tag, i, gen, 0);
		report(l->sh, "lane %d generation %u: bad data in page %zu of the %s",
		       l->id, gen, i, who);
		return WORKER_BAD_DATA;
	}
	return WORKER_OK;
}

static int send_byte(int fd)
{
	char c = 1;

	return write(fd, &c, 1) == 1 ? 0 : -1;
}

/* Bounded: 0 when the byte came, -1 on timeout or when the writer died. */
static int wait_byte(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;
	int r;

	do
		r = poll(&p, 1, HANDSHAKE_MS);
	while (r < 0 && errno == EINTR);
	if (r != 1)
		return -1;
	return read(fd, &c, 1) == 1 ? 0 : -1;
}

/*
 * Generation child g: pagemap first, then (a) its snapshot (P, g); after
 * the parent's next write (P, g + 1), (b) the snapshot again, then it
 * writes (C, g) for the parent to look for; after the parent's write
 * (P, g + 2), (c) its own values.  Never returns.
 */
static void child_main(struct lane *l, int up, int down)
{
	uint32_t pt = parent_tag(l), g = l->gen;
	long seen;
	int ret = scan_entries(l, 0, "child", &seen);

	if (!follow_lane(l))
		child_exit(WORKER_SYSCALL);
	/* The lane adds it up once it has looked too (signal A). */
	l->sh->child_seen[l->id] = seen;
	count(&l->sh->seen_by_child, seen);
	if (ret)
		child_exit(ret);
	if (l->o->read_only &&
	    mprotect(l->region, l->len, PROT_READ | PROT_WRITE))
		child_exit(WORKER_SYSCALL);
	ret = verify(l, l->region, "child", pt, g, pt, g + 1);
	if (!ret && (send_byte(up) || wait_byte(down)))
		ret = WORKER_SYSCALL;
	if (!ret)
		ret = verify(l, l->region, "child", pt, g, pt, g + 1);
	if (!ret) {
		fill(l, l->region, child_tag(l), g);
		if (send_byte(up) || wait_byte(down))
			ret = WORKER_SYSCALL;
	}
	if (!ret)
		ret = verify(l, l->region, "child", child_tag(l), g, pt, g + 2);
	child_exit(ret);
}

/*
 * Reaps a child of the lane and returns its exit code (WORKER_*), or
 * WORKER_BAD_DATA when a signal killed it: a crash is a failure whatever
 * the checks said.  Prints unless @quiet.
 */
static int reap(struct lane *l, pid_t pid, const char *what, bool quiet)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return WORKER_SYSCALL;
	if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_OK)
		return WORKER_OK;
	if (quiet)
		return WORKER_BAD_DATA;
	if (WIFEXITED(status)) {
		report(l->sh, "lane %d: %s %d exited %d (%s)", l->id, what,
		       pid, WEXITSTATUS(status),
		       worker_exit_name(WEXITSTATUS(status)));
		return WEXITSTATUS(status);
	}
	report(l->sh, "lane %d: %s %d killed by signal %d (%s)", l->id, what,
	       pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
	return WORKER_BAD_DATA;
}

/*
 * A sleeper: pagemap, then keep only the VMA and wait for SIGUSR1 (blocked
 * since the lane set up, so it stays pending until sigwait() takes it).
 */
static void sleeper_main(struct lane *l)
{
	sigset_t usr1;
	long seen;
	int ret = scan_entries(l, 0, "sleeper", &seen), sig;

	count(&l->sh->entries, seen);
	count(&l->sh->seen_by_child, seen);
	if (!follow_lane(l))
		child_exit(WORKER_SYSCALL);
	if (ret)
		child_exit(ret);
	/*
	 * The VMA is what every rmap walk of the parent's pages visits; the
	 * pages themselves would only cost memory.
	 */
	madvise(l->region, l->len, MADV_DONTNEED);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	child_exit(sigwait(&usr1, &sig) ? WORKER_SYSCALL : WORKER_OK);
}

static pid_t sleeper_fork(struct lane *l)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid)
		sleeper_main(l);
	if (pid > 0)
		count(&l->sh->forks, 1);
	return pid;
}

/* Wakes and reaps sleeper @i; a sleeper that did not exit 0 failed. */
static int sleeper_retire(struct lane *l, int i)
{
	int ret;

	if (l->sleeper[i] <= 0)
		return 0;
	kill(l->sleeper[i], SIGUSR1);
	ret = reap(l, l->sleeper[i], "sleeper", false);
	l->sleeper[i] = 0;
	return ret;
}

/*
 * Replaces the oldest sleepers: their exits unlink VMAs from the anon_vma
 * and the new ones link theirs while pages of it are under migration.
 */
static int sleepers_recycle(struct lane *l, int n)
{
	int ret = 0, i;

	while (n-- > 0 && l->nr_sleepers && !ret) {
		i = l->next_retire;
		l->next_retire = (i + 1) % l->nr_sleepers;
		ret = sleeper_retire(l, i);
		l->sleeper[i] = sleeper_fork(l);
		if (l->sleeper[i] < 0)
			ret = WORKER_SYSCALL;
		count(&l->sh->sleepers_recycled, 1);
	}
	return ret;
}

static int sleepers_stop(struct lane *l)
{
	int i, ret = 0;

	for (i = 0; i < l->nr_sleepers; i++)
		if (l->sleeper[i] > 0)
			kill(l->sleeper[i], SIGUSR1);
	for (i = 0; i < l->nr_sleepers; i++)
		ret = sleeper_retire(l, i) ?: ret;
	return ret;
}

static char *region_map(const struct fork_cow_opts *o, size_t len,
			size_t huge)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	char *p, *aligned;

	if (o->memory == FORK_COW_HUGETLB) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 flags | MAP_HUGETLB, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	if (o->memory == FORK_COW_BASE) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		madvise(p, len, MADV_NOHUGEPAGE);	/* EINVAL without THP */
		return p;
	}
	/* THP: PMD-aligned, so that every huge page can be PMD-mapped. */
	p = mmap(NULL, len + huge, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	aligned = (char *)(((unsigned long)p + huge - 1) & ~(huge - 1));
	if (aligned > p)
		munmap(p, aligned - p);
	munmap(aligned + len, p + huge - aligned);
	if (madvise(aligned, len, MADV_HUGEPAGE)) {
		munmap(aligned, len);
		return NULL;
	}
	return aligned;
}

/* Bytes of lead-in that put a storm region of @len at a page table's end. */
static size_t storm_lead(size_t len)
{
	return (STORM_SPAN_BYTES - len % STORM_SPAN_BYTES) % STORM_SPAN_BYTES;
}

/*
 * A storm lane's region of base pages ends a page table, behind a lead-in
 * of populated pages in the same VMA that nobody migrates: fork copies the
 * lead-in first, under the parent's page table lock, which gives a walk
 * that starts as anon_vma_fork() returns the time to pass the child
 * before fork copies a migration entry of the region into it.
 */
static char *storm_region_map(size_t len)
{
	size_t lead = storm_lead(len), span = lead + len, psz = getpagesize();
	size_t i, map = span + STORM_SPAN_BYTES;
	char *p, *aligned;

	p = mmap(NULL, map, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	aligned = (char *)(((unsigned long)p + STORM_SPAN_BYTES - 1) &
			   ~(STORM_SPAN_BYTES - 1));
	if (aligned > p)
		munmap(p, aligned - p);
	munmap(aligned + span, p + map - aligned - span);
	madvise(aligned, span, MADV_NOHUGEPAGE);	/* EINVAL without THP */
	for (i = 0; i < lead; i += psz)
		aligned[i] = 1;
	return aligned + lead;
}

/* Whether every PMD of the region maps a THP (kpageflags THP, head). */
static bool region_is_thp(const char *region, size_t len, size_t huge,
			  int kpf_fd)
{
	int fd = pagemap_open(0);
	uint64_t pfn, flags;
	size_t off;
	bool ok = fd >= 0;

	for (off = 0; ok && off < len; off += huge) {
		pfn = pagemap_pfn_of(fd, (unsigned long)region + off);
		ok = pfn && !(pfn & (huge / getpagesize() - 1)) &&
		     !kpageflags_read(kpf_fd, pfn, &flags) &&
		     kpf(flags, KPF_THP) && kpf(flags, KPF_COMPOUND_HEAD);
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * THP flavour: COW splits the PMDs of a region forked over, so every
 * generation maps fresh THPs and checks that they are THPs.  A region
 * that is not is replaced a few times, then used as it is (and counted).
 */
static int lane_fresh_thp(struct lane *l, uint32_t gen)
{
	int tries;

	for (tries = 0; tries < THP_TRIES; tries++) {
		l->region = region_map(l->o, l->len, l->huge);
		if (!l->region) {
			report(l->sh, "lane %d: mmap: %s", l->id,
			       strerror(errno));
			return WORKER_SYSCALL;
		}
		fill(l, l->region, parent_tag(l), gen);
		targets_set(l->env->targets, l->slot, l->pid, l->region,
			    l->len);
		if (region_is_thp(l->region, l->len, l->huge, l->kpf_fd)) {
			count(&l->sh->thp_regions, 1);
			return 0;
		}
		count(&l->sh->thp_misses, 1);
		if (tries + 1 < THP_TRIES)
			munmap(l->region, l->len);
	}
	return 0;
}

/* Whether the lane's pagemap in @pm shows a migration entry. */
static bool lane_sees_entry(const struct lane *l, const uint64_t *pm)
{
	size_t n = l->len / l->psz, i;

	for (i = 0; i < n; i++)
		if (classify(l, pm[i]) >= 0)
			return true;
	return false;
}

/* Whether the migrator runs on this lane's CPU, where a lane can hold it. */
static bool migrator_shared(const struct lane *l)
{
	return l->migrator_cpu == l->cpu;
}

/*
 * Holds a migration the lane caught in flight open: on the CPU the lanes
 * share with it, the migrator gives way at the cond_resched() between
 * unmapping a folio and moving it (between the two loops of
 * migrate_pages_batch(), between the folios of a batch, between the base
 * pages of a huge page's copy), which is how the lane gets to see its
 * entry at all.  Made SCHED_IDLE while a lane holds it, the migrator
 * stays parked there, its entries in place, until the lane's fork, its
 * child's look and the burst are done; at normal priority it took the
 * CPU back within the lane's fork and finished the move first.  Making
 * the holding lane SCHED_FIFO as well held longer bursts but left some
 * soft offline cases without a single entry in 9 s (2 of 30 case runs,
 * two-node TCG VM, 2026-12-05, cause not found), where SCHED_IDLE alone
 * passed 20 of 20.  Lanes count their holds, so the last one to let go
 * restores the migrator's policy.
 */
static void hold_migration(struct lane *l, bool hold)
{
	struct sched_param normal = { 0 };
	pid_t pid = l->sh->migrator;

	if (pid <= 0 || !migrator_shared(l))
		return;
	if (hold && __atomic_fetch_add(&l->sh->holders, 1, __ATOMIC_ACQ_REL) == 0)
		sched_setscheduler(pid, SCHED_IDLE, &normal);
	if (!hold && __atomic_sub_fetch(&l->sh->holders, 1, __ATOMIC_ACQ_REL) == 0)
		sched_setscheduler(pid, SCHED_OTHER, &normal);
}

/*
 * Aims the next fork at a migration in flight: polls the region's own
 * pagemap until a page shows a migration entry, for at most the
 * migrator's round in progress and one more (compaction reaches fresh
 * pages once a round, if at all), and AIM_MS.  A soft offline round takes
 * a few random pages only: that trigger gets AIM_MS.  Between reads it
 * sleeps, which lets a migrator on the same CPU run, and the wake-up
 * preempts it mid-batch.  l->pre keeps the last read.  Returns whether it
 * saw an entry.
 */
static bool lane_aim(struct lane *l)
{
	size_t n = l->len / l->psz;
	double end = now_seconds() + AIM_MS / 1000.0;
	long round = __atomic_load_n(&l->env->stats->rounds, __ATOMIC_RELAXED);

	do {
		if (pagemap_read(l->pm_fd, (unsigned long)l->region, n,
				 l->pre))
			return false;
		if (lane_sees_entry(l, l->pre))
			return true;
		usleep(AIM_POLL_US);
	} while (now_seconds() < end && !stop_requested(l->env->stop) &&
		 (!l->aim_by_rounds ||
		  __atomic_load_n(&l->env->stats->rounds, __ATOMIC_RELAXED) <
		  round + 2));
	return false;
}

/* Swap offset of a swap pagemap entry: the source PFN of a migration. */
static uint64_t swap_offset(uint64_t e)
{
	return pm_pfn(e) >> 5;
}

/*
 * The parent's side of fix (a).  A page that showed a write or
 * read-exclusive migration entry before fork and still shows an entry of
 * that same migration (same source PFN) afterwards had it copied by fork,
 * which must have made it a read entry.  Counts those copies; returns
 * WORKER_BAD_ENTRY when fork left the entry writable or exclusive.
 */
static int lane_check_copied(struct lane *l)
{
	size_t n = l->len / l->psz, step = l->huge ? l->huge / l->psz : 1, i;
	int before, after;

	if (!l->types_known ||
	    pagemap_read(l->pm_fd, (unsigned long)l->region, n, l->post))
		return 0;
	for (i = 0; i < n; i++) {
		before = classify(l, l->pre[i]);
		if (before != MIGRATION_WRITE &&
		    before != MIGRATION_READ_EXCLUSIVE)
			continue;
		after = classify(l, l->post[i]);
		if (after < 0 || swap_offset(l->post[i]) != swap_offset(l->pre[i]))
			continue;	/* that migration ended before the copy */
		if (after == MIGRATION_READ) {
			if (i % step == 0)
				count(&l->sh->copied[before], 1);
			continue;
		}
		report(l->sh,
		       "lane %d generation %u: fork left the parent's %s migration entry at page %zu as it was (pagemap %#llx)",
		       l->id, l->gen, migration_entry_name(after), i,
		       (unsigned long long)l->post[i]);
		return WORKER_BAD_ENTRY;
	}
	return 0;
}

/*
 * The first word of every page, against (tag, gen): it faults in every
 * page still under migration.  A bad word gets the full check, which
 * reports it.
 */
static int verify_first_words(const struct lane *l, const char *who,
			      uint32_t tag, uint32_t gen)
{
	size_t i, n = l->len / l->psz;
	const uint64_t *w;

	for (i = 0; i < n; i++) {
		w = (const uint64_t *)(l->region + i * l->psz);
		if (*w != pattern_word(tag, i, gen, 0))
			return verify(l, l->region, who, tag, gen,
				      child_tag(l), gen - 1);
	}
	return WORKER_OK;
}

/*
 * A storm child: its pagemap first, while the migration that fork met is
 * still in flight, then, when it is to @look, every page (a burst child
 * only exits, which zaps what fork copied).  A migration entry that a
 * walk of remove_migration_ptes() passed before fork copied it stays here
 * (fix (b) lost): reading the pagemap, faulting on it or exiting over it
 * is the kernel's BUG on a migration entry of an unlocked folio.
 */
static void storm_child_main(struct lane *l, long *seen_by_kind, bool look)
{
	long seen;
	int ret = scan_entries(l, 0, "storm child", &seen);

	count(&l->sh->entries, seen);
	count(&l->sh->seen_by_child, seen);
	count(seen_by_kind, seen);
	if (!look)
		child_exit(ret);
	if (!follow_lane(l))
		child_exit(WORKER_SYSCALL);
	if (!ret)
		ret = verify_first_words(l, "storm child", parent_tag(l),
					 l->gen);
	child_exit(ret);
}

/*
 * Forks storm children one after the other for FORK_COW_STORM_MS over the
 * region as the lane just wrote it, reaping each before the next.  Each
 * fork is aimed like the generation's (lane_aim()): a fork while none of
 * the region is under migration meets no walk of its folios, and while a
 * batch is in flight the aim returns at its first look, so the lane forks
 * as fast as the CPU allows for as long as the batch lasts.
 */
/*
 * Forks one short-lived child (storm_child_main()), counts it in @forks
 * and what it saw in @seen, and reaps it; its exit code, or
 * WORKER_SYSCALL.
 */
static int short_fork(struct lane *l, long *forks, long *seen, bool look)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return WORKER_SYSCALL;
	if (!pid)
		storm_child_main(l, seen, look);
	count(&l->sh->forks, 1);
	count(forks, 1);
	return reap(l, pid, look ? "storm child" : "burst child", false);
}

static int lane_storm(struct lane *l)
{
	double end = now_seconds() + FORK_COW_STORM_MS / 1000.0;
	int ret = 0;

	while (!ret && now_seconds() < end && !stop_requested(l->env->stop)) {
		if (lane_aim(l))
			count(&l->sh->aimed, 1);
		ret = short_fork(l, &l->sh->storm_forks, &l->sh->storm_seen,
				 true);
	}
	return ret;
}

/*
 * More forks per migration: while the lane's own pagemap still shows an
 * entry after the generation's fork (l->post, read by
 * lane_check_copied()), it forks storm children back to back, each of
 * which copies the entry again and reads its pagemap at once.  A
 * migration seen once is then met by several forks instead of one, which
 * is what makes triggers with short windows (soft offline moves one page
 * a call, compaction rarely reaches the lanes' pages, a huge page is one
 * entry) reach their window with margin.  Burst children only read their
 * pagemap and exit (zapping what fork copied): a child that touched a
 * page under migration would sleep on it, and the idle CPU would let the
 * held migrator finish.  The generation children check the data.
 * Bounded by BURST_FORKS and BURST_MS.  Only where the migrator shares
 * the lanes' CPU: on a CPU of its own nothing holds its migrations.
 */
static int lane_burst(struct lane *l)
{
	double end = now_seconds() + BURST_MS / 1000.0;
	size_t n = l->len / l->psz;
	int ret = 0, i;

	for (i = 0; !ret && i < BURST_FORKS && now_seconds() < end; i++) {
		if (!lane_sees_entry(l, l->post))
			break;
		ret = short_fork(l, &l->sh->burst_forks, &l->sh->burst_seen,
				 false);
		if (!ret && pagemap_read(l->pm_fd, (unsigned long)l->region,
					 n, l->post))
			ret = WORKER_SYSCALL;
	}
	return ret;
}

static void kid_close(struct kid *k)
{
	close(k->up);
	close(k->down);
	memset(k, 0, sizeof(*k));
}

/* Forks generation child l->gen over l->region; 0 or WORKER_SYSCALL. */
static int kid_fork(struct lane *l, struct kid *k)
{
	int up[2], down[2];
	pid_t pid;

	if (pipe(up))
		return WORKER_SYSCALL;
	if (pipe(down)) {
		close(up[0]);
		close(up[1]);
		return WORKER_SYSCALL;
	}
	fflush(stdout);
	pid = fork();
	if (!pid) {
		close(up[0]);
		close(down[1]);
		child_main(l, up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);
	k->pid = pid;
	k->up = up[0];
	k->down = down[1];
	k->gen = l->gen;
	k->region = l->region;
	if (pid < 0) {
		kid_close(k);
		return WORKER_SYSCALL;
	}
	count(&l->sh->forks, 1);
	return 0;
}

/*
 * A child that stopped answering: kill it (a child that exited already
 * keeps its status) and report what became of it.
 */
static int kid_failed(struct lane *l, struct kid *k)
{
	int ret;

	kill(k->pid, SIGKILL);
	ret = reap(l, k->pid, "child", false);
	if (!ret) {
		report(l->sh, "lane %d: child %d stopped answering", l->id,
		       k->pid);
		ret = WORKER_SYSCALL;
	}
	kid_close(k);
	return ret;
}

/* Lets child @k do its last check and reaps it. */
static int kid_finish(struct lane *l, struct kid *k)
{
	int ret;

	if (send_byte(k->down))
		return kid_failed(l, k);
	ret = reap(l, k->pid, "child", false);
	kid_close(k);
	return ret;
}

/*
 * The parent's write of generation @gen into every region a live child
 * forked over: it COWs the pages the previous child shares, which gives
 * the parent fresh pages for the next fork, and it is the write the
 * children check never reaches them.  THP regions of finished children
 * go.
 */
static void lane_write(struct lane *l, struct kid *prev, struct kid *old,
		       uint32_t gen)
{
	if (l->o->memory != FORK_COW_THP) {
		fill(l, l->region, parent_tag(l), gen);
		return;
	}
	if (old->pid) {
		fill(l, old->region, parent_tag(l), gen);
		munmap(old->region, l->len);
	}
	if (prev->pid)
		fill(l, prev->region, parent_tag(l), gen);
}

/*
 * Fork child l->gen where migration entries are most likely: right after
 * the write that gave the parent fresh pages, once the lane sees one of
 * them under migration.
 */
static int lane_fork(struct lane *l, struct kid *cur)
{
	bool aimed, held_storm;
	int ret = 0;

	if (l->o->memory == FORK_COW_THP)
		ret = lane_fresh_thp(l, l->gen);
	if (!ret && l->o->read_only &&
	    mprotect(l->region, l->len, PROT_READ))
		ret = WORKER_SYSCALL;
	if (ret)
		return ret;
	aimed = lane_aim(l);
	if (aimed) {
		count(&l->sh->aimed, 1);
		hold_migration(l, true);
	}
	ret = kid_fork(l, cur);
	/* Look before the migrator can take its entries back. */
	if (!ret) {
		ret = scan_entries(l, cur->pid, "child", &cur->seen);
		count(&l->sh->seen_by_parent, cur->seen);
	}
	if (!ret)
		ret = lane_check_copied(l);
	/* On the migrator's CPU a storm runs inside the held migration. */
	held_storm = l->o->storm && aimed && migrator_shared(l);
	if (!ret && migrator_shared(l) && l->types_known)
		ret = lane_burst(l);
	if (!ret && held_storm)
		ret = lane_storm(l);
	if (aimed)
		hold_migration(l, false);
	if (!ret && l->o->read_only &&
	    mprotect(l->region, l->len, PROT_READ | PROT_WRITE))
		ret = WORKER_SYSCALL;
	if (!ret)
		ret = sleepers_recycle(l, RECYCLE_PER_GEN);
	if (!ret && l->o->storm && !held_storm)
		ret = lane_storm(l);
	return ret;
}

/*
 * One generation k of the pipeline.  Children k - 2 and k - 1 are alive;
 * the parent writes (P, k), forks child k (unless draining), lets child
 * k - 2 do its last check, and has child k - 1 check its snapshot, write
 * (C, k - 1) and checks that the write did not reach the parent.
 */
static int lane_step(struct lane *l, bool fork_new)
{
	struct kid *cur = &l->kid[l->gen % 3];
	struct kid *prev = &l->kid[(l->gen + 2) % 3];
	struct kid *old = &l->kid[(l->gen + 1) % 3];
	uint32_t pt = parent_tag(l), k = l->gen;
	int ret = 0;
	long seen;

	lane_write(l, prev, old, k);
	if (fork_new)
		ret = lane_fork(l, cur);
	if (!ret && old->pid)
		ret = kid_finish(l, old);
	if (!ret && prev->pid) {
		if (send_byte(prev->down) || wait_byte(prev->up))
			return kid_failed(l, prev);
		ret = verify(l, prev->region, "parent", pt, k,
			     child_tag(l), k - 1);
	}
	if (!ret && cur->pid) {
		if (wait_byte(cur->up))
			return kid_failed(l, cur);
		seen = l->sh->child_seen[l->id];
		count(&l->sh->entries, seen > cur->seen ? seen : cur->seen);
	}
	if (!ret && fork_new)
		count(&l->sh->generations, 1);
	l->gen++;
	return ret;
}

/* After a failure: the children's checks no longer matter. */
static void lane_abort(struct lane *l)
{
	int i;

	for (i = 0; i < 3; i++)
		if (l->kid[i].pid > 0) {
			kill(l->kid[i].pid, SIGKILL);
			reap(l, l->kid[i].pid, "child", true);
			kid_close(&l->kid[i]);
		}
}

static int lane_setup(struct lane *l)
{
	sigset_t usr1;
	int i;

	/* Sleepers inherit the blocked SIGUSR1 and wait for it. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a dead child fails its handshake */
	l->pid = getpid();
	l->pm = calloc(l->len / l->psz, sizeof(*l->pm));
	l->pre = calloc(l->len / l->psz, sizeof(*l->pre));
	l->post = calloc(l->len / l->psz, sizeof(*l->post));
	l->sleeper = calloc(l->nr_sleepers + 1, sizeof(*l->sleeper));
	l->pm_fd = pagemap_open(0);
	l->kpf_fd = kpageflags_open();
	if (l->o->storm && l->o->memory == FORK_COW_BASE)
		l->region = storm_region_map(l->len);
	else
		l->region = region_map(l->o, l->len, l->huge);
	if (!l->pm || !l->pre || !l->post || !l->sleeper || !l->region ||
	    l->pm_fd < 0) {
		report(l->sh, "lane %d: set-up: %s", l->id, strerror(errno));
		return WORKER_SYSCALL;
	}
	fill(l, l->region, parent_tag(l), 0);
	l->slot = targets_add(l->env->targets, l->pid, l->region, l->len);
	if (l->slot < 0) {
		report(l->sh, "lane %d: no free target slot", l->id);
		return WORKER_SYSCALL;
	}
	for (i = 0; i < l->nr_sleepers; i++) {
		l->sleeper[i] = sleeper_fork(l);
		if (l->sleeper[i] < 0)
			return WORKER_SYSCALL;
	}
	/* THP: lane_fresh_thp() maps the regions children fork over. */
	if (l->o->memory == FORK_COW_THP)
		munmap(l->region, l->len);
	return 0;
}

static bool lane_wait_go(struct lane *l)
{
	double t0 = now_seconds();

	while (!__atomic_load_n(&l->sh->go, __ATOMIC_ACQUIRE)) {
		if (stop_requested(l->env->stop) ||
		    now_seconds() - t0 > READY_SECONDS)
			return false;
		usleep(1000);
	}
	return true;
}

static void pin_to_cpu(pid_t pid, int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(pid, sizeof(set), &set);
}

static int lane_main(struct lane *l)
{
	int ret, i;

	pin_to_cpu(0, l->cpu);
	ret = lane_setup(l);
	__atomic_fetch_add(&l->sh->ready, 1, __ATOMIC_RELEASE);
	if (!ret && lane_wait_go(l))
		while (!ret && !stop_requested(l->env->stop))
			ret = lane_step(l, true);
	/* Two more steps take the last children through their checks. */
	for (i = 0; i < 2 && !ret; i++)
		ret = lane_step(l, false);
	if (ret) {
		lane_abort(l);
		stop_request(l->env->stop);	/* end the case early */
	}
	if (l->sleeper)
		ret = sleepers_stop(l) ?: ret;
	if (l->slot >= 0)
		targets_remove(l->env->targets, l->slot);
	return ret;
}

static int skip(struct fork_cow_result *res, const char *why)
{
	snprintf(res->error, sizeof(res->error), "%s", why);
	return 1;
}

static bool knob_says_never(const char *path)
{
	char buf[128];

	return !knob_read(path, buf, sizeof(buf)) && strstr(buf, "[never]");
}

/* SKIP reason when THPs cannot be had here; probes one region. */
static int thp_probe(const struct fork_cow_opts *o, size_t huge,
		     struct fork_cow_result *res)
{
	char path[128];
	char *p;
	int kpf_fd;
	bool ok;

	if (access(THP_ENABLED, R_OK) || knob_says_never(THP_ENABLED))
		return skip(res, "THP not available (CONFIG_TRANSPARENT_HUGEPAGE, enabled=never)");
	snprintf(path, sizeof(path), THP_PMD_ENABLED, huge >> 10);
	if (knob_says_never(path))
		return skip(res, "PMD-sized THPs are disabled (hugepages-*kB/enabled=never)");
	kpf_fd = kpageflags_open();
	if (kpf_fd < 0)
		return skip(res, "/proc/kpageflags not readable: THPs cannot be verified");
	p = region_map(o, huge, huge);
	if (p)
		memset(p, 1, huge);
	ok = p && region_is_thp(p, huge, huge, kpf_fd);
	if (p)
		munmap(p, huge);
	close(kpf_fd);
	return ok ? 0 : skip(res, "no THP could be had for a MADV_HUGEPAGE region");
}

static const char *hugetlb_path(size_t huge, const char *file)
{
	static char path[128];

	snprintf(path, sizeof(path), HUGETLB_DIR, huge >> 10, file);
	return path;
}

/* A count of the hugetlb pool, or -1. */
static long hugetlb_read(size_t huge, const char *file)
{
	char buf[32];

	if (knob_read(hugetlb_path(huge, file), buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

/*
 * Makes sure @need huge pages are free, raising nr_hugepages when they are
 * not, and lets the pool grow by as many surplus pages: soft offline
 * dissolves every hugetlb page it migrates away from, so the pool shrinks
 * while the case runs, and a child whose COW finds no huge page is killed
 * (SIGBUS).  Both knobs are restored by the undo log.  1 with the SKIP
 * reason when the kernel cannot give them.
 */
static int hugetlb_reserve(size_t huge, long need,
			   struct fork_cow_result *res)
{
	long nr = hugetlb_read(huge, "nr_hugepages");
	long free = hugetlb_read(huge, "free_hugepages");
	long resv = hugetlb_read(huge, "resv_hugepages");
	long over = hugetlb_read(huge, "nr_overcommit_hugepages");
	long avail = free - resv;

	if (nr < 0 || free < 0 || resv < 0 || over < 0)
		return skip(res, "no hugetlb pool (CONFIG_HUGETLBFS)");
	/*
	 * Soft offline dissolves every hugetlb page it migrates away from,
	 * and unpoisoning gives the frame back as a base page, not to the
	 * pool.
	 */
	if (hugetlb_pools_save())
		return skip(res, "cannot save the hugetlb pool in the undo log");
	if (knob_set_long(hugetlb_path(huge, "nr_overcommit_hugepages"),
			  over + need))
		return skip(res, "cannot raise nr_overcommit_hugepages");
	if (avail >= need)
		return 0;
	if (knob_set_long(hugetlb_path(huge, "nr_hugepages"),
			  nr + need - avail))
		return skip(res, "cannot raise nr_hugepages");
	avail = hugetlb_read(huge, "free_hugepages") -
		hugetlb_read(huge, "resv_hugepages");
	if (avail < need) {
		snprintf(res->error, sizeof(res->error),
			 "only %ld of %ld huge pages could be had", avail,
			 need);
		return 1;
	}
	return 0;
}

/*
 * Why @t can never put this memory kind under migration, or NULL.
 * Compaction isolates neither hugetlb folios nor folios of pageblock order
 * or more (isolate_migratepages_block(): only alloc_contig_range() takes
 * them), and soft offline splits a THP before it migrates the page
 * (soft_offline_in_use_page()).  move_pages and memory offline move both.
 */
static const char *trigger_cannot_reach(const struct trigger *t,
					enum fork_cow_memory m)
{
	if (m == FORK_COW_THP && (t->flags & TRIGGER_SPLITS_THP))
		return SOFT_OFFLINE_THP_SKIP;
	if (m == FORK_COW_THP && !(t->flags & TRIGGER_MOVES_THP))
		return "compaction never migrates PMD-sized THPs (isolate_migratepages_block)";
	if (m == FORK_COW_HUGETLB && !(t->flags & TRIGGER_MOVES_HUGETLB))
		return "compaction never migrates hugetlb pages (isolate_migratepages_block)";
	return NULL;
}

static size_t read_pmd_size(void)
{
	char buf[32];

	if (knob_read(THP_PMD_SIZE, buf, sizeof(buf)))
		return 0;
	return strtoul(buf, NULL, 10);
}

/* Region size, lane count and sleepers within the memory budget. */
static int size_lanes(const struct fork_cow_opts *o, struct lane *proto,
		      int *lanes, struct fork_cow_result *res)
{
	long avail_kb = meminfo_kb("MemAvailable");
	unsigned long budget = BUDGET_CAP, per_lane;

	if (avail_kb > 0 && avail_kb * 1024UL / 16 < budget)
		budget = avail_kb * 1024UL / 16;
	*lanes = o->lanes > 0 ? o->lanes : FORK_COW_LANES;
	proto->psz = getpagesize();
	if (o->memory == FORK_COW_THP)
		proto->huge = read_pmd_size();
	else if (o->memory == FORK_COW_HUGETLB)
		proto->huge = meminfo_kb("Hugepagesize") * 1024UL;
	if (o->memory != FORK_COW_BASE && proto->huge < proto->psz * 2)
		return skip(res, "huge page size unknown");
	proto->len = o->region_bytes ? o->region_bytes :
		     proto->huge ? HUGE_PER_LANE * proto->huge :
		     BASE_REGION_BYTES;
	proto->len -= proto->len % (proto->huge ?: proto->psz);
	/*
	 * Live copies: parent, two children that wrote and the parent's COW
	 * copy; THP lanes keep the two older regions mapped too.
	 */
	per_lane = (o->memory == FORK_COW_THP ? 5 : 3) * proto->len;
	if (o->storm && o->memory == FORK_COW_BASE)
		per_lane += storm_lead(proto->len);	/* never copied */
	if (!proto->len || per_lane * *lanes > budget)
		return skip(res, "not enough available memory for the regions");
	/* As many sleepers as asked for, or as the budget allows. */
	proto->nr_sleepers = (budget - per_lane * *lanes) / SLEEPER_BYTES /
			     *lanes;
	if (proto->nr_sleepers > o->sleepers)
		proto->nr_sleepers = o->sleepers;
	if (o->sleepers && proto->nr_sleepers < FORK_COW_SLEEPERS_MIN)
		return skip(res, "not enough available memory for the sleepers");
	res->sleepers = proto->nr_sleepers;
	return 0;
}

static int fork_lanes(struct race_env *env, struct lane *proto, pid_t *pids,
		      int lanes)
{
	int i;

	for (i = 0; i < lanes; i++) {
		fflush(stdout);
		pids[i] = worker_fork();
		if (pids[i] < 0)
			return -1;
		if (!pids[i]) {
			proto->id = i;
			proto->slot = -1;
			_exit(lane_main(proto));
		}
	}
	return 0;
}

static bool wait_ready(struct fork_cow_shared *sh, int lanes, bool *stop)
{
	double t0 = now_seconds();

	while (__atomic_load_n(&sh->ready, __ATOMIC_ACQUIRE) < lanes) {
		if (stop_requested(stop) || now_seconds() - t0 > READY_SECONDS)
			return false;
		usleep(1000);
	}
	return true;
}

static void collect(const struct fork_cow_shared *sh,
		    struct fork_cow_result *res)
{
	res->generations = sh->generations;
	res->forks = sh->forks;
	res->entries = sh->entries;
	memcpy(res->kind, sh->kind, sizeof(res->kind));
	res->sleepers_recycled = sh->sleepers_recycled;
	res->storm_forks = sh->storm_forks;
	res->storm_seen = sh->storm_seen;
	res->burst_forks = sh->burst_forks;
	res->burst_seen = sh->burst_seen;
	res->thp_regions = sh->thp_regions;
	res->thp_misses = sh->thp_misses;
	res->aimed = sh->aimed;
	memcpy(res->copied, sh->copied, sizeof(res->copied));
	res->seen_by_child = sh->seen_by_child;
	res->seen_by_parent = sh->seen_by_parent;
	if (sh->error_taken && !res->error[0])
		memcpy(res->error, sh->error, sizeof(res->error));
}

/* The @nth CPU this process may run on, or -1. */
static int allowed_cpu(int nth)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set) && !nth--)
			return cpu;
	return -1;
}

/*
 * The CPU lanes, their children and the migrator share.  On one CPU the
 * migrator gives way at the cond_resched() between the folios of a batch
 * (migrate_pages_batch()), so the lane forks and its child reads its
 * pagemap while the rest of the batch is still unmapped; on a CPU of its
 * own the migrator ends a batch within microseconds.  It also makes the
 * freshly freed pages of the migration the ones the lane's next COW
 * allocates (per-CPU page lists), which compaction then moves again.
 */
static int shared_cpu(void)
{
	return allowed_cpu(0);
}

/*
 * A fork storm wants the opposite: the walk that races a fork must run
 * while the fork copies, which on one CPU it does only when preempted in
 * the middle (the copy yields to the woken walker, which then finishes
 * its walk before the copy goes on).  On a CPU of its own the migrator is
 * granted the anon_vma lock the moment anon_vma_fork() drops it and walks
 * while the forking lane copies the page table.  The lanes keep the first
 * CPU.  Measured with the anon_vma walk order mutant in the two-node VM:
 * one kill in five runs on one CPU, five in five with the migrator apart.
 * That takes a trigger that hands the kernel the lanes' own pages, in long
 * batches (move_pages, memory offline).  The others stay on the lanes'
 * CPU, where a lane holds the migration it caught (hold_migration()) for
 * its fork, burst and storm: on a CPU of its own soft offline's
 * single-page migrations end within microseconds (storms met 3 to 5 in
 * 3 s), and compaction, whose freed pages then fill the other CPU's
 * lists, met the lanes' pages in no storm case within 3 s in 4 of 6 runs.
 */
static int migrator_cpu(const struct fork_cow_opts *o,
			const struct trigger *t, int lane_cpu)
{
	bool apart = (t->flags & TRIGGER_ALL_TARGETS) &&
		     !(t->flags & TRIGGER_SCANS_ZONES) && !t->budget_pages;
	int cpu = o->storm && apart ? allowed_cpu(1) : -1;

	return cpu >= 0 ? cpu : lane_cpu;
}

/*
 * A case whose children saw no migration entry yet runs on, up to
 * EXTEND_FACTOR times its duration: on a busy machine the migrator may
 * make no progress for a few seconds (measured: no page migrated in 3 s,
 * once in 48 cases).  It fails all the same if the window stays closed.
 */
static bool window_still_closed(struct race_env *env,
				struct fork_cow_shared *sh)
{
	return !__atomic_load_n(&sh->entries, __ATOMIC_RELAXED) &&
	       !stop_requested(env->stop) &&
	       now_seconds() - env->t_start < EXTEND_FACTOR * race_duration();
}

/* A lane reports its own failures; only a killed lane is news here. */
static int reap_lane(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status) ? -1 : 0;
	ksft_print_msg("fork_cow lane %d killed by signal %d (%s)\n", pid,
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	return -1;
}

/*
 * Compaction moves a page only while it lies below the point where its
 * migrate and free scanners meet, and fills holes in partly used
 * pageblocks only; on a nearly empty node the lanes' fresh pages may sit
 * where the migrate scanner never gets for a whole case.  So compaction
 * cases hold a "room" of touched anonymous pages, made on the lanes' CPU
 * (and so node), and free them by PFN in thirds (PFN modulo 3): once the
 * lanes are ready, a third into the case and two thirds in.  The lanes'
 * COW pages come out of the holes (per-CPU lists first), among pages
 * compaction moves, and the holes above them are its targets.  As in R1's
 * scenario (lib/scenario_swapcache.c).  Measured in the two-node TCG VM:
 * 48 MiB left a fork storm case without a window once in four runs, 96 MiB
 * none in 24 cases.  The first holes used to be made before the lanes set
 * up, and the sleepers' page tables and stacks (unmovable) filled them:
 * the sleeper cases then reached no window within 3 s in 2 of 4 runs.
 * Lanes do not inherit the room (MADV_DONTFORK).
 */
struct room {
	char *p;
	size_t n, psz;
	uint64_t *pfn;
	unsigned int punched;
};

/* Frees the room's pages whose PFN is the next wave modulo ROOM_WAVES. */
static void room_punch(struct room *r)
{
	unsigned int wave = r->punched++;
	size_t i = 0, j;

	while (i < r->n) {
		if (!r->pfn[i] || r->pfn[i] % ROOM_WAVES != wave) {
			i++;
			continue;
		}
		for (j = i; j < r->n && r->pfn[j] &&
		     r->pfn[j] % ROOM_WAVES == wave;)
			j++;
		madvise(r->p + i * r->psz, (j - i) * r->psz, MADV_DONTNEED);
		i = j;
	}
}

static void room_drop(struct room *r)
{
	if (r->p)
		munmap(r->p, r->n * r->psz);
	free(r->pfn);
	memset(r, 0, sizeof(*r));
}

/* Maps and touches the room on @cpu and learns its PFNs; best effort. */
static void room_make(struct room *r, int cpu)
{
	size_t len = ROOM_BYTES, i;
	cpu_set_t old;
	int fd;

	memset(r, 0, sizeof(*r));
	r->psz = sysconf(_SC_PAGESIZE);
	r->n = len / r->psz;
	r->pfn = calloc(r->n, sizeof(*r->pfn));
	r->p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->p == MAP_FAILED)
		r->p = NULL;
	fd = pagemap_open(0);
	if (!r->p || !r->pfn || fd < 0 ||
	    madvise(r->p, len, MADV_NOHUGEPAGE) ||
	    madvise(r->p, len, MADV_DONTFORK) ||
	    sched_getaffinity(0, sizeof(old), &old)) {
		if (fd >= 0)
			close(fd);
		room_drop(r);
		return;
	}
	pin_to_cpu(0, cpu);
	for (i = 0; i < r->n; i++)
		r->p[i * r->psz] = 1;
	if (pagemap_read(fd, (unsigned long)r->p, r->n, r->pfn))
		memset(r->pfn, 0, r->n * sizeof(*r->pfn));
	for (i = 0; i < r->n; i++)
		r->pfn[i] = pm_present(r->pfn[i]) ? pm_pfn(r->pfn[i]) : 0;
	close(fd);
	sched_setaffinity(0, sizeof(old), &old);
}

/* The next wave of holes, freed on @cpu as the first. */
static void room_wave(struct room *r, int cpu)
{
	cpu_set_t old;

	if (!r->p || r->punched >= ROOM_WAVES ||
	    sched_getaffinity(0, sizeof(old), &old))
		return;
	pin_to_cpu(0, cpu);
	room_punch(r);
	sched_setaffinity(0, sizeof(old), &old);
}

/* Runs the lanes against the migrator; returns 0 or -1 (set-up error). */
static int run_lanes(struct race_env *env, struct lane *proto, int lanes,
		     struct fork_cow_shared *sh, struct fork_cow_result *res)
{
	pid_t pids[FORK_COW_MAX_LANES] = { 0 };
	struct room room = { 0 };
	double wave;
	int i, ret = 0;

	if (lanes > FORK_COW_MAX_LANES)
		lanes = FORK_COW_MAX_LANES;
	if (proto->room)
		room_make(&room, proto->cpu);
	if (fork_lanes(env, proto, pids, lanes) ||
	    !wait_ready(sh, lanes, env->stop) || race_env_start(env, 0)) {
		snprintf(res->error, sizeof(res->error),
			 "lanes or migrator did not start");
		stop_request(env->stop);
		ret = -1;
	} else {
		pin_to_cpu(env->migrator, proto->migrator_cpu);
		sh->migrator = env->migrator;
		room_wave(&room, proto->cpu);
		__atomic_store_n(&sh->go, 1, __ATOMIC_RELEASE);
		wave = now_seconds();
		while (race_time_left(env) || window_still_closed(env, sh)) {
			if (!race_time_left(env))
				race_env_nominal_end(env, sh->entries);
			usleep(10000);
			if (now_seconds() - wave >= race_duration() / ROOM_WAVES) {
				wave = now_seconds();
				room_wave(&room, proto->cpu);
			}
		}
	}
	room_drop(&room);
	if (race_env_stop(env))
		res->failures++;
	for (i = 0; i < lanes; i++)
		if (pids[i] > 0 && reap_lane(pids[i]))
			res->failures++;
	return ret;
}

int fork_cow_run(struct race_env *env, const struct fork_cow_opts *o,
		 struct fork_cow_result *res)
{
	struct fork_cow_shared *sh;
	struct lane proto = { .env = env, .o = o };
	const char *why;
	int lanes, ret;

	memset(res, 0, sizeof(*res));
	res->memory = o->memory;
	res->types_known = migration_types_known();
	if (!res->types_known && swap_active())
		return skip(res,
			    "no kernel config to decode swap types, and swap is active: migration entries cannot be told from swap entries");
	why = trigger_cannot_reach(env->trigger, o->memory);
	if (why)
		return skip(res, why);
	ret = size_lanes(o, &proto, &lanes, res);
	if (!ret && o->memory == FORK_COW_THP)
		ret = thp_probe(o, proto.huge, res);
	if (!ret && o->memory == FORK_COW_HUGETLB)
		ret = hugetlb_reserve(proto.huge,
				      lanes * 3 * (proto.len / proto.huge),
				      res);
	if (ret)
		return ret;
	sh = shared_alloc(sizeof(*sh));
	if (!sh) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		return -1;
	}
	proto.sh = sh;
	proto.types_known = res->types_known;
	proto.cpu = shared_cpu();
	proto.migrator_cpu = migrator_cpu(o, env->trigger, proto.cpu);
	res->storm_split = proto.migrator_cpu != proto.cpu;
	proto.untyped_ok = !res->types_known;
	proto.aim_by_rounds = env->trigger->flags & TRIGGER_ALL_TARGETS;
	proto.room = env->trigger->flags & TRIGGER_SCANS_ZONES;
	ret = run_lanes(env, &proto, lanes, sh, res);
	collect(sh, res);
	munmap(sh, sizeof(*sh));
	return ret;
}

int fork_cow_verdict(struct race_env *env, const struct fork_cow_result *res)
{
	race_window_print(env, res->entries,
			  "migrator_rounds=%ld forks=%ld generations=%ld aimed=%ld copied_write=%ld copied_read_exclusive=%ld seen_by_child=%ld seen_by_parent=%ld pgmigrate_success=%lld seen_read=%ld seen_read_exclusive=%ld seen_write=%ld seen_untyped=%ld sleepers=%d sleepers_recycled=%ld thp_regions=%ld thp_misses=%ld storm_forks=%ld storm_seen=%ld storm_split=%d burst_forks=%ld burst_seen=%ld",
			  env->stats->rounds, res->forks, res->generations,
			  res->aimed, res->copied[MIGRATION_WRITE],
			  res->copied[MIGRATION_READ_EXCLUSIVE],
			  res->seen_by_child, res->seen_by_parent,
			  race_vmstat_delta(env, "pgmigrate_success"),
			  res->kind[MIGRATION_READ],
			  res->kind[MIGRATION_READ_EXCLUSIVE],
			  res->kind[MIGRATION_WRITE],
			  res->kind[MIGRATION_NONE], res->sleepers,
			  res->sleepers_recycled,
			  res->thp_regions, res->thp_misses,
			  res->storm_forks, res->storm_seen, res->storm_split,
			  res->burst_forks, res->burst_seen);
	if (!res->types_known)
		ksft_print_msg("%s\n", TYPES_UNKNOWN_NOTE);
	else if (res->kind[MIGRATION_NONE])
		ksft_print_msg(NO_SWAP_TYPE_FMT,
			       res->kind[MIGRATION_NONE]);
	if (res->failures) {
		ksft_print_msg("%ld processes failed; the first failure: %s\n",
			       res->failures,
			       res->error[0] ? res->error : "(see above)");
		return 1;
	}
	if (res->memory == FORK_COW_THP && !res->thp_regions) {
		ksft_print_msg("no generation forked over THPs: the THP path was not tested\n");
		return 1;
	}
	if (!res->entries) {
		race_window_missed(env, NO_ENTRY_FMT,
				   res->forks,
			       race_vmstat_delta(env, "pgmigrate_success"));
		return 1;
	}
	return 0;
}
