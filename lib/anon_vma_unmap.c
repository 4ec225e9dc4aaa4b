// SPDX-License-Identifier: GPL-2.0
/*
 * R2, anon_vma freed during unmap; seeds 000/001 ("memory unplug:
 * migration by kernel").  A kernel-initiated migration unmaps a folio
 * (try_to_migrate(): mapcount 0, migration entries in the page tables)
 * and later walks folio->mapping, the anon_vma, to put the new folio in
 * place.  It holds no mmap lock of the owner, so the owner may munmap the
 * region or exit meanwhile, which zaps the migration entries and frees
 * the anon_vma; migrate_folio_unmap() takes a reference with
 * folio_get_anon_vma() so that the walk never meets freed memory.
 *
 * Victims (about two per CPU) map a region, fill it, hold it for a few
 * milliseconds verifying it, then munmap it or, at the end of their life,
 * exit with it mapped; the test respawns them.  In the fork flavour each
 * round forks a child that checks the region, writes half of it (folios
 * of the child's own anon_vma) and exits while the parent goes on.  With
 * the move_pages trigger a second thread of every victim migrates the
 * region that its main thread is about to unmap, and the munmap waits
 * until that call is under way.
 *
 * Before its munmap or exit a victim (or child) watches its pagemap for a
 * while and goes ahead as soon as one of its pages is under migration.
 * The window figure (inflight): regions munmapped, or whose owner exited,
 * with a migration entry in the owner's pagemap right before, that is
 * with a migration in flight.  Regions whose pages merely moved before
 * are counted apart (regions_moved).
 */
#include <errno.h>
#include <numaif.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "anon_vma_unmap.h"
#include "kconfig.h"
#include "pagemap.h"
#include "pattern.h"
#include "procs.h"

#define REGION_DEFAULT	(1024UL * 1024)
#define REGION_MIN	(64UL << 10)
#define REGION_SHARE	64	/* all regions: 1/64 of MemAvailable */
#define VICTIMS_PER_CPU	2
#define VICTIMS_MAX	16
#define ROUNDS_MIN	3	/* a victim lives 3 to 6 rounds */
#define ROUNDS_SPREAD	4
#define HOLD_MIN_US	1000
#define HOLD_SPREAD_US	4000
#define MOVER_WAIT_US	2000	/* how long a munmap waits for the mover */
/*
 * How long a victim watches for an entry: twice the trigger's mean round
 * (a compaction pass over a large zone takes a second or more, and a
 * region that lives a few milliseconds is rarely met), within bounds.
 */
#define AIM_MIN_US	20000
#define AIM_MAX_US	300000
#define NO_DETECTOR \
	": a pass means window reached and kernel survived, not fix present"
#define MISS_FMT \
	"no region was unmapped, or its owner exited, with a page under migration (%ld regions, %ld with a page moved before)"
#define EARLY_SCAN_STRETCH	3
#define EARLY_SCAN_WHY \
	"before 6.3 a compaction's entry lives for one base page's copy, and a region met in flight is rare"
#define SOFT_OFFLINE_EARLY_SKIP \
	"before 6.3 soft offline unmaps, copies and maps one base page again in one go: a munmap or exit meets that 4 KiB copy a few times a case at most"
#define EXIT_WAIT_S	20
#define MIGRATOR_PAUSE_US 1000
#define NODES_MAX	64
#define REPORT_MAX	4
#define R2_TAG		0x52320000u	/* "R2" */
#define CHILD_TAG	0x8000u

/* Counted by the test, its victims and their children. */
enum um_count {
	VICTIMS,		/* started, respawns included */
	ROUNDS,			/* regions mapped, filled, verified, unmapped */
	EXITS,			/* victims that exited with a region mapped */
	CHILDREN,
	REGIONS_MOVED,		/* regions with a page moved before */
	CHILD_REGIONS_MOVED,	/* the same, of children */
	PAGES_MOVED,
	INFLIGHT,		/* the window: unmapped with an entry */
	MOVER_CALLS,		/* move_pages calls of victims' own threads */
	MOVER_PAGES,		/* pages those calls moved */
	OVERLAPS,		/* munmaps issued while such a call ran */
	BAD_PAGES,
	FAILURES,		/* victims or children that exited uncleanly */
	NR_COUNTS		/* all on the window line */
};

