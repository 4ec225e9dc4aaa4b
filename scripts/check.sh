#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The project's own tests, the command CI runs: set-up, checkpatch, gcc and
# clang builds, the library's unit tests, the console judging of the VM
# runners on canned consoles, the in-tree kselftest build and
# install, the mutant patches still applying to the kernel tree with fuzz
# 0, the upstream patch series (made from HEAD and checked), the suite on
# this machine's kernel, the suite in the NUMA VM on Debian's 6.12 and
# 6.1 kernels and on the debug test kernel, with every race test required
# to run, reach its window and pass, and the mutant kernels, each of which
# its tests must catch while the same tests pass on the unpatched kernels
# (scripts/mutants.sh).  Ends with
# "N passed, N failed" over the stages.
#
# Usage: check.sh [--no-vm] [--no-host] [--no-mutants] [--no-setup]

set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
TOOL=check
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"
REPO=$REPO_DIR
WORK=$CACHE/check
MUT_KERNELS=$CACHE/mutants/kernels
PASSED=0
FAILED=0
FAILED_STAGES=""
RUN_VM=1
RUN_HOST=1
RUN_MUTANTS=1
RUN_SETUP=1

usage()
{
	echo "usage: check.sh [--no-vm] [--no-host] [--no-mutants] [--no-setup]"
}

while [ $# -gt 0 ]; do
	case "$1" in
	--no-vm) RUN_VM=0 ;;
	--no-host) RUN_HOST=0 ;;
	--no-mutants) RUN_MUTANTS=0 ;;
	--no-setup) RUN_SETUP=0 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; usage_error "unknown option '$1'" ;;
	esac
	shift
done

# stage NAME COMMAND...: runs one stage, logs it, counts the result.
stage()
{
	local name=$1 start rc

	shift
	echo "=== $name"
	start=$(date +%s)
	"$@"
	rc=$?
	if [ $rc -eq 0 ]; then
		PASSED=$((PASSED + 1))
		echo "=== $name: ok ($(($(date +%s) - start)) s)"
	else
		FAILED=$((FAILED + 1))
		FAILED_STAGES="$FAILED_STAGES $name"
		echo "=== $name: FAILED rc=$rc ($(($(date +%s) - start)) s)"
	fi
}

source_files()
{
	git -C "$REPO" ls-files -- '*.c' '*.h' '*.sh' 'Makefile' '*/Makefile' \
		'*.mk' '.ci/run' | sed "s|^|$REPO/|"
}

run_checkpatch()
{
	local out

	out=$(source_files | xargs perl "$KSRC/scripts/checkpatch.pl" \
		--no-tree -f --terse --show-types 2>&1 | grep -v '^total:')
	[ -z "$out" ] && return 0
	echo "$out"
	return 1
}

build_with()
{
	local out=$WORK/build-$1

	shift
	rm -rf "$out" && mkdir -p "$out/lib_tests"
	make -s -C "$REPO" OUTPUT="$out" "$@" all &&
		make -s -C "$REPO/lib/tests" OUTPUT="$out/lib_tests" "$@"
}

lib_unit_tests()
{
	"$WORK/build-gcc/lib_tests/lib_test" &&
		"$WORK/build-clang/lib_tests/lib_test"
}

# Copy the suite into the kernel tree and build, install and list it as
# any in-tree selftest, with O= pointing at the headers set-up installed.
in_tree()
{
	local st=$KSRC/tools/testing/selftests dest inst

	dest=$st/migration_races
	inst=$WORK/intree-install
	rm -rf "$dest" "$inst"
	mkdir -p "$dest"
	git -C "$REPO" ls-files -z | (cd "$REPO" && xargs -0 cp --parents -t "$dest")
	make -s -C "$st" TARGETS=migration_races O="$CACHE/khdr" >/dev/null &&
	make -s -C "$st" TARGETS=migration_races O="$CACHE/khdr" \
		INSTALL_PATH="$inst" install >/dev/null || return 1
	echo "kselftest-list.txt:"
	cat "$inst/kselftest-list.txt"
	for t in migration:fork_cow migration:swapcache_unmapped \
		 migration:anon_vma_unmap ksm:ksm_migration \
		 hotplug:offline_races; do
		grep -qx "migration_races/$t" "$inst/kselftest-list.txt" || {
			echo "missing migration_races/$t"; return 1; }
		[ -x "$inst/migration_races/${t%%:*}/${t##*:}" ] || {
			echo "not installed: $t"; return 1; }
	done
}

