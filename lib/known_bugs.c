// SPDX-License-Identifier: GPL-2.0
/* The known kernel bugs and their matching; see known_bugs.h. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>

#include "kselftest.h"
#include "known_bugs.h"

/*
 * "mm/ksm: fix incorrect KSM counter handling in mm_struct during fork"
 * fixes "ksm: count ksm merging pages for each process" (6.1).  It went
 * into 6.18 and stable 6.17.4 and 6.12.54 (Debian's 6.12 changelog lists
 * it under 6.12.54; its 6.12.118 has it).  6.6.y took it in October 2025
 * at a point release not checked here: a later 6.6 shows XPASS.  The 6.1
 * backport did not apply, and 6.1.192 shows the bug; Debian 12's 6.1
 * reports "6.1.0-N-amd64", which hides the point release, so all of 6.1
 * is declared.  No probe: reading a forked child's counters is the case
 * itself, which would then never XPASS.
 */
static const struct kver_range ksm_fork_counters_kernels[] = {
	{ "6.1", "6.12.54" },
	{ "6.13", "6.17.4" },
	{ NULL },
};

#define XPASS_FMT \
	"known bug did not show: case=%s kernel=%s fix=\"%s\": the declared bug did not show, this kernel may have the fix\n"

static const struct known_bug known_bugs[] = {
	{
		.cases = "ksm_accounting.fork_resets_counters",
		.reason =
		"a forked child inherits the parent's ksm_merging_pages and ksm_rmap_items",
		.fix = "mm/ksm: fix incorrect KSM counter handling in mm_struct during fork",
		.kernels = ksm_fork_counters_kernels,
	},
};

int kver_parse(const char *release, int v[3])
{
	const char *p = release;
	char *end;
	int i;

	for (i = 0; i < 3; i++) {
		v[i] = 0;
		if (i == 2 && *p != '.')
			break;
		if (i)
			p++;
		if (*p < '0' || *p > '9')
			return -1;
		v[i] = (int)strtol(p, &end, 10);
		p = end;
		if (i == 0 && *p != '.')
			return -1;
	}
	return 0;
}

static int kver_cmp(const int a[3], const int b[3])
{
	int i;

	for (i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

bool kver_in_ranges(const char *release, const struct kver_range *ranges)
{
	int v[3], from[3], to[3];

	if (kver_parse(release, v))
		return false;
	for (; ranges->from; ranges++) {
		if (kver_parse(ranges->from, from) || kver_cmp(v, from) < 0)
			continue;
		if (!ranges->to)
			return true;
		if (!kver_parse(ranges->to, to) && kver_cmp(v, to) < 0)
			return true;
	}
	return false;
}

bool kver_running_in(const struct kver_range *ranges)
{
	struct utsname u;

	return !uname(&u) && kver_in_ranges(u.release, ranges);
}

static bool known_bug_applies(const struct known_bug *b, const char *release)
{
	if (b->probe)
		return b->probe();
	return kver_in_ranges(release, b->kernels);
}

const struct known_bug *known_bug_find(const char *name, const char *release)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known_bugs); i++)
		if (!fnmatch(known_bugs[i].cases, name, 0) &&
		    known_bug_applies(&known_bugs[i], release))
			return &known_bugs[i];
	return NULL;
}

int known_bug_outcome(const char *name, int code, char *reason, size_t len)
{
	const struct known_bug *b;
	struct utsname u;

	if ((code != KSFT_PASS && code != KSFT_FAIL) || uname(&u))
		return code;
	b = known_bug_find(name, u.release);
	if (!b)
		return code;
	if (code == KSFT_FAIL) {
		ksft_print_msg("known bug: case=%s kernel=%s reason=%s fix=\"%s\"\n",
			       name, u.release, b->reason, b->fix);
		snprintf(reason, len, "known kernel bug, fixed by \"%s\"",
			 b->fix);
		return KSFT_XFAIL;
	}
	ksft_print_msg(XPASS_FMT, name, u.release, b->fix);
	snprintf(reason, len, "declared known bug did not show (fix: \"%s\")",
		 b->fix);
	return KSFT_XPASS;
}
