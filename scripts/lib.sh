# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# What the scripts in scripts/ share; each sources it first:
#
#	SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
#	. "$SCRIPT_DIR/lib.sh"
#
# Logging and usage errors, the cache paths, the suite's static build
# and the one console parser that vmtest.sh, bench.sh, mutants.sh,
# soak.sh and check.sh read.  POSIX sh: killtest.sh sources it in the VM.

REPO_DIR=${SCRIPT_DIR%/*}
CACHE=${MIGRATION_RACES_CACHE:-$HOME/.cache/migration_races}
# shellcheck disable=SC2034 # for the scripts that source this file
KSRC=$CACHE/ksrc
# The kernel-problem patterns shared with lib/verdict.c, and their awk.
KERNEL_PROBLEMS=$REPO_DIR/lib/kernel_problems.h
KERNEL_PROBLEMS_AWK=$SCRIPT_DIR/kernel-problems.awk
EXIT_USAGE=1

# "tool: message" on stderr; the tool is the script's name.
log()
{
	echo "${TOOL:-${0##*/}}: $*" >&2
}

# A set-up error: status 1.
die()
{
	log "$*"
	exit "$EXIT_USAGE"
}

# Bad input: status 1, and where to read how it is done.
usage_error()
{
	echo "$0: $*" >&2
	echo "Try '$0 --help'." >&2
	exit "$EXIT_USAGE"
}

# A static kselftest install of the suite (the VM has no C library) in
# $1/install, objects in $1/build: the work tree stays clean.  Sets
# SUITE_INSTALL.
build_suite()
{
	SUITE_INSTALL=$1/install
	[ -f "$REPO_DIR/Makefile" ] ||
		die "no $REPO_DIR/Makefile to build the suite"
	log "building the suite (static) into $SUITE_INSTALL"
	rm -rf "$SUITE_INSTALL"
	make -s -C "$REPO_DIR" OUTPUT="$1/build" install \
		INSTALL_PATH="$SUITE_INSTALL" USERLDFLAGS=-static >&2 ||
		die "building the suite failed"
}

