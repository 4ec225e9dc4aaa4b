// SPDX-License-Identifier: GPL-2.0
/* The result every scenario fills, and the verdict read from it. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "procs.h"
#include "scenario.h"

#define FINDING_FMT "finding: race=%s kind=%s trigger=%s\n"
#define EXTEND_TIMES	2	/* times the case's time, at most EXTEND_MAX_S */
#define EXTEND_MAX_S	30

void race_result_init(struct race_result *res)
{
	memset(res, 0, sizeof(*res));
}

void race_count(struct race_result *res, const char *name, long long value)
{
	int i;

	for (i = 0; i < res->counters; i++) {
		if (!strcmp(res->counter[i].name, name)) {
			res->counter[i].value = value;
			return;
		}
	}
	if (res->counters < RACE_COUNTERS_MAX) {
		res->counter[i].name = name;
		res->counter[i].value = value;
		res->counters++;
	}
}

void race_fail(struct race_env *env, struct race_result *res,
	       const char *kind, const char *fmt, ...)
{
	char msg[RACE_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ksft_print_msg(FINDING_FMT, env->race, kind,
		       env->trigger ? env->trigger->name : "none");
	ksft_print_msg("%s\n", msg);
	if (!res->failures++)
		snprintf(res->first_failure, sizeof(res->first_failure), "%s",
			 msg);
}

int race_skip(struct race_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->skip, sizeof(res->skip), fmt, ap);
	va_end(ap);
	return 1;
}

void race_miss(struct race_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->miss, sizeof(res->miss), fmt, ap);
	va_end(ap);
}

bool race_step_time(struct race_env *env, long long events, double step_s)
{
	return race_time_for(env, events ? step_s : 0);
}

bool race_keep_going(struct race_env *env, long long events, double step_s)
{
	double extra = EXTEND_TIMES * env->seconds;

	if (stop_requested(env->stop))
		return false;
	if (race_step_time(env, events, step_s))
		return true;
	if (extra > EXTEND_MAX_S)
		extra = EXTEND_MAX_S;
	return !events && now_seconds() - env->t_start < env->seconds + extra;
}

int race_verdict(struct race_env *env, const struct race_result *res)
{
	char extra[1024] = "";
	size_t len = 0;
	int i;

	for (i = 0; i < res->counters && len < sizeof(extra); i++)
		len += snprintf(extra + len, sizeof(extra) - len, "%s%s=%lld",
				i ? " " : "", res->counter[i].name,
				res->counter[i].value);
	race_window_print(env, res->events, res->counters ? "%s" : NULL,
			  extra);
	if (res->failures)
		ksft_print_msg("%ld failures, the first: %s\n", res->failures,
			       res->first_failure);
	if (!res->events)
		race_window_missed(env, "window not reached: %s\n",
				   res->miss[0] ? res->miss : "no window event");
	return res->failures || !res->events;
}
