#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the migration_races selftests in a small NUMA VM that boots a real
# Debian distro kernel (or a given bzImage) under QEMU, the way
# tools/testing/selftests/bpf/vmtest.sh does for bpf: fetch the kernel,
# build an initramfs (busybox, the modules the races need, the kernel's
# config and a kselftest install of this suite), boot, stream the console,
# then judge the console: TAP results, kernel warnings, taint, panics.
# Distro kernels are what users run; a race that only a debug kernel
# shows is a different finding.

set -eEuo pipefail
# A failing step is a set-up error, whatever its own exit status.
trap 'exit 1' ERR

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL=vmtest
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"
VMTEST_DIR=$SCRIPT_DIR/vmtest
QEMU=${QEMU:-qemu-system-x86_64}
BUSYBOX=/bin/busybox
# zram for the swap the tests set up themselves, hwpoison-inject for
# debugfs hwpoison/, pvpanic-mmio so that a panic makes QEMU exit 1.
GUEST_MODULES="zram hwpoison_inject pvpanic_mmio"
# hugepages=32: fork_cow's hugetlb case needs pages to fork and migrate.
# rcu_cpu_stall_timeout=21: Debian's default, stated so that every kernel
# (mutants' tinyconfig ones too) reports a stall after the same time; the
# runs measured under TCG on a busy 2-core host showed no false stall
# with it, and a shorter one would report a vCPU thread the host did not
# schedule for a few seconds.  The hung-task timeout is set in /init.
CMDLINE="console=ttyS0 panic=-1 oops=panic loglevel=7 memhp_default_state=online_movable hugepages=32 rcupdate.rcu_cpu_stall_timeout=21"
# Seconds a hang report (RCU stall, hung task, lockup) may stand with no
# TAP result after it before the run is ended: the report alone already
# fails the run (exit 3), so waiting only lets a stall the busy host
# caused under TCG end with the case's result; a case of the default
# run takes seconds in the VM (55 cases in 173 s), so a minute without
# any result is a guest that no longer makes progress.
HANG_GRACE=60
PROBE_TIMEOUT=20

# Exit codes, the worst over all kernels wins.
EXIT_PASS=0
EXIT_TESTS=2
EXIT_KERNEL=3
EXIT_HUNG=4

opt_kernels=6.12
opt_kernel=
opt_modules=
opt_config=
opt_install=
opt_nodes=2
# 1 GiB a node: room for fork_cow's hundreds of sleeping children.
opt_mem=1024
opt_hotplug=512
opt_accel=auto
opt_scale=1
opt_seconds=
opt_soak=1
opt_timeout_override=
opt_vm_timeout=1800
opt_log=
opt_append=
opt_selftest=0
opt_selftest_hang=0
opt_require_windows=0
opt_dry_run=0
opt_setup=1
opt_guest_cmd=
opt_extra=
run_args=()

