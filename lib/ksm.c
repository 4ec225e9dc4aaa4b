// SPDX-License-Identifier: GPL-2.0
/* KSM knobs, per-process figures and bounded waits; see ksm.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest.h"
#include "ksm.h"
#include "pagemap.h"
#include "procs.h"
#include "undo.h"

#define KSM_PAGES_TO_SCAN	"4096"
#define KPAGEFLAGS_ALL_KSM	"# /proc/kpageflags marks every anonymous page KSM on this kernel: KSM pages are told by their mapcount"

/*
 * Every writable knob, in the order the undo log records them: the log
 * is replayed backwards, so pages_to_scan is restored while the advisor is
 * still off (it refuses writes otherwise), and the advisor before run.
 */
static const char * const ksm_knobs[] = {
	"advisor_mode", "advisor_max_cpu", "advisor_min_pages_to_scan",
	"advisor_max_pages_to_scan", "advisor_target_scan_time",
	"pages_to_scan", "sleep_millisecs", "use_zero_pages", "smart_scan",
	"stable_node_chains_prune_millisecs", "max_page_sharing",
	"merge_across_nodes",
};

static void ksm_path(char *path, size_t len, const char *name)
{
	snprintf(path, len, KSM_SYSFS "/%s", name);
}

/* Records @name's value in the undo log without changing it. */
static int ksm_save(const char *name)
{
	char path[128], old[UNDO_VALUE_MAX];
	int ret;

	ksm_path(path, sizeof(path), name);
	if (access(path, F_OK))
		return 0;	/* older kernel: nothing to keep */
	ret = knob_read(path, old, sizeof(old));
	if (ret)
		return ret;
	return undo_add(UNDO_WRITE, path, old, old);
}

static int ksm_write(const char *name, const char *value)
{
	char path[128];

	ksm_path(path, sizeof(path), name);
	if (access(path, F_OK))
		return 0;
	return knob_write(path, value);
}

int ksm_set_run(int run)
{
	char value[4];

	snprintf(value, sizeof(value), "%d", run);
	return ksm_write("run", value);
}

/*
 * Undo entry: run=2 also unmerges every other KSM user on the machine and
 * forgets their registration, so only when the test is alone; else the
 * knobs it never changed need no unmerge, and its own pages went with its
 * processes.
 */
static int restore_unmerge(const struct undo_entry *e)
{
	pid_t other = ksm_other_user();

	if (other) {
		fprintf(stderr, "# KSM: pid %d uses KSM too: no run=2, its pages stay merged\n",
			other);
		return 0;
	}
	return knob_write(e->path, e->value);
}

static int ksm_save_all(void)
{
	char path[128];
	size_t i;
	int ret;

	ret = ksm_save("run");
	for (i = 0; !ret && i < ARRAY_SIZE(ksm_knobs); i++)
		ret = ksm_save(ksm_knobs[i]);
	if (ret)
		return ret;
	/* Replayed first: unmerge, so that every knob can be written back. */
	ksm_path(path, sizeof(path), "run");
	return undo_add_call(restore_unmerge, path, "2");
}

int ksm_setup(int merge_across_nodes, char *why, size_t len)
{
	char path[128], value[4];
	int ret;

	ksm_path(path, sizeof(path), "run");
	if (access(path, W_OK)) {
		snprintf(why, len, "no writable %s (CONFIG_KSM, root)", path);
		return 1;
	}
	ksm_path(path, sizeof(path), "merge_across_nodes");
	if (merge_across_nodes >= 0 && access(path, W_OK)) {
		snprintf(why, len, "no %s (CONFIG_NUMA)", path);
		return 1;
	}
	if (merge_across_nodes >= 0 &&
	    ksm_counter("merge_across_nodes") != !!merge_across_nodes) {
		pid_t other = ksm_other_user();

		if (other) {
			snprintf(why, len,
				 "pid %d uses KSM: merge_across_nodes changes only when nothing is merged, and unmerging others (run=2) is not ours to do",
				 other);
			return 1;
		}
	}
	ret = ksm_save_all();
	if (!ret)
		ret = ksm_set_run(0);
	if (!ret)
		ret = ksm_write("advisor_mode", "none");
	if (!ret)
		ret = ksm_write("pages_to_scan", KSM_PAGES_TO_SCAN);
	if (!ret)
		ret = ksm_write("sleep_millisecs", "0");
	if (!ret)
		ret = ksm_write("use_zero_pages", "0");
	/*
	 * Smart scan skips pages that keep failing to merge: other mergeable
	 * processes (a QEMU guest, say) then cost ksmd little, and our fresh
	 * pages are never skipped before their third visit.
	 */
	if (!ret)
		ret = ksm_write("smart_scan", "1");
	if (!ret && merge_across_nodes >= 0 &&
	    ksm_counter("merge_across_nodes") != !!merge_across_nodes) {
		/* It can only change while nothing is merged. */
		snprintf(value, sizeof(value), "%d", !!merge_across_nodes);
		ret = ksm_set_run(2);
		if (!ret)
			ret = ksm_write("merge_across_nodes", value);
		if (!ret)
			ret = ksm_set_run(0);
	}
	if (ret) {
		snprintf(why, len, "cannot set up KSM: %s", strerror(-ret));
		return -1;
	}
	return 0;
}

