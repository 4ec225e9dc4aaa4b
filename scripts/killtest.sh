#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Kill test: does the suite put the machine back however it is killed?
# Runs one case of one program at a time (harness -r), kills it at a random
# moment in one of three ways, waits for the restore guardian and compares
# a snapshot of everything the suite may change with the one taken at the
# start.  POSIX sh and busybox tools only: the same file runs in the
# vmtest VM (--here, from --vm) and on a host (--host).
#
# Kill modes:
#   case     SIGKILL to the running case's process group (the harness's
#            own timeout path)
#   program  SIGKILL to every process of the program: its process group
#            and the case's (only the guardian, in a session of its own,
#            survives by design)
#   timeout  the runner's path: GNU "timeout -k 3 D program", SIGTERM to
#            the program after D seconds, SIGKILL 3 s later
#
# shellcheck disable=SC3043 # local: dash and busybox sh have it

set -u

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
TOOL=killtest
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"
PROGS="migration/swapcache_unmapped migration/anon_vma_unmap migration/fork_cow ksm/ksm_migration hotplug/offline_races"
MODES="case program timeout"
UNDO_LOCK=/run/migration_races.undo.lock
KINDS="ksm swap zram sysctl thp hugetlb memblock hwcorrupt module process mount cgroup taint"
DELAY_MIN_MS=500
DELAY_SPAN_MS=3500
KILL_AFTER=3		# s: timeout -k
CASE_WAIT=5		# s: a case process to appear, in case mode
EXIT_WAIT=90		# s: the program to end after its kill
PROC_WAIT=90		# s: every process of the suite gone (orphaned case)
LOCK_WAIT=35		# s: the guardian's lock (it waits 30 s itself)

opt_mode=
opt_dir=
opt_kills=50
opt_seed=
opt_only=
opt_tap=0
opt_cgroups=suite
opt_setup=1
opt_kver=

usage()
{
	cat <<EOF
Usage: $0 --vm|--host|--here DIR [OPTIONS]

Kills the suite's programs at random moments and checks that the machine
is put back: KSM knobs, swap and zram, the vm sysctls, THP and hugetlb
settings (per size and node), memory block states, HardwareCorrupted,
modules, leftover processes of the suite, debugfs, tracefs and hugetlbfs
mounts, cgroups, taint.  Prints every leftover with the kill that caused
it, then a table of kills and leftovers.

Where:
  --vm            boot the vmtest VM (scripts/vmtest.sh --extra-dir,
                  --guest-cmd) with a static build of the suite and run
                  there; the report is taken from the console.
  --host          build the suite (static, into
                  \$MIGRATION_RACES_CACHE/killtest/install) and run on
                  this machine, as root.
  --here DIR      run on this machine with the programs under DIR
                  (DIR/migration/fork_cow, ...: a build's OUTPUT or an
                  install's migration_races directory).

Options:
  --kills N       kills to land (default 50)
  --seed S        seed of the choices (default: random; printed first)
  --only P[,P]    only these programs (fork_cow, ksm_migration, ...)
  --kernel-version V  with --vm: Debian series for vmtest.sh (6.12, 6.1)
  --no-setup      with --vm: passed to vmtest.sh
  --cgroups all|suite  compare every cgroup directory, or only those
                  named after the suite (default suite; all in the VM)
  --tap           end with a TAP line (the VM's console is judged on it)

Exit status: 0 no leftover and at least one kill landed, 1 usage or
set-up error, 2 a leftover, or no kill landed.
EOF
}

say()
{
	echo "# killtest: $*"
}

need_value()
{
	[ "$2" -ge 2 ] || die "option '$1' needs a value"
}

parse_options()
{
	while [ $# -gt 0 ]; do
		case "$1" in
		--vm | --host)
			opt_mode=${1#--} ;;
		--here)
			need_value "$1" $#
			opt_mode=here
			opt_dir=$2
			shift ;;
		--kills)
			need_value "$1" $#
			opt_kills=$2
			shift ;;
		--seed)
			need_value "$1" $#
			opt_seed=$2
			shift ;;
		--only)
			need_value "$1" $#
			opt_only=$(echo "$2" | tr ',' ' ')
			shift ;;
		--kernel-version)
			need_value "$1" $#
			opt_kver=$2
			shift ;;
		--cgroups)
			need_value "$1" $#
			opt_cgroups=$2
			shift ;;
		--tap)
			opt_tap=1 ;;
		--no-setup)
			opt_setup=0 ;;
		-h | --help)
			usage
			exit 0 ;;
		*)
			usage >&2
			die "unknown option '$1'" ;;
		esac
		shift
	done
	[ -n "$opt_mode" ] || { usage >&2; die "--vm, --host or --here DIR"; }
	case "$opt_kills" in
	'' | *[!0-9]*) die "--kills wants a number, not '$opt_kills'" ;;
	esac
	[ "$opt_kills" -ge 1 ] || die "--kills wants at least 1"
	case "$opt_seed" in
	*[!0-9]*) die "--seed wants a number, not '$opt_seed'" ;;
	esac
	case "$opt_cgroups" in
	all | suite) ;;
	*) die "--cgroups wants all or suite" ;;
	esac
}

