/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc/vmstat snapshots and deltas: the kernel's count of what happened
 * while a test ran (pages migrated, compaction, swap, KSM).  Small test
 * kernels may lack CONFIG_VM_EVENT_COUNTERS; absent counters read as -1.
 */
#ifndef MR_VMSTAT_H
#define MR_VMSTAT_H

#define VMSTAT_MAX	512

struct vmstat_snap {
	int n;
	struct {
		char name[48];
		long long value;
	} item[VMSTAT_MAX];
};

int vmstat_parse(const char *text, struct vmstat_snap *s);
int vmstat_read(struct vmstat_snap *s);
/* Value of @name, or -1 when the kernel does not have that counter. */
long long vmstat_get(const struct vmstat_snap *s, const char *name);
/* after - before, or -1 when either lacks the counter. */
long long vmstat_delta(const struct vmstat_snap *before,
		       const struct vmstat_snap *after, const char *name);

/* A /proc/meminfo field in kB ("MemAvailable", "SwapCached"), or -1. */
long meminfo_kb(const char *key);

#endif
