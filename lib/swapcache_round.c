// SPDX-License-Identifier: GPL-2.0
/*
 * One round of R1 (see swapcache_unmapped.c): push the region out
 * (MADV_PAGEOUT), read it back unmapped (MADV_WILLNEED), let the migrator
 * run while most of it stays parked in the swap cache and threads churn
 * the rest (fault in, verify, push out, read back), then fault every page
 * in and verify it.  The migrator runs only while the parked folios wait
 * in the window: set "before" is exact when taken, and every page found
 * moved at the end moved while nobody mapped it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pagemap.h"
#include "pattern.h"
#include "procs.h"
#include "swap.h"
#include "swapcache_round.h"
#include "trigger.h"

#define ROOM_FACTOR	4	/* the room is four times the region */
#define ROOM_LOW_PCT	125	/* its lowest pages freed for the read-back */
#define ROOM_WAVES	10	/* the rest freed in tenths, ... */
#define ROOM_WAVE_MS	100	/* ... one this often in the window */
#define CHURN_SHARE	4	/* about one chunk in 4 is churned */
#define REWRITE_SHARE	8	/* about one chunk in 8 gets a new generation */
#define WINDOW_MIN_S	0.6
#define WINDOW_MAX_S	3.0
#define WINDOW_ROUNDS	6	/* migrator rounds that must fit in a window */
#define REPORT_MAX	4
#define SWAP_BYTES	(1024UL << 20)	/* as race_env_setup()'s NEED_SWAP */
#define SWAP_GONE_WAIT_S 10

struct churn_arg {
	struct sc_ctx *c;
	int id;
	pthread_t thread;
};

static size_t chunk_pages(struct sc_ctx *c, size_t chunk)
{
	size_t pages = c->npages - chunk * CHUNK_PAGES;

	return pages < CHUNK_PAGES ? pages : CHUNK_PAGES;
}

/* Reads the pagemap of one chunk into c->pm; 0, or -1 recorded. */
static int chunk_pagemap(struct sc_ctx *c, size_t chunk)
{
	unsigned long addr = (unsigned long)page_at(c, chunk * CHUNK_PAGES);

	if (!pagemap_read(c->pm_fd, addr, chunk_pages(c, chunk), c->pm))
		return 0;
	race_fail(c->env, c->res, "setup", "pagemap: %s", strerror(errno));
	return -1;
}

/* Verifies (and so faults in) the pages of one chunk. */
static void verify_chunk(struct sc_ctx *c, size_t chunk)
{
	size_t i = chunk * CHUNK_PAGES, end = i + chunk_pages(c, chunk);
	long bad;

	for (; i < end; i++) {
		bad = __atomic_load_n(&c->n[BAD_PAGES], __ATOMIC_RELAXED);
		if (pattern_check(page_at(c, i), c->psz, R1_TAG, i, c->gen[i],
				  bad >= REPORT_MAX))
			__atomic_add_fetch(&c->n[BAD_PAGES], 1,
					   __ATOMIC_RELAXED);
	}
}

/*
 * Churn: swap-in meets migration.  Faults a chunk in from the swap cache,
 * verifies it, and sends it round again, so new unmapped swap-cache
 * folios appear all through the window.
 */
static void *churn_thread(void *arg)
{
	struct churn_arg *a = arg;
	struct sc_ctx *c = a->c;
	size_t k, n;
	bool busy;

	while (!__atomic_load_n(&c->churn_stop, __ATOMIC_RELAXED)) {
		busy = false;
		for (k = a->id; k < c->nchunks; k += c->nthreads) {
			char *p = page_at(c, k * CHUNK_PAGES);

			if (!c->churn[k])
				continue;
			if (__atomic_load_n(&c->churn_stop, __ATOMIC_RELAXED))
				break;
			n = chunk_pages(c, k);
			verify_chunk(c, k);
			sc_mark_other(c, p, n);
			__atomic_add_fetch(&c->n[CHURN_FAULTS], n,
					   __ATOMIC_RELAXED);
			if (madvise(p, n * c->psz, MADV_PAGEOUT) ||
			    madvise(p, n * c->psz, MADV_WILLNEED))
				__atomic_store_n(&c->churn_err, errno,
						 __ATOMIC_RELAXED);
			busy = true;
		}
		if (!busy)
			usleep(1000);
	}
	return NULL;
}

