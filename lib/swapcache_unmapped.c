// SPDX-License-Identifier: GPL-2.0
/*
 * R1, swap cache without rmap; seeds 000/001 ("memory unplug: migration by
 * kernel"), whose first fix now lives in migrate_folio_unmap(): a folio
 * read into the swap cache by MADV_WILLNEED is on the LRU with
 * folio->mapping == NULL until a fault maps it, and a PFN-scanning
 * migrator (compaction, memory offline, soft offline by address) must move
 * it without an rmap walk, updating the swap cache to the new folio.
 *
 * Rounds (swapcache_round.c) send a private anonymous region through swap
 * and back into the swap cache, unmapped, while the migrator runs; every
 * page is verified each round.  Compaction moves a page only when a partly
 * used pageblock above it has room, lowest pages first, and on a big
 * machine at rest every pageblock is either full or empty: folios read
 * back into the pages the push-out just freed would never be touched.  So
 * under compaction each round also holds a room (lib/room.h) four times
 * the region's size: the folios land in its lowest pages, and the holes
 * punched above them through the window are where compaction moves them.
 *
 * How a move is proven (swapcache_pfns.c): kpageflags is scanned after
 * the read-back (set "before": every unmapped swap-cache PFN) and again
 * after the migrator ran (set "after").  Faulting a parked page in maps
 * its swap-cache folio itself, so pagemap then names that folio's PFN.  A
 * parked page found at a PFN in "after" that was not in "before", or that
 * a churned page held meanwhile, was an unmapped swap-cache folio that
 * changed physical page while nobody mapped it: nothing else puts it
 * there, since nothing read parked pages in again during the round.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pagemap.h"
#include "pattern.h"
#include "procs.h"
#include "swapcache_round.h"
#include "swapcache_unmapped.h"

#define REGION_MAX	(32UL << 20)
#define REGION_MIN	(8UL << 20)
#define REGION_SHARE	64	/* at most 1/64 of MemAvailable */
#define CHURN_THREADS	2
#define MIGRATOR_PAUSE_US 1000
#define NO_KPF_FMT \
	"/proc/kpageflags not readable (CONFIG_PROC_PAGE_MONITOR, root): %s"

static const char *const count_name[LINE_COUNTS] = {
	"rounds", "pages", "swapped_out", "readahead", "candidates",
	"tracked", "lost", "churn_faults", "bad_pages", "migrator_rounds",
	"swapcached_kb",
};

/*
 * The window needs /proc/kpageflags and MADV_PAGEOUT; swap itself is
 * race_env_setup()'s NEED_SWAP.  Returns 0, or race_skip()'s 1.
 */
