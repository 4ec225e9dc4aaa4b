#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Makes the patch series that adds this suite to a kernel tree as
# tools/testing/selftests/migration_races/, ready for linux-mm and
# linux-kselftest, and checks it the way a maintainer would: git am on
# the base, every patch built on its own, the target built in tree and
# with O=, installed and listed by run_kselftest.sh, checkpatch --strict
# on every patch and get_maintainer.pl naming both lists.
#
# The series is made from the repository's HEAD (committed files only):
# patch 1 the library, the glue, config, settings, README, the TARGETS
# line and the MAINTAINERS entry; then one patch per test directory, in
# the order of the Makefile's SUBDIRS.  Commit messages, cover letter and
# README come from the templates in scripts/upstream/, filled from the
# project's README, docs/measurements.md (measured windows, mutants) and
# sources.

set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL="upstream-series"
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"
REPO=$REPO_DIR
TMPL=$SCRIPT_DIR/upstream
UP=$CACHE/upstream
SEEDS_DIR=${MIGRATION_RACES_SEEDS:-$REPO/../shared/seeds}
DEST=tools/testing/selftests/migration_races
SUITE=migration_races
LISTS="linux-mm@kvack.org linux-kselftest@vger.kernel.org"
# The default base: the set-up's kernel tree, committed once.
BASE_GIT=$UP/linux.git
BASE_NAME="Debian linux-source-6.12"
BASE_DATE="2025-01-01T00:00:00+0000"
BASE_IDENT_NAME="migration_races upstream-series"
BASE_IDENT_EMAIL="upstream-series@migration-races.invalid"

EXIT_OK=0
EXIT_CHECKS=2

opt_base=
opt_out=$UP/series
opt_check=1
opt_author=

usage()
{
	cat <<EOF
Usage: $0 [OPTIONS]

Make the git format-patch series that adds this suite to a kernel tree
as $DEST/, from the repository's
HEAD (committed files only), and check it.

  --base-tree DIR   a kernel git repository (bare or not); the series is
                    made against its HEAD.  Default: $BASE_GIT,
                    a repository made once from the set-up's tree
                    ($KSRC) with a single commit
                    "Linux <version> ($BASE_NAME)".
  --out DIR         where the series goes (default $UP/series);
                    old *.patch files there are removed first.
  --author "N <E>"  author and Signed-off-by of the patches (default:
                    git config user.name and user.email of the repo).
  --no-check        make the series only.
  -h, --help        this text.

The work happens in a scratch worktree of the base repository
($UP/work/), never in the base's own tree.  Checks, each
printed with its result:
  am           git am of the series on a fresh detached HEAD at the base
               gives the same tree as the one it was made from
  bisect       every patch builds on its own, with O=
  build-O      make -C tools/testing/selftests TARGETS=$SUITE O=...
  build-tree   the same in the source tree (uapi headers of "make
               headers" passed as KHDR_INCLUDES), leaving no file that
               .gitignore does not cover; then "clean" removes them all
  install      make ... install: run_kselftest.sh -l lists exactly the
               TEST_GEN_PROGS of every test directory, all installed
  checkpatch   scripts/checkpatch.pl --strict on every patch: no error,
               no check, and no warning but FILE_PATH_CHANGES on a patch
               whose new files a MAINTAINERS F: line already covers
  maintainers  scripts/get_maintainer.pl names $LISTS for every patch

Exit status: 0 made (and checked), 1 usage or set-up error, 2 a check
failed.
Environment:
  MIGRATION_RACES_CACHE  cache directory (default ~/.cache/migration_races)
  MIGRATION_RACES_SEEDS  the seed patches, to check the cited subjects
                         (default ../shared/seeds of the repository)
EOF
}

parse_options()
{
	while [ $# -gt 0 ]; do
		case "$1" in
		-h | --help)
			usage
			exit $EXIT_OK
			;;
		--no-check)
			opt_check=0
			shift
			continue
			;;
		--base-tree | --out | --author)
			[ $# -ge 2 ] && [ -n "$2" ] ||
				usage_error "option '$1' needs a value"
			;;
		*)
			usage_error "unknown option '$1'"
			;;
		esac
		case "$1" in
		--base-tree)
			opt_base=$2
			;;
		--out)
			opt_out=$2
			;;
		--author)
			[[ $2 =~ ^[^\<\>]+\ \<[^\<\>@\ ]+@[^\<\>\ ]+\>$ ]] ||
				usage_error "--author wants \"Name <email>\", not '$2'"
			opt_author=$2
			;;
		esac
		shift 2
	done
}

