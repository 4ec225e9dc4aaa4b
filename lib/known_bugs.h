/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Known kernel bugs: cases that fail on some kernels for a bug that is
 * fixed upstream and not the business of the case's own race.  Declared
 * in one table, lib/known_bugs.c; nowhere else.
 *
 * At the end of a declared case on a kernel the declaration applies to,
 * a failure becomes KSFT_XFAIL ("# known bug: ..." names the case, the
 * kernel, the reason and the fix) and a pass KSFT_XPASS (the bug did not
 * show: the kernel may have taken the fix).  Only EXPECT failures turn
 * into XFAIL: a failed ASSERT aborts the case, and the harness fails an
 * aborted case whatever its exit code says, as it does a crash or a
 * timeout; so a case keeps everything but the declared behaviour in
 * ASSERTs.  Problems the teardown finds (the kernel's taint and log, the
 * restore) still fail the case.
 *
 * A case opts in by calling known_bug_settle() (harness.h) at the end of
 * its FIXTURE_TEARDOWN, after a clean race_case_teardown().
 */
#ifndef MR_KNOWN_BUGS_H
#define MR_KNOWN_BUGS_H

#include <stdbool.h>
#include <stddef.h>

/* Kernels from @from up to, not including, @to (NULL: no fix yet). */
struct kver_range {
	const char *from;
	const char *to;
};

struct known_bug {
	const char *cases;	/* fnmatch(3) pattern: fixture[.variant].test */
	const char *reason;
	const char *fix;	/* subject of the upstream fix */
	/*
	 * The kernels it applies to: @probe, true when this kernel has the
	 * bug, where the behaviour can be probed apart from the case; else
	 * @kernels, by uname -r, ended by an entry with a NULL @from.
	 */
	bool (*probe)(void);
	const struct kver_range *kernels;
};

/*
 * "6.1.0-28-amd64", "6.12.118+deb12-amd64", "6.18": major, minor and
 * patch level (0 when absent).  Returns 0, or -1 when it is no version.
 */
int kver_parse(const char *release, int v[3]);
/* Is @release in one of @ranges?  A release that does not parse is not. */
bool kver_in_ranges(const char *release, const struct kver_range *ranges);
/* The same for the running kernel (uname -r). */
bool kver_running_in(const struct kver_range *ranges);
/* The declaration that applies to case @name on kernel @release, or NULL. */
const struct known_bug *known_bug_find(const char *name, const char *release);
/*
 * The exit code of case @name that ended with @code (KSFT_PASS or
 * KSFT_FAIL) on the running kernel: KSFT_XFAIL or KSFT_XPASS, with the
 * line that says why and a short @reason for the TAP line, when a
 * declaration applies; else @code.
 */
int known_bug_outcome(const char *name, int code, char *reason, size_t len);

#endif