/* MADV_PAGEOUT; returns how many pages pagemap then shows in swap. */
static long try_push_out(struct sc_ctx *c)
{
	long out = 0;
	size_t k, i, first, n;

	if (madvise(c->buf, c->len, MADV_PAGEOUT)) {
		race_fail(c->env, c->res, "setup", "MADV_PAGEOUT: %s",
			  strerror(errno));
		return -1;
	}
	for (k = 0; k < c->nchunks; k++) {
		first = k * CHUNK_PAGES;
		n = chunk_pages(c, k);
		if (chunk_pagemap(c, k))
			return -1;
		for (i = 0; i < n; i++) {
			c->swapped[first + i] = !pm_present(c->pm[i]) &&
						pm_swapped(c->pm[i]);
			out += c->swapped[first + i];
		}
	}
	return out;
}

/*
 * The swap this case found active may be going away: after a case was
 * killed, its restore guardian swaps off the zram device it had set up
 * while the next case starts.  Wait for it to go and set up our own.
 */
static int swap_again(struct sc_ctx *c)
{
	double until = now_seconds() + SWAP_GONE_WAIT_S;
	char why[128];

	while (swap_active() && now_seconds() < until)
		usleep(10000);
	if (swap_active())
		return -1;
	if (swap_ensure(SWAP_BYTES, why, sizeof(why))) {
		race_fail(c->env, c->res, "setup",
			  "swap went away and cannot be set up again: %s", why);
		return -1;
	}
	return 0;
}

/* Pushes the region out; pagemap must then show pages in swap. */
static int push_out(struct sc_ctx *c)
{
	long out = try_push_out(c);

	if (!out && !swap_again(c))
		out = try_push_out(c);
	if (out < 0)
		return -1;
	c->n[SWAPPED_OUT] += out;
	if (!out) {
		race_fail(c->env, c->res, "setup",
			  "MADV_PAGEOUT left all %zu pages in memory (is swap full?)",
			  c->npages);
		return -1;
	}
	return 0;
}

