/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How long a race case runs, and its time limits.
 *
 * The command line is the kselftest harness's (-t NAME selects a test, -h
 * lists its options); the duration comes from the environment:
 *   MIGRATION_RACES_SECONDS  seconds each race case drives its window
 *                            (default 3, at most MR_MAX_SECONDS)
 *   MIGRATION_RACES_SCALE    multiplies the default, for slow machines
 *                            such as TCG guests; unused when SECONDS is set
 * Bad input is a usage error (exit status 1 before any case), never a
 * silent default.
 *
 * The limits follow the duration: a case's own watchdog (harness.h) fails
 * a case still running mr_watchdog_seconds(), 2 x duration + 60 s, after
 * its set-up (a stretched case, race_env_stretch(), moves it to 2 x its
 * own duration + 60 s), and the case still restores and reads the
 * kernel's verdict.
 * Every race case is a TEST_F_TIMEOUT(..., RACE_CASE_TIMEOUT): the
 * harness's SIGKILL covers the watchdog at the largest duration plus
 * set-up and restore, and stays under the settings files' timeout=900
 * for one program.
 */
#ifndef MR_OPTIONS_H
#define MR_OPTIONS_H

#define MR_DEFAULT_SECONDS	3
#define MR_MAX_SECONDS		300
#define MR_SECONDS_ENV		"MIGRATION_RACES_SECONDS"
#define MR_SCALE_ENV		"MIGRATION_RACES_SCALE"
/* At most this many times the duration for a case (race_env_stretch()). */
#define MR_STRETCH_MAX		5
#define RACE_CASE_TIMEOUT	(2 * MR_MAX_SECONDS + 60 + 120)

/* Seconds each race case runs; set by mr_options_parse(). */
extern double mr_duration;

int mr_parse_seconds(const char *s, double *out);
int mr_parse_scale(const char *s, double *out);
/* Reads the environment; -1 after a usage message when it is bad. */
int mr_options_parse(void);
/* The watchdog of a case that runs @seconds; of one that runs mr_duration. */
int mr_watchdog_seconds_for(double seconds);
int mr_watchdog_seconds(void);

#endif
