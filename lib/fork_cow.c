// SPDX-License-Identifier: GPL-2.0
/*
 * R3, fork copying migration entries (fork_cow.h): what the
 * machine must give, the lanes against the migrator, and the result.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hugetlb.h"
#include "known_bugs.h"
#include "procs.h"
#include "room.h"
#include "fork_cow_internal.h"
#include "swap.h"
#include "undo.h"
#include "vmstat.h"

#define BASE_REGION_BYTES	(512UL << 10)
#define HUGE_PER_LANE		2	/* THPs or hugetlb pages */
#define EXTEND_FACTOR		3	/* see window_still_closed() */
#define SLEEPERS_MIN		32	/* per lane */
/* Page tables and kernel structures of one sleeper (60-150 KiB measured). */
#define SLEEPER_BYTES		(256UL << 10)
#define BUDGET_CAP		(256UL << 20)
#define ROOM_BYTES		(96UL << 20)	/* see run_lanes() */
#define ROOM_WAVE_MS		100	/* one wave of holes this often */
#define EARLY_THP_STRETCH	5
#define EARLY_THP_WHY \
	"before 6.3 a PMD entry is met about once in two generations of fresh THPs"
#define COARSE_TIMERS_STRETCH	5
#define COARSE_TIMERS_WHY \
	"without high-resolution timers a lane wakes only at a tick, and meets its one page under migration a few times a case"
#define THP_PMD_SIZE		"/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"
#define HUGETLB_DIR		"/sys/kernel/mm/hugepages/hugepages-%zukB/%s"
#define SOFT_OFFLINE_THP_SKIP \
	"soft offline splits THPs before migrating (soft_offline_in_use_page): no PMD is ever under migration"
#define BASE_BEFORE_BATCHES_SKIP \
	"before 6.3 a base page is unmapped, copied and mapped again in one go: a fork meets its entry a few times a case at most when the kernel picks the pages (move_pages, THP and hugetlb cases reach R3 here)"
#define TYPES_UNKNOWN_SKIP \
	"no kernel config to decode swap types, and swap is active: migration entries cannot be told from swap entries"
#define TYPES_UNKNOWN_NOTE \
	"migration entry types unknown (no kernel config): write and read-exclusive entries were not checked"
#define NO_ENTRY_FMT \
	"no child saw a migration entry in %ld forks (pgmigrate_success +%lld)"
#define NO_THP_SKIP \
	"no THP for a MADV_HUGEPAGE region (CONFIG_TRANSPARENT_HUGEPAGE, enabled=never, none free)"
#define NO_THP_MSG \
	"no generation forked over THPs: the THP path was not tested"
#define NO_SWAP_TYPE_FMT \
	"%ld entries without a swap type in pagemap (hugetlb): the write and read-exclusive check skipped them\n"

/*
 * Why @t can never put this memory kind under migration, or NULL.
 * Compaction isolates neither hugetlb folios nor folios of pageblock order
 * or more (isolate_migratepages_block()), and soft offline splits a THP
 * before it migrates the page (soft_offline_in_use_page()).  Before 6.3
 * the PFN-based triggers never let a fork meet a base page's entry: with
 * the migrator apart, Debian 6.1.192 gave compaction and soft offline
 * base-page cases 0 to 5 entries in 3 s, none in 9 of 16 case runs, and
 * sharing its CPU did no better (two-node TCG VM, 2026-12-06).
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
	if (m == FORK_COW_BASE && (t->flags & TRIGGER_UNMAPPED) &&
	    !kernel_migrates_in_batches())
		return BASE_BEFORE_BATCHES_SKIP;
	return NULL;
}

/* 0 when a MADV_HUGEPAGE region gets a THP here, else a SKIP. */
static int thp_probe(const struct fork_cow_opts *o, size_t huge,
		     struct race_result *res)
{
	int kpf_fd = kpageflags_open();
	char *p = region_map(o, huge, huge);
	bool ok;

	if (p)
		memset(p, 1, huge);
	ok = p && kpf_fd >= 0 && region_is_thp(p, huge, huge, kpf_fd);
	if (p)
		munmap(p, huge);
	if (kpf_fd < 0)
		return race_skip(res, "/proc/kpageflags not readable: THPs cannot be verified");
	close(kpf_fd);
	return ok ? 0 : race_skip(res, NO_THP_SKIP);
}

