#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The C xenstored pass of the integration tests. `make check` runs every
# tests/integration/NAME.sh twice: as itself, on xensim's default store
# (oxenstored, as Debian runs), and as tests/integration/xenstored/NAME.xs
# (an empty marker the build writes), through this wrapper, on Debian's C
# xenstored. `make check XENSTORED_PASS=` leaves the second pass out
# (tests/run.sh does so for the ASan and distcheck runs).
set -u
t=${1:?usage: on-xenstored.bash tests/integration/xenstored/NAME.xs}
shift
name=$(basename "$t" .xs)
export XENSIM_XENSTORED=xenstored
exec bash "${top_srcdir:?run from make check}/tests/integration/$name.sh" "$@"
