#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of scripts/bench.sh, run by vmtest's /init as the guest
# command (busybox sh, in /selftests).  For every subject (one trigger
# of a race program of this suite, an obvious loop or the ceiling of
# scripts/bench/, an upstream mm selftest, a stress-ng stressor) it arms
# hist triggers on the kernel events that define the races' windows,
# runs the subject for the fixed time in a cgroup of its own, reads the
# histograms and prints machine-readable lines for the host; all the
# subjects run BENCH_REPEAT times (rep 1, 2, ...):
#
#   BENCH: attach event=E ok|fail          whether an event could be set up
#   BENCH: begin subject=S rep=N uptime=U
#   BENCH: result subject=S rep=N event=E count=C
#   BENCH: end subject=S rep=N seconds=X peak_kb=K rc=R
#   BENCH: suite begin|end ...             the untraced default suite run
#
# A suite subject is named race.trigger (r2.compact_node: anon_vma_unmap
# -v compact_node; r2.hotplug: offline_races -t anon_vma_unmap).
#
# The settings come from /extra/bench.conf, written by bench.sh.

T=/sys/kernel/tracing
CG=/sys/fs/cgroup
EXTRA=/extra
TRIGGERS=/tmp/bench-triggers
KSM=/sys/kernel/mm/ksm

# shellcheck source=/dev/null # written by bench.sh
. "$EXTRA/bench.conf"

say()
{
	echo "BENCH: $*"
}

uptime_s()
{
	cut -d' ' -f1 /proc/uptime
}

# Adds a dynamic event (fprobe) or a synthetic event; says whether the
# kernel took it.
add_event()
{
	name=$1 file=$2 def=$3

	if echo "$def" >> "$T/$file" 2>/dev/null; then
		say "attach event=$name ok"
		return 0
	fi
	say "attach event=$name fail def=$def"
	return 1
}

# The kernel's side of every window, set up once.  The fprobes read BTF
# arguments; the synthetic events carry the mm of the VMA an rmap walk
# visits to the per-pte tracepoints that fire inside that visit, so
# that set and restored migration entries can be counted per mm.
setup_events()
{
	EV_R1=0 EV_R2=0 EV_KSM=0 EV_RM=0 EV_SET=0

	add_event r1_swapcache_nomap dynamic_events \
		'f:bench/r1_sc migrate_folio m=mapping:x64 sm=src->mapping:x64' &&
		EV_R1=1
	add_event r2_put_anon_vma dynamic_events \
		'f:bench/r2_pav __put_anon_vma' && EV_R2=1
	add_event r4_folio_migrate_ksm dynamic_events \
		'f:bench/r4_mksm folio_migrate_ksm m=folio->mapping:x64' &&
		EV_KSM=1
	add_event rm_visit dynamic_events \
		'f:bench/rm_visit remove_migration_pte mm=vma->vm_mm:x64 kmp=vma->vm_mm->ksm_merging_pages:u64 fm=folio->mapping:x64' &&
		add_event bench_rm synthetic_events \
			'bench_rm u64 mm; u64 kmp; u64 fm' && EV_RM=1
	add_event set_visit dynamic_events \
		'f:bench/set_visit try_to_migrate_one mm=vma->vm_mm:x64' &&
		add_event bench_set synthetic_events 'bench_set u64 mm' &&
		EV_SET=1
	# Tracepoints: present or not, nothing to add.
	for e in migrate/mm_migrate_pages migrate/set_migration_pte \
		 migrate/remove_migration_pte thp/set_migration_pmd \
		 thp/remove_migration_pmd task/task_newtask \
		 sched/sched_process_exit syscalls/sys_enter_munmap \
		 ksm/ksm_remove_ksm_page; do
		if [ -d "$T/events/$e" ]; then
			say "attach event=$e ok"
		else
			say "attach event=$e fail"
		fi
	done
}

# One hist trigger; remembered so that disarm can remove it again.
trig()
{
	ev=$1 spec=$2

	[ -d "$T/events/$ev" ] || return 0
	if echo "$spec" >> "$T/events/$ev/trigger" 2>/dev/null; then
		echo "$ev $spec" >> "$TRIGGERS"
	else
		say "trigger failed event=$ev spec=$spec"
	fi
}

