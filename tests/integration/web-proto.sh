#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xcmux-web's protocol (protocol/WEB.md) end to end on xensim, with a real
# local user logging in through PAM and a raw WebSocket client
# (wsclient.py): bad password and missing cookie refused, foreign Origin
# refused, list/attach/input/echo, a read-only second WebSocket told
# NOT_WRITER, who with the seat; oversized, unmasked, garbage, non-UTF-8
# and unknown messages each close only their own connection (1009, 1002,
# 1007, 1008) while the first two lose nothing; a browser that stops
# reading a flooding console makes xcmuxd drop for its session only; and
# xcmuxd sees the gateway's sessions as the logged-in user's uid.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
    echo "# SKIP: needs root (a test user, a PAM service, setuid children)"
    exit 77
fi
# One run at a time on this machine: runs share the test user and its
# password (the lock is held across the re-exec into the simulated host).
if [ -z "${XENSIM_DIR:-}" ]; then
    exec 9>>/tmp/xcmux-web-proto.lock
    flock -w 900 9 || { echo "# SKIP: another web-proto.sh run holds the lock"; exit 77; }
fi
in_host "$@"
. "$(dirname "$0")/own-daemon-lib.sh"

# XCMUX_WEB may name a wrapper (e.g. one running it under valgrind).
WEB=${XCMUX_WEB:-$top_builddir/web/xcmux-web}
U=xcmuxwebp
PW=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
command -v chpasswd >/dev/null || { echo "# SKIP: chpasswd not available"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "# SKIP: /usr/bin/python3 not found"; exit 77; }
[ -e /lib/x86_64-linux-gnu/security/pam_unix.so ] || [ -e /usr/lib/x86_64-linux-gnu/security/pam_unix.so ] ||
    { echo "# SKIP: pam_unix.so not found"; exit 77; }
need_users $U
echo "$U:$PW" | chpasswd || { echo "# SKIP: cannot set a password for $U"; exit 77; }
# The test's own PAM service: the password only, no delay after a failure.
PAMSVC=xcmux-web-proto-$$
cat >/etc/pam.d/$PAMSVC <<'PAM'
# xcmux tests/integration/web-proto.sh: removed when the test ends
auth    required pam_unix.so nodelay
account required pam_unix.so
PAM
# The account is locked again and the service removed at the end.
web_cleanup() {
    rm -f "/etc/pam.d/$PAMSVC"
    passwd -q -l "$U" >/dev/null 2>&1
    reap
}
trap web_cleanup EXIT

public_dir web
cat >"$CONF" <<CF
[global]
socket_mode = 0666
socket_group = none
read = $U
write = $U
CF
daemon_start
check "xcmuxd serves on its socket" kill -0 "$DPID"
xensim create web1 --echo >/dev/null
xensim create fl --flood 1000000 --no-boot-text >/dev/null
check "the echo guest is up" wait_until 15 file_has "$LOGS/web1.log" 'web1:~#'

WERR=$XENSIM_DIR/xcmux-web.err
"$WEB" -f --listen 127.0.0.1:0 -S "$SOCK" --static-dir "$top_srcdir/web/static" \
    --pam-service $PAMSVC 2>"$WERR" &
WPID=$!
PIDS+=("$WPID")
check "xcmux-web listens" wait_until 10 grep -q 'listening on 127.0.0.1:' "$WERR"
PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WERR" | head -1)
echo "# xcmux-web on port $PORT"

static=
[ -f "$top_srcdir/web/static/index.html" ] && static=--static-ok
python3 "$top_srcdir/tests/integration/wsclient.py" proto --port "$PORT" --user $U \
    --uid "$(id -u $U)" --password "$PW" --console web1 --flood fl $static \
    --xcmux "$XCMUX -S $SOCK" >"$XENSIM_DIR/wsclient.out" 2>&1
cat "$XENSIM_DIR/wsclient.out"
PASS=$((PASS + $(grep -c '^ok - ' "$XENSIM_DIR/wsclient.out")))
FAIL=$((FAIL + $(grep -c '^not ok - ' "$XENSIM_DIR/wsclient.out")))
check "the client scenario ran" grep -q '^# wsclient: ' "$XENSIM_DIR/wsclient.out"

check "xcmux-web is still running" kill -0 "$WPID"
check "a browser pinging without reading is closed with 1008 at 1 MiB queued" \
    grep -q 'closing a WebSocket with 1008 (output queue over 1 MiB)' "$WERR"

