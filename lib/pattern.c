// SPDX-License-Identifier: GPL-2.0
/* Page pattern fill and verify; see pattern.h. */
#include <stdio.h>

#include "pattern.h"

#define REPORT_MAX	4
#define BAD_DATA_FMT	"# bad data at %p (page %llu, byte %zu): expected %#llx (tag %u gen %u), found %#llx\n"

/*
 * A cheap mix of all inputs: two pages that differ in any input differ in
 * every word, so a single flipped or stale byte changes the word it is in.
 */
uint64_t pattern_word(uint32_t tag, uint64_t index, uint32_t gen,
		      size_t word)
{
	uint64_t x = ((uint64_t)tag << 32 | gen) ^ (index * 0x9e3779b97f4a7c15ULL);

	x ^= (uint64_t)word * 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 31;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 29;
	return x | 1;	/* never zero: a zero page is always wrong */
}

void pattern_fill(void *page, size_t page_size, uint32_t tag,
		  uint64_t index, uint32_t gen)
{
	uint64_t *w = page;
	size_t i;

	for (i = 0; i < page_size / sizeof(*w); i++)
		w[i] = pattern_word(tag, index, gen, i);
}

size_t pattern_check(const void *page, size_t page_size, uint32_t tag,
		     uint64_t index, uint32_t gen, int quiet)
{
	const uint64_t *w = page;
	size_t i;

	for (i = 0; i < page_size / sizeof(*w); i++) {
		uint64_t want = pattern_word(tag, index, gen, i);

		if (w[i] == want)
			continue;
		if (!quiet)
			printf(BAD_DATA_FMT,
			       (void *)&w[i], (unsigned long long)index,
			       i * sizeof(*w), (unsigned long long)want, tag,
			       gen, (unsigned long long)w[i]);
		return i * sizeof(*w) + 1;
	}
	return 0;
}

void pattern_fill_range(void *addr, size_t len, size_t page_size,
			uint32_t tag, uint32_t gen)
{
	size_t i;

	for (i = 0; i < len / page_size; i++)
		pattern_fill((char *)addr + i * page_size, page_size, tag, i,
			     gen);
}

size_t pattern_check_range(const void *addr, size_t len, size_t page_size,
			   uint32_t tag, uint32_t gen)
{
	size_t i, bad = 0;

	for (i = 0; i < len / page_size; i++)
		if (pattern_check((const char *)addr + i * page_size,
				  page_size, tag, i, gen, bad >= REPORT_MAX))
			bad++;
	return bad;
}
