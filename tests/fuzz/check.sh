#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check entry for the fuzzers: every committed seed (including past
# crashes) must run clean, then each target fuzzes for FUZZ_SECONDS
# (default 3). Bounded: about 5 x 3 s plus the build. Exit 77 (skipped)
# when clang cannot build libFuzzer targets.
here=$(cd "$(dirname "$0")" && pwd)
exec sh "$here/run.sh" --regress
