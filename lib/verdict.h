/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's own verdict on a test: taint bits that appeared while it ran
 * and new kernel log lines that report an oops, BUG, WARNING, bad page,
 * lockup or stall (lib/kernel_problems.h).  A race test fails when the
 * kernel does, whatever the test's own checks say.
 *
 * Every finding prints a human line and a machine-readable one:
 *	# finding: kind=<kind> source=kmsg|taint line="<text>"
 *
 * main() opens /dev/kmsg once for the whole program (verdict_program_start)
 * and every case reads that one open file: a case killed on timeout never
 * reads its records, so the next case's start or the program's final scan
 * reads and reports them instead, and the program then fails.
 */
#ifndef MR_VERDICT_H
#define MR_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

/* Where the next /dev/kmsg record should come from, to count overruns. */
struct kmsg_reader {
	int fd;
	unsigned long long next_seq;
	bool seq_known;
	bool overrun;		/* read() said EPIPE: records were lost */
};

struct verdict {
	unsigned long taint_before;
	struct kmsg_reader own;	/* when main() opened none for us */
	struct kmsg_reader *kmsg;	/* positioned at the start, or NULL */
	bool kmsg_unreadable;
};

/* Taint bits that mean the kernel saw something wrong. */
#define TAINT_BAD_MASK	((1UL << 4) | (1UL << 5) | (1UL << 7) | \
			 (1UL << 9) | (1UL << 14))

/* main(), before the harness: the shared /dev/kmsg and the final scan. */
void verdict_program_start(void);
/* Names the case whose verdict starts next, for reports of a killed case. */
void verdict_case_name(const char *trigger, const char *test);
/*
 * A case whose set-up SKIPs or fails: the harness runs no teardown, so
 * the records of its set-up are left to the next scan, as between cases.
 */
void verdict_case_abandon(void);

void verdict_start(struct verdict *v);
/* Prints every finding; returns how many there were. */
int verdict_finish(struct verdict *v);

int taint_read(unsigned long *out);
unsigned long taint_new_bad_bits(unsigned long before, unsigned long after);
void taint_describe(unsigned long bits, char *buf, size_t len);

/* The kind of problem a log line reports (kernel_problems.h), or NULL. */
const char *kmsg_line_kind(const char *line);
bool kmsg_line_is_bad(const char *line);
const char *kmsg_record_text(const char *record);
/* The sequence number of a record, or -1 when it has none. */
long long kmsg_record_seq(const char *record);
/*
 * Records the record @seq as read; returns how many records were lost
 * before it (0 when none, -1 when an overrun lost an unknown number).
 */
long long kmsg_reader_advance(struct kmsg_reader *r, long long seq);
/* "kind=K source=S line=\"...\"", quotes and backslashes escaped. */
void finding_format(char *buf, size_t len, const char *kind,
		    const char *source, const char *line);

#endif
