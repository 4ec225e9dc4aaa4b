// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the migration_races library: parsers, decoders and
 * oracles on canned input.  They need no root and touch no kernel state,
 * so a broken oracle is caught before any race test trusts it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "harness.h"

#include "kconfig.h"
#include "ksm.h"
#include "lock.h"
#include "known_bugs.h"
#include "options.h"
#include "pagemap.h"
#include "pattern.h"
#include "procs.h"
#include "race_env.h"
#include "room.h"
#include "trigger.h"
#include "undo.h"
#include "verdict.h"
#include "vmstat.h"

/*
 * Unit tests change nothing: they may run beside the suite.  Before
 * lib/program.c's constructor, which has no priority.
 */
static void __attribute__((constructor(KSELFTEST_PRIO_TEST))) no_run_lock(void)
{
	mr_run_lock_unneeded = true;
}

TEST(vmstat_snapshots)
{
	static struct vmstat_snap a, b;

	ASSERT_EQ(0, vmstat_parse("nr_free_pages 10\npgmigrate_success 5\n", &a));
	ASSERT_EQ(0, vmstat_parse("nr_free_pages 7\npgmigrate_success 12\n", &b));
	EXPECT_EQ(5, vmstat_get(&a, "pgmigrate_success"));
	EXPECT_EQ(7, vmstat_delta(&a, &b, "pgmigrate_success"));
	EXPECT_EQ(-3, vmstat_delta(&a, &b, "nr_free_pages"));
	/* A kernel without the counter: absent, not zero. */
	EXPECT_EQ(-1, vmstat_get(&a, "pswpin"));
	EXPECT_EQ(-1, vmstat_delta(&a, &b, "pswpin"));
	EXPECT_NE(0, vmstat_parse("", &a));
}

/* Real report headers, as the kernel prints them, and their kinds. */
static const char * const kernel_reports[][2] = {
	{ "kasan", "BUG: KASAN: slab-use-after-free in folio_get_anon_vma+0x1a4/0x2c0" },
	{ "slub", "BUG kmalloc-64 (Not tainted): Poison overwritten" },
	{ "slub", "BUG anon_vma (Tainted: G    B             ): Object already free" },
	{ "bug", "kernel BUG at mm/migrate.c:1152!" },
	{ "bug", "kernel BUG at include/linux/swapops.h:505!" },
	{ "bug", "BUG: kernel NULL pointer dereference, address: 0000000000000008" },
	{ "bug", "BUG: unable to handle page fault for address: ffff888100000000" },
	{ "warning", "WARNING: CPU: 1 PID: 2 at mm/rmap.c:1343 folio_add_anon_rmap_ptes+0x1b/0x30" },
	{ "rcu_stall", "rcu: INFO: rcu_sched self-detected stall on CPU" },
	{ "rcu_stall", "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:" },
	{ "rcu_stall", "INFO: rcu_sched detected stalls on CPUs/tasks:" },
	{ "hung_task", "INFO: task foo:123 blocked for more than 20 seconds." },
	{ "soft_lockup", "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [ksmd:41]" },
	{ "hard_lockup", "NMI watchdog: Watchdog detected hard LOCKUP on cpu 1" },
	{ "bad_page", "BUG: Bad page state in process fork_cow  pfn:10a3c" },
	{ "bad_page", "BUG: Bad page map in process ksm_migration  pte:8000000107e00867 pmd:10a4b067" },
	{ "bad_rss", "BUG: Bad rss-counter state mm:00000000a4b3c2d1 type:MM_ANONPAGES val:-1" },
	{ "bad_swap_entry", "Bad swap file entry 3fffffffffff" },
	{ "bad_swap_entry", "_swap_info_get: Bad swap file entry 3fffffffffff" },
	{ "bad_swap_entry", "swap_entry_range_free: Unused swap offset entry 00000420" },
	{ "oops", "Oops: general protection fault, probably for non-canonical address 0xdead000000000122: 0000 [#1] PREEMPT SMP NOPTI" },
	{ "oops", "general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] SMP PTI" },
	{ "oops", "Oops: 0000 [#1] PREEMPT SMP NOPTI" },
	{ "panic", "Kernel panic - not syncing: Fatal exception" },
	{ "ubsan", "UBSAN: array-index-out-of-bounds in mm/ksm.c:1234:5" },
	{ "list_corruption", "list_del corruption, ffff888103a4c2d8->next is LIST_POISON1 (dead000000000100)" },
};

