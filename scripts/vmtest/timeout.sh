#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /usr/bin/timeout of the vmtest initramfs.  kselftest/runner.sh runs
# "timeout --foreground SECS timeout SECS CMD" and reads GNU's exit code
# 124 as TIMEOUT; busybox's timeout has no --foreground and its command
# simply dies of SIGTERM (143).  Drop the option and map 143 to 124.

if [ "$1" = "--foreground" ]; then
	shift
fi
busybox timeout "$@"
rc=$?
if [ "$rc" -eq 143 ]; then
	rc=124
fi
exit "$rc"
