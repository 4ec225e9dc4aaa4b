/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KSM for the R4 tests (seeds "ksm: rmap_walk to remove_migration_ptes"
 * and "ksm: make KSM page migration possible"): the knobs of
 * /sys/kernel/mm/ksm saved and restored through the undo log, per-process
 * KSM figures, and bounded waits on ksmd.
 *
 * Global counters such as pages_shared lie as soon as anything else on
 * the machine uses KSM, so tests judge by what each of their processes
 * reports (/proc/PID/ksm_stat, /proc/PID/ksm_merging_pages) and by
 * pagemap and kpageflags.
 */
#ifndef MR_KSM_H
#define MR_KSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KSM_SYSFS	"/sys/kernel/mm/ksm"

/* Per-process KSM figures, from /proc/PID/ksm_stat. */
struct ksm_stat {
	long rmap_items;
	long zero_pages;
	long merging_pages;
	long process_profit;
};

/*
 * Saves every KSM knob in the undo log and sets ksmd up for fast scans:
 * no zero-page merging, no advisor, no sleeping, smart scan on.
 * @merge_across_nodes 0 or 1 sets that knob (unmerging everything first
 * when it changes), -1 leaves it as found.  ksmd is left stopped (run=0):
 * start it with ksm_set_run(1).
 *
 * The restore runs in reverse order: run=2 first (merge_across_nodes and
 * max_page_sharing can only change while nothing is merged), then the
 * knobs, then run as found.  The undo guardian does the same after a kill.
 * run=2 unmerges every KSM user of the machine, so it is done only when no
 * other process uses KSM (ksm_other_user()); for the same reason changing
 * merge_across_nodes SKIPs when another process uses KSM.
 *
 * Returns 0, 1 when the test must SKIP, -1 on error; @why says why.
 */
int ksm_setup(int merge_across_nodes, char *why, size_t len);
/* 0 stops ksmd (pages stay merged), 1 runs it, 2 unmerges everything. */
int ksm_set_run(int run);
/* A counter of /sys/kernel/mm/ksm, or -errno. */
long ksm_counter(const char *name);
/*
 * Waits until full_scans has advanced @scans past @from, at most
 * @max_seconds; returns 0 or -ETIMEDOUT.
 */
int ksm_wait_full_scans(long from, long scans, double max_seconds);

/* pid 0: this process.  Returns 0 or -errno. */
int ksm_stat_read(pid_t pid, struct ksm_stat *st);
/* /proc/PID/ksm_merging_pages, or -errno. */
long ksm_merging_pages(pid_t pid);

/*
 * Which PFNs are KSM pages.  kpageflags says so where it can be trusted;
 * some kernels (6.12: fs/proc/page.c tests mapping & PAGE_MAPPING_KSM)
 * mark every anonymous page KSM.  There a page mapped more than once
 * counts, which is right for tests where only KSM shares pages between
 * their processes (children forked after the merge only inherit sharing).
 */
struct ksm_oracle {
	int kpf_fd;		/* /proc/kpageflags */
	int kpc_fd;		/* /proc/kpagecount */
	bool kpf_trusted;
};

int ksm_oracle_open(struct ksm_oracle *o);	/* 0 or -errno */
void ksm_oracle_close(struct ksm_oracle *o);
bool ksm_oracle_page(struct ksm_oracle *o, uint64_t pfn);

/* Whether a /proc/PID/ksm_stat text shows a process that uses KSM. */
bool ksm_stat_in_use(const char *text);
/*
 * A process outside this test's process group that uses KSM (merged or
 * zero pages, pages scanned, or mergeable where the kernel says so), or 0.
 */
pid_t ksm_other_user(void);

/* madvise(MADV_MERGEABLE / MADV_UNMERGEABLE); 0 or -errno. */
int ksm_merge_range(void *addr, size_t len);
int ksm_unmerge_range(void *addr, size_t len);

#endif
