// SPDX-License-Identifier: GPL-2.0
/*
 * R1, swap cache without rmap; seeds 000/001 ("memory unplug: migration by
 * kernel"), whose first fix now lives in migrate_folio_unmap(): a folio
 * read into the swap cache by MADV_WILLNEED is on the LRU with
 * folio->mapping == NULL until a fault maps it, and a PFN-scanning
 * migrator (compaction, memory offline, soft offline by address) must move
 * it without an rmap walk, updating the swap cache to the new folio.
 *
 * Each round pushes the region out (MADV_PAGEOUT), reads it back unmapped
 * (MADV_WILLNEED), lets the migrator run while most of it stays parked in
 * the swap cache and threads churn the rest (fault in, verify, push out,
 * read back), then faults every page in and verifies it.
 *
 * Compaction moves a page only when a partly used pageblock above it has
 * room, lowest pages first, and on a big machine at rest every pageblock
 * is either full or empty: folios read back into the pages the push-out
 * just freed would never be touched.  So each round also holds a "room"
 * of anonymous pages twice the region's size and frees a third of them by
 * PFN before the read-back (compaction fills those holes from the bottom
 * of the zone, and the read-back lands in the low pages it freed) and
 * another third when the window opens.
 *
 * How a move is proven: kpageflags is scanned after the read-back (set
 * "before": every unmapped swap-cache PFN) and again after the migrator
 * ran (set "after").  Faulting a parked page in maps its swap-cache folio
 * itself, so pagemap then names that folio's PFN.  A parked page found at
 * a PFN in "after" that was not in "before", or that a churned page held
 * meanwhile, was an unmapped swap-cache folio that changed physical page
 * while nobody mapped it: nothing else puts it there, since nothing read
 * parked pages in again during the round.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "pagemap.h"
#include "pattern.h"
#include "procs.h"
#include "scenario_swapcache.h"
#include "swap.h"

#define REGION_MAX	(32UL << 20)
#define REGION_MIN	(8UL << 20)
#define REGION_SHARE	64	/* at most 1/64 of MemAvailable */
#define ROOM_FACTOR	2	/* the room is twice the region */
#define CHUNK_PAGES	64
#define CHURN_SHARE	4	/* about one chunk in 4 is churned */
#define REWRITE_SHARE	8	/* about one chunk in 8 gets a new generation */
#define CHURN_THREADS	2
#define WINDOW_MIN_S	0.3
#define WINDOW_MAX_S	3.0
#define WINDOW_ROUNDS	3	/* migrator rounds that must fit in the window */
#define SETTLE_MAX_S	1.0
#define SETTLE_ROUNDS	2	/* migrator rounds that fill the first holes */
#define MIGRATOR_PAUSE_US 1000
#define MIN_ROUNDS	2
#define EXTRA_TIME	2	/* times the case's time, at most EXTRA_MAX_S */
#define EXTRA_MAX_S	30
#define KPF_BATCH	(128 * 1024)	/* kpageflags entries per read */
#define REPORT_MAX	4
#define R1_TAG		0x5231	/* "R1" */
#define SWAP_BYTES	(1024UL * 1024 * 1024)	/* as race_env_setup()'s NEED_SWAP */
#define SWAP_GONE_WAIT_S 10
#define NO_MOVE_FMT	"window not reached: no unmapped swap-cache folio changed PFN (%ld candidates, %ld tracked)\n"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

struct pfn_set {
	uint64_t *bits;
	uint64_t nr;		/* PFNs the bitmap covers */
};

struct sc_ctx {
	struct race_env *env;
	struct swapcache_result *res;
	char *buf;
	size_t psz, len, npages, nchunks;
	uint32_t *gen;		/* generation each page holds */
	unsigned char *churn;	/* per chunk: churned this round */
	unsigned char *swapped;	/* per page: pagemap said swapped out */
	unsigned char *vec;	/* per page: mincore after MADV_WILLNEED */
	uint64_t *pm;		/* pagemap of one chunk */
	struct pfn_set before, after;
	struct pfn_set other;	/* PFNs another folio held during the window */
	uint64_t sample[TARGET_PFNS_MAX];	/* PFNs for PFN triggers */
	int nsample;
	int pm_fd, kpf_fd, nthreads;
	bool churn_stop;
	char *room;		/* pages freed by thirds to make room */
	size_t room_n;
	uint64_t *room_pfn;
};

struct churn_arg {
	struct sc_ctx *c;
	int id;
	pthread_t thread;
};

