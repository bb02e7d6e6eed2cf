#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Checks that every C source and header git tracks is formatted as
# .clang-format says (clang-format 14, Debian 12's). Prints each file that
# is not and the first lines of its diff; exits 1 if there is one.
#   bash scripts/format-check.sh          check (CI)
#   bash scripts/format-check.sh --fix    format them in place
set -u
cd "$(dirname "$0")/.."
CF=${CLANG_FORMAT:-clang-format}
command -v "$CF" >/dev/null || { echo "format-check: $CF not found (scripts/deps.sh --test)"; exit 2; }
fix=0
[ "${1:-}" = --fix ] && fix=1
bad=0 n=0
while IFS= read -r f; do
    n=$((n + 1))
    if [ $fix = 1 ]; then
        "$CF" -i "$f"
    elif ! "$CF" "$f" | cmp -s - "$f"; then
        bad=$((bad + 1))
        echo "not formatted: $f"
        "$CF" "$f" | diff -u "$f" - | sed -n '3,12p'
    fi
done < <(git ls-files '*.c' '*.h')
if [ $fix = 1 ]; then
    echo "format-check: formatted $n files"
    exit 0
fi
echo "format-check: $n files, $bad not formatted"
[ $bad = 0 ]
