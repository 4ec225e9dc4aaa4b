#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Proves that each race test fails on a kernel that has lost its fix.
# Every mutants/*.patch undoes one fix (or one way of losing it) in a
# kernel tree and names the tests that must catch it.  This script builds
# the unpatched kernel and each mutant with scripts/build-kernel.sh (one
# build directory per flavour, so a mutant is an incremental rebuild of
# the files it touches), boots each with scripts/vmtest.sh, runs the
# tests the mutant names, and prints what caught it.  The same tests must
# pass on the unpatched kernel of the same flavour: a test that fails
# there is flaky or wrong, not strong.  With --production every mutant
# also runs on the production flavour (Debian's own debug and hardening
# choices, no DEBUG_VM or KASAN), in a column of its own: what a distro
# kernel shows of the lost fix.

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL=mutants
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"
MUTANT_DIR=$REPO_DIR/mutants
MUT_CACHE=$CACHE/mutants

EXIT_PASS=0
EXIT_WEAK=2

opt_ksrc=$KSRC
opt_kernel=
opt_config=
opt_runs=1
opt_scale=1
opt_vm_timeout=600
opt_setup=1
opt_list=0
opt_check=0
opt_table=
opt_production=0
fragments=()
# The production flavour boots with KFENCE armed: Debian builds it in
# with sampling off, and it is the one production detector of a
# use-after-free in a SLAB_TYPESAFE_BY_RCU cache such as anon_vma's.
PRODUCTION_APPEND="kfence.sample_interval=1"
selected=()