# Fresh histograms for one subject.  The onmatch triggers pair a visit
# of the rmap walk (fprobe, which knows the VMA's mm) with the pte or pmd
# tracepoint that fires inside it when an entry is really set or
# restored; visits that find nothing produce nothing.
arm()
{
	: > "$TRIGGERS"
	[ "$EV_R1" -eq 0 ] ||
		trig bench/r1_sc 'hist:keys=sm:size=128 if m != 0 && sm == 0'
	[ "$EV_R2" -eq 0 ] ||
		trig bench/r2_pav 'hist:keys=common_stacktrace:size=4096'
	[ "$EV_KSM" -eq 0 ] ||
		trig bench/r4_mksm 'hist:keys=common_pid:size=4096 if m & 1 && m & 2'
	trig migrate/mm_migrate_pages \
		'hist:keys=reason:vals=hitcount,succeeded:size=128 if reason == 0 || reason == 2'
	# Every reason: the pages-migrated rate the ceiling is taken from.
	# (size=256 tells its histogram from the one above.)
	trig migrate/mm_migrate_pages 'hist:keys=reason:vals=succeeded:size=256'
	# R2's attempts: each munmap and each exit can end a window.
	trig sched/sched_process_exit 'hist:keys=common_pid:size=8192'
	trig syscalls/sys_enter_munmap 'hist:keys=common_pid:size=8192'
	trig migrate/set_migration_pte 'hist:keys=order:size=128'
	trig migrate/remove_migration_pte 'hist:keys=order:size=128'
	trig thp/set_migration_pmd 'hist:keys=common_pid:size=8192'
	trig thp/remove_migration_pmd 'hist:keys=common_pid:size=8192'
	trig task/task_newtask 'hist:keys=common_pid:size=8192'
	trig ksm/ksm_remove_ksm_page 'hist:keys=common_pid:size=4096'
	# The $names in the onmatch triggers are the histograms' variables.
	# shellcheck disable=SC2016
	if [ "$EV_RM" -eq 1 ]; then
		trig synthetic/bench_rm 'hist:keys=mm:size=65536'
		trig synthetic/bench_rm \
			'hist:keys=kmp:size=128 if fm & 1 && fm & 2 && kmp == 0'
		trig bench/rm_visit \
			'hist:keys=common_pid:rmm=mm:rkmp=kmp:rfm=fm:size=8192'
		trig migrate/remove_migration_pte \
			'hist:keys=common_pid:onmatch(bench.rm_visit).trace(bench_rm,$rmm,$rkmp,$rfm)'
		trig thp/remove_migration_pmd \
			'hist:keys=common_pid:onmatch(bench.rm_visit).trace(bench_rm,$rmm,$rkmp,$rfm)'
	fi
	# shellcheck disable=SC2016
	if [ "$EV_SET" -eq 1 ]; then
		trig synthetic/bench_set 'hist:keys=mm:size=65536'
		trig bench/set_visit 'hist:keys=common_pid:smm=mm:size=8192'
		trig migrate/set_migration_pte \
			'hist:keys=common_pid:onmatch(bench.set_visit).trace(bench_set,$smm)'
		trig thp/set_migration_pmd \
			'hist:keys=common_pid:onmatch(bench.set_visit).trace(bench_set,$smm)'
	fi
}

# Removes the triggers in reverse order: an onmatch trigger holds a
# reference on the variables of the trigger it matches.
disarm()
{
	sed -n '1!G;h;$p' "$TRIGGERS" | while read -r ev spec; do
		echo "!$spec" >> "$T/events/$ev/trigger" 2>/dev/null ||
			say "trigger removal failed event=$ev spec=$spec"
	done
	: > "$TRIGGERS"
}

