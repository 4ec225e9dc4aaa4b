// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel verdict: taint before/after and new /dev/kmsg records, judged by
 * the one pattern list in kernel_problems.h.
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
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest.h"
#include "verdict.h"

enum kp_where { KP_START, KP_ANY };

struct kernel_problem {
	const char *kind;
	enum kp_where where;
	const char *text;
};

static const struct kernel_problem kernel_problems[] = {
#define KP(kind, where, text) { #kind, KP_##where, text },
#include "kernel_problems.h"
#undef KP
};

/*
 * Shared by main() and every case it forks: the one /dev/kmsg open file
 * (its read position is per open file, so each reader goes on where the
 * last stopped) and the case whose verdict is open.  A case the harness
 * killed on timeout leaves case_open set and its records unread.
 */
struct kmsg_ledger {
	struct kmsg_reader reader;
	pid_t runner;
	bool used;		/* some case ran a verdict */
	bool case_open;
	char case_name[160];
	int outside;		/* findings no case's own verdict reported */
};

static struct kmsg_ledger *ledger;
static char next_case_name[160] = "a case";

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

static bool problem_matches(const struct kernel_problem *p, const char *line)
{
	if (p->where == KP_START)
		return !strncmp(line, p->text, strlen(p->text));
	return strstr(line, p->text);
}

const char *kmsg_line_kind(const char *line)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kernel_problems); i++) {
		if (!problem_matches(&kernel_problems[i], line))
			continue;
		if (!strcmp(kernel_problems[i].kind, "noise"))
			return NULL;
		return kernel_problems[i].kind;
	}
	return NULL;
}

bool kmsg_line_is_bad(const char *line)
{
	return kmsg_line_kind(line);
}

/* A /dev/kmsg record is "prio,seq,usec,flags;text\n KEY=val...". */
const char *kmsg_record_text(const char *record)
{
	const char *semi = strchr(record, ';');

	return semi ? semi + 1 : record;
}

long long kmsg_record_seq(const char *record)
{
	const char *comma = strchr(record, ',');
	char *end;
	long long seq;

	if (!comma)
		return -1;
	errno = 0;
	seq = strtoll(comma + 1, &end, 10);
	if (errno || end == comma + 1 || *end != ',' || seq < 0)
		return -1;
	return seq;
}

long long kmsg_reader_advance(struct kmsg_reader *r, long long seq)
{
	long long lost = 0;

	if (seq >= 0 && r->seq_known && (unsigned long long)seq > r->next_seq)
		lost = seq - r->next_seq;
	else if (r->overrun)
		lost = -1;
	r->overrun = false;
	if (seq >= 0) {
		r->next_seq = seq + 1;
		r->seq_known = true;
	}
	return lost;
}

void finding_format(char *buf, size_t len, const char *kind,
		    const char *source, const char *line)
{
	int head = snprintf(buf, len, "kind=%s source=%s line=\"", kind, source);
	size_t n = head;
	bool esc;

	if (head < 0 || n + 2 > len)
		return;		/* no room for the text: left as cut */
	/* Each character needs room after it for the closing quote and NUL. */
	for (; *line; line++) {
		esc = *line == '"' || *line == '\\';
		if (n + esc + 3 > len)
			break;
		if (esc)
			buf[n++] = '\\';
		buf[n++] = *line;
	}
	buf[n++] = '"';
	buf[n] = '\0';
}

static void report_finding(const char *kind, const char *source,
			   const char *line, const char *where)
{
	char buf[1024];

	ksft_print_msg("kernel%s: %s\n", where, line);
	finding_format(buf, sizeof(buf), kind, source, line);
	ksft_print_msg("finding: %s\n", buf);
}

static void report_overrun(long long lost)
{
	if (lost > 0)
		ksft_print_msg("kmsg: overrun, %lld records lost\n", lost);
	else
		ksft_print_msg("kmsg: overrun, records lost\n");
}

/*
 * Reads every record not read yet and reports the problems in it, with
 * @where after "kernel" in the human line; returns how many there were.
 */
