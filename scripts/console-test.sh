#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the console judging that vmtest.sh and mutants.sh use, on
# canned console text, without a VM: console_records (lib.sh) turns a
# console into the records they read, kernel-problems.awk gives real
# report lines the kinds lib/kernel_problems.h names (the same lines and
# kinds as lib/tests/lib_test.c) and leaves ordinary lines alone, and the
# hang watchdog (console-watch.sh) stops a guest whose hang persists,
# naming the running test, and only then.  check.sh runs it.

set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL="console-test"
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"
PROBLEMS=$KERNEL_PROBLEMS
WORK=$(mktemp -d "${TMPDIR:-/tmp}/console-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FAILED=0

fail()
{
	echo "console-test: FAIL: $*"
	FAILED=$((FAILED + 1))
}

kinds()
{
	awk -v kp_file="$1" "$(cat "$SCRIPT_DIR/kernel-problems.awk")"'
	{ print kp_kind($0) }'
}

test_kinds()
{
	local want line got

	while IFS=$'\t' read -r want line; do
		got=$(printf '%s\n' "$line" | kinds "$PROBLEMS")
		# "-": no problem (an empty field would vanish in IFS).
		[ "${got:--}" = "$want" ] || fail "'$line': kind '${got:--}', not '$want'"
	done <<'EOF_LINES'
kasan	BUG: KASAN: slab-use-after-free in folio_get_anon_vma+0x1a4/0x2c0
slub	BUG kmalloc-64 (Not tainted): Poison overwritten
bug	kernel BUG at mm/migrate.c:1152!
bug	BUG: kernel NULL pointer dereference, address: 0000000000000008
warning	WARNING: CPU: 1 PID: 2 at mm/rmap.c:1343 folio_add_anon_rmap_ptes+0x1b/0x30
rcu_stall	rcu: INFO: rcu_sched self-detected stall on CPU
rcu_stall	INFO: rcu_sched detected stalls on CPUs/tasks:
hung_task	INFO: task foo:123 blocked for more than 20 seconds.
soft_lockup	watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [ksmd:41]
hard_lockup	NMI watchdog: Watchdog detected hard LOCKUP on cpu 1
bad_page	BUG: Bad page state in process fork_cow  pfn:10a3c
bad_swap_entry	Bad swap file entry 3fffffffffff
bad_swap_entry	_swap_info_get: Bad swap file entry 3fffffffffff
oops	Oops: general protection fault, probably for non-canonical address 0xdead000000000122: 0000 [#1] PREEMPT SMP NOPTI
oops	general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] SMP PTI
panic	Kernel panic - not syncing: Fatal exception
-	zram0: detected capacity change from 0 to 2097152
-	page dumped because: unmovable page
-	Memory failure: 0x10a3c: soft offline: migration success
-	DEBUG: hugetlb pages reserved
-	rcu: Hierarchical RCU implementation.
-	INFO: lockdep is turned off.
EOF_LINES
}

# Every KP() line of the header is read, and a malformed one stops awk.
test_table()
{
	local n got

	n=$(grep -c '^KP(' "$PROBLEMS")
	got=$(awk -v kp_file="$PROBLEMS" "$(cat "$SCRIPT_DIR/kernel-problems.awk")"'
		BEGIN { kp_load(); print kp_n }')
	[ "$got" = "$n" ] || fail "awk read $got of the $n entries"
	printf 'KP(bug, START, "BUG:")\nKP(bad, SOMEWHERE, "x")\n' > "$WORK/bad.h"
	echo "BUG: x" | kinds "$WORK/bad.h" >/dev/null 2>&1 &&
		fail "a malformed entry was accepted"
	: > "$WORK/empty.h"
	echo "BUG: x" | kinds "$WORK/empty.h" >/dev/null 2>&1 &&
		fail "an empty list was accepted"
}

CONSOLE_HEAD='VMTEST: run 1/1 start uptime=5.10
# selftests: migration_races/migration: fork_cow
# TAP version 13
# #  RUN           fork_cow.compaction.base_pages ...'
STALL='[   40.123456] rcu: INFO: rcu_preempt self-detected stall on CPU'

# watch NAME SECONDS_OF_SILENCE CONSOLE: feeds the console, then keeps the
# pipe open and silent; a sleep stands in for QEMU.
watch()
{
	local name=$1 silence=$2 console=$3 qemu

	sleep 60 &
	qemu=$!
	echo "$qemu" > "$WORK/$name.pid"
	{ printf '%s\n' "$console"; sleep "$silence"; } |
		"$SCRIPT_DIR/console-watch.sh" --grace 2 --report "$WORK/$name.report" \
			--pidfile "$WORK/$name.pid" --problems "$PROBLEMS" 2>/dev/null
	if kill -0 "$qemu" 2>/dev/null; then
		QEMU_ALIVE=1
		kill "$qemu"
	else
		QEMU_ALIVE=0
	fi
	wait "$qemu" 2>/dev/null
}

test_watchdog()
{
	local report

	watch hang 5 "$CONSOLE_HEAD
$STALL"
	report=$(cat "$WORK/hang.report" 2>/dev/null)
	[[ $report == $'rcu_stall\tmigration_races/migration:fork_cow fork_cow.compaction.base_pages\t'* ]] ||
		fail "a persisting stall: report '$report'"
	[ "$QEMU_ALIVE" -eq 0 ] || fail "a persisting stall did not stop QEMU"

	watch recovered 4 "$CONSOLE_HEAD
$STALL
# #          OK  fork_cow.compaction.base_pages
# ok 1 fork_cow.compaction.base_pages"
	[ ! -e "$WORK/recovered.report" ] || fail "a stall the tests got over stopped the run"
	[ "$QEMU_ALIVE" -eq 1 ] || fail "a stall the tests got over killed QEMU"

	watch overrun 5 "$CONSOLE_HEAD
# # finding: race=R3 kind=case_timeout trigger=compaction seconds=66"
	report=$(cat "$WORK/overrun.report" 2>/dev/null)
	[[ $report == $'case_timeout\tmigration_races/migration:fork_cow fork_cow.compaction.base_pages\t'* ]] ||
		fail "a case overran and the guest went silent: report '$report'"
	[ "$QEMU_ALIVE" -eq 0 ] || fail "a silent guest after an overrun was not stopped"

	watch overrun_then_on 4 "$CONSOLE_HEAD
# # finding: race=R3 kind=case_timeout trigger=compaction seconds=66
# not ok 1 fork_cow.compaction.base_pages"
	[ ! -e "$WORK/overrun_then_on.report" ] || fail "the harness went on after an overrun, yet the run was stopped"
	[ "$QEMU_ALIVE" -eq 1 ] || fail "the harness went on after an overrun, yet QEMU was killed"

	watch quiet 4 "$CONSOLE_HEAD
[   41.000000] WARNING: CPU: 1 PID: 2 at mm/rmap.c:1343 x
# # finding: kind=hung_task source=kmsg line=\"INFO: task a:1 blocked for more than 60 seconds.\""
	[ ! -e "$WORK/quiet.report" ] || fail "no hang on the console, yet the run was stopped"
	[ "$QEMU_ALIVE" -eq 1 ] || fail "no hang, yet QEMU was killed"
}

# console_records (lib.sh), the parser vmtest, bench, mutants, soak and
# check read, on a console with every kind of line it knows, a printk
# cutting a test's line in two among them.
test_records()
{
	local got want

	got=$(printf '%s\n' "$CONSOLE_HEAD" \
		'# # finding: race=R3 kind=cow_leak trigger=compaction' \
		"# # child 7 saw the parent's write: COW leak" \
		'# # window: race=R3 trigger=compaction events=12 seconds=3.0 nominal_seconds=3.0 nominal_events=10 lanes=2' \
		'[   40.123456] WARNING: CPU: 1 PID: 2 at mm/rmap.c:1343 x' \
		'# # finding: kind=warning source=kmsg line="WARNING: CPU: 1 PID: 2 at mm/rmap.c:1343 x"' \
		'# not ok 1 fork_cow.compaction.base_pages' \
		'# #  RUN           fork_cow.compaction.thp ...' \
		'# # known bug: fork_cow.compaction.thp on 6.1: a bug' \
		'# ok 2 fork_cow.compaction.thp # XFAIL a bug' \
		'not ok 1 selftests: migration_races/migration: fork_cow # exit=1' \
		'BENCH: begin subject=ksm_migration uptime=9.0' \
		'peer| ok 1 something' \
		'# selftests: migration_races/ksm: ksm_migration' \
		'# #  RUN           ksm_migration.compaction.unmerge ...' \
		'# # window: race=R4 trig[   41.500000] BUG: Bad page state in process x  pfn:1' \
		'ger=compaction events=3 seconds=3.1' \
		'VMTEST: first failure uptime=50.5' > "$WORK/console"
		console_records "$WORK/console")
	want=$(printf '%s\n' \
		$'M\tfirst_test_uptime\t5.10' \
		$'P\t1\tmigration_races/migration:fork_cow' \
		$'C\t1\tfork_cow.compaction.base_pages' \
		$'F\t1\tfork_cow.compaction.base_pages\tcow_leak\tR3\tcompaction\ttest' \
		$'W\t1\tfork_cow.compaction.base_pages\tR3\tcompaction\t12\t10\t3.0' \
		$'K\twarning\t40.123456\tWARNING: CPU: 1 PID: 2 at mm/rmap.c:1343 x' \
		$'F\t1\tfork_cow.compaction.base_pages\twarning\t-\t-\tkmsg' \
		$'R\t1\tfail\tfork_cow.compaction.base_pages' \
		$'C\t1\tfork_cow.compaction.thp' \
		$'B\t1\tfork_cow.compaction.thp on 6.1: a bug' \
		$'R\t1\txfail\tfork_cow.compaction.thp' \
		$'T\t1\tfail\tmigration_races/migration:fork_cow' \
		$'G\tBENCH\tbegin subject=ksm_migration uptime=9.0' \
		$'G\tpeer\tok 1 something' \
		$'P\t1\tmigration_races/ksm:ksm_migration' \
		$'C\t1\tksm_migration.compaction.unmerge' \
		$'K\tbad_page\t41.500000\tBUG: Bad page state in process x  pfn:1' \
		$'W\t1\tksm_migration.compaction.unmerge\tR4\tcompaction\t3\t-\t3.1' \
		$'M\tfirst_failure_uptime\t50.5' \
		$'U\t1\tmigration_races/ksm:ksm_migration')
	[ "$got" = "$want" ] ||
		fail "console_records: $(diff <(echo "$want") <(echo "$got") | tr '\n\t' '| ')"
}

# bench.sh's table from a canned console (--console): medians and
# spread over the repeats, the ceiling, the hit ratio and the floors.
test_bench_table()
{
	local rep out want

	for rep in 1 2 3; do
		printf '%s\n' \
			"BENCH: begin subject=r1.compaction rep=$rep uptime=1.0" \
			'# # window: race=R1 trigger=compaction events=50 seconds=2.0 nominal_seconds=3.0' \
			"BENCH: result subject=r1.compaction rep=$rep event=r1_swapcache_nomap count=$((rep * 300))" \
			"BENCH: result subject=r1.compaction rep=$rep event=migrated_all count=$((rep * 750))" \
			"BENCH: end subject=r1.compaction rep=$rep seconds=3.00 peak_kb=1 rc=0" \
			"BENCH: begin subject=r1.soft_offline rep=$rep uptime=1.0" \
			"BENCH: result subject=r1.soft_offline rep=$rep event=r1_swapcache_nomap count=90" \
			"BENCH: result subject=r1.soft_offline rep=$rep event=migrated_all count=180" \
			"BENCH: end subject=r1.soft_offline rep=$rep seconds=3.00 peak_kb=1 rc=0" \
			"BENCH: begin subject=r3.move_pages rep=$rep uptime=1.0" \
			"BENCH: result subject=r3.move_pages rep=$rep event=r3_entries_forked count=9000" \
			"BENCH: result subject=r3.move_pages rep=$rep event=forks count=300" \
			"BENCH: end subject=r3.move_pages rep=$rep seconds=3.00 peak_kb=1 rc=0" \
			"BENCH: begin subject=obvious_r1 rep=$rep uptime=1.0" \
			"BENCH: result subject=obvious_r1 rep=$rep event=r1_swapcache_nomap count=90" \
			"BENCH: end subject=obvious_r1 rep=$rep seconds=3.00 peak_kb=1 rc=0" \
			"BENCH: begin subject=ceiling rep=$rep uptime=1.0" \
			"BENCH: result subject=ceiling rep=$rep event=migrated_all count=3000" \
			"BENCH: end subject=ceiling rep=$rep seconds=3.00 peak_kb=1 rc=0"
	done > "$WORK/bench-console"
	echo 'BENCH: done' >> "$WORK/bench-console"
	out=$(MIGRATION_RACES_CACHE=$WORK/cache "$SCRIPT_DIR/bench.sh" \
		--console "$WORK/bench-console" --svg "$WORK/bench.svg" 2>&1) ||
		fail "bench.sh --console: exit $?: $out"
	# r1: 100, 200, 300/s; floor min(10 x 30, 1,000 / 2); hit 200 / 500;
	# compaction's ceiling 500/s (its own subject's pages migrated).
	want='R1 compaction r1_swapcache_nomap 200.0 100.0-300.0 20.0% 40.0% 30.0 6.7x - (-) 16.7 0.40 BELOW 300.0'
	grep -q "^$want\$" <<< "$(tr -s ' ' <<< "$out")" ||
		fail "bench table: no row '$want' in: $out"
	# Soft offline migrates 60/s at most: a floor of 300 is out of reach.
	want='R1 soft_offline r1_swapcache_nomap 30.0 30.0-30.0 3.0% 50.0% 30.0 1.0x - (-) 0.00 0.50 out of reach 300.0: soft_offline moves 60.0/s'
	grep -q "^$want\$" <<< "$(tr -s ' ' <<< "$out")" ||
		fail "bench table: no row '$want' in: $out"
	want='R3 move_pages r3_entries_forked 3000.0 3000.0-3000.0 300.0% 300.0% - - - (-) 0.00 30.0 met (1000.0)'
	grep -q "^$want\$" <<< "$(tr -s ' ' <<< "$out")" ||
		fail "bench table: no row '$want' in: $out"
	grep -q '^ceiling: 1000.0 pages migrated per second (ceiling,' <<< "$out" ||
		fail "bench table: wrong ceiling in: $out"
	grep -q '^goal (every window row at its floor): R1 BELOW (compaction:r1_swapcache_nomap), out of reach (soft_offline:r1_swapcache_nomap) R3 met$' <<< "$out" ||
		fail "bench table: wrong goal line in: $out"
}

test_kinds
test_table
test_records
test_bench_table
test_watchdog
if [ "$FAILED" -eq 0 ]; then
	echo "console-test: all passed"
	exit 0
fi
echo "console-test: $FAILED failed"
exit 1