usage()
{
	cat <<EOF
Usage: $0 [OPTIONS] [MUTANT...]

Build the unpatched test kernel and every mutant in mutants/ (or the
MUTANTs named, by file name without .patch, or a prefix such as r4), boot
each in the vmtest VM, run the tests its header names, and print a table:
mutant, expected signal, verdict, what caught it, time to detection.  The
same tests then run on the unpatched kernel of each flavour and must
pass there with their windows reached.

Kernel:
  --ksrc DIR          kernel tree to build and mutate (default: Debian's
                      linux-source-6.12 unpacked by scripts/setup.sh).  It
                      is only read: the patches go to a copy in
                      \$MIGRATION_RACES_CACHE/mutants/.  A patch that does
                      not apply with fuzz 0 stops the run.
  --fragment FILE     one more config fragment for every kernel built
                      (repeatable), after scripts/kernel/*.config.
  --production        also build and boot every mutant, and the unpatched
                      tree, in the production flavour (build-kernel.sh
                      --flavour production, booted with
                      $PRODUCTION_APPEND): a column of its own.  A
                      mutant whose header says "Production: undetectable
                      ..." may survive there; the table then quotes why.
  --kernel BZIMAGE    build nothing: run the tests of the selected mutants
                      on this kernel, which must pass (an mm patch under
                      validation, built by you).
  --config FILE       with --kernel: its .config (default: the .config
                      three levels above BZIMAGE, as in a build tree).

Run:
  --runs N            boot every kernel N times (default 1); the table
                      then counts kills over the runs.  A mutant whose
                      header says "Boots: N" boots up to N times per run
                      until caught.
  --scale X           MIGRATION_RACES_SCALE in the guest (default 1).
  --vm-timeout S      a guest still running after S seconds is killed
                      and counts as hung (default $opt_vm_timeout).
  --table FILE        also write the table to FILE (markdown).
  --list              list the mutants and their headers, and exit.
  --check             check that every selected mutant applies to the
                      kernel tree with fuzz 0 (a dry run), and exit.
  --no-setup          do not run scripts/setup.sh first.
  -h, --help          this text.

Exit status: 0 every mutant killed in every run and every unpatched
kernel passed, 1 usage, set-up, patch or build error, 2 a mutant survived
or an unpatched kernel failed.
EOF
}

parse_options()
{
	while [ $# -gt 0 ]; do
		case "$1" in
		-h | --help)
			usage
			exit 0
			;;
		--list)
			opt_list=1
			shift
			continue
			;;
		--check)
			opt_check=1
			shift
			continue
			;;
		--production)
			opt_production=1
			shift
			continue
			;;
		--no-setup)
			opt_setup=0
			shift
			continue
			;;
		--ksrc | --fragment | --kernel | --config | --runs | --scale | \
		--vm-timeout | --table)
			[ $# -ge 2 ] || usage_error "option '$1' needs a value"
			;;
		-*)
			usage_error "unknown option '$1'"
			;;
		*)
			selected+=("$1")
			shift
			continue
			;;
		esac
		case "$1" in
		--ksrc)
			[ -f "$2/Makefile" ] && [ -d "$2/mm" ] ||
				usage_error "no kernel tree at '$2'"
			opt_ksrc=$2
			;;
		--fragment)
			[ -f "$2" ] || usage_error "no config fragment '$2'"
			fragments+=(--fragment "$(realpath "$2")")
			;;
		--kernel)
			[ -f "$2" ] || usage_error "no kernel image '$2'"
			opt_kernel=$(realpath "$2")
			;;
		--config)
			[ -f "$2" ] || usage_error "no config file '$2'"
			opt_config=$(realpath "$2")
			;;
		--runs)
			[[ $2 =~ ^[1-9][0-9]{0,2}$ ]] ||
				usage_error "--runs wants an integer from 1 to 999, not '$2'"
			opt_runs=$2
			;;
		--scale)
			[[ $2 =~ ^[0-9]+(\.[0-9]+)?$ && $2 =~ [1-9] ]] ||
				usage_error "--scale wants a positive number, not '$2'"
			opt_scale=$2
			;;
		--vm-timeout)
			[[ $2 =~ ^[1-9][0-9]*$ ]] ||
				usage_error "--vm-timeout wants seconds, not '$2'"
			opt_vm_timeout=$2
			;;
		--table)
			opt_table=$2
			;;
		esac
		shift 2
	done
	if [ -n "$opt_config" ] && [ -z "$opt_kernel" ]; then
		usage_error "--config goes with --kernel"
	fi
	if [ -n "$opt_kernel" ] && [ ${#fragments[@]} -gt 0 ]; then
		usage_error "--kernel builds nothing: --fragment does not apply"
	fi
	if [ -n "$opt_kernel" ] && [ "$opt_production" -eq 1 ]; then
		usage_error "--kernel builds nothing: --production does not apply"
	fi
}

# A header field of a mutant ("Name: value" lines before "---").
field()
{
	awk -v f="$2" '/^---$/ { exit }
		index($0, f ": ") == 1 { print substr($0, length(f) + 3) }' "$1"
}

# The files a patch changes, from its "+++ b/" lines.
patched_files()
{
	awk '/^\+\+\+ b\// { sub(/^\+\+\+ b\//, ""); sub(/\t.*$/, ""); print }' "$1"
}

select_mutants()
{
	local f name want ok

	MUTANTS=()
	for f in "$MUTANT_DIR"/*.patch; do
		[ -f "$f" ] || continue
		name=$(basename "$f" .patch)
		ok=${#selected[@]}
		[ "$ok" -eq 0 ] && ok=1 || ok=0
		for want in "${selected[@]}"; do
			[[ $name == "$want"* ]] && ok=1
		done
		[ "$ok" -eq 0 ] && continue
		for want in Mutant Race Seed Flavour Tests Expect; do
			[ -n "$(field "$f" "$want")" ] ||
				die "$f: no '$want:' header"
		done
		[[ $(field "$f" Flavour) =~ ^(debug|kasan)$ ]] ||
			die "$f: Flavour must be debug or kasan"
		[[ $(field "$f" Boots) =~ ^([1-9]|10)?$ ]] ||
			die "$f: Boots must be a number from 1 to 10"
		MUTANTS+=("$f")
	done
	[ ${#MUTANTS[@]} -gt 0 ] || die "no mutant matches: ${selected[*]}"
}

list_mutants()
{
	local f

	for f in "${MUTANTS[@]}"; do
		printf '%s\n  race: %s\n  seed: %s\n  kernel: %s\n  tests: %s\n  expect: %s\n' \
			"$(basename "$f" .patch)" "$(field "$f" Race)" \
			"$(field "$f" Seed)" "$(field "$f" Flavour)" \
			"$(field "$f" Tests | paste -sd ';' | sed 's/;/; /g')" \
			"$(field "$f" Expect)"
	done
}

# Every file any mutant touches, for resetting the copy.
all_patched_files()
{
	local f

	for f in "$MUTANT_DIR"/*.patch; do
		patched_files "$f"
	done | sort -u
}

# The copy of the kernel tree that mutants patch.  It follows the tree
# (rsync); a file a mutant touched is then copied over again and touched,
# since rsync would give it back its old time stamp and make would keep
# the object built from the mutant.
prepare_source()
{
	local key f

	# Build directories name their source tree by its absolute path, and
	# ccache hits only for the same relative layout: keep both fixed,
	# one pair per tree.
	SRC=$MUT_CACHE/src
	OBJ_PREFIX=$MUT_CACHE/obj
	if [ "$(realpath "$opt_ksrc")" != "$(realpath "$CACHE/ksrc")" ]; then
		key=$(realpath "$opt_ksrc" | md5sum | cut -c1-8)
		SRC=$SRC-$key
		OBJ_PREFIX=$OBJ_PREFIX-$key
	fi
	mkdir -p "$SRC"
	log "syncing $opt_ksrc into $SRC"
	rsync -a --delete --exclude /.git \
		--exclude /tools/testing/selftests/migration_races \
		"$(realpath "$opt_ksrc")/" "$SRC/"
	while read -r f; do
		[ -f "$opt_ksrc/$f" ] || continue
		cp "$opt_ksrc/$f" "$SRC/$f"
		touch "$SRC/$f"
	done < <(all_patched_files)
}

# Prints the bzImage of a build of $SRC (with the mutant applied, if any).
build_kernel()
{
	local flavour=$1

	"$SCRIPT_DIR/build-kernel.sh" --no-setup --ksrc "$SRC" \
		--flavour "$flavour" --obj "$OBJ_PREFIX-$flavour" \
		${fragments[@]+"${fragments[@]}"} | tail -n1
}

# A dry run of every selected mutant against the tree itself.
check_mutants()
{
	local f bad=0

	for f in "${MUTANTS[@]}"; do
		if patch -p1 -F0 -N -s --dry-run -r - -d "$opt_ksrc" \
			< "$f" >/dev/null; then
			echo "mutants: $(basename "$f"): applies"
		else
			echo "mutants: $(basename "$f"): does NOT apply to $opt_ksrc with fuzz 0"
			bad=1
		fi
	done
	return $bad
}

apply_mutant()
{
	local patch=$1

	if ! patch -p1 -F0 -N -s --no-backup-if-mismatch -r - -d "$SRC" \
		< "$patch" >&2; then
		revert_mutant "$patch"
		die "$(basename "$patch") does not apply to $opt_ksrc with fuzz 0: update it"
	fi
}

revert_mutant()
{
	local f

	while read -r f; do
		cp "$opt_ksrc/$f" "$SRC/$f"
	done < <(patched_files "$1")
}

# Builds every kernel of the run into $MUT_CACHE/kernels: the unpatched
# one of each flavour the selected mutants use, then each mutant.
build_kernels()
{
	local f name flavour image start

	KDIR=$MUT_CACHE/kernels
	mkdir -p "$KDIR"
	for flavour in $(flavours); do
		log "building the unpatched $flavour kernel"
		image=$(build_kernel "$flavour")
		cp "$image" "$KDIR/clean-$flavour.bzImage"
		cp "$OBJ_PREFIX-$flavour/.config" "$KDIR/clean-$flavour.config"
	done
	for f in "${MUTANTS[@]}"; do
		name=$(basename "$f" .patch)
		for flavour in $(mutant_flavours "$f"); do
			log "building mutant $name ($flavour)"
			start=$(date +%s)
			apply_mutant "$f"
			if ! image=$(build_kernel "$flavour"); then
				revert_mutant "$f"
				die "mutant $name does not build"
			fi
			revert_mutant "$f"
			cp "$image" "$KDIR/$(kernel_name "$name" "$flavour").bzImage"
			log "mutant $name built in $(($(date +%s) - start)) s"
		done
	done
}

# The flavours a mutant runs on: its header's, and production if asked.
mutant_flavours()
{
	field "$1" Flavour
	[ "$opt_production" -eq 0 ] || echo production
}

# The file name of a kernel: a mutant's own flavour keeps the bare name.
kernel_name()
{
	local name=$1 flavour=$2

	if [ "$flavour" = production ]; then
		echo "$name-production"
	else
		echo "$name"
	fi
}

flavours()
{
	local f

	for f in "${MUTANTS[@]}"; do
		mutant_flavours "$f"
	done | sort -u
}

# The tests of the selected mutants of a flavour (all with --kernel), one
# run of each program with the cases of every mutant; a program named
# without options runs whole.
tests_of()
{
	local flavour=$1 f

	for f in "${MUTANTS[@]}"; do
		[ -z "$flavour" ] || [ "$flavour" = production ] ||
			[ "$(field "$f" Flavour)" = "$flavour" ] || continue
		field "$f" Tests
	done | awk '
	# One line per program, its harness options merged, each pair once.
	{
		if (!($1 in opts))
			order[n++] = $1
		for (i = 2; i < NF; i += 2) {
			pair = $i " " $(i + 1)
			if (!seen[$1, pair]++)
				opts[$1] = opts[$1] " " pair
		}
		if (NF == 1)
			all[$1] = 1
	}
	END {
		for (i = 0; i < n; i++)
			print order[i] (all[order[i]] ? "" : opts[order[i]])
	}'
}

# Boots one kernel with the tests; sets RUN_RC and leaves the console
# in $2.
boot()
{
	local image=$1 log=$2 config=$3 extra append=

	shift 3
	case "$(basename "$image")" in
	*production*) append=$PRODUCTION_APPEND ;;
	esac
	extra=$(mktemp -d "$WORK/extra.XXXXXX")
	install -m 0755 "$SCRIPT_DIR/mutants/guest-run.sh" "$extra/run.sh"
	printf '%s\n' "$@" > "$extra/tests"
	RUN_RC=0
	"$SCRIPT_DIR/vmtest.sh" --no-setup --kernel "$image" \
		${config:+--config "$config"} --install-dir "$INSTALL" \
		--extra-dir "$extra" --guest-cmd "sh /extra/run.sh" \
		--scale "$opt_scale" --vm-timeout "$opt_vm_timeout" \
		${append:+--append "$append"} \
		${REQUIRE_WINDOWS:+--require-windows} --log "$log" \
		> "$log.vmtest" 2>&1 || RUN_RC=$?
	rm -rf "$extra"
}

# What caught a mutant, from the records of its console log
# (console_records): the first kernel report (timed by its printk stamp)
# or strong test finding (timed by the guest script's stamp before the
# first TAP failure: a finding after it has no time) in console order
# wins; a weak finding or a bare failure only when there is nothing
# else.  Prints "kind<TAB>guest seconds since the tests began<TAB>detail".
# Kernel reports are those of lib/kernel_problems.h, shown by the kind of
# signal they are: KASAN, WARN, hang (stall, hung task, lockup) or oops.
# Test findings are the "# finding: ... kind=KIND" lines of the
# scenarios, shown by what they found; their detail is the case.
first_signal()
{
	console_records "$1" | awk -F'\t' -v OFS='\t' \
		-v kp_file="$KERNEL_PROBLEMS" "$(cat "$KERNEL_PROBLEMS_AWK")"'
	BEGIN {
		strong["cow_leak"] = "COW leak"
		strong["cow_entry"] = "COW entry"
		strong["bad_data"] = "data"
		strong["ksm_check"] = "KSM check"
		strong["child_failed"] = "child failed"
		strong["case_timeout"] = "case timeout"
		weak_label["window_missed"] = "window not reached"
		weak_label["migration_refused"] = "migration refused"
	}
	function signal_of(kind) {
		if (kind == "kasan")
			return "KASAN"
		if (kind == "warning")
			return "WARN"
		if (kp_is_hang(kind))
			return "hang"
		return "oops"
	}
	function since(t) {
		return (t != "" && start != "") ? sprintf("%.1f", t - start) : "?"
	}
	function clean(msg) {
		sub(/, address: [0-9a-fx]+/, "", msg)
		sub(/: 0000 \[#[0-9]+\].*$/, "", msg)
		sub(/CPU: [0-9]+ PID: [0-9]+ /, "", msg)
		gsub(/\.\.\/src\/|\+0x[0-9a-f]+\/0x[0-9a-f]+/, "", msg)
		return substr(msg, 1, 90)
	}
	function kernel(kind, t, msg) {
		if (kline == "" || kprovisional) {
			kkind = kind; kt = t; kmsg = clean(msg); kline = NR
			kprovisional = 0; krip = (kind != "KASAN" && kmsg !~ / at /)
		}
	}
	function test(kind, msg) {
		if (sline == "") {
			skind = kind; smsg = msg; sline = NR
			st = ""
		}
	}
	function weak(kind, msg) {
		if (wline == "") {
			wkind = kind; wmsg = msg; wline = NR
			wt = ""
		}
	}
	$1 == "M" && $2 == "first_test_uptime" { start = $3 }
	$1 == "M" && $2 == "first_failure_uptime" {
		if (sline != "" && st == "")
			st = $3
		if (wline != "" && wt == "")
			wt = $3
		if (wline == "") {
			weak("test failed", "a case failed")
			wt = $3
		}
	}
	$1 == "k" && $2 == "rip" && krip {
		if (match($4, /RIP: [0-9a-f]+:[^ +]+/))
			kmsg = kmsg " in " substr($4, RSTART + 10, RLENGTH - 10)
		krip = 0
	}
	$1 == "k" && $2 == "cut_here" && kline == "" {
		kernel("oops", $3, "a report began (cut here) and never ended")
		kprovisional = 1
	}
	$1 == "K" && $3 != "" { kernel(signal_of($2), $3, $4) }
	$1 == "F" && $7 == "taint" { test("taint", $3) }
	$1 == "F" && $7 == "test" {
		if ($4 in strong)
			test(strong[$4], $3)
		else
			weak(($4 in weak_label) ? weak_label[$4] : $4, $3)
	}
	END {
		if (kline != "" && (sline == "" || kline < sline))
			print kkind, since(kt), kmsg
		else if (sline != "")
			print skind, since(st), smsg
		else if (wline != "")
			print wkind, since(wt), wmsg
		else
			print "-", "?", "-"
	}'
}

# Runs the tests of one mutant in every run; appends its table row.
# Boots mutant @f's kernel of @flavour --runs times; sets CELL to its
# verdict, the first signal and the detection times.
judge_flavour()
{
	local f=$1 flavour=$2 name kname kills=0 run caught="" secs="" detail=""
	local log sig verdict declared boots nboot used=0
	local -a tests

	name=$(basename "$f" .patch)
	kname=$(kernel_name "$name" "$flavour")
	mapfile -t tests < <(field "$f" Tests)
	boots=$(field "$f" Boots)
	for ((run = 1; run <= opt_runs; run++)); do
		# A run of a narrow race's mutant may take up to Boots boots:
		# each boot is a fresh draw of where ksmd and the pages land.
		for ((nboot = 1; nboot <= ${boots:-1}; nboot++)); do
			log="$LOGS/$kname.run$run.log"
			[ "$nboot" -eq 1 ] || log="${log%.log}.boot$nboot.log"
			log "booting mutant $kname (run $run/$opt_runs, boot $nboot/${boots:-1})"
			REQUIRE_WINDOWS="" boot "$KDIR/$kname.bzImage" "$log" \
				"$KDIR/clean-$flavour.config" "${tests[@]}"
			used=$((used + 1))
			[ "$RUN_RC" -eq 0 ] || break
		done
		case "$RUN_RC" in
		0)
			log "mutant $kname SURVIVED run $run"
			continue
			;;
		1)
			die "vmtest failed to run mutant $kname: see $log.vmtest"
			;;
		esac
		kills=$((kills + 1))
		IFS=$'\t' read -r sig secs detail < <(first_signal "$log")
		if [ "$sig" = - ]; then
			sig="guest died"
			detail=$(sed -n 's/.*; kernel: \(.*\); verdict.*/\1/p' "$log.vmtest" | head -n1)
		fi
		[ -n "$caught" ] || caught="$sig: $detail"
		DETECT+=("$secs")
		KINDS+=("$sig")
		log "mutant $kname killed: $sig after $secs s: $detail"
	done
	[ "$opt_runs" -eq 1 ] || caught+=" [$(signal_kinds)]"
	declared=$(field "$f" Production | sed -n 's/^undetectable[:;, ]*//p')
	if [ "$kills" -eq "$opt_runs" ]; then
		verdict=killed
	elif [ "$flavour" = production ] && [ -n "$declared" ]; then
		verdict="not detectable on production configs ($declared):"
	else
		verdict=SURVIVED
		STATUS=$EXIT_WEAK
	fi
	verdict+=" $kills/$opt_runs"
	[ -z "$boots" ] || verdict+=" in $used boot$([ "$used" -eq 1 ] || echo s) (Boots: $boots)"
	CELL="$verdict, ${caught:--}, $(detection_range)"
	DETECT=()
	KINDS=()
}