# Sums column $3 ("hitcount" or a value name) over the histogram of
# event $1 whose trigger info contains $2.  Dropped entries are
# reported: a full map would undercount.
hist_sum()
{
	awk -v pat="$2" -v col="$3:" -v ev="$1" '
	/^# trigger info:/ { on = index($0, pat) > 0; next }
	on && /^\{/ {
		for (i = 1; i < NF; i++)
			if ($i == col)
				s += $(i + 1)
	}
	on && /Dropped:/ && $2 > 0 { print "BENCH: dropped event=" ev " n=" $2 > "/dev/stderr" }
	END { print s + 0 }' "$T/events/$1/hist" 2>/dev/null || echo 0
}

# __put_anon_vma calls whose stack goes through migrate_pages(): the
# last anon_vma reference dropped by the migration itself.
stack_sum()
{
	awk -v pat="$2" '
	/^\{ common_stacktrace:/ { hit = 0; next }
	$0 ~ pat { hit = 1 }
	/^\} hitcount:/ { if (hit) s += $3; t += $3 }
	END { print s + 0, t + 0 }' "$T/events/$1/hist" 2>/dev/null ||
		echo "0 0"
}

# Per mm, migration entries restored minus entries set: positive where
# fork copied entries into a new mm during a window, negative where
# munmap or exit zapped entries before they were restored.  Prints the
# sums of the positive and the negative parts and the two totals.
per_mm_balance()
{
	{
		sed -n 's/^{ mm: *\([0-9a-fx]*\) *} hitcount: *\([0-9]*\).*/rm \1 \2/p' \
			"$T/events/synthetic/bench_rm/hist"
		sed -n 's/^{ mm: *\([0-9a-fx]*\) *} hitcount: *\([0-9]*\).*/set \1 \2/p' \
			"$T/events/synthetic/bench_set/hist"
	} 2>/dev/null | awk '
	$1 == "rm" { d[$2] += $3; r += $3 }
	$1 == "set" { d[$2] -= $3; t += $3 }
	END {
		for (k in d)
			if (d[k] > 0)
				p += d[k]
			else
				n -= d[k]
		print p + 0, n + 0, r + 0, t + 0
	}'
}

result()
{
	say "result subject=$1 rep=$REP event=$2 count=$3"
}

# Reads every histogram of the subject that just ran.
report()
{
	s=$1

	[ "$EV_R1" -eq 0 ] ||
		result "$s" r1_swapcache_nomap "$(hist_sum bench/r1_sc keys=sm hitcount)"
	result "$s" r1_migrated_compaction_hotplug \
		"$(hist_sum migrate/mm_migrate_pages 'if reason' succeeded)"
	if [ "$EV_R2" -eq 1 ]; then
		# shellcheck disable=SC2046 # two numbers
		set -- $(stack_sum bench/r2_pav 'migrate_pages')
		result "$s" r2_put_anon_vma_migration "$1"
		result "$s" r2_put_anon_vma_all "$2"
	fi
	if [ "$EV_RM" -eq 1 ] && [ "$EV_SET" -eq 1 ]; then
		# shellcheck disable=SC2046 # four numbers
		set -- $(per_mm_balance)
		result "$s" r3_entries_forked "$1"
		result "$s" r2_entries_zapped "$2"
		result "$s" restored_per_mm_total "$3"
		result "$s" set_per_mm_total "$4"
	fi
	result "$s" migrated_all \
		"$(hist_sum migrate/mm_migrate_pages size=256 succeeded)"
	result "$s" exits "$(hist_sum sched/sched_process_exit keys=common_pid hitcount)"
	result "$s" munmaps "$(hist_sum syscalls/sys_enter_munmap keys=common_pid hitcount)"
	set_pte=$(hist_sum migrate/set_migration_pte keys=order hitcount)
	set_pmd=$(hist_sum thp/set_migration_pmd size=8192 hitcount)
	rm_pte=$(hist_sum migrate/remove_migration_pte 'keys=order' hitcount)
	rm_pmd=$(hist_sum thp/remove_migration_pmd size=8192 hitcount)
	result "$s" set_migration "$((set_pte + set_pmd))"
	result "$s" set_migration_pmd "$set_pmd"
	result "$s" remove_migration "$((rm_pte + rm_pmd))"
	result "$s" forks "$(hist_sum task/task_newtask keys=common_pid hitcount)"
	[ "$EV_KSM" -eq 0 ] ||
		result "$s" r4_folio_migrate_ksm "$(hist_sum bench/r4_mksm keys=common_pid hitcount)"
	[ "$EV_RM" -eq 0 ] ||
		result "$s" r4_ksm_restored_forked "$(hist_sum synthetic/bench_rm keys=kmp hitcount)"
	result "$s" ksm_remove_ksm_page \
		"$(hist_sum ksm/ksm_remove_ksm_page keys=common_pid hitcount)"
}

# KSM knobs the peers change and do not restore (ksm_functional_tests
# leaves run=1 and use_zero_pages=1 behind).
ksm_save()
{
	KSM_SAVED=
	for k in run use_zero_pages merge_across_nodes sleep_millisecs pages_to_scan; do
		[ -f "$KSM/$k" ] && KSM_SAVED="$KSM_SAVED $k=$(cat "$KSM/$k")"
	done
}

ksm_restore()
{
	[ -f "$KSM/run" ] || return 0
	# run=2 unmerges everything, which merge_across_nodes needs.
	echo 2 > "$KSM/run" 2>/dev/null
	for kv in $KSM_SAVED; do
		echo "${kv#*=}" > "$KSM/${kv%%=*}" 2>/dev/null
	done
}

# The memory blocks online in ZONE_MOVABLE at the start, where
# offline_races finds the block it offlines.  stress-ng --memhotplug
# offlines blocks and onlines them with a plain "online", and may be
# killed at the deadline with one offline; "online" puts a block back in
# the kernel's zone once the movable zone no longer spans it.  A second
# repeat of the hotplug subjects found no movable block so and ran
# nothing (bench of 2026-12-07).
MOVABLE_BLOCKS=
note_movable_blocks()
{
	for b in /sys/devices/system/memory/memory*; do
		read -r zone 2>/dev/null < "$b/valid_zones" || continue
		[ "$zone" = Movable ] && MOVABLE_BLOCKS="$MOVABLE_BLOCKS $b "
	done
}

# Every block back as it was: online, and movable where it was movable.
restore_memory()
{
	for b in /sys/devices/system/memory/memory*; do
		read -r state 2>/dev/null < "$b/state" || continue
		case "$MOVABLE_BLOCKS" in
		*" $b "*)
			read -r zone 2>/dev/null < "$b/valid_zones"
			[ "$state $zone" = "online Movable" ] && continue
			if [ "$state" = online ] &&
			   ! echo offline > "$b/state" 2>/dev/null; then
				say "could not offline $(basename "$b") to online it movable again"
				continue
			fi
			echo online_movable > "$b/state" 2>/dev/null ||
				say "could not online $(basename "$b") movable"
			;;
		*)
			[ "$state" = offline ] || continue
			echo online > "$b/state" 2>/dev/null ||
				say "could not online $(basename "$b")"
			;;
		esac
	done
}

