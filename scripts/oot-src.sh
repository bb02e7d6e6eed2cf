# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the scripts that make a second, out-of-tree build of the
# project (static analysis, sanitizers, valgrind).
#
# oot_src SRC BUILD prints the source directory to run configure from for
# a build in BUILD. An in-tree build (scripts/build.sh, CI) occupies SRC,
# and configure then refuses an out-of-tree build from it: in that case
# the tree's files (tracked, plus untracked ones git does not ignore) are
# copied to BUILD/src and that copy is used. configure is generated when
# missing.
oot_src() {
	local src=$1 build=$2
	if [ -f "$src/config.status" ]; then
		local copy="$build/src"
		rm -rf "$copy" && mkdir -p "$copy" || return 1
		(cd "$src" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) |
			tar -C "$copy" -xf - || return 1
		rm -f "$build/Makefile"
		src=$copy
	fi
	[ -x "$src/configure" ] || (cd "$src" && autoreconf -fi >/dev/null) || return 1
	echo "$src"
}
