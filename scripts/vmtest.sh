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

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$SCRIPT_DIR")
VMTEST_DIR=$SCRIPT_DIR/vmtest
CACHE=${MIGRATION_RACES_CACHE:-$HOME/.cache/migration_races}
QEMU=${QEMU:-qemu-system-x86_64}
BUSYBOX=/bin/busybox
# zram for the swap the tests set up themselves, hwpoison-inject for
# debugfs hwpoison/, pvpanic-mmio so that a panic makes QEMU exit 1.
GUEST_MODULES="zram hwpoison_inject pvpanic_mmio"
CMDLINE="console=ttyS0 panic=-1 oops=panic loglevel=7 memhp_default_state=online_movable"
PROBE_TIMEOUT=20

# Exit codes, the worst over all kernels wins.
EXIT_PASS=0
EXIT_USAGE=1
EXIT_TESTS=2
EXIT_KERNEL=3
EXIT_HUNG=4

opt_kernels=6.12
opt_kernel=
opt_modules=
opt_config=
opt_install=
opt_nodes=2
opt_mem=512
opt_hotplug=512
opt_accel=auto
opt_scale=1
opt_soak=1
opt_timeout_override=
opt_vm_timeout=1800
opt_log=
opt_append=
opt_selftest=0
opt_dry_run=0
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
is installed on the host. Run scripts/setup.sh once first.

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
                        suite is built into \$MIGRATION_RACES_CACHE/install
                        with "make install USERLDFLAGS=-static".
  -t COLLECTION:TEST    run only this test (repeatable), e.g.
                        -t migration_races/migration:fork_race;
                        passed to run_kselftest.sh as -t.
  -c COLLECTION         run only this collection (repeatable), e.g.
                        -c migration_races/ksm; run_kselftest.sh -c.
  --timeout-override S  per-test timeout in seconds for every test,
                        instead of the settings files (run_kselftest.sh -o).
  --scale X             exported as MIGRATION_RACES_SCALE (default 1):
                        the tests multiply their iteration budgets by it.
  --soak N              run the selection N times in one boot (default
                        1) and print per-test pass/fail/skip counts and
                        the flaky tests (passed and failed).

VM:
  --nodes N             NUMA nodes, one CPU each (default 2, 1 to 16).
  --mem-per-node MB     boot memory per node (default 512).
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
  --log FILE            also write the console of every kernel to FILE
                        (each kernel's own log stays in the cache).
  --dry-run             print the QEMU command for each kernel and exit;
                        downloads and builds nothing.
  --selftest-vmtest     check the checker: /init writes a line
                        "WARNING: CPU: 0 PID: 1 at vmtest-selftest" to
                        /dev/kmsg before the tests run, and the log scan
                        must flag it, so this run must exit 3.
  -h, --help            this text.

A kernel's run fails when the console shows a TAP "not ok" line (a
"# SKIP" is not a failure), a kernel Oops, BUG:, WARNING:, panic,
general protection fault, RCU stall, soft or hard lockup, hung task
("blocked for more than") or "Bad page" report, when new taint bits
appear, when QEMU exits non-zero (pvpanic), when no test result or no
"VMTEST: done" marker shows up, or when the guest outlives --vm-timeout.
Each kernel ends with a line
  vmtest: <kver>: tests N passed, N failed, N skipped; kernel: clean|<what>; verdict: PASS|FAIL
and the whole run with the test results over all kernels and soak runs:
  N passed, N failed, N skipped

Exit status: 0 all passed, 1 usage or set-up error, 2 tests failed,
3 the kernel reported a problem (warning, oops, taint, panic), 4 the
guest hung or died before finishing.

Environment:
  MIGRATION_RACES_CACHE cache directory (default ~/.cache/migration_races)
  QEMU                  QEMU binary (default qemu-system-x86_64)
EOF
}

log()
{
	echo "vmtest: $*" >&2
}

die()
{
	log "$*"
	exit $EXIT_USAGE
}

usage_error()
{
	echo "$0: $*" >&2
	echo "Try '$0 --help'." >&2
	exit $EXIT_USAGE
}

is_uint()
{
	[[ $1 =~ ^[0-9]+$ ]]
}