/* A count of the hugetlb pool (-1: none), or with @set >= 0 sets it. */
static long hugetlb_knob(size_t huge, const char *file, long set)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), HUGETLB_DIR, huge >> 10, file);
	if (set >= 0)
		return knob_set_long(path, set);
	return knob_read(path, buf, sizeof(buf)) ? -1 : strtol(buf, NULL, 10);
}

/*
 * Makes sure @need huge pages are free and lets the pool grow by as many
 * surplus pages: soft offline dissolves every hugetlb page it migrates
 * away from (unpoisoning gives the frame back as a base page), and a child
 * whose COW finds no huge page dies of SIGBUS.  The undo log restores both
 * knobs.
 */
static int hugetlb_reserve(size_t huge, long need, struct race_result *res)
{
	long nr = hugetlb_knob(huge, "nr_hugepages", -1);
	long free = hugetlb_knob(huge, "free_hugepages", -1);
	long resv = hugetlb_knob(huge, "resv_hugepages", -1);
	long over = hugetlb_knob(huge, "nr_overcommit_hugepages", -1);
	long avail = free - resv;

	if (nr < 0 || free < 0 || resv < 0 || over < 0)
		return race_skip(res, "no hugetlb pool (CONFIG_HUGETLBFS)");
	if (hugetlb_pools_save())
		return race_skip(res, "cannot save the hugetlb pool in the undo log");
	if (hugetlb_knob(huge, "nr_overcommit_hugepages", over + need))
		return race_skip(res, "cannot raise nr_overcommit_hugepages");
	if (avail >= need)
		return 0;
	if (hugetlb_knob(huge, "nr_hugepages", nr + need - avail))
		return race_skip(res, "cannot raise nr_hugepages");
	avail = hugetlb_knob(huge, "free_hugepages", -1) -
		hugetlb_knob(huge, "resv_hugepages", -1);
	if (avail < need)
		return race_skip(res, "only %ld of %ld huge pages could be had",
				 avail, need);
	return 0;
}

/* Region size and sleepers within the memory budget. */
static int size_lanes(const struct fork_cow_opts *o, struct lane *proto,
		      struct race_result *res)
{
	long avail_kb = meminfo_kb("MemAvailable");
	unsigned long budget = BUDGET_CAP, per_lane;
	char buf[32];

	if (avail_kb > 0 && avail_kb * 1024UL / 16 < budget)
		budget = avail_kb * 1024UL / 16;
	proto->psz = getpagesize();
	if (o->memory == FORK_COW_THP && !knob_read(THP_PMD_SIZE, buf, sizeof(buf)))
		proto->huge = strtoul(buf, NULL, 10);
	else if (o->memory == FORK_COW_HUGETLB)
		proto->huge = meminfo_kb("Hugepagesize") * 1024UL;
	if (o->memory != FORK_COW_BASE && proto->huge < proto->psz * 2)
		return race_skip(res, "huge page size unknown");
	proto->len = proto->huge ? HUGE_PER_LANE * proto->huge :
		     BASE_REGION_BYTES;
	/*
	 * Live copies: parent, two children that wrote and the parent's COW
	 * copy; THP lanes keep the two older regions mapped too.
	 */
	per_lane = (o->memory == FORK_COW_THP ? 5 : 3) * proto->len;
	if (o->storm && o->memory == FORK_COW_BASE)
		per_lane += storm_lead(proto->len);	/* never copied */
	if (per_lane * LANES > budget)
		return race_skip(res, "not enough available memory for the regions");
	proto->nr_sleepers = (budget - per_lane * LANES) / SLEEPER_BYTES / LANES;
	if (proto->nr_sleepers > o->sleepers)
		proto->nr_sleepers = o->sleepers;
	if (o->sleepers && proto->nr_sleepers < SLEEPERS_MIN)
		return race_skip(res, "not enough available memory for the sleepers");
	return 0;
}

