#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# How often each race test puts the kernel into its window, counted by
# the kernel (fprobe events with BTF arguments, tracepoints and hist
# triggers in tracefs), side by side with the peers a user would reach
# for: the upstream mm selftests migration and ksm_functional_tests and
# stress-ng's numa, memhotplug and mmapfork stressors, and beside the
# obvious loop for each race (scripts/bench/obvious_r*.c, what a kernel
# developer would write in an afternoon).  Everything runs
# in one boot of the vmtest VM (scripts/vmtest.sh --guest-cmd), one
# subject at a time with fresh histograms, so that a count belongs to
# the subject that ran.  The guest side is scripts/bench/guest.sh; the
# table is also drawn as a picture by scripts/bench/svg.py.
# Not part of CI: it takes minutes and its figures vary from run to run.

set -eEuo pipefail
trap 'exit 1' ERR

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL=bench
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"
BENCH=$CACHE/bench
KHDR=$CACHE/khdr/usr/include
STRESS_NG=${STRESS_NG:-/usr/bin/stress-ng}

EXIT_NO_DATA=4

SUITE_SUBJECTS="swapcache_unmapped anon_vma_unmap fork_cow ksm_migration offline_races"
OBVIOUS_SUBJECTS="obvious_r1 obvious_r2 obvious_r3 obvious_r4"
PEER_SUBJECTS="mm_migration mm_ksm_functional stress_ng_numa stress_ng_memhotplug stress_ng_mmapfork"

opt_seconds=3
opt_kernel=6.12
opt_only=
opt_peers=1
opt_suite_run=1
opt_raw=0
opt_setup=1
opt_vm_args=()
opt_console=
opt_svg=

usage()
{
	cat <<EOF
Usage: $0 [OPTIONS]

Boot the vmtest VM once and, for each subject, count the kernel events
that define the races' windows while the subject runs, then print one
table of events per second: this suite's test for the race, the suite's
memory-offline test (offline_races), the race's obvious loop
(scripts/bench/obvious_rN.c), each peer, and the ratios of the suite's
rate to the best peer's and to the obvious loop's; then draws the window
rows as a picture (SVG, log-scale bars).  Also runs the whole default
suite once, untraced, for its wall time and peak memory in the VM.

Subjects (--only): $SUITE_SUBJECTS
  $OBVIOUS_SUBJECTS
  $PEER_SUBJECTS

Options:
  --seconds N          fixed time: each suite case runs N seconds
                       (MIGRATION_RACES_SECONDS=N), each obvious loop
                       and each peer (or each case of mm_migration) too
                       (default $opt_seconds, 1 to 300, the suite's cap).
  --kernel-version V   Debian kernel series for vmtest: 6.12 (default)
                       or 6.1.
  --only LIST          only these subjects, comma-separated.
  --no-peers           no peer subjects.
  --no-suite-run       skip the untraced run of the whole default suite.
  --nodes N            NUMA nodes of the VM, one vCPU each (default 2);
                       upstream migration needs 3 CPUs to run at all.
  --raw                also print every raw count and subject time.
  --console FILE       print the table of a kept console log instead of
                       running anything (the host clock is then unknown).
  --svg FILE           draw the picture into FILE (default
                       \$MIGRATION_RACES_CACHE/bench/bench.svg).
  --no-setup           do not run scripts/setup.sh first.
  -h, --help           this text.

Rates are events per second of the guest's clock around each subject.
The console of the run is kept in \$MIGRATION_RACES_CACHE/bench/console.log.

Exit status: 0 table printed, tests passed, kernel clean; 1 usage or
set-up error; 2, 3, 4 as scripts/vmtest.sh (tests failed, kernel
problem, guest hung); 4 also when the guest printed no benchmark data.
EOF
}

check_range()
{
	local opt=$1 val=$2 min=$3 max=$4

	if ! [[ $val =~ ^[0-9]+$ ]] || [ "$val" -lt "$min" ] || [ "$val" -gt "$max" ]; then
		usage_error "$opt wants an integer from $min to $max, not '$val'"
	fi
}

check_only()
{
	local s

	[[ $1 =~ ^[a-z0-9_]+(,[a-z0-9_]+)*$ ]] ||
		usage_error "--only wants a comma-separated list of subjects"
	for s in ${1//,/ }; do
		[[ " $SUITE_SUBJECTS $OBVIOUS_SUBJECTS $PEER_SUBJECTS " == *" $s "* ]] ||
			usage_error "unknown subject '$s'"
	done
}

parse_options()
{
	while [ $# -gt 0 ]; do
		case "$1" in
		-h | --help)
			usage
			exit 0
			;;
		--no-peers)
			opt_peers=0
			shift
			continue
			;;
		--no-suite-run)
			opt_suite_run=0
			shift
			continue
			;;
		--raw)
			opt_raw=1
			shift
			continue
			;;
		--no-setup)
			opt_setup=0
			shift
			continue
			;;
		--seconds | --kernel-version | --only | --nodes | --console | --svg)
			[ $# -ge 2 ] || usage_error "option '$1' needs a value"
			;;
		*)
			usage_error "unknown option '$1'"
			;;
		esac
		case "$1" in
		--seconds)
			check_range "$1" "$2" 1 300
			opt_seconds=$2
			;;
		--kernel-version)
			[[ $2 =~ ^(6\.12|6\.1)$ ]] ||
				usage_error "unsupported kernel series '$2' (6.12 or 6.1)"
			opt_kernel=$2
			;;
		--only)
			check_only "$2"
			opt_only=$2
			;;
		--nodes)
			check_range "$1" "$2" 1 16
			opt_vm_args+=(--nodes "$2")
			;;
		--console)
			[ -f "$2" ] || usage_error "no console log '$2'"
			opt_console=$(realpath "$2")
			;;
		--svg)
			[ -d "$(dirname "$2")" ] ||
				usage_error "no directory for '$2'"
			opt_svg=$(realpath -m "$2")
			;;
		esac
		shift 2
	done
}

