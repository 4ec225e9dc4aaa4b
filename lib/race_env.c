// SPDX-License-Identifier: GPL-2.0
/* Common set-up, migrator control, verdict and window line; race_env.h. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "kconfig.h"
#include "kselftest.h"
#include "options.h"
#include "procs.h"
#include "race_env.h"
#include "swap.h"
#include "undo.h"

#define SWAP_BYTES	(1024UL * 1024 * 1024)
#define HOLD_TIMEOUT_S	60
/* The window line; tools parse it (race_env.h). */
#define WINDOW_FMT \
	"window: race=%s trigger=%s events=%lld seconds=%.1f nominal_seconds=%.1f nominal_events=%lld pages_requested=%ld pages_moved=%ld pages_refused=%ld pgmigrate_fail=%lld%s\n"
/*
 * When a case that missed its window blames the kernel instead: at least
 * REFUSAL_MIN_PAGES handed to the trigger, and at least REFUSAL_PERCENT
 * of them refused page by page (or, for triggers that cannot tell page
 * by page, at least as many migrations failing in /proc/vmstat as
 * succeeding).  See the README for the figures on correct kernels.
 */
#define REFUSAL_MIN_PAGES	64
#define REFUSAL_PERCENT		50
#define MISS_FINDING_FMT \
	"finding: race=%s kind=window_missed trigger=%s\n"
#define OVERRUN_FINDING_FMT \
	"finding: race=%s kind=case_timeout trigger=%s seconds=%d\n"
#define NOT_REACHED		"window not reached: "
#define PAGE_REFUSAL_FMT \
	"%ld of %ld pages handed to %s were refused (last status %d, %s), %ld moved; pgmigrate_fail +%lld, pgmigrate_success +%lld"
#define VMSTAT_REFUSAL_FMT \
	"pgmigrate_fail +%lld against pgmigrate_success +%lld while %s ran"
#define REFUSAL_FINDING_FMT \
	"finding: race=%s kind=migration_refused trigger=%s pages_requested=%ld pages_refused=%ld last_status=%d\n"

/* For a case without a migrator: every figure 0. */
static const struct trigger_stats no_stats;

double race_duration(void)
{
	return mr_duration;
}

static int check_needs(unsigned int needs, char *why, size_t len)
{
	if ((needs & NEED_ROOT) && geteuid()) {
		snprintf(why, len, "needs root");
		return 1;
	}
	if ((needs & NEED_KSM) && access("/sys/kernel/mm/ksm/run", W_OK)) {
		snprintf(why, len, "no writable /sys/kernel/mm/ksm (CONFIG_KSM, root)");
		return 1;
	}
	if ((needs & NEED_THP) &&
	    access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK)) {
		snprintf(why, len, "no THP (CONFIG_TRANSPARENT_HUGEPAGE)");
		return 1;
	}
	if ((needs & NEED_SWAP) && swap_ensure(SWAP_BYTES, why, len))
		return 1;
	return 0;
}

int race_env_setup(struct race_env *e, const char *race,
		   const char *trigger_name, unsigned int needs,
		   char *why, size_t len)
{
	memset(e, 0, sizeof(*e));
	e->nominal_events = -1;
	e->seconds = race_duration();
	e->race = race;
	e->migrator = -1;
	verdict_start(&e->verdict);
	/*
	 * Die with our parent, and let main() kill our process group when
	 * the runner kills the harness: the guardian then restores at once.
	 */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	case_pgrp_publish();
	if (undo_start(why, len))
		return -1;
	e->set_up = true;
	if (!trigger_name)
		return check_needs(needs, why, len);
	e->trigger = trigger_find(trigger_name);
	if (!e->trigger) {
		snprintf(why, len, "unknown trigger %s", trigger_name);
		return -1;
	}
	if (e->trigger->probe(why, len) || check_needs(needs, why, len))
		return 1;
	e->targets = targets_create();
	e->stats = shared_alloc(sizeof(*e->stats));
	e->stop = stop_flag_create();
	if (!e->targets || !e->stats || !e->stop) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	if (e->trigger->prepare && e->trigger->prepare()) {
		snprintf(why, len, "trigger %s could not be prepared",
			 e->trigger->name);
		return -1;
	}
	return 0;
}

/* A pause between rounds that spreads a bounded trigger over the case. */
static unsigned int budget_pause_us(const struct race_env *e)
{
	const struct trigger *t = e->trigger;
	double rounds;

	if (!t->budget_pages || !t->pages_per_round)
		return 0;
	rounds = (double)t->budget_pages / t->pages_per_round;
	return e->seconds * 1e6 / rounds;
}

void race_env_stretch(struct race_env *e, double times, const char *why)
{
	unsigned int left = alarm(0);	/* the case's watchdog, if armed */

	if (times > MR_STRETCH_MAX)
		times = MR_STRETCH_MAX;
	e->seconds = race_duration() * times;
	if (e->seconds > MR_MAX_SECONDS)
		e->seconds = MR_MAX_SECONDS;
	if (left)
		alarm(left + mr_watchdog_seconds_for(e->seconds) -
		      mr_watchdog_seconds());
	ksft_print_msg("%s %s runs %.1f s here: %s\n", e->race,
		       e->trigger->name, e->seconds, why);
}