/* MADV_WILLNEED, then mincore must show the swapped pages in core. */
static int read_back(struct sc_ctx *c)
{
	long kb;
	size_t i;

	if (madvise(c->buf, c->len, MADV_WILLNEED) ||
	    mincore(c->buf, c->len, c->vec)) {
		race_fail(c->env, c->res, "setup",
			  "MADV_WILLNEED or mincore: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < c->npages; i++) {
		c->vec[i] &= 1;
		c->n[READAHEAD] += c->swapped[i] && c->vec[i];
	}
	kb = meminfo_kb("SwapCached");
	if (kb > c->n[SWAPCACHED_KB])
		c->n[SWAPCACHED_KB] = kb;
	return 0;
}

/*
 * Sleeps until the migrator has done WINDOW_ROUNDS more rounds and
 * WINDOW_MIN_S passed, or WINDOW_MAX_S passed, punching a wave of the
 * room every ROOM_WAVE_MS.
 */
static void wait_migrator(struct sc_ctx *c)
{
	long r0 = __atomic_load_n(&c->env->stats->rounds, __ATOMIC_RELAXED);
	double t0 = now_seconds(), wave = t0, dt;

	do {
		usleep(5000);
		if (now_seconds() - wave >= ROOM_WAVE_MS / 1000.0) {
			wave = now_seconds();
			room_punch(&c->room, c->punch_cpu);
		}
		dt = now_seconds() - t0;
	} while (dt < WINDOW_MAX_S &&
		 (dt < WINDOW_MIN_S ||
		  __atomic_load_n(&c->env->stats->rounds, __ATOMIC_RELAXED) -
		  r0 < WINDOW_ROUNDS));
}

/* Runs the churn threads while the migrator gets its rounds in. */
static int window(struct sc_ctx *c)
{
	struct churn_arg args[c->nthreads];
	int i, started = 0, ret = 0;

	c->churn_stop = false;
	for (i = 0; i < c->nthreads; i++) {
		args[i].c = c;
		args[i].id = i;
		ret = pthread_create(&args[i].thread, NULL, churn_thread,
				     &args[i]);
		if (ret) {
			race_fail(c->env, c->res, "setup",
				  "pthread_create: %s", strerror(ret));
			break;
		}
		started++;
	}
	if (!ret)
		wait_migrator(c);
	__atomic_store_n(&c->churn_stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < started; i++)
		pthread_join(args[i].thread, NULL);
	if (c->churn_err) {
		race_fail(c->env, c->res, "setup", "churn madvise: %s",
			  strerror(c->churn_err));
		ret = -1;
	}
	return ret ? -1 : 0;
}

/* Faults every page in, verifies it and finds out which folios moved. */
static int verify_all(struct sc_ctx *c)
{
	size_t k, i;

	for (k = 0; k < c->nchunks; k++) {
		verify_chunk(c, k);
		if (chunk_pagemap(c, k))
			return -1;
		for (i = 0; i < chunk_pages(c, k); i++)
			sc_account(c, k * CHUNK_PAGES + i, c->pm[i]);
	}
	return 0;
}

/*
 * New data for a random part of the region, and a new choice of the
 * chunks to churn: each round's trip must carry both.
 */
static void rewrite_some(struct sc_ctx *c)
{
	size_t k, i;

	for (k = 0; k < c->nchunks; k++) {
		c->churn[k] = random() % CHURN_SHARE == 0;
		if (random() % REWRITE_SHARE)
			continue;
		for (i = k * CHUNK_PAGES;
		     i < k * CHUNK_PAGES + chunk_pages(c, k); i++)
			pattern_fill(page_at(c, i), c->psz, R1_TAG, i,
				     ++c->gen[i]);
	}
}

/* Lets the migrator run with the churn threads, then holds it. */
static int migrate(struct sc_ctx *c)
{
	int ret, held;

	race_env_hold(c->env, false);
	ret = window(c);
	held = race_env_hold(c->env, true);
	if (held)
		race_fail(c->env, c->res, "setup",
			  "the migrator did not pause: %s", strerror(-held));
	return ret || held ? -1 : 0;
}

/*
 * Compaction moves a page only while its migrate scanner, coming up from
 * the bottom of the zone, is below the holes its free scanner, coming
 * down, takes: the parked folios must lie low and the holes above them.
 * Scanning triggers get a room (room.h, four times the region) on the
 * case's CPU and so node once the region is out; its lowest pages, a
 * little more than the region, are freed for the read-back to land in,
 * and the rest is freed in waves through the window, from another CPU so
 * that the churn threads do not take the holes from their per-CPU lists.
 * Two-node TCG VM, Debian 6.12.118, 2026-12-06, compaction and
 * compact_node, 6 runs each, events: 2,269 to 12,096 so, against 1,125
 * to 5,278 (and 0 in a CI run, 5 and 7 in soaks) with a room twice the
 * region freed by thirds around a compaction pass before the read-back.
 */
static int make_room(struct sc_ctx *c)
{
	int ret;

	if (!(c->env->trigger->flags & TRIGGER_SCANS_ZONES))
		return 0;
	ret = room_make(&c->room, ROOM_FACTOR * c->len, ROOM_WAVES, c->cpu);
	if (ret) {
		race_fail(c->env, c->res, "setup", "room of %zu bytes: %s",
			  ROOM_FACTOR * c->len, strerror(-ret));
		return -1;
	}
	room_punch_low(&c->room, c->npages * ROOM_LOW_PCT / 100, c->cpu);
	return 0;
}

/*
 * On a node fresh from boot the lowest free memory lies above the boot's
 * movable pages: the rounds' room and parked folios landed there, and
 * every compaction pass spent its targets on the boot's pages, its
 * scanners meeting below the parked folios (compaction tracepoints,
 * two-node TCG VM, Debian 6.12.118, 2026-12-07): compaction's first
 * run after boot or after another program met 7 to 2,213 folios in two
 * rounds (four runs), the runs after it 5,632 to 10,550.  So before its
 * first round a case makes a room as large as a round's, frees every
 * other page of it and compacts once: the boot's pages move into those
 * holes, above, and the floor they leave is where the rounds' pages
 * land.  One round then met 2,781 to 6,528 in seven runs, first runs
 * included, in 0.7 to 1.2 s of clearing.
 */
int sc_clear_floor(struct sc_ctx *c)
{
	struct room floor;
	int ret;

	if (!(c->env->trigger->flags & TRIGGER_SCANS_ZONES))
		return 0;
	ret = room_make(&floor, ROOM_FACTOR * c->len, 2, c->cpu);
	if (!ret) {
		room_punch(&floor, c->punch_cpu);
		ret = compact_all_nodes();
		room_drop(&floor);
	}
	if (ret)
		race_fail(c->env, c->res, "setup",
			  "clearing low memory before the first round: %s",
			  strerror(-ret));
	return ret ? -1 : 0;
}

int sc_round(struct sc_ctx *c)
{
	int ret;

	rewrite_some(c);
	if (push_out(c) || make_room(c) || read_back(c) ||
	    sc_window_open(c))
		return -1;
	ret = migrate(c);
	if (sc_window_close(c) || ret || verify_all(c))
		return -1;
	room_drop(&c->room);
	return 0;
}
