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
 * The window figure: regions whose pages changed PFN (or still held a
 * migration entry) between the fill and the moment right before their
 * munmap or exit, seen in the owner's pagemap.
 */
#include <errno.h>
#include <numaif.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "pagemap.h"
#include "pattern.h"
#include "procs.h"
#include "scenario_unmap.h"

#define REGION_DEFAULT	(1024UL * 1024)
#define REGION_MIN	(64UL << 10)
#define NO_MOVE_FMT	"window not reached: no region's page changed PFN before its munmap or exit (%ld regions)\n"
#define REGION_SHARE	64	/* every region together: 1/64 of MemAvailable */
#define VICTIMS_PER_CPU	2
#define VICTIMS_MAX	16
#define ROUNDS_MIN	3	/* a victim lives 3 to 6 rounds */
#define ROUNDS_SPREAD	4
#define HOLD_MIN_US	1000
#define HOLD_SPREAD_US	4000
#define MOVER_WAIT_US	2000	/* how long a munmap waits for the mover */
#define EXIT_WAIT_S	20
#define EXTRA_TIME	2	/* times the case's time, at most EXTRA_MAX_S */
#define EXTRA_MAX_S	30
#define MIGRATOR_PAUSE_US 1000
#define NODES_MAX	64
#define REPORT_MAX	4
#define R2_TAG		0x52320000u	/* "R2" */
#define CHILD_TAG	0x8000u

/* Shared by the test, its victims and their children. */
struct um_shared {
	bool stop;
	int error_claimed;
	struct unmap_result res;
};

/* One victim process; private to it after the fork. */
struct victim {
	struct um_shared *sh;
	struct trigger_targets *targets;
	int slot, nslots;	/* targets: slot for itself, +nslots child */
	uint32_t tag;
	size_t psz, len, npages;
	uint64_t *pm, *pfn0, *child_pfn0;
	int pm_fd;
	/* The mover thread (move_pages flavour) */
	bool mover;
	int nodes[NODES_MAX], nnodes;
	char *cur;		/* region the mover migrates, or NULL */
	long cur_seq, in_call, seq;
	pthread_t mover_thread;
};

struct um_ctx {
	struct race_env *env;
	struct unmap_result *res;
	struct um_shared *sh;
	const struct unmap_opts *o;
	int nvictims;
	size_t len;
	pid_t pids[VICTIMS_MAX];
	int incarnation[VICTIMS_MAX];
};

static void add(long *counter, long n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

static void um_fail(struct um_shared *sh, const char *fmt, ...)
{
	va_list ap;

	if (__atomic_exchange_n(&sh->error_claimed, 1, __ATOMIC_ACQ_REL))
		return;
	va_start(ap, fmt);
	vsnprintf(sh->res.error, sizeof(sh->res.error), fmt, ap);
	va_end(ap);
}

/* Counts bad pages of @p; @child: odd pages carry the child's pattern. */
static long verify(struct victim *v, char *p, uint32_t gen, bool child)
{
	long bad = 0, seen;
	size_t i;

	for (i = 0; i < v->npages; i++) {
		uint32_t tag = child && (i & 1) ? v->tag ^ CHILD_TAG : v->tag;

		seen = __atomic_load_n(&v->sh->res.bad_pages, __ATOMIC_RELAXED);
		if (pattern_check(p + i * v->psz, v->psz, tag, i, gen,
				  seen + bad >= REPORT_MAX))
			bad++;
	}
	add(&v->sh->res.bad_pages, bad);
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
 * Pages that are no longer where the fill put them, or are under
 * migration right now; *entries counts the latter.
 */
static long moved_since(struct victim *v, char *p, const uint64_t *pfn0,
			long *entries)
{
	long moved = 0;
	size_t i;

	*entries = 0;
	if (pagemap_read(v->pm_fd, (unsigned long)p, v->npages, v->pm))
		return 0;
	for (i = 0; i < v->npages; i++) {
		uint64_t e = v->pm[i];

		if (migration_entry_kind(e) != MIGRATION_NONE) {
			(*entries)++;
			moved++;
		} else if (pfn0[i] && pm_present(e) && pm_pfn(e) != pfn0[i]) {
			moved++;
		}
	}
	return moved;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, us % 1000000 * 1000 };

	nanosleep(&ts, NULL);
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
			sleep_us(100);
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
		add(&v->sh->res.mover_calls, 1);
		add(&v->sh->res.mover_pages, moved);
	}
	free(pages);
	free(nodes);
	free(status);
	return NULL;
}