/* Lines of a normal run, some of them close to a report. */
static const char * const ordinary_lines[] = {
	"zram0: detected capacity change from 0 to 2097152",
	"Adding 1048572k swap on /dev/zram0.  Priority:-2 extents:1 across:1048572k SS",
	"page dumped because: unmovable page",
	"page dumped because: isolation failed",
	"Memory failure: 0x10a3c: soft offline: migration success",
	"memory memory40: Offline failed.",
	"DEBUG: hugetlb pages reserved",
	"migration_races: WARNINGS are counted elsewhere",
	"rcu: Hierarchical RCU implementation.",
	"INFO: lockdep is turned off.",
	"",
};

TEST(kernel_reports_have_their_kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kernel_reports); i++) {
		const char *kind = kmsg_line_kind(kernel_reports[i][1]);

		EXPECT_NE(NULL, kind) TH_LOG("not caught: %s", kernel_reports[i][1]);
		if (kind)
			EXPECT_STREQ(kernel_reports[i][0], kind)
				TH_LOG("in: %s", kernel_reports[i][1]);
		EXPECT_TRUE(kmsg_line_is_bad(kernel_reports[i][1]));
	}
	for (i = 0; i < ARRAY_SIZE(ordinary_lines); i++) {
		const char *kind = kmsg_line_kind(ordinary_lines[i]);

		EXPECT_FALSE(kmsg_line_is_bad(ordinary_lines[i]))
			TH_LOG("caught as %s: %s", kind ? kind : "-",
			       ordinary_lines[i]);
	}
}

TEST(kmsg_records)
{
	struct kmsg_reader r = { .fd = -1 };

	EXPECT_STREQ("WARNING: x", kmsg_record_text("4,123,456,-;WARNING: x"));
	EXPECT_EQ(123, kmsg_record_seq("4,123,456,-;WARNING: x"));
	EXPECT_EQ(-1, kmsg_record_seq("no record"));
	EXPECT_EQ(-1, kmsg_record_seq("4,x,456,-;text"));
	/* The first record sets the sequence; a gap is what was lost. */
	EXPECT_EQ(0, kmsg_reader_advance(&r, 10));
	EXPECT_EQ(0, kmsg_reader_advance(&r, 11));
	r.overrun = true;
	EXPECT_EQ(89, kmsg_reader_advance(&r, 101));
	EXPECT_FALSE(r.overrun);
	/* An overrun before the first record: lost, but how many is unknown. */
	r = (struct kmsg_reader){ .fd = -1, .overrun = true };
	EXPECT_EQ(-1, kmsg_reader_advance(&r, 500));
	EXPECT_EQ(0, kmsg_reader_advance(&r, 501));
}

TEST(finding_lines)
{
	char buf[128];

	finding_format(buf, sizeof(buf), "warning", "kmsg",
		       "WARNING: CPU: 1 PID: 2 at mm/rmap.c:1343 x");
	EXPECT_STREQ("kind=warning source=kmsg line=\"WARNING: CPU: 1 PID: 2 at mm/rmap.c:1343 x\"",
		     buf);
	finding_format(buf, sizeof(buf), "bug", "kmsg", "a \"q\" \\x0a");
	EXPECT_STREQ("kind=bug source=kmsg line=\"a \\\"q\\\" \\\\x0a\"", buf);
	/* Cut short, still one line that ends in a quote. */
	finding_format(buf, 40, "bug", "kmsg", "kernel BUG at mm/migrate.c:1152! and more");
	EXPECT_EQ(39, strlen(buf));
	EXPECT_EQ('"', buf[38]);
}

