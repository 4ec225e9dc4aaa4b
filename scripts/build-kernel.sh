#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds one small test kernel for the migration_races suite: tinyconfig
# plus scripts/kernel/base.config, then the flavour's fragment (debug,
# debug + KASAN, or Debian's own debug and hardening choices for the
# production flavour), and any fragments given, checked after olddefconfig so that
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
opt_debian_config=
opt_obj=
opt_jobs=$(nproc)
opt_setup=1
fragments=()

usage()
{
	cat <<EOF
Usage: $0 [OPTIONS]

Build a test kernel (bzImage) from a kernel tree: tinyconfig, then
$FRAG_DIR/base.config (what the suite and the VM need), then the
flavour's options, then every --fragment in order; olddefconfig; then
every option set in those fragments must still be set as requested, or
the build stops.  Flavours:
  debug       + debug.config: DEBUG_VM, DEBUG_VM_PGFLAGS, BUG_ON_DATA_CORRUPTION
  kasan       + debug.config + kasan.config: generic KASAN, SLUB_RCU_DEBUG
  production  + Debian's own value of every option production.options
              names (no DEBUG_VM, no KASAN; list and freelist hardening,
              KFENCE built in with sampling off, init_on_alloc...), read
              from the Debian 6.12 kernel config (--debian-config)

  --ksrc DIR        kernel source tree (default: Debian's linux-source-6.12
                    that scripts/setup.sh unpacked, $CACHE/ksrc)
  --flavour NAME    debug (default), kasan or production
  --debian-config F with --flavour production: Debian's kernel config
                    (default: the newest config-6.12.* that
                    scripts/vmtest.sh unpacked under \$MIGRATION_RACES_CACHE/
                    kernels/; run "scripts/vmtest.sh --kernel-version 6.12"
                    once to get it)
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
		--ksrc | --flavour | --debian-config | --fragment | --obj | -j)
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
			[[ $2 =~ ^(debug|kasan|production)$ ]] ||
				usage_error "--flavour wants debug, kasan or production, not '$2'"
			opt_flavour=$2
			;;
		--debian-config)
			[ -f "$2" ] ||
				usage_error "--debian-config: no such file '$2'"
			opt_debian_config=$(realpath "$2")
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

# The newest Debian 6.12 kernel config vmtest.sh unpacked, if any.
newest_debian_config()
{
	local f

	for f in "$CACHE"/kernels/6.12.*/boot/config-6.12.*; do
		[ -f "$f" ] && echo "$f"
	done | sort -V | tail -n1
}

# The production flavour's fragment: Debian's line for each option that
# production.options names ("CONFIG_X=v" or "# CONFIG_X is not set").
# Written once per Debian config, so that its name (and the build
# directory's key) changes with Debian's choices.
production_fragment()
{
	local sum out name line

	sum=$(cat "$opt_debian_config" "$FRAG_DIR/production.options" |
	      md5sum | cut -c1-8)
	out=$CACHE/kbuild/production-$sum.config
	if [ ! -f "$out" ]; then
		mkdir -p "$CACHE/kbuild"
		{
			echo "# Debian's choices, from $opt_debian_config"
			while read -r name; do
				case "$name" in '#'* | '') continue ;; esac
				line=$(grep -E "^(# )?CONFIG_${name}[= ]" \
					"$opt_debian_config" || true)
				[ -z "$line" ] || echo "$line"
			done < "$FRAG_DIR/production.options"
		} > "$out.tmp"
		mv "$out.tmp" "$out"
	fi
	echo "$out"
}

# The fragments of this build, in merge order.
all_fragments()
{
	echo "$FRAG_DIR/base.config"
	case "$opt_flavour" in
	debug) echo "$FRAG_DIR/debug.config" ;;
	kasan) printf '%s\n' "$FRAG_DIR/debug.config" "$FRAG_DIR/kasan.config" ;;
	production) echo "$PRODUCTION_FRAGMENT" ;;
	esac
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
	if [ "$opt_flavour" = production ]; then
		[ -n "$opt_debian_config" ] ||
			opt_debian_config=$(newest_debian_config)
		[ -n "$opt_debian_config" ] ||
			usage_error "--flavour production needs Debian's 6.12 kernel config: run 'scripts/vmtest.sh --kernel-version 6.12' once, or pass --debian-config"
		PRODUCTION_FRAGMENT=$(production_fragment)
	fi
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
