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
 * Victims (two per CPU, six under a scanning trigger) map a region, fill
 * it, hold it for a few milliseconds verifying it, then munmap it or, at
 * the end of their life, exit with it mapped; the test respawns them.
 * Unless the trigger scans zones, a region is many VMAs with an anon_vma
 * each (split_anon_vmas()), so that one munmap or exit frees many
 * anon_vmas a migration may hold.
 * In the fork flavour each round forks a child that checks the region,
 * writes half of it (folios of the child's own anon_vma) and exits while
 * the parent goes on.  With the move_pages trigger a second thread of
 * every victim migrates the region that its main thread is about to
 * unmap, and the munmap waits until that call is under way.
 *
 * Before its munmap or exit a victim (or child) watches its pagemap for a
 * while and goes ahead as soon as one of its pages is under migration.
 * The window figure (inflight): regions munmapped, or whose owner exited,
 * with a migration entry in the owner's pagemap right before, that is
 * with a migration in flight.  Regions whose pages merely moved before
 * are counted apart (regions_moved).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "anon_vma_unmap_internal.h"
#include "kconfig.h"
#include "pagemap.h"
#include "procs.h"

#define REGION_DEFAULT	(1024UL * 1024)
#define REGION_SCAN	(2048UL * 1024)
#define REGION_MIN	(64UL << 10)
#define REGION_SHARE	64	/* all regions: 1/64 of MemAvailable */
#define VICTIMS_PER_CPU	2
/*
 * Under a scanning trigger a victim mostly waits for compaction to reach
 * its region (aim()), so more of them wait at once, each pausing between
 * its looks so that their polling leaves the CPUs to compaction.
 * Two-node TCG VM, 2026-12-07, regions in flight in a case, fork_children
 * / munmap_exit under compaction and compact_node, 3 to 16 runs each:
 * Debian 6.12.118 12-42 / 37-78 with two victims per CPU polling without
 * a pause, 74-102 / 104-173 with six pausing 2 ms (eight pausing 4 ms:
 * 74-123 / 108-185); the debug kernel 22-33 / 57-79, then 76-110 /
 * 98-170; Debian 6.1.0-57 in its 9 s 30-61 / 72-155, then 70-96 /
 * 93-108, and with six victims not pausing 16-34 / 26-45.
 */
#define VICTIMS_PER_CPU_SCAN	6
#define AIM_PAUSE_SCAN_US	2000
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
#define R2_TAG		0x52320000u	/* "R2" */

static const char *const count_name[NR_COUNTS] = {
	"victims", "rounds", "exits", "children", "regions_moved",
	"child_regions_moved",
	"pages_moved", "inflight", "mover_calls", "mover_pages", "overlaps",
	"bad_pages", "failures",
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

static bool scans(const struct race_env *env)
{
	return env->trigger->flags & TRIGGER_SCANS_ZONES;
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
		.aim_pause_us = scans(c->env) ? AIM_PAUSE_SCAN_US : 0,
		.split = !scans(c->env),
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
	       race_keep_going(c->env, c->sh->n[INFLIGHT], 0);
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
 * trigger that moves one page a call (aim()).  Compaction moves only the
 * pages below where its scanners meet, a few of a region or none: larger
 * regions put more of them there.  Two-node TCG VM, Debian 6.12.118,
 * 2026-12-06, fork_children under compaction and compact_node, 11 runs
 * each: regions in flight 5 to 39 in 3 s (medians 21 and 26) with 1 MiB,
 * 20 to 45 (medians 29 and 30) with 2 MiB; munmap_exit, five runs each:
 * 42 to 77 and 47 to 80 (four victims per CPU besides: 24 to 59).
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
	else if (t->flags & TRIGGER_SCANS_ZONES)
		len = REGION_SCAN;
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
	if (scans(env) && !kernel_migrates_in_batches())
		race_env_stretch(env, EARLY_SCAN_STRETCH, EARLY_SCAN_WHY);
	say_detectors();
	c.sh = shared_alloc(sizeof(*c.sh));
	if (!c.sh) {
		race_fail(env, res, "setup", "out of memory");
		return -1;
	}
	c.nvictims = o && o->victims > 0 ? o->victims :
		     (scans(env) ? VICTIMS_PER_CPU_SCAN : VICTIMS_PER_CPU) *
		     (cpus > 0 ? cpus : 1);
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