/* What race_window_missed() prints for @e, into @buf. */
static void missed_report(struct race_env *e, char *buf, size_t len)
{
	FILE *f = tmpfile();
	int saved = dup(1);
	size_t n;

	fflush(stdout);
	dup2(fileno(f), 1);
	race_window_missed(e, "window not reached: no page moved (%d)\n", 7);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

TEST(refused_migration_reads_as_one)
{
	struct trigger_stats st = {
		.pages_requested = 512, .pages_moved = 100,
		.pages_refused = 412, .last_refusal = -EBUSY,
	};
	struct race_env e = {
		.race = "R4", .trigger = &trigger_move_pages, .stats = &st,
	};
	char buf[2048];

	missed_report(&e, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "kernel refused to migrate: 412 of 512 pages handed to move_pages were refused (last status -16"));
	EXPECT_NE(NULL, strstr(buf, "; no page moved (7)"));
	EXPECT_NE(NULL, strstr(buf, "finding: race=R4 kind=migration_refused"));
	EXPECT_EQ(NULL, strstr(buf, "window not reached"));
	/* EBUSY now and then is no refusal. */
	st.pages_refused = 20;
	missed_report(&e, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "window not reached: no page moved (7)"));
	EXPECT_EQ(NULL, strstr(buf, "refused"));
	/* Too few pages to judge. */
	st.pages_requested = 32;
	st.pages_refused = 32;
	missed_report(&e, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "window not reached"));
}

TEST(taint_decoding)
{
	char letters[32];

	/* W already set before the test: not new. */
	EXPECT_EQ(0, taint_new_bad_bits(1UL << 9, 1UL << 9));
	EXPECT_EQ(1UL << 7, taint_new_bad_bits(1UL << 9, (1UL << 9) | (1UL << 7)));
	/* O (out-of-tree module) is not a kernel error. */
	EXPECT_EQ(0, taint_new_bad_bits(0, 1UL << 12));
	EXPECT_EQ(1UL << 5, taint_new_bad_bits(0, 1UL << 5));
	taint_describe((1UL << 7) | (1UL << 9), letters, sizeof(letters));
	EXPECT_STREQ("DW", letters);
}

TEST(pattern_catches_flipped_byte)
{
	size_t psz = getpagesize();
	unsigned char *page = malloc(psz);

	ASSERT_NE(NULL, page);
	pattern_fill(page, psz, 1, 42, 7);
	EXPECT_EQ(0, pattern_check(page, psz, 1, 42, 7, 1));
	/* Another generation, index or writer is a different page. */
	EXPECT_NE(0, pattern_check(page, psz, 1, 42, 8, 1));
	EXPECT_NE(0, pattern_check(page, psz, 1, 43, 7, 1));
	EXPECT_NE(0, pattern_check(page, psz, 2, 42, 7, 1));
	page[1234] ^= 0x10;
	EXPECT_EQ(1234 / 8 * 8 + 1, pattern_check(page, psz, 1, 42, 7, 1));
	free(page);
}

TEST(pattern_range_counts_bad_pages)
{
	size_t psz = getpagesize();
	char *buf = malloc(4 * psz);

	ASSERT_NE(NULL, buf);
	pattern_fill_range(buf, 4 * psz, psz, 3, 1);
	EXPECT_EQ(0, pattern_check_range(buf, 4 * psz, psz, 3, 1));
	memset(buf + 2 * psz, 0, psz);
	EXPECT_EQ(1, pattern_check_range(buf, 4 * psz, psz, 3, 1));
	free(buf);
}

TEST(options_reject_bad_durations)
{
	double v;

	EXPECT_EQ(0, mr_parse_seconds("5", &v));
	EXPECT_EQ(5, v);
	EXPECT_EQ(0, mr_parse_seconds("0.5", &v));
	EXPECT_NE(0, mr_parse_seconds("0", &v));
	EXPECT_NE(0, mr_parse_seconds("-3", &v));
	EXPECT_NE(0, mr_parse_seconds("3s", &v));
	EXPECT_NE(0, mr_parse_seconds("", &v));
	EXPECT_NE(0, mr_parse_seconds("nan", &v));
	EXPECT_NE(0, mr_parse_seconds("1e9", &v));
	EXPECT_NE(0, mr_parse_seconds("301", &v));
	EXPECT_NE(0, mr_parse_scale("abc", &v));
	EXPECT_NE(0, mr_parse_scale("0", &v));
}