# Turns a console log into tab-separated records, in console order; the
# tests' lines are matched by their machine-readable forms only (TAP
# results, the window line, "# finding:" lines), never by prose:
#   M key value          a VMTEST marker: first_test_uptime,
#                        tainted_before, tainted, done_rc,
#                        first_failure_uptime
#   G tag text           a guest script's own line: "BENCH: text" (tag
#                        BENCH) or "peer| text" (tag peer)
#   P run program        run_kselftest began COLLECTION:PROGRAM
#   C run case           a harness case began (fixture.variant.test)
#   T run status name    a top-level TAP result (pass|fail|skip): a
#                        program of run_kselftest, or a case of a
#                        program run directly
#   R run status case    a harness case's result at any nesting
#                        (pass|fail|skip|xfail|xpass)
#   W run case race trigger events nominal_events seconds    a window
#                        line
#   F run case kind race trigger source    a "# finding:" line: of a
#                        test (source test) or of the kernel's verdict
#                        (source kmsg or taint, race and trigger "-")
#   K kind seconds message   a kernel problem report on the console, its
#                        kind from lib/kernel_problems.h, its printk
#                        stamp ("" when it has none)
#   k what seconds message   what a report's reader may want besides:
#                        "cut_here" (a report began) and "rip"
#   B run text           a "# known bug:" line of lib/known_bugs.c
#   U run name           the program or case running when the log
#                        ended: the guest died in it
# run is the soak run ("VMTEST: run N/M"), 0 before the first.  A printk
# can land in the middle of a line the tests write; its text starts at
# a "[ seconds]" stamp and ends the line, and the rest of the user's line
# follows on the next one: the pieces are glued back together.
console_records()
{
	tr -d '\r' < "$1" | awk -v OFS='\t' -v kp_file="$KERNEL_PROBLEMS" \
		"$(cat "$KERNEL_PROBLEMS_AWK")"'
	function kv(line, key,    s) {
		s = " " line
		if (!match(s, " " key "=[^ ]*"))
			return ""
		return substr(s, RSTART + length(key) + 2, RLENGTH - length(key) - 2)
	}
	function kernel_line(msg, t,    kind) {
		kind = kp_kind(msg)
		if (kind != "")
			print "K", kind, t, msg
		else if (msg ~ /^-+\[ cut here \]-+$/)
			print "k", "cut_here", t, msg
		else if (msg ~ /RIP: [0-9a-f]+:/)
			print "k", "rip", t, msg
	}
	function marker(line,    w) {
		sub(/^VMTEST: /, "", line)
		if (line ~ /^run [0-9]+\/[0-9]+ start /) {
			split(line, w, /[ \/=]/)
			run = w[2]
			if (run == 1)
				print "M", "first_test_uptime", w[6]
		} else if (line ~ /^tainted(_before)?=/) {
			split(line, w, /=/)
			print "M", w[1], w[2]
		} else if (line ~ /^done rc=/) {
			print "M", "done_rc", kv(line, "rc")
		} else if (line ~ /^first failure uptime=/) {
			print "M", "first_failure_uptime", kv(line, "uptime")
		}
	}
	function tap(line,    depth, name, status) {
		for (depth = 0; sub(/^# /, "", line); depth++)
			;
		status = (line ~ /^not ok/) ? "fail" : "pass"
		if (status == "pass" && line ~ / # SKIP/)
			status = "skip"
		name = line
		sub(/^(not )?ok [0-9]+ (selftests: )?/, "", name)
		sub(/ # .*$/, "", name)
		if (depth == 0) {
			sub(/: /, ":", name)
			print "T", run, status, name
			running = ""
		}
		if (name !~ /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$/)
			return
		if (line ~ / # XFAIL/)
			status = "xfail"
		else if (line ~ / # XPASS/)
			status = "xpass"
		print "R", run, status, name
	}
	function finding(line,    race, trigger, source) {
		sub(/^(# )+finding: /, "", line)
		race = kv(line, "race")
		trigger = kv(line, "trigger")
		source = kv(line, "source")
		print "F", run, kase, kv(line, "kind"), (race == "" ? "-" : race),
			(trigger == "" ? "-" : trigger), (source == "" ? "test" : source)
	}
	function window(line,    n) {
		sub(/^(# )+window: /, "", line)
		n = kv(line, "nominal_events")
		print "W", run, kase, kv(line, "race"), kv(line, "trigger"),
			kv(line, "events") + 0, (n == "" ? "-" : n),
			(kv(line, "seconds") == "" ? "-" : kv(line, "seconds"))
	}
	function user_line(line,    p) {
		if (line ~ /^VMTEST: /) {
			marker(line)
		} else if ((p = index(line, "BENCH: "))) {
			print "G", "BENCH", substr(line, p + 7)
		} else if (line ~ /^peer\| /) {
			print "G", "peer", substr(line, 7)
		} else if (line ~ /^(# )*(not )?ok [0-9]+ /) {
			tap(line)
		} else if (line ~ /^(# )*#  RUN +[^ ]+ \.\.\.$/) {
			kase = line
			sub(/^(# )*#  RUN +/, "", kase)
			sub(/ \.\.\.$/, "", kase)
			print "C", run, kase
			if (line ~ /^#  RUN/)	# a program run directly
				running = kase
		} else if (line ~ /^(# )+window: race=/) {
			window(line)
		} else if (line ~ /^(# )+finding: /) {
			finding(line)
		} else if (line ~ /^(# )+known bug: /) {
			sub(/^(# )+known bug: /, "", line)
			print "B", run, line
		} else if (line ~ /^# selftests: [^ ]+: [^ ]+$/) {
			running = substr(line, 14)
			sub(/: /, ":", running)
			print "P", run, running
		} else if (line !~ /^#/) {
			# A printk without a stamp; the tests write "#" lines.
			kernel_line(line, "")
		}
	}
	BEGIN { run = 0 }
	{
		if (match($0, /\[ *[0-9]+\.[0-9]+\] /)) {
			pending = pending substr($0, 1, RSTART - 1)
			t = substr($0, RSTART + 1, RLENGTH - 3)
			sub(/^ +/, "", t)
			kernel_line(substr($0, RSTART + RLENGTH), t)
			next
		}
		user_line(pending $0)
		pending = ""
	}
	END {
		if (running != "")
			print "U", run, running
	}'
}
