/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's own verdict on a test: taint bits that appeared while it ran
 * and new kernel log lines that report an oops, BUG, WARNING, bad page,
 * lockup or stall.  A race test fails when the kernel does, whatever the
 * test's own checks say.
 */
#ifndef MR_VERDICT_H
#define MR_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

struct verdict {
	unsigned long taint_before;
	int kmsg_fd;		/* /dev/kmsg positioned at the start, or -1 */
	bool kmsg_unreadable;
};

/* Taint bits that mean the kernel saw something wrong. */
#define TAINT_BAD_MASK	((1UL << 4) | (1UL << 5) | (1UL << 7) | \
			 (1UL << 9) | (1UL << 14))

void verdict_start(struct verdict *v);
/* Prints every finding; returns how many there were. */
int verdict_finish(struct verdict *v);

int taint_read(unsigned long *out);
unsigned long taint_new_bad_bits(unsigned long before, unsigned long after);
void taint_describe(unsigned long bits, char *buf, size_t len);
bool kmsg_line_is_bad(const char *line);
const char *kmsg_record_text(const char *record);

#endif