long ksm_counter(const char *name)
{
	char path[128], buf[64];
	int ret;

	ksm_path(path, sizeof(path), name);
	ret = knob_read(path, buf, sizeof(buf));
	if (ret)
		return ret;
	return strtol(buf, NULL, 10);
}

int ksm_wait_full_scans(long from, long scans, double max_seconds)
{
	double deadline = now_seconds() + max_seconds;
	long cur;

	do {
		cur = ksm_counter("full_scans");
		if (cur < 0)
			return cur;
		if (cur - from >= scans)
			return 0;
		usleep(1000);
	} while (now_seconds() < deadline);
	return -ETIMEDOUT;
}

static int proc_read(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64];
	FILE *f;
	size_t n;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	else
		snprintf(path, sizeof(path), "/proc/self/%s", name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n ? 0 : -EIO;
}

static long stat_field(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

int ksm_stat_read(pid_t pid, struct ksm_stat *st)
{
	char buf[512];
	int ret = proc_read(pid, "ksm_stat", buf, sizeof(buf));

	if (ret)
		return ret;
	st->rmap_items = stat_field(buf, "ksm_rmap_items ");
	st->zero_pages = stat_field(buf, "ksm_zero_pages ");
	st->merging_pages = stat_field(buf, "ksm_merging_pages ");
	st->process_profit = stat_field(buf, "ksm_process_profit ");
	return st->rmap_items < 0 ? -EIO : 0;
}

long ksm_merging_pages(pid_t pid)
{
	char buf[32];
	int ret = proc_read(pid, "ksm_merging_pages", buf, sizeof(buf));

	return ret ? ret : strtol(buf, NULL, 10);
}

/* "key yes" or "key: yes" (newer kernels add such lines to ksm_stat). */
static bool stat_yes(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	if (!p)
		return false;
	p += strlen(key);
	p += strspn(p, ": \t");
	return !strncmp(p, "yes", 3);
}

bool ksm_stat_in_use(const char *text)
{
	return stat_field(text, "ksm_rmap_items ") > 0 ||
	       stat_field(text, "ksm_zero_pages ") > 0 ||
	       stat_field(text, "ksm_merging_pages ") > 0 ||
	       stat_yes(text, "ksm_mergeable") ||
	       stat_yes(text, "ksm_merge_any");
}

pid_t ksm_other_user(void)
{
	pid_t pid, found = 0, ours = getpgrp();
	char buf[512];
	struct dirent *d;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return 0;
	while (!found && (d = readdir(dir))) {
		pid = (pid_t)strtol(d->d_name, NULL, 10);
		if (pid <= 0 || getpgid(pid) == ours)
			continue;
		if (!proc_read(pid, "ksm_stat", buf, sizeof(buf)) &&
		    ksm_stat_in_use(buf))
			found = pid;
	}
	closedir(dir);
	return found;
}

int ksm_merge_range(void *addr, size_t len)
{
	return madvise(addr, len, MADV_MERGEABLE) ? -errno : 0;
}

int ksm_unmerge_range(void *addr, size_t len)
{
	return madvise(addr, len, MADV_UNMERGEABLE) ? -errno : 0;
}

/* Does kpageflags mark a plain private anonymous page KSM?  Then it lies. */
static bool kpf_ksm_trusted(int kpf_fd)
{
	static int trusted = -1;
	uint64_t pfn, flags = 0;
	int pm_fd;
	char *p;

	if (trusted >= 0)
		return trusted;
	p = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return true;
	p[0] = 1;
	pm_fd = pagemap_open(0);
	pfn = pm_fd < 0 ? 0 : pagemap_pfn_of(pm_fd, (unsigned long)p);
	if (pm_fd >= 0)
		close(pm_fd);
	if (pfn && !kpageflags_read(kpf_fd, pfn, &flags))
		trusted = !kpf(flags, KPF_KSM);
	munmap(p, getpagesize());
	if (trusted == 0)
		printf("%s\n", KPAGEFLAGS_ALL_KSM);
	return trusted != 0;
}

int ksm_oracle_open(struct ksm_oracle *o)
{
	o->kpf_fd = kpageflags_open();
	o->kpc_fd = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC);
	if (o->kpf_fd < 0 || o->kpc_fd < 0) {
		ksm_oracle_close(o);
		return -EACCES;
	}
	o->kpf_trusted = kpf_ksm_trusted(o->kpf_fd);
	return 0;
}

void ksm_oracle_close(struct ksm_oracle *o)
{
	if (o->kpf_fd >= 0)
		close(o->kpf_fd);
	if (o->kpc_fd >= 0)
		close(o->kpc_fd);
	o->kpf_fd = -1;
	o->kpc_fd = -1;
}

bool ksm_oracle_page(struct ksm_oracle *o, uint64_t pfn)
{
	uint64_t flags, count = 0;

	if (!pfn || kpageflags_read(o->kpf_fd, pfn, &flags) ||
	    !kpf(flags, KPF_KSM))
		return false;
	if (o->kpf_trusted)
		return true;
	return pread(o->kpc_fd, &count, sizeof(count), pfn * sizeof(count)) ==
	       sizeof(count) && count > 1;
}
