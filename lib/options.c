// SPDX-License-Identifier: GPL-2.0
/* Strict parsing of the duration's environment; see options.h. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "options.h"

#define USAGE_FMT \
	"%s: bad %s='%s': wants %s\n  %s=SECONDS  how long each race case runs (default %d s times $%s, at most %d s)\n"

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

static int usage_error(const char *var, const char *val, const char *want)
{
	fprintf(stderr, USAGE_FMT, program_invocation_short_name, var, val,
		want, MR_SECONDS_ENV, MR_DEFAULT_SECONDS, MR_SCALE_ENV,
		MR_MAX_SECONDS);
	return -1;
}

int mr_options_parse(void)
{
	const char *seconds = getenv(MR_SECONDS_ENV);
	const char *scale_env = getenv(MR_SCALE_ENV);
	double scale = 1;

	if (scale_env && mr_parse_scale(scale_env, &scale))
		return usage_error(MR_SCALE_ENV, scale_env,
				   "a number > 0 and <= 1000");
	if (seconds) {
		if (mr_parse_seconds(seconds, &mr_duration))
			return usage_error(MR_SECONDS_ENV, seconds,
					   "a number of seconds > 0, at most the cap");
		return 0;
	}
	if (MR_DEFAULT_SECONDS * scale > MR_MAX_SECONDS)
		return usage_error(MR_SCALE_ENV, scale_env,
				   "a scale that keeps the default duration under the cap");
	mr_duration = MR_DEFAULT_SECONDS * scale;
	return 0;
}

int mr_watchdog_seconds_for(double seconds)
{
	return (int)ceil(seconds * 2) + 60;
}

int mr_watchdog_seconds(void)
{
	return mr_watchdog_seconds_for(mr_duration);
}