/*
 * Lanes, children and migrator share the first CPU: there the migrator
 * gives way at the cond_resched() between the folios of a batch
 * (migrate_pages_batch()), so the lane forks and its child looks while the
 * rest of the batch is still unmapped (on a CPU of its own it ends a batch
 * within microseconds), and the pages a migration freed are the ones the
 * lane's next COW allocates (per-CPU lists), for compaction to move again.
 *
 * A fork storm wants the walk to run while the fork copies, which on one
 * CPU it does only when preempted in the middle; on a CPU of its own the
 * migrator takes the anon_vma lock the moment anon_vma_fork() drops it
 * (walk order mutant, two-node VM: one kill in five runs shared, five in
 * five apart).  Only for triggers that hand the kernel the lanes' pages in
 * long batches: apart, soft offline's single pages end at once (storms
 * met 3 to 5 in 3 s) and compaction met no storm case in 4 of 6 runs.
 *
 * A THP's PMD migration entry lives while its 2 MiB are copied, long
 * enough for a lane on its own CPU to fork and its child to look; on 6.1,
 * which migrates folio by folio, sharing the CPU met no PMD entry in 9 s
 * while a mover apart was met by 414 of 527 aimed forks in 5 s (two-node
 * TCG VM, 2026-12-06).
 *
 * Before 6.3 (kernel_migrates_in_batches()) an entry lives only while its
 * folio is copied, and only a migrator on another CPU is met mid-copy
 * (Debian 6.1.192, one run each: move_pages base_pages 0 events within 3
 * s shared, 66 apart).  Hugetlb pages share the CPU all the same: their
 * copy is long enough for the lane to catch and hold it, and the held
 * bursts gave 290 and 344 entries in 3 s against 31 apart (Debian 6.1.192,
 * move_pages).
 */
static int migrator_cpu(const struct fork_cow_opts *o,
			const struct trigger *t, int lane_cpu)
{
	bool apart = (t->flags & TRIGGER_ALL_TARGETS) &&
		     !(t->flags & TRIGGER_SCANS_ZONES) && !t->budget_pages;
	bool wants = o->storm || o->memory == FORK_COW_THP;
	bool early = !kernel_migrates_in_batches() &&
		     o->memory != FORK_COW_HUGETLB;
	int cpu = (wants && apart) || early ? allowed_cpu(1) : -1;

	return cpu >= 0 ? cpu : lane_cpu;
}

/*
 * Whether sleeps end only at timer ticks (no CONFIG_HIGH_RES_TIMERS, or
 * no clock event device for them): clock_getres() then gives the tick,
 * where high-resolution timers give 1 ns.
 */
static bool coarse_timers(void)
{
	struct timespec res;

	return !clock_getres(CLOCK_MONOTONIC, &res) &&
	       (res.tv_sec || res.tv_nsec >= 1000000);
}

/*
 * A case whose children saw no migration entry yet runs on, up to
 * EXTEND_FACTOR times its duration: on a busy machine the migrator may
 * make no progress for a few seconds (no page migrated in 3 s, once in
 * 48 cases).  It fails all the same if the window stays closed.
 */
static bool window_still_closed(struct race_env *env,
				struct fork_cow_shared *sh)
{
	return !__atomic_load_n(&sh->entries, __ATOMIC_RELAXED) &&
	       !stop_requested(env->stop) &&
	       now_seconds() - env->t_start < EXTEND_FACTOR * env->seconds;
}

/*
 * Compaction moves a page only to a hole in a partly used pageblock
 * above it, and a nearly empty node has none for long: its free scanner
 * meets the migrate scanner below the lanes' pages.  Compaction cases
 * make a room (room.h) above the lanes once they are set up, on their CPU
 * and so node, and punch a wave of holes into it every ROOM_WAVE_MS from
 * another CPU, so that the lanes' COW faults do not take them from the
 * per-CPU lists first: the free scanner stops in the room, and every
 * round moves the lanes' pages below it.  Two-node TCG VM, Debian
 * 6.12.118, 2026-12-06, fork storm and sleeper cases under compaction
 * and compact_node: 197 to 1,859 entries in 3 s in one run, none in half
 * the fork storm runs of a soak, with the room below the lanes and
 * punched three times on their CPU; 1,009 to 3,099 so (base_pages and
 * read_exclusive 5,299 to 8,546).
 */
static void room_begin(struct race_env *env, struct lane *proto,
		       struct room *room)
{
	unsigned int waves = env->seconds * 1000 / ROOM_WAVE_MS;

