// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel verdict: taint before/after and new /dev/kmsg records.
 *
 * Memory offlining dumps "unmovable" pages into the log without tainting;
 * those dumps are expected noise and are allowed, everything else that
 * looks like a kernel error counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "verdict.h"

static const char * const bad_patterns[] = {
	"Oops", "BUG:", "kernel BUG at", "WARNING:", "Bad page",
	"general protection", "soft lockup", "hard LOCKUP",
	"rcu: INFO:", "self-detected stall", "blocked for more than",
	"Kernel panic", "Unable to handle kernel", "list_add corruption",
	"list_del corruption", "page dumped because: VM_BUG_ON",
	"KASAN:", "UBSAN:", "Memory failure:",
};

/* Lines that match a pattern above but are expected during our tests. */
static const char * const allowed_patterns[] = {
	"page dumped because: unmovable page",
	"page dumped because: isolation failed",
	"Memory failure: 0x", /* soft offline reports each page it moves */
};

static const char * const taint_letters = "PFSRMBUDAWCIOELKXTNJ";

int taint_read(unsigned long *out)
{
	FILE *f = fopen("/proc/sys/kernel/tainted", "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%lu", out) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

unsigned long taint_new_bad_bits(unsigned long before, unsigned long after)
{
	return (after & ~before) & TAINT_BAD_MASK;
}

void taint_describe(unsigned long bits, char *buf, size_t len)
{
	size_t i, n = 0;

	for (i = 0; taint_letters[i] && n + 1 < len; i++)
		if (bits & (1UL << i))
			buf[n++] = taint_letters[i];
	buf[n] = '\0';
}

static bool matches_any(const char *line, const char * const *pats, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strstr(line, pats[i]))
			return true;
	return false;
}

bool kmsg_line_is_bad(const char *line)
{
	if (matches_any(line, allowed_patterns, ARRAY_SIZE(allowed_patterns)))
		return false;
	return matches_any(line, bad_patterns, ARRAY_SIZE(bad_patterns));
}

/* A /dev/kmsg record is "prio,seq,usec,flags;text\n KEY=val...". */
const char *kmsg_record_text(const char *record)
{
	const char *semi = strchr(record, ';');

	return semi ? semi + 1 : record;
}

void verdict_start(struct verdict *v)
{
	v->taint_before = 0;
	taint_read(&v->taint_before);
	v->kmsg_unreadable = false;
	v->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (v->kmsg_fd < 0 || lseek(v->kmsg_fd, 0, SEEK_END) < 0)
		v->kmsg_unreadable = true;
}

static int scan_kmsg(int fd)
{
	char rec[8192];
	int bad = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: skip on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		rec[strcspn(rec, "\n")] = '\0';
		if (kmsg_line_is_bad(kmsg_record_text(rec))) {
			ksft_print_msg("kernel: %s\n", kmsg_record_text(rec));
			bad++;
		}
	}
	return bad;
}

int verdict_finish(struct verdict *v)
{
	unsigned long after = 0, bits;
	char letters[32];
	int bad = 0;

	if (!taint_read(&after)) {
		bits = taint_new_bad_bits(v->taint_before, after);
		if (bits) {
			taint_describe(bits, letters, sizeof(letters));
			ksft_print_msg("kernel tainted during the test: %lu -> %lu (new: %s)\n",
				       v->taint_before, after, letters);
			bad++;
		}
	}
	if (v->kmsg_fd >= 0) {
		bad += scan_kmsg(v->kmsg_fd);
		close(v->kmsg_fd);
		v->kmsg_fd = -1;
	}
	if (v->kmsg_unreadable)
		ksft_print_msg("kernel log not readable: checked taint only\n");
	return bad;
}