/* The duration comes from the environment; bad values are refused. */
TEST(options_environment)
{
	unsetenv(MR_SCALE_ENV);
	setenv(MR_SECONDS_ENV, "7", 1);
	ASSERT_EQ(0, mr_options_parse());
	EXPECT_EQ(7, mr_duration);
	EXPECT_EQ(74, mr_watchdog_seconds());
	EXPECT_EQ(102, mr_watchdog_seconds_for(7 * 3));	/* stretched 3x */
	setenv(MR_SCALE_ENV, "4", 1);
	ASSERT_EQ(0, mr_options_parse());
	EXPECT_EQ(7, mr_duration);	/* SECONDS is not scaled */
	unsetenv(MR_SECONDS_ENV);
	ASSERT_EQ(0, mr_options_parse());
	EXPECT_EQ(MR_DEFAULT_SECONDS * 4, mr_duration);
	setenv(MR_SCALE_ENV, "fast", 1);
	EXPECT_EQ(-1, mr_options_parse());
	setenv(MR_SCALE_ENV, "1000", 1);	/* over the cap */
	EXPECT_EQ(-1, mr_options_parse());
	unsetenv(MR_SCALE_ENV);
	setenv(MR_SECONDS_ENV, "7x", 1);
	EXPECT_EQ(-1, mr_options_parse());
	setenv(MR_SECONDS_ENV, "", 1);
	EXPECT_EQ(-1, mr_options_parse());
	unsetenv(MR_SECONDS_ENV);
}

TEST(kconfig_parsing)
{
	const char *cfg = "CONFIG_KSM=y\n# CONFIG_DEVICE_PRIVATE is not set\n"
			  "CONFIG_ZRAM=m\nCONFIG_NR_CPUS=64\n";

	EXPECT_EQ(KCONFIG_YES, kconfig_lookup(cfg, "KSM"));
	EXPECT_EQ(KCONFIG_NO, kconfig_lookup(cfg, "DEVICE_PRIVATE"));
	EXPECT_EQ(KCONFIG_MODULE, kconfig_lookup(cfg, "ZRAM"));
	EXPECT_EQ(KCONFIG_YES, kconfig_lookup(cfg, "NR_CPUS"));
	EXPECT_EQ(KCONFIG_NO, kconfig_lookup(cfg, "KS"));
}

TEST(migration_entries)
{
	uint64_t swp = PM_SWAP;

	migration_types_set(false, false);
	/* Without DEVICE_PRIVATE: read 28, read-exclusive 29, write 30. */
	EXPECT_EQ(MIGRATION_READ, migration_entry_kind(swp | 28 | 5 << 5));
	EXPECT_EQ(MIGRATION_READ_EXCLUSIVE, migration_entry_kind(swp | 29));
	EXPECT_EQ(MIGRATION_WRITE, migration_entry_kind(swp | 30));
	EXPECT_EQ(MIGRATION_NONE, migration_entry_kind(swp | 0));
	EXPECT_EQ(MIGRATION_NONE, migration_entry_kind(PM_PRESENT | 30));
	migration_types_set(true, false);
	EXPECT_EQ(MIGRATION_READ, migration_entry_kind(swp | 24));
	EXPECT_EQ(MIGRATION_WRITE, migration_entry_kind(swp | 26));
	EXPECT_EQ(MIGRATION_NONE, migration_entry_kind(swp | 30));
	/* 6.1 (swapin error type): read 27, as seen in Debian's 6.1.192. */
	migration_types_set(false, true);
	EXPECT_EQ(MIGRATION_READ, migration_entry_kind(swp | 27));
	EXPECT_EQ(MIGRATION_WRITE, migration_entry_kind(swp | 29));
	EXPECT_EQ(MIGRATION_NONE, migration_entry_kind(swp | 30));
}

TEST(kpageflags_r1_candidate)
{
	uint64_t sc = 1ULL << KPF_SWAPCACHE | 1ULL << KPF_LRU;

	EXPECT_TRUE(kpf_unmapped_swapcache(sc));
	EXPECT_FALSE(kpf_unmapped_swapcache(sc | 1ULL << KPF_MMAP));
	EXPECT_FALSE(kpf_unmapped_swapcache(sc | 1ULL << KPF_ANON));
	EXPECT_FALSE(kpf_unmapped_swapcache(1ULL << KPF_SWAPCACHE));
}

/*
 * A room of 8 pages at made-up PFNs: the 3 lowest go first, whatever
 * their order in the mapping, and the waves after them skip them.
 */