# The version of a kernel tree, from its Makefile.
tree_version()
{
	awk '$1 == "VERSION" { v = $3 } $1 == "PATCHLEVEL" { p = $3 }
	     $1 == "SUBLEVEL" { s = $3 }
	     END { if (v == "") exit 1; printf "%s.%s", v, p; if (s != "" && s != 0) printf ".%s", s }' \
		"$1/Makefile"
}

# git with the fixed identity and dates of the base commit.
base_git()
{
	GIT_AUTHOR_NAME=$BASE_IDENT_NAME GIT_AUTHOR_EMAIL=$BASE_IDENT_EMAIL \
	GIT_COMMITTER_NAME=$BASE_IDENT_NAME \
	GIT_COMMITTER_EMAIL=$BASE_IDENT_EMAIL \
	GIT_AUTHOR_DATE=$BASE_DATE GIT_COMMITTER_DATE=$BASE_DATE \
		git "$@"
}

base_intact()
{
	local subject=$1

	git --git-dir="$BASE_GIT" rev-parse -q --verify 'HEAD^{commit}' \
		>/dev/null 2>&1 &&
	[ -z "$(git --git-dir="$BASE_GIT" rev-list --max-parents=1 --min-parents=1 HEAD 2>/dev/null)" ] &&
	[ "$(git --git-dir="$BASE_GIT" log -1 --format=%s HEAD)" = "$subject" ] &&
	[ "$(cat "$BASE_GIT/mr-source" 2>/dev/null)" = "$(cat "$CACHE/ksrc.stamp" 2>/dev/null)" ] &&
	git --git-dir="$BASE_GIT" cat-file -e 'HEAD^{tree}'
}

# The default base: the set-up's tree read as a work tree (it is only
# read; a copy of the suite that scripts/check.sh may have put into it is
# left out), committed once with a fixed identity and date, so the same
# tree always gives the same base commit.
make_default_base()
{
	local ver subject tmp tree commit

	[ -f "$KSRC/Makefile" ] ||
		die "no kernel tree at $KSRC: run scripts/setup.sh, or pass --base-tree"
	ver=$(tree_version "$KSRC") || die "no kernel version in $KSRC/Makefile"
	subject="Linux $ver ($BASE_NAME)"
	if base_intact "$subject"; then
		return 0
	fi
	log "making the base repository $BASE_GIT from $KSRC (once; a few minutes)"
	tmp=$BASE_GIT.tmp
	rm -rf "$tmp" "$BASE_GIT"
	mkdir -p "$UP"
	git init -q --bare --initial-branch="linux-$ver" "$tmp" || return 1
	git --git-dir="$tmp" config core.bigFileThreshold 16m
	GIT_INDEX_FILE=$tmp/index.import \
		git -C "$KSRC" --git-dir="$tmp" --work-tree=. add -A -f -- . \
		":(exclude)$DEST" || return 1
	tree=$(GIT_INDEX_FILE=$tmp/index.import git --git-dir="$tmp" write-tree) ||
		return 1
	rm -f "$tmp/index.import"
	commit=$(echo "$subject" | base_git --git-dir="$tmp" commit-tree "$tree") ||
		return 1
	git --git-dir="$tmp" update-ref "refs/heads/linux-$ver" "$commit" || return 1
	cp "$CACHE/ksrc.stamp" "$tmp/mr-source" 2>/dev/null || : > "$tmp/mr-source"
	mv "$tmp" "$BASE_GIT"
	base_intact "$subject" || die "the new base repository $BASE_GIT is not intact"
}

# A worktree of the base for generation and checks, one per base
# repository, reused across runs and reset to the base each time.
prepare_scratch()
{
	local key

	key=$(printf '%s' "$BASE_REPO" | sha1sum | cut -c1-12)
	SCRATCH=$UP/work/tree-$key
	OBJ=$UP/work/obj-$key
	mkdir -p "$UP/work"
	if [ "$(git -C "$SCRATCH" rev-parse --path-format=absolute --git-common-dir 2>/dev/null)" != \
	     "$(git --git-dir="$BASE_GITDIR" rev-parse --path-format=absolute --git-common-dir)" ]; then
		log "checking out the base into $SCRATCH (once)"
		rm -rf "$SCRATCH"
		git --git-dir="$BASE_GITDIR" worktree prune
		git --git-dir="$BASE_GITDIR" worktree add -q --detach "$SCRATCH" "$BASE" ||
			die "cannot add a worktree of $BASE_REPO"
	fi
	reset_scratch
}