	if (env->trigger->flags & TRIGGER_SCANS_ZONES)
		room_make(room, ROOM_BYTES, waves ?: 1, proto->cpu);
}

/* Runs the lanes against the migrator; -1 on a set-up error. */
static int run_lanes(struct race_env *env, struct lane *proto,
		     struct fork_cow_shared *sh)
{
	int punch_cpu = allowed_cpu(1), i, ret = 0;
	pid_t pids[LANES] = { 0 };
	struct room room = { 0 };
	double wave;

	for (i = 0; i < LANES && ret >= 0; i++) {
		fflush(stdout);
		pids[i] = worker_fork();
		if (!pids[i]) {
			proto->id = i;
			proto->slot = -1;
			child_exit(lane_main(proto));
		}
		ret = pids[i] < 0 ? -1 : 0;
	}
	if (!ret && !wait_count(&sh->ready, LANES, env->stop))
		ret = -1;
	if (!ret)
		room_begin(env, proto, &room);
	if (ret || race_env_start(env, 0)) {
		race_fail(env, &sh->res, "setup",
			  "lanes or migrator did not start");
		stop_request(env->stop);
		ret = -1;
	} else {
		pin_to_cpu(env->migrator, proto->migrator_cpu);
		sh->migrator = env->migrator;
		room_punch(&room, punch_cpu);
		__atomic_store_n(&sh->go, 1, __ATOMIC_RELEASE);
		wave = now_seconds();
		while (race_time_left(env) || window_still_closed(env, sh)) {
			if (!race_time_left(env))
				race_env_nominal_end(env, sh->entries);
			usleep(10000);
			if (now_seconds() - wave >= ROOM_WAVE_MS / 1000.0) {
				wave = now_seconds();
				room_punch(&room, punch_cpu);
			}
		}
	}
	room_drop(&room);
	if (race_env_stop(env))
		race_fail(env, &sh->res, "child_failed",
			  "the migrator or its trigger failed (see above)");
	/* A lane reported what went wrong in it; its end is reported here. */
	for (i = 0; i < LANES; i++) {
		proto->id = i;
		if (pids[i] > 0)
			reap(proto, pids[i], "lane process");
	}
	return ret;
}

/* The window line's counters, the failures and what a miss says. */
static void fork_cow_result(struct race_env *env, const struct lane *proto,
			    const struct fork_cow_shared *sh,
			    struct race_result *res)
{
	long long migrated = race_vmstat_delta(env, "pgmigrate_success");

	res->failures = sh->res.failures;
	memcpy(res->first_failure, sh->res.first_failure,
	       sizeof(res->first_failure));
	res->events = sh->entries;
	race_count(res, "migrator_rounds", env->stats->rounds);
	race_count(res, "forks", sh->forks);
	race_count(res, "generations", sh->generations);
	race_count(res, "aimed", sh->aimed);
	race_count(res, "aims_in_walk", sh->aims_in_walk);
	race_count(res, "copied_write", sh->copied[MIGRATION_WRITE]);
	race_count(res, "copied_read_exclusive",
		   sh->copied[MIGRATION_READ_EXCLUSIVE]);
	race_count(res, "seen_by_child", sh->seen_by_child);
	race_count(res, "seen_by_parent", sh->seen_by_parent);
	race_count(res, "pgmigrate_success", migrated);
	race_count(res, "seen_read", sh->kind[MIGRATION_READ]);
	race_count(res, "seen_read_exclusive",
		   sh->kind[MIGRATION_READ_EXCLUSIVE]);
	race_count(res, "seen_write", sh->kind[MIGRATION_WRITE]);
	race_count(res, "seen_untyped", sh->kind[MIGRATION_NONE]);
	race_count(res, "sleepers", proto->nr_sleepers);
	race_count(res, "sleepers_recycled", sh->sleepers_recycled);
	race_count(res, "thp_regions", sh->thp_regions);
	race_count(res, "thp_misses", sh->thp_misses);
	race_count(res, "storm_forks", sh->storm_forks);
	race_count(res, "storm_seen", sh->storm_seen);
	race_count(res, "storm_split", !proto->holds);
	race_count(res, "burst_forks", sh->burst_forks);
	race_count(res, "burst_seen", sh->burst_seen);
	if (!proto->types_known)
		ksft_print_msg("%s\n", TYPES_UNKNOWN_NOTE);
	else if (sh->kind[MIGRATION_NONE])
		ksft_print_msg(NO_SWAP_TYPE_FMT, sh->kind[MIGRATION_NONE]);
	if (proto->o->memory == FORK_COW_THP && !sh->thp_regions)
		race_fail(env, res, "thp_missing", NO_THP_MSG);
	race_miss(res, NO_ENTRY_FMT, sh->forks, migrated);
}