# The upstream peers from the kernel tree set-up unpacked, compiled
# static from there (the tree itself stays untouched).
build_peers()
{
	local mm=$KSRC/tools/testing/selftests/mm out=$1/peers
	local cflags=(-O2 -static -Wall -I"$mm/.." -isystem "$KHDR")

	[ -f "$mm/migration.c" ] || die "no $mm/migration.c: run scripts/setup.sh"
	mkdir -p "$out"
	log "building upstream mm/migration and mm/ksm_functional_tests"
	gcc "${cflags[@]}" -o "$out/migration" "$mm/migration.c" \
		"$mm/thp_settings.c" "$mm/vm_util.c" -lnuma -lpthread 2>/dev/null ||
		die "building upstream mm/migration failed"
	gcc "${cflags[@]}" -o "$out/ksm_functional_tests" \
		"$mm/ksm_functional_tests.c" "$mm/vm_util.c" 2>/dev/null ||
		die "building upstream mm/ksm_functional_tests failed"
}

# stress-ng with the libraries it links and the dynamic loader, as a
# root tree the guest copies over its /.
copy_stress_ng()
{
	local root=$1/sng lib

	[ -x "$STRESS_NG" ] || die "no $STRESS_NG: run scripts/setup.sh"
	mkdir -p "$root/usr/bin"
	cp "$STRESS_NG" "$root/usr/bin/stress-ng"
	for lib in $(ldd "$STRESS_NG" | awk '$2 == "=>" { print $3 } $1 ~ /^\// { print $1 }'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# The obvious loops, static (the guest has no C library).
build_obvious()
{
	local out=$1/obvious n msg

	mkdir -p "$out"
	log "building the obvious loops scripts/bench/obvious_r1..4.c (and obvious.c)"
	for n in 1 2 3 4; do
		# glibc warns about libnuma's getaddrinfo in a static link.
		msg=$(gcc -O2 -static -Wall -o "$out/obvious_r$n" \
			"$SCRIPT_DIR/bench/obvious_r$n.c" \
			"$SCRIPT_DIR/bench/obvious.c" -lnuma -lpthread 2>&1) || {
			printf '%s\n' "$msg" >&2
			die "building scripts/bench/obvious_r$n.c failed"
		}
	done
}

build_extra()
{
	local extra=$BENCH/extra

	rm -rf "$extra"
	mkdir -p "$extra"
	install -m 0755 "$SCRIPT_DIR/bench/guest.sh" "$extra/guest.sh"
	build_obvious "$extra"
	cat > "$extra/bench.conf" <<EOF
BENCH_SECONDS=$opt_seconds
BENCH_ONLY=$opt_only
BENCH_PEERS=$opt_peers
BENCH_SUITE_RUN=$opt_suite_run
EOF
	if [ "$opt_peers" -eq 1 ]; then
		build_peers "$extra"
		copy_stress_ng "$extra"
	fi
}

# Streams vmtest's output and stamps the suite-run markers with the
# host's clock, which under TCG is the one a user waits on.
stamp_markers()
{
	local stamps=$1 line

	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		*"BENCH: suite begin"*)
			echo "begin $EPOCHREALTIME" >> "$stamps"
			;;
		*"BENCH: suite end"*)
			echo "end $EPOCHREALTIME" >> "$stamps"
			;;
		esac
	done
}