wanted()
{
	[ -z "$BENCH_ONLY" ] && return 0
	case ",$BENCH_ONLY," in
	*",$1,"*)
		return 0
		;;
	esac
	return 1
}

# The command in cgroup $1 (moved there before it starts); its exit
# status goes to file $2.
in_cgroup()
{
	sh -c 'echo $$ > "$1/cgroup.procs" || exit 1
		rcf=$2
		shift 2
		"$@"
		echo $? > "$rcf"' sh "$@"
}

# Runs the command in cgroup $1 for at most $2 seconds, then kills the
# whole cgroup: the harness runs each case in a process group of its
# own, so a signal to the runner alone would leave the case running.
# Output lines get prefix $3 when it is not empty.  Sets RC.
run_capped()
{
	cg=$1 cap=$2 prefix=$3 rcf=/tmp/bench-rc.$$.$(basename "$1")
	shift 3

	mkdir -p "$cg"
	rm -f "$rcf"
	if [ -n "$prefix" ]; then
		in_cgroup "$cg" "$rcf" "$@" 2>&1 | sed "s/^/$prefix/" &
	else
		in_cgroup "$cg" "$rcf" "$@" &
	fi
	pid=$!
	waited=0
	while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt "$cap" ]; do
		sleep 1
		waited=$((waited + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		say "cap cgroup=$(basename "$cg") seconds=$cap: killing it"
		echo 1 > "$cg/cgroup.kill"
	fi
	wait "$pid"
	# What the command left behind (the suite's guardian restoring its
	# knobs) finishes first; a bounded wait, then the same kill.
	waited=0
	while [ -n "$(cat "$cg/cgroup.procs" 2>/dev/null)" ]; do
		if [ "$waited" -eq 60 ]; then
			say "cap cgroup=$(basename "$cg"): leftovers killed"
			echo 1 > "$cg/cgroup.kill"
		fi
		sleep 1
		waited=$((waited + 1))
	done
	RC=$(cat "$rcf" 2>/dev/null || echo killed)
	rm -f "$rcf"
}

# One subject: fresh histograms, run, read, clean up.  Arguments: name,
# cap in seconds, output prefix, command.
subject()
{
	name=$1 cap=$2 prefix=$3
	shift 3

	# A race's trigger (r1.compaction) is wanted when its program is,
	# a trigger's ceiling when the ceiling is: their callers ask.
	case $name in
	r[1-4].* | ceiling*) ;;
	*) wanted "$name" || return 0 ;;
	esac
	# No dots in the cgroup's name: cgroup files are named that way.
	cgname=$(echo "$name" | tr . _)
	arm
	t0=$(uptime_s)
	say "begin subject=$name rep=$REP uptime=$t0"
	run_capped "$CG/bench-$cgname" "$cap" "$prefix" "$@"
	t1=$(uptime_s)
	report "$name"
	disarm
	peak=$(($(cat "$CG/bench-$cgname/memory.peak" 2>/dev/null || echo 0) / 1024))
	rmdir "$CG/bench-$cgname" 2>/dev/null
	say "end subject=$name rep=$REP seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') peak_kb=$peak rc=$RC"
	restore_memory
}

