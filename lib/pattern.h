/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page patterns: every 8-byte word of a page encodes who wrote it (a tag,
 * e.g. parent or child), the page index and a generation, plus the word's
 * own offset, so a wrong, stale, foreign or shifted page is caught and
 * reported with its address and the expected and actual values.
 */
#ifndef MR_PATTERN_H
#define MR_PATTERN_H

#include <stddef.h>
#include <stdint.h>

uint64_t pattern_word(uint32_t tag, uint64_t index, uint32_t gen,
		      size_t word);
void pattern_fill(void *page, size_t page_size, uint32_t tag,
		  uint64_t index, uint32_t gen);
/*
 * Returns 0 when the page holds exactly the expected pattern, else the
 * byte offset of the first bad word plus one, after printing the details
 * (unless @quiet).
 */
size_t pattern_check(const void *page, size_t page_size, uint32_t tag,
		     uint64_t index, uint32_t gen, int quiet);
void pattern_fill_range(void *addr, size_t len, size_t page_size,
			uint32_t tag, uint32_t gen);
/* Number of bad pages in the range (details printed for the first few). */
size_t pattern_check_range(const void *addr, size_t len, size_t page_size,
			   uint32_t tag, uint32_t gen);

#endif