usage()
{
	cat <<EOF
Usage: $0 [OPTIONS]

Boot a small NUMA VM (QEMU, q35, one CPU and one memory node per socket,
plus a hot-plugged movable DIMM on the last node) with a Debian distro
kernel, run the migration_races kselftests in it with run_kselftest.sh,
and judge the console. Kernels are downloaded with "apt-get download" and
unpacked under \$MIGRATION_RACES_CACHE/kernels/<package version>/; nothing
is installed on the host. scripts/setup.sh runs first (--no-setup skips it).

Kernel:
  --kernel-version V    Debian kernel series: 6.12 (default) or 6.1; the
                        newest linux-image-V.*-amd64-unsigned is used.
  --kernels "V ..."     run several series in sequence, e.g. "6.12 6.1".
  --kernel PATH         boot this bzImage instead of a Debian kernel.
  --modules DIR         with --kernel: its lib/modules/<kver> tree, for
                        zram, hwpoison-inject and pvpanic when they are
                        modules (depmod is run if modules.dep is missing).
  --config FILE         with --kernel: its .config, shipped in the VM as
                        /boot/config-<kver> (default: the .config three
                        levels above PATH, as in a kernel build tree).

Suite:
  --install-dir DIR     a kselftest install of this suite, as made by
                        "make install INSTALL_PATH=DIR" with static
                        binaries (the VM has no libc). Without it the
                        suite is built with "make OUTPUT=\$CACHE/build
                        install INSTALL_PATH=\$CACHE/install
                        USERLDFLAGS=-static". In the VM it sits in
                        /selftests and runs from /init as root.
  -t COLLECTION:TEST    run only this test (repeatable), e.g.
                        -t migration_races/migration:fork_cow;
                        passed to run_kselftest.sh as -t.
  -c COLLECTION         run only this collection (repeatable), e.g.
                        -c migration_races/ksm; run_kselftest.sh -c.
  --timeout-override S  per-test timeout in seconds for every test,
                        instead of the settings files (run_kselftest.sh -o).
  --guest-cmd "CMD"     run CMD with sh in /selftests instead of
                        run_kselftest.sh, e.g. one program with harness
                        options: "migration_races/migration/fork_cow -r
                        fork_cow.move_pages.base_pages"; its TAP lines
                        are judged the same way. Excludes -t, -c and
                        --timeout-override.
  --extra-dir DIR       copy DIR into the guest as /extra (tools, peers,
                        a script for --guest-cmd).
  --scale X             exported as MIGRATION_RACES_SCALE (default 1):
                        the tests multiply their default duration by it.
  --seconds S           exported as MIGRATION_RACES_SECONDS: each race
                        case runs S seconds (1 to 300), whatever --scale.
  --soak N              run the selection N times in one boot (default
                        1) and print per-test pass/fail/skip counts and
                        the flaky tests (passed and failed).

VM:
  --nodes N             NUMA nodes, one CPU each (default 2, 1 to 16).
  --mem-per-node MB     boot memory per node (default 1024).
  --hotplug-mem MB      size of the pc-dimm hot-plugged, online_movable,
                        on the last node (default 512, multiple of 128;
                        0 for none).
  --accel MODE          tcg, kvm or auto (default): auto boots the kernel
                        once with KVM for ${PROBE_TIMEOUT} s and falls back to TCG if it
                        does not come up; the result is cached per kernel
                        until the host reboots.
  --append "ARGS"       extra kernel command line arguments.
  --vm-timeout S        kill QEMU and report "guest hung" after S seconds
                        (default 1800).

Output:
  --require-windows     fail unless the tests printed window lines
                        ("window: race=R trigger=T events=N ...") and
                        every race named in them reached its window
                        (events > 0) at least once; without it the
                        window table is only printed.
  --log FILE            also write the console of every kernel to FILE
                        (each kernel's own log stays in the cache).
  --no-setup            do not run scripts/setup.sh first (it is
                        idempotent and quick once done).
  --dry-run             print the QEMU command for each kernel and exit;
                        downloads and builds nothing.
  --selftest-vmtest     check the checker: /init writes a line
                        "WARNING: CPU: 0 PID: 1 at vmtest-selftest" to
                        /dev/kmsg before the tests run, and the log scan
                        must flag it, so this run must exit 3 (1 if
                        the line went unnoticed). Add -t to keep it short.
  --selftest-hang       check the hang watchdog: /init prints a running
                        test "vmtest: selftest-hang", writes "rcu: INFO:
                        rcu_preempt self-detected stall on CPU" to
                        /dev/kmsg and sleeps; the console watcher must end
                        the run ${HANG_GRACE} s later naming that test, so
                        this run must exit 3 (1 if it did not; add
                        --vm-timeout 300 not to wait 30 minutes then).
  -h, --help            this text.

A kernel's run fails when the console shows a TAP "not ok" line (a
"# SKIP" is not a failure), a kernel Oops, BUG:, WARNING:, panic,
general protection fault, RCU stall, soft or hard lockup, hung task
("blocked for more than"), "Bad page" or other report of
lib/kernel_problems.h, when new taint bits appear, when QEMU exits
non-zero (pvpanic), when no test result or no "VMTEST: done" marker
shows up, or when the guest outlives --vm-timeout.  A hang report (RCU
stall, hung task, lockup), or a case that overran its time (its
"finding: ... kind=case_timeout"), followed by ${HANG_GRACE} s without a test
result ends the run at once, naming the test that was running.
A test the guest died or hung in counts as failed. A case that a known
kernel bug declared for this kernel in lib/known_bugs.c settled is no
failure: XFAIL (the bug showed; its "# known bug:" lines are printed as
"vmtest: <kver>: known bug: ...") or XPASS (it did not; printed as
"vmtest: <kver>: XPASS: <case>"), counted apart. Each kernel ends with
  vmtest: <kver>: tests N passed, N failed, N skipped[, N xfail, N xpass][ (<what>)];
    kernel: clean|<what>; verdict: PASS|FAIL
(on one line) and the whole run with the results over all kernels and
soak runs:
  N passed, N failed, N skipped[, N xfail, N xpass]
The console of the last run of each kernel stays in
\$MIGRATION_RACES_CACHE/vmtest/<kver>/console.log.

Exit status: 0 all passed, 1 usage or set-up error, 2 tests failed,
3 the kernel reported a problem (warning, oops, taint, panic), 4 the
guest hung or died before finishing.

Environment:
  MIGRATION_RACES_CACHE cache directory (default ~/.cache/migration_races)
  QEMU                  QEMU binary (default qemu-system-x86_64)
EOF
}

is_uint()
{
	[[ $1 =~ ^[0-9]+$ ]]
}

check_range()
{
	local opt=$1 val=$2 min=$3 max=$4

	if ! is_uint "$val" || [ "$val" -lt "$min" ] || [ "$val" -gt "$max" ]; then
		usage_error "$opt wants an integer from $min to $max, not '$val'"
	fi
}

check_series()
{
	case "$1" in
	6.12 | 6.1)
		;;
	*)
		usage_error "unsupported kernel series '$1' (6.12 or 6.1)"
		;;
	esac
}

