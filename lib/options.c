// SPDX-License-Identifier: GPL-2.0
/*
 * Strict parsing of -t SECONDS and MIGRATION_RACES_SCALE.  "-t" is shared
 * with the harness, which uses it to select a test by name: an argument
 * that starts with a digit is a duration, anything else goes to the
 * harness unchanged.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

double mr_duration = MR_DEFAULT_SECONDS;

/* A positive decimal number with nothing after it, at most @max. */
static int parse_positive(const char *s, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int mr_parse_seconds(const char *s, double *out)
{
	return parse_positive(s, MR_MAX_SECONDS, out);
}

int mr_parse_scale(const char *s, double *out)
{
	return parse_positive(s, 1000, out);
}

static void print_usage(const char *prog, const char *why)
{
	fprintf(stderr, "%s: %s\n", prog, why);
	fprintf(stderr,
		"usage: %s [-t SECONDS] [harness options]\n"
		"  -t SECONDS  how long each race case runs (default %d, times $%s)\n"
		"  -t NAME     (a name, not a number) select a test, as the harness does\n"
		"  -h          list the harness options\n",
		prog, MR_DEFAULT_SECONDS, MR_SCALE_ENV);
}

/*
 * Removes the duration options from argv so the harness sees only its own.
 * Returns 0, or -1 after a usage message when the input is bad.
 */
int mr_options_parse(int *argc, char **argv)
{
	const char *env = getenv(MR_SCALE_ENV);
	double seconds = MR_DEFAULT_SECONDS, scale = 1;
	bool explicit = false;
	int i, out = 1;

	if (env && mr_parse_scale(env, &scale)) {
		print_usage(argv[0], "bad " MR_SCALE_ENV " (a number > 0 and <= 1000)");
		return -1;
	}
	for (i = 1; i < *argc; i++) {
		const char *arg = argv[i], *val = NULL;

		if (!strcmp(arg, "-t") && i + 1 < *argc)
			val = argv[i + 1];
		else if (!strncmp(arg, "-t", 2) && arg[2])
			val = arg + 2;
		if (val && (isdigit((unsigned char)*val) || *val == '-' ||
			    *val == '.')) {
			if (mr_parse_seconds(val, &seconds)) {
				print_usage(argv[0], "bad duration for -t");
				return -1;
			}
			explicit = true;
			i += (val == argv[i + 1]);
			continue;
		}
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	*argc = out;
	mr_duration = explicit ? seconds : seconds * scale;
	return 0;
}

/* Harness timeout for one case: its duration plus set-up, checks, restore. */
int mr_case_timeout(void)
{
	return (int)ceil(mr_duration * 2) + 60;
}