static const char *const count_name[NR_COUNTS] = {
	"victims", "rounds", "exits", "children", "regions_moved",
	"child_regions_moved",
	"pages_moved", "inflight", "mover_calls", "mover_pages", "overlaps",
	"bad_pages", "failures",
};

/* Shared by the test, its victims and their children. */
struct um_shared {
	bool stop;
	long n[NR_COUNTS];
	/* The system call a victim failed, for the test to report. */
	char why[VICTIMS_MAX][RACE_TEXT_MAX / 2];
};

/* One victim process; private to it after the fork. */
struct victim {
	struct um_shared *sh;
	struct trigger_targets *targets;
	const struct trigger_stats *stats;	/* the migrator's rounds */
	double t_start;
	int slot, nslots;	/* targets: slot for itself, +nslots child */
	uint32_t tag;
	size_t psz, len, npages;
	uint64_t *pm, *pfn0, *child_pfn0;
	int pm_fd;
	bool aim_apart;		/* aim from a CPU the migrator is not on */
	pid_t migrator;
	/* The mover thread (move_pages flavour) */
	bool mover;
	int nodes[NODES_MAX], nnodes;
	char *cur;		/* region the mover migrates, or NULL */
	long cur_seq, in_call, seq;
	pthread_t mover_thread;
};

struct um_ctx {
	struct race_env *env;
	struct race_result *res;
	struct um_shared *sh;
	const struct anon_vma_unmap_opts *o;
	int nvictims;
	long victims_failed;	/* reported one by one */
	size_t len;
	pid_t pids[VICTIMS_MAX];
	int incarnation[VICTIMS_MAX];
};

static void add(struct um_shared *sh, enum um_count i, long n)
{
	__atomic_add_fetch(&sh->n[i], n, __ATOMIC_RELAXED);
}

/* Leaves the failed call for the test's report; the victim exits so. */
static int victim_fail(struct victim *v, const char *what, int err)
{
	snprintf(v->sh->why[v->slot], sizeof(v->sh->why[0]), ": %s: %s",
		 what, strerror(err));
	return WORKER_SYSCALL;
}

/* Counts bad pages of @p; @child: odd pages carry the child's pattern. */
static long verify(struct victim *v, char *p, uint32_t gen, bool child)
{
	long bad = 0, seen;
	size_t i;

	for (i = 0; i < v->npages; i++) {
		uint32_t tag = child && (i & 1) ? v->tag ^ CHILD_TAG : v->tag;

		seen = __atomic_load_n(&v->sh->n[BAD_PAGES], __ATOMIC_RELAXED);
		if (pattern_check(p + i * v->psz, v->psz, tag, i, gen,
				  seen + bad >= REPORT_MAX))
			bad++;
	}
	add(v->sh, BAD_PAGES, bad);
	return bad;
}

/* PFN of every page now (0: not present). */
static int snapshot(struct victim *v, char *p, uint64_t *pfn)
{
	size_t i;

	if (pagemap_read(v->pm_fd, (unsigned long)p, v->npages, v->pm))
		return -1;
	for (i = 0; i < v->npages; i++)
		pfn[i] = pm_present(v->pm[i]) ? pm_pfn(v->pm[i]) : 0;
	return 0;
}

/*
 * Counts the region in @regions when a page is no longer where the fill
 * put it (@pfn0) or is under migration, as the aim's last look (v->pm)
 * saw it: the look right before the munmap or exit.  A look of its own
 * here came too late for half of the entries aim() had seen (Debian 6.1,
 * compaction, where an entry lives for one base page's copy).
 */
static void count_moved(struct victim *v, const uint64_t *pfn0,
			enum um_count regions)
{
	long moved = 0, entries = 0;
	size_t i;

	for (i = 0; i < v->npages; i++) {
		uint64_t e = v->pm[i];

		if (migration_entry_kind(e) != MIGRATION_NONE)
			entries++;
		else if (!pfn0[i] || !pm_present(e) || pm_pfn(e) == pfn0[i])
			continue;
		moved++;
	}
	add(v->sh, regions, moved > 0);
	add(v->sh, PAGES_MOVED, moved);
	add(v->sh, INFLIGHT, entries > 0);
}