/* The child of the fork flavour: reads, writes half, holds, exits. */
static void child_main(struct victim *v, char *p, uint32_t gen)
{
	long bad, moved, entries;
	size_t i;

	bad = verify(v, p, gen, false);
	for (i = 1; i < v->npages; i += 2)
		pattern_fill(p + i * v->psz, v->psz, v->tag ^ CHILD_TAG, i,
			     gen);
	if (snapshot(v, p, v->child_pfn0))
		_exit(WORKER_SYSCALL);
	targets_set(v->targets, v->slot + v->nslots, getpid(), p, v->len);
	bad += hold(v, p, gen, true);
	moved = moved_since(v, p, v->child_pfn0, &entries);
	add(&v->sh->res.children, 1);
	add(&v->sh->res.child_regions_moved, moved > 0);
	add(&v->sh->res.pages_moved, moved);
	add(&v->sh->res.inflight, entries > 0);
	targets_remove(v->targets, v->slot + v->nslots);
	_exit(bad ? WORKER_BAD_DATA : WORKER_OK);
}

static void wait_child(struct victim *v, pid_t child)
{
	if (child > 0 && worker_wait(child, "child"))
		add(&v->sh->res.failures, 1);
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
		add(&v->sh->res.overlaps, 1);
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
	long bad, moved, entries;
	pid_t child = 0;
	char *p;

	p = mmap(NULL, v->len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		um_fail(v->sh, "victim mmap: %s", strerror(errno));
		return WORKER_SYSCALL;
	}
	madvise(p, v->len, MADV_NOHUGEPAGE);
	pattern_fill_range(p, v->len, v->psz, v->tag, gen);
	if (snapshot(v, p, v->pfn0)) {
		um_fail(v->sh, "victim pagemap: %s", strerror(errno));
		return WORKER_SYSCALL;
	}
	targets_set(v->targets, v->slot, getpid(), p, v->len);
	__atomic_store_n(&v->cur_seq, ++v->seq, __ATOMIC_RELEASE);
	__atomic_store_n(&v->cur, p, __ATOMIC_RELEASE);
	if (fork_child) {
		child = worker_fork();
		if (child == 0)
			child_main(v, p, gen);
		if (child < 0)
			um_fail(v->sh, "fork: %s", strerror(errno));
	}
	bad = hold(v, p, gen, false);
	moved = moved_since(v, p, v->pfn0, &entries);
	add(&v->sh->res.regions_moved, moved > 0);
	add(&v->sh->res.pages_moved, moved);
	add(&v->sh->res.inflight, entries > 0);
	if (keep_mapped) {
		wait_child(v, child);
		add(&v->sh->res.exits, 1);
		return bad ? WORKER_BAD_DATA : WORKER_OK;
	}
	unmap_region(v, p);
	add(&v->sh->res.rounds, 1);
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
	if (v->pm_fd < 0 || !v->pm || !v->pfn0 || !v->child_pfn0) {
		um_fail(v->sh, "victim set-up: %s", strerror(errno));
		return WORKER_SYSCALL;
	}
	if (v->mover && pthread_create(&v->mover_thread, NULL, mover_main, v)) {
		um_fail(v->sh, "pthread_create failed");
		return WORKER_SYSCALL;
	}
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

static pid_t victim_spawn(struct um_ctx *c, int slot)
{
	struct victim v = {
		.sh = c->sh,
		.targets = c->env->targets,
		.slot = slot,
		.nslots = c->nvictims,
		.tag = R2_TAG | slot << 8 | (c->incarnation[slot]++ & 0xff),
		.psz = getpagesize(),
		.len = c->len,
		.mover = c->env->trigger == &trigger_move_pages,
	};
	pid_t pid = worker_fork();

	if (pid)
		return pid;
	v.npages = v.len / v.psz;
	v.nnodes = numa_nodes_with_memory(v.nodes, NODES_MAX);
	if (v.nnodes < 2)
		v.mover = false;
	srandom(getpid() ^ time(NULL));
	_exit(victim_main(&v, c->o && c->o->fork_children));
}

/* Reaps victims that are done; a victim that failed is reported. */
static void reap(struct um_ctx *c, int slot, int status)
{
	c->pids[slot] = 0;
	targets_remove(c->env->targets, slot);
	targets_remove(c->env->targets, slot + c->nvictims);
	if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_OK)
		return;
	add(&c->sh->res.failures, 1);
	if (WIFEXITED(status))
		um_fail(c->sh, "victim exited %d (%s)", WEXITSTATUS(status),
			worker_exit_name(WEXITSTATUS(status)));
	else
		um_fail(c->sh, "victim killed by signal %d (%s)",
			WTERMSIG(status), strsignal(WTERMSIG(status)));
}

