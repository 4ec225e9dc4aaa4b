#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the vmtest initramfs built by scripts/vmtest.sh: mounts the
# pseudo file systems, loads the modules listed in
# /lib/modules/vmtest.order, runs the installed kselftests in /selftests
# as /etc/vmtest.conf says and powers off.  The host parses the
# "VMTEST: ..." lines; keep their format in step with vmtest.sh.

# The applets' links; it leaves alone what exists, such as the GNU
# timeout that the kselftest runner needs.
/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

uptime_s()
{
	cut -d' ' -f1 /proc/uptime
}

mount_filesystems()
{
	mount -t proc none /proc
	mount -t sysfs none /sys
	mount -t devtmpfs none /dev
	exec </dev/null >/dev/console 2>&1
	# udev's links, which devtmpfs lacks: the kselftest runner writes
	# the tests' output to /dev/stdout.
	ln -s /proc/self/fd /dev/fd
	ln -s /proc/self/fd/0 /dev/stdin
	ln -s /proc/self/fd/1 /dev/stdout
	ln -s /proc/self/fd/2 /dev/stderr
	mkdir -p /dev/pts /dev/shm /sys/fs/cgroup
	mount -t devpts none /dev/pts
	mount -t tmpfs none /dev/shm
	mount -t cgroup2 none /sys/fs/cgroup
	mount -t debugfs none /sys/kernel/debug
	mount -t tracefs none /sys/kernel/tracing
}

# insmod in the order depmod gave; a module that fails to load only
# makes the tests that need it SKIP.
load_modules()
{
	while read -r mod; do
		insmod "/lib/modules/$mod" ||
			echo "VMTEST: insmod $mod failed"
	done < /lib/modules/vmtest.order
}

# A kernel warning as the log scan on the host must flag it.
plant_warning()
{
	echo "<4>WARNING: CPU: 0 PID: 1 at vmtest-selftest: planted by vmtest.sh --selftest-vmtest" \
		> /dev/kmsg
}

# A hung task is reported after 60 s instead of the kernel's 120, so that
# the host's watchdog (vmtest.sh, console-watch.sh) can end a hung run
# within a few minutes.  Not shorter: under TCG a task can wait in D state
# on memory offline or the memory hotplug lock for tens of seconds without
# anything being wrong.  Kernels without DETECT_HUNG_TASK lack the file.
set_watchdogs()
{
	if [ -w /proc/sys/kernel/hung_task_timeout_secs ]; then
		echo 60 > /proc/sys/kernel/hung_task_timeout_secs
	fi
	echo "VMTEST: watchdogs hung_task=$(cat /proc/sys/kernel/hung_task_timeout_secs 2>/dev/null) rcu_stall=$(cat /sys/module/rcupdate/parameters/rcu_cpu_stall_timeout 2>/dev/null)"
}

# --selftest-hang: a stall in a test, as the host's watchdog must see it;
# the guest then stops making progress.
plant_stall()
{
	echo "# selftests: vmtest: selftest-hang"
	echo "<3>rcu: INFO: rcu_preempt self-detected stall on CPU (planted by vmtest.sh --selftest-hang)" \
		> /dev/kmsg
	while :; do
		sleep 3600
	done
}

run_selftests()
{
	i=1
	done_rc=0
	export MIGRATION_RACES_SCALE="$VMTEST_SCALE"
	if [ -n "${VMTEST_SECONDS:-}" ]; then
		export MIGRATION_RACES_SECONDS="$VMTEST_SECONDS"
	fi
	cd /selftests || return 1
	while [ "$i" -le "$VMTEST_SOAK" ]; do
		echo "VMTEST: run $i/$VMTEST_SOAK start uptime=$(uptime_s)"
		if [ -f /etc/vmtest.cmd ]; then
			sh /etc/vmtest.cmd
		else
			# shellcheck disable=SC2086 # a word list
			./run_kselftest.sh $VMTEST_RUN_ARGS
		fi
		rc=$?
		echo "VMTEST: run $i/$VMTEST_SOAK end rc=$rc uptime=$(uptime_s)"
		if [ "$rc" -ne 0 ]; then
			done_rc=$rc
		fi
		i=$((i + 1))
	done
	return "$done_rc"
}

mount_filesystems
# shellcheck source=/dev/null # written by vmtest.sh into the initramfs
. /etc/vmtest.conf
set -- /sys/devices/system/node/node[0-9]*
echo "VMTEST: boot kernel=$(uname -r) nodes=$# cpus=$(nproc) uptime=$(uptime_s)"
if [ "$VMTEST_PROBE" -eq 1 ]; then
	echo "VMTEST-PROBE: alive"
	poweroff -f
fi
load_modules
set_watchdogs
if [ "$VMTEST_SELFTEST" -eq 1 ]; then
	plant_warning
fi
if [ "${VMTEST_SELFTEST_HANG:-0}" -eq 1 ]; then
	plant_stall
fi
echo "VMTEST: tainted_before=$(cat /proc/sys/kernel/tainted)"
run_selftests
rc=$?
# The last test's undo guardian restores (swapoff, KSM, memory blocks)
# after the test has exited, and what the kernel reports while it does
# comes after the runner returned: let it reach the console and the
# taint read below before powering off.
sleep 5
echo "VMTEST: tainted=$(cat /proc/sys/kernel/tainted)"
echo "VMTEST: done rc=$rc uptime=$(uptime_s)"
poweroff -f
