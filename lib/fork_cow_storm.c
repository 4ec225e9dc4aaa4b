// SPDX-License-Identifier: GPL-2.0
/*
 * R3's aimed fork (fork_cow_internal.h): the regions, the fork
 * aimed at a migration in flight and holding it open, and the bursts and
 * storms of short-lived children that meet it again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "procs.h"
#include "fork_cow_internal.h"

/* Aim at most two migrator rounds, and this long (slow TCG guests). */
#define AIM_MS			500
#define AIM_POLL_US		50
#define THP_TRIES		4
/* What one page table maps (x86-64, and most 4 KiB page systems). */
#define STORM_SPAN_BYTES	(2UL << 20)
/*
 * Forks of one burst (lane_burst()), and how long it may go on: a fork
 * takes 2 to 5 ms in a TCG guest, and 20 ms ended bursts after 1 to 7
 * forks; 100 ms gave soft offline cases 25 to 130 entries in 3 s where 20
 * gave 6 to 27 (two-node TCG VM, Debian 6.12.118, 2026-12-06).
 *
 * Soft offline's bursts get longer: a case there aims only a few forks
 * (0 to 6 on the debug kernel), and each burst still had its entry when
 * 100 ms ended it.  The four base-page soft offline cases, five runs each
 * on the debug test kernel (6.12.118, 2026-12-06): minima 0, 24, 30 and
 * 84 entries in 3 s at 100 ms, 64, 72, 96 and 200 at 300 ms.
 */
#define BURST_FORKS		128
#define BURST_MS		100
#define ONE_PAGE_BURST_MS	300
#define PARENT_ENTRY_FMT \
	"lane %d generation %u: fork left the parent's %s migration entry at page %zu as it was (pagemap %#llx)"

/* Bytes of lead-in that put a storm region of @len at a page table's end. */
size_t storm_lead(size_t len)
{
	return (STORM_SPAN_BYTES - len % STORM_SPAN_BYTES) % STORM_SPAN_BYTES;
}

/* @len bytes of private anonymous memory at a multiple of @align. */
static char *map_aligned(size_t len, size_t align)
{
	char *p, *a;

	p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((unsigned long)p + align - 1) & ~(align - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + align - a);
	return a;
}

/*
 * THPs are PMD-aligned, so that every huge page can be PMD-mapped.  A
 * storm region of base pages ends a page table, behind populated pages of
 * its VMA that nobody migrates: fork copies them first, under the parent's
 * page table lock, which gives a walk that starts as anon_vma_fork()
 * returns the time to pass the child before fork copies an entry of the
 * region into it.
 */
