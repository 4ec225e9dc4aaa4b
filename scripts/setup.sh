#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Idempotent set-up for the migration_races selftests on Debian 12:
# installs the packages the suite, the VM runner and the kernel builds
# need, unpacks Debian's linux-source-6.12 into a cache directory outside
# the repository and installs its uapi headers with "make headers" into an
# O= directory, so that the tests build against real 6.12 headers and the
# real kselftest framework (lib.mk, kselftest_harness.h).
#
# Usage: setup.sh [--no-apt]
#   MIGRATION_RACES_CACHE  cache directory (default ~/.cache/migration_races)

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL=setup
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"
KVER_SRC=6.12
PACKAGES="build-essential clang libnuma-dev linux-source-$KVER_SRC
	qemu-system-x86 busybox-static cpio kmod xz-utils zstd rsync
	flex bison bc libelf-dev libssl-dev ccache dwarves perl python3
	stress-ng"

install_packages()
{
	local missing=()
	local p

	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	apt-get update -q -o DPkg::Lock::Timeout=600
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		-o DPkg::Lock::Timeout=600 "${missing[@]}"
}

# Unpack /usr/src/linux-source-6.12.tar.xz once; a stamp file marks a
# complete extraction so an interrupted run starts over.
unpack_kernel_tree()
{
	local tarball

	tarball=$(ls /usr/src/linux-source-$KVER_SRC.tar.* 2>/dev/null | head -n1)
	[ -n "$tarball" ] || die "no linux-source-$KVER_SRC tarball"
	if [ -f "$CACHE/ksrc.stamp" ] &&
	   [ "$(cat "$CACHE/ksrc.stamp")" = "$tarball $(stat -c %Y "$tarball")" ]; then
		return 0
	fi
	log "unpacking $tarball into $CACHE"
	rm -rf "$CACHE/linux-source-$KVER_SRC" "$CACHE/khdr"
	mkdir -p "$CACHE"
	tar -C "$CACHE" -xf "$tarball"
	echo "$tarball $(stat -c %Y "$tarball")" > "$CACHE/ksrc.stamp"
}

install_headers()
{
	local ksrc="$CACHE/linux-source-$KVER_SRC"

	[ -f "$CACHE/khdr/usr/include/linux/mman.h" ] && return 0
	log "make headers into $CACHE/khdr"
	make -s -C "$ksrc" O="$CACHE/khdr" headers >/dev/null
	[ -f "$CACHE/khdr/usr/include/linux/mman.h" ] || {
		log "make headers produced no usr/include"; exit 1; }
}

main()
{
	case "${1:-}" in
	-h | --help)
		sed -n '/^# Usage:/,/^$/p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	--no-apt | "")
		;;
	*)
		usage_error "unknown option '$1'"
		;;
	esac
	if [ "${1:-}" != "--no-apt" ]; then
		install_packages
	fi
	unpack_kernel_tree
	install_headers
	ln -sfn "linux-source-$KVER_SRC" "$CACHE/ksrc"
	log "kernel tree: $CACHE/ksrc, headers: $CACHE/khdr/usr/include"
}

main "$@"