reset_scratch()
{
	git -C "$SCRATCH" am --abort >/dev/null 2>&1
	git -C "$SCRATCH" checkout -q -f --detach "$BASE" &&
		git -C "$SCRATCH" clean -q -f -d -x -- "$DEST" tools/testing/selftests ||
		die "cannot reset $SCRATCH to the base"
}

# The files of HEAD that go upstream: the glue, config and settings, the
# README (written for upstream from a template), lib/ without its unit
# tests, and the test directories named by SUBDIRS.
export_suite()
{
	STAGE=$UP/work/suite
	rm -rf "$STAGE" && mkdir -p "$STAGE"
	git -C "$REPO" archive HEAD | tar -x -C "$STAGE" ||
		die "cannot export HEAD of $REPO"
	SUBDIRS=$(sed -n 's/^SUBDIRS += \([a-z0-9_-]*\)$/\1/p' "$STAGE/Makefile")
	[ -n "$SUBDIRS" ] || die "no 'SUBDIRS += DIR' lines in the Makefile"
	grep -q '^# Project tooling from here to the end' "$STAGE/Makefile" ||
		die "no project tooling marker in the Makefile"
	GLUE_FILES=$(git -C "$REPO" ls-tree -r --name-only HEAD -- Makefile \
		config settings lib | grep -v '^lib/tests/')
	# A project target merged above the marker would go upstream.
	upstream_makefile | grep -n 'scripts/' &&
		die "the Makefile refers to scripts/ above its project tooling line"
	log "left out: $(git -C "$REPO" ls-tree -r --name-only HEAD |
		grep -v -x -F "$(printf '%s\nREADME\n' "$GLUE_FILES")" |
		grep -v -E "^($(echo $SUBDIRS | tr ' ' '|'))/" |
		sed 's|^\([^/]*/\(tests/\)\{0,1\}\).*|\1|' | sort -u | paste -sd' ')"
}

# The upstream Makefile: everything above the project tooling marker,
# with the SUBDIRS lines of the directories added so far.
upstream_makefile()
{
	local have=" $* "

	awk -v have="$have" '
		/^# Project tooling from here to the end/ { exit }
		/^SUBDIRS \+= / && index(have, " " $3 " ") == 0 { next }
		{ lines[n++] = $0 }
		END { while (n > 0 && lines[n - 1] == "") n--
		      for (i = 0; i < n; i++) print lines[i] }' \
		"$STAGE/Makefile"
}

fill()
{
	perl "$TMPL/fill.pl" "$STAGE/README" "$STAGE/docs/measurements.md" \
		"$TMPL/seeds" "$STAGE" < "$1"
}

# The subjects the templates cite, against the seed patches themselves.
check_seed_subjects()
{
	local id subject file first

	[ -d "$SEEDS_DIR" ] || return 0
	while read -r id subject; do
		case "$id" in '' | '#'*) continue ;; esac
		file=$(ls "$SEEDS_DIR"/*_"$id".txt 2>/dev/null | head -n1)
		[ -n "$file" ] || die "seed $id of $TMPL/seeds is not in $SEEDS_DIR"
		first=$(head -n1 "$file" | sed 's/^\[PATCH[^]]*\] *//')
		[ "$first" = "$subject" ] ||
			die "seed $id: '$subject' in $TMPL/seeds, '$first' in $file"
	done < "$TMPL/seeds"
}

# add_f_line SECTION PATTERN: an F: line in sorted position among the F:
# lines of a MAINTAINERS section.
add_f_line()
{
	local section=$1 pattern=$2 f=$SCRATCH/MAINTAINERS

	grep -qxF "$section" "$f" || die "no MAINTAINERS section '$section'"
	LC_ALL=C awk -v section="$section" -v pat="$pattern" '
		!done && $0 == section { in_sec = 1 }
		in_sec && !done && /^F:\t/ && substr($0, 4) > pat ||
		in_sec && !done && seen_f && !/^F:\t/ {
			print "F:\t" pat; done = 1 }
		in_sec && /^F:\t/ { seen_f = 1 }
		in_sec && /^$/ { in_sec = 0 }
		{ print }
		END { if (!done) exit 1 }' "$f" > "$f.new" &&
		mv "$f.new" "$f" || die "cannot add F: $pattern to '$section'"
}