/*
 * Watches the region's pagemap, which unlike a read does not wait for a
 * migration to end, for up to AIM_US and returns as soon as a page is
 * under migration: the munmap or exit that follows meets it in flight.
 * Leaves its last look in v->pm; -1 when it could not look.
 *
 * Soft offline hands the kernel one page a call, whose migration entry
 * lives for microseconds: a victim only sees it from another CPU than the
 * migrator's (on the same one the migration ends before the victim runs
 * again), polling without a pause, and only if its region is small enough
 * for the look before the munmap and the munmap itself to be quick
 * (region_size()).  Two-node TCG VM, Debian 6.12.118, 2026-12-06, three
 * case runs each: regions unmapped or exited in flight, munmap_exit /
 * fork_children, 67 to 88 / 41 to 63 so, against 11 to 14 / 15 to 25 with
 * regions of 1 MiB polled every 2 ms SCHED_FIFO wherever the scheduler
 * put the victim; polling apart without a pause, regions of 1 MiB saw an
 * entry in 90 of 175 looks but still held it in 13 just before munmap.
 */
static int aim(struct victim *v, char *p)
{
	long rounds = __atomic_load_n(&v->stats->rounds, __ATOMIC_RELAXED);
	double t = now_seconds(), patience = AIM_MAX_US / 1e6;
	double until;
	size_t i;

	if (rounds > 0)
		patience = 2 * (t - v->t_start) / rounds;
	if (patience < AIM_MIN_US / 1e6)
		patience = AIM_MIN_US / 1e6;
	if (patience > AIM_MAX_US / 1e6)
		patience = AIM_MAX_US / 1e6;
	until = t + patience;

	if (v->aim_apart)
		cpu_keep_apart(v->migrator);
	do {
		if (pagemap_read(v->pm_fd, (unsigned long)p, v->npages, v->pm))
			return -1;
		for (i = 0; i < v->npages; i++)
			if (migration_entry_kind(v->pm[i]) != MIGRATION_NONE)
				return 0;
	} while (now_seconds() < until);
	return 0;
}

/* Holds the region a few milliseconds, reading it all the while. */
static long hold(struct victim *v, char *p, uint32_t gen, bool child)
{
	double until = now_seconds() +
		       (HOLD_MIN_US + random() % HOLD_SPREAD_US) / 1e6;
	long bad = 0;

	do {
		bad += verify(v, p, gen, child);
	} while (!bad && now_seconds() < until);
	return bad;
}

static void *mover_main(void *arg)
{
	struct victim *v = arg;
	void **pages = calloc(v->npages, sizeof(*pages));
	int *nodes = calloc(v->npages, sizeof(*nodes));
	int *status = calloc(v->npages, sizeof(*status));
	long k = 0, moved;
	size_t i;

	while (pages && nodes && status &&
	       !__atomic_load_n(&v->sh->stop, __ATOMIC_RELAXED)) {
		long seq = __atomic_load_n(&v->cur_seq, __ATOMIC_ACQUIRE);
		char *p = __atomic_load_n(&v->cur, __ATOMIC_ACQUIRE);
		int node = v->nodes[k++ % v->nnodes];

		if (!p) {
			usleep(100);
			continue;
		}
		for (i = 0; i < v->npages; i++) {
			pages[i] = p + i * v->psz;
			nodes[i] = node;
		}
		__atomic_store_n(&v->in_call, seq, __ATOMIC_RELEASE);
		/* MOVE_ALL: pages still shared with a child move too. */
		move_pages(0, v->npages, pages, nodes, status,
			   MPOL_MF_MOVE_ALL);
		__atomic_store_n(&v->in_call, 0, __ATOMIC_RELEASE);
		for (i = 0, moved = 0; i < v->npages; i++)
			moved += status[i] == node;
		add(v->sh, MOVER_CALLS, 1);
		add(v->sh, MOVER_PAGES, moved);
	}
	free(pages);
	free(nodes);
	free(status);
	return NULL;
}

