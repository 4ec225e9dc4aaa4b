// SPDX-License-Identifier: GPL-2.0
/*
 * ksm_stable_nodes (ksm_migration.h): sharers hold merged pages while
 * churners come and go.  A churner maps the sharers' contents, which
 * merge into their stable nodes, and a set of its own twice over, which
 * makes new stable nodes; it waits for the merge, writes half of each and
 * exits.  ksmd then takes its rmap items off the sharers' nodes and
 * prunes its stale ones, under the folio lock of pages being migrated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ksm_migration_internal.h"
#include "pattern.h"
#include "procs.h"

#define STABLE_SHARERS		3
#define CHURN_PAGES		64
#define CHURN_MERGE_TIMEOUT	1.0
#define EPOCH_SECONDS		0.3

#define TAG_CHURN	0x43485200	/* + serial: a churner's private set */
#define TAG_CHURN_OWN	0x43485700

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
static void churner_watch(struct ksm_ctl *c, char *p)
{
	uint64_t before[CHURN_PAGES], after[CHURN_PAGES];
	struct ksm_oracle o;
	long moved = 0;
	int i;

	if (ksm_oracle_open(&o))
		return;
	if (!read_pfns(&o, 0, (unsigned long)p, CHURN_PAGES, before)) {
		usleep(1000 + random() % 20000);
		if (!read_pfns(&o, 0, (unsigned long)p, CHURN_PAGES, after))
			for (i = 0; i < CHURN_PAGES; i++)
				moved += before[i] && after[i] &&
					 before[i] != after[i];
	}
	__atomic_fetch_add(&c->churn_moved, moved, __ATOMIC_RELAXED);
	ksm_oracle_close(&o);
}

/*
 * Page @j of a churner: the sharers' contents, then a set of its own
 * twice (index KSM_PAGES + i both times).  Its writes, to odd pages of
 * the first two parts, make them its own.
 */
static void churner_page(char *a, size_t j, uint32_t serial, uint32_t gen,
			 bool written, bool check, size_t *bad)
{
	size_t p = getpagesize(), twin = j >= KSM_PAGES + CHURN_PAGES;
	uint32_t tag = j < KSM_PAGES ? TAG_SHARED : TAG_CHURN + serial;
	size_t index = twin ? j - CHURN_PAGES : j;

	if (written && (j & 1) && !twin)
		tag = TAG_CHURN_OWN + serial;
	if (check)
		*bad += !!pattern_check(a + j * p, p, tag, index, gen, *bad >= 4);
	else
		pattern_fill(a + j * p, p, tag, index, gen);
}

static void __noreturn churner_main(struct ksm_ctl *c, uint32_t serial)
{
	size_t n = KSM_PAGES + 2 * CHURN_PAGES, p = getpagesize(), j, bad = 0;
	uint32_t gen = __atomic_load_n(&c->gen, __ATOMIC_RELAXED);
	char *a;

	srandom(serial);
	a = mmap(NULL, n * p, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		_exit(WORKER_SYSCALL);
	madvise(a, n * p, MADV_NOHUGEPAGE);
	prefer_first_node(c, a, n * p);
	for (j = 0; j < n; j++)
		churner_page(a, j, serial, gen, false, false, NULL);
	if (ksm_merge_range(a, n * p))
		_exit(WORKER_SYSCALL);
	if (churner_merged(c, n / 2)) {
		__atomic_fetch_add(&c->churn_merged, 1, __ATOMIC_RELAXED);
		churner_watch(c, a + KSM_PAGES * p);
	}
	for (j = 1; j < KSM_PAGES + CHURN_PAGES; j += 2)
		churner_page(a, j, serial, gen, true, false, NULL);
	for (j = 0; j < n; j++)
		churner_page(a, j, serial, gen, true, true, &bad);
	if (bad)
		printf("# churner %d: %zu bad pages\n", getpid(), bad);
	fflush(stdout);
	_exit(bad ? WORKER_BAD_DATA : WORKER_OK);
}

/* Reaps churners that finished and starts new ones unless stopping. */
static void churners_keep(struct ksm_case *k)
{
	uint32_t serial;
	char who[32];
	int i, status;
	pid_t pid;

	for (i = 0; i < CHURNERS; i++) {
		pid = k->churner[i];
		if (pid > 0) {
			if (waitpid(pid, &status, WNOHANG) != pid)
				continue;
			k->churner[i] = 0;
			snprintf(who, sizeof(who), "churner %d", pid);
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				ksm_fail_exit(k, who, status);
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
			k->churners++;
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

	stop_request(&k->c->churn_stop);
	while (churners_left(k) && now_seconds() < deadline) {
		churners_keep(k);
		usleep(POLL_US);
	}
	if (churners_left(k))
		ksm_fail(k, "child_failed", "churners did not exit in %.0f s",
			 CMD_TIMEOUT);
	workers_kill(k->churner, CHURNERS);
	memset(k->churner, 0, sizeof(k->churner));
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
	if (migration_begin(k, slots, n, tslot))
		return -1;
	end = now_seconds() + EPOCH_SECONDS;
	while (now_seconds() < end && case_time_left(k, 0)) {
		churners_keep(k);
		sample_shared(k, slots, n, now);
		k->res->events += note_moves(last, now, KSM_PAGES);
		usleep(2000);
	}
	migration_end(k, tslot, n);
	landing_end(k);
	sample_shared(k, slots, n, now);
	k->res->events += note_moves(last, now, KSM_PAGES);
	k->pages += KSM_PAGES;
	k->cycles++;
	k->phase = "periodic check";
	if (command(k, slots, n, CMD_CHECK, 0) ||
	    check_mapping(k, slots, n, last) ||
	    check_counts(k, slots, n, false))
		return -1;
	return k->res->failures ? -1 : 0;
}

/* Churners gone, ksmd has pruned: the sharers must be exactly as merged. */
static void stable_quiet(struct ksm_case *k, const int *slots, int n)
{
	uint64_t shared[KSM_PAGES];

	k->phase = "quiet";
	churners_stop(k);
	if (!ksmd_settle(k, slots, n) && !check_mapping(k, slots, n, shared) &&
	    !check_counts(k, slots, n, false))
		command(k, slots, n, CMD_CHECK, 0);
}

static int stable_nodes_run(struct race_env *env, const void *opts,
			    struct race_result *res)
{
	int slots[MEMBERS_MAX], i, ret;
	double t, epoch_s = 0;
	struct ksm_case k;

	ret = case_begin(&k, env, opts, res);
	if (ret)
		return ret;
	ret = sharers_merge(&k, slots, STABLE_SHARERS, NULL);
	/*
	 * An epoch starts only while the time holds one as long as the last:
	 * the cases took 2.35 to 3.09 s so, against 3.08 to 3.37 s (two-node
	 * TCG VM, Debian 6.12.118, 2026-12-07, two runs each).
	 */
	for (i = 0; !ret && (!i || case_time_left(&k, epoch_s)); i++) {
		t = now_seconds();
		ret = stable_epoch(&k, slots, STABLE_SHARERS, i > 0);
		epoch_s = now_seconds() - t;
	}
	if (!ret)
		stable_quiet(&k, slots, STABLE_SHARERS);
	churners_stop(&k);
	/* The churners' own stable nodes moved while shared too. */
	res->events += k.c->churn_moved;
	members_end(&k);
	return case_end(&k);
}

const struct scenario ksm_stable_nodes = {
	.race = "R4",
	.name = "ksm_stable_nodes",
	.needs = NEED_ROOT | NEED_KSM,
	.run = stable_nodes_run,
};
