#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/dist-contents.sh TARBALL — every file git tracks is in the
# distribution tarball, except the few that only make sense in a git
# checkout (listed below with the reason). `make distcheck` (tests/run.sh)
# builds and tests from that tarball; this check is what lets it run a
# sample of the integration tests instead of all of them: a test file,
# helper or fixture missing from the tarball fails here by name.
set -u
tarball=${1:?usage: dist-contents.sh TARBALL}
cd "$(dirname "$0")/.." || exit 2
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "dist-contents: not a git checkout; nothing to compare"
    exit 0
fi
# Not distributed, on purpose:
#   .ci/run                 the CI's entry point for a clone
#   .gitignore, .git-blame-ignore-revs   git's own
not_distributed='^(\.ci/run|\.gitignore|\.git-blame-ignore-revs)$'
missing=$(comm -23 <(git ls-files | grep -Ev "$not_distributed" | sort) \
    <(tar tzf "$tarball" | sed 's|^[^/]*/||' | grep -v '/$' | sort))
if [ -n "$missing" ]; then
    echo "dist-contents: tracked but missing from $tarball:"
    echo "$missing" | sed 's/^/    /'
    exit 1
fi
echo "dist-contents: all $(git ls-files | grep -Evc "$not_distributed") tracked files are in $tarball"