/* The child of the fork flavour: reads, writes half, holds, exits. */
static void child_main(struct victim *v, char *p, uint32_t gen)
{
	long bad = verify(v, p, gen, false);
	size_t i;

	for (i = 1; i < v->npages; i += 2)
		pattern_fill(p + i * v->psz, v->psz, v->tag ^ CHILD_TAG, i,
			     gen);
	if (snapshot(v, p, v->child_pfn0))
		_exit(WORKER_SYSCALL);
	targets_set(v->targets, v->slot + v->nslots, getpid(), p, v->len);
	bad += hold(v, p, gen, true);
	if (!aim(v, p))
		count_moved(v, v->child_pfn0, CHILD_REGIONS_MOVED);
	add(v->sh, CHILDREN, 1);
	targets_remove(v->targets, v->slot + v->nslots);
	_exit(bad ? WORKER_BAD_DATA : WORKER_OK);
}

static void wait_child(struct victim *v, pid_t child)
{
	if (child > 0 && worker_wait(child, "child"))
		add(v->sh, FAILURES, 1);
}

/* Munmaps with the mover's call on this region under way, if there is one. */
static void unmap_region(struct victim *v, char *p)
{
	double until = now_seconds() + MOVER_WAIT_US / 1e6;

	if (v->mover)
		while (__atomic_load_n(&v->in_call, __ATOMIC_ACQUIRE) !=
		       v->seq && now_seconds() < until)
			;
	munmap(p, v->len);
	if (v->mover &&
	    __atomic_load_n(&v->in_call, __ATOMIC_ACQUIRE) == v->seq)
		add(v->sh, OVERLAPS, 1);
	__atomic_store_n(&v->cur, NULL, __ATOMIC_RELEASE);
	targets_remove(v->targets, v->slot);
}

/*
 * One region's life.  With @keep_mapped the victim returns with the
 * region still mapped, and its exit tears it down.
 */