# A seeded LCG in shell arithmetic: R is a number below $1.
RNG=0
rand_below()
{
	RNG=$(((RNG * 1103515245 + 12345) % 2147483648))
	R=$(((RNG / 65536) % $1))
}

new_seed()
{
	local s

	s=$(od -An -N4 -tu4 /dev/urandom 2>/dev/null | tr -d ' ')
	[ -n "$s" ] || s=$(($$ * 7919 + $(date +%s)))
	echo $((s % 1000000))
}

# Guest uptime in centiseconds.
now_cs()
{
	local up

	read -r up _ </proc/uptime
	echo "${up%.*}${up#*.}" | sed 's/^0*//; s/^$/0/'
}

# centiseconds as seconds with two decimals
cs_s()
{
	printf '%d.%02d' $(($1 / 100)) $(($1 % 100))
}

# ---------------------------------------------------------------------
# Snapshot: "kind<TAB>key<TAB>value" lines, sorted.

# grep -H output ("path:value") as records of one kind; a file of
# several lines gives path#2, path#3, ...
tag()
{
	awk -v kind="$1" '{
		i = index($0, ":")
		path = substr($0, 1, i - 1)
		if (n[path]++)
			path = path "#" n[path]
		print kind "\t" path "\t" substr($0, i + 1)
	}'
}

# Every file that find prints, read in one grep (/dev/null: no stdin).
read_files()
{
	# shellcheck disable=SC2046 # paths without blanks, a word list
	grep -H '' /dev/null $(cat) 2>/dev/null | tag "$1"
}

