#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Compile protocol/hkfilter.c as a kernel driver would (freestanding C99,
# no libc, no builtins) and check its only external references are
# memcpy/memset.
set -eu
src=${top_srcdir:-$(dirname "$0")/..}
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
for std in c99 gnu17; do
    if $cc -std=$std -pedantic -Wall -Wextra -Werror -ffreestanding -nostdlib -fno-builtin \
        -fno-stack-protector -I"$src" -c "$src/protocol/hkfilter.c" -o "$tmp/hkf-$std.o"; then
        undef=$(nm -u "$tmp/hkf-$std.o" | awk '{print $2}' | grep -v -x -e memcpy -e memset || true)
        if [ -n "$undef" ]; then
            echo "not ok - $std: unexpected external symbols: $undef"; fails=$((fails + 1))
        else
            echo "ok - $std freestanding build, externals: $(nm -u "$tmp/hkf-$std.o" | awk '{print $2}' | tr '\n' ' ')"
        fi
    else
        echo "not ok - $std freestanding compile failed"; fails=$((fails + 1))
    fi
done
# A relocatable link without any library proves nothing else is pulled in.
if ld -r -o "$tmp/hkf-all.o" "$tmp/hkf-c99.o" 2>/dev/null; then echo "ok - ld -r"; else echo "not ok - ld -r"; fails=$((fails + 1)); fi
echo "$((3 - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