static int fork_cow_run(struct race_env *env, const void *opts,
			struct race_result *res)
{
	const struct fork_cow_opts *o = opts;
	struct lane proto = { .env = env, .o = o };
	struct fork_cow_shared *sh;
	const char *why;
	int ret;

	proto.types_known = migration_types_known();
	if (!proto.types_known && swap_active())
		return race_skip(res, TYPES_UNKNOWN_SKIP);
	why = trigger_cannot_reach(env->trigger, o->memory);
	if (why)
		return race_skip(res, "%s", why);
	ret = size_lanes(o, &proto, res);
	if (!ret && o->memory == FORK_COW_THP)
		ret = thp_probe(o, proto.huge, res);
	if (!ret && o->memory == FORK_COW_HUGETLB)
		ret = hugetlb_reserve(proto.huge,
				      LANES * 3 * (proto.len / proto.huge),
				      res);
	if (ret)
		return ret;
	sh = shared_alloc(sizeof(*sh));
	if (!sh) {
		race_fail(env, res, "setup", "out of memory");
		return -1;
	}
	proto.sh = sh;
	/*
	 * Debian 6.1.0-57, move_pages, two-node TCG VM, 2026-12-06: 17 to
	 * 29 generations of fresh THPs in 3 s met 5 to 12 PMD entries; in a
	 * 10-run soak 9 s met 9 to 42 (median 12), hence 15 s.  Holding the
	 * copy with a spinner on the migrator's CPU (SCHED_IDLE migrator)
	 * gave 12 to 20 in 9 s against 7 to 14 without: not kept.
	 */
	if (o->memory == FORK_COW_THP && !kernel_migrates_in_batches())
		race_env_stretch(env, EARLY_THP_STRETCH, EARLY_THP_WHY);
	/*
	 * A lane aims at soft offline's 60 us entries with 50 us sleeps
	 * (lane_aim()), which last a whole tick (4 ms at HZ=250) without
	 * high-resolution timers.  The debug test kernel built without
	 * them (tinyconfig's choice), two-node TCG VM, 2026-12-07: 0 to 14
	 * aimed forks in 9 s in a 10-run soak (median 5), a base-page case
	 * below 10 entries in about one run in 20; 4 to 11 aimed forks
	 * (366 to 811 entries) in 15 s, aiming SCHED_FIFO.  Built with
	 * them: 9 to 26 (780 to 1,059 entries) in 3 s.
	 */
	if ((env->trigger->flags & TRIGGER_ONE_PAGE) &&
	    o->memory == FORK_COW_BASE && coarse_timers())
		race_env_stretch(env, COARSE_TIMERS_STRETCH, COARSE_TIMERS_WHY);
	proto.cpu = allowed_cpu(0);
	sched_getaffinity(0, sizeof(proto.allowed), &proto.allowed);
	proto.migrator_cpu = migrator_cpu(o, env->trigger, proto.cpu);
	proto.holds = proto.migrator_cpu == proto.cpu;
	proto.aim_by_rounds = env->trigger->flags & TRIGGER_ALL_TARGETS;
	proto.aim_realtime = proto.holds &&
			     (env->trigger->flags & TRIGGER_SCANS_ZONES);
	proto.aim_moving = proto.holds &&
			   (env->trigger->flags & TRIGGER_ONE_PAGE);
	ret = run_lanes(env, &proto, sh);
	fork_cow_result(env, &proto, sh, res);
	munmap(sh, sizeof(*sh));
	return ret;
}

const struct scenario fork_cow_scenario = {
	.race = "R3",
	.name = "fork_cow",
	.needs = NEED_ROOT,
	.run = fork_cow_run,
};