char *region_map(const struct fork_cow_opts *o, size_t len, size_t huge)
{
	int hugetlb = o->memory == FORK_COW_HUGETLB ? MAP_HUGETLB : 0;
	size_t lead = storm_lead(len), i;
	char *p;

	if (o->memory == FORK_COW_THP) {
		p = map_aligned(len, huge);
		if (p && madvise(p, len, MADV_HUGEPAGE)) {
			munmap(p, len);
			return NULL;
		}
		return p;
	}
	if (o->memory == FORK_COW_BASE && o->storm) {
		p = map_aligned(lead + len, STORM_SPAN_BYTES);
		if (!p)
			return NULL;
		madvise(p, lead + len, MADV_NOHUGEPAGE);
		for (i = 0; i < lead; i += getpagesize())
			p[i] = 1;
		return p + lead;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | hugetlb, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (!hugetlb)
		madvise(p, len, MADV_NOHUGEPAGE);	/* EINVAL without THP */
	return p;
}

/* Whether every PMD of the region maps a THP (kpageflags THP, head). */
bool region_is_thp(const char *region, size_t len, size_t huge, int kpf_fd)
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
 * COW splits the PMDs of a region forked over: every generation maps fresh
 * THPs, replaced a few times when not THP-mapped, then used (and counted).
 */
static int lane_fresh_thp(struct lane *l)
{
	int tries;

	for (tries = 0; tries < THP_TRIES; tries++) {
		l->region = region_map(l->o, l->len, l->huge);
		if (!l->region) {
			lane_fail(l, "setup", "lane %d: mmap: %s", l->id,
				  strerror(errno));
			return WORKER_SYSCALL;
		}
		fill(l, l->region, parent_tag(l), l->gen);
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

static bool lane_sees_entry(const struct lane *l, const uint64_t *pm)
{
	size_t n = l->len / l->psz, i;

	for (i = 0; i < n; i++)
		if (classify(l, pm[i]) >= 0)
			return true;
	return false;
}

/*
 * Holds a migration the lane caught open.  A migrator on the lanes' CPU
 * gives way at the cond_resched() between unmapping a folio and moving it
 * (migrate_pages_batch()), which is how the lane sees its entry at all;
 * made SCHED_IDLE it stays parked there until the fork, the child's look
 * and the burst are done (at normal priority it finished the move within
 * the fork).  SCHED_IDLE still gets a sliver of the CPU, enough to finish
 * a base page within a burst: the lane itself runs SCHED_FIFO while it
 * holds, so that nothing of the fair class runs while it forks (soft
 * offline bursts went from 1 to 3 forks per hold to 5 to 25, two-node TCG
 * VM, 2026-12-06).  A lane that aims SCHED_FIFO (lane_aim()) is so
 * already.  The last lane to let go restores the migrator.
 */
static void hold_migration(struct lane *l, bool hold)
{
	struct sched_param normal = { 0 };
	pid_t pid = l->sh->migrator;

	if (pid <= 0 || !l->holds)
		return;
	if (hold) {
		sched_realtime(true);
		if (__atomic_fetch_add(&l->sh->holders, 1, __ATOMIC_ACQ_REL) == 0)
			sched_setscheduler(pid, SCHED_IDLE, &normal);
		return;
	}
	if (__atomic_sub_fetch(&l->sh->holders, 1, __ATOMIC_ACQ_REL) == 0)
		sched_setscheduler(pid, SCHED_OTHER, &normal);
	sched_realtime(false);
}

/*
 * Whether a fork now would wait for the migrator to end the migration the
 * lane just saw: parked at a cond_resched() inside the rmap walk that
 * puts pages back (remove_migration_ptes()), it holds the anon_vma lock
 * that the fork's anon_vma_clone() waits for, and that walk puts the
 * lane's page back before fork copies it.  Parked between the folios of a
 * batch, it holds nothing and the fork copies the entry.  Parked in the
 * walk that unmaps (try_to_migrate()), past the lane's page, the fork
 * gets the lock when that walk ends, and the held migrator (SCHED_IDLE
 * under the lane's SCHED_FIFO) does not reach the walk back before the
 * fork is done.  Against soft offline on a shared CPU, 53 aimed forks by
 * where /proc/PID/stack showed the migrator: 34 of 34 parked in
 * migrate_pages_batch() left the entry in the child, 0 of 15 in an rmap
 * walk and 0 of 4 already back in user space (two-node TCG VM, Debian
 * 6.12.118, 2026-12-06).  Passing over only the walk back, the four
 * base-page soft offline cases on the debug test kernel, whose
 * PREEMPT_NONE parks the migrator in walks more often, went from 6 of 40
 * case runs below 10 entries in 3 s (1 to 4) to none of 52 (68 and up).
 * Without a readable stack it aims as before.  Only for a trigger that
 * migrates one page a call: in a batch the walk may be another folio's,
 * after which the fork gets the lock with the lane's entry still in
 * place (passing over such walks, a compact_node fork storm aimed no fork
 * in 6.9 s, 11 passed over).
 */
static bool migrator_in_walk(struct lane *l)
{
	pid_t pid = l->sh->migrator;

	if (!l->holds || !(l->env->trigger->flags & TRIGGER_ONE_PAGE) ||
	    pid <= 0 || task_stack_has(pid, "remove_migration_ptes") != 1)
		return false;
	count(&l->sh->aims_in_walk, 1);
	return true;
}

/* Whether the migrator is moving a page that the region maps (l->pre). */
static bool moving_in_region(const struct lane *l)
{
	uint64_t pfn = __atomic_load_n(&l->env->stats->moving_pfn,
				       __ATOMIC_ACQUIRE);
	size_t n = l->len / l->psz, i;

	for (i = 0; pfn && i < n; i++)
		if (pm_present(l->pre[i]) && pm_pfn(l->pre[i]) == pfn)
			return true;
	return false;
}

static bool aims_realtime(const struct lane *l)
{
	return l->aim_realtime || l->aim_moving;
}

/* How long lane_aim() sleeps between two looks. */
static unsigned int aim_poll_us(const struct lane *l)
{
	if (l->aim_moving && moving_in_region(l))
		return AIM_POLL_US;
	return aims_realtime(l) ? SCHED_REALTIME_POLL_US : AIM_POLL_US;
}

/*
 * Polls the region's pagemap (into l->pre) until a page shows a migration
 * entry that a fork can still copy (migrator_in_walk()), for at most the
 * migrator's round in progress and one more (compaction reaches fresh
 * pages once a round, if at all), and AIM_MS (all a soft offline round
 * of a few random pages gets).  Its sleeps let a migrator on the CPU run,
 * and its wake-ups preempt it mid-batch.
 *
 * A fair-class lane preempts a compacting migrator only once it has run
 * its slice, while compaction moves the lane's pages in a few batches a
 * round: half of the compaction cases met their first entry after their
 * nominal time.  Aiming SCHED_FIFO, every wake-up preempts the migrator
 * at its next cond_resched(); polling every 2 ms leaves it the CPU
 * otherwise (every 50 us it starved it).  Two-node TCG VM, Debian
 * 6.12.118, 2026-12-06, 12 compaction case runs each: 6 below 10 entries
 * within 3 s fair, 6 at 500 us, 2 (both fork storms) at 2 ms.
 *
 * Soft offline moves one page a call, and between its unmap and its move
 * the migrator passes one cond_resched() (migrate_pages_batch()): about
 * 60 us of entry.  There the lane aims SCHED_FIFO too, every 2 ms, and
 * every 50 us while the page the migrator is moving (moving_pfn) is one
 * of the region's: a wake-up in those 60 us parks the migrator with the
 * entry in place, where a fair-class wake-up preempts it only now and
 * then.  Four base-page soft offline cases, two runs each, 3 s (two-node
 * TCG VM, Debian 6.12.118, 2026-12-07): 4 to 13 aimed forks and 224 to
 * 748 entries fair, 10 to 44 and 539 to 1,127 so, the migrator moving 44
 * to 124 pages instead of 156 to 312.
 */
static bool lane_aim(struct lane *l)
{
	bool realtime = aims_realtime(l);
	size_t n = l->len / l->psz;
	double end = now_seconds() + AIM_MS / 1000.0;
	long round = __atomic_load_n(&l->env->stats->rounds, __ATOMIC_RELAXED);
	bool seen = false;

	if (realtime)
		sched_realtime(true);
	do {
		if (pagemap_read(l->pm_fd, (unsigned long)l->region, n,
				 l->pre))
			break;
		seen = lane_sees_entry(l, l->pre) && !migrator_in_walk(l);
		if (seen)
			break;
		usleep(aim_poll_us(l));
	} while (now_seconds() < end && !stop_requested(l->env->stop) &&
		 (!l->aim_by_rounds ||
		  __atomic_load_n(&l->env->stats->rounds, __ATOMIC_RELAXED) <
		  round + 2));
	/* The caller forks SCHED_FIFO, and drops it (hold_migration()). */
	if (realtime && !seen)
		sched_realtime(false);
	return seen;
}

/*
 * The parent's side of fix (a): a page with a write or read-exclusive
 * entry before fork and one of the same migration after it (the swap
 * offset is the source PFN) had it copied, which must have made it a read
 * entry.  Counts those copies; WORKER_BAD_ENTRY when fork left one so.
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
		if (after < 0 || pm_pfn(l->post[i]) >> 5 != pm_pfn(l->pre[i]) >> 5)
			continue;	/* that migration ended before the copy */
		if (after == MIGRATION_READ) {
			if (i % step == 0)
				count(&l->sh->copied[before], 1);
			continue;
		}
		lane_fail(l, "cow_entry", PARENT_ENTRY_FMT, l->id, l->gen,
			  migration_entry_name(after), i,
			  (unsigned long long)l->post[i]);
		return WORKER_BAD_ENTRY;
	}
	return 0;
}

/* A storm or burst child, counted in @forks and @seen; its exit code. */
static int short_fork(struct lane *l, enum extra kind, long *forks,
		      long *seen)
{
	pid_t pid = extra_fork(l, kind, seen);

	if (pid < 0)
		return WORKER_SYSCALL;
	count(forks, 1);
	return reap(l, pid, kind == STORM_CHILD ? "storm child" : "burst child");
}

/*
 * Storm children one after the other for FORK_COW_STORM_MS, each aimed
 * like the generation's fork (a fork while nothing is under migration
 * meets no walk; while a batch is in flight the aim returns at once).
 */
static int lane_storm(struct lane *l)
{
	bool aimed;
	double end = now_seconds() + FORK_COW_STORM_MS / 1000.0;
	int ret = 0;

	while (!ret && now_seconds() < end && !stop_requested(l->env->stop)) {
		aimed = lane_aim(l);
		if (aimed)
			count(&l->sh->aimed, 1);
		ret = short_fork(l, STORM_CHILD, &l->sh->storm_forks,
				 &l->sh->storm_seen);
		if (aimed && aims_realtime(l))
			sched_realtime(false);
	}
	return ret;
}

/*
 * More forks per migration: while the lane's pagemap (l->post) still
 * shows an entry after the generation's fork, children that only read
 * their pagemap and exit, each copying the entry again: the margin of the
 * short windows (soft offline's single pages, compaction's rare visits, a
 * huge page's one entry).  A child touching a page would sleep on it and
 * the idle CPU let the held migrator finish.  Lanes of huge pages apart
 * from the migrator burst too, for as long as the copy keeps the entry.
 */
static int lane_burst(struct lane *l)
{
	bool one_page = l->env->trigger->flags & TRIGGER_ONE_PAGE;
	double end = now_seconds() +
		     (one_page ? ONE_PAGE_BURST_MS : BURST_MS) / 1000.0;
	size_t n = l->len / l->psz;
	int ret = 0, i;

	for (i = 0; !ret && i < BURST_FORKS && now_seconds() < end; i++) {
		if (!lane_sees_entry(l, l->post))
			break;
		ret = short_fork(l, BURST_CHILD, &l->sh->burst_forks,
				 &l->sh->burst_seen);
		if (!ret && pagemap_read(l->pm_fd, (unsigned long)l->region,
					 n, l->post))
			ret = WORKER_SYSCALL;
	}
	return ret;
}

/*
 * Forks child l->gen right after the write that gave the parent fresh
 * pages, once the lane sees one of them under migration, and holds that
 * migration (on a shared CPU) for the child's look and the burst.  The
 * storm comes after the hold: held, its children, which touch the pages,
 * waited for the migrator the hold starves, storms made about one fork a
 * generation (12 to 69 in 3 s) and compaction's fork storm cases met 0 to
 * 3 entries in 3 s (two-node TCG VM, Debian 6.12.118, 2026-12-06).
 * Against soft offline a lane that holds storms only after a fork it
 * aimed: then the migrator it lets go finishes that page among the
 * storm's forks, while a storm after a miss spent its time aiming (soft
 * offline fork storm cases: 2 to 73 entries in 3 s storming always, 26 to
 * 90 so).  Against compaction the storm's own aims (SCHED_FIFO) are what
 * meets a batch: storming only after aimed forks, 9 of 10 compaction
 * storm cases met no entry within 3 s, against 3 of 10 storming always.
 */
int lane_fork(struct lane *l, struct kid *cur)
{
	bool aimed;
	int ret = 0;

	if (l->o->memory == FORK_COW_THP)
		ret = lane_fresh_thp(l);
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
	if (!ret && (l->holds || l->huge) && l->types_known)
		ret = lane_burst(l);
	if (aimed)
		hold_migration(l, false);
	if (!ret && l->o->read_only &&
	    mprotect(l->region, l->len, PROT_READ | PROT_WRITE))
		ret = WORKER_SYSCALL;
	if (!ret)
		ret = sleepers_recycle(l);
	/* After a miss too, unless holding against soft offline. */
	if (!ret && l->o->storm && (aimed || !l->holds || l->aim_realtime))
		ret = lane_storm(l);
	return ret;
}
