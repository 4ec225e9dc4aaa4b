#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Soak: the whole suite N times in one boot of each kernel named (vmtest
# --soak N), then one table per kernel and case: runs, passes, failures,
# known kernel bugs (XFAIL), and the minimum and median window events
# counted within each case's nominal duration (nominal_events= of the
# window line, which leaves out what a miss extension gathered).  A race
# case passes the soak when it never failed and its minimum is at least
# MARGIN (10) events.  Not part of CI: a soak of three kernels takes
# about an hour and a half on two cores.
#
# Usage: soak.sh [--runs N] [--out DIR] [--margin M] KERNEL...
#   KERNEL   6.12 or 6.1 (a Debian series, as vmtest --kernel-version),
#            debug (the debug test kernel of scripts/build-kernel.sh,
#            built if missing), or the path of a bzImage.
# Exit status: 0 every kernel clean, 2 a case failed or missed its
# margin, 1 usage or set-up error.

set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
TOOL=soak
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"
REPO=$REPO_DIR
RUNS=10
MARGIN=10
OUT=$CACHE/soak
KERNELS=()

usage()
{
	sed -n '/^# Usage:/,/^# Exit status:/p' "$0" | sed 's/^# \{0,1\}//'
}

parse_options()
{
	while [ $# -gt 0 ]; do
		case "$1" in
		--runs | --out | --margin)
			[ $# -ge 2 ] || usage_error "option '$1' needs a value"
			case "$1" in
			--runs) RUNS=$2 ;;
			--out) OUT=$2 ;;
			--margin) MARGIN=$2 ;;
			esac
			shift 2
			;;
		-h | --help)
			usage
			exit 0
			;;
		-*)
			usage_error "unknown option '$1'"
			;;
		*)
			KERNELS+=("$1")
			shift
			;;
		esac
	done
	[[ $RUNS =~ ^[1-9][0-9]*$ ]] || usage_error "--runs wants a positive integer, not '$RUNS'"
	[[ $MARGIN =~ ^[0-9]+$ ]] || usage_error "--margin wants an integer, not '$MARGIN'"
	[ ${#KERNELS[@]} -gt 0 ] || usage_error "name at least one kernel"
}

# vmtest options that boot kernel @1.
kernel_args()
{
	case "$1" in
	6.12 | 6.1)
		echo "--kernel-version $1"
		;;
	debug)
		# Prints the bzImage; a rebuild of a built tree takes seconds.
		echo "--kernel $("$REPO/scripts/build-kernel.sh" --no-setup)" ||
			return 1
		;;
	*)
		[ -f "$1" ] || { log "no kernel '$1'"; return 1; }
		echo "--kernel $1"
		;;
	esac
}

# The per-case table of a vmtest log, from its records (console_records):
# a case's results (R) and the nominal events of its window lines (W).
# Prints one row per case: name runs pass fail xfail skip min median.
case_table()
{
	console_records "$1" | awk -F'\t' -v margin="$MARGIN" '
	function median(list,    a, n, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n ? a[int((n + 1) / 2)] : "-"
	}
	$1 == "W" && $3 != "" {
		held[$3] = $7
	}
	$1 == "R" {
		c = $4
		status = ($3 == "xpass") ? "pass" : $3
		runs[c]++
		n[c, status]++
		if (c in held) {
			ev[c] = ev[c] " " held[c]
			if (held[c] == "-" || !(c in min) || held[c] + 0 < min[c])
				min[c] = held[c] + 0
			delete held[c]
		}
	}
	END {
		for (c in runs) {
			m = (c in min) ? min[c] : "-"
			verdict = "ok"
			if (n[c, "fail"])
				verdict = "FAILED"
			else if (m != "-" && m < margin)
				verdict = "THIN"
			printf "%-48s %4d %4d %4d %5d %4d %6s %6s  %s\n", c,
				runs[c], n[c, "pass"], n[c, "fail"], n[c, "xfail"],
				n[c, "skip"], m, (c in ev) ? median(ev[c]) : "-",
				verdict
		}
	}' | sort
}

soak_kernel()
{
	local k=$1 args log start rc
	local name=${k##*/}

	args=$(kernel_args "$k") || return 1
	log=$OUT/$name.log
	start=$(date +%s)
	# shellcheck disable=SC2086
	"$REPO/scripts/vmtest.sh" --no-setup $args --soak "$RUNS" \
		--vm-timeout $((RUNS * 600 + 600)) --log "$log" \
		>"$OUT/$name.vmtest" 2>&1
	rc=$?
	{
		echo "soak: kernel $k ($(grep -m1 -o 'VMTEST: boot kernel=[^ ]*' "$log" | cut -d= -f2)), $RUNS runs, $(($(date +%s) - start)) s wall, vmtest exit $rc, host load before: $LOAD"
		printf '%-48s %4s %4s %4s %5s %4s %6s %6s  %s\n' case runs pass \
			fail xfail skip min median verdict
		case_table "$log"
		grep -h '^vmtest: .*known bug' "$OUT/$name.vmtest"
		tail -n 3 "$OUT/$name.vmtest"
	} | tee "$OUT/$name.table"
	[ $rc -eq 0 ] && ! grep -qE ' (FAILED|THIN)$' "$OUT/$name.table"
}

main()
{
	local k bad=0

	parse_options "$@"
	mkdir -p "$OUT" || exit 1
	"$REPO/scripts/setup.sh" >&2 || exit 1
	for k in "${KERNELS[@]}"; do
		LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
		soak_kernel "$k" || bad=1
	done
	[ $bad -eq 0 ] || exit 2
}

main "$@"