static int kmsg_drain(struct kmsg_reader *r, const char *where)
{
	char rec[8192];
	const char *kind, *text;
	long long lost;
	int bad = 0;
	ssize_t n;

	for (;;) {
		n = read(r->fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE) {
			/* The ring buffer overwrote records we had not read. */
			r->overrun = true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		rec[strcspn(rec, "\n")] = '\0';
		lost = kmsg_reader_advance(r, kmsg_record_seq(rec));
		if (lost)
			report_overrun(lost);
		text = kmsg_record_text(rec);
		kind = kmsg_line_kind(text);
		if (kind) {
			report_finding(kind, "kmsg", text, where);
			bad++;
		}
	}
	return bad;
}

static bool kmsg_open(struct kmsg_reader *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (r->fd < 0)
		return false;
	if (lseek(r->fd, 0, SEEK_END) < 0) {
		close(r->fd);
		r->fd = -1;
		return false;
	}
	return true;
}

/*
 * Records logged since the last verdict: between cases (the restore of
 * the last one), or in a case that ended without its verdict because the
 * harness killed it.  They fail the program, not the case at hand.
 */
static int ledger_drain(const char *when)
{
	char where[256];
	int bad;

	if (ledger->case_open)
		snprintf(where, sizeof(where),
			 " (%s, in %s, which ended without its verdict: killed)",
			 when, ledger->case_name);
	else
		snprintf(where, sizeof(where), " (%s, between cases)", when);
	bad = kmsg_drain(&ledger->reader, where);
	ledger->outside += bad;
	ledger->case_open = false;
	return bad;
}

/* atexit() of the runner: the final scan, after the last case. */
static void verdict_program_end(void)
{
	if (!ledger || getpid() != ledger->runner || !ledger->used)
		return;
	ledger_drain("final scan");
	if (!ledger->outside)
		return;
	ksft_print_msg("kernel: %d problem(s) outside the cases' own verdicts\n",
		       ledger->outside);
	fflush(stdout);
	fflush(stderr);
	/* exit() has already begun: only _exit() can still change the status. */
	_exit(KSFT_FAIL);
}

void verdict_program_start(void)
{
	ledger = mmap(NULL, sizeof(*ledger), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ledger == MAP_FAILED) {
		ledger = NULL;
		return;
	}
	ledger->runner = getpid();
	/* Unreadable (not root): each case then tries and says so itself. */
	if (!kmsg_open(&ledger->reader) || atexit(verdict_program_end)) {
		if (ledger->reader.fd >= 0)
			close(ledger->reader.fd);
		munmap(ledger, sizeof(*ledger));
		ledger = NULL;
	}
}

void verdict_case_name(const char *trigger, const char *test)
{
	snprintf(next_case_name, sizeof(next_case_name), "%s.%s",
		 trigger, test);
}

void verdict_case_abandon(void)
{
	if (ledger)
		ledger->case_open = false;
}

void verdict_start(struct verdict *v)
{
	v->taint_before = 0;
	taint_read(&v->taint_before);
	v->kmsg_unreadable = false;
	v->kmsg = NULL;
	if (ledger) {
		ledger_drain("before this case");
		ledger->used = true;
		ledger->case_open = true;
		snprintf(ledger->case_name, sizeof(ledger->case_name), "%s",
			 next_case_name);
		v->kmsg = &ledger->reader;
	} else if (kmsg_open(&v->own)) {
		v->kmsg = &v->own;
	} else {
		v->kmsg_unreadable = true;
	}
}

static int taint_verdict(unsigned long before)
{
	unsigned long after = 0, bits;
	char letters[32], what[96], buf[256];

	if (taint_read(&after))
		return 0;
	bits = taint_new_bad_bits(before, after);
	if (!bits)
		return 0;
	taint_describe(bits, letters, sizeof(letters));
	snprintf(what, sizeof(what), "%lu -> %lu (new: %s)",
		 before, after, letters);
	ksft_print_msg("kernel tainted during the test: %s\n", what);
	finding_format(buf, sizeof(buf), "taint", "taint", what);
	ksft_print_msg("finding: %s\n", buf);
	return 1;
}

int verdict_finish(struct verdict *v)
{
	int bad = taint_verdict(v->taint_before);

	if (v->kmsg) {
		bad += kmsg_drain(v->kmsg, "");
		if (v->kmsg == &v->own)
			close(v->own.fd);
		else
			ledger->case_open = false;
		v->kmsg = NULL;
	}
	if (v->kmsg_unreadable)
		ksft_print_msg("kernel log not readable: checked taint only\n");
	return bad;
}
