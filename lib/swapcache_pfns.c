// SPDX-License-Identifier: GPL-2.0
/*
 * R1's bookkeeping of candidates and moves (see swapcache_unmapped.c):
 * which PFNs held unmapped swap-cache folios before the window ("before")
 * and after it ("after"), which PFNs other folios held meanwhile
 * ("other"), the sample of candidates handed to PFN-based triggers, and
 * the verdict on each parked page at the end of a round.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pagemap.h"
#include "swapcache_round.h"

#define KPF_BATCH	(128 * 1024)	/* kpageflags entries per read */

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

/* Safe against concurrent adders (the churn threads). */
static void pfn_set_add(struct pfn_set *s, uint64_t pfn)
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
		n = pread(c->kpf_fd, flags, sizeof(flags),
			  pfn * sizeof(*flags));
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

static long scan(struct sc_ctx *c, struct pfn_set *set)
{
	long seen = kpf_scan(c, set);

	if (seen < 0)
		race_fail(c->env, c->res, "setup", "/proc/kpageflags: %s",
			  strerror(-seen));
	return seen;
}

int sc_window_open(struct sc_ctx *c)
{
	struct trigger_targets *t = c->env->targets;
	long seen = scan(c, &c->before);

	if (seen < 0)
		return -1;
	c->n[CANDIDATES] += seen;
	if (pfn_set_grow(&c->other, c->before.nr)) {
		race_fail(c->env, c->res, "setup", "out of memory");
		return -1;
	}
	memset(c->other.bits, 0, c->other.nr / 8);
	memcpy(t->pfn, c->sample, c->nsample * sizeof(c->sample[0]));
	__atomic_store_n(&t->nr_pfns, c->nsample, __ATOMIC_RELEASE);
	return 0;
}

int sc_window_close(struct sc_ctx *c)
{
	__atomic_store_n(&c->env->targets->nr_pfns, 0, __ATOMIC_RELEASE);
	return scan(c, &c->after) < 0 ? -1 : 0;
}

/* A parked page found at one of these PFNs at the end has moved. */
void sc_mark_other(struct sc_ctx *c, char *p, size_t n)
{
	uint64_t pm[CHUNK_PAGES];
	size_t i;

	if (pagemap_read(c->pm_fd, (unsigned long)p, n, pm))
		return;
	for (i = 0; i < n; i++)
		if (pm_present(pm[i]))
			pfn_set_add(&c->other, pm_pfn(pm[i]));
}

/* A parked page: swapped out, read back, left alone during the window. */
static bool parked(struct sc_ctx *c, size_t i)
{
	return !c->churn[i / CHUNK_PAGES] && c->swapped[i] && c->vec[i];
}

void sc_account(struct sc_ctx *c, size_t i, uint64_t e)
{
	bool was, is;

	if (!parked(c, i) || !pm_present(e) || !pm_pfn(e))
		return;
	was = pfn_set_has(&c->before, pm_pfn(e)) &&
	      !pfn_set_has(&c->other, pm_pfn(e));
	is = pfn_set_has(&c->after, pm_pfn(e));
	c->n[TRACKED] += was || is;
	c->n[MOVED] += is && !was;
	/* Moved, but out of the swap cache by the end of the window. */
	c->n[LOST] += !is && !was;
}
