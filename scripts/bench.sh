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
OBVIOUS_SUBJECTS="obvious_r1 obvious_r2 obvious_r3 obvious_r4 ceiling"
PEER_SUBJECTS="mm_migration mm_ksm_functional stress_ng_numa stress_ng_memhotplug stress_ng_mmapfork"

opt_seconds=3
opt_repeat=3
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
that define the races' windows while the subject runs, every subject
--repeat times, then print one table of events per second, the median
of the repeats and their spread: for each race, one row per trigger of
the suite (the race's program, one variant at a time; memory hotplug is
offline_races), beside the race's obvious loop (scripts/bench/
obvious_rN.c) and the best peer, the share of the VM's ceiling (the
highest pages-migrated rate of any subject; scripts/bench/ceiling.c is
there for it), the hit ratio (window events per attempt) and the floor
each row is held to; then draws the window rows as a picture (SVG,
log-scale bars).  Also runs the whole default suite once, untraced, for
its wall time and peak memory in the VM.

Subjects (--only): $SUITE_SUBJECTS
  $OBVIOUS_SUBJECTS
  $PEER_SUBJECTS

Options:
  --seconds N          fixed time: each suite case runs N seconds
                       (MIGRATION_RACES_SECONDS=N), each obvious loop
                       and each peer (or each case of mm_migration) too
                       (default $opt_seconds, 1 to 300, the suite's cap).
  --repeat N           run every subject N times; the table shows
                       the median and the spread (default $opt_repeat, 1 to 9).
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
		--seconds | --repeat | --kernel-version | --only | --nodes | --console | --svg)
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
		--repeat)
			check_range "$1" "$2" 1 9
			opt_repeat=$2
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

# The obvious loops and the ceiling, static (the guest has no C
# library).
build_obvious()
{
	local out=$1/obvious p msg

	mkdir -p "$out"
	log "building scripts/bench/obvious_r1..4.c and ceiling.c (with obvious.c)"
	for p in obvious_r1 obvious_r2 obvious_r3 obvious_r4 ceiling; do
		# glibc warns about libnuma's getaddrinfo in a static link.
		msg=$(gcc -O2 -static -Wall -o "$out/$p" \
			"$SCRIPT_DIR/bench/$p.c" \
			"$SCRIPT_DIR/bench/obvious.c" -lnuma -lpthread 2>&1) || {
			printf '%s\n' "$msg" >&2
			die "building scripts/bench/$p.c failed"
		}
	done
}