static int spawn(struct um_ctx *c, int slot)
{
	c->pids[slot] = victim_spawn(c, slot);
	if (c->pids[slot] < 0) {
		c->pids[slot] = 0;
		um_fail(c->sh, "fork: %s", strerror(errno));
		return -1;
	}
	add(&c->sh->res.victims, 1);
	return 0;
}

/* How long a case that has not reached its window may go on. */
static double extra_time(void)
{
	double t = EXTRA_TIME * race_duration();

	return t < EXTRA_MAX_S ? t : EXTRA_MAX_S;
}

/*
 * The case's time, and past it, while the window has not been reached,
 * extra_time() more: a busy machine costs time rather than a false
 * "window not reached".
 */
static bool keep_going(struct um_ctx *c)
{
	double spent = now_seconds() - c->env->t_start;

	if (c->sh->error_claimed || stop_requested(c->env->stop))
		return false;
	if (race_time_left(c->env))
		return true;
	return !c->sh->res.regions_moved && !c->sh->res.child_regions_moved &&
	       spent < race_duration() + extra_time();
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
		sleep_us(2000);
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
				um_fail(c->sh, "victim %d did not exit within %d s",
					c->pids[i], EXIT_WAIT_S);
				add(&c->sh->res.failures, 1);
				workers_kill(&c->pids[i], 1);
			} else {
				sleep_us(1000);
			}
		}
	}
}

static size_t region_size(const struct unmap_opts *o, int nvictims)
{
	long kb = meminfo_kb("MemAvailable");
	size_t psz = getpagesize(), len = REGION_DEFAULT, most;

	if (o && o->region_bytes)
		return o->region_bytes / psz * psz;
	/* Twice per victim: a child's copies of the pages it writes. */
	most = kb > 0 ? (size_t)kb * 1024 / REGION_SHARE / (2 * nvictims) :
			REGION_MIN;
	if (len > most)
		len = most;
	if (len < REGION_MIN)
		len = REGION_MIN;
	return len / psz * psz;
}

int unmap_run(struct race_env *env, const struct unmap_opts *o,
	      struct unmap_result *res)
{
	struct um_ctx c = { .env = env, .res = res, .o = o };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int ret;

	memset(res, 0, sizeof(*res));
	c.sh = shared_alloc(sizeof(*c.sh));
	if (!c.sh) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		return -1;
	}
	c.nvictims = o && o->victims > 0 ? o->victims :
		     VICTIMS_PER_CPU * (cpus > 0 ? cpus : 1);
	if (c.nvictims > VICTIMS_MAX)
		c.nvictims = VICTIMS_MAX;
	c.len = region_size(o, c.nvictims);
	/* Decoding migration entries in pagemap needs this decided once. */
	migration_types_known();
	ret = race_env_start(env, MIGRATOR_PAUSE_US);
	if (ret)
		um_fail(c.sh, "migrator: %s", strerror(-ret));
	else
		supervise(&c);
	if (race_env_stop(env))
		um_fail(c.sh, "the migrator failed");
	*res = c.sh->res;
	munmap(c.sh, sizeof(*c.sh));
	return res->error[0] ? -1 : 0;
}

int unmap_verdict(struct race_env *env, const struct unmap_result *r)
{
	long events = r->regions_moved + r->child_regions_moved;
	int fail = 0;

	race_window_print(env, events,
			  "victims=%ld rounds=%ld exits=%ld children=%ld child_regions_moved=%ld pages_moved=%ld inflight=%ld mover_calls=%ld mover_pages=%ld overlaps=%ld bad_pages=%ld failures=%ld pgmigrate_success=%lld pgmigrate_fail=%lld compact_isolated=%lld",
			  r->victims, r->rounds, r->exits, r->children,
			  r->child_regions_moved, r->pages_moved, r->inflight,
			  r->mover_calls, r->mover_pages, r->overlaps,
			  r->bad_pages, r->failures,
			  race_vmstat_delta(env, "pgmigrate_success"),
			  race_vmstat_delta(env, "pgmigrate_fail"),
			  race_vmstat_delta(env, "compact_isolated"));
	if (r->error[0]) {
		ksft_print_msg("R2 scenario failed: %s\n", r->error);
		fail++;
	}
	if (r->bad_pages) {
		ksft_print_msg("%ld pages held wrong data before their munmap or exit\n",
			       r->bad_pages);
		fail++;
	}
	if (r->failures) {
		ksft_print_msg("%ld victims or children did not exit cleanly\n",
			       r->failures);
		fail++;
	}
	if (!events) {
		race_window_missed(env, NO_MOVE_FMT,
				   r->rounds + r->exits + r->children);
		fail++;
	}
	return fail;
}