parse_options()
{
	local series_given=0
	local v s

	while [ $# -gt 0 ]; do
		case "$1" in
		-h | --help)
			usage
			exit 0
			;;
		--selftest-vmtest)
			opt_selftest=1
			shift
			continue
			;;
		--selftest-hang)
			opt_selftest_hang=1
			shift
			continue
			;;
		--no-setup)
			opt_setup=0
			shift
			continue
			;;
		--dry-run)
			opt_dry_run=1
			shift
			continue
			;;
		--require-windows)
			opt_require_windows=1
			shift
			continue
			;;
		--kernel-version | --kernels | --kernel | --modules | --config | \
		--install-dir | --nodes | --mem-per-node | --hotplug-mem | \
		--accel | --scale | --seconds | --soak | --timeout-override | \
		--vm-timeout | -t | -c | --log | --append | --guest-cmd | \
		--extra-dir)
			[ $# -ge 2 ] || usage_error "option '$1' needs a value"
			;;
		*)
			usage_error "unknown option '$1'"
			;;
		esac
		v=$2
		case "$1" in
		--kernel-version)
			check_series "$v"
			opt_kernels=$v
			series_given=1
			;;
		--kernels)
			[ -n "${v// /}" ] || usage_error "--kernels wants a list"
			for s in $v; do
				check_series "$s"
			done
			opt_kernels=$v
			series_given=1
			;;
		--kernel)
			[ -f "$v" ] || usage_error "no kernel image '$v'"
			opt_kernel=$v
			;;
		--modules)
			[ -d "$v" ] || usage_error "no modules directory '$v'"
			opt_modules=$v
			;;
		--config)
			[ -f "$v" ] || usage_error "no config file '$v'"
			opt_config=$v
			;;
		--install-dir)
			[ -d "$v" ] || usage_error "no install directory '$v'"
			opt_install=$v
			;;
		--nodes)
			check_range "$1" "$v" 1 16
			opt_nodes=$v
			;;
		--mem-per-node)
			check_range "$1" "$v" 128 65536
			opt_mem=$v
			;;
		--hotplug-mem)
			check_range "$1" "$v" 0 65536
			[ $((v % 128)) -eq 0 ] ||
				usage_error "--hotplug-mem wants a multiple of 128"
			opt_hotplug=$v
			;;
		--accel)
			[[ $v =~ ^(tcg|kvm|auto)$ ]] ||
				usage_error "--accel wants tcg, kvm or auto"
			opt_accel=$v
			;;
		--scale)
			if ! [[ $v =~ ^[0-9]+(\.[0-9]+)?$ && $v =~ [1-9] ]]; then
				usage_error "--scale wants a positive number"
			fi
			opt_scale=$v
			;;
		--seconds)
			check_range "$1" "$v" 1 300
			opt_seconds=$v
			;;
		--soak)
			check_range "$1" "$v" 1 100000
			opt_soak=$v
			;;
		--timeout-override)
			check_range "$1" "$v" 1 86400
			opt_timeout_override=$v
			;;
		--vm-timeout)
			check_range "$1" "$v" 1 604800
			opt_vm_timeout=$v
			;;
		-t)
			[[ $v =~ ^[A-Za-z0-9_./-]+:[A-Za-z0-9_.-]+$ ]] ||
				usage_error "-t wants COLLECTION:TEST"
			run_args+=(-t "$v")
			;;
		-c)
			[[ $v =~ ^[A-Za-z0-9_./-]+$ ]] ||
				usage_error "-c wants a COLLECTION"
			run_args+=(-c "$v")
			;;
		--log)
			opt_log=$v
			;;
		--guest-cmd)
			[ -n "${v// /}" ] || usage_error "--guest-cmd wants a command"
			opt_guest_cmd=$v
			;;
		--extra-dir)
			[ -d "$v" ] || usage_error "no directory '$v'"
			opt_extra=$(realpath "$v")
			;;
		--append)
			opt_append=$v
			;;
		esac
		shift 2
	done
	if [ -n "$opt_kernel" ] && [ "$series_given" -eq 1 ]; then
		usage_error "--kernel excludes --kernel-version and --kernels"
	fi
	if [ -z "$opt_kernel" ] && [ -n "$opt_modules$opt_config" ]; then
		usage_error "--modules and --config go with --kernel"
	fi
	if [ -n "$opt_timeout_override" ]; then
		run_args+=(-o "$opt_timeout_override")
	fi
	if [ -n "$opt_guest_cmd" ] && [ ${#run_args[@]} -gt 0 ]; then
		usage_error "--guest-cmd excludes -t, -c and --timeout-override"
	fi
}

check_host_tools()
{
	local tool missing=()

	for tool in "$QEMU" cpio gzip depmod modprobe dpkg-deb apt-get \
		    apt-cache xz zstd timeout ldd; do
		command -v "$tool" >/dev/null || missing+=("$tool")
	done
	[ -x "$BUSYBOX" ] || missing+=("$BUSYBOX (busybox-static)")
	[ ${#missing[@]} -eq 0 ] ||
		die "missing ${missing[*]}: run scripts/setup.sh"
}

# Sets PKG and PKG_VERSION to the newest linux-image package of a series
# that apt can fetch.
debian_kernel_package()
{
	local series=$1 pattern pkgs

	case "$series" in
	6.12)
		pattern='^linux-image-6\.12\.[0-9]+\+deb[0-9]+-amd64-unsigned$'
		;;
	6.1)
		pattern='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$'
		;;
	esac
	pkgs=$(apt-cache pkgnames "linux-image-$series." | grep -E "$pattern" || true)
	if [ -z "$pkgs" ]; then
		log "no $series kernel in the apt lists: apt-get update"
		apt-get update -q -o DPkg::Lock::Timeout=600 >&2
		pkgs=$(apt-cache pkgnames "linux-image-$series." | grep -E "$pattern" || true)
	fi
	for PKG in $(echo "$pkgs" | sort -rV); do
		PKG_VERSION=$(apt-cache policy "$PKG" | awk '/Candidate:/ { print $2 }')
		[ -z "$PKG_VERSION" ] || [ "$PKG_VERSION" = "(none)" ] || return 0
	done
	die "no installable $series kernel package ($pattern)"
}

# Downloads and unpacks a package into $2 unless a complete copy is there.
unpack_kernel_package()
{
	local pkg=$1 dir=$2 debs=$CACHE/debs deb
	local apt_opts=(-q)

	[ -f "$dir/.unpacked" ] && return 0
	# As root apt drops to _apt, which cannot write into the cache.
	[ "$EUID" -ne 0 ] || apt_opts+=(-o APT::Sandbox::User=root)
	mkdir -p "$debs"
	rm -f "$debs/${pkg}"_*.deb
	log "downloading $pkg"
	if ! (cd "$debs" && apt-get download "${apt_opts[@]}" "$pkg" >&2); then
		log "download failed: apt-get update and retry"
		apt-get update -q -o DPkg::Lock::Timeout=600 >&2
		(cd "$debs" && apt-get download "${apt_opts[@]}" "$pkg" >&2) ||
			die "cannot download $pkg"
	fi
	deb=$(ls "$debs/${pkg}"_*.deb)
	log "unpacking $deb into $dir"
	rm -rf "$dir"
	mkdir -p "$dir"
	dpkg-deb -x "$deb" "$dir"
	rm -f "$deb"
	touch "$dir/.unpacked"
}

# Sets the K_* description of the kernel to boot from a Debian series.
use_debian_kernel()
{
	local series=$1 dir

	debian_kernel_package "$series"
	dir=$CACHE/kernels/${PKG_VERSION//:/_}
	K_KVER=${PKG#linux-image-}
	K_KVER=${K_KVER%-unsigned}
	K_DESC="$PKG $PKG_VERSION"
	K_IMAGE=$dir/boot/vmlinuz-$K_KVER
	K_CONFIG=$dir/boot/config-$K_KVER
	K_MODROOT=$dir
	[ "$opt_dry_run" -eq 1 ] && return 0
	unpack_kernel_package "$PKG" "$dir"
	[ -f "$dir/lib/modules/$K_KVER/modules.dep" ] ||
		depmod -b "$dir" "$K_KVER"
}

# The release string of a bzImage, from its setup header.
bzimage_version()
{
	local off

	[ "$(dd if="$1" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ] ||
		return 1
	off=$(od -An -t u2 -j 526 -N 2 "$1" | tr -d ' ')
	dd if="$1" bs=1 skip=$((off + 512)) count=256 2>/dev/null |
		tr '\0' '\n' | head -n1 | cut -d' ' -f1
}

# Sets the K_* description from --kernel, --modules and --config.
use_custom_kernel()
{
	local build

	K_IMAGE=$(realpath "$opt_kernel")
	K_KVER=$(bzimage_version "$K_IMAGE") ||
		die "$opt_kernel is not a bzImage"
	K_DESC=$K_IMAGE
	K_CONFIG=
	if [ -n "$opt_config" ]; then
		K_CONFIG=$(realpath "$opt_config")
	else
		build=$(dirname "$K_IMAGE")/../../..
		[ -f "$build/.config" ] && K_CONFIG=$(realpath "$build/.config")
	fi
	[ -n "$K_CONFIG" ] ||
		log "warning: no config for $K_KVER, tests reading it will SKIP"
	K_MODROOT=
	[ -n "$opt_modules" ] || return 0
	[ "$(basename "$(realpath "$opt_modules")")" = "$K_KVER" ] ||
		log "warning: $opt_modules is not named $K_KVER"
	K_MODROOT=$WORK/modroot
	mkdir -p "$K_MODROOT/lib/modules"
	ln -sfn "$(realpath "$opt_modules")" "$K_MODROOT/lib/modules/$K_KVER"
	[ "$opt_dry_run" -eq 1 ] && return 0
	[ -f "$opt_modules/modules.dep" ] || depmod -b "$K_MODROOT" "$K_KVER"
}

# The VM has no C library: a dynamically linked test could not start.
check_install_dir()
{
	local dir=$1 f

	for f in run_kselftest.sh kselftest/runner.sh kselftest-list.txt; do
		[ -f "$dir/$f" ] || die "$dir/$f missing: not a kselftest install"
	done
	command -v readelf >/dev/null || return 0
	find "$dir" -type f -perm -u+x | while read -r f; do
		if readelf -l "$f" 2>/dev/null | grep -q 'program interpreter'; then
			log "warning: $f is dynamically linked and cannot run in the VM"
		fi
	done
}

# Prints the insmod order of $GUEST_MODULES and their dependencies.
guest_module_files()
{
	local modroot=$1 kver=$2 mod

	for mod in $GUEST_MODULES; do
		modprobe -d "$modroot" -S "$kver" --show-depends "$mod" 2>/dev/null ||
			log "warning: no module $mod in $kver"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

install_modules()
{
	local root=$1 f name

	mkdir -p "$root/lib/modules/$K_KVER"
	: > "$root/lib/modules/vmtest.order"
	[ -n "$K_MODROOT" ] || return 0
	guest_module_files "$K_MODROOT" "$K_KVER" | while read -r f; do
		name=$(basename "$f")
		name=${name%.xz}
		name=${name%.zst}
		case "$f" in
		*.xz)
			xz -dc "$f" > "$root/lib/modules/$K_KVER/$name"
			;;
		*.zst)
			zstd -qdc "$f" > "$root/lib/modules/$K_KVER/$name"
			;;
		*)
			cp "$f" "$root/lib/modules/$K_KVER/$name"
			;;
		esac
		echo "$K_KVER/$name" >> "$root/lib/modules/vmtest.order"
	done
}

# /bin/sh for /init, which runs "busybox --install -s" for the rest.
install_busybox()
{
	local root=$1

	mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin"
	cp "$BUSYBOX" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
}

# The kselftest runner needs GNU timeout: busybox's has no --foreground,
# exits 143 instead of 124 and kills only the test's first process, so
# a test's children would keep its output pipe open.  Take the host's
# with the libraries it links.
install_gnu_timeout()
{
	local root=$1 bin lib

	bin=$(command -v timeout)
	rm -f "$root/usr/bin/timeout"
	cp "$bin" "$root/usr/bin/timeout"
	for lib in $(ldd "$bin" | awk '$2 == "=>" { print $3 } $1 ~ /^\// { print $1 }'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

pack_cpio()
{
	local dir=$1 out=$2

	(cd "$dir" && find . -print0 |
		cpio --null -o -H newc --owner=0:0 --quiet) | gzip -6 > "$out.tmp"
	mv "$out.tmp" "$out"
}

# busybox, /init, the modules and the config: everything but the suite.
# Rebuilt when it came from other files (a --kernel of the same release)
# or when this script, its helpers or those files changed since.
build_base_initramfs()
{
	local out=$1 root=$WORK/base-$K_KVER key moddir=

	[ -z "$K_MODROOT" ] || moddir=$(realpath "$K_MODROOT/lib/modules/$K_KVER")
	# The contents of /init too: worktrees share the cache, and a file
	# older than the cached base may still differ from the one in it.
	key="config=$K_CONFIG modules=$moddir load=$GUEST_MODULES init=$(cksum < "$VMTEST_DIR/init.sh")"
	if [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ] &&
	   [ -z "$(find "${BASH_SOURCE[0]}" "$VMTEST_DIR" ${K_CONFIG:+"$K_CONFIG"} \
			${moddir:+"$moddir/modules.dep"} -newer "$out" -print -quit)" ]; then
		return 0
	fi
	log "building the base initramfs for $K_KVER"
	rm -rf "$root"
	mkdir -p "$root"/{proc,sys,dev,tmp,run,root,etc,boot}
	install_busybox "$root"
	install_gnu_timeout "$root"
	install -m 0755 "$VMTEST_DIR/init.sh" "$root/init"
	[ -z "$K_CONFIG" ] || cp "$K_CONFIG" "$root/boot/config-$K_KVER"
	install_modules "$root"
	pack_cpio "$root" "$out"
	echo "$key" > "$out.key"
	rm -rf "$root"
}

write_guest_conf()
{
	local file=$1 probe=$2

	mkdir -p "$(dirname "$file")"
	cat > "$file" <<EOF
VMTEST_PROBE=$probe
VMTEST_SELFTEST=$opt_selftest
VMTEST_SELFTEST_HANG=$opt_selftest_hang
VMTEST_SCALE=$opt_scale
VMTEST_SECONDS=$opt_seconds
VMTEST_SOAK=$opt_soak
VMTEST_RUN_ARGS="${run_args[*]}"
EOF
	# A file rather than a variable: no quoting between two shells.
	[ -z "$opt_guest_cmd" ] ||
		printf '%s\n' "$opt_guest_cmd" > "$(dirname "$file")/vmtest.cmd"
}

# The suite and the run's settings, appended to every kernel's base.
build_run_initramfs()
{
	local out=$1 root=$WORK/run

	mkdir -p "$root"
	write_guest_conf "$root/etc/vmtest.conf" 0
	cp -a "$opt_install" "$root/selftests"
	[ -z "$opt_extra" ] || cp -a "$opt_extra" "$root/extra"
	pack_cpio "$root" "$out"
	rm -rf "$root"
}

build_probe_initramfs()
{
	local out=$1 root=$WORK/probe

	mkdir -p "$root"
	write_guest_conf "$root/etc/vmtest.conf" 1
	pack_cpio "$root" "$out"
	rm -rf "$root"
}

# Fills QEMU_CMD for accelerator $1 and initramfs $2.
qemu_command()
{
	local accel=$1 initrd=$2 total=$((opt_nodes * opt_mem)) n

	# mem-merge=off: guest RAM is not MADV_MERGEABLE, so the host's KSM
	# (which the tests on the host turn on) does not scan it.
	QEMU_CMD=("$QEMU" -machine q35,mem-merge=off
		-smp "$opt_nodes,sockets=$opt_nodes,cores=1,threads=1")
	if [ "$opt_hotplug" -gt 0 ]; then
		QEMU_CMD+=(-m "${total}M,slots=4,maxmem=$((total + 4 * opt_hotplug))M")
	else
		QEMU_CMD+=(-m "${total}M")
	fi
	for ((n = 0; n < opt_nodes; n++)); do
		QEMU_CMD+=(-object "memory-backend-ram,id=m$n,size=${opt_mem}M"
			-numa "node,nodeid=$n,memdev=m$n,cpus=$n")
	done
	if [ "$opt_hotplug" -gt 0 ]; then
		QEMU_CMD+=(-object "memory-backend-ram,id=hp0,size=${opt_hotplug}M"
			-device "pc-dimm,id=dimm0,memdev=hp0,node=$((opt_nodes - 1))")
	fi
	case "$accel" in
	kvm)
		QEMU_CMD+=(-accel kvm -cpu host)
		;;
	*)
		QEMU_CMD+=(-accel "tcg,thread=multi" -cpu max)
		;;
	esac
	# -pidfile: the console watcher stops QEMU by its pid when it hangs.
	QEMU_CMD+=(-display none -monitor none -serial stdio -no-reboot
		-pidfile "$WORK/qemu.pid"
		-device pvpanic -action panic=exit-failure
		-kernel "$K_IMAGE" -initrd "$initrd"
		-append "$CMDLINE${opt_append:+ $opt_append}")
}

# Whether KVM boots this kernel, not merely whether /dev/kvm exists:
# a paravirtual /dev/kvm may hang in the decompressor.
probe_accel()
{
	local cache=$1 base=$2 boot_id id acc probe_rc=0

	if [ "$opt_accel" != auto ]; then
		ACCEL=$opt_accel
		ACCEL_WHY="--accel $opt_accel"
		return 0
	fi
	if [ ! -w /dev/kvm ]; then
		ACCEL=tcg
		ACCEL_WHY="no usable /dev/kvm"
		return 0
	fi
	boot_id=$(cat /proc/sys/kernel/random/boot_id)
	if [ -f "$cache" ] && read -r id acc < "$cache" && [ "$id" = "$boot_id" ]; then
		ACCEL=$acc
		ACCEL_WHY="probed earlier since this host booted"
		return 0
	fi
	if [ "$opt_dry_run" -eq 1 ]; then
		ACCEL=tcg
		ACCEL_WHY="auto, not probed in a dry run"
		return 0
	fi
	log "probing whether KVM boots $K_KVER (at most $PROBE_TIMEOUT s)"
	build_probe_initramfs "$WORK/probe.cpio.gz"
	cat "$base" "$WORK/probe.cpio.gz" > "$WORK/probe-initrd.cpio.gz"
	qemu_command kvm "$WORK/probe-initrd.cpio.gz"
	timeout -k 5 "$PROBE_TIMEOUT" "${QEMU_CMD[@]}" </dev/null \
		> "$WORK/probe.log" 2>&1 || probe_rc=$?
	if grep -q 'VMTEST-PROBE: alive' "$WORK/probe.log"; then
		ACCEL=kvm
		ACCEL_WHY="KVM booted the kernel"
	else
		ACCEL=tcg
		ACCEL_WHY="KVM did not boot the kernel (qemu rc $probe_rc)"
	fi
	echo "$boot_id $ACCEL" > "$cache"
}

# Writes the host's clock to $1 when the first test starts.  The
# guest's own clock is no measure: under TCG on a loaded host its ticks
# come late and its uptime falls behind.
clock_first_test()
{
	local line

	while IFS= read -r line; do
		case "$line" in
		"VMTEST: run 1/"*)
			echo "$EPOCHREALTIME" > "$1"
			break
			;;
		esac
	done
	cat > /dev/null
}

seconds_since()
{
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'
}

# Streams the console to stdout, the logs and the hang watchdog
# (console-watch.sh); sets QEMU_RC to QEMU's status, 124 (or 137 after
# SIGKILL) when --vm-timeout expired, VM_HANG to the watchdog's report
# ("kind<TAB>test<TAB>seconds<TAB>message") when it stopped a hung guest,
# and VM_WALL and VM_FIRST_TEST to seconds since QEMU started.
run_vm()
{
	local logfile=$1 start first=$WORK/first-test hang=$WORK/hang
	local sinks=("$logfile")

	[ -z "$opt_log" ] || sinks+=("$opt_log")
	: > "$logfile"
	rm -f "$first" "$hang"
	QEMU_RC=0
	start=$EPOCHREALTIME
	timeout --foreground -k 10 "$opt_vm_timeout" "${QEMU_CMD[@]}" \
		</dev/null 2>&1 | tee -a "${sinks[@]}" >(clock_first_test "$first") \
		>("$SCRIPT_DIR/console-watch.sh" --grace "$HANG_GRACE" \
			--report "$hang" --pidfile "$WORK/qemu.pid" \
			--problems "$KERNEL_PROBLEMS") ||
		QEMU_RC=${PIPESTATUS[0]}
	VM_WALL=$(seconds_since "$start" "$EPOCHREALTIME")
	VM_FIRST_TEST="?"
	[ ! -f "$first" ] || VM_FIRST_TEST=$(seconds_since "$start" "$(cat "$first")")
	VM_HANG=
	[ ! -s "$hang" ] || VM_HANG=$(head -n1 "$hang")
}

marker()
{
	awk -F'\t' -v k="$2" '$1 == "M" && $2 == k { v = $3 } END { print v }' "$1"
}

count_results()
{
	awk -F'\t' -v s="$2" '$1 == "T" && $3 == s { n++ } END { print n + 0 }' "$1"
}

# Per-test counts over the soak runs, and the tests that both passed
# and failed.
soak_table()
{
	local results=$1 label=$2

	echo "vmtest: $label: per-test results over $opt_soak runs"
	printf '  %6s %6s %6s  %s\n' pass fail skip test
	awk -F'\t' '$1 == "T" { n[$4, $3]++; t[$4] = 1 }
	END {
		for (k in t)
			printf "  %6d %6d %6d  %s\n", n[k, "pass"], n[k, "fail"], n[k, "skip"], k
	}' "$results" | sort -k4
	awk -F'\t' -v label="$label" '$1 == "T" { n[$4, $3]++; t[$4] = 1 }
	END {
		for (k in t)
			if (n[k, "pass"] && n[k, "fail"])
				printf "vmtest: %s: flaky: %s (%d passed, %d failed)\n",
					label, k, n[k, "pass"], n[k, "fail"]
	}' "$results" | sort
}

raise_code()
{
	[ "$KERNEL_CODE" -ge "$1" ] || KERNEL_CODE=$1
}

# The TAP results: sets PASS, FAIL and SKIP; a test the guest died in
# counts as failed.
judge_tests()
{
	local results=$1 label=$2 unfinished

	PASS=$(count_results "$results" pass)
	FAIL=$(count_results "$results" fail)
	SKIP=$(count_results "$results" skip)
	awk -F'\t' -v label="$label" '$1 == "T" && $3 == "fail" {
		printf "vmtest: %s: failed: %s (run %s)\n", label, $4, $2 }' "$results"
	unfinished=$(awk -F'\t' '$1 == "U" { print $3 }' "$results")
	if [ -n "$unfinished" ]; then
		echo "vmtest: $label: failed: $unfinished (the guest died or hung in it)"
		TEST_PROBLEMS+=("died in $unfinished")
		FAIL=$((FAIL + 1))
	fi
	[ "$FAIL" -eq 0 ] || raise_code $EXIT_TESTS
	if [ $((PASS + FAIL + SKIP)) -eq 0 ]; then
		TEST_PROBLEMS+=("no test result")
		raise_code $EXIT_TESTS
	fi
}