int race_env_start(struct race_env *e, unsigned int pause_us)
{
	unsigned int budget_us = budget_pause_us(e);

	if (pause_us < budget_us)
		pause_us = budget_us;
	vmstat_read(&e->vm_before);
	e->t_start = now_seconds();
	e->nominal_events = -1;
	e->migrator = migrator_start(e->trigger, e->targets, e->stats, e->stop,
				     pause_us, 0);
	return e->migrator < 0 ? -errno : 0;
}

int race_env_hold(struct race_env *e, bool hold)
{
	static long seq;
	double t0 = now_seconds();
	long want = hold ? ++seq : 0;

	__atomic_store_n(&e->stats->hold, want, __ATOMIC_RELEASE);
	if (!hold || e->migrator <= 0)
		return 0;
	/* One round may take long (block offline): bounded all the same. */
	while (__atomic_load_n(&e->stats->held, __ATOMIC_ACQUIRE) != want) {
		if (now_seconds() - t0 > HOLD_TIMEOUT_S)
			return -ETIMEDOUT;
		usleep(1000);
	}
	return 0;
}

bool race_time_for(struct race_env *e, double step_s)
{
	return now_seconds() + step_s - e->t_start < e->seconds &&
	       !stop_requested(e->stop);
}

bool race_time_left(struct race_env *e)
{
	return race_time_for(e, 0);
}

int race_env_stop(struct race_env *e)
{
	int ret = 0;

	if (e->stop)
		stop_request(e->stop);
	if (e->migrator > 0) {
		ret = migrator_stop(e->migrator, e->trigger);
		e->migrator = -1;
	}
	e->t_end = now_seconds();
	if (e->trigger && e->trigger->finish && e->stats)
		e->trigger->finish(e->stats);
	vmstat_read(&e->vm_after);
	if (e->stats && e->stats->fatal) {
		ksft_print_msg("trigger %s left the system changed: %s\n",
			       e->trigger->name, strerror(-e->stats->fatal));
		ret = -1;
	}
	return ret;
}

void race_env_nominal_end(struct race_env *e, long long events)
{
	if (e->nominal_events < 0)
		e->nominal_events = events;
}

long long race_vmstat_delta(struct race_env *e, const char *name)
{
	return vmstat_delta(&e->vm_before, &e->vm_after, name);
}

void race_window_print(struct race_env *e, long long events,
		       const char *extra_fmt, ...)
{
	long long nominal = e->nominal_events >= 0 ? e->nominal_events : events;
	const struct trigger_stats *st = e->stats ?: &no_stats;
	char extra[1024] = "";
	va_list ap;

	if (extra_fmt) {
		extra[0] = ' ';
		va_start(ap, extra_fmt);
		vsnprintf(extra + 1, sizeof(extra) - 1, extra_fmt, ap);
		va_end(ap);
	}
	ksft_print_msg(WINDOW_FMT, e->race, e->trigger->name, events,
		       e->t_end - e->t_start, e->seconds, nominal,
		       st->pages_requested, st->pages_moved, st->pages_refused,
		       race_vmstat_delta(e, "pgmigrate_fail"), extra);
}

/* Whether the kernel refused this case's migrations; @why says how. */
static bool race_env_refused(struct race_env *e, char *why, size_t len)
{
	const struct trigger_stats *st = e->stats ?: &no_stats;
	long long fail = race_vmstat_delta(e, "pgmigrate_fail");
	long long ok = race_vmstat_delta(e, "pgmigrate_success");

	if (st->pages_requested >= REFUSAL_MIN_PAGES &&
	    st->pages_refused * 100 >= st->pages_requested * REFUSAL_PERCENT) {
		snprintf(why, len, PAGE_REFUSAL_FMT, st->pages_refused, st->pages_requested,
			 e->trigger->name, st->last_refusal,
			 strerror(-st->last_refusal), st->pages_moved, fail,
			 ok);
		return true;
	}
	if (fail >= REFUSAL_MIN_PAGES &&
	    fail * 100 >= (fail + ok) * REFUSAL_PERCENT) {
		snprintf(why, len, VMSTAT_REFUSAL_FMT, fail, ok,
			 e->trigger->name);
		return true;
	}
	return false;
}

void race_window_missed(struct race_env *e, const char *fmt, ...)
{
	const struct trigger_stats *st = e->stats ?: &no_stats;
	char msg[512], why[256];
	const char *rest = msg;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!race_env_refused(e, why, sizeof(why))) {
		ksft_print_msg("%s", msg);
		ksft_print_msg(MISS_FINDING_FMT, e->race, e->trigger->name);
		return;
	}
	if (!strncmp(msg, NOT_REACHED, strlen(NOT_REACHED)))
		rest += strlen(NOT_REACHED);
	ksft_print_msg("kernel refused to migrate: %s; %s", why, rest);
	ksft_print_msg(REFUSAL_FINDING_FMT, e->race, e->trigger->name,
		       st->pages_requested, st->pages_refused,
		       st->last_refusal);
}

void race_env_overrun(struct race_env *e)
{
	if (e->stop)
		stop_request(e->stop);
	case_pgrp_kill_others();
	race_env_stop(e);
	ksft_print_msg(OVERRUN_FINDING_FMT, e->race ?: "none",
		       e->trigger ? e->trigger->name : "none",
		       mr_watchdog_seconds_for(e->seconds));
}

int race_env_teardown(struct race_env *e)
{
	int problems = 0;

	if (!e->set_up)
		return 0;
	if (e->migrator > 0)
		problems += !!race_env_stop(e);
	problems += undo_run();
	problems += verdict_finish(&e->verdict);
	e->set_up = false;
	return problems;
}
