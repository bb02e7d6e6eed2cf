#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Vendors xterm.js for the browser console (web/static/vendor/): Debian's
# node-xterm (3.8) ships no browser bundle, so the page carries the npm
# package @xterm/xterm at one pinned version, committed to the tree so
# that package builds and `make distcheck` need no network.
#
# Updating: change XTERM_VERSION, run this script (it needs npm and the
# registry), run tests/integration/web-browser.sh, commit web/static/vendor.
# The tarball is checked against the sha512 integrity the registry reports
# for that exact version before anything is copied.
set -eu
XTERM_VERSION=${XTERM_VERSION:-5.5.0}
PKG=@xterm/xterm
here=$(cd "$(dirname "$0")/.." && pwd)
dest=$here/web/static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

integrity=$(npm view "$PKG@$XTERM_VERSION" dist.integrity)
case $integrity in
sha512-*) ;;
*) echo "vendor-xterm: no sha512 integrity for $PKG@$XTERM_VERSION: '$integrity'" >&2; exit 1 ;;
esac
(cd "$tmp" && npm pack --silent "$PKG@$XTERM_VERSION" >/dev/null)
tgz=$(ls "$tmp"/*.tgz)
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$got" != "$integrity" ]; then
    echo "vendor-xterm: $tgz: integrity $got, the registry says $integrity" >&2
    exit 1
fi
tar -xzf "$tgz" -C "$tmp"
ver=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$tmp/package/package.json")
[ "$ver" = "$XTERM_VERSION" ] || { echo "vendor-xterm: tarball is version '$ver'" >&2; exit 1; }
mkdir -p "$dest"
install -m 0644 "$tmp/package/lib/xterm.js" "$dest/xterm.js"
install -m 0644 "$tmp/package/css/xterm.css" "$dest/xterm.css"
install -m 0644 "$tmp/package/LICENSE" "$dest/LICENSE"
{
    echo "$PKG $XTERM_VERSION"
    echo "$integrity"
    echo "vendored by scripts/vendor-xterm.sh from the npm registry"
} >"$dest/VERSION"
echo "vendor-xterm: $PKG $XTERM_VERSION in $dest"