static int victim_round(struct victim *v, uint32_t gen, bool fork_child,
			bool keep_mapped)
{
	pid_t child = 0;
	long bad;
	char *p;

	p = mmap(NULL, v->len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return victim_fail(v, "mmap", errno);
	madvise(p, v->len, MADV_NOHUGEPAGE);
	pattern_fill_range(p, v->len, v->psz, v->tag, gen);
	if (snapshot(v, p, v->pfn0))
		return victim_fail(v, "pagemap", errno);
	targets_set(v->targets, v->slot, getpid(), p, v->len);
	__atomic_store_n(&v->cur_seq, ++v->seq, __ATOMIC_RELEASE);
	__atomic_store_n(&v->cur, p, __ATOMIC_RELEASE);
	if (fork_child) {
		child = worker_fork();
		if (child == 0)
			child_main(v, p, gen);
		if (child < 0)
			return victim_fail(v, "fork", errno);
	}
	bad = hold(v, p, gen, false);
	if (!aim(v, p))
		count_moved(v, v->pfn0, REGIONS_MOVED);
	if (keep_mapped) {
		add(v->sh, EXITS, 1);
	} else {
		unmap_region(v, p);
		add(v->sh, ROUNDS, 1);
	}
	wait_child(v, child);
	return bad ? WORKER_BAD_DATA : WORKER_OK;
}

static int victim_main(struct victim *v, bool fork_child)
{
	int rounds = ROUNDS_MIN + random() % ROUNDS_SPREAD, r, ret = 0;
	bool exit_mapped = random() & 1;

	v->pm_fd = pagemap_open(0);
	v->pm = calloc(v->npages, sizeof(*v->pm));
	v->pfn0 = calloc(v->npages, sizeof(*v->pfn0));
	v->child_pfn0 = calloc(v->npages, sizeof(*v->child_pfn0));
	if (v->pm_fd < 0 || !v->pm || !v->pfn0 || !v->child_pfn0)
		return victim_fail(v, "set-up", errno);
	if (v->mover)
		ret = pthread_create(&v->mover_thread, NULL, mover_main, v);
	if (ret)
		return victim_fail(v, "pthread_create", ret);
	for (r = 0; r < rounds && !ret; r++) {
		bool last = r == rounds - 1 ||
			    __atomic_load_n(&v->sh->stop, __ATOMIC_RELAXED);

		ret = victim_round(v, r, fork_child, last && exit_mapped);
		if (last)
			break;
	}
	/* exit_group() ends the mover too, wherever it is. */
	return ret;
}

/* Reaps a victim that is done; one that failed is reported. */
static void reap(struct um_ctx *c, int slot, int status)
{
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

	c->pids[slot] = 0;
	targets_remove(c->env->targets, slot);
	targets_remove(c->env->targets, slot + c->nvictims);
	if (code == WORKER_OK)
		return;
	if (code >= 0)
		race_fail(c->env, c->res, "child_failed",
			  "victim exited %d (%s)%s", code,
			  worker_exit_name(code), c->sh->why[slot]);
	else
		race_fail(c->env, c->res, "child_failed",
			  "victim killed by signal %d (%s)", WTERMSIG(status),
			  strsignal(WTERMSIG(status)));
	c->sh->why[slot][0] = 0;
	add(c->sh, FAILURES, 1);
	c->victims_failed++;
}

/* Starts the victim of @slot; returns 0, or -1 when fork failed. */
static int spawn(struct um_ctx *c, int slot)
{
	struct victim v = {
		.sh = c->sh,
		.targets = c->env->targets,
		.stats = c->env->stats,
		.t_start = c->env->t_start,
		.slot = slot,
		.nslots = c->nvictims,
		.tag = R2_TAG | slot << 8 | (c->incarnation[slot]++ & 0xff),
		.psz = getpagesize(),
		.len = c->len,
		.mover = c->env->trigger->flags & TRIGGER_BY_ADDRESS,
		.aim_apart = c->env->trigger->budget_pages,
		.migrator = c->env->migrator,
	};

	c->pids[slot] = worker_fork();
	if (c->pids[slot] < 0) {
		c->pids[slot] = 0;
		race_fail(c->env, c->res, "setup", "fork: %s", strerror(errno));
		return -1;
	}
	if (c->pids[slot]) {
		add(c->sh, VICTIMS, 1);
		return 0;
	}
	v.npages = v.len / v.psz;
	v.nnodes = numa_nodes_with_memory(v.nodes, NODES_MAX);
	if (v.nnodes < 2)
		v.mover = false;
	srandom(getpid() ^ time(NULL));
	_exit(victim_main(&v, c->o && c->o->fork_children));
}

static bool keep_going(struct um_ctx *c)
{
	return !c->res->failures &&
	       race_keep_going(c->env, c->sh->n[INFLIGHT]);
}

static void supervise(struct um_ctx *c)
{
	int i, status;
	double until;
	pid_t pid;

	for (i = 0; i < c->nvictims; i++)
		if (spawn(c, i))
			break;
	while (keep_going(c)) {
		for (i = 0; i < c->nvictims; i++) {
			if (!c->pids[i] || waitpid(c->pids[i], &status,
						   WNOHANG) != c->pids[i])
				continue;
			reap(c, i, status);
			if (keep_going(c) && spawn(c, i))
				break;
		}
		usleep(2000);
	}
	/* Bounded: a victim stuck in the kernel is a failure, not a hang. */
	__atomic_store_n(&c->sh->stop, true, __ATOMIC_RELAXED);
	until = now_seconds() + EXIT_WAIT_S;
	for (i = 0; i < c->nvictims; i++) {
		while (c->pids[i]) {
			pid = waitpid(c->pids[i], &status, WNOHANG);
			if (pid == c->pids[i]) {
				reap(c, i, status);
			} else if (now_seconds() > until) {
				race_fail(c->env, c->res, "child_failed",
					  "victim %d did not exit within %d s",
					  c->pids[i], EXIT_WAIT_S);
				add(c->sh, FAILURES, 1);
				c->victims_failed++;
				workers_kill(&c->pids[i], 1);
			} else {
				usleep(1000);
			}
		}
	}
}

/*
 * REGION_DEFAULT within REGION_SHARE of MemAvailable; REGION_MIN for a
 * trigger that moves one page a call (aim()).
 */
static size_t region_size(const struct anon_vma_unmap_opts *o,
			  const struct trigger *t, int nvictims)
{
	long kb = meminfo_kb("MemAvailable");
	size_t psz = getpagesize(), len = REGION_DEFAULT, most;

	if (o && o->region_bytes)
		return o->region_bytes / psz * psz;
	if (t->budget_pages)
		len = REGION_MIN;
	/* Twice per victim: a child's copies of the pages it writes. */
	most = kb > 0 ? (size_t)kb * 1024 / REGION_SHARE / (2 * nvictims) :
			REGION_MIN;
	if (len > most)
		len = most;
	if (len < REGION_MIN)
		len = REGION_MIN;
	return len / psz * psz;
}

/* The window figure, the window line's counters and what failed. */
static void report(struct um_ctx *c)
{
	static const char *const vmstat[] = {
		"pgmigrate_success", "pgmigrate_fail", "compact_isolated",
	};
	const long *n = c->sh->n;
	struct race_result *res = c->res;
	size_t i;

	res->events = n[INFLIGHT];
	for (i = 0; i < NR_COUNTS; i++)
		race_count(res, count_name[i], n[i]);
	for (i = 0; i < ARRAY_SIZE(vmstat); i++)
		race_count(res, vmstat[i],
			   race_vmstat_delta(c->env, vmstat[i]));
	if (n[BAD_PAGES])
		race_fail(c->env, res, "bad_data",
			  "%ld pages held wrong data before their munmap or exit",
			  n[BAD_PAGES]);
	if (n[FAILURES] > c->victims_failed)
		race_fail(c->env, res, "child_failed",
			  "%ld children of victims did not exit cleanly",
			  n[FAILURES] - c->victims_failed);
	race_miss(res, MISS_FMT, n[ROUNDS] + n[EXITS] + n[CHILDREN],
		  n[REGIONS_MOVED] + n[CHILD_REGIONS_MOVED]);
}

/*
 * A lost fix lets migration walk a freed anon_vma, which a production
 * kernel does not report by itself: the cache is SLAB_TYPESAFE_BY_RCU
 * with a constructor, so the object stays valid-looking.  Say which
 * detector this kernel has, so that a pass reads right.
 */
static void say_detectors(void)
{
	char buf[160];
	const char *have = kconfig_uaf_detectors(buf, sizeof(buf));

	ksft_print_msg("R2 lost-fix detectors: %s%s\n", have,
		       strncmp(have, "none", 4) ? "" : NO_DETECTOR);
}

static int anon_vma_unmap_run(struct race_env *env, const void *opts,
			      struct race_result *res)
{
	const struct anon_vma_unmap_opts *o = opts;
	struct um_ctx c = { .env = env, .res = res, .o = o };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int ret;

	/*
	 * Soft offline hands the kernel one page a call (budget_pages).
	 * Debian 6.1.192 in the two-node TCG VM, 2026-12-06: 1, 1, 1 and 0
	 * regions unmapped with one of them in flight, in four case runs.
	 */
	if (env->trigger->budget_pages && !kernel_migrates_in_batches())
		return race_skip(res, SOFT_OFFLINE_EARLY_SKIP);
	/*
	 * Debian 6.1.0-57 in the two-node TCG VM, 2026-12-06, compaction and
	 * compact_node: 6 to 51 regions in flight in 3 s (median 24, fork
	 * flavour 6 to 26), where 6.12 meets 24 to 67.
	 */
	if ((env->trigger->flags & TRIGGER_SCANS_ZONES) &&
	    !kernel_migrates_in_batches())
		race_env_stretch(env, EARLY_SCAN_STRETCH, EARLY_SCAN_WHY);
	say_detectors();
	c.sh = shared_alloc(sizeof(*c.sh));
	if (!c.sh) {
		race_fail(env, res, "setup", "out of memory");
		return -1;
	}
	c.nvictims = o && o->victims > 0 ? o->victims :
		     VICTIMS_PER_CPU * (cpus > 0 ? cpus : 1);
	if (c.nvictims > VICTIMS_MAX)
		c.nvictims = VICTIMS_MAX;
	c.len = region_size(o, env->trigger, c.nvictims);
	/* Decoding migration entries in pagemap needs this decided once. */
	migration_types_known();
	ret = race_env_start(env, MIGRATOR_PAUSE_US);
	if (ret)
		race_fail(env, res, "setup", "migrator: %s", strerror(-ret));
	else
		supervise(&c);
	if (race_env_stop(env))
		race_fail(env, res, "child_failed", "the migrator failed");
	if (!ret)
		report(&c);
	munmap(c.sh, sizeof(*c.sh));
	return ret ? -1 : 0;
}

const struct scenario anon_vma_unmap_scenario = {
	.race = "R2",
	.name = "anon_vma_unmap",
	.needs = NEED_ROOT,
	.run = anon_vma_unmap_run,
};
