// SPDX-License-Identifier: GPL-2.0
/*
 * Soft offline by physical address: the kernel migrates the page away and
 * retires the old frame.  PFN based, so it reaches pages that nobody maps
 * (R1) as well as mapped ones.  Every retired frame is lost to the system
 * until unpoisoned, so a test may retire at most SOFT_OFFLINE_BUDGET pages,
 * each through the undo log first: the test or, after a kill, the guardian
 * unpoisons them.  The probe therefore makes sure unpoisoning works
 * (debugfs, hwpoison_inject, no lockdown) before anything is poisoned.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include "pagemap.h"
#include "trigger.h"
#include "undo.h"

#define DEBUGFS		"/sys/kernel/debug"
#define INJECT_MODULE	"hwpoison_inject"
#define LOCKDOWN	"/sys/kernel/security/lockdown"
#define SOFT_OFFLINE	"/sys/devices/system/memory/soft_offline_page"
#define ENABLE_SOFT	"/proc/sys/vm/enable_soft_offline"
#define UNPOISON	"/sys/kernel/debug/hwpoison/unpoison-pfn"
#define PER_ROUND	4

static_assert(SOFT_OFFLINE_BUDGET + 64 <= UNDO_MAX,
	      "every retired page takes an undo entry: keep room for the knobs");

static bool debugfs_mounted(void)
{
	struct statfs st;

	return !statfs(DEBUGFS, &st) && st.f_type == DEBUGFS_MAGIC;
}

/* Undo entry: the suite mounted debugfs, so it unmounts it. */
static int restore_debugfs(const struct undo_entry *e)
{
	if (!debugfs_mounted())
		return 0;
	return umount(e->path) ? -errno : 0;
}

/* Undo entry: the suite loaded hwpoison_inject, so it unloads it. */
static int restore_module(const struct undo_entry *e)
{
	char path[96];

	/* Not loaded after all (no such module, no module support). */
	snprintf(path, sizeof(path), "/sys/module/%s", e->value);
	if (access(path, F_OK))
		return 0;
	if (syscall(SYS_delete_module, e->value, O_NONBLOCK) &&
	    errno != ENOENT)
		return -errno;
	return 0;
}

/* Undo entry: unpoison a PFN the trigger soft-offlined. */
static int restore_pfn(const struct undo_entry *e)
{
	uint64_t flags = 0, pfn = strtoull(e->value, NULL, 10);
	int fd = kpageflags_open(), ret = 0;

	/* Not retired after all (soft offline failed): nothing to undo. */
	if (fd >= 0 && !kpageflags_read(fd, pfn, &flags) &&
	    !kpf(flags, KPF_HWPOISON))
		ret = 1;
	if (fd >= 0)
		close(fd);
	return ret ? 0 : knob_write(e->path, e->value);
}

static int load_module(const char *module)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("modprobe", "modprobe", "-q", module, (char *)NULL);
		execl("/sbin/modprobe", "modprobe", "-q", module, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -ECHILD;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -ENOENT;
}

static int ensure_debugfs(char *why, size_t len)
{
	if (debugfs_mounted())
		return 0;
	if (undo_add_call(restore_debugfs, DEBUGFS, "")) {
		snprintf(why, len, "undo log full");
		return -1;
	}
	if (mount("debugfs", DEBUGFS, "debugfs", 0, NULL)) {
		snprintf(why, len, "cannot mount debugfs on %s: %s", DEBUGFS,
			 strerror(errno));
		return -1;
	}
	return 0;
}

static int ensure_inject(char *why, size_t len)
{
	if (!access(UNPOISON, F_OK))
		return 0;
	/* Loaded by someone else but no file: not ours to unload. */
	if (access("/sys/module/" INJECT_MODULE, F_OK)) {
		if (undo_add_call(restore_module, INJECT_MODULE,
				  INJECT_MODULE)) {
			snprintf(why, len, "undo log full");
			return -1;
		}
		load_module(INJECT_MODULE);
	}
	if (access(UNPOISON, F_OK)) {
		snprintf(why, len,
			 "no %s: cannot unpoison what soft offline retires (CONFIG_HWPOISON_INJECT, modprobe %s)",
			 UNPOISON, INJECT_MODULE);
		return -1;
	}
	return 0;
}

static int soft_offline_probe(char *why, size_t len)
{
	char mode[32];
	int fd;

	if (access(SOFT_OFFLINE, W_OK)) {
		snprintf(why, len, "%s missing (CONFIG_MEMORY_FAILURE, root)",
			 SOFT_OFFLINE);
		return -1;
	}
	if (!knob_read(LOCKDOWN, mode, sizeof(mode)) && strcmp(mode, "none")) {
		snprintf(why, len,
			 "kernel lockdown (%s) forbids debugfs: retired pages could not be unpoisoned",
			 mode);
		return -1;
	}
	if (ensure_debugfs(why, len) || ensure_inject(why, len))
		return -1;
	fd = open(UNPOISON, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "cannot open %s: %s", UNPOISON,
			 strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static int soft_offline_prepare(void)
{
	if (access(ENABLE_SOFT, F_OK))
		return 0;
	return knob_set(ENABLE_SOFT, "1");
}

/* Retires @pfn, its unpoisoning logged first; 0 or -errno. */
static int soft_offline_pfn(struct trigger_stats *st, uint64_t pfn)
{
	char addr[32], value[32];
	int ret;

	snprintf(value, sizeof(value), "%llu", (unsigned long long)pfn);
	ret = undo_add_call(restore_pfn, UNPOISON, value);
	if (ret)
		return ret;
	snprintf(addr, sizeof(addr), "%#llx",
		 (unsigned long long)pfn * getpagesize());
	__atomic_store_n(&st->moving_pfn, pfn, __ATOMIC_RELEASE);
	ret = knob_write(SOFT_OFFLINE, addr);
	__atomic_store_n(&st->moving_pfn, 0, __ATOMIC_RELEASE);
	return ret;
}

static int soft_offline_round(struct trigger_targets *t,
			      struct trigger_stats *st)
{
	uint64_t pfns[TARGET_PFNS_MAX];
	int n, i, ret = 0;

	n = targets_collect_pfns(t, pfns, TARGET_PFNS_MAX);
	for (i = 0; i < PER_ROUND && n; i++) {
		if (st->nr_poisoned >= SOFT_OFFLINE_BUDGET)
			break;
		st->pages_requested++;
		ret = soft_offline_pfn(st, pfns[random() % n]);
		if (ret == -ENOSPC)
			return ret;	/* no undo entry, no poison */
		if (!ret) {
			st->pages_moved++;
			st->nr_poisoned++;
		} else if (ret == -EBUSY || ret == -EIO) {
			st->pages_refused++;
			st->last_refusal = ret;
		}
	}
	if (st->nr_poisoned >= SOFT_OFFLINE_BUDGET)
		usleep(10000);	/* budget spent: idle until stopped */
	return ret == -EBUSY || ret == -EIO ? 0 : ret;
}

const struct trigger trigger_soft_offline = {
	.name = "soft_offline",
	/* soft_offline_in_use_page() splits a THP first. */
	.flags = TRIGGER_UNMAPPED | TRIGGER_SPLITS_THP | TRIGGER_MOVES_HUGETLB |
		 TRIGGER_ONE_PAGE,
	.probe = soft_offline_probe,
	.prepare = soft_offline_prepare,
	.round = soft_offline_round,
	.budget_pages = SOFT_OFFLINE_BUDGET,
	.pages_per_round = PER_ROUND,
};
