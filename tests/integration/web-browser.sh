#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The browser console end to end in a real headless Chromium (Debian's
# chromium, driven by playwright-core from npm, which never downloads a
# browser): xensim with an echo guest, xcmuxd whose ACLs let two local
# users write, xcmux-web on 127.0.0.1 logging them in through a PAM
# service of this test's own (pam_unix, real passwords), serving the
# source's web/static. tests/web/browser.test.mjs then checks, in the
# browser: bad logins refused; login, list, read-write attach, typing
# echoed; a second user's tab read-only with replay, its input refused
# (NOT_WRITER) and never reaching the guest (xensim's bytes_in); the seat
# holder in every tab; force moving the seat; replay in a tab attached
# later; oversized and malformed frames on a raw WebSocket closed (1009,
# 1002, 1007/1008) while the tabs keep every echo; reboot followed
# (DOMAIN_GONE, DOMAIN_BACK, the new boot's output); detach. A screenshot
# of the terminal goes to $top_builddir/tests/web/web-browser.png.
#
# Skips (77) when not root, or when chromium, node/npm or playwright-core
# cannot be had, or when xcmux-web was not built. playwright-core is
# installed with `npm ci` from tests/web/package-lock.json into
# $top_builddir/tests/web/node-cache (XCMUX_WEB_NODE_CACHE overrides),
# once per build tree; `make distclean` removes it.
. "$(dirname "$0")/lib.sh"

skip_all() { echo "# SKIP: $*"; echo "0 passed, 0 failed"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip_all "needs root (users, PAM service)"
XCMUX_WEB=${XCMUX_WEB:-$top_builddir/web/xcmux-web}
[ -x "$XCMUX_WEB" ] || skip_all "xcmux-web not built ($XCMUX_WEB)"
CHROMIUM=${XCMUX_WEB_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip_all "no $CHROMIUM (scripts/deps.sh --test installs chromium)"
command -v node >/dev/null && command -v npm >/dev/null || skip_all "node and npm are needed"

# playwright-core, pinned by the lock file, outside the source tree. Done
# before entering the simulated host so a failure skips cleanly.
CACHE=${XCMUX_WEB_NODE_CACHE:-$top_builddir/tests/web/node-cache}
want=$(sed -n 's/.*"playwright-core": "\(.*\)".*/\1/p' "$top_srcdir/tests/web/package.json")
have=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$CACHE/node_modules/playwright-core/package.json" 2>/dev/null)
if [ -z "${XENSIM_DIR:-}" ] && [ "$have" != "$want" ]; then
    mkdir -p "$CACHE"
    cp "$top_srcdir/tests/web/package.json" "$top_srcdir/tests/web/package-lock.json" "$CACHE/"
    (cd "$CACHE" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) ||
        skip_all "npm ci of playwright-core $want failed"
fi
[ -f "$CACHE/node_modules/playwright-core/package.json" ] || skip_all "playwright-core not installed in $CACHE"

in_host "$@"
. "$(dirname "$0")/own-daemon-lib.sh"

U1=xcmuxweb1 U2=xcmuxweb2
need_users $U1 $U2
# Fresh passwords every run; the accounts are locked again at the end.
P1=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
P2=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
printf '%s:%s\n%s:%s\n' "$U1" "$P1" "$U2" "$P2" | chpasswd ||
    skip_all "cannot set the test users' passwords"
PAM_SERVICE=xcmux-web-test-$$
PAM_FILE=/etc/pam.d/$PAM_SERVICE
cat >"$PAM_FILE" <<'EOF'
# xcmux tests/integration/web-browser.sh: removed when the test ends
auth    required pam_unix.so
account required pam_unix.so
EOF
WPID=
web_cleanup() {
    [ -n "$WPID" ] && kill "$WPID" 2>/dev/null
    rm -f "$PAM_FILE"
    passwd -q -l "$U1" >/dev/null 2>&1
    passwd -q -l "$U2" >/dev/null 2>&1
    reap
}
trap web_cleanup EXIT

public_dir web
cat >"$CONF" <<EOF
[global]
socket_mode = 0666
socket_group = none
read = $U1 $U2
write = $U1 $U2
EOF
daemon_start || { bad "xcmuxd starts"; finish; exit 1; }
GUEST=web1
xensim create "$GUEST" --echo >/dev/null
check "xcmuxd serves the echo guest" \
    wait_until 10 bash -c "'$XCMUX' -S '$SOCK' list | grep -q ' $GUEST .*running'"

# Port 0: the kernel picks a free one, which xcmux-web logs.
WERR=$XENSIM_DIR/xcmux-web.err
"$XCMUX_WEB" -f --listen 127.0.0.1:0 --socket "$SOCK" \
    --static-dir "$top_srcdir/web/static" --pam-service "$PAM_SERVICE" 2>"$WERR" &
WPID=$!
bound_port() { sed -n 's/^xcmux-web: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WERR"; }
check "xcmux-web starts and logs its port" wait_until 20 grep -q '^xcmux-web: listening on 127.0.0.1:' "$WERR"
PORT=$(bound_port)
[ -n "$PORT" ] || { sed 's/^/# /' "$WERR"; finish; exit 1; }
URL=http://127.0.0.1:$PORT/
page_served() { python3 - "$URL" <<'EOF'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
    sys.exit(0 if r.status == 200 and b'id="login-form"' in r.read() else 1)
EOF
}
check "xcmux-web serves the page on $URL" wait_until 20 page_served
command -v ss >/dev/null && check "xcmux-web listens on 127.0.0.1 only" \
    bash -c "! ss -Htln | grep ':$PORT ' | grep -vq '127.0.0.1:$PORT'"

OUT=$top_builddir/tests/web
mkdir -p "$OUT"
start=$(date +%s)
XCMUX_WEB_URL=$URL XCMUX_WEB_MODULES=$CACHE XCMUX_WEB_CHROMIUM=$CHROMIUM \
    XCMUX_WEB_USER1=$U1 XCMUX_WEB_PASS1=$P1 XCMUX_WEB_USER2=$U2 XCMUX_WEB_PASS2=$P2 \
    XCMUX_WEB_GUEST=$GUEST XCMUX_WEB_XENSIM="$(command -v xensim)" XCMUX_WEB_OUT=$OUT \
    XCMUX_WEB_WAIT_MS=$((30000 * TIME_SCALE)) \
    node --test --test-reporter=tap "$top_srcdir/tests/web/browser.test.mjs" >"$XENSIM_DIR/node.out" 2>&1
nrc=$?
sed 's/^/# /' "$XENSIM_DIR/node.out"
echo "# browser steps took $(( $(date +%s) - start )) s"
npass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$XENSIM_DIR/node.out")
nfail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$XENSIM_DIR/node.out")
check "the browser steps pass (node --test: ${npass:-?} passed, ${nfail:-?} failed, exit $nrc)" \
    test "$nrc" -eq 0 -a "${npass:-0}" -gt 0
check "the screenshot was taken" test -s "$OUT/web-browser.png"

check "xcmux-web is still running after the abuse" kill -0 "$WPID"
check "xcmuxd is still running" kill -0 "$DPID"
check "the console list still answers" "$XCMUX" -S "$SOCK" list
if ! kill -0 "$WPID" 2>/dev/null || [ "$FAIL" -gt 0 ]; then
    echo "# xcmux-web stderr:"; sed 's/^/#   /' "$WERR" | tail -n 40
fi
finish
