#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the vmtest guest for scripts/mutants.sh (--guest-cmd): every
# line of /extra/tests is one test program under /selftests with its
# harness options.  Output goes to the console unchanged, except that the
# guest's uptime is stamped before the first TAP failure, so the host can
# tell how long the tests took to catch a mutant that does not oops.

rc=0

stamp_first_failure()
{
	awk '
	/^MUTANTS: rc=/ {
		sub(/^MUTANTS: rc=/, "")
		rc = $0
		next
	}
	/^(# )*not ok / && !stamped++ {
		getline up < "/proc/uptime"
		close("/proc/uptime")
		split(up, u, " ")
		print "VMTEST: first failure uptime=" u[1]
	}
	{
		print
		fflush()
	}
	END { exit rc != 0 }'
}

while read -r cmd; do
	[ -n "$cmd" ] || continue
	# shellcheck disable=SC2086 # a program and its options
	{ $cmd < /dev/null; echo "MUTANTS: rc=$?"; } 2>&1 | stamp_first_failure || rc=1
done < /extra/tests
exit $rc
