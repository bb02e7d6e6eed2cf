#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Configure and build xcmux in the source tree (warnings are errors).
set -eu
cd "$(dirname "$0")/.."
[ -x configure ] || autoreconf -fi >/dev/null
[ -f Makefile ] || ./configure --enable-werror -q
make -j"$(nproc)" >/dev/null
