/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command line and run-time budget of a race test.
 *
 * Every test program takes -t SECONDS (how long each race case drives its
 * window) on top of the kselftest harness options.  MIGRATION_RACES_SCALE
 * multiplies the default duration, for slow machines such as TCG guests.
 * Bad input is a usage error, never a silent default.
 */
#ifndef MR_OPTIONS_H
#define MR_OPTIONS_H

#define MR_DEFAULT_SECONDS	3
#define MR_MAX_SECONDS		86400
#define MR_SCALE_ENV		"MIGRATION_RACES_SCALE"

/* Seconds each race case runs; set by mr_options_parse(). */
extern double mr_duration;

int mr_parse_seconds(const char *s, double *out);
int mr_parse_scale(const char *s, double *out);
int mr_options_parse(int *argc, char **argv);
int mr_case_timeout(void);

/* Set by harness.h in the test program; called by main(). */
extern int (*mr_harness_entry)(int argc, char **argv);

#endif