maintainers_for()
{
	local dir=$1 d section

	while read -r d section; do
		case "$d" in '' | '#'*) continue ;; esac
		[ "$d" = "$dir" ] || continue
		if [ "$d" = . ]; then
			add_f_line "$section" "$DEST/"
		else
			add_f_line "$section" "$DEST/$d/"
		fi
	done < "$TMPL/maintainers"
}

add_targets_line()
{
	local f=$SCRATCH/tools/testing/selftests/Makefile

	grep -qx "TARGETS += $SUITE" "$f" && die "the base already has TARGETS += $SUITE"
	LC_ALL=C awk -v t="$SUITE" '
		!done && /^TARGETS \+= / && $3 > t { print "TARGETS += " t; done = 1 }
		{ print }
		END { if (!done) exit 1 }' "$f" > "$f.new" &&
		mv "$f.new" "$f" || die "no place for TARGETS += $SUITE"
}

progs_of()
{
	perl -e 'local $/; $_ = <STDIN>; s/\\\n/ /g;
		 print "$1 " while (/^TEST_GEN_PROGS\s*[:+]?=\s*(.*)$/mg)' \
		< "$1/Makefile"
}

commit_patch()
{
	local msg=$1

	# -f: Debian's tree ignores everything at its top level (its
	# packaging lines at the end of .gitignore).
	git -C "$SCRATCH" add -A -f -- "$DEST" tools/testing/selftests/Makefile \
		MAINTAINERS || return 1
	{
		cat "$msg"
		echo
		echo "Signed-off-by: $AUTHOR"
	} > "$msg.full"
	GIT_AUTHOR_NAME=${AUTHOR% <*} GIT_AUTHOR_EMAIL=$AUTHOR_EMAIL \
	GIT_COMMITTER_NAME=${AUTHOR% <*} GIT_COMMITTER_EMAIL=$AUTHOR_EMAIL \
	GIT_AUTHOR_DATE=$DATE GIT_COMMITTER_DATE=$DATE \
		git -C "$SCRATCH" commit -q --no-verify -F "$msg.full"
}

generate()
{
	local msgs=$UP/work/msg done_dirs="" d p f

	export_suite
	check_seed_subjects
	rm -rf "$msgs" && mkdir -p "$msgs"
	fill "$TMPL/README.in" > "$msgs/README" || die "cannot fill README.in"
	fill "$TMPL/commit-lib.txt" > "$msgs/lib" || die "cannot fill commit-lib.txt"
	for d in $SUBDIRS; do
		[ -f "$TMPL/commit-$d.txt" ] ||
			die "no commit message template $TMPL/commit-$d.txt for $d/"
		fill "$TMPL/commit-$d.txt" > "$msgs/$d" ||
			die "cannot fill commit-$d.txt"
	done

	# Patch 1: library, glue, README, TARGETS, MAINTAINERS.
	mkdir -p "$SCRATCH/$DEST"
	for f in $GLUE_FILES; do
		mkdir -p "$SCRATCH/$DEST/$(dirname "$f")"
		cp "$STAGE/$f" "$SCRATCH/$DEST/$f"
	done
	upstream_makefile > "$SCRATCH/$DEST/Makefile"
	cp "$msgs/README" "$SCRATCH/$DEST/README"
	add_targets_line
	maintainers_for .
	commit_patch "$msgs/lib" || die "cannot commit patch 1"

	# One patch per test directory.
	for d in $SUBDIRS; do
		git -C "$REPO" ls-tree -r --name-only HEAD -- "$d" > "$msgs/$d.files"
		[ -s "$msgs/$d.files" ] || die "SUBDIRS names $d/, which HEAD lacks"
		while read -r f; do
			mkdir -p "$SCRATCH/$DEST/$(dirname "$f")"
			cp "$STAGE/$f" "$SCRATCH/$DEST/$f"
		done < "$msgs/$d.files"
		{
			# (split so that checkpatch does not read it as this
			# script's own tag)
			printf '# SPDX-%s\n' 'License-Identifier: GPL-2.0-only'
			for p in $(progs_of "$STAGE/$d"); do
				echo "$p"
			done
		} > "$SCRATCH/$DEST/$d/.gitignore"
		done_dirs="$done_dirs $d"
		# shellcheck disable=SC2086
		upstream_makefile $done_dirs > "$SCRATCH/$DEST/Makefile"
		maintainers_for "$d"
		commit_patch "$msgs/$d" || die "cannot commit the patch of $d/"
	done
	TIP=$(git -C "$SCRATCH" rev-parse HEAD)

	mkdir -p "$opt_out" && rm -f "$opt_out"/*.patch
	GIT_COMMITTER_DATE=$DATE \
		git -C "$SCRATCH" format-patch -q --cover-letter --base="$BASE" \
		-o "$opt_out" "$BASE..$TIP" || die "git format-patch failed"
	PATCHES=$(for p in "$opt_out"/[0-9][0-9][0-9][0-9]-*.patch; do
		case "$p" in */0000-*) ;; *) echo "$p" ;; esac
	done)
	write_cover "$msgs"
	log "series: $opt_out ($(echo "$PATCHES" | wc -l) patches and a cover letter)"
}