static int probe(struct race_result *res)
{
	size_t psz = getpagesize();
	int fd = kpageflags_open(), ret = 0;
	void *p;

	if (fd < 0)
		return race_skip(res, NO_KPF_FMT, strerror(errno));
	close(fd);
	p = mmap(NULL, psz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return race_skip(res, "mmap: %s", strerror(errno));
	*(char *)p = 1;
	if (madvise(p, psz, MADV_PAGEOUT))
		ret = race_skip(res, "no MADV_PAGEOUT: %s", strerror(errno));
	munmap(p, psz);
	return ret;
}

static size_t region_size(const struct swapcache_unmapped_opts *o,
			  size_t psz)
{
	long kb = meminfo_kb("MemAvailable");
	size_t len = kb > 0 ? (size_t)kb * 1024 / REGION_SHARE : REGION_MIN;

	if (o && o->region_bytes)
		len = o->region_bytes;
	else if (len > REGION_MAX)
		len = REGION_MAX;
	else if (len < REGION_MIN)
		len = REGION_MIN;
	return len / psz * psz;
}

static int sc_setup(struct sc_ctx *c, const struct swapcache_unmapped_opts *o)
{
	c->psz = getpagesize();
	c->len = region_size(o, c->psz);
	c->npages = c->len / c->psz;
	c->nchunks = (c->npages + CHUNK_PAGES - 1) / CHUNK_PAGES;
	c->nthreads = o && o->churn_threads > 0 ? o->churn_threads :
		      CHURN_THREADS;
	c->n[PAGES] = c->npages;
	c->pm_fd = pagemap_open(0);
	c->kpf_fd = kpageflags_open();
	c->gen = calloc(c->npages, sizeof(*c->gen));
	c->swapped = calloc(c->npages, 1);
	c->vec = calloc(c->npages, 1);
	c->churn = calloc(c->nchunks, 1);
	c->pm = calloc(CHUNK_PAGES, sizeof(*c->pm));
	c->buf = mmap(NULL, c->len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (c->buf == MAP_FAILED)
		c->buf = NULL;
	if (!c->buf || c->pm_fd < 0 || c->kpf_fd < 0 || !c->gen ||
	    !c->swapped || !c->vec || !c->churn || !c->pm) {
		race_fail(c->env, c->res, "setup",
			  "%zu bytes of region, pagemap or kpageflags: %s",
			  c->len, strerror(errno));
		return -1;
	}
	/*
	 * Base pages: a THP would be split on the way to swap anyway.  No
	 * process forked later may share the pages: MADV_PAGEOUT leaves
	 * pages mapped twice alone.
	 */
	if (madvise(c->buf, c->len, MADV_NOHUGEPAGE) ||
	    madvise(c->buf, c->len, MADV_DONTFORK)) {
		race_fail(c->env, c->res, "setup", "madvise: %s",
			  strerror(errno));
		return -1;
	}
	if (sc_clear_floor(c))
		return -1;
	pattern_fill_range(c->buf, c->len, c->psz, R1_TAG, 0);
	return 0;
}

static void sc_cleanup(struct sc_ctx *c)
{
	if (c->buf)
		munmap(c->buf, c->len);
	if (c->pm_fd >= 0)
		close(c->pm_fd);
	if (c->kpf_fd >= 0)
		close(c->kpf_fd);
	free(c->gen);
	free(c->swapped);
	free(c->vec);
	free(c->churn);
	free(c->pm);
	free(c->before.bits);
	free(c->after.bits);
	free(c->other.bits);
	room_drop(&c->room);
}

/*
 * One round at least, every one of which met the window in five runs
 * (soft offline 129 to 168, offline 6,080 to 6,528; compaction once the
 * floor is clear, sc_clear_floor()).  Then a round starts only while the
 * case's time holds one (race_step_time()): soft offline's and offline's
 * cases ran their 2 s rounds twice, 3.6 s for their 3 s.  Past the time,
 * rounds go on while the window is not reached (race_keep_going()).
 */
static bool keep_going(struct sc_ctx *c, double round_s)
{
	if (!c->n[ROUNDS])
		return !stop_requested(c->env->stop);
	return race_keep_going(c->env, c->n[MOVED], round_s);
}

/* The window figure, the window line's counters and what failed. */
static void report(struct sc_ctx *c)
{
	static const char *const vmstat[] = {
		"pgmigrate_success", "compact_isolated", "pswpout", "pswpin",
	};
	struct race_result *res = c->res;
	size_t i;

	res->events = c->n[MOVED];
	for (i = 0; i < LINE_COUNTS; i++)
		race_count(res, count_name[i], c->n[i]);
	for (i = 0; i < ARRAY_SIZE(vmstat); i++)
		race_count(res, vmstat[i],
			   race_vmstat_delta(c->env, vmstat[i]));
	if (!res->failures && !c->n[READAHEAD])
		race_fail(c->env, res, "setup",
			  "MADV_WILLNEED read nothing back into the swap cache");
	if (c->n[BAD_PAGES])
		race_fail(c->env, res, "bad_data",
			  "%ld pages held wrong data after a trip through the swap cache",
			  c->n[BAD_PAGES]);
	race_miss(res, "no unmapped swap-cache folio changed PFN (%ld candidates, %ld tracked)",
		  c->n[CANDIDATES], c->n[TRACKED]);
}

/*
 * Under a scanning trigger the room must share the parked folios' node
 * (swapcache_round.c): the case (region, room, read-back and churn
 * threads) stays on one CPU and so one node, and the room's holes are
 * punched from another.  The harness runs each case in a process of its
 * own, so the pin ends with the case; the migrator, forked before, is
 * free.
 */
static void pin_case(struct sc_ctx *c)
{
	c->cpu = -1;
	c->punch_cpu = -1;
	if (!(c->env->trigger->flags & TRIGGER_SCANS_ZONES))
		return;
	c->cpu = allowed_cpu(0);
	c->punch_cpu = allowed_cpu(1);
	pin_to_cpu(0, c->cpu);
}

static int swapcache_unmapped_run(struct race_env *env, const void *opts,
				  struct race_result *res)
{
	struct sc_ctx *c;
	int ret = probe(res);
	double t, round_s = 0;	/* how long the last round took */

	if (ret)
		return ret;
	if (!(env->trigger->flags & TRIGGER_UNMAPPED)) {
		race_fail(env, res, "setup",
			  "trigger %s cannot reach pages nobody maps",
			  env->trigger->name);
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		race_fail(env, res, "setup", "out of memory");
		return -1;
	}
	c->env = env;
	c->res = res;
	c->pm_fd = -1;
	c->kpf_fd = -1;
	srandom(time(NULL) ^ getpid());
	/*
	 * The migrator is forked before the region exists, and held until
	 * the first window.
	 */
	ret = race_env_start(env, MIGRATOR_PAUSE_US);
	if (!ret)
		ret = race_env_hold(env, true);
	if (ret) {
		race_fail(env, res, "setup", "migrator: %s", strerror(-ret));
	} else {
		pin_case(c);
		ret = sc_setup(c, opts);
	}
	while (!ret && keep_going(c, round_s)) {
		t = now_seconds();
		if (sc_round(c))
			break;
		round_s = now_seconds() - t;
		c->n[ROUNDS]++;
	}
	if (race_env_stop(env))
		race_fail(env, res, "child_failed", "the migrator failed");
	c->n[MIGRATOR_ROUNDS] = env->stats->rounds;
	if (!ret)
		report(c);
	sc_cleanup(c);
	free(c);
	return ret ? -1 : 0;
}

const struct scenario swapcache_unmapped_scenario = {
	.race = "R1",
	.name = "swapcache_unmapped",
	.needs = NEED_ROOT | NEED_SWAP,
	.run = swapcache_unmapped_run,
};