# Upstream mm/migration: each case drives move_pages for a hard-coded
# 20 s; cut each at the fixed time, in a child cgroup of the subject's.
# Runs as "guest.sh migration-cases SECONDS" inside the subject.
migration_cases()
{
	n=$1
	self=$CG$(cut -d: -f3 /proc/self/cgroup)
	for c in private_anon shared_anon private_anon_thp shared_anon_thp \
		 private_anon_htlb shared_anon_htlb; do
		run_capped "$self/$c" "$n" "" "$EXTRA/peers/migration" -t "$c"
		rmdir "$self/$c" 2>/dev/null
	done
}

# One race program, one subject per trigger: every case of the
# variant (-v), MIGRATION_RACES_SECONDS a case.  Arguments: race,
# program, its path, its variants (bench.sh reads them from the
# program's FIXTURE_VARIANT_ADD lines).
race_triggers()
{
	race=$1 prog=$2 path=$3 variants=$4

	wanted "$prog" || return 0
	for v in $variants; do
		subject "$race.$v" 900 "" env MIGRATION_RACES_SECONDS="$BENCH_SECONDS" \
			"$path" -v "$v"
	done
}

# The suite's programs, each race by each of its triggers; memory
# hotplug is offline_races's cases of the race.
suite_subjects()
{
	mr=/selftests/migration_races
	off="env MIGRATION_RACES_SECONDS=$BENCH_SECONDS $mr/hotplug/offline_races"

	race_triggers r1 swapcache_unmapped "$mr/migration/swapcache_unmapped" \
		"$BENCH_VARIANTS_R1"
	race_triggers r2 anon_vma_unmap "$mr/migration/anon_vma_unmap" \
		"$BENCH_VARIANTS_R2"
	race_triggers r3 fork_cow "$mr/migration/fork_cow" \
		"$BENCH_VARIANTS_R3"
	race_triggers r4 ksm_migration "$mr/ksm/ksm_migration" \
		"$BENCH_VARIANTS_R4"
	wanted offline_races || return 0
	# shellcheck disable=SC2086 # a word list
	subject r1.hotplug 900 "" $off -t swapcache_unmapped
	# shellcheck disable=SC2086
	subject r2.hotplug 900 "" $off -t anon_vma_unmap
	# shellcheck disable=SC2086
	subject r3.hotplug 900 "" $off -t fork_cow
	# shellcheck disable=SC2086
	subject r4.hotplug 900 "" $off -t ksm_forked_children -t ksm_stable_nodes
}

# The VM's ceilings (scripts/bench/ceiling.c): pages migrated per second
# when migrating is all a process does, by move_pages (the VM's) and by
# each trigger that scans or takes frames (ceiling.<trigger>).
ceiling_subject()
{
	wanted ceiling || return 0
	subject ceiling $((BENCH_SECONDS + 30)) "peer| " "$EXTRA/obvious/ceiling" \
		"$BENCH_SECONDS"
	for t in compaction compact_node soft_offline; do
		subject "ceiling.$t" $((BENCH_SECONDS + 30)) "peer| " \
			"$EXTRA/obvious/ceiling" "$BENCH_SECONDS" "$t"
	done
}

# Swap for obvious_r1, as the suite's R1 sets it up for itself: the
# active swap if there is one, else a zram device of 1 GiB (hot-added,
# or zram0 while unused), removed again by swap_off.
swap_on()
{
	ZRAM=
	grep -q '^/' /proc/swaps && return 0
	if [ -r /sys/class/zram-control/hot_add ]; then
		ZRAM=$(cat /sys/class/zram-control/hot_add) ZRAM_ADDED=1
	elif [ "$(cat /sys/block/zram0/disksize 2>/dev/null)" = 0 ]; then
		ZRAM=0 ZRAM_ADDED=0
	else
		say "no swap for obvious_r1"
		return 0
	fi
	if ! { echo 1G > "/sys/block/zram$ZRAM/disksize" &&
	       mkswap "/dev/zram$ZRAM" > /dev/null &&
	       swapon "/dev/zram$ZRAM"; }; then
		say "no swap for obvious_r1: zram$ZRAM failed"
	fi
}

