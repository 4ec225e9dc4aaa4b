#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The hang watchdog of scripts/vmtest.sh: reads the guest's console on
# stdin as it streams and, when the kernel reports a hang (RCU stall, hung
# task, soft or hard lockup, as lib/kernel_problems.h names them) or a
# case overran its time (the harness's "finding: ... kind=case_timeout",
# after which it kills the case's processes and goes on at once) and no
# test makes progress (no TAP result, no VMTEST marker) for --grace
# seconds after it, writes what hung and in which test to --report and
# stops QEMU (SIGTERM to the pid in --pidfile), so that a hung guest ends
# the run in a minute instead of at --vm-timeout.  Reads its input to the
# end in any case, so that the tee feeding it never sees a closed pipe.
#
# Usage: console-watch.sh --grace S --report FILE [--pidfile FILE]
#        [--problems lib/kernel_problems.h] < console
#
# The report is one line: kind<TAB>test<TAB>seconds<TAB>kernel message.

set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL="console-watch"
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"
opt_grace=60
opt_report=
opt_pidfile=
opt_problems=$KERNEL_PROBLEMS

while [ $# -gt 0 ]; do
	if [ "$1" = -h ] || [ "$1" = --help ]; then
		sed -n '/^# Usage:/,/^# The report/p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
	fi
	[ $# -ge 2 ] || usage_error "option '$1' needs a value"
	case "$1" in
	--grace)
		[[ $2 =~ ^[0-9]+$ ]] || usage_error "--grace wants seconds"
		opt_grace=$2
		;;
	--report)
		opt_report=$2
		;;
	--pidfile)
		opt_pidfile=$2
		;;
	--problems)
		opt_problems=$2
		;;
	*)
		usage_error "unknown option '$1'"
		;;
	esac
	shift 2
done
[ -n "$opt_report" ] || usage_error "--report is required"
[ -r "$opt_problems" ] || usage_error "cannot read $opt_problems"

# One event a console line that matters, at once (fflush), tab-separated:
#   H kind message   the kernel reported a hang, or a case overran
#   P                a test made progress: a TAP result or VMTEST marker
#   R test           a test program or harness case began
events()
{
	local interactive=()

	# mawk reads its input in blocks and would hold a report back until
	# more console came: make it read line by line.
	if awk -W version 2>&1 | grep -q mawk; then
		interactive=(-W interactive)
	fi
	awk "${interactive[@]}" -v kp_file="$opt_problems" \
		"$(cat "$SCRIPT_DIR/kernel-problems.awk")"'
	function emit(s) {
		print s
		fflush()
	}
	{
		sub(/\r$/, "")
	}
	match($0, /\[ *[0-9]+\.[0-9]+\] /) {
		msg = substr($0, RSTART + RLENGTH)
		kind = kp_kind(msg)
		if (kp_is_hang(kind)) {
			gsub(/\t/, " ", msg)
			emit("H\t" kind "\t" msg)
		}
		next
	}
	/^# selftests: [^ ]+: [^ ]+$/ {
		program = substr($0, 14)
		sub(/: /, ":", program)
		emit("R\t" program)
		next
	}
	/^(# )*#  RUN +[^ ]+ \.\.\.$/ {
		name = $0
		sub(/^(# )*#  RUN +/, "", name)
		sub(/ \.\.\.$/, "", name)
		emit("R\t" (program != "" ? program " " : "") name)
		next
	}
	/^(# )*# finding: .*kind=case_timeout/ {
		msg = $0
		sub(/^(# )*# /, "", msg)
		emit("H\tcase_timeout\t" msg)
		next
	}
	/^(# )*(not )?ok [0-9]+ |^VMTEST: / {
		emit("P")
	}'
}

# SIGTERM lets QEMU exit at once; the pid is QEMU's own (-pidfile).
stop_qemu()
{
	local pid

	[ -n "$opt_pidfile" ] && [ -s "$opt_pidfile" ] || return 0
	pid=$(cat "$opt_pidfile")
	[[ $pid =~ ^[0-9]+$ ]] && kill -TERM "$pid" 2>/dev/null
}

watch()
{
	local tag a b rc since='' kind='' msg='' running=''

	while :; do
		if IFS=$'\t' read -r -t 1 tag a b; then
			case "$tag" in
			H)
				# The first report of a hang starts the clock;
				# repeats of it do not.
				[ -n "$since" ] || { since=$SECONDS; kind=$a; msg=$b; }
				;;
			P)
				since=
				;;
			R)
				running=$a
				since=
				;;
			esac
		else
			rc=$?
			[ "$rc" -gt 128 ] || return 0	# end of the console
		fi
		if [ -n "$since" ] && [ $((SECONDS - since)) -ge "$opt_grace" ]; then
			printf '%s\t%s\t%s\t%s\n' "$kind" "${running:-?}" \
				"$((SECONDS - since))" "$msg" > "$opt_report"
			echo "vmtest: $kind and no progress for $((SECONDS - since)) s in ${running:-?}: stopping the guest" >&2
			stop_qemu
			cat > /dev/null
			return 0
		fi
	done
}

events | watch
# The rest of the console, if the awk stage ended first.
cat > /dev/null