TEST(room_punch_low_frees_lowest_pfns)
{
	static const uint64_t pfn[8] = { 90, 10, 70, 30, 20, 80, 60, 50 };
	static const bool low[8] = { 0, 1, 0, 1, 1, 0, 0, 0 };
	unsigned char vec[8];
	struct room r = { 0 };
	size_t i;

	r.psz = getpagesize();
	r.n = 8;
	r.waves = 1;
	r.pfn = calloc(r.n, sizeof(*r.pfn));
	r.p = mmap(NULL, r.n * r.psz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r.p);
	ASSERT_NE(NULL, r.pfn);
	for (i = 0; i < r.n; i++) {
		r.p[i * r.psz] = 1;
		r.pfn[i] = pfn[i];
	}
	EXPECT_EQ(3, room_punch_low(&r, 3, -1));
	ASSERT_EQ(0, mincore(r.p, r.n * r.psz, vec));
	for (i = 0; i < r.n; i++) {
		EXPECT_EQ(!low[i], vec[i] & 1);
		EXPECT_EQ(low[i] ? 0 : pfn[i], r.pfn[i]);
	}
	EXPECT_TRUE(room_punch(&r, -1));
	EXPECT_FALSE(room_punch(&r, -1));
	ASSERT_EQ(0, mincore(r.p, r.n * r.psz, vec));
	for (i = 0; i < r.n; i++)
		EXPECT_EQ(0, vec[i] & 1);
	room_drop(&r);
}

static int undo_calls, undo_last = UNDO_MAX + 1;

/* Counts calls and checks they come newest first. */
static int undo_count_call(const struct undo_entry *e)
{
	int i = atoi(e->value);

	undo_calls++;
	if (i >= undo_last)
		return -EINVAL;
	undo_last = i;
	return 0;
}

static int undo_fail_call(const struct undo_entry *e)
{
	return -EIO;
}

/* A killed migrator ends cleanly; one that failed first still fails. */
TEST(worker_kill_wait_keeps_earlier_failure)
{
	pid_t pid = worker_fork();
	siginfo_t info;

	ASSERT_LE(0, pid);
	if (!pid) {
		pause();
		_exit(WORKER_OK);
	}
	EXPECT_EQ(0, worker_kill_wait(pid, "sleeping worker"));
	pid = worker_fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(WORKER_SYSCALL);
	/* Exited before the kill: a zombie, left for worker_kill_wait(). */
	ASSERT_EQ(0, waitid(P_PID, pid, &info, WEXITED | WNOWAIT));
	EXPECT_EQ(-1, worker_kill_wait(pid, "failed worker"));
}

TEST(undo_log_full_refuses)
{
	char value[16];
	int i;

	for (i = 0; i < UNDO_MAX; i++) {
		snprintf(value, sizeof(value), "%d", i);
		ASSERT_EQ(0, undo_add_call(undo_count_call, "test", value));
	}
	/* Full: refused, not dropped later. */
	EXPECT_EQ(-ENOSPC, undo_add_call(undo_count_call, "test", "x"));
	EXPECT_EQ(-ENOSPC, undo_add(UNDO_WRITE, "/nonexistent", "1", NULL));
	EXPECT_EQ(0, undo_run());
	EXPECT_EQ(UNDO_MAX, undo_calls);
	EXPECT_EQ(0, undo_last);
	/* Done entries are not restored twice. */
	EXPECT_EQ(0, undo_run());
	EXPECT_EQ(UNDO_MAX, undo_calls);
}

TEST(undo_run_counts_failures)
{
	ASSERT_EQ(0, undo_add_call(undo_count_call, "ok", "1"));
	ASSERT_EQ(0, undo_add_call(undo_fail_call, "bad", "2"));
	ASSERT_EQ(0, undo_add(UNDO_WRITE, "/nonexistent/knob", "1", NULL));
	EXPECT_EQ(2, undo_run());
	EXPECT_EQ(1, undo_calls);
}

TEST(run_lock_refuses_second_run)
{
	char path[] = "/tmp/mr_lock_test.XXXXXX", msg[256], want[256];
	pid_t holder = -1;
	double t0;
	int fd = mkstemp(path);

	ASSERT_LE(0, fd);
	close(fd);
	mr_run_lock_unneeded = false;
	ASSERT_EQ(0, run_lock_take(path, 0, msg, sizeof(msg)));
	/* A second taker (another open file) is refused and told who. */
	EXPECT_EQ(-1, run_lock_take(path, 0, msg, sizeof(msg)));
	snprintf(want, sizeof(want),
		 "another migration_races run (pid %d) holds %s: refusing to run two at once",
		 getpid(), path);
	EXPECT_STREQ(want, msg);
	t0 = now_seconds();
	EXPECT_EQ(-EWOULDBLOCK, lock_take(path, 0.1, &holder));
	EXPECT_LE(0.1, now_seconds() - t0);
	EXPECT_EQ(getpid(), holder);
	run_lock_forget();
	fd = lock_take(path, 0.1, NULL);
	EXPECT_LE(0, fd);
	close(fd);
	unlink(path);
}