check_range()
{
	local opt=$1 val=$2 min=$3 max=$4

	is_uint "$val" && [ "$val" -ge "$min" ] && [ "$val" -le "$max" ] ||
		usage_error "$opt wants an integer from $min to $max, not '$val'"
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
		--dry-run)
			opt_dry_run=1
			shift
			continue
			;;
		esac
		[ $# -ge 2 ] || usage_error "option '$1' needs a value"
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
			[[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]] && [[ $v =~ [1-9] ]] ||
				usage_error "--scale wants a positive number"
			opt_scale=$v
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
		--append)
			[[ $v != *[\'\"\\]* ]] ||
				usage_error "--append takes no quotes or backslashes"
			opt_append=$v
			;;
		*)
			usage_error "unknown option '$1'"
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
}

check_host_tools()
{
	local tool missing=()

	for tool in "$QEMU" cpio gzip depmod modprobe dpkg-deb apt-get \
		    apt-cache xz zstd timeout; do
		command -v "$tool" >/dev/null || missing+=("$tool")
	done
	[ -x "$BUSYBOX" ] || missing+=("$BUSYBOX (busybox-static)")
	[ ${#missing[@]} -eq 0 ] ||
		die "missing ${missing[*]}: run scripts/setup.sh"
}

# Prints the newest linux-image package of a series that apt can fetch.
debian_kernel_package()
{
	local series=$1 pattern pkgs pkg

	case "$series" in
	6.12)
		pattern='^linux-image-6\.12\.[0-9]+\+deb[0-9]+-amd64-unsigned$'
		;;
	6.1)
		pattern='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$'
		;;
	esac
	pkgs=$(apt-cache search --names-only "$pattern" | cut -d' ' -f1)
	if [ -z "$pkgs" ]; then
		log "no $series kernel in the apt lists: apt-get update"
		apt-get update -q -o DPkg::Lock::Timeout=600 >&2
		pkgs=$(apt-cache search --names-only "$pattern" | cut -d' ' -f1)
	fi
	for pkg in $(echo "$pkgs" | sort -rV); do
		if [ "$(package_version "$pkg")" != "(none)" ]; then
			echo "$pkg"
			return 0
		fi
	done
	die "no installable $series kernel package ($pattern)"
}

package_version()
{
	apt-cache policy "$1" | awk '/Candidate:/ { print $2 }'
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
	dpkg-deb -x "$deb" "$dir"
	rm -f "$deb"
	touch "$dir/.unpacked"
}

# Sets the K_* description of the kernel to boot from a Debian series.
use_debian_kernel()
{
	local series=$1 pkg ver dir

	pkg=$(debian_kernel_package "$series")
	ver=$(package_version "$pkg")
	dir=$CACHE/kernels/${ver//:/_}
	K_KVER=${pkg#linux-image-}
	K_KVER=${K_KVER%-unsigned}
	K_DESC="$pkg $ver"
	K_IMAGE=$dir/boot/vmlinuz-$K_KVER
	K_CONFIG=$dir/boot/config-$K_KVER
	K_MODROOT=$dir
	[ "$opt_dry_run" -eq 1 ] && return 0
	unpack_kernel_package "$pkg" "$dir"
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

build_suite()
{
	local dest=$CACHE/install

	[ -f "$REPO_DIR/Makefile" ] ||
		die "no $REPO_DIR/Makefile to build the suite: use --install-dir"
	log "building: make -C $REPO_DIR install INSTALL_PATH=$dest USERLDFLAGS=-static"
	rm -rf "$dest"
	make -C "$REPO_DIR" install INSTALL_PATH="$dest" USERLDFLAGS=-static >&2 ||
		die "building the suite failed"
	opt_install=$dest
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

install_busybox()
{
	local root=$1 applet

	mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin"
	cp "$BUSYBOX" "$root/bin/busybox"
	for applet in $("$BUSYBOX" --list-full); do
		[ "$applet" = bin/busybox ] || ln -sf /bin/busybox "$root/$applet"
	done
	rm -f "$root/usr/bin/timeout"
	install -m 0755 "$VMTEST_DIR/timeout.sh" "$root/usr/bin/timeout"
}

pack_cpio()
{
	local dir=$1 out=$2

	(cd "$dir" && find . -print0 |
		cpio --null -o -H newc --owner=0:0 --quiet) | gzip -6 > "$out.tmp"
	mv "$out.tmp" "$out"
}

# busybox, /init, the modules and the config: everything but the suite.
# Rebuilt when this script, its helpers or the kernel's files change.
build_base_initramfs()
{
	local out=$1 root=$WORK/base-$K_KVER

	if [ -f "$out" ] && [ -z "$(find "${BASH_SOURCE[0]}" "$VMTEST_DIR" \
			${K_CONFIG:+"$K_CONFIG"} \
			${K_MODROOT:+"$K_MODROOT/lib/modules/$K_KVER/modules.dep"} \
			-newer "$out" -print -quit)" ]; then
		return 0
	fi
	log "building the base initramfs for $K_KVER"
	rm -rf "$root"
	mkdir -p "$root"/{proc,sys,dev,tmp,run,root,etc,boot}
	install_busybox "$root"
	install -m 0755 "$VMTEST_DIR/init.sh" "$root/init"
	[ -z "$K_CONFIG" ] || cp "$K_CONFIG" "$root/boot/config-$K_KVER"
	install_modules "$root"
	pack_cpio "$root" "$out"
	rm -rf "$root"
}

write_guest_conf()
{
	local file=$1 probe=$2

	mkdir -p "$(dirname "$file")"
	cat > "$file" <<EOF
VMTEST_PROBE=$probe
VMTEST_SELFTEST=$opt_selftest
VMTEST_SCALE=$opt_scale
VMTEST_SOAK=$opt_soak
VMTEST_RUN_ARGS="${run_args[*]}"
EOF
}

# The suite and the run's settings, appended to every kernel's base.
build_run_initramfs()
{
	local out=$1 root=$WORK/run

	mkdir -p "$root"
	write_guest_conf "$root/etc/vmtest.conf" 0
	cp -a "$opt_install" "$root/selftests"
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

	QEMU_CMD=("$QEMU" -machine q35
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
		QEMU_CMD+=(-accel tcg,thread=multi -cpu max)
		;;
	esac
	QEMU_CMD+=(-display none -monitor none -serial stdio -no-reboot
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
	[ "$opt_dry_run" -eq 0 ] || {
		ACCEL=tcg
		ACCEL_WHY="auto, not probed in a dry run"
		return 0
	}
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

# Streams the console to stdout and the logs; sets QEMU_RC to QEMU's
# status, 124 (or 137 after SIGKILL) when --vm-timeout expired.
run_vm()
{
	local logfile=$1
	local sinks=("$logfile")

	[ -z "$opt_log" ] || sinks+=("$opt_log")
	: > "$logfile"
	QEMU_RC=0
	timeout --foreground -k 10 "$opt_vm_timeout" "${QEMU_CMD[@]}" \
		</dev/null 2>&1 | tee -a "${sinks[@]}" || QEMU_RC=${PIPESTATUS[0]}
}

# Turns a console log into tab-separated records:
#   T run pass|fail|skip COLLECTION:TEST   one TAP result of run_kselftest
#   K message                              a kernel problem report
#   M key value                            a VMTEST marker
# A printk can land in the middle of a line the tests write; its text
# starts at a "[ seconds]" stamp and ends the line, and the rest of the
# user's line follows on the next one: glue the pieces back together.
parse_console()
{
	tr -d '\r' < "$1" | awk -v OFS='\t' '
	function kernel_problem(msg) {
		if (msg ~ /^(WARNING:|BUG:|kernel BUG at|Oops|Kernel panic|general protection fault|UBSAN:|rcu: INFO:|INFO: rcu_)/ ||
		    msg ~ /soft lockup|hard LOCKUP|blocked for more than|detected stall|Bad page/)
			print "K", msg
	}
	function user_line(line,    name, status) {
		if (line ~ /^VMTEST: run [0-9]+\/[0-9]+ start/) {
			split(line, w, /[ \/]/)
			run = w[3]
			if (run == 1) {
				sub(/.*uptime=/, "", line)
				print "M", "first_test_uptime", line
			}
			return
		}
		if (line ~ /^VMTEST: (tainted_before|tainted|done rc)=/) {
			sub(/^VMTEST: /, "", line)
			split(line, w, /[= ]/)
			key = (w[1] == "done") ? "done_rc" : w[1]
			print "M", key, w[(w[1] == "done") ? 3 : 2]
			return
		}
		if (line !~ /^(not )?ok [0-9]+ /)
			return kernel_problem(line)
		status = (line ~ /^not ok/) ? "fail" : "pass"
		if (status == "pass" && line ~ /# SKIP/)
			status = "skip"
		name = line
		sub(/^(not )?ok [0-9]+ (selftests: )?/, "", name)
		sub(/ # .*$/, "", name)
		sub(/: /, ":", name)
		print "T", run, status, name
	}
	BEGIN { run = 0; pending = "" }
	{
		if (match($0, /\[ *[0-9]+\.[0-9]+\] /)) {
			pending = pending substr($0, 1, RSTART - 1)
			kernel_problem(substr($0, RSTART + RLENGTH))
			next
		}
		user_line(pending $0)
		pending = ""
	}'
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
	awk -F'\t' '$1 == "T" { n[$4, $3]++; t[$4] = 1 }
	END {
		printf "  %6s %6s %6s  %s\n", "pass", "fail", "skip", "test"
		for (k in t)
			printf "  %6d %6d %6d  %s\n", n[k, "pass"], n[k, "fail"], n[k, "skip"], k
	}' "$results" | sort -k4
	awk -F'\t' -v label="$label" '$1 == "T" { n[$4, $3]++; t[$4] = 1 }
	END {
		for (k in t)
			if (n[k, "pass"] && n[k, "fail"])
				printf "vmtest: %s: flaky: %s (%d passed, %d failed)\n",
					label, k, n[k, "pass"], n[k, "fail"]
	}' "$results"
}

# Prints the verdict of one kernel's run and returns its exit code.
judge_kernel()
{
	local results=$1 qemu_rc=$2 label=$K_KVER
	local pass fail skip before after done_rc code=$EXIT_PASS
	local problems=() k_reports

	pass=$(count_results "$results" pass)
	fail=$(count_results "$results" fail)
	skip=$(count_results "$results" skip)
	before=$(marker "$results" tainted_before)
	after=$(marker "$results" tainted)
	done_rc=$(marker "$results" done_rc)
	TOTAL_PASS=$((TOTAL_PASS + pass))
	TOTAL_FAIL=$((TOTAL_FAIL + fail))
	TOTAL_SKIP=$((TOTAL_SKIP + skip))

	awk -F'\t' '$1 == "T" && $3 == "fail" {
		printf "vmtest: " label ": failed: %s (run %s)\n", $4, $2 }' \
		label="$label" "$results"
	k_reports=$(awk -F'\t' '$1 == "K" { n++ } END { print n + 0 }' "$results")
	if [ "$k_reports" -gt 0 ]; then
		awk -F'\t' '$1 == "K" && !seen[$2]++ && shown++ < 10 {
			print "vmtest: " label ": kernel: " $2 }' label="$label" "$results"
		problems+=("$k_reports problem reports")
		code=$EXIT_KERNEL
	fi
	if [ -n "$before" ] && [ -n "$after" ] && [ $((after & ~before)) -ne 0 ]; then
		problems+=("tainted $before -> $after")
		code=$EXIT_KERNEL
	fi
	if [ "$qemu_rc" -eq 124 ]; then
		problems+=("guest hung: killed after $opt_vm_timeout s")
		code=$EXIT_HUNG
	elif [ "$qemu_rc" -ne 0 ]; then
		problems+=("qemu exit $qemu_rc (panic)")
		[ "$code" -ge $EXIT_KERNEL ] || code=$EXIT_KERNEL
	fi
	if [ -z "$done_rc" ]; then
		problems+=("no 'VMTEST: done' marker")
		code=$EXIT_HUNG
	elif [ "$done_rc" -ne 0 ]; then
		problems+=("run_kselftest.sh exit $done_rc")
		[ "$code" -ge $EXIT_TESTS ] || code=$EXIT_TESTS
	fi
	if [ $((pass + fail + skip)) -eq 0 ]; then
		problems+=("no test result")
		[ "$code" -ge $EXIT_TESTS ] || code=$EXIT_TESTS
	fi
	if [ "$fail" -gt 0 ] && [ "$code" -lt $EXIT_TESTS ]; then
		code=$EXIT_TESTS
	fi
	if [ "$opt_soak" -gt 1 ]; then
		soak_table "$results" "$label"
	fi
	if [ "$opt_selftest" -eq 1 ]; then
		if grep -q "^K	WARNING: CPU: 0 PID: 1 at vmtest-selftest" "$results"; then
			log "$label: --selftest-vmtest: the planted WARNING was flagged"
		else
			log "$label: --selftest-vmtest: the planted WARNING was NOT flagged"
			code=$EXIT_USAGE
		fi
	fi
	local kernel="clean"
	local IFS=,
	[ ${#problems[@]} -eq 0 ] || kernel="${problems[*]}"
	kernel=${kernel//,/, }
	SUMMARY+=("vmtest: $label: tests $pass passed, $fail failed, $skip skipped; kernel: $kernel; verdict: $([ "$code" -eq 0 ] && echo PASS || echo FAIL)")
	echo "${SUMMARY[-1]}"
	return "$code"
}

# Fetch, build, boot and judge one kernel; returns the kernel's code.
run_kernel()
{
	local series=$1 kdir base initrd logfile results start wall qemu_rc=0
	local first code=0

	if [ -n "$opt_kernel" ]; then
		use_custom_kernel
	else
		use_debian_kernel "$series"
	fi
	kdir=$CACHE/vmtest/$K_KVER
	base=$kdir/base.cpio.gz
	initrd=$kdir/initrd.cpio.gz
	logfile=$kdir/console.log
	mkdir -p "$kdir"
	probe_accel "$kdir/accel" "$base"
	qemu_command "$ACCEL" "$initrd"
	if [ "$opt_dry_run" -eq 1 ]; then
		echo "# $K_KVER ($K_DESC), accel $ACCEL ($ACCEL_WHY)"
		printf '%q ' "${QEMU_CMD[@]}"
		echo
		return 0
	fi
	build_base_initramfs "$base"
	# The probe needs the base; with an explicit --accel it was skipped.
	probe_accel "$kdir/accel" "$base"
	qemu_command "$ACCEL" "$initrd"
	cat "$base" "$WORK/run.cpio.gz" > "$initrd"
	log "booting $K_KVER ($K_DESC), $opt_nodes nodes, accel $ACCEL ($ACCEL_WHY)"
	start=$(date +%s)
	run_vm "$logfile" || qemu_rc=$?
	wall=$(($(date +%s) - start))
	results=$kdir/results.tsv
	parse_console "$logfile" > "$results"
	first=$(marker "$results" first_test_uptime)
	log "$K_KVER: accel $ACCEL, first test at ${first:-?} s guest uptime, wall $wall s, console log $logfile"
	judge_kernel "$results" "$qemu_rc" || code=$?
	return "$code"
}

main()
{
	local series code worst=$EXIT_PASS

	parse_options "$@"
	check_host_tools
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmtest.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
	mkdir -p "$CACHE/vmtest"
	if [ "$opt_dry_run" -eq 0 ]; then
		[ -n "$opt_install" ] || build_suite
		check_install_dir "$opt_install"
		build_run_initramfs "$WORK/run.cpio.gz"
		[ -z "$opt_log" ] || : > "$opt_log"
	fi
	TOTAL_PASS=0
	TOTAL_FAIL=0
	TOTAL_SKIP=0
	SUMMARY=()
	[ -z "$opt_kernel" ] || opt_kernels=custom
	for series in $opt_kernels; do
		code=0
		run_kernel "$series" || code=$?
		[ "$code" -le "$worst" ] || worst=$code
	done
	[ "$opt_dry_run" -eq 0 ] || exit 0
	echo
	printf '%s\n' "${SUMMARY[@]}"
	echo "$TOTAL_PASS passed, $TOTAL_FAIL failed, $TOTAL_SKIP skipped"
	exit "$worst"
}

main "$@"