static pthread_mutex_t error_lock = PTHREAD_MUTEX_INITIALIZER;

static void sc_fail(struct sc_ctx *c, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&error_lock);
	if (!c->res->error[0]) {
		va_start(ap, fmt);
		vsnprintf(c->res->error, sizeof(c->res->error), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&error_lock);
}

static int pfn_set_grow(struct pfn_set *s, uint64_t nr)
{
	uint64_t words = (nr + 63) / 64, old = s->nr / 64;
	uint64_t *bits;

	if (nr <= s->nr)
		return 0;
	bits = realloc(s->bits, words * sizeof(*bits));
	if (!bits)
		return -ENOMEM;
	memset(bits + old, 0, (words - old) * sizeof(*bits));
	s->bits = bits;
	s->nr = words * 64;
	return 0;
}

static void pfn_set_add(struct pfn_set *s, uint64_t pfn)
{
	s->bits[pfn / 64] |= 1ULL << (pfn % 64);
}

/* Safe against concurrent adders (the churn threads). */
static void pfn_set_add_atomic(struct pfn_set *s, uint64_t pfn)
{
	if (pfn < s->nr)
		__atomic_fetch_or(&s->bits[pfn / 64], 1ULL << (pfn % 64),
				  __ATOMIC_RELAXED);
}

static bool pfn_set_has(const struct pfn_set *s, uint64_t pfn)
{
	return pfn < s->nr && (s->bits[pfn / 64] >> (pfn % 64) & 1);
}

/* In the swap cache, mapped by nobody, whether on the LRU yet or not. */
static bool kpf_unmapped_swapcache_any(uint64_t f)
{
	return kpf(f, KPF_SWAPCACHE) && !kpf(f, KPF_MMAP) &&
	       !kpf(f, KPF_ANON) && !kpf(f, KPF_NOPAGE);
}

/* Keeps a uniform sample of the R1 candidates for PFN-based triggers. */
static void sample_add(struct sc_ctx *c, uint64_t pfn, long seen)
{
	long j;

	if (seen <= TARGET_PFNS_MAX) {
		c->sample[seen - 1] = pfn;
		c->nsample = seen;
		return;
	}
	j = random() % seen;
	if (j < TARGET_PFNS_MAX)
		c->sample[j] = pfn;
}

/*
 * One pass over /proc/kpageflags into @s: every unmapped swap-cache PFN,
 * on the LRU or not (a folio being migrated or just put back is off the
 * LRU for a moment).  Samples the R1 candidates proper (on the LRU, where
 * a migrator can isolate them) and returns how many there were, or
 * -errno.
 */
static long kpf_scan(struct sc_ctx *c, struct pfn_set *s)
{
	static uint64_t flags[KPF_BATCH];
	uint64_t pfn = 0;
	long seen = 0;
	ssize_t n, i;

	if (s->bits)
		memset(s->bits, 0, s->nr / 8);
	c->nsample = 0;
	for (;;) {
		n = pread(c->kpf_fd, flags, sizeof(flags), pfn * sizeof(*flags));
		if (n < 0)
			return -errno;
		n /= sizeof(*flags);
		if (!n)
			break;
		if (pfn_set_grow(s, pfn + n))
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			bool cand = kpf_unmapped_swapcache(flags[i]);

			if (cand)
				sample_add(c, pfn + i, ++seen);
			if (cand || kpf_unmapped_swapcache_any(flags[i]))
				pfn_set_add(s, pfn + i);
		}
		pfn += n;
	}
	return seen;
}

/* Hands the sampled candidates to PFN-based triggers, or withdraws them. */
static void publish_pfns(struct sc_ctx *c, bool on)
{
	struct trigger_targets *t = c->env->targets;

	__atomic_store_n(&t->nr_pfns, 0, __ATOMIC_RELEASE);
	if (!on)
		return;
	memcpy(t->pfn, c->sample, c->nsample * sizeof(c->sample[0]));
	__atomic_store_n(&t->nr_pfns, c->nsample, __ATOMIC_RELEASE);
}

static char *page_at(struct sc_ctx *c, size_t i)
{
	return c->buf + i * c->psz;
}

/* Verifies (and so faults in) the pages of one chunk. */
static void verify_chunk(struct sc_ctx *c, size_t chunk)
{
	size_t i = chunk * CHUNK_PAGES, end = i + CHUNK_PAGES;
	long bad;

	for (; i < end && i < c->npages; i++) {
		bad = __atomic_load_n(&c->res->bad_pages, __ATOMIC_RELAXED);
		if (pattern_check(page_at(c, i), c->psz, R1_TAG, i, c->gen[i],
				  bad >= REPORT_MAX))
			__atomic_add_fetch(&c->res->bad_pages, 1,
					   __ATOMIC_RELAXED);
	}
}