# The patch series for upstream, made from HEAD and checked as a
# maintainer would: git am, build with and without O=, install,
# checkpatch --strict, get_maintainer (scripts/upstream-series.sh -h).
upstream_series()
{
	"$REPO/scripts/upstream-series.sh" --out "$WORK/upstream-series"
}

# The suite on this machine's kernel, through standalone "make run_tests".
host_run()
{
	local log=$WORK/host-run.log

	make -C "$REPO" OUTPUT="$WORK/host" run_tests 2>&1 | tee "$log"
	! grep -q '^not ok' "$log" && grep -q '^ok' "$log"
}

# SKIPs the VM may show: limits of the kernel, not of the VM (compaction
# never isolates THPs or hugetlb pages; soft offline splits a THP first;
# before 6.3 a base page's migration entry lives for one copy, too short
# for a fork or an unmap to meet when the kernel picks the pages).
VM_ALLOWED_SKIPS='# SKIP (compaction never migrates (PMD-sized THPs|hugetlb pages)|soft offline splits THPs before migrating|before 6\.3 )'

# Every race case must run in the VM: a SKIP there means the VM lost a
# feature (second node, movable memory, swap, soft offline, hugetlb).
vm_skips_allowed()
{
	local log=$1 bad

	bad=$(grep -E '^# ok [0-9]+ .* # SKIP' "$log" |
		grep -vE "$VM_ALLOWED_SKIPS")
	[ -z "$bad" ] && return 0
	echo "cases that SKIPped in the VM:"
	echo "$bad"
	return 1
}

# vm_run LABEL VMTEST-OPTIONS...: the whole suite in the VM on one kernel.
vm_run()
{
	local log=$WORK/vmtest-$1.log

	shift
	"$REPO/scripts/vmtest.sh" --no-setup "$@" --nodes 2 \
		--require-windows --log "$log" && vm_skips_allowed "$log"
}

# The debug test kernel of scripts/build-kernel.sh: the unpatched one
# the mutants stage just built, else a build of its own.
vm_debug()
{
	local image=$MUT_KERNELS/clean-debug.bzImage

	if [ "$RUN_MUTANTS" -eq 1 ] && [ -f "$image" ]; then
		vm_run debug --kernel "$image" \
			--config "$MUT_KERNELS/clean-debug.config"
		return
	fi
	image=$("$REPO/scripts/build-kernel.sh" --no-setup --flavour debug |
		tail -n 1) || return 1
	vm_run debug --kernel "$image"
}

# A few kills at random moments in the VM: the machine must be put back
# every time (scripts/killtest.sh; --kills 50 for the long run).  The
# seed is the long run's measured one (docs/measurements.md), so that a
# red stage can be replayed; the moments still vary with timing.
kill_run()
{
	"$REPO/scripts/killtest.sh" --vm --no-setup --kills 5 --seed 2026
}

main()
{
	mkdir -p "$WORK"
	if [ $RUN_SETUP -eq 1 ]; then
		stage setup "$REPO/scripts/setup.sh"
	fi
	stage checkpatch run_checkpatch
	stage build-gcc build_with gcc
	stage build-clang build_with clang LLVM=1
	stage lib-unit-tests lib_unit_tests
	stage console-tests "$REPO/scripts/console-test.sh"
	stage in-tree in_tree
	stage mutants-apply "$REPO/scripts/mutants.sh" --no-setup --check
	stage upstream-series upstream_series
	if [ $RUN_HOST -eq 1 ]; then
		stage host-run host_run
	fi
	if [ $RUN_VM -eq 1 ]; then
		stage vm-6.12 vm_run 6.12 --kernel-version 6.12
		stage vm-6.1 vm_run 6.1 --kernel-version 6.1
		stage killtest kill_run
	fi
	if [ $RUN_MUTANTS -eq 1 ]; then
		stage mutants "$REPO/scripts/mutants.sh" --no-setup \
			--table "$WORK/mutants.md"
	fi
	if [ $RUN_VM -eq 1 ]; then
		stage vm-debug vm_debug
	fi
	[ -n "$FAILED_STAGES" ] && echo "failed stages:$FAILED_STAGES"
	echo "$PASSED passed, $FAILED failed"
	[ $FAILED -eq 0 ]
}

main