run_vm()
{
	local console=$BENCH/console.log

	VM_RC=0
	: > "$BENCH/stamps"
	"$SCRIPT_DIR/vmtest.sh" --no-setup --kernel-version "$opt_kernel" \
		--install-dir "$BENCH/install" --extra-dir "$BENCH/extra" \
		--guest-cmd "sh /extra/guest.sh" --log "$console" \
		${opt_vm_args[@]+"${opt_vm_args[@]}"} |
		stamp_markers "$BENCH/stamps" || VM_RC=${PIPESTATUS[0]}
}

# The bench records, read from the console's (console_records): the
# guest's BENCH lines, the window lines and TAP results within them:
#   A event ok|fail                      BENCH attach lines
#   R subject event count                BENCH result lines
#   E subject seconds peak_kb rc         BENCH end lines
#   W subject race events                the tests' own window lines
#   T subject pass|fail|skip             a peer's TAP result
#   U pass|fail|skip program             a program's result in the suite run
#   S seconds peak_kb rc                 the untraced suite run
#   K kernel                             the guest's kernel release
parse_console()
{
	console_records "$1" | awk -F'\t' -v OFS='\t' '
	function kv(line, key,    s) {
		s = " " line
		if (!match(s, " " key "=[^ ]*"))
			return ""
		return substr(s, RSTART + length(key) + 2, RLENGTH - length(key) - 2)
	}
	$1 == "W" && subject != "" { print "W", subject, $4, $6 }
	$1 == "T" && suite { print "U", $3, $4 }
	$1 == "G" && $2 == "peer" && subject != "" && $3 ~ /^(not )?ok [0-9]+ / {
		print "T", subject, ($3 ~ /^not ok/) ? "fail" : ($3 ~ / # SKIP/) ? "skip" : "pass"
	}
	$1 == "G" && $2 == "BENCH" {
		line = $3
		if (line ~ /^attach /) {
			print "A", kv(line, "event"), (line ~ / ok$/) ? "ok" : "fail"
		} else if (line ~ /^begin /) {
			subject = kv(line, "subject")
		} else if (line ~ /^result /) {
			print "R", kv(line, "subject"), kv(line, "event"), kv(line, "count")
		} else if (line ~ /^end /) {
			print "E", kv(line, "subject"), kv(line, "seconds"), kv(line, "peak_kb"), kv(line, "rc")
			subject = ""
		} else if (line ~ /^suite begin/) {
			suite = 1
		} else if (line ~ /^suite end /) {
			suite = 0
			print "S", kv(line, "seconds"), kv(line, "peak_kb"), kv(line, "rc")
		} else if (line ~ /^config /) {
			print "K", kv(line, "kernel")
		} else if (line ~ /^done/) {
			print "D"
		}
	}'
}

# Table rows: race, event (a result name, or "own" for the tests' own
# window figures), the suite subject for the race, the kind of row
# (window: the goal holds it against the peers; context: how much
# migration there was; own: the test's own claim, no peer has it) and
# what it counts.
table_rows()
{
	cat <<'EOF'
R1	r1_swapcache_nomap	swapcache_unmapped	window	migrate_folio() of a swap-cache folio with mapping NULL
R1	r1_migrated_compaction_hotplug	swapcache_unmapped	context	pages migrated for compaction or hotplug (mm_migrate_pages)
R1	own	swapcache_unmapped	own	test's own: unmapped swap-cache folios that moved
R2	r2_put_anon_vma_migration	anon_vma_unmap	window	last anon_vma reference dropped inside migrate_pages()
R2	r2_entries_zapped	anon_vma_unmap	window	entries zapped before restore (per mm: set - restored)
R2	own	anon_vma_unmap	own	test's own: unmapped regions whose pages moved
R3	r3_entries_forked	fork_cow	window	entries restored beyond those set (per mm: fork copies)
R3	set_migration	fork_cow	context	migration entries set (set_migration_pte + _pmd)
R3	own	fork_cow	own	test's own: migration entries children saw in pagemap
R4	r4_folio_migrate_ksm	ksm_migration	window	folio_migrate_ksm() on KSM folios
R4	r4_ksm_restored_forked	ksm_migration	window	KSM entries restored in mms forked after the merge
R4	ksm_remove_ksm_page	ksm_migration	context	stable-node removals, all (live sharers: see below)
R4	own	ksm_migration	own	test's own: KSM pages that moved while shared
EOF
}

# The table from the records in $1; its rows also go to file $2,
# tab-separated with a header line, for the picture.
print_table()
{
	local records=$1 tsv=$2

	table_rows | awk -F'\t' -v recs="$records" -v peers="$PEER_SUBJECTS" -v tsv="$tsv" '
	BEGIN {
		while ((getline l < recs) > 0) {
			split(l, f, "\t")
			if (f[1] == "R")
				cnt[f[2], f[3]] = f[4]
			else if (f[1] == "E")
				sec[f[2]] = f[3]
			else if (f[1] == "W")
				own[f[2], f[3]] += f[4]
		}
		np = split(peers, peer, " ")
		short["mm_migration"] = "mm-migr"
		short["mm_ksm_functional"] = "mm-ksmft"
		short["stress_ng_numa"] = "sng-numa"
		short["stress_ng_memhotplug"] = "sng-mhp"
		short["stress_ng_mmapfork"] = "sng-mfork"
		printf "%-4s %-7s %-31s %9s %9s %9s", "race", "kind", "event (per second)", "suite", "offline", "obvious"
		for (i = 1; i <= np; i++)
			printf " %9s", short[peer[i]]
		printf " %8s %8s\n", "ratio", "vs-obv"
		printf "race\tkind\tevent\tsuite\toffline\tobvious\tbest_peer\tbest_peer_name\tratio\tobvious_ratio\n" > tsv
	}
	function ratio(a, b) {
		if (a == "-" || a == "n/a" || b == "-" || b == "n/a")
			return "-"
		if (b + 0 == 0)
			return (a + 0 > 0) ? "inf" : "0/0"
		return sprintf("%.1fx", a / b)
	}
	function rate(subj, ev, race,    c) {
		if (!(subj in sec) || sec[subj] <= 0)
			return "-"
		if (ev == "own")
			c = own[subj, race]
		else if ((subj, ev) in cnt)
			c = cnt[subj, ev]
		else
			return "n/a"
		if (c < 0)
			c = 0
		return sprintf("%.1f", c / sec[subj])
	}
	{
		race = $1; ev = $2; subj = $3; kind = $4
		s = rate(subj, ev, race)
		o = rate("offline_races", ev, race)
		ob = (ev == "own") ? "-" : rate("obvious_" tolower(race), ev, race)
		name = (ev == "own") ? "own window figure" : ev
		printf "%-4s %-7s %-31s %9s %9s %9s", race, kind, name, s, o, ob
		best = -1
		bestname = "-"
		for (i = 1; i <= np; i++) {
			p = (ev == "own") ? "-" : rate(peer[i], ev, race)
			printf " %9s", p
			if (p != "-" && p != "n/a" && p + 0 > best) {
				best = p + 0
				bestname = (best > 0) ? short[peer[i]] : "-"
			}
		}
		bp = (best < 0) ? "-" : sprintf("%.1f", best)
		r = (ev == "own") ? "-" : ratio(s, bp)
		ro = (ev == "own") ? "-" : ratio(s, ob)
		printf " %8s %8s\n", r, ro
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", race, kind, name, s, o, ob, bp, bestname, r, ro > tsv
		if (kind != "window")
			next
		if (!(race in races))
			order[++nr] = race
		races[race] = 1
		if (s == "n/a" || s == "-" || best < 0)
			unknown[race] = unknown[race] " " ev
		else if (r == "0/0" || (r != "inf" && s / best < 10))
			below[race] = below[race] " " ev
	}
	END {
		printf "\ngoal (every window row at least 10x the best peer):"
		for (i = 1; i <= nr; i++)
			printf " %s %s", order[i], (order[i] in below) ? "BELOW (" substr(below[order[i]], 2) ")" : \
				(order[i] in unknown) ? "unmeasured (" substr(unknown[order[i]], 2) ")" : "met"
		printf "\n"
	}'
	echo
	table_rows | awk -F'\t' '{ printf "  %-32s %s\n", ($2 == "own" ? $1 " own" : $2), $5 }' | sort -u
}

print_raw()
{
	local records=$1

	echo
	echo "bench: raw counts (subject, event, count; subject seconds, peak KiB, rc)"
	awk -F'\t' '$1 == "E" { printf "  %-22s seconds=%s peak_kb=%s rc=%s\n", $2, $3, $4, $5 }' "$records"
	awk -F'\t' '$1 == "R" { printf "  %-22s %-32s %s\n", $2, $3, $4 }' "$records"
	awk -F'\t' '$1 == "W" { n[$2 " " $3] += $4 }
		END { for (k in n) printf "  %-22s own window events %s\n", k, n[k] }' "$records" | sort
}

# The whole default suite, untraced: guest clock, host clock, peak.
print_suite_run()
{
	local records=$1 stamps=$BENCH/stamps host=

	awk -F'\t' '$1 == "S"' "$records" | grep -q . || return 0
	if grep -q '^begin' "$stamps" && grep -q '^end' "$stamps"; then
		host=$(awk '$1 == "begin" { b = $2 } $1 == "end" { e = $2 }
			END { printf "%.0f", e - b }' "$stamps")
	fi
	awk -F'\t' -v host="$host" '$1 == "U" { n[$2]++ }
	$1 == "S" { t = $2; peak = $3 }
	END {
		printf "bench: default suite (run_kselftest.sh, untraced): %.0f s guest clock, %s s host clock, peak memory %.0f MiB (memory.peak of its cgroup); programs %d passed, %d failed, %d skipped\n",
			t, (host == "" ? "?" : host), peak / 1024, n["pass"], n["fail"], n["skip"] }' "$records"
	awk -F'\t' '$1 == "U" && $2 == "fail" { print "bench: default suite: failed: " $3 }' "$records"
}

# What the peers said of themselves: a peer that SKIPs everything here
# reaches no window, which is what its zeros mean.
print_peers()
{
	local records=$1

	awk -F'\t' '$1 == "T" { n[$2, $3]++; t[$2] = 1 }
	$1 == "E" { rc[$2] = $5 }
	END {
		for (s in t)
			printf "bench: peer %s: %d passed, %d failed, %d skipped (exit %s)\n",
				s, n[s, "pass"], n[s, "fail"], n[s, "skip"], rc[s]
	}' "$records" | sort
}

print_attach()
{
	local records=$1 failed

	failed=$(awk -F'\t' '$1 == "A" && $3 == "fail" { printf "%s ", $2 }' "$records")
	if [ -n "$failed" ]; then
		echo "bench: could not attach: $failed; their rows show n/a (the own-figure rows are the fallback)"
	else
		echo "bench: every event attached"
	fi
	echo "bench: R4 stable nodes dropped while live sharers map them: not countable from tracefs (whether the dropped node's page is still mapped is not an argument anywhere); fallback: ksm_migration's own accounting check (per-process ksm_merging_pages against kpageflags), which fails the test when it happens"
}

# The window rows of the table in $1 as a picture (scripts/bench/svg.py)
# in $opt_svg, titled $2.
draw_picture()
{
	if ! command -v python3 > /dev/null; then
		echo "bench: no python3: no picture"
		return 0
	fi
	if python3 "$SCRIPT_DIR/bench/svg.py" --title "$2" "$1" "$opt_svg"; then
		echo "bench: picture: $opt_svg"
	else
		echo "bench: drawing the picture failed"
	fi
}

main()
{
	local records kver start title

	parse_options "$@"
	start=$EPOCHREALTIME
	mkdir -p "$BENCH"
	opt_svg=${opt_svg:-$BENCH/bench.svg}
	records=$BENCH/records.tsv
	if [ -n "$opt_console" ]; then
		VM_RC=0
		: > "$BENCH/stamps"
		parse_console "$opt_console" > "$records"
	else
		[ "$opt_setup" -eq 0 ] || "$SCRIPT_DIR/setup.sh" >&2
		build_suite "$BENCH"
		build_extra
		run_vm
		parse_console "$BENCH/console.log" > "$records"
	fi
	echo
	if ! grep -q '^D' "$records"; then
		log "the guest printed no complete benchmark (vmtest exit $VM_RC)"
		[ "$VM_RC" -ne 0 ] || VM_RC=$EXIT_NO_DATA
	fi
	kver=$(awk -F'\t' '$1 == "K" { print $2 }' "$records")
	if [ -n "$opt_console" ]; then
		echo "bench: from $opt_console: kernel ${kver:-?}"
		title="bench $(date -u -r "$opt_console" +%Y-%m-%d), kernel ${kver:-?}"
	else
		echo "bench: $(date -u +%Y-%m-%d) kernel ${kver:-?}, ${opt_seconds} s a case or peer, vmtest exit $VM_RC"
		title="bench $(date -u +%Y-%m-%d), kernel ${kver:-?}, ${opt_seconds} s a subject"
	fi
	print_table "$records" "$BENCH/table.tsv"
	[ "$opt_raw" -eq 0 ] || print_raw "$records"
	echo
	print_suite_run "$records"
	print_peers "$records"
	print_attach "$records"
	draw_picture "$BENCH/table.tsv" "$title: window events per second"
	[ -n "$opt_console" ] ||
		echo "bench: benchmark took $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s on the host"
	exit "$VM_RC"
}

main "$@"
