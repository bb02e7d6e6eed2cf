#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# scripts/valgrind.sh — run the tests under valgrind memcheck.
#
#   scripts/valgrind.sh [--units|--integration|--all] [BUILDDIR]
#
# --units (default): every unit-test program (tests/unit/test-*,
#   sim/guest/test-guest-units) runs under memcheck through automake's
#   LOG_COMPILER; any memcheck error fails that test (exit 99), definite
#   leaks count as errors.
# --integration: the integration tests run with XCMUXD pointing at a
#   script that execs the daemon under memcheck (tests/integration/lib.sh
#   takes XCMUXD from the environment). Each daemon writes its report to
#   BUILDDIR/valgrind/xcmuxd.PID.log; any report with errors, and any
#   failing test, fails the run. The daemon is 20-50 times slower under
#   memcheck: XCMUX_UNDER_MEMCHECK=1 makes lib.sh skip the checks of speed
#   (speed_check) and memory bounds (memory_check), which the plain and
#   ASan runs keep, and XCMUX_TIME_SCALE (4) stretches its waits.
# --all: both.
# Suppressions: scripts/valgrind.supp (one libxenstore exit-time block,
# with its reason).
# BUILDDIR defaults to /tmp/xcmux-valgrind (a plain -O1 -g build).
set -u

src=$(cd "$(dirname "$0")/.." && pwd)
mode=units
case "${1:-}" in
--units|--integration|--all) mode=${1#--}; shift ;;
esac
build=${1:-/tmp/xcmux-valgrind}
command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)"; exit 2; }

mkdir -p "$build" || exit 2
. "$src/scripts/oot-src.sh"
src=$(oot_src "$src" "$build") || exit 2
cd "$build" || exit 2
if [ ! -f Makefile ] || [ "$src/configure" -nt Makefile ]; then
	CFLAGS="-O1 -g" "$src/configure" --enable-werror -q || exit 2
fi
make -j"$(nproc)" >make.log 2>&1 || { tail -30 make.log; exit 2; }
# Build the test programs without running anything.
make -j"$(nproc)" check TESTS= >>make.log 2>&1 || { tail -30 make.log; exit 2; }

vg="valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
--errors-for-leak-kinds=definite --track-origins=yes \
--suppressions=$src/scripts/valgrind.supp --quiet"
rc=0

if [ "$mode" = units ] || [ "$mode" = all ]; then
	units=$(find tests/unit sim/guest -maxdepth 1 -type f -perm -u+x \
		\( -name 'test-*' ! -name '*.sh' ! -name '*.log' ! -name '*.trs' \) 2>/dev/null | sort)
	if [ -z "$units" ]; then
		echo "valgrind: no unit-test programs found (is cmocka installed?)"
		exit 2
	fi
	# Two at a time: a unit test waits on nothing but itself.
	# shellcheck disable=SC2086
	make -j"$(nproc)" check TESTS="$(echo $units)" LOG_COMPILER=valgrind \
		LOG_FLAGS="${vg#valgrind }" >units.log 2>&1 || rc=1
	sed -n '/^# TOTAL/,/^# ERROR/p' units.log
	grep -l 'ERROR SUMMARY: [1-9]\|definitely lost: [1-9]' tests/unit/*.log sim/guest/*.log 2>/dev/null |
		sed 's/^/valgrind: errors in /'
fi

if [ "$mode" = integration ] || [ "$mode" = all ]; then
	# lib.sh stretches its waits and skips the checks of speed (the plain
	# and ASan runs keep them): memcheck is 20-50 times slower.
	export XCMUX_UNDER_MEMCHECK=1 XCMUX_TIME_SCALE=${XCMUX_TIME_SCALE:-4}
	vgdir="$build/valgrind"
	rm -rf "$vgdir" && mkdir -p "$vgdir"
	# Not --quiet: each report must end with its ERROR SUMMARY.
	export XCMUXD_WRAPPER="${vg% --quiet} --log-file=$vgdir/xcmuxd.%p.log"
	# The tests run "$XCMUXD" (one word) in many places, so the wrapper is a
	# script; exec keeps the pid, so $! and kill still reach the daemon.
	# tests/integration/lib.sh must take XCMUXD from the environment:
	#   XCMUXD=${XCMUXD:-$top_builddir/daemon/xcmuxd}
	printf '#!/bin/sh\nexec %s %s "$@"\n' "$XCMUXD_WRAPPER" "$build/daemon/xcmuxd" \
		>"$vgdir/xcmuxd"
	chmod +x "$vgdir/xcmuxd"
	export XCMUXD="$vgdir/xcmuxd"
	its=$(cd "$src" && ls tests/integration/*.sh | grep -v -e '/lib.sh$' -e '-lib.sh$')
	# One at a time: this pass takes about 15 minutes on 2 CPUs, but two at
	# a time on a loaded machine ran flow.sh and faults.sh past their
	# watchdogs (85 s, 100 s) under memcheck.
	# shellcheck disable=SC2086
	make check TESTS="$(echo $its)" >integration.log 2>&1 || rc=1
	sed -n '/^# TOTAL/,/^# ERROR/p' integration.log
	# Which test failed, and the end of what it said.
	for t in $(sed -n 's/^\(FAIL\|ERROR\): \(.*\)/\2/p' integration.log); do
		echo "valgrind: $t failed; the end of ${t%.sh}.log:"
		tail -n 25 "${t%.sh}.log" 2>/dev/null | sed 's/^/    /'
	done
	n=$(find "$vgdir" -name 'xcmuxd.*.log' | wc -l)
	if [ "$n" -eq 0 ]; then
		echo "valgrind: no daemon ran under memcheck: tests/integration/lib.sh does not honour XCMUXD yet"
		rc=1
	fi
	bad=$(grep -l 'ERROR SUMMARY: [1-9]' "$vgdir"/xcmuxd.*.log 2>/dev/null || true)
	for f in $bad; do
		echo "valgrind: memcheck errors in $f:"
		head -60 "$f"
		rc=1
	done
	# A daemon killed with SIGKILL leaves no summary: say so, do not fail.
	for f in $(grep -L 'ERROR SUMMARY' "$vgdir"/xcmuxd.*.log 2>/dev/null); do
		echo "valgrind: note: $f has no summary (daemon killed before exit)"
	done
	echo "valgrind: $n daemon run(s) checked under memcheck"
fi

[ $rc -eq 0 ] && echo "valgrind: clean" || echo "valgrind: FAILED (logs in $build)"
exit $rc
