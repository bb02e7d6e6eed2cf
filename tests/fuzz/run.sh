#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/fuzz/run.sh — build and run the libFuzzer targets.
#
#   run.sh [--build|--regress|--ci|--long] [TARGET...]
#
#   --build    build only
#   --regress  replay the committed seeds, then fuzz each target briefly
#              (FUZZ_SECONDS, default 3): what `make check` runs
#   --ci       fuzz each target for FUZZ_SECONDS (default 20)
#   --long     fuzz each target for FUZZ_SECONDS (default 600): `make fuzz`
#
# The targets are built here with clang directly, not by automake: libFuzzer
# only exists in clang, and configure may well have chosen gcc. Without a
# clang that can link -fsanitize=fuzzer the script prints why and exits 77
# (automake's "skipped").
#
# Environment: CLANG (compiler, default clang, then clang-14), FUZZ_SECONDS,
# FUZZ_BUILDDIR (default $top_builddir/tests/fuzz/build, else /tmp/xcmux-fuzz),
# FUZZ_JOBS (parallel fuzzing processes per target, default 1),
# top_srcdir (default: this script's ../..).
# Grown corpora and crash artifacts live in the build dir; a crash input is
# reported by path so it can be added to corpus/<target>/ as a regression.
# The last line is "N passed, N failed".
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
if [ -n "${top_builddir:-}" ]; then
	build=${FUZZ_BUILDDIR:-$top_builddir/tests/fuzz/build}
else
	build=${FUZZ_BUILDDIR:-${TMPDIR:-/tmp}/xcmux-fuzz}
fi

mode=long
case "${1:-}" in
--build|--regress|--ci|--long) mode=${1#--}; shift ;;
-h|--help) sed -n '3,25p' "$0"; exit 0 ;;
esac
case $mode in
regress) secs=${FUZZ_SECONDS:-3} ;;
ci) secs=${FUZZ_SECONDS:-20} ;;
*) secs=${FUZZ_SECONDS:-600} ;;
esac
jobs=${FUZZ_JOBS:-1}

all_targets="proto escape parse-u64 ring config hkfilter hotkey ws http"
targets=${*:-$all_targets}

# Sources each target links, relative to top_srcdir.
sources_for() {
	case $1 in
	proto) echo protocol/proto.c ;;
	escape) echo daemon/escape.c ;;
	parse-u64) echo daemon/parse.c common/rules.c ;;
	ring) echo daemon/ring.c ;;
	config) echo daemon/config.c daemon/config-keys.c daemon/config-lex.c \
		daemon/hotkey-config.c daemon/access.c daemon/outbuf.c common/rules.c ;;
	hkfilter) echo protocol/hkfilter.c ;;
	ws) echo web/ws.c ;;
	http) echo web/http.c web/json.c web/ws.c ;;
	hotkey) echo daemon/hotkey-table.c daemon/config.c daemon/config-keys.c \
		daemon/config-lex.c daemon/hotkey-config.c daemon/access.c daemon/outbuf.c \
		common/rules.c ;;
	*) return 1 ;;
	esac
}

cc=${CLANG:-}
if [ -z "$cc" ]; then
	for c in clang clang-14; do
		if command -v "$c" >/dev/null 2>&1; then cc=$c; break; fi
	done
fi
if [ -z "$cc" ]; then
	echo "SKIP: no clang (libFuzzer needs clang; apt-get install clang)"
	exit 77
fi

mkdir -p "$build" || exit 99
probe="$build/.probe"
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" >"$probe.log" 2>&1; then
	echo "SKIP: $cc cannot link -fsanitize=fuzzer (install libclang-rt-dev):"
	sed 's/^/  /' "$probe.log" | head -5
	exit 77
fi

CFLAGS_FUZZ="-std=gnu17 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Wno-unused-parameter -Werror -I$top_srcdir"
inih_cflags=$(pkg-config --cflags inih 2>/dev/null)
inih_libs=$(pkg-config --libs inih 2>/dev/null || echo -linih)
crypto_libs=$(pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)

build_target() {
	t=$1
	srcs=$(sources_for "$t") || { echo "unknown target $t"; return 1; }
	extra=
	libs=
	case $t in
	config|hotkey) extra="$inih_cflags"; libs="$inih_libs" ;;
	ws|http) libs="$crypto_libs" ;; # the handshake's SHA-1 in web/ws.c
	esac
	bin="$build/fuzz-$t"
	# Rebuild when any input is newer than the binary.
	need=no
	[ -x "$bin" ] || need=yes
	for f in "tests/fuzz/fuzz-$t.c" tests/fuzz/fuzz-common.h $srcs; do
		[ "$top_srcdir/$f" -nt "$bin" ] && need=yes
	done
	[ $need = no ] && return 0
	set -- "$top_srcdir/tests/fuzz/fuzz-$t.c"
	for s in $srcs; do set -- "$@" "$top_srcdir/$s"; done
	# shellcheck disable=SC2086
	"$cc" $CFLAGS_FUZZ $extra "$@" $libs -o "$bin" >"$build/fuzz-$t.build.log" 2>&1 || {
		cat "$build/fuzz-$t.build.log"
		return 1
	}
}

pass=0
fail=0
for t in $targets; do
	if ! build_target "$t"; then
		echo "not ok - fuzz-$t: build failed"
		fail=$((fail + 1))
		continue
	fi
	if [ $mode = build ]; then
		echo "ok - fuzz-$t: built $build/fuzz-$t"
		pass=$((pass + 1))
		continue
	fi
	seeds="$top_srcdir/tests/fuzz/corpus/$t"
	work="$build/corpus-$t"
	art="$build/artifacts-$t"
	mkdir -p "$work" "$art"
	dict=
	[ -f "$top_srcdir/tests/fuzz/$t.dict" ] && dict="-dict=$top_srcdir/tests/fuzz/$t.dict"
	log="$build/fuzz-$t.log"
	ok=yes
	if [ $mode = regress ] && [ -d "$seeds" ]; then
		# Every committed seed (and past crash) must run clean.
		if ! "$build/fuzz-$t" -runs=0 "$seeds" >"$log.seeds" 2>&1; then
			echo "not ok - fuzz-$t: a committed seed fails (see $log.seeds)"
			tail -30 "$log.seeds"
			ok=no
		fi
	fi
	if [ $ok = yes ]; then
		par=
		[ "$jobs" -gt 1 ] && par="-jobs=$jobs -workers=$jobs"
		# In the build dir: with -jobs each job logs to ./fuzz-N.log.
		# shellcheck disable=SC2086
		(cd "$build" && rm -f fuzz-[0-9]*.log &&
		 exec "./fuzz-$t" $dict $par -max_total_time="$secs" -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$art/" "$work" "$seeds") >"$log" 2>&1
		rc=$?
		[ "$jobs" -gt 1 ] && cat "$build"/fuzz-[0-9]*.log >>"$log" 2>/dev/null
		runs=$(grep -h '^stat::number_of_executed_units' "$log" |
			awk '{ s += $2 } END { print s + 0 }')
		if [ $rc -ne 0 ] || grep -q 'ERROR: libFuzzer\|SUMMARY: .*Sanitizer\|invariant failed' "$log"; then
			echo "not ok - fuzz-$t: failed after $runs runs (log $log, artifacts $art)"
			grep -m5 'invariant failed\|ERROR:\|SUMMARY:\|Test unit written' "$log" | sed 's/^/  /'
			ok=no
		else
			units=$(find "$work" -type f | wc -l)
			echo "ok - fuzz-$t: $runs runs in ${secs}s, corpus $units units"
		fi
	fi
	if [ $ok = yes ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