# Cases a declared known kernel bug settled: the declarations that
# applied, and the cases where the bug did not show; sets XFAIL and XPASS.
judge_known_bugs()
{
	local results=$1 label=$2

	XFAIL=$(awk -F'\t' '$1 == "R" && $3 == "xfail" { n++ } END { print n + 0 }' "$results")
	XPASS=$(awk -F'\t' '$1 == "R" && $3 == "xpass" { n++ } END { print n + 0 }' "$results")
	awk -F'\t' -v label="$label" '$1 == "B" && !seen[$3]++ {
		printf "vmtest: %s: known bug: %s\n", label, $3 }' "$results"
	awk -F'\t' -v label="$label" '$1 == "R" && $3 == "xpass" {
		printf "vmtest: %s: XPASS: %s (run %s): a declared known bug did not show\n",
			label, $4, $2 }' "$results"
}

# Problem reports on the console and new taint bits.
judge_kernel_log()
{
	local results=$1 label=$2 reports before after

	awk -F'\t' -v label="$label" '$1 == "K" && !seen[$4]++ && shown++ < 10 {
		printf "vmtest: %s: kernel: %s\n", label, $4 }' "$results"
	reports=$(awk -F'\t' '$1 == "K" { n[$2]++ }
		END { for (k in n) { printf "%s%s x%d", sep, k, n[k]; sep = ", " } }' "$results")
	if [ -n "$reports" ]; then
		KERNEL_PROBLEMS+=("$reports")
		raise_code $EXIT_KERNEL
	fi
	before=$(marker "$results" tainted_before)
	after=$(marker "$results" tainted)
	if [ -n "$before" ] && [ -n "$after" ] && [ $((after & ~before)) -ne 0 ]; then
		KERNEL_PROBLEMS+=("tainted $before -> $after")
		raise_code $EXIT_KERNEL
	fi
}