# One table row: the mutant, then a cell for each flavour it ran on.
judge_mutant()
{
	local f=$1 flavour row

	row=$(printf '%s\t%s\t%s' "$(basename "$f" .patch)" \
		"$(field "$f" Race | cut -d' ' -f1)" "$(field "$f" Expect)")
	for flavour in $(mutant_flavours "$f"); do
		judge_flavour "$f" "$flavour"
		row+=$'\t'$CELL
	done
	ROWS+=("$row")
}

# Over several runs: how often each kind of signal came first.
signal_kinds()
{
	[ ${#KINDS[@]} -gt 0 ] || { echo "none"; return; }
	printf '%s\n' "${KINDS[@]}" | sort | uniq -c | sort -rn |
		awk '{ n = $1; $1 = ""; sub(/^ /, ""); printf "%s%s %d", sep, $0, n; sep = ", " }'
}

detection_range()
{
	[ ${#DETECT[@]} -gt 0 ] || { echo "-"; return; }
	printf '%s\n' "${DETECT[@]}" | { grep -E '^[0-9.]+$' || true; } | sort -n |
		awk '{ v[NR] = $1 }
		END {
			if (!NR)
				print "?"
			else
				print (v[1] == v[NR]) ? v[1] " s" : v[1] "-" v[NR] " s"
		}'
}

# The unpatched kernel: the same tests must pass, windows reached.
judge_clean()
{
	local label=$1 image=$2 config=$3 flavour=$4 run passes=0 log cell row
	local -a tests

	mapfile -t tests < <(tests_of "$flavour")
	for ((run = 1; run <= opt_runs; run++)); do
		log="$LOGS/$label.run$run.log"
		log "booting the unpatched kernel $label (run $run/$opt_runs)"
		REQUIRE_WINDOWS=1 boot "$image" "$log" "$config" "${tests[@]}"
		if [ "$RUN_RC" -eq 0 ]; then
			passes=$((passes + 1))
		else
			[ "$RUN_RC" -ne 1 ] ||
				die "vmtest failed to run $label: see $log.vmtest"
			log "unpatched kernel $label FAILED run $run: $(grep -E '^vmtest: .*(failed:|kernel:|verdict)' "$log.vmtest" | head -n3 | paste -sd ' ')"
		fi
	done
	[ "$passes" -eq "$opt_runs" ] || STATUS=$EXIT_WEAK
	cell="$([ "$passes" -eq "$opt_runs" ] && echo passed || echo FAILED) $passes/$opt_runs, $(case_count "$log") cases of $(printf '%s ' "${tests[@]%% *}" | sed 's|[^ ]*/||g; s/ $//')"
	row=$(printf '%s\t-\t%s' "$label" "the same tests pass")
	if [ "$flavour" = production ]; then
		row+=$'\t-\t'$cell
	else
		row+=$'\t'$cell
		[ "$opt_production" -eq 0 ] || row+=$'\t-'
	fi
	ROWS+=("$row")
}

# Results of the harness cases in a console log.
case_count()
{
	console_records "$1" | awk -F'\t' '$1 == "R" { n++ } END { print n + 0 }'
}

print_table()
{
	local header="mutant	race	expected	own flavour (debug or kasan): verdict, first signal, detection"

	[ "$opt_production" -eq 0 ] ||
		header+="	production: verdict, first signal, detection"
	echo
	echo "mutants: $(date -u +%F) $KLABEL, $opt_runs run(s), scale $opt_scale"
	printf '%s\n' "$header" "${ROWS[@]}" | awk -F'\t' '
		{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } n = NF > n ? NF : n }
		END {
			for (r = 1; r <= NR; r++) {
				line = ""
				for (i = 1; i <= n; i++)
					line = line sprintf("%-" w[i] "s  ", c[r, i])
				sub(/ +$/, "", line)
				print line
			}
		}'
	[ -z "$opt_table" ] && return 0
	printf '%s\n' "$header" "${ROWS[@]}" |
		sed 's/|/\\|/g; s/\t/ | /g; s/^/| /; s/$/ |/' |
		awk 'NR == 1 { print; h = $0; gsub(/[^|]/, "", h); gsub(/\|/, "---|", h); print "|" substr(h, 5); next } { print }' > "$opt_table"
}

main()
{
	local f flavour start

	parse_options "$@"
	select_mutants
	if [ "$opt_list" -eq 1 ]; then
		list_mutants
		exit 0
	fi
	[ "$opt_setup" -eq 0 ] || "$SCRIPT_DIR/setup.sh" >&2
	if [ "$opt_check" -eq 1 ]; then
		check_mutants || exit $EXIT_USAGE
		exit 0
	fi
	start=$(date +%s)
	mkdir -p "$MUT_CACHE"
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/mutants.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
	LOGS=$MUT_CACHE/logs
	rm -rf "$LOGS"
	mkdir -p "$LOGS"
	build_suite "$MUT_CACHE"
	INSTALL=$SUITE_INSTALL
	STATUS=$EXIT_PASS
	ROWS=()
	DETECT=()
	KINDS=()
	if [ -n "$opt_kernel" ]; then
		KLABEL="kernel $opt_kernel"
		judge_clean "$(basename "$opt_kernel")" "$opt_kernel" \
			"$opt_config" ""
	else
		KLABEL="kernel tree $(realpath "$opt_ksrc") ($(make -s -C "$opt_ksrc" kernelversion 2>/dev/null))"
		prepare_source
		build_kernels
		log "kernels built after $(($(date +%s) - start)) s"
		for f in "${MUTANTS[@]}"; do
			judge_mutant "$f"
		done
		for flavour in $(flavours); do
			judge_clean "clean-$flavour" "$KDIR/clean-$flavour.bzImage" \
				"$KDIR/clean-$flavour.config" "$flavour"
		done
	fi
	print_table
	echo "mutants: logs in $LOGS; $(($(date +%s) - start)) s in all"
	if [ "$STATUS" -eq 0 ]; then
		echo "mutants: every mutant killed, unpatched kernels passed"
	else
		echo "mutants: FAILED: a mutant survived or an unpatched kernel failed"
	fi
	exit "$STATUS"
}

main "$@"
