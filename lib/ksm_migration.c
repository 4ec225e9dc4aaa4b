// SPDX-License-Identifier: GPL-2.0
/*
 * An R4 case from set-up to window line (ksm_migration_internal.h), and two of its
 * scenarios, ksm_forked_children and ksm_unmerge.  Each cycle runs a
 * round (compaction moves only what lies low), maps fresh pages low,
 * merges them with the migrator stopped, lets a landing process make
 * holes above them (see map_fresh()), and only then migrates.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ksm_migration_internal.h"
#include "procs.h"

#define SHARERS			2
#define CHILDREN		4	/* forked_children */
#define UNMERGE_CHILDREN	2
#define MIGRATE_ROUNDS		4
#define MIGRATOR_PAUSE_US	1000
#define SAMPLE_SECONDS		2.0	/* unmerge: migration before unmerging */
#define NO_KPAGEFLAGS \
	"/proc/kpageflags not readable (CONFIG_PROC_PAGE_MONITOR, root)"
#define NO_MOVE \
	"no KSM page changed PFN while shared (%lld KSM pages, %ld migration rounds)"

void ksm_fail(struct ksm_case *k, const char *kind, const char *fmt, ...)
{
	char msg[RACE_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	race_fail(k->env, k->res, kind, "%s: %s", k->phase, msg);
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
	k->full_scans += scans >= k->scans0 ? scans - k->scans0 : scans;
	k->pages_scanned += ksm_counter("pages_scanned") - k->scanned0;
}

/* One round of the trigger in this process: a deterministic migration. */
static void migrate_round(struct ksm_case *k)
{
	struct trigger_stats *st = k->env->stats;
	int ret = k->env->trigger->round(k->env->targets, st);

	st->rounds++;
	if (ret) {
		st->errors++;
		st->last_error = ret;
	}
}

static void targets_withdraw(struct ksm_case *k, const int *tslot, int n)
{
	while (n--)
		targets_remove(k->env->targets, tslot[n]);
}

/* Hands @slots' pages to the trigger; on failure takes none. */
static int targets_publish(struct ksm_case *k, const int *slots, int n,
			   int *tslot)
{
	struct member *m;
	int i;

	for (i = 0; i < n; i++) {
		m = &k->c->m[slots[i]];
		tslot[i] = targets_add(k->env->targets, m->pid, (void *)m->addr,
				       KSM_PAGES * getpagesize());
		if (tslot[i] < 0) {
			targets_withdraw(k, tslot, i);
			ksm_fail(k, "setup", "target table full");
			return -1;
		}
	}
	return 0;
}

static void migrator_end(struct ksm_case *k)
{
	if (k->migrator <= 0)
		return;
	stop_request(&k->c->migrate_stop);
	if (migrator_stop(k->migrator, k->env->trigger))
		ksm_fail(k, "child_failed", "the migrator failed");
	k->migrator = -1;
	ksmd_account(k);
}

/*
 * The migrator process over @slots' pages, for one cycle only: it must
 * not move pages before they merge.  It keeps off ksmd's CPU: the race
 * is ksmd reading a stable node's kpfn on one CPU while the migration of
 * its page completes on another, and a kernel without preemption runs the
 * two one after the other when they share a CPU.  Measured with
 * mutants/r4a on the debug kernel (2026-12-06): caught in 9 of 12 boots
 * with the migrator placed by the scheduler, 22 of 24 kept apart.
 */
int migration_begin(struct ksm_case *k, const int *slots, int n, int *tslot)
{
	struct race_env *e = k->env;

	if (targets_publish(k, slots, n, tslot))
		return -1;
	__atomic_store_n(&k->c->migrate_stop, false, __ATOMIC_RELAXED);
	ksmd_mark(k);
	k->migrator = migrator_start(e->trigger, e->targets, e->stats,
				     &k->c->migrate_stop, MIGRATOR_PAUSE_US,
				     k->ksmd);
	if (k->migrator >= 0)
		return 0;
	ksm_fail(k, "setup", "cannot fork the migrator: %s", strerror(errno));
	targets_withdraw(k, tslot, n);
	return -1;
}

void migration_end(struct ksm_case *k, const int *tslot, int n)
{
	migrator_end(k);
	targets_withdraw(k, tslot, n);
}

/* Checks, sets the KSM knobs (restored at teardown); 1 to SKIP, -1. */
int case_begin(struct ksm_case *k, struct race_env *env, const void *opts,
	       struct race_result *res)
{
	const struct ksm_opts *o = opts;
	char why[RACE_TEXT_MAX];
	int ret;

	memset(k, 0, sizeof(*k));
	k->env = env;
	k->res = res;
	k->migrator = -1;
	k->landing = -1;
	k->ksm.kpf_fd = -1;
	k->ksm.kpc_fd = -1;
	k->phase = "set-up";
	k->ksmd = task_by_comm("ksmd");
	if (access("/proc/kpageflags", R_OK))
		return race_skip(res, NO_KPAGEFLAGS);
	if (access("/proc/self/ksm_stat", R_OK))
		return race_skip(res, "no /proc/PID/ksm_stat (kernel older than 6.1)");
	ret = ksm_setup(o ? o->merge_across_nodes : -1, why, sizeof(why));
	if (ret > 0)
		return race_skip(res, "%s", why);
	k->c = ret ? NULL : shared_alloc(sizeof(*k->c));
	if (ret || !k->c || ksm_oracle_open(&k->ksm)) {
		ksm_fail(k, "setup", "%s", ret ? why : k->c ?
			 "cannot open /proc/kpageflags, /proc/kpagecount" :
			 "out of memory");
		return -1;
	}
	k->c->keep_policy = env->trigger->flags & TRIGGER_SETS_POLICY;
	/* Contents differ between cases and runs: no stale node matches. */
	k->c->gen = (uint32_t)getpid() << 12;
	vmstat_read(&env->vm_before);
	env->t_start = now_seconds();
	return 0;
}

/* Ends the case and fills the window line's counters. */
int case_end(struct ksm_case *k)
{
	struct race_result *res = k->res;
	struct race_env *e = k->env;
	long rounds;

	migrator_end(k);
	members_kill(k);
	ksm_oracle_close(&k->ksm);
	if (race_env_stop(e))
		ksm_fail(k, "restore", "the trigger did not stop cleanly");
	rounds = e->stats ? e->stats->rounds : 0;
	race_count(res, "ksm_pages", k->pages);
	race_count(res, "cycles", k->cycles);
	race_count(res, "children", k->children);
	race_count(res, "churners", k->churners);
	race_count(res, "churners_merged", k->c->churn_merged);
	race_count(res, "churn_moved", k->c->churn_moved);
	race_count(res, "checks", k->checks);
	race_count(res, "rounds", rounds);
	race_count(res, "ksmd_full_scans", k->full_scans);
	race_count(res, "ksmd_pages_scanned", k->pages_scanned);
	race_count(res, "pgmigrate_success",
		   race_vmstat_delta(e, "pgmigrate_success"));
	race_miss(res, NO_MOVE, k->pages, rounds);
	munmap(k->c, sizeof(*k->c));
	return 0;
}

/*
 * A case runs for the duration, and a step as long as @step_s starts only
 * while the duration holds it (race_step_time()): a cycle runs 0.5 to 1.4
 * s, and the cases took 3.0 to 3.5 s for their 3 s when every cycle that
 * began in time ran to its end, 2.4 to 3.1 s now (two-node TCG VM, Debian
 * 6.12.118, 2026-12-07).  Until a case has seen its window, though, a
 * step starts whenever time is left: a stable node case whose first
 * epoch saw no move (one compaction pass took all of it) ended its
 * nominal time there, with 0 (one run in a 10-run soak at ed28ca4).  Past
 * the duration, a case that has still seen nothing gets up to one more,
 * because a loaded machine starves ksmd (it runs at nice 5) while other
 * tests' compaction moves fresh pages before they merge.
 */
bool case_time_left(struct ksm_case *k, double step_s)
{
	bool seen = k->res->events || k->c->churn_moved;

	if (race_step_time(k->env, seen, step_s))
		return true;
	race_env_nominal_end(k->env, k->res->events);
	return !seen && now_seconds() - k->env->t_start < 2 * k->env->seconds;
}

/*
 * A new generation: @n sharers map the shared contents and ksmd merges
 * them (moves of merged pages count in @last from the merge on, if set).
 */
int sharers_merge(struct ksm_case *k, int *slots, int n, uint64_t *last)
{
	int i;

	k->phase = "merge";
	k->c->gen++;
	/* Compaction moves only what lies low: make room there first. */
	migrate_round(k);
	for (i = 0; i < n; i++) {
		slots[i] = k->c->nr++;
		if (spawn_member(k, slots[i], CMD_INIT))
			return -1;
	}
	if (ksm_set_run(1)) {
		ksm_fail(k, "setup", "cannot start ksmd");
		return -1;
	}
	return wait_merged(k, slots, n, last);
}

/*
 * @nsharers processes map the same contents and merge; ksmd stops; the
 * first sharer forks @nchildren, which ksmd has never seen.  Fills @slots
 * (sharers first) and returns how many members there are, or -1.
 */
static int merged_family(struct ksm_case *k, int nsharers, int nchildren,
			 int *slots, uint64_t *last)
{
	int i, first;

	if (sharers_merge(k, slots, nsharers, last) || landing_begin(k))
		return -1;
	/* From here on ksmd must not learn about the children. */
	if (ksm_set_run(0)) {
		ksm_fail(k, "setup", "cannot stop ksmd");
		return -1;
	}
	k->phase = "fork";
	first = reserve_children(k->c, slots[0], nchildren);
	post(k->c, slots[0], CMD_FORK, nchildren, first);
	if (wait_done(k, slots[0]))
		return -1;
	for (i = 0; i < nchildren; i++)
		slots[nsharers + i] = first + i;
	k->children += nchildren;
	return nsharers + nchildren;
}

/* ---- ksm_forked_children ---- */

/* Trigger rounds until every KSM page moved, or MIGRATE_ROUNDS. */
static long migrate_family(struct ksm_case *k, const int *slots, int n,
			   const uint64_t *before)
{
	uint64_t last[KSM_PAGES];
	int tslot[MEMBERS_MAX], round;
	long moved = 0;

	k->phase = "migrate";
	if (targets_publish(k, slots, n, tslot))
		return 0;
	ksmd_mark(k);
	for (round = 0; round < MIGRATE_ROUNDS && moved < KSM_PAGES; round++) {
		migrate_round(k);
		memcpy(last, before, sizeof(last));
		moved = count_moved(k, slots[0], last);
	}
	ksmd_account(k);
	targets_withdraw(k, tslot, n);
	return moved;
}

static int forked_cycle(struct ksm_case *k)
{
	uint64_t before[KSM_PAGES], after[KSM_PAGES];
	int slots[MEMBERS_MAX], n, i;

	n = merged_family(k, SHARERS, CHILDREN, slots, NULL);
	if (n < 0 || check_mapping(k, slots, n, before))
		return -1;
	k->res->events += migrate_family(k, slots, n, before);
	k->pages += KSM_PAGES;
	k->phase = "after migration";
	if (check_mapping(k, slots, n, after) ||
	    command(k, slots, n, CMD_CHECK, 0))
		return -1;
	/* Page i is written by member i % n: every KSM page keeps n - 1 sharers. */
	k->phase = "write";
	for (i = 0; i < KSM_PAGES; i++)
		k->c->m[slots[i % n]].own[i] = 1;
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
static int run_cycles(struct race_env *env, const void *opts,
		      struct race_result *res,
		      int (*cycle)(struct ksm_case *k))
{
	struct ksm_case k;
	int ret = case_begin(&k, env, opts, res);
	double t;

	if (ret)
		return ret;
	do {
		t = now_seconds();
		ret = cycle(&k);
		members_end(&k);
		k.cycles++;
	} while (!ret && !res->failures &&
		 case_time_left(&k, now_seconds() - t));
	return case_end(&k);
}

static int forked_children_run(struct race_env *env, const void *opts,
			       struct race_result *res)
{
	return run_cycles(env, opts, res, forked_cycle);
}

const struct scenario ksm_forked_children = {
	.race = "R4",
	.name = "ksm_forked_children",
	.needs = NEED_ROOT | NEED_KSM,
	.run = forked_children_run,
};

/* ---- ksm_unmerge ---- */

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
	struct trigger_stats *st = k->env->stats;
	double deadline;
	long rounds0;

	n = merged_family(k, SHARERS, UNMERGE_CHILDREN, slots, last);
	if (n < 0 || check_mapping(k, slots, n, before))
		return -1;
	k->res->events += note_moves(last, before, KSM_PAGES);
	k->phase = "unmerge";
	if (migration_begin(k, slots, n, tslot))
		return -1;
	for (i = 1; i < n; i += 2)
		post(k->c, slots[i], CMD_UNMERGE, 0, 0);
	rounds0 = __atomic_load_n(&st->rounds, __ATOMIC_RELAXED);
	deadline = now_seconds() + SAMPLE_SECONDS;
	while (__atomic_load_n(&st->rounds, __ATOMIC_RELAXED) < rounds0 + 2 &&
	       now_seconds() < deadline) {
		k->res->events += count_moved(k, slots[0], last);
		usleep(1000);
	}
	k->res->events += count_moved(k, slots[0], last);
	k->pages += KSM_PAGES;
	for (i = 1; i < n; i += 2)
		bad += !!wait_done(k, slots[i]);
	/* run=2 would unmerge every KSM user: only when nobody else uses it. */
	if (!ksm_other_user()) {
		if (ksm_set_run(2))
			ksm_fail(k, "setup", "cannot write run=2");
	} else if (!command(k, slots, n, CMD_UNMERGE, 0)) {
		/* The counters drop with the rmap items, on ksmd's next scans. */
		ksmd_settle(k, slots, n);
	}
	migration_end(k, tslot, n);
	if (bad || k->res->failures)
		return -1;
	k->phase = "after unmerge";
	if (check_counts(k, slots, n, true) ||
	    command(k, slots, n, CMD_CHECK, 0))
		return -1;
	return 0;
}

static int unmerge_run(struct race_env *env, const void *opts,
		       struct race_result *res)
{
	return run_cycles(env, opts, res, unmerge_cycle);
}

const struct scenario ksm_unmerge = {
	.race = "R4",
	.name = "ksm_unmerge",
	.needs = NEED_ROOT | NEED_KSM,
	.run = unmerge_run,
};