static size_t chunk_len(struct sc_ctx *c, size_t chunk)
{
	size_t pages = c->npages - chunk * CHUNK_PAGES;

	return (pages < CHUNK_PAGES ? pages : CHUNK_PAGES) * c->psz;
}

/*
 * The PFNs of these pages, about to be freed, held folios other than the
 * parked ones: a parked page found there at the end has moved.
 */
static void mark_other(struct sc_ctx *c, char *p, size_t n)
{
	uint64_t pm[CHUNK_PAGES];
	size_t i;

	if (pagemap_read(c->pm_fd, (unsigned long)p, n, pm))
		return;
	for (i = 0; i < n; i++)
		if (pm_present(pm[i]))
			pfn_set_add_atomic(&c->other, pm_pfn(pm[i]));
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
	size_t k;
	bool busy;

	while (!__atomic_load_n(&c->churn_stop, __ATOMIC_RELAXED)) {
		busy = false;
		for (k = a->id; k < c->nchunks; k += c->nthreads) {
			char *p = page_at(c, k * CHUNK_PAGES);

			if (!c->churn[k])
				continue;
			if (__atomic_load_n(&c->churn_stop, __ATOMIC_RELAXED))
				break;
			verify_chunk(c, k);
			mark_other(c, p, chunk_len(c, k) / c->psz);
			__atomic_add_fetch(&c->res->churn_faults,
					   chunk_len(c, k) / c->psz,
					   __ATOMIC_RELAXED);
			if (madvise(p, chunk_len(c, k), MADV_PAGEOUT) ||
			    madvise(p, chunk_len(c, k), MADV_WILLNEED))
				sc_fail(c, "churn madvise: %s", strerror(errno));
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
	size_t k, i;

	if (madvise(c->buf, c->len, MADV_PAGEOUT)) {
		sc_fail(c, "MADV_PAGEOUT: %s", strerror(errno));
		return -1;
	}
	for (k = 0; k < c->nchunks; k++) {
		size_t first = k * CHUNK_PAGES, n = chunk_len(c, k) / c->psz;

		if (pagemap_read(c->pm_fd, (unsigned long)page_at(c, first),
				 n, c->pm)) {
			sc_fail(c, "pagemap: %s", strerror(errno));
			return -1;
		}
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
		sc_fail(c, "swap went away and cannot be set up again: %s",
			why);
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
	c->res->swapped_out += out;
	if (!out) {
		sc_fail(c, "MADV_PAGEOUT left all %zu pages in memory (is swap full?)",
			c->npages);
		return -1;
	}
	return 0;
}

/* MADV_WILLNEED, then mincore must show the swapped pages in core. */
static int read_back(struct sc_ctx *c)
{
	long in = 0, kb;
	size_t i;

	if (madvise(c->buf, c->len, MADV_WILLNEED)) {
		sc_fail(c, "MADV_WILLNEED: %s", strerror(errno));
		return -1;
	}
	if (mincore(c->buf, c->len, c->vec)) {
		sc_fail(c, "mincore: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < c->npages; i++) {
		c->vec[i] &= 1;
		in += c->swapped[i] && c->vec[i];
	}
	c->res->readahead += in;
	kb = meminfo_kb("SwapCached");
	if (kb > c->res->swapcached_kb)
		c->res->swapcached_kb = kb;
	return 0;
}

static void pick_chunks(struct sc_ctx *c)
{
	size_t k;

	for (k = 0; k < c->nchunks; k++)
		c->churn[k] = random() % CHURN_SHARE == 0;
}

/* MADV_DONTNEED on the room's pages whose PFN is @third modulo 3. */
static void room_punch(struct sc_ctx *c, unsigned int third)
{
	size_t i = 0, j;

	while (i < c->room_n) {
		if (!c->room_pfn[i] || c->room_pfn[i] % 3 != third) {
			i++;
			continue;
		}
		j = i;
		while (j < c->room_n && c->room_pfn[j] &&
		       c->room_pfn[j] % 3 == third)
			j++;
		madvise(c->room + i * c->psz, (j - i) * c->psz, MADV_DONTNEED);
		i = j;
	}
}

static void room_drop(struct sc_ctx *c)
{
	if (c->room)
		munmap(c->room, c->room_n * c->psz);
	free(c->room_pfn);
	c->room = NULL;
	c->room_pfn = NULL;
	c->room_n = 0;
}

/* Maps and touches the room, and learns where its pages are. */
static int room_make(struct sc_ctx *c)
{
	size_t i, len = ROOM_FACTOR * c->len;

	c->room_n = len / c->psz;
	c->room = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	c->room_pfn = calloc(c->room_n, sizeof(*c->room_pfn));
	if (c->room == MAP_FAILED || !c->room_pfn) {
		if (c->room == MAP_FAILED)
			c->room = NULL;
		sc_fail(c, "out of memory for %zu bytes of room", len);
		return -1;
	}
	if (madvise(c->room, len, MADV_NOHUGEPAGE) ||
	    madvise(c->room, len, MADV_DONTFORK)) {
		sc_fail(c, "madvise: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < c->room_n; i++)
		c->room[i * c->psz] = 1;
	if (pagemap_read(c->pm_fd, (unsigned long)c->room, c->room_n,
			 c->room_pfn)) {
		sc_fail(c, "pagemap: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < c->room_n; i++)
		c->room_pfn[i] = pm_present(c->room_pfn[i]) ?
				 pm_pfn(c->room_pfn[i]) : 0;
	return 0;
}

/*
 * Sleeps until the migrator has done @rounds more rounds and @min_s
 * passed, or @max_s passed.
 */
static void wait_migrator(struct sc_ctx *c, long rounds, double min_s,
			  double max_s)
{
	long r0 = __atomic_load_n(&c->env->stats->rounds, __ATOMIC_RELAXED);
	double t0 = now_seconds(), dt;

	do {
		usleep(5000);
		dt = now_seconds() - t0;
	} while (dt < max_s &&
		 (dt < min_s ||
		  __atomic_load_n(&c->env->stats->rounds, __ATOMIC_RELAXED) -
		  r0 < rounds));
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
		if (pthread_create(&args[i].thread, NULL, churn_thread,
				   &args[i])) {
			sc_fail(c, "pthread_create failed");
			ret = -1;
			break;
		}
		started++;
	}
	if (!ret) {
		/* A second wave of room once the first holes are full. */
		wait_migrator(c, WINDOW_ROUNDS, WINDOW_MIN_S, WINDOW_MAX_S);
		room_punch(c, 2);
		wait_migrator(c, WINDOW_ROUNDS, WINDOW_MIN_S, WINDOW_MAX_S);
	}
	__atomic_store_n(&c->churn_stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < started; i++)
		pthread_join(args[i].thread, NULL);
	return ret;
}

/* A parked page: swapped out, read back, left alone during the window. */
static bool parked(struct sc_ctx *c, size_t i)
{
	return !c->churn[i / CHUNK_PAGES] && c->swapped[i] && c->vec[i];
}

static void account_page(struct sc_ctx *c, size_t i, uint64_t e)
{
	bool was, is;

	if (!parked(c, i) || !pm_present(e) || !pm_pfn(e))
		return;
	was = pfn_set_has(&c->before, pm_pfn(e)) &&
	      !pfn_set_has(&c->other, pm_pfn(e));
	is = pfn_set_has(&c->after, pm_pfn(e));
	c->res->tracked += was || is;
	c->res->moved += is && !was;
	/* Moved, but out of the swap cache by the end of the window. */
	c->res->lost += !is && !was;
}

/* Faults every page in, verifies it and finds out which folios moved. */
static int verify_all(struct sc_ctx *c)
{
	size_t k, i, first, n;

	for (k = 0; k < c->nchunks; k++) {
		first = k * CHUNK_PAGES;
		n = chunk_len(c, k) / c->psz;
		verify_chunk(c, k);
		if (pagemap_read(c->pm_fd, (unsigned long)page_at(c, first),
				 n, c->pm)) {
			sc_fail(c, "pagemap: %s", strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++)
			account_page(c, first + i, c->pm[i]);
	}
	return 0;
}

/* "Each round re-faults a random part" of the region with new data. */
static void rewrite_some(struct sc_ctx *c)
{
	size_t k, i;

	for (k = 0; k < c->nchunks; k++) {
		if (random() % REWRITE_SHARE)
			continue;
		for (i = k * CHUNK_PAGES;
		     i < (k + 1) * CHUNK_PAGES && i < c->npages; i++)
			pattern_fill(page_at(c, i), c->psz, R1_TAG, i,
				     ++c->gen[i]);
	}
}

/* Returns the number of R1 candidates seen, or -1. */
static long scan_into(struct sc_ctx *c, struct pfn_set *set)
{
	long seen = kpf_scan(c, set);

	if (seen < 0) {
		sc_fail(c, "/proc/kpageflags: %s", strerror(-seen));
		return -1;
	}
	return seen;
}

/* Lets the migrator run: compaction fills the holes, then stops again. */
static int migrate_for(struct sc_ctx *c, long rounds, double min_s,
		       double max_s, bool churn)
{
	int ret = 0, held;

	race_env_hold(c->env, false);
	if (churn)
		ret = window(c);
	else
		wait_migrator(c, rounds, min_s, max_s);
	held = race_env_hold(c->env, true);
	if (held)
		sc_fail(c, "the migrator did not pause: %s", strerror(-held));
	return ret || held ? -1 : 0;
}

/*
 * The migrator runs only while the room is filled and while the parked
 * folios wait in the window: set "before" is exact when taken, and every
 * page found moved at the end moved while nobody mapped it.
 */
static int one_round(struct sc_ctx *c)
{
	long seen;

	/* New data for some pages: this round's trip must carry it. */
	rewrite_some(c);
	pick_chunks(c);
	if (push_out(c) || room_make(c))
		return -1;
	room_punch(c, 0);
	if (migrate_for(c, SETTLE_ROUNDS, 0, SETTLE_MAX_S, false) ||
	    read_back(c))
		return -1;
	room_punch(c, 1);
	seen = scan_into(c, &c->before);
	if (seen < 0)
		return -1;
	c->res->candidates += seen;
	if (pfn_set_grow(&c->other, c->before.nr)) {
		sc_fail(c, "out of memory");
		return -1;
	}
	memset(c->other.bits, 0, c->other.nr / 8);
	publish_pfns(c, true);
	if (migrate_for(c, WINDOW_ROUNDS, WINDOW_MIN_S, WINDOW_MAX_S, true))
		return -1;
	publish_pfns(c, false);
	if (scan_into(c, &c->after) < 0 || verify_all(c))
		return -1;
	room_drop(c);
	return 0;
}

static size_t region_size(const struct swapcache_opts *o, size_t psz)
{
	long kb = meminfo_kb("MemAvailable");
	size_t len;

	if (o && o->region_bytes) {
		len = o->region_bytes;
	} else {
		len = kb > 0 ? (size_t)kb * 1024 / REGION_SHARE : REGION_MIN;
		if (len > REGION_MAX)
			len = REGION_MAX;
		if (len < REGION_MIN)
			len = REGION_MIN;
	}
	return len / psz * psz;
}

static int sc_setup(struct sc_ctx *c, const struct swapcache_opts *o)
{
	c->psz = getpagesize();
	c->len = region_size(o, c->psz);
	c->npages = c->len / c->psz;
	c->nchunks = (c->npages + CHUNK_PAGES - 1) / CHUNK_PAGES;
	c->nthreads = o && o->churn_threads > 0 ? o->churn_threads :
		      CHURN_THREADS;
	c->res->pages = c->npages;
	c->pm_fd = pagemap_open(0);
	c->kpf_fd = kpageflags_open();
	c->gen = calloc(c->npages, sizeof(*c->gen));
	c->swapped = calloc(c->npages, 1);
	c->vec = calloc(c->npages, 1);
	c->churn = calloc(c->nchunks, 1);
	c->pm = calloc(CHUNK_PAGES, sizeof(*c->pm));
	c->buf = mmap(NULL, c->len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (c->buf == MAP_FAILED) {
		c->buf = NULL;
		sc_fail(c, "mmap of %zu bytes: %s", c->len, strerror(errno));
		return -1;
	}
	if (c->pm_fd < 0 || c->kpf_fd < 0) {
		sc_fail(c, "cannot open pagemap or kpageflags: %s",
			strerror(errno));
		return -1;
	}
	if (!c->gen || !c->swapped || !c->vec || !c->churn || !c->pm) {
		sc_fail(c, "out of memory");
		return -1;
	}
	/*
	 * Base pages: a THP would be split on the way to swap anyway.  No
	 * process forked later may share the pages: MADV_PAGEOUT leaves
	 * pages mapped twice alone.
	 */
	if (madvise(c->buf, c->len, MADV_NOHUGEPAGE) ||
	    madvise(c->buf, c->len, MADV_DONTFORK)) {
		sc_fail(c, "madvise: %s", strerror(errno));
		return -1;
	}
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
	room_drop(c);
}

/* How long a case that has not reached its window may go on. */
static double extra_time(void)
{
	double t = EXTRA_TIME * race_duration();

	return t < EXTRA_MAX_S ? t : EXTRA_MAX_S;
}

/*
 * At least MIN_ROUNDS rounds.  Past the case's time, a case that has not
 * reached its window yet gets extra_time() more: a busy machine then
 * costs time rather than a false "window not reached".
 */
static bool keep_going(struct sc_ctx *c)
{
	double spent = now_seconds() - c->env->t_start;

	if (stop_requested(c->env->stop))
		return false;
	if (c->res->rounds < MIN_ROUNDS || race_time_left(c->env))
		return true;
	return !c->res->moved && spent < race_duration() + extra_time();
}

int swapcache_probe(char *why, size_t len)
{
	size_t psz = getpagesize();
	int fd = kpageflags_open(), ret = 0;
	void *p;

	if (fd < 0) {
		snprintf(why, len,
			 "/proc/kpageflags not readable (CONFIG_PROC_PAGE_MONITOR, root): %s",
			 strerror(errno));
		return 1;
	}
	close(fd);
	p = mmap(NULL, psz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(why, len, "mmap: %s", strerror(errno));
		return 1;
	}
	*(char *)p = 1;
	if (madvise(p, psz, MADV_PAGEOUT)) {
		snprintf(why, len, "no MADV_PAGEOUT: %s", strerror(errno));
		ret = 1;
	}
	munmap(p, psz);
	return ret;
}

int swapcache_run(struct race_env *env, const struct swapcache_opts *o,
		  struct swapcache_result *res)
{
	struct sc_ctx *c = calloc(1, sizeof(*c));
	int ret;

	memset(res, 0, sizeof(*res));
	if (!c) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		return -1;
	}
	c->env = env;
	c->res = res;
	c->pm_fd = -1;
	c->kpf_fd = -1;
	srandom(time(NULL) ^ getpid());
	if (!(env->trigger->flags & TRIGGER_UNMAPPED)) {
		sc_fail(c, "trigger %s cannot reach pages nobody maps",
			env->trigger->name);
	} else {
		/*
		 * The migrator is forked before the region exists, and held
		 * until the first window.
		 */
		ret = race_env_start(env, MIGRATOR_PAUSE_US);
		if (!ret)
			ret = race_env_hold(env, true);
		if (ret)
			sc_fail(c, "migrator: %s", strerror(-ret));
		else
			ret = sc_setup(c, o);
		while (!ret && keep_going(c) && !one_round(c))
			res->rounds++;
		publish_pfns(c, false);
		if (race_env_stop(env))
			sc_fail(c, "the migrator failed");
		res->migrator_rounds = env->stats->rounds;
	}
	sc_cleanup(c);
	free(c);
	return res->error[0] ? -1 : 0;
}

int swapcache_verdict(struct race_env *env,
		      const struct swapcache_result *r)
{
	int fail = 0;

	race_window_print(env, r->moved,
			  "rounds=%ld pages=%ld swapped_out=%ld readahead=%ld candidates=%ld tracked=%ld lost=%ld churn_faults=%ld bad_pages=%ld migrator_rounds=%ld swapcached_kb=%ld pgmigrate_success=%lld compact_isolated=%lld pswpout=%lld pswpin=%lld",
			  r->rounds, r->pages, r->swapped_out, r->readahead,
			  r->candidates, r->tracked, r->lost,
			  r->churn_faults, r->bad_pages, r->migrator_rounds,
			  r->swapcached_kb,
			  race_vmstat_delta(env, "pgmigrate_success"),
			  race_vmstat_delta(env, "compact_isolated"),
			  race_vmstat_delta(env, "pswpout"),
			  race_vmstat_delta(env, "pswpin"));
	if (r->error[0]) {
		ksft_print_msg("R1 scenario failed: %s\n", r->error);
		fail++;
	}
	if (r->bad_pages) {
		ksft_print_msg("%ld pages held wrong data after a trip through the swap cache\n",
			       r->bad_pages);
		fail++;
	}
	if (!r->error[0] && !r->readahead) {
		ksft_print_msg("MADV_WILLNEED read nothing back into the swap cache\n");
		fail++;
	}
	if (!r->moved) {
		race_window_missed(env, NO_MOVE_FMT,
				   r->candidates, r->tracked);
		fail++;
	}
	return fail;
}