# The triggers of a race program: the variants its FIXTURE_VARIANT_ADD
# lines name, in their order (the guest runs each with -v).
program_variants()
{
	sed -n 's/^FIXTURE_VARIANT_ADD([a-z_0-9]*, *\([a-z_0-9]*\)).*/\1/p' \
		"$REPO_DIR/$1.c" | tr '\n' ' ' | sed 's/ $//'
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
BENCH_REPEAT=$opt_repeat
BENCH_VARIANTS_R1="$(program_variants migration/swapcache_unmapped)"
BENCH_VARIANTS_R2="$(program_variants migration/anon_vma_unmap)"
BENCH_VARIANTS_R3="$(program_variants migration/fork_cow)"
BENCH_VARIANTS_R4="$(program_variants ksm/ksm_migration)"
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
#   R subject rep event count            BENCH result lines
#   E subject rep seconds peak_kb rc     BENCH end lines
#   W subject rep race events seconds    the tests' own window lines
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
	$1 == "W" && subject != "" { print "W", subject, rep, $4, $6, $8 }
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
			rep = kv(line, "rep")
		} else if (line ~ /^result /) {
			print "R", kv(line, "subject"), kv(line, "rep"), kv(line, "event"), kv(line, "count")
		} else if (line ~ /^end /) {
			print "E", kv(line, "subject"), kv(line, "rep"), kv(line, "seconds"), kv(line, "peak_kb"), kv(line, "rc")
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

# The window events, one table row per race, event and trigger: race,
# event, what it counts.
window_events()
{
	cat <<'EOF'
R1	r1_swapcache_nomap	migrate_folio() of a swap-cache folio with mapping NULL
R2	r2_put_anon_vma_migration	last anon_vma reference dropped inside migrate_pages()
R2	r2_entries_zapped	entries zapped before restore (per mm: set - restored)
R3	r3_entries_forked	entries restored beyond those set (per mm: fork copies)
R4	r4_folio_migrate_ksm	folio_migrate_ksm() on KSM folios
R4	r4_ksm_restored_forked	KSM entries restored in mms forked after the merge
EOF
}

# The awk functions the tables share, over the records of file recs:
# rates per subject and repeat, their median and spread over the
# repeats, and the VM's ceiling.  A rate is "-" when the subject did not
# run and "n/a" when its event could not be attached.
# shellcheck disable=SC2016 # awk source
RATES_AWK='
function load(recs,    l, f) {
	while ((getline l < recs) > 0) {
		split(l, f, "\t")
		if (f[1] == "R") {
			cnt[f[2], f[3], f[4]] = f[5]
		} else if (f[1] == "E") {
			sec[f[2], f[3]] = f[4]
			if (!(f[2] in ran))
				subjects[++nsubj] = f[2]
			ran[f[2]] = 1
			reps[f[3]] = 1
		} else if (f[1] == "W") {
			own[f[2], f[3]] += f[5]
			inwin[f[2], f[3]] += f[6]
			ncases[f[2], f[3]]++
		}
	}
}
# The count of event ev of subject s in repeat r: own window figures
# for "own", the sum of several events for "a+b"; "" when missing.
function count(s, r, ev,    n, e, i, c) {
	if (ev == "own")
		return ((s, r) in own) ? own[s, r] : 0
	n = split(ev, e, "+")
	c = 0
	for (i = 1; i <= n; i++) {
		if (!((s, r, e[i]) in cnt))
			return ""
		c += cnt[s, r, e[i]]
	}
	return (c < 0) ? 0 : c
}
function rate_in(s, r, ev,    c) {
	if (!((s, r) in sec) || sec[s, r] <= 0)
		return "-"
	c = count(s, r, ev)
	return (c == "") ? "n/a" : c / sec[s, r]
}
# Numeric values of v[1..n] sorted into w; returns how many.
function numbers(v, n, w,    i, j, m, t) {
	m = 0
	for (i = 1; i <= n; i++)
		if (v[i] != "-" && v[i] != "n/a")
			w[++m] = v[i] + 0
	for (i = 2; i <= m; i++)
		for (j = i; j > 1 && w[j - 1] > w[j]; j--) {
			t = w[j]; w[j] = w[j - 1]; w[j - 1] = t
		}
	return m
}
# The median of the sorted w[1..m], m > 0.
function middle(w, m) {
	return (m % 2) ? w[(m + 1) / 2] : (w[m / 2] + w[m / 2 + 1]) / 2
}
# Median over the repeats of rate_in(), or of the ratio of two events
# when per is set; LO and HI get the spread.
function median(s, ev, per,    r, v, w, n, m, a, b) {
	n = 0
	for (r in reps) {
		a = rate_in(s, r, ev)
		if (per != "" && a != "-" && a != "n/a") {
			b = rate_in(s, r, per)
			a = (b == "-" || b == "n/a") ? b : (b > 0 ? a / b : "-")
		}
		v[++n] = a
	}
	m = numbers(v, n, w)
	if (!m) {
		LO = HI = ""
		for (r = 1; r <= n; r++)
			if (v[r] == "n/a")
				return "n/a"
		return "-"
	}
	LO = w[1]
	HI = w[m]
	return middle(w, m)
}
# The ceiling: the highest median pages-migrated rate of any subject;
# CEIL_BY names it.
function ceiling(    i, m) {
	CEIL = 0
	CEIL_BY = "-"
	for (i = 1; i <= nsubj; i++) {
		m = median(subjects[i], "migrated_all", "")
		if (m != "-" && m != "n/a" && m > CEIL) {
			CEIL = m
			CEIL_BY = subjects[i]
		}
	}
}
# The trigger a subject migrates by, for the trigger ceilings: compaction
# for r1.compaction and ceiling.compaction, move_pages for its KSM
# variants (r4.move_pages_per_node_trees) and for ceiling, hotplug for
# stress-ng --memhotplug; "" for the rest.
function trigger_of(s) {
	if (s == "ceiling")
		return "move_pages"
	if (s == "stress_ng_memhotplug")
		return "hotplug"
	if (s !~ /^(r[1-4]|ceiling)\./)
		return ""
	s = substr(s, index(s, ".") + 1)
	return (s ~ /^move_pages/) ? "move_pages" : s
}
# The ceiling of each trigger: the highest median pages-migrated rate of
# a subject that migrates by it alone, in TCAP[], the subject in TCAP_BY[].
function trigger_ceilings(    i, s, t, m) {
	for (i = 1; i <= nsubj; i++) {
		s = subjects[i]
		t = trigger_of(s)
		if (t == "")
			continue
		m = median(s, "migrated_all", "")
		if (m != "-" && m != "n/a" && m > TCAP[t] + 0) {
			TCAP[t] = m
			TCAP_BY[t] = s
		}
	}
}
function fmt(v) {
	if (v == "-" || v == "n/a" || v == "")
		return v
	return sprintf(v < 10 ? "%.2f" : "%.1f", v)
}
'

# A race's attempts, the hit ratio's denominator: R1 a migrated page
# (every parked folio the migration meets is one), R2 an unmap or an
# exit, R3 a fork, R4 a migrated page (of the merged region).
# The floors a window row is held to: at least 10x the obvious loop or
# half the ceiling, whichever is lower; R2's last-reference row at
# least 100/s; R3's row at least 1,000/s in fork_cow.
print_table()
{
	local records=$1 tsv=$2

	window_events | awk -F'\t' -v recs="$records" -v peers="$PEER_SUBJECTS" -v tsv="$tsv" \
		"$RATES_AWK"'
	BEGIN {
		load(recs)
		ceiling()
		trigger_ceilings()
		# One event per migrated folio: the ceiling of the trigger bounds them.
		per_page["r1_swapcache_nomap"] = 1
		per_page["r4_folio_migrate_ksm"] = 1
		np = split(peers, peer, " ")
		short["mm_migration"] = "mm-migr"
		short["mm_ksm_functional"] = "mm-ksmft"
		short["stress_ng_numa"] = "sng-numa"
		short["stress_ng_memhotplug"] = "sng-mhp"
		short["stress_ng_mmapfork"] = "sng-mfork"
		attempt["R1"] = "migrated_all"
		attempt["R2"] = "munmaps+exits"
		attempt["R3"] = "forks"
		attempt["R4"] = "migrated_all"
		printf "%-4s %-29s %-26s %9s %17s %6s %6s %9s %7s %9s %-11s %8s %7s  %s\n",
			"race", "trigger", "event (per second)", "suite", "spread", "%ceil", "%trig",
			"obvious", "vs-obv", "peer", "(best)", "own", "hit", "floor"
		printf "race\tkind\tevent\tsuite\tobvious\tbest_peer\tbest_peer_name\tceiling\n" > tsv
	}
	function floor_of(race, ev, trig, obv,    need) {
		need = CEIL / 2
		if (obv != "-" && obv != "n/a" && 10 * obv < need)
			need = 10 * obv
		if (ev == "r2_put_anon_vma_migration" && need < 100)
			need = 100
		if (ev == "r3_entries_forked" && trig != "hotplug" && need < 1000)
			need = 1000
		return need
	}
	{
		race = $1; ev = $2
		ob = median("obvious_" tolower(race), ev, "")
		best = "-"; bestname = "-"
		for (i = 1; i <= np; i++) {
			p = median(peer[i], ev, "")
			if (p == "n/a" && best == "-")
				best = "n/a"
			if (p != "-" && p != "n/a" && (best == "-" || best == "n/a" || p > best)) {
				best = p
				bestname = short[peer[i]]
			}
		}
		if (best == 0)
			bestname = "-"
		for (i = 1; i <= nsubj; i++) {
			s = subjects[i]
			if (index(s, tolower(race) ".") != 1)
				continue
			trig = substr(s, 4)
			m = median(s, ev, "")
			spread = (LO == "") ? "-" : fmt(LO) "-" fmt(HI)
			o = median(s, "own", "")
			hit = median(s, ev, attempt[race])
			pc = (m == "-" || m == "n/a" || CEIL <= 0) ? "-" : sprintf("%.1f%%", 100 * m / CEIL)
			vo = (m == "-" || m == "n/a" || ob == "-" || ob == "n/a") ? "-" : \
				(ob > 0 ? sprintf("%.1fx", m / ob) : (m > 0 ? "inf" : "0/0"))
			need = floor_of(race, ev, trig, ob)
			tc = TCAP[trigger_of(s)] + 0
			pt = (m == "-" || m == "n/a" || tc <= 0) ? "-" : sprintf("%.1f%%", 100 * m / tc)
			if (m == "-" || m == "n/a") {
				verdict = "unmeasured"
				unknown[race] = unknown[race] " " trig ":" ev
			} else if (m >= need) {
				verdict = "met (" fmt(need) ")"
			} else if ((ev in per_page) && tc > 0 && tc < need) {
				verdict = "out of reach " fmt(need) ": " trigger_of(s) " moves " fmt(tc) "/s"
				reach[race] = reach[race] " " trig ":" ev
			} else {
				verdict = "BELOW " fmt(need)
				below[race] = below[race] " " trig ":" ev
			}
			printf "%-4s %-29s %-26s %9s %17s %6s %6s %9s %7s %9s %-11s %8s %7s  %s\n",
				race, trig, ev, fmt(m), spread, pc, pt, fmt(ob), vo, fmt(best),
				"(" bestname ")", fmt(o), fmt(hit), verdict
			printf "%s\twindow\t%s %s\t%s\t%s\t%s\t%s\t%s\n", race, trig, ev,
				fmt(m), fmt(ob), fmt(best), bestname, fmt(CEIL) > tsv
			if (!(race in seen))
				order[++nr] = race
			seen[race] = 1
		}
	}
	END {
		printf "\nceiling: %s pages migrated per second (%s, the median of its repeats; the highest of any subject)\n",
			fmt(CEIL), CEIL_BY
		printf "trigger ceilings (pages migrated per second, the highest of a subject migrating by it alone):"
		for (t in TCAP)
			printf " %s %s (%s)", t, fmt(TCAP[t]), TCAP_BY[t]
		printf "\n"
		printf "goal (every window row at its floor):"
		for (i = 1; i <= nr; i++) {
			r = order[i]
			st = ""
			if (r in below)
				st = st ", BELOW (" substr(below[r], 2) ")"
			if (r in unknown)
				st = st ", unmeasured (" substr(unknown[r], 2) ")"
			if (r in reach)
				st = st ", out of reach (" substr(reach[r], 2) ")"
			printf " %s %s", r, (st == "") ? "met" : substr(st, 3)
		}
		printf "\n"
	}'
	echo
	window_events | awk -F'\t' '{ printf "  %-26s %s\n", $2, $3 }'
	cat <<'EOF'
  spread    the lowest and highest of the repeats; %ceil the median
            as a share of the ceiling (pages migrated per second),
            %trig as a share of its trigger's ceiling
  obvious   the race's obvious loop (scripts/bench/obvious_rN.c);
  peer      the best peer's median; own: the tests' own window figures
  hit       window events per attempt: R1 and R4 per page migrated, R2
            per munmap or exit, R3 per fork
  floor     10x the obvious loop or half the ceiling, whichever is
            lower; R2's last reference at least 100/s, R3 at least
            1,000/s in fork_cow; out of reach: a row of one event per
            migrated page whose floor is above what its trigger
            migrates at most (scripts/bench/ceiling.c TRIGGER)
EOF
}

# Where each subject's time went: its seconds, how many cases it ran
# and how long their race loops lasted (the window lines' seconds; the
# rest is set-up and checks), the pages it migrated, its forks, exits
# and unmaps: medians of the repeats.
print_subjects()
{
	local records=$1

	echo
	awk -v recs="$records" "$RATES_AWK"'
	function mid(a, s,    r, n, v, w) {
		n = 0
		for (r in reps)
			if ((s, r) in sec)
				v[++n] = ((s, r) in a) ? a[s, r] : 0
		return middle(w, numbers(v, n, w))
	}
	BEGIN {
		load(recs)
		ceiling()
		printf "%-32s %7s %5s %8s %11s %6s %8s %8s %9s\n", "subject (medians)", "seconds",
			"cases", "in-loop", "migrated/s", "%ceil", "forks/s", "exits/s", "munmaps/s"
		for (i = 1; i <= nsubj; i++) {
			s = subjects[i]
			mg = median(s, "migrated_all", "")
			printf "%-32s %7.1f %5d %8.1f %11s %6s %8s %8s %9s\n", s, mid(sec, s),
				mid(ncases, s), mid(inwin, s), fmt(mg),
				(mg == "-" || mg == "n/a" || CEIL <= 0) ? "-" : sprintf("%.1f%%", 100 * mg / CEIL),
				fmt(median(s, "forks", "")), fmt(median(s, "exits", "")),
				fmt(median(s, "munmaps", ""))
		}
	}'
}

print_raw()
{
	local records=$1

	echo
	echo "bench: raw counts (subject, repeat, event, count; subject seconds, peak KiB, rc)"
	awk -F'\t' '$1 == "E" { printf "  %-26s rep=%s seconds=%s peak_kb=%s rc=%s\n", $2, $3, $4, $5, $6 }' "$records"
	awk -F'\t' '$1 == "R" { printf "  %-26s rep=%s %-32s %s\n", $2, $3, $4, $5 }' "$records"
	awk -F'\t' '$1 == "W" { n[$2 " rep=" $3 " " $4] += $5 }
		END { for (k in n) printf "  %-26s own window events %s\n", k, n[k] }' "$records" | sort
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
	$1 == "E" { rc[$2] = rc[$2] (($2 in rc) ? "," : "") $6 }
	END {
		for (s in t)
			printf "bench: peer %s: %d passed, %d failed, %d skipped over its repeats (exit %s)\n",
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
		echo "bench: $(date -u +%Y-%m-%d) kernel ${kver:-?}, ${opt_seconds} s a case or peer, $opt_repeat repeats, vmtest exit $VM_RC"
		title="bench $(date -u +%Y-%m-%d), kernel ${kver:-?}, ${opt_seconds} s a subject"
	fi
	print_table "$records" "$BENCH/table.tsv"
	print_subjects "$records"
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