# Patches that add files without touching MAINTAINERS: checkpatch asks
# each of them whether MAINTAINERS needs updating.
patches_without_maintainers()
{
	local p n

	for p in $PATCHES; do
		grep -q '^new file mode' "$p" || continue
		grep -q '^ MAINTAINERS *|' "$p" && continue
		n=$(basename "$p" | cut -c1-4)
		echo $((10#$n))
	done
}

write_cover()
{
	local msgs=$1 cover nums note dirs

	cover=$(ls "$opt_out"/0000-*.patch)
	dirs=$(echo "$PATCHES" | wc -l)
	if [ "$dirs" -gt 2 ]; then
		dirs="patches 2-$dirs add"
	else
		dirs="patch 2 adds"
	fi
	fill "$TMPL/cover.txt" > "$msgs/cover" || die "cannot fill cover.txt"
	nums=$(patches_without_maintainers | paste -sd, |
		sed 's/,/, /g; s/\(.*\), /\1 and /')
	if [ -z "$nums" ]; then
		note="checkpatch.pl --strict: no errors, no warnings, no checks."
	else
		note="checkpatch.pl --strict: no errors and no checks.  The one warning it
gives is about what it cannot know here, not about the code:"
	fi
	if [ -n "$nums" ]; then
		note="$note
- FILE_PATH_CHANGES (\"added, moved or deleted file(s), does MAINTAINERS
  need updating?\"), once on each of patches $nums: checkpatch asks it of
  every patch that adds files without touching MAINTAINERS, and the F:
  line of patch 1 covers those files."
	fi
	perl -e '
		my ($cover, $body, $note, $dirs) = @ARGV;
		local $/;
		open(my $b, "<", $body) or die; my $text = <$b>; close($b);
		$text =~ s/\@CHECKPATCH_NOTE\@\n/$note\n/;
		$text =~ s/\@DIR_PATCHES\@/$dirs/;
		my ($subject, $blurb) = $text =~ /^(.*?)\n\n(.*)$/s or die;
		open(my $c, "<", $cover) or die; my $patch = <$c>; close($c);
		$patch =~ s/\*\*\* SUBJECT HERE \*\*\*/$subject/ or die;
		$patch =~ s/\*\*\* BLURB HERE \*\*\*\n/$blurb/ or die;
		open($c, ">", $cover) or die; print $c $patch; close($c);
	' "$cover" "$msgs/cover" "$note" "$dirs" || die "cannot write the cover letter"
}

FAILED_CHECKS=""

check()
{
	local name=$1 start rc

	shift
	start=$(date +%s)
	"$@" > "$LOGDIR/$name.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "check $name: ok ($(($(date +%s) - start)) s)"
	else
		echo "check $name: FAILED ($(($(date +%s) - start)) s), log $LOGDIR/$name.log:"
		tail -n 30 "$LOGDIR/$name.log" | sed 's/^/    /'
		FAILED_CHECKS="$FAILED_CHECKS $name"
	fi
	[ -f "$LOGDIR/$name.summary" ] && sed 's/^/    /' "$LOGDIR/$name.summary"
	return 0
}

st_make()
{
	make -s -j2 -C "$SCRATCH/tools/testing/selftests" TARGETS=$SUITE "$@"
}

check_am()
{
	reset_scratch
	# shellcheck disable=SC2086
	GIT_COMMITTER_NAME=${AUTHOR% <*} GIT_COMMITTER_EMAIL=$AUTHOR_EMAIL \
		git -C "$SCRATCH" am -q --whitespace=error $PATCHES || return 1
	[ "$(git -C "$SCRATCH" rev-parse 'HEAD^{tree}')" = \
	  "$(git -C "$SCRATCH" rev-parse "$TIP^{tree}")" ] || {
		echo "git am gave another tree than the series was made from"
		return 1; }
	AM_TIP=$(git -C "$SCRATCH" rev-parse HEAD)
}

# The uapi headers of the base, installed once into the O= directory
# (make headers is quick when they are there already).
headers()
{
	make -s -C "$SCRATCH" O="$OBJ" headers >/dev/null &&
		[ -f "$OBJ/usr/include/linux/mman.h" ]
}

check_bisect()
{
	local c n=0

	headers || { echo "make headers failed"; return 1; }
	rm -rf "$OBJ/kselftest"
	for c in $(git -C "$SCRATCH" rev-list --reverse "$BASE..$AM_TIP"); do
		n=$((n + 1))
		git -C "$SCRATCH" checkout -q --detach "$c" || return 1
		echo "patch $n: $(git -C "$SCRATCH" log -1 --format=%s "$c")"
		st_make O="$OBJ" || { echo "patch $n does not build"; return 1; }
	done
	git -C "$SCRATCH" checkout -q --detach "$AM_TIP"
}

# The tip was built with O= into an empty directory by check_bisect:
# the programs are there, and a second make has nothing to do.
check_build_o()
{
	local p missing=0

	for p in $(expected_tests); do
		p=${p#"$SUITE"/}
		[ -x "$OBJ/kselftest/$SUITE/${p%%:*}/${p##*:}" ] || {
			echo "not built: $OBJ/kselftest/$SUITE/${p%%:*}/${p##*:}"
			missing=1; }
	done
	[ $missing -eq 0 ] || return 1
	[ -z "$(st_make O="$OBJ" 2>&1 | grep -v 'Nothing to be done\|is up to date')" ] || {
		echo "a second make O= rebuilt something"; return 1; }
}

# SUITE/dir:prog for every program of every test directory at the tip.
expected_tests()
{
	local d p

	for d in $(sed -n 's/^SUBDIRS += //p' "$SCRATCH/$DEST/Makefile"); do
		for p in $(progs_of "$SCRATCH/$DEST/$d"); do
			echo "$SUITE/$d:$p"
		done
	done | sort
}

# The suite's .gitignore files on their own, in a throw-away repository
# made from the built directory: Debian's tree ignores everything at its
# top level, so its own status would hide what they miss.
uncovered_files()
{
	local tmp=$UP/work/gitignore-check

	rm -rf "$tmp" && mkdir -p "$tmp" &&
		cp -a "$SCRATCH/$DEST/." "$tmp/" &&
		git -C "$tmp" init -q && git -C "$tmp" add -A || return 1
	diff <(git -C "$tmp" ls-files | sort) \
	     <(git -C "$SCRATCH/$DEST" ls-files | sort) | sed -n 's/^< //p'
	rm -rf "$tmp"
}

check_build_tree()
{
	local left

	st_make KHDR_INCLUDES="-isystem $OBJ/usr/include" || return 1
	[ -n "$(git -C "$SCRATCH" status --porcelain --ignored -- "$DEST")" ] || {
		echo "the in-tree build made no files"; return 1; }
	left=$(uncovered_files) || return 1
	[ -z "$left" ] || {
		echo "files the in-tree build left that .gitignore does not cover:"
		echo "$left"; return 1; }
	st_make KHDR_INCLUDES="-isystem $OBJ/usr/include" clean >/dev/null || return 1
	left=$(git -C "$SCRATCH" status --porcelain --ignored -- "$DEST")
	[ -z "$left" ] || {
		echo "files \"make clean\" left behind:"
		echo "$left"; return 1; }
}

check_install()
{
	local inst=$UP/work/install p want got missing=0

	rm -rf "$inst"
	st_make O="$OBJ" INSTALL_PATH="$inst" install >/dev/null || return 1
	want=$(expected_tests)
	for p in $want; do
		p=${p#"$SUITE"/}
		[ -x "$inst/$SUITE/${p%%:*}/${p##*:}" ] || {
			echo "not installed: $p"; missing=1; }
	done
	got=$("$inst/run_kselftest.sh" -l | sort)
	echo "run_kselftest.sh -l:"
	echo "$got"
	echo "$got" | sed 's/^/list: /' > "$LOGDIR/install.summary"
	[ "$want" = "$got" ] || {
		echo "expected:"; echo "$want"; return 1; }
	[ $missing -eq 0 ] && [ -f "$inst/$SUITE/settings" ] &&
		[ -f "$inst/$SUITE/config" ]
}

# checkpatch.pl --strict on every patch: no error and no check; the only
# warning allowed is the one checkpatch cannot settle, verified:
# FILE_PATH_CHANGES on a patch whose new files MAINTAINERS covers.
check_checkpatch()
{
	local p out counts errors warnings checks types bad=0 allowed n t ids id

	allowed=" $(patches_without_maintainers | tr '\n' ' ') "
	: > "$LOGDIR/checkpatch.summary"
	for p in $PATCHES; do
		n=$((10#$(basename "$p" | cut -c1-4)))
		out=$(cd "$SCRATCH" && perl scripts/checkpatch.pl --strict \
			--show-types "$p" 2>&1)
		echo "$out"
		counts=$(echo "$out" | sed -n 's/^total: \([0-9]*\) errors*, \([0-9]*\) warnings*, \([0-9]*\) checks*,.*/\1 \2 \3/p' | tail -n1)
		read -r errors warnings checks <<<"$counts"
		[ -n "$checks" ] || { echo "no total line for $p"; bad=1; continue; }
		types=$(echo "$out" | sed -n 's/^\(ERROR\|WARNING\|CHECK\):\([A-Z_]*\):.*/\1:\2/p' |
			sort | uniq -c | awk '{ printf " %s x%s", $2, $1 }')
		echo "patch $n: $errors errors, $warnings warnings, $checks checks${types:+ (}${types# }${types:+)}" \
			>> "$LOGDIR/checkpatch.summary"
		[ "$errors" -eq 0 ] && [ "$checks" -eq 0 ] || bad=1
		for t in $(echo "$out" | sed -n 's/^WARNING:\([A-Z_]*\):.*/\1/p' | sort -u); do
			case "$t" in
			FILE_PATH_CHANGES)
				[[ $allowed == *" $n "* ]] && covered_by_mm "$p" &&
					[ "$(echo "$out" | grep -c '^WARNING:FILE_PATH_CHANGES:')" -eq 1 ] &&
					continue
				;;
			esac
			echo "patch $n: warning $t not allowed"
			bad=1
		done
	done
	return $bad
}

# Every file a patch adds is under an F: directory of a MAINTAINERS
# section with the mm list, once the series is applied (the F: line of
# patch 1).  Read from the series' own MAINTAINERS, as get_maintainer.pl
# is below: the tree itself moves while check_bisect runs.
covered_by_mm()
{
	local f d dirs

	dirs=$(awk '/^$/ { if (mm) print f; mm = 0; f = "" }
		    /^L:\tlinux-mm@kvack.org/ { mm = 1 }
		    /^F:\t.*\/$/ { f = f " " substr($0, 4) }' "$LOGDIR/MAINTAINERS")
	for f in $(sed -n 's|^+++ b/||p' "$1"); do
		case "$f" in MAINTAINERS | tools/testing/selftests/Makefile) continue ;; esac
		for d in $dirs; do
			case "$f" in "$d"*) continue 2 ;; esac
		done
		echo "$f: in no MAINTAINERS section with linux-mm"
		return 1
	done
}

check_maintainers()
{
	local p out l bad=0 n

	: > "$LOGDIR/maintainers.summary"
	for p in $opt_out/0000-*.patch $PATCHES; do
		out=$(cd "$SCRATCH" && perl scripts/get_maintainer.pl --no-git \
			--no-git-fallback --mpath "$LOGDIR/MAINTAINERS" "$p" 2>&1)
		n=$(basename "$p" | cut -c1-4)
		echo "== $(basename "$p")"
		echo "$out"
		[ "$n" = 0000 ] && continue
		for l in $LISTS; do
			echo "$out" | grep -q "^$l" || {
				echo "$(basename "$p"): $l not named"; bad=1; }
		done
		echo "patch $((10#$n)): $(echo "$out" | sed 's/ (.*//' | paste -sd, | sed 's/,/, /g')" \
			>> "$LOGDIR/maintainers.summary"
	done
	return $bad
}

run_checks()
{
	LOGDIR=$UP/work/logs
	rm -rf "$LOGDIR" && mkdir -p "$LOGDIR"
	AM_TIP=
	git -C "$SCRATCH" show "$TIP:MAINTAINERS" > "$LOGDIR/MAINTAINERS" ||
		die "no MAINTAINERS in the series"
	check am check_am
	if [ -z "$AM_TIP" ]; then
		check checkpatch check_checkpatch
		check maintainers check_maintainers
	else
		# checkpatch and get_maintainer run next to the builds: they
		# read only files the series does not change (checkpatch.pl,
		# its data, the git objects) and the series' MAINTAINERS.
		(check checkpatch check_checkpatch
		 check maintainers check_maintainers) > "$LOGDIR/read-only.out" &
		check bisect check_bisect
		check build-O check_build_o
		check build-tree check_build_tree
		check install check_install
		wait
		cat "$LOGDIR/read-only.out"
		grep -q '^check [a-z-]*: FAILED' "$LOGDIR/read-only.out" &&
			FAILED_CHECKS="$FAILED_CHECKS $(sed -n 's/^check \([a-z-]*\): FAILED.*/\1/p' "$LOGDIR/read-only.out" | paste -sd' ')"
	fi
	reset_scratch
	if [ -n "$FAILED_CHECKS" ]; then
		echo "failed checks:$FAILED_CHECKS"
		return $EXIT_CHECKS
	fi
	echo "all checks passed"
}

main()
{
	local start

	parse_options "$@"
	start=$(date +%s)
	command -v git >/dev/null || die "git is missing"
	AUTHOR=${opt_author:-"$(git -C "$REPO" config user.name) <$(git -C "$REPO" config user.email)>"}
	[[ $AUTHOR =~ ^[^\<\>]+\ \<[^\<\>@\ ]+@[^\<\>\ ]+\>$ ]] ||
		die "no author: set git config user.name and user.email, or pass --author"
	AUTHOR_EMAIL=${AUTHOR##*<}
	AUTHOR_EMAIL=${AUTHOR_EMAIL%>}
	# The patches carry the date of HEAD: the same HEAD, the same series.
	DATE=$(git -C "$REPO" log -1 --format=%cI HEAD) || die "no HEAD in $REPO"

	opt_out=$(realpath -m "$opt_out")
	case "$opt_out/" in
	"$(realpath "$REPO")"/*)
		usage_error "--out must be outside the repository" ;;
	esac
	mkdir -p "$opt_out" || die "cannot make $opt_out"
	# One run at a time: the base and the scratch worktree are shared.
	mkdir -p "$UP/work"
	exec 9> "$UP/work/lock"
	flock -w 1800 9 || die "another upstream-series run holds $UP/work/lock"

	if [ -z "$opt_base" ]; then
		make_default_base || die "cannot make the base repository"
		BASE_REPO=$BASE_GIT
	else
		BASE_REPO=$(cd "$opt_base" 2>/dev/null && pwd) ||
			usage_error "--base-tree: no directory '$opt_base'"
	fi
	BASE_GITDIR=$(git -C "$BASE_REPO" rev-parse --path-format=absolute --git-common-dir 2>/dev/null) ||
		usage_error "--base-tree: '$BASE_REPO' is not a git repository"
	BASE=$(git --git-dir="$BASE_GITDIR" rev-parse -q --verify 'HEAD^{commit}') ||
		die "$BASE_REPO has no HEAD commit"
	log "base: $BASE_REPO $(git --git-dir="$BASE_GITDIR" log -1 --format='%h ("%s")' "$BASE")"
	git --git-dir="$BASE_GITDIR" cat-file -e "$BASE:tools/testing/selftests/lib.mk" 2>/dev/null ||
		die "$BASE_REPO is not a kernel tree with kselftests"

	prepare_scratch
	generate
	ls "$opt_out"
	if [ $opt_check -eq 1 ]; then
		run_checks
		rc=$?
	else
		reset_scratch
		rc=$EXIT_OK
	fi
	log "done in $(($(date +%s) - start)) s"
	return $rc
}

main "$@"
