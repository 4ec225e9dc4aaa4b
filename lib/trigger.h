/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Migration triggers behind one interface.  A race scenario publishes the
 * memory it wants migrated in a shared target table; a migrator process
 * runs rounds of one trigger over it until told to stop.  Every trigger
 * migrates from the kernel's side without the owner's mmap lock, which is
 * what the seed races are about.
 *
 *   compaction    write /proc/sys/vm/compact_memory (any machine)
 *   compact_node  write /sys/devices/system/node/nodeN/compact
 *   move_pages    move_pages(MPOL_MF_MOVE_ALL) to another node (2+ nodes)
 *   soft_offline  /sys/devices/system/memory/soft_offline_page by PFN
 *   offline       offline and online the memory block holding the pages
 */
#ifndef MR_TRIGGER_H
#define MR_TRIGGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TARGET_REGIONS_MAX	256
#define TARGET_PFNS_MAX		4096
/*
 * Soft offline takes a page out of use until it is unpoisoned (through the
 * undo log): bound it per test.  6 MiB of 4 KiB pages; 256 left a third
 * of fork_cow's soft offline cases below 10 entries in 3 s, and one of
 * them without any in 9 s (two-node TCG VM, 2026-12-05); 768 moved 284
 * to 484 pages of a fork_cow case in 3 s, 1536 moves 416 to 716, and
 * its lanes met 4 to 10 migrations they could fork over where 768 gave
 * them 1 to 10 (Debian 6.12.118, 12 case runs each, 2026-12-06).
 */
#define SOFT_OFFLINE_BUDGET	1536

struct target_region {
	pid_t pid;		/* 0: empty slot */
	unsigned long addr;
	unsigned long len;
};

/* Lives in MAP_SHARED memory: scenarios write it, the migrator reads it. */
struct trigger_targets {
	struct target_region region[TARGET_REGIONS_MAX];
	int nr_pfns;		/* extra PFNs, for memory nobody maps */
	uint64_t pfn[TARGET_PFNS_MAX];
};

/* What the migrator did, in shared memory too. */
struct trigger_stats {
	long rounds;
	long pages_requested;	/* pages handed to the kernel to migrate */
	long pages_moved;	/* reported moved, where the trigger can tell */
	long errors;		/* failed rounds (EBUSY and such: not fatal) */
	/*
	 * Pages the kernel answered with an error of their own (move_pages
	 * status, soft offline's write), and the last such error: what a
	 * case reports when the kernel refused to migrate its pages.
	 */
	long pages_refused;
	int last_refusal;
	long blocks;		/* memory blocks offlined (offline trigger) */
	int last_error;
	int fatal;		/* the system was left changed (block offline) */
	int nr_poisoned;	/* soft_offline: PFNs retired (undo log) */
	/*
	 * The page a TRIGGER_ONE_PAGE trigger is migrating right now, 0
	 * between calls: a scenario may watch its own pages closely only
	 * while one of them is on the way.
	 */
	uint64_t moving_pfn;
	/*
	 * Holding the migrator between rounds: a test stores a new nonzero
	 * number in hold, the migrator copies it to held when it idles and
	 * starts no round until hold is 0 again.
	 */
	long hold;
	long held;
};

/*
 * What a trigger can do, for scenarios to choose by instead of by name.
 *
 *   TRIGGER_UNMAPPED     reaches memory no process maps (PFN based: R1)
 *   TRIGGER_SCANS_ZONES  picks pages by scanning zones (compaction): where
 *                        a page lies decides whether it is moved
 *   TRIGGER_MOVES_THP    migrates a PMD-mapped THP whole
 *   TRIGGER_SPLITS_THP   splits a THP before migrating its pages
 *   TRIGGER_MOVES_HUGETLB migrates hugetlb pages
 *   TRIGGER_ALL_TARGETS  a round covers every target (not a random few)
 *   TRIGGER_SETS_POLICY  prepare() sets the test's memory policy (offline:
 *                        the node it can offline): scenarios keep it
 *   TRIGGER_BY_ADDRESS   migrates by the owner's addresses (move_pages), a
 *                        call the owner's own threads can make too
 *   TRIGGER_ONE_PAGE     migrates one page a call (soft offline): an rmap
 *                        walk its migrator is in is that page's own
 *   TRIGGER_ABORTABLE    a round may be cut short by SIGKILL and leaves
 *                        nothing to undo (migrator_stop())
 */
