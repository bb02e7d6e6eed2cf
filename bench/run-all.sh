#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `make bench`: every measure in turn, each in its own simulated host and
# under its own time limit; the tables go to stdout and to
# $top_builddir/bench/results.md. Env: BENCH_ONLY (names of scripts to
# run, e.g. "throughput fanout"), SCALE_NS (see scale.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=$(pwd)}"
out=$top_builddir/bench/results.md
mkdir -p "$top_builddir/bench"
{
    echo "## Run of $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)," \
        "kernel $(uname -r), Debian $(cat /etc/debian_version)," \
        "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
} | tee "$out"
rc=0
for m in ${BENCH_ONLY:-throughput fanout ratelimit latency scale}; do
    case $m in
    scale) limit=900 ;;
    latency) limit=240 ;;
    *) limit=150 ;;
    esac
    start=$(date +%s)
    timeout --kill-after=10 "$limit" bash "$here/$m.sh" 2>"$top_builddir/bench/$m.stderr" | tee -a "$out"
    st=${PIPESTATUS[0]}
    [ "$st" -ne 0 ] && { echo "bench: $m failed or timed out (status $st; see bench/$m.stderr)" | tee -a "$out"; rc=1; }
    echo "_${m}.sh: $(( $(date +%s) - start )) s_" | tee -a "$out"
    echo | tee -a "$out"
done
exit $rc