swap_off()
{
	[ -n "$ZRAM" ] || return 0
	swapoff "/dev/zram$ZRAM" 2>/dev/null
	echo 1 > "/sys/block/zram$ZRAM/reset"
	[ "$ZRAM_ADDED" -eq 0 ] ||
		echo "$ZRAM" > /sys/class/zram-control/hot_remove
}

# The obvious loops (scripts/bench/obvious_r*.c), each for the fixed
# time; obvious_r4 first waits up to that long for ksmd's merge.  Their
# output goes with the peers' prefix, which the console parser ignores.
obvious_subjects()
{
	n=$BENCH_SECONDS
	ob=$EXTRA/obvious

	if wanted obvious_r1; then
		swap_on
		subject obvious_r1 $((n + 30)) "peer| " "$ob/obvious_r1" "$n"
		swap_off
	fi
	subject obvious_r2 $((n + 30)) "peer| " "$ob/obvious_r2" "$n"
	subject obvious_r3 $((n + 30)) "peer| " "$ob/obvious_r3" "$n"
	if wanted obvious_r4; then
		ksm_save
		subject obvious_r4 $((2 * n + 30)) "peer| " "$ob/obvious_r4" "$n"
		ksm_restore
	fi
}

# Peers, each for the same fixed time; those that are not time-driven
# run to their end (ksm_functional_tests), capped.  One stress-ng
# instance each: under TCG two numa instances outlive their -t by
# minutes, stuck in migrate_pages() of their whole address space.
peer_subjects()
{
	n=$BENCH_SECONDS
	sng=/usr/bin/stress-ng
	sopt="--temp-path /tmp --metrics-brief -t ${n}s"

	ksm_save
	# Its six cases of 20 s each, cut at the fixed time a case.
	subject mm_migration $((6 * n + 30)) "peer| " \
		sh "$EXTRA/guest.sh" migration-cases "$n"
	ksm_restore
	subject mm_ksm_functional $((6 * n + 30)) "peer| " \
		"$EXTRA/peers/ksm_functional_tests"
	ksm_restore
	# shellcheck disable=SC2086 # a word list
	subject stress_ng_numa $((2 * n + 20)) "peer| " $sng $sopt --numa 1
	# shellcheck disable=SC2086
	subject stress_ng_memhotplug $((2 * n + 20)) "peer| " $sng $sopt --memhotplug 1
	# shellcheck disable=SC2086
	subject stress_ng_mmapfork $((2 * n + 20)) "peer| " $sng $sopt --mmapfork 1
}

# The whole default suite, untraced, as vmtest runs it: wall time on
# the guest's clock (the host stamps the same markers) and peak memory
# of its cgroup.
suite_run()
{
	mkdir -p "$CG/bench-suite"
	t0=$(uptime_s)
	say "suite begin uptime=$t0"
	sh -c 'echo $$ > "$1/cgroup.procs" && exec ./run_kselftest.sh' sh \
		"$CG/bench-suite"
	rc=$?
	t1=$(uptime_s)
	peak=$(($(cat "$CG/bench-suite/memory.peak" 2>/dev/null || echo 0) / 1024))
	say "suite end seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') peak_kb=$peak rc=$rc"
	rmdir "$CG/bench-suite" 2>/dev/null
}

# stress-ng and its libraries, shipped under /extra/sng as a root tree.
install_stress_ng()
{
	[ -d "$EXTRA/sng" ] || return 0
	cp -a "$EXTRA/sng/." /
}

main()
{
	echo +memory > "$CG/cgroup.subtree_control" ||
		say "no memory controller: peak memory unknown"
	install_stress_ng
	note_movable_blocks
	say "config seconds=$BENCH_SECONDS repeat=$BENCH_REPEAT only=${BENCH_ONLY:-all} peers=$BENCH_PEERS suite_run=$BENCH_SUITE_RUN kernel=$(uname -r)"
	[ "$BENCH_SUITE_RUN" -eq 0 ] || suite_run
	setup_events
	REP=1
	while [ "$REP" -le "$BENCH_REPEAT" ]; do
		suite_subjects
		obvious_subjects
		ceiling_subject
		[ "$BENCH_PEERS" -eq 0 ] || peer_subjects
		REP=$((REP + 1))
	done
	say "done"
}

if [ "${1:-}" = migration-cases ]; then
	migration_cases "$2"
	exit 0
fi
main