enum trigger_flags {
	TRIGGER_UNMAPPED	= 1 << 0,
	TRIGGER_SCANS_ZONES	= 1 << 1,
	TRIGGER_MOVES_THP	= 1 << 2,
	TRIGGER_SPLITS_THP	= 1 << 3,
	TRIGGER_MOVES_HUGETLB	= 1 << 4,
	TRIGGER_ALL_TARGETS	= 1 << 5,
	TRIGGER_SETS_POLICY	= 1 << 6,
	TRIGGER_BY_ADDRESS	= 1 << 7,
	TRIGGER_ONE_PAGE	= 1 << 8,
	TRIGGER_ABORTABLE	= 1 << 9,
};

struct trigger {
	const char *name;
	unsigned int flags;	/* enum trigger_flags */
	/* 0 when it can run here; else fills @why with the SKIP reason. */
	int (*probe)(char *why, size_t len);
	/* Called once in the test before the migrator starts; may change knobs. */
	int (*prepare)(void);
	/* One migration round over @t; returns 0 or -errno. */
	int (*round)(struct trigger_targets *t, struct trigger_stats *st);
	/* Once after the migrator stopped (optional). */
	void (*finish)(struct trigger_stats *st);
	/*
	 * Pages a case may hand it in all, and per round, when it is
	 * bounded (soft offline retires every page it moves); 0: unbounded.
	 * race_env_start() paces such a trigger so that its budget lasts
	 * the case's duration instead of being spent in its first moments.
	 */
	unsigned int budget_pages;
	unsigned int pages_per_round;
};

extern const struct trigger trigger_compaction;
extern const struct trigger trigger_compact_node;
extern const struct trigger trigger_move_pages;
extern const struct trigger trigger_soft_offline;
extern const struct trigger trigger_offline;

const struct trigger *trigger_find(const char *name);

struct trigger_targets *targets_create(void);
int targets_add(struct trigger_targets *t, pid_t pid, void *addr, size_t len);
void targets_remove(struct trigger_targets *t, int slot);
void targets_set(struct trigger_targets *t, int slot, pid_t pid, void *addr,
		 size_t len);
/* PFNs of every present page of the targets; returns how many. */
int targets_collect_pfns(struct trigger_targets *t, uint64_t *pfns, int max);

/*
 * Migrator: a worker running rounds until *stop; pace in microseconds.
 * With @apart_from > 0 it runs each round on a CPU that task did not
 * last run on (cpu_keep_apart()).
 */
pid_t migrator_start(const struct trigger *tr, struct trigger_targets *t,
		     struct trigger_stats *st, bool *stop,
		     unsigned int pause_us, pid_t apart_from);
/*
 * Reaps the migrator once *stop is set: a TRIGGER_ABORTABLE round is cut
 * short, any other is waited for.  0 for a clean end.
 */
int migrator_stop(pid_t pid, const struct trigger *tr);

int numa_nodes_with_memory(int *nodes, int max);
/* One compaction of every node, done when it returns; 0 or -errno. */
int compact_all_nodes(void);

/*
 * Whether the running kernel unmaps a batch of folios before it moves
 * them (migrate_pages_batch(), 6.3): before, a folio is unmapped, copied
 * and mapped again in one go, and a base page's migration entry lives
 * only while its 4 KiB are copied.
 */
bool kernel_migrates_in_batches(void);

#endif
