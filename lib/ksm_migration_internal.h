/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the R4 scenarios (ksm_migration.h): one case's state and what its
 * files share.
 *
 *   ksm_members.c       the processes that share the KSM pages: members
 *                       act only on commands posted in shared memory
 *   ksm_view.c          the kernel's view (pagemap, kpageflags, ksm_stat)
 *                       and its checks, ksmd's merges
 *   ksm_migration.c           a case's set-up, migrator and cycles;
 *                       ksm_forked_children and ksm_unmerge
 *   ksm_stable_nodes.c  churners and ksm_stable_nodes
 */
#ifndef MR_KSM_MIGRATION_INTERNAL_H
#define MR_KSM_MIGRATION_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ksm.h"
#include "ksm_migration.h"

#define KSM_PAGES	512	/* pages each member maps */
#define MEMBERS_MAX	16
#define CHURNERS	2
#define CMD_TIMEOUT	10.0	/* seconds a member may take */
#define MERGE_TIMEOUT	15.0
#define POLL_US		500

#define TAG_SHARED	0x4b534d31	/* every member's pages */

enum member_cmd {
	CMD_INIT = 1,	/* map and fill fresh pages, MADV_MERGEABLE */
	CMD_CHECK,	/* verify every page */
	CMD_WRITE,	/* write own contents where own[] says so */
	CMD_FORK,	/* fork arg children into slots arg2.. */
	CMD_RENEW,	/* CMD_INIT with generation arg */
	CMD_UNMERGE,	/* MADV_UNMERGEABLE */
	CMD_EXIT,
	CMD_LAND,	/* be the landing process (ksm_members.c) */
};

struct member {
	pid_t pid;
	int parent;		/* slot of the forking member, -1: scenario */
	unsigned long addr;	/* the pages; children inherit the address */
	int cmd, arg, arg2;
	int seq;		/* last command posted */
	int done;		/* last command carried out */
	int result;		/* its WORKER_* code */
	int wstatus;		/* children: wait status, from the parent */
	bool reaped;
	unsigned char own[KSM_PAGES];	/* pages this member overwrote */
};

/* Shared between the scenario, members, churners and the migrator. */
struct ksm_ctl {
	uint32_t gen;		/* generation of the shared contents */
	int nr;			/* slots in use */
	struct member m[MEMBERS_MAX];
	bool keep_policy;	/* the trigger placed our memory: keep it */
	bool migrate_stop;
	bool churn_stop;
	uint32_t churn_serial;
	long churn_moved;	/* churners' KSM pages that moved merged */
	long churn_merged;	/* churners whose pages merged in time */
};

/* One case, in the test process. */
struct ksm_case {
	struct race_env *env;
	struct race_result *res;	/* res->events: the window figure */
	struct ksm_ctl *c;
	const char *phase;		/* where a failure happened */
	struct ksm_oracle ksm;		/* which PFNs are KSM pages */
	pid_t migrator;
	pid_t ksmd;			/* 0 if not found */
	int landing;			/* slot of the landing process, or -1 */
	long scans0, scanned0;		/* ksmd's counters as migration began */
	pid_t churner[CHURNERS];
	/* The window line's counters. */
	long long pages;		/* KSM pages that could have moved */
	long cycles, children, churners, checks, full_scans, pages_scanned;
};

/* ksm_members.c */
void prefer_first_node(struct ksm_ctl *c, void *p, size_t len);
void ksm_fail_exit(struct ksm_case *k, const char *who, int status);
void post(struct ksm_ctl *c, int slot, int cmd, int arg, int arg2);
int wait_done(struct ksm_case *k, int slot);
int command(struct ksm_case *k, const int *slots, int n, int cmd, int arg);
int spawn_member(struct ksm_case *k, int slot, int cmd);
int reserve_children(struct ksm_ctl *c, int parent, int n);
void members_kill(struct ksm_case *k);
void members_end(struct ksm_case *k);
int landing_begin(struct ksm_case *k);
void landing_end(struct ksm_case *k);

/* ksm_view.c */
int read_pfns(struct ksm_oracle *ksm, pid_t pid, unsigned long addr, int n,
	      uint64_t *pfn);
int check_mapping(struct ksm_case *k, const int *slots, int n,
		  uint64_t *shared);
int check_counts(struct ksm_case *k, const int *slots, int n, bool none);
long count_moved(struct ksm_case *k, int slot, uint64_t *last);
void sample_shared(struct ksm_case *k, const int *slots, int n,
		   uint64_t *shared);
long note_moves(uint64_t *last, const uint64_t *now, int n);
int wait_merged(struct ksm_case *k, const int *slots, int n, uint64_t *last);
int ksmd_settle(struct ksm_case *k, const int *slots, int n);

/* ksm_migration.c; ksm_fail() is race_fail() naming the phase */
void ksm_fail(struct ksm_case *k, const char *kind, const char *fmt, ...)
	__printf(3, 4);
int case_begin(struct ksm_case *k, struct race_env *env, const void *opts,
	       struct race_result *res);
int case_end(struct ksm_case *k);
bool case_time_left(struct ksm_case *k, double step_s);
int sharers_merge(struct ksm_case *k, int *slots, int n, uint64_t *last);
int migration_begin(struct ksm_case *k, const int *slots, int n, int *tslot);
void migration_end(struct ksm_case *k, const int *tslot, int n);

#endif