# How QEMU and /init ended.
judge_vm()
{
	local results=$1 done_rc kind test secs

	if [ -n "$VM_HANG" ]; then
		IFS=$'\t' read -r kind test secs _ <<<"$VM_HANG"
		KERNEL_PROBLEMS+=("guest hung: $kind in $test, stopped $secs s after the report")
		raise_code $EXIT_KERNEL
		return 0
	fi
	case "$QEMU_RC" in
	0)
		;;
	124 | 137)
		KERNEL_PROBLEMS+=("guest hung, killed after $opt_vm_timeout s")
		raise_code $EXIT_HUNG
		;;
	*)
		KERNEL_PROBLEMS+=("qemu exit $QEMU_RC (panic)")
		raise_code $EXIT_KERNEL
		;;
	esac
	done_rc=$(marker "$results" done_rc)
	if [ -z "$done_rc" ]; then
		KERNEL_PROBLEMS+=("no done marker")
		# Without a panic or a timeout to explain it the guest died.
		[ "$QEMU_RC" -ne 0 ] || raise_code $EXIT_HUNG
	elif [ "$done_rc" -ne 0 ]; then
		TEST_PROBLEMS+=("run_kselftest.sh exit $done_rc")
		raise_code $EXIT_TESTS
	fi
}

# The window lines summed per race and trigger; with --require-windows
# a race whose window never opened fails the run.
judge_windows()
{
	local results=$1 label=$2 closed

	if grep -q '^W' "$results"; then
		echo "vmtest: $label: windows, summed over cases and runs"
		printf '  %-6s %-16s %6s %10s\n' race trigger cases events
		awk -F'\t' '$1 == "W" { n[$4 "\t" $5]++; ev[$4 "\t" $5] += $6 }
		END {
			for (k in n) {
				split(k, rt, "\t")
				printf "  %-6s %-16s %6d %10d\n", rt[1], rt[2], n[k], ev[k]
			}
		}' "$results" | sort
	fi
	[ "$opt_require_windows" -eq 1 ] || return 0
	if ! grep -q '^W' "$results"; then
		TEST_PROBLEMS+=("no window line")
		raise_code $EXIT_TESTS
		return 0
	fi
	closed=$(awk -F'\t' '$1 == "W" { ev[$4] += $6 }
		END { for (r in ev) if (ev[r] == 0) { printf "%s%s", sep, r; sep = " " } }' "$results")
	if [ -n "$closed" ]; then
		TEST_PROBLEMS+=("window never reached: $closed")
		raise_code $EXIT_TESTS
	fi
}

# ", N xfail, N xpass" when a known bug settled a case, else nothing.
known_bug_counts()
{
	[ $(($1 + $2)) -eq 0 ] || echo ", $1 xfail, $2 xpass"
}

join_list()
{
	local out

	printf -v out '%s, ' "$@"
	echo "${out%, }"
}

# Prints the findings and the verdict line of one kernel's run, sets
# KERNEL_CODE and adds the verdict line to SUMMARY.
judge_kernel()
{
	local results=$1 label=$K_KVER tests kernel=clean verdict=PASS

	KERNEL_CODE=$EXIT_PASS
	TEST_PROBLEMS=()
	KERNEL_PROBLEMS=()
	judge_tests "$results" "$label"
	judge_known_bugs "$results" "$label"
	judge_kernel_log "$results" "$label"
	judge_vm "$results"
	judge_windows "$results" "$label"
	[ "$opt_soak" -eq 1 ] || soak_table "$results" "$label"
	[ "$opt_selftest" -eq 0 ] || check_selftest "$results" "$label"
	[ "$opt_selftest_hang" -eq 0 ] || check_selftest_hang "$label"
	TOTAL_PASS=$((TOTAL_PASS + PASS))
	TOTAL_FAIL=$((TOTAL_FAIL + FAIL))
	TOTAL_SKIP=$((TOTAL_SKIP + SKIP))
	TOTAL_XFAIL=$((TOTAL_XFAIL + XFAIL))
	TOTAL_XPASS=$((TOTAL_XPASS + XPASS))
	tests="$PASS passed, $FAIL failed, $SKIP skipped$(known_bug_counts "$XFAIL" "$XPASS")"
	if [ ${#TEST_PROBLEMS[@]} -gt 0 ]; then
		tests+=" ($(join_list "${TEST_PROBLEMS[@]}"))"
	fi
	if [ ${#KERNEL_PROBLEMS[@]} -gt 0 ]; then
		kernel=$(join_list "${KERNEL_PROBLEMS[@]}")
	fi
	[ "$KERNEL_CODE" -eq 0 ] || verdict=FAIL
	SUMMARY+=("vmtest: $label: tests $tests; kernel: $kernel; verdict: $verdict")
	echo "${SUMMARY[-1]}"
}

# --selftest-vmtest: the scan above must have flagged the planted line.
check_selftest()
{
	local results=$1 label=$2

	if grep -q $'^K\twarning\t[^\t]*\tWARNING: CPU: 0 PID: 1 at vmtest-selftest' "$results"; then
		echo "vmtest: $label: selftest-vmtest: the planted WARNING was flagged"
	else
		echo "vmtest: $label: selftest-vmtest: the planted WARNING was NOT flagged"
		raise_code $EXIT_USAGE
	fi
}

# --selftest-hang: the watchdog must have stopped the guest in the
# planted stall, naming the test /init pretended to run.
check_selftest_hang()
{
	local label=$1

	if [[ $VM_HANG == $'rcu_stall\tvmtest:selftest-hang\t'* ]]; then
		echo "vmtest: $label: selftest-hang: the planted stall ended the run after $VM_WALL s"
	else
		echo "vmtest: $label: selftest-hang: the planted stall did NOT end the run (${VM_HANG:-no hang report})"
		# Not 3 or 4: those are what a working watchdog gives.
		KERNEL_CODE=$EXIT_USAGE
	fi
}

# The QEMU command as a shell line to paste.
print_dry_run()
{
	local arg line=

	echo "# $K_KVER ($K_DESC), accel $ACCEL ($ACCEL_WHY)"
	for arg in "${QEMU_CMD[@]}"; do
		if [[ $arg =~ ^[A-Za-z0-9_,.=/:+~@%-]+$ ]]; then
			line+=" $arg"
		else
			line+=" '${arg//\'/\'\\\'\'}'"
		fi
	done
	echo "${line# }"
}

# Fetch, build, boot and judge one kernel; sets KERNEL_CODE.
run_kernel()
{
	local series=$1 kdir base initrd logfile results first

	KERNEL_CODE=$EXIT_PASS
	if [ -n "$opt_kernel" ]; then
		use_custom_kernel
	else
		use_debian_kernel "$series"
	fi
	kdir=$CACHE/vmtest/$K_KVER
	base=$kdir/base.cpio.gz
	# Per run, so that runs in parallel do not share a console log.
	initrd=$WORK/initrd-$K_KVER.cpio.gz
	logfile=$WORK/console-$K_KVER.log
	results=$WORK/results-$K_KVER.tsv
	if [ "$opt_dry_run" -eq 1 ]; then
		probe_accel "$kdir/accel" "$base"
		qemu_command "$ACCEL" "$initrd"
		print_dry_run
		return 0
	fi
	mkdir -p "$kdir"
	build_base_initramfs "$base"
	probe_accel "$kdir/accel" "$base"
	cat "$base" "$WORK/run.cpio.gz" > "$initrd"
	qemu_command "$ACCEL" "$initrd"
	log "booting $K_KVER ($K_DESC), $opt_nodes nodes, accel $ACCEL ($ACCEL_WHY)"
	run_vm "$logfile"
	console_records "$logfile" > "$results"
	cp "$logfile" "$kdir/console.log"
	cp "$results" "$kdir/results.tsv"
	first=$(marker "$results" first_test_uptime)
	echo
	echo "vmtest: $K_KVER: accel $ACCEL, first test after $VM_FIRST_TEST s (guest uptime ${first:-?} s), VM wall $VM_WALL s"
	echo "vmtest: $K_KVER: console log $kdir/console.log"
	judge_kernel "$results"
}

main()
{
	local series worst=$EXIT_PASS

	parse_options "$@"
	if [ "$opt_setup" -eq 1 ] && [ "$opt_dry_run" -eq 0 ]; then
		"$SCRIPT_DIR/setup.sh" >&2
	fi
	check_host_tools
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmtest.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
	if [ "$opt_dry_run" -eq 0 ]; then
		mkdir -p "$CACHE/vmtest"
		if [ -z "$opt_install" ]; then
			build_suite "$CACHE"
			opt_install=$SUITE_INSTALL
		fi
		check_install_dir "$opt_install"
		build_run_initramfs "$WORK/run.cpio.gz"
		[ -z "$opt_log" ] || : > "$opt_log"
	fi
	TOTAL_PASS=0
	TOTAL_FAIL=0
	TOTAL_SKIP=0
	TOTAL_XFAIL=0
	TOTAL_XPASS=0
	SUMMARY=()
	[ -z "$opt_kernel" ] || opt_kernels=custom
	for series in $opt_kernels; do
		run_kernel "$series"
		[ "$KERNEL_CODE" -le "$worst" ] || worst=$KERNEL_CODE
	done
	[ "$opt_dry_run" -eq 0 ] || exit 0
	if [ ${#SUMMARY[@]} -gt 1 ]; then
		echo
		printf '%s\n' "${SUMMARY[@]}"
	fi
	echo "$TOTAL_PASS passed, $TOTAL_FAIL failed, $TOTAL_SKIP skipped$(known_bug_counts "$TOTAL_XFAIL" "$TOTAL_XPASS")"
	exit "$worst"
}

main "$@"
