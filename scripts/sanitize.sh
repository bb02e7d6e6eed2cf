#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# scripts/sanitize.sh — build xcmux with AddressSanitizer + UBSan in a
# separate build directory and run `make check` there. Any sanitizer report
# aborts the program that hit it (-fno-sanitize-recover=all), so the test
# that ran it fails and this script exits non-zero.
#
#   scripts/sanitize.sh [BUILDDIR] [-- MAKE-CHECK-ARGS...]
#
# BUILDDIR defaults to /tmp/xcmux-sanitize. CC picks the compiler (default
# gcc; CC=clang works too). Example, one test only:
#   scripts/sanitize.sh /tmp/asan -- TESTS=tests/unit/test-proto
#
# Notes
# - The simulated host (sim/) runs programs with LD_PRELOAD and drop-in
#   libraries; ASan wants its runtime first in the link order, which an
#   LD_PRELOAD of a non-ASan library would break, so verify_asan_link_order
#   is off. Leak checking stays on (detect_leaks=1).
# - The fuzzers (tests/fuzz/check.sh) build themselves with clang and their
#   own sanitizers; they run here too.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
build=/tmp/xcmux-sanitize
if [ $# -gt 0 ] && [ "$1" != -- ]; then
	build=$1
	shift
fi
[ "${1:-}" = -- ] && shift

san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
export CC=${CC:-gcc}
export CFLAGS="-O1 -g $san"
export LDFLAGS="$san"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:verify_asan_link_order=0:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/scripts/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

mkdir -p "$build"
. "$src/scripts/oot-src.sh"
src=$(oot_src "$src" "$build")
cd "$build"
if [ ! -f Makefile ] || [ "$src/configure" -nt Makefile ]; then
	"$src/configure" --enable-werror -q
fi
make -j"$(nproc)" >make.log 2>&1 || { tail -40 make.log; exit 1; }
echo "sanitize: built in $build with $CC $san"

rc=0
make -j"$(nproc)" check "$@" >check.log 2>&1 || rc=$?
# Show the summary and any sanitizer report, wherever it was logged.
sed -n '/^# TOTAL/,/^# ERROR/p' check.log
reports=$(grep -rl 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' \
	--include='*.log' . 2>/dev/null | grep -v 'tests/fuzz/build/' || true)
if [ -n "$reports" ]; then
	echo "sanitize: sanitizer reports in:"
	for f in $reports; do
		echo "== $f"
		grep -m3 -A12 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$f"
	done
	rc=1
fi
if [ $rc -ne 0 ]; then
	echo "sanitize: FAILED (logs in $build: check.log, test-suite.log)"
	exit 1
fi
echo "sanitize: make check passed under ASan+UBSan"
