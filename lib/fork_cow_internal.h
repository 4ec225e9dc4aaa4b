/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pieces of R3's scenario (fork_cow.h): the test supervises
 * (fork_cow.c); lanes own the regions and fork; generation
 * children do the COW handshake with their lane over two pipes, three
 * alive per lane at a time (each parent write is the next write for two
 * children); sleepers only join the anon_vma (fork_cow_lane.c);
 * the fork aimed at a migration, with its bursts and storms, is in
 * fork_cow_storm.c.  Counters and failures live in shared
 * memory; every process is reaped by its forker.
 */
#ifndef MR_FORK_COW_INTERNAL_H
#define MR_FORK_COW_INTERNAL_H

#include <sched.h>
#include <stdint.h>
#include <sys/types.h>

#include "pagemap.h"
#include "pattern.h"
#include "fork_cow.h"

#define LANES			3
#define READY_SECONDS		60.0	/* lane set-up, sleepers included */

/* In MAP_SHARED memory: written by lanes and children, read by the test. */
struct fork_cow_shared {
	int ready, go;
	long generations, forks;
	long entries;				/* the window figure */
	long kind[MIGRATION_WRITE + 1];		/* [MIGRATION_NONE]: untyped */
	long copied[MIGRATION_WRITE + 1];	/* by the kind before fork */
	long seen_by_child, seen_by_parent, aimed, aims_in_walk;
	long sleepers_recycled;
	long storm_forks, storm_seen, burst_forks, burst_seen;
	long thp_regions, thp_misses;
	long child_seen[LANES];		/* the last child's own count */
	pid_t migrator;
	int holders;			/* lanes holding the migrator */
	/* Two failing at once may garble the first message, not the count. */
	struct race_result res;
};

/* A generation child and the region it forked over. */
struct kid {
	pid_t pid;		/* 0: none */
	int up, down;		/* pipes: child to lane, lane to child */
	uint32_t gen;
	char *region;
	long seen;		/* entries the lane saw in its mapping */
};

struct lane {
	int id;
	pid_t pid;
	int cpu;		/* shared with the migrator, -1: not pinned */
	cpu_set_t allowed;	/* the test's CPUs: sleepers fork on any */
	int migrator_cpu;	/* the same, or another one for a storm */
	bool holds;		/* on the migrator's CPU: may hold it */
	struct race_env *env;
	const struct fork_cow_opts *o;
	struct fork_cow_shared *sh;
	size_t len, psz;	/* region bytes; pattern and pagemap unit */
	size_t huge;		/* THP or hugetlb page size, 0 for base pages */
	bool types_known;	/* migration entry types decodable */
	bool aim_by_rounds;	/* a migrator round covers every target */
	bool aim_realtime;	/* aim SCHED_FIFO, polling slowly */
	bool aim_moving;	/* SCHED_FIFO, fast while its page moves */
	char *region;		/* what the next child forks over */
	int slot;		/* in env->targets */
	uint32_t gen;
	struct kid kid[3];	/* ring, by generation modulo 3 */
	uint64_t *pm;		/* pagemap buffer, inherited by children */
	uint64_t *pre, *post;	/* the lane's own pagemap around fork */
	int pm_fd, kpf_fd;	/* the lane's own pagemap, kpageflags */
	pid_t *sleeper;
	int nr_sleepers, next_retire;
};

static inline void count(long *counter, long n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static inline uint32_t parent_tag(const struct lane *l)
{
	return 0x9a000000u | l->id;
}

static inline uint32_t child_tag(const struct lane *l)
{
	return 0xc4000000u | l->id;
}

static inline void fill(const struct lane *l, char *region, uint32_t tag,
			uint32_t gen)
{
	pattern_fill_range(region, l->len, l->psz, tag, gen);
}

/* The children besides the generation's (extra_main()). */
enum extra { SLEEPER, STORM_CHILD, BURST_CHILD };

/* fork_cow_lane.c */
void lane_fail(struct lane *l, const char *kind, const char *fmt, ...)
	__printf(3, 4);
void __noreturn child_exit(int code);
bool wait_count(int *counter, int want, bool *stop);
int classify(const struct lane *l, uint64_t e);
int scan_entries(struct lane *l, pid_t pid, const char *who, long *seen);
int reap(struct lane *l, pid_t pid, const char *what);
pid_t extra_fork(struct lane *l, enum extra kind, long *seen_by);
int sleepers_recycle(struct lane *l);
int kid_fork(struct lane *l, struct kid *k);
int lane_main(struct lane *l);

/* fork_cow_storm.c */
char *region_map(const struct fork_cow_opts *o, size_t len, size_t huge);
size_t storm_lead(size_t len);
bool region_is_thp(const char *region, size_t len, size_t huge, int kpf_fd);
int lane_fork(struct lane *l, struct kid *cur);

#endif
