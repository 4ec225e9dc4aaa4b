#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds one small test kernel for the migration_races suite: tinyconfig
# plus scripts/kernel/debug.config (and kasan.config for the KASAN
# flavour, and any fragments given), checked after olddefconfig so that
# no requested option went missing, built out of tree with ccache so that
# a rebuild after a one-file change (a mutant) takes seconds.  Prints the
# bzImage path as its last line.  scripts/mutants.sh builds through it;
# vmtest.sh --kernel boots what it prints.

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL="build-kernel"
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"
FRAG_DIR=$SCRIPT_DIR/kernel

opt_ksrc=$KSRC
opt_flavour=debug
opt_obj=
opt_jobs=$(nproc)
opt_setup=1
fragments=()

usage()
{
	cat <<EOF
Usage: $0 [OPTIONS]

Build a test kernel (bzImage) from a kernel tree: tinyconfig, then
$FRAG_DIR/debug.config, then for --flavour kasan also kasan.config,
then every --fragment in order; olddefconfig; then every option set in
those fragments must still be set as requested, or the build stops.

  --ksrc DIR        kernel source tree (default: Debian's linux-source-6.12
                    that scripts/setup.sh unpacked, $CACHE/ksrc)
  --flavour NAME    debug (default) or kasan
  --fragment FILE   one more config fragment, merged last (repeatable)
  --obj DIR         build directory (default: \$MIGRATION_RACES_CACHE/
                    kbuild/<flavour>-<hash of the source path and the
                    fragments' names>)
  -j N              parallel jobs (default: nproc = $opt_jobs)
  --no-setup        do not run scripts/setup.sh first
  -h, --help        this text

Output goes to the build directory, ccache to \$MIGRATION_RACES_CACHE/ccache;
the source tree is only read.  Exit status: 0 built, 1 usage or build error,
2 a requested option is not set after olddefconfig.
EOF
}

parse_options()
{
	while [ $# -gt 0 ]; do
		case "$1" in
		-h | --help)
			usage
			exit 0
			;;
		--no-setup)
			opt_setup=0
			shift
			continue
			;;
		--ksrc | --flavour | --fragment | --obj | -j)
			[ $# -ge 2 ] || usage_error "option '$1' needs a value"
			;;
		*)
			usage_error "unknown option '$1'"
			;;
		esac
		case "$1" in
		--ksrc)
			[ -f "$2/Makefile" ] && [ -d "$2/mm" ] ||
				usage_error "no kernel tree at '$2'"
			opt_ksrc=$2
			;;
		--flavour)
			[[ $2 =~ ^(debug|kasan)$ ]] ||
				usage_error "--flavour wants debug or kasan, not '$2'"
			opt_flavour=$2
			;;
		--fragment)
			[ -f "$2" ] || usage_error "no config fragment '$2'"
			fragments+=("$(realpath "$2")")
			;;
		--obj)
			opt_obj=$2
			;;
		-j)
			[[ $2 =~ ^[1-9][0-9]*$ ]] ||
				usage_error "-j wants a positive integer, not '$2'"
			opt_jobs=$2
			;;
		esac
		shift 2
	done
}

# The fragments of this build, in merge order.
all_fragments()
{
	echo "$FRAG_DIR/debug.config"
	[ "$opt_flavour" != kasan ] || echo "$FRAG_DIR/kasan.config"
	[ ${#fragments[@]} -eq 0 ] || printf '%s\n' "${fragments[@]}"
}

# Every "CONFIG_X=v" and "# CONFIG_X is not set" line of the fragments
# must be in the final .config as written.
check_config()
{
	local config=$1 frag line sym missing=0

	while read -r frag; do
		while IFS= read -r line; do
			case "$line" in
			CONFIG_*=*)
				grep -qxF -- "$line" "$config" && continue
				;;
			"# CONFIG_"*" is not set")
				sym=${line#\# }
				sym=${sym%% *}
				grep -q "^$sym=" "$config" || continue
				;;
			*)
				continue
				;;
			esac
			sym=${line#\# }
			sym=${sym%%[= ]*}
			log "requested '$line' ($(basename "$frag")), got '$(grep -E "^(# )?${sym}[= ]" "$config" || echo "$sym absent")'"
			missing=1
		done < "$frag"
	done < <(all_fragments)
	return $missing
}

# Writes the configuration to $OBJ/.config only when it changed, so that
# an unchanged configuration rebuilds nothing.
configure()
{
	local cand=.config.candidate
	local -a frags

	mapfile -t frags < <(all_fragments)
	mkdir -p "$OBJ"
	make -s -C "$opt_ksrc" O="$OBJ" KCONFIG_CONFIG=$cand "${MAKE_VARS[@]}" \
		tinyconfig >/dev/null
	(cd "$OBJ" && KCONFIG_CONFIG=$cand \
		"$opt_ksrc/scripts/kconfig/merge_config.sh" -m -O "$OBJ" \
		$cand "${frags[@]}" >/dev/null)
	make -s -C "$opt_ksrc" O="$OBJ" KCONFIG_CONFIG=$cand "${MAKE_VARS[@]}" \
		olddefconfig >/dev/null
	if ! check_config "$OBJ/$cand"; then
		log "options dropped by olddefconfig: a dependency is missing (see scripts/kernel/*.config)"
		exit 2
	fi
	if cmp -s "$OBJ/$cand" "$OBJ/.config"; then
		rm -f "$OBJ/$cand"
	else
		mv "$OBJ/$cand" "$OBJ/.config"
	fi
}

main()
{
	local start key

	parse_options "$@"
	if [ "$opt_setup" -eq 1 ]; then
		"$SCRIPT_DIR/setup.sh" >&2
	fi
	opt_ksrc=$(realpath "$opt_ksrc")
	if [ -z "$opt_obj" ]; then
		key=$(printf '%s\n' "$opt_ksrc" "$(all_fragments)" | md5sum | cut -c1-8)
		opt_obj=$CACHE/kbuild/$opt_flavour-$key
	fi
	OBJ=$(realpath -m "$opt_obj")
	# Same compiler line and build identity every time: ccache hits
	# and kbuild does not rebuild everything for a changed command.
	export CCACHE_DIR=$CACHE/ccache
	export CCACHE_BASEDIR=$opt_ksrc
	export CCACHE_NOHASHDIR=1
	export KBUILD_BUILD_TIMESTAMP="2024-01-01 00:00:00 UTC"
	export KBUILD_BUILD_USER=migration_races
	export KBUILD_BUILD_HOST=build
	MAKE_VARS=(ARCH=x86_64 CC="ccache gcc")
	configure
	start=$(date +%s)
	log "building $opt_flavour kernel from $opt_ksrc in $OBJ"
	make -s -C "$opt_ksrc" O="$OBJ" "${MAKE_VARS[@]}" -j"$opt_jobs" bzImage >&2
	log "built in $(($(date +%s) - start)) s"
	echo "$OBJ/arch/x86/boot/bzImage"
}

main "$@"