TEST(ksm_stat_users)
{
	EXPECT_FALSE(ksm_stat_in_use("ksm_rmap_items 0\nksm_zero_pages 0\n"
				     "ksm_merging_pages 0\nksm_process_profit 0\n"));
	EXPECT_TRUE(ksm_stat_in_use("ksm_rmap_items 12\nksm_zero_pages 0\n"
				    "ksm_merging_pages 0\n"));
	EXPECT_TRUE(ksm_stat_in_use("ksm_rmap_items 0\nksm_zero_pages 0\n"
				    "ksm_merging_pages 3\n"));
	EXPECT_TRUE(ksm_stat_in_use("ksm_rmap_items 0\nksm_merging_pages 0\n"
				    "ksm_merge_any: no\nksm_mergeable: yes\n"));
	EXPECT_FALSE(ksm_stat_in_use("ksm_rmap_items 0\nksm_merging_pages 0\n"
				     "ksm_merge_any: no\nksm_mergeable: no\n"));
	EXPECT_FALSE(ksm_stat_in_use(""));
}

TEST(kernel_version_ranges)
{
	static const struct kver_range r[] = {
		{ "6.1", "6.12.54" }, { "6.13", "6.17.4" }, { NULL },
	};
	static const struct kver_range open_end[] = { { "6.10", NULL }, { NULL } };
	int v[3];

	ASSERT_EQ(0, kver_parse("6.12.118+deb12-amd64", v));
	EXPECT_EQ(6, v[0]);
	EXPECT_EQ(12, v[1]);
	EXPECT_EQ(118, v[2]);
	ASSERT_EQ(0, kver_parse("6.18", v));
	EXPECT_EQ(0, v[2]);
	EXPECT_NE(0, kver_parse("6", v));
	EXPECT_NE(0, kver_parse("linux-6.1", v));
	EXPECT_NE(0, kver_parse("", v));
	/* Debian 12's 6.1: the 0 hides the point release. */
	EXPECT_TRUE(kver_in_ranges("6.1.0-28-amd64", r));
	EXPECT_TRUE(kver_in_ranges("6.1.192", r));
	EXPECT_TRUE(kver_in_ranges("6.12.53", r));
	EXPECT_FALSE(kver_in_ranges("6.12.54", r));
	EXPECT_FALSE(kver_in_ranges("6.12.118+deb12-amd64", r));
	EXPECT_TRUE(kver_in_ranges("6.13.0", r));
	EXPECT_TRUE(kver_in_ranges("6.17.3-arch1", r));
	EXPECT_FALSE(kver_in_ranges("6.17.4", r));
	EXPECT_FALSE(kver_in_ranges("6.18.0", r));
	EXPECT_FALSE(kver_in_ranges("6.0.19", r));
	EXPECT_FALSE(kver_in_ranges("5.15.0-100-generic", r));
	EXPECT_FALSE(kver_in_ranges("garbage", r));
	EXPECT_TRUE(kver_in_ranges("7.0", open_end));
	EXPECT_FALSE(kver_in_ranges("6.9.12", open_end));
}

TEST(known_bug_declarations)
{
	const char *name = "ksm_accounting.fork_resets_counters";
	const struct known_bug *b = known_bug_find(name, "6.1.0-28-amd64");

	ASSERT_NE(NULL, b);
	EXPECT_NE(NULL, b->fix);
	EXPECT_NE(NULL, b->reason);
	EXPECT_EQ(NULL, known_bug_find(name, "6.12.118+deb12-amd64"));
	EXPECT_EQ(NULL, known_bug_find(name, "6.18.0"));
	EXPECT_EQ(NULL, known_bug_find("ksm_migration.compaction.forked_children",
				       "6.1.192"));
}

TEST_HARNESS_MAIN