# Live processes (zombies aside) of the suite's programs, per name.
suite_processes()
{
	local d comm stat state name p

	for p in $PROGS; do
		name=${p##*/}
		# comm holds 15 characters of the name
		name=$(echo "$name" | cut -c1-15)
		pids=
		for d in /proc/[0-9]*; do
			read -r comm 2>/dev/null <"$d/comm" || continue
			[ "$comm" = "$name" ] || continue
			read -r stat 2>/dev/null <"$d/stat" || continue
			state=${stat##*) }
			state=${state%% *}
			[ "$state" != Z ] || continue
			pids="$pids ${d#/proc/}"
		done
		# shellcheck disable=SC2086 # a word list
		set -- $pids
		if [ $# -eq 0 ]; then
			printf 'process\t%s\t0\n' "${p##*/}"
		else
			printf 'process\t%s\t%d (pids%s)\n' "${p##*/}" $# "$pids"
		fi
	done
}

cgroups()
{
	local names

	if [ "$opt_cgroups" = all ]; then
		find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -type d 2>/dev/null
	else
		names="-name *migration_races*"
		for p in $PROGS; do
			names="$names -o -name *${p##*/}*"
		done
		# shellcheck disable=SC2086 # a word list; no file matches the
		# patterns in the current directory (cd /)
		(cd / && find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d \
			\( $names \) 2>/dev/null)
	fi | sort | awk '{ print "cgroup\t" $0 "\tpresent" }'
}

snapshot()
{
	{
		find /sys/kernel/mm/ksm -maxdepth 1 -type f -perm -200 |
			read_files ksm
		awk 'NR > 1 { print "swap\t" $1 "\t" $2 " " $3 " prio " $5 }' \
			/proc/swaps
		echo /sys/block/zram*/disksize | read_files zram
		# The kernel recomputes the reserves from free memory when
		# memory goes online (mm/util.c): not the suite's to restore.
		find /proc/sys/vm -type f -perm -400 \
			! -name user_reserve_kbytes ! -name admin_reserve_kbytes |
			read_files sysctl
		echo /proc/sys/kernel/tainted | read_files taint
		find /sys/kernel/mm/transparent_hugepage -type f -perm -200 |
			read_files thp
		for f in nr_hugepages nr_overcommit_hugepages surplus_hugepages \
			 resv_hugepages; do
			echo /sys/kernel/mm/hugepages/hugepages-*/$f
		done | read_files hugetlb
		for f in nr_hugepages surplus_hugepages; do
			echo /sys/devices/system/node/node*/hugepages/hugepages-*/$f
		done | read_files hugetlb
		echo /sys/devices/system/memory/memory*/state | read_files memblock
		awk '$1 == "HardwareCorrupted:" {
			print "hwcorrupt\tHardwareCorrupted\t" $2 " " $3 }' /proc/meminfo
		awk '{ print "module\t" $1 "\tloaded" }' /proc/modules
		suite_processes
		awk '$3 == "debugfs" || $3 == "tracefs" || $3 == "hugetlbfs" {
			n[$2 " " $3]++ }
			END { for (k in n) print "mount\t" k "\t" n[k] }' /proc/mounts
		cgroups
	} 2>/dev/null | sort
}

# New leftovers of the kill: keys whose value differs from the start
# and from the snapshot before this kill, as "L kind key start now";
# keys back at their start value after a leftover, as "H ...".
compare()
{
	awk -F'\t' -v OFS='\t' '
	FILENAME == ARGV[1] { b[$1 "\t" $2] = $3; k[$1 "\t" $2] = 1; next }
	FILENAME == ARGV[2] { p[$1 "\t" $2] = $3; k[$1 "\t" $2] = 1; next }
	{ c[$1 "\t" $2] = $3; k[$1 "\t" $2] = 1 }
	END {
		for (key in k) {
			bv = (key in b) ? b[key] : "<absent>"
			pv = (key in p) ? p[key] : "<absent>"
			cv = (key in c) ? c[key] : "<absent>"
			if (cv != bv && cv != pv)
				print "L", key, bv, cv
			else if (cv == bv && pv != bv)
				print "H", key, pv, cv
		}
	}' "$1" "$2" "$3" | sort
}

# ---------------------------------------------------------------------
# Cases and what to kill.

# "program trigger case" for every case of the harness listing (-l):
# variants and tests of a fixture are listed side by side, variant in
# the column before 48, test after; a long variant name pushes its
# test to the right, on the same row.
list_cases()
{
	local bin="$1" prog="$2"

	"$bin" -l 2>&1 | awk -v prog="$prog" '
	function flush(    i, j, trig) {
		for (j = 1; j <= nt; j++) {
			if (nv == 0) {
				print prog, fixture, fixture "." t[j]
				continue
			}
			for (i = 1; i <= nv; i++) {
				trig = v[i]
				sub(/^move_pages_.*/, "move_pages", trig)
				print prog, trig, fixture "." v[i] "." t[j]
			}
		}
		nv = 0
		nt = 0
	}
	/^# FIXTURE/ { next }
	/^---/ { flush(); next }
	{
		s = $0
		pos = 1
		n = 0
		while (match(s, /[^ ]+/)) {
			n++
			col[n] = pos + RSTART - 1
			tok[n] = substr(s, RSTART, RLENGTH)
			pos += RSTART + RLENGTH - 1
			s = substr(s, RSTART + RLENGTH)
		}
		first = 1
		if (n >= 1 && col[1] == 1) {
			fixture = tok[1]
			first = 2
		}
		if (n - first + 1 == 2) {
			v[++nv] = tok[first]
			t[++nt] = tok[first + 1]
		} else if (n - first + 1 == 1) {
			if (col[first] < 48)
				v[++nv] = tok[first]
			else
				t[++nt] = tok[first]
		}
	}
	END { flush() }'
}

# Pairs "program trigger", interleaved by program so that consecutive
# kills hit different programs.
make_pairs()
{
	awk '!seen[$1 " " $2]++ { print $1, $2 }' "$WORK/cases" |
		awk '{ r[$1]++; printf "%d %d %s %s\n", r[$1], NR, $1, $2 }' |
		sort -n -k1,1 -k2,2 | awk '{ print $3, $4 }' > "$WORK/pairs"
}

# The pgid of the running case: the harness's child, leader of its own
# process group but not of a session (the guardian leads its session).
case_pgid()
{
	local top="$1" d stat f ppid pgrp sid pid

	for d in /proc/[0-9]*; do
		read -r stat 2>/dev/null <"$d/stat" || continue
		pid=${d#/proc/}
		f=${stat##*) }
		# shellcheck disable=SC2086 # the fields of stat
		set -- $f
		ppid=$2 pgrp=$3 sid=$4
		if [ "$ppid" = "$top" ] && [ "$pgrp" = "$pid" ] &&
		   [ "$sid" != "$pid" ]; then
			echo "$pid"
			return 0
		fi
	done
	return 1
}

alive()
{
	[ -d "/proc/$1" ] || return 1
	local stat

	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# Waits up to $2 s for pid $1 to end; 1 if it did not.
wait_gone()
{
	local end=$(($(now_cs) + $2 * 100))

	while alive "$1"; do
		[ "$(now_cs)" -lt "$end" ] || return 1
		sleep 0.1
	done
	return 0
}

# Every process of the suite gone, then the guardian's lock free.
wait_restored()
{
	local end=$(($(now_cs) + PROC_WAIT * 100))

	while suite_processes | grep -qv '	0$'; do
		[ "$(now_cs)" -lt "$end" ] || return 1
		sleep 0.2
	done
	if command -v flock >/dev/null 2>&1 && [ -e "$UNDO_LOCK" ]; then
		flock -w "$LOCK_WAIT" "$UNDO_LOCK" true || return 1
	fi
	return 0
}

# One attempt: start program $1 (path) with case $2, kill it per mode
# $3 after $4 ms.  Sets OUTCOME: killed, ended (before the kill), skip,
# busy (another run held the lock), missed (no case to kill); and RC,
# the program's exit status.
attempt()
{
	local bin="$1" case="$2" mode="$3" ms="$4" log="$5" top secs pg

	secs=$((ms / 1000)).$(printf '%03d' $((ms % 1000)))
	OUTCOME=killed
	if [ "$mode" = timeout ]; then
		"$TIMEOUT" -k "$KILL_AFTER" "$secs" "$bin" -r "$case" \
			>"$log" 2>&1 </dev/null &
		top=$!
		wait_gone "$top" $((EXIT_WAIT + KILL_AFTER + ms / 1000)) ||
			kill -KILL "$top" 2>/dev/null
		wait "$top"
		RC=$?
		case "$RC" in
		124 | 137) ;;
		*) OUTCOME=ended ;;
		esac
	else
		setsid "$bin" -r "$case" >"$log" 2>&1 </dev/null &
		top=$!
		sleep "$secs"
		if ! alive "$top"; then
			OUTCOME=ended
		elif [ "$mode" = program ]; then
			pg=$(case_pgid "$top")
			kill -KILL "-$top" ${pg:+"-$pg"} 2>/dev/null
		else
			local end=$(($(now_cs) + CASE_WAIT * 100))

			while ! pg=$(case_pgid "$top") && alive "$top" &&
			      [ "$(now_cs)" -lt "$end" ]; do
				sleep 0.1
			done
			if [ -n "$pg" ]; then
				kill -KILL "-$pg"
			elif alive "$top"; then
				OUTCOME=missed
			else
				OUTCOME=ended
			fi
		fi
		wait_gone "$top" "$EXIT_WAIT" || kill -KILL "-$top" 2>/dev/null
		wait "$top"
		RC=$?
	fi
	if grep -q 'refusing to run two at once' "$log"; then
		OUTCOME=busy
	elif [ "$OUTCOME" = ended ] && grep -q '^ok [0-9]* .* # SKIP' "$log"; then
		OUTCOME=skip
	fi
}

# Prints the program's log, indented, after a leftover.
show_log()
{
	tail -n 15 "$1" | sed 's/^/# killtest:   | /'
}

run_kills()
{
	local attempts=0 max npairs idx pair prog trig case bin mode ms n
	local kills=0 start what wait_s line pass

	npairs=$(wc -l < "$WORK/pairs")
	max=$((opt_kills * 3 + npairs * 2))
	rand_below "$npairs"
	idx=$R
	snapshot > "$WORK/base"
	cp "$WORK/base" "$WORK/prev"
	while [ "$kills" -lt "$opt_kills" ] && [ "$attempts" -lt "$max" ]; do
		npairs=$(wc -l < "$WORK/pairs")
		[ "$npairs" -gt 0 ] || { say "no pair of program and trigger left to kill"; break; }
		attempts=$((attempts + 1))
		pass=$((idx / npairs))
		pair=$(sed -n "$((idx % npairs + 1))p" "$WORK/pairs")
		# shellcheck disable=SC2086 # a word list
		set -- $MODES
		n=$(((pass + idx % npairs) % $#))
		shift "$n"
		mode=$1
		idx=$((idx + 1))
		prog=${pair% *}
		trig=${pair#* }
		awk -v p="$prog" -v t="$trig" '$1 == p && $2 == t { print $3 }' \
			"$WORK/cases" > "$WORK/pick"
		rand_below "$(wc -l < "$WORK/pick")"
		case=$(sed -n "$((R + 1))p" "$WORK/pick")
		rand_below $((DELAY_SPAN_MS + 1))
		ms=$((DELAY_MIN_MS + R))
		bin=$opt_dir/$prog
		what="$mode ${prog##*/} $case at $((ms / 1000)).$(printf '%03d' $((ms % 1000))) s"
		if ! wait_restored; then
			say "stopping: processes of the suite alive before attempt $attempts:"
			suite_processes | grep -v '	0$' | sed 's/^/# killtest:   /'
			break
		fi
		start=$(now_cs)
		attempt "$bin" "$case" "$mode" "$ms" "$WORK/log.$attempts"
		case "$OUTCOME" in
		busy)
			say "attempt $attempts: another run of the suite holds the lock; waiting"
			sleep 5
			continue ;;
		skip)
			line=$(grep -m1 '^ok [0-9]* .* # SKIP' "$WORK/log.$attempts")
			say "attempt $attempts: $prog $trig SKIPs here (${line#*# SKIP }): not tried again"
			grep -vx "$prog $trig" "$WORK/pairs" > "$WORK/pairs.new"
			mv "$WORK/pairs.new" "$WORK/pairs"
			echo "A ${prog##*/} $mode skip" >> "$WORK/record"
			continue ;;
		esac
		[ "$OUTCOME" != killed ] || kills=$((kills + 1))
		wait_s=ok
		wait_restored || wait_s="NOT within ${PROC_WAIT}+${LOCK_WAIT} s"
		snapshot > "$WORK/cur"
		compare "$WORK/base" "$WORK/prev" "$WORK/cur" > "$WORK/diff"
		say "attempt $attempts (kill $kills/$opt_kills): $what: $OUTCOME rc=$RC, restored $wait_s after $(cs_s $(($(now_cs) - start))) s"
		echo "A ${prog##*/} $mode $OUTCOME" >> "$WORK/record"
		while IFS='	' read -r t kind key was now; do
			if [ "$t" = L ]; then
				say "LEFTOVER kind=$kind $key: '$was' -> '$now', after attempt $attempts ($what: $OUTCOME)"
				echo "L $kind" >> "$WORK/record"
			else
				say "back: kind=$kind $key: '$was' -> '$now' (a leftover of an earlier attempt)"
			fi
		done < "$WORK/diff"
		grep -q '^L' "$WORK/diff" && show_log "$WORK/log.$attempts"
		mv "$WORK/cur" "$WORK/prev"
	done
	KILLS=$kills
	ATTEMPTS=$attempts
}

report()
{
	local leftovers

	say "kills by mode and program: killed/ended before the kill/no case found/SKIP"
	# shellcheck disable=SC2086 # a word list
	printf '# killtest:   %-20s %16s %16s %16s\n' program $MODES
	awk -v modes="$MODES" '
	function cell(p, m) {
		return n[p, m, "killed"] + 0 "/" n[p, m, "ended"] + 0 "/" \
			n[p, m, "missed"] + 0 "/" n[p, m, "skip"] + 0
	}
	$1 == "A" { n[$2, $3, $4]++; n["~total", $3, $4]++; progs[$2] = 1 }
	END {
		split(modes, m, " ")
		progs["~total"] = 1
		for (p in progs)
			printf "# killtest:   %-20s %16s %16s %16s\n", p,
				cell(p, m[1]), cell(p, m[2]), cell(p, m[3])
	}' "$WORK/record" | sort -k3,3 | sed 's/~total /total  /'
	say "leftovers per kind (goal: 0)"
	awk -v kinds="$KINDS" '
	$1 == "L" { n[$2]++ }
	END {
		k = split(kinds, a, " ")
		for (i = 1; i <= k; i++) {
			printf "# killtest:   %-10s %d\n", a[i], n[a[i]]
			t += n[a[i]]
		}
		printf "# killtest:   %-10s %d\n", "total", t
	}' "$WORK/record"
	leftovers=$(grep -c '^L' "$WORK/record")
	snapshot > "$WORK/end"
	cp "$WORK/base" "$WORK/base2"
	compare "$WORK/base" "$WORK/base2" "$WORK/end" | while IFS='	' read -r _ kind key was now; do
		say "at the end, still differs from the start: kind=$kind $key: '$was' -> '$now'"
	done
	if [ "$leftovers" -eq 0 ] && [ "$KILLS" -gt 0 ]; then
		say "seed $SEED: $KILLS kills in $ATTEMPTS attempts, 0 leftovers: PASS"
		[ "$opt_tap" -eq 0 ] || echo "ok 1 killtest"
		return 0
	fi
	say "seed $SEED: $KILLS kills in $ATTEMPTS attempts, $leftovers leftovers: FAIL"
	[ "$opt_tap" -eq 0 ] || echo "not ok 1 killtest"
	return 2
}

run_here()
{
	local p name

	[ "$(id -u)" -eq 0 ] || die "must run as root"
	[ -d "$opt_dir" ] || die "no directory '$opt_dir'"
	# busybox sh runs its own applets first: the runner's GNU timeout
	# by its path, as runner.sh does.
	for TIMEOUT in /usr/bin/timeout timeout ""; do
		[ -n "$TIMEOUT" ] || die "needs GNU timeout (-k), as the kselftest runner"
		"$TIMEOUT" --version 2>/dev/null | grep -q GNU && break
	done
	command -v setsid >/dev/null || die "needs setsid"
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/killtest.XXXXXX") || die "mktemp"
	: > "$WORK/cases"
	: > "$WORK/record"
	for p in $PROGS; do
		name=${p##*/}
		if [ -n "$opt_only" ] && ! echo " $opt_only " | grep -q " $name "; then
			continue
		fi
		[ -x "$opt_dir/$p" ] || { say "no $opt_dir/$p: left out"; continue; }
		list_cases "$opt_dir/$p" "$p" >> "$WORK/cases"
	done
	[ -s "$WORK/cases" ] || die "no case to run under $opt_dir"
	make_pairs
	[ "$opt_tap" -eq 0 ] || echo "1..1"
	say "seed $SEED (--seed $SEED to reproduce), $opt_kills kills, kernel $(uname -r), $(wc -l < "$WORK/pairs") pairs of program and trigger, $(wc -l < "$WORK/cases") cases; logs in $WORK"
	RNG=$SEED
	run_kills
	report
}

# ---------------------------------------------------------------------
# --host and --vm: build, then run here or in the VM.

run_host()
{
	build_suite "$CACHE/killtest"
	opt_dir=$SUITE_INSTALL/migration_races
	run_here
}

run_vm()
{
	local extra log rc guest

	build_suite "$CACHE/killtest"
	extra=$(mktemp -d "${TMPDIR:-/tmp}/killtest-extra.XXXXXX") || die "mktemp"
	log=$extra.console
	cp "$0" "$extra/killtest.sh"
	cp "$SCRIPT_DIR/lib.sh" "$extra/lib.sh"
	guest="sh /extra/killtest.sh --here /selftests/migration_races --tap --cgroups all --kills $opt_kills --seed $SEED"
	[ -z "$opt_only" ] || guest="$guest --only $(echo "$opt_only" | tr ' ' ',')"
	say "seed $SEED (--seed $SEED to reproduce), $opt_kills kills, in the vmtest VM"
	set -- --install-dir "$SUITE_INSTALL" --extra-dir "$extra" --guest-cmd "$guest" \
		--log "$log" --vm-timeout $((600 + opt_kills * 60))
	[ "$opt_setup" -eq 1 ] || set -- "$@" --no-setup
	[ -z "$opt_kver" ] || set -- "$@" --kernel-version "$opt_kver"
	"$SCRIPT_DIR/vmtest.sh" "$@" >&2
	rc=$?
	tr -d '\r' < "$log" | grep '# killtest: ' | sed 's/^.*# killtest: /# killtest: /'
	rm -rf "$extra" "$log"
	if [ "$rc" -ne 0 ]; then
		say "vmtest.sh exit $rc (2 leftovers or tests, 3 kernel problem, 4 hang)"
		return 2
	fi
	return 0
}

main()
{
	parse_options "$@"
	SEED=${opt_seed:-$(new_seed)}
	case "$opt_mode" in
	vm) run_vm ;;
	host) run_host ;;
	here) run_here ;;
	esac
}

main "$@"