# ---- limits: a third gateway allowing two connections ------------------
LERR=$XENSIM_DIR/xcmux-web-limits.err
"$WEB" -f --listen 127.0.0.1:0 -S "$SOCK" --max-connections 2 2>"$LERR" &
LPID=$!
PIDS+=("$LPID")
if wait_until 10 grep -q 'listening on 127.0.0.1:' "$LERR"; then
    LPORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$LERR" | head -1)
    python3 "$top_srcdir/tests/integration/wsclient.py" limits --port "$LPORT" \
        >"$XENSIM_DIR/wslim.out" 2>&1
    cat "$XENSIM_DIR/wslim.out"
    PASS=$((PASS + $(grep -c '^ok - ' "$XENSIM_DIR/wslim.out")))
    FAIL=$((FAIL + $(grep -c '^not ok - ' "$XENSIM_DIR/wslim.out")))
else
    bad "xcmux-web with --max-connections 2 listens"
fi
kill -TERM "$LPID"
wait "$LPID"
check "xcmux-web (limits) exits 0 on SIGTERM" test $? = 0

# ---- TLS: a second gateway with a server and a client CA ---------------
T=$XENSIM_DIR/tls
mkdir -p "$T"
mkcert() { # mkcert NAME CN SIGNER [SAN]: $T/NAME.{key,crt} signed by $T/SIGNER
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$2" \
        -keyout "$T/$1.key" -out "$T/$1.csr" 2>/dev/null &&
        openssl x509 -req -in "$T/$1.csr" -CA "$T/$3.crt" -CAkey "$T/$3.key" \
            -CAcreateserial -days 2 -out "$T/$1.crt" ${4:+-extfile <(printf 'subjectAltName=%s' "$4")} 2>/dev/null
}
mkca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj "/CN=$1" -keyout "$T/$1.key" -out "$T/$1.crt" 2>/dev/null
}
if command -v openssl >/dev/null && mkca ca && mkca otherca && mkcert srv 127.0.0.1 ca IP:127.0.0.1 &&
    mkcert me "$U" ca && mkcert nouser no-such-user-x ca && mkcert foreign "$U" otherca; then
    TERR=$XENSIM_DIR/xcmux-web-tls.err
    "$WEB" -f --listen 127.0.0.1:0 -S "$SOCK" --static-dir "$top_srcdir/web/static" \
        --pam-service $PAMSVC --tls-cert "$T/srv.crt" --tls-key "$T/srv.key" \
        --tls-client-ca "$T/ca.crt" --ping-interval 1 2>"$TERR" &
    TPID=$!
    PIDS+=("$TPID")
    check "xcmux-web with TLS listens" wait_until 10 grep -q 'listening on 127.0.0.1:' "$TERR"
    TPORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TERR" | head -1)
    python3 "$top_srcdir/tests/integration/wsclient.py" tls --port "$TPORT" --user $U \
        --password "$PW" --console web1 --ca "$T/ca.crt" --cert "$T/me" \
        --nouser-cert "$T/nouser" --foreign-cert "$T/foreign" >"$XENSIM_DIR/wstls.out" 2>&1
    cat "$XENSIM_DIR/wstls.out"
    PASS=$((PASS + $(grep -c '^ok - ' "$XENSIM_DIR/wstls.out")))
    FAIL=$((FAIL + $(grep -c '^not ok - ' "$XENSIM_DIR/wstls.out")))
    check "the TLS scenario ran" grep -q '^# wsclient: ' "$XENSIM_DIR/wstls.out"
    check "xcmux-web with TLS is still running" kill -0 "$TPID"
    kill -TERM "$TPID"
    wait "$TPID"
    rc=$?
    check "xcmux-web with TLS exits 0 on SIGTERM (rc $rc)" test $rc = 0
    check "xcmux-web with TLS reported no sanitizer error" bash -c "! grep -q 'ERROR: \|runtime error' '$TERR'"
    sed 's/^/# xcmux-web tls: /' "$TERR" | tail -10
else
    skip "TLS" "openssl could not make the test certificates"
fi
kill -TERM "$WPID"
wait "$WPID"
rc=$?
check "xcmux-web exits 0 on SIGTERM (rc $rc)" test $rc = 0
check "xcmux-web reported no sanitizer error" bash -c "! grep -q 'ERROR: \|runtime error' '$WERR'"
sed 's/^/# xcmux-web: /' "$WERR" | tail -40
finish
