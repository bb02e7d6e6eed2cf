#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The browser console as installed (`make install DESTDIR=`), without a
# browser: (a) the page lands in xcmux-web's default static directory, and
# the installed program serves every file the page loads from it, byte
# for byte; (b) the sample configuration's keys are real: with every key
# uncommented (TLS on a throw-away self-signed certificate) the program
# starts and serves HTTPS; (c) the PAM service file is installed; (d) the
# unit is Type=notify, runs the installed program in the foreground, keeps
# its hardening and passes `systemd-analyze verify`.
. "$(dirname "$0")/lib.sh"

D=$(mktemp -d /tmp/xcmux-web-install.XXXXXX)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$D"
}
trap cleanup EXIT
root=$D/root
if ! make -s -C "$top_builddir" install DESTDIR="$root" >"$D/install.log" 2>&1; then
    bad "make install DESTDIR= succeeds"; sed 's/^/# /' "$D/install.log" | tail -20; finish; exit 1
fi
ok "make install DESTDIR= succeeds"
web=$(find "$root" -name xcmux-web -type f -perm -u+x | head -1)
check "xcmux-web installed" test -n "$web"
[ -n "$web" ] || { finish; exit 1; }

# ---- (a) the page where the program looks for it ------------------------
default_dir=$("$web" --help 2>&1 | sed -n 's/.*--static-dir DIR .*(default \(.*\))$/\1/p')
echo "# xcmux-web's default static dir: $default_dir"
check "(a) the page is installed in xcmux-web's default --static-dir" \
    test -n "$default_dir" -a -f "$root$default_dir/index.html"
PAGE_FILES="index.html app.js app.css vendor/xterm.js vendor/xterm.css"
for f in $PAGE_FILES vendor/LICENSE vendor/VERSION; do
    check "(a) $f installed, same as the source" cmp -s "$top_srcdir/web/static/$f" "$root$default_dir/$f"
done

# start_web LOG ARGS...: the installed program on a free loopback port;
# sets PORT (empty when it did not start)
start_web() {
    local log=$1; shift
    "$web" -f --listen 127.0.0.1:0 -S "$D/no.sock" "$@" 2>"$log" &
    PIDS+=("$!")
    wait_until 20 grep -q '^xcmux-web: listening on 127.0.0.1:' "$log"
    PORT=$(sed -n 's/^xcmux-web: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$log")
}
# fetch SCHEME PATH OUT: GET into OUT, prints the status
fetch() {
    python3 - "$1://127.0.0.1:$PORT$2" "$3" <<'EOF'
import ssl, sys, urllib.request, urllib.error
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
try:
    with urllib.request.urlopen(sys.argv[1], timeout=10, context=ctx) as r:
        open(sys.argv[2], "wb").write(r.read())
        print(r.status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception as e:
    print("error", e)
EOF
}
start_web "$D/a.err" --static-dir "$root$default_dir" -c /dev/null
check "(a) the installed program starts" test -n "$PORT"
served() { # served SCHEME: every page file answers 200 with the installed bytes
    local f url st
    for f in $PAGE_FILES; do
        url=/static/$f
        [ "$f" = index.html ] && url=/
        st=$(fetch "$1" "$url" "$D/got")
        [ "$st" = 200 ] && cmp -s "$D/got" "$root$default_dir/$f" ||
            { echo "#   $url: $st"; return 1; }
    done
}
check "(a) it serves every file the page loads (/, app.js, app.css, xterm.js, xterm.css)" served http
check "(a) a path outside the fixed list is not served" test "$(fetch http /static/vendor/LICENSE "$D/got")" = 404

# ---- (b) the sample configuration -------------------------------------------
sample=$(find "$root" -name xcmux-web.conf.sample | head -1)
check "(b) sample configuration installed as xcmux-web.conf.sample, no xcmux-web.conf" \
    bash -c "[ -n '$sample' ] && [ -z \"\$(find '$root' -name xcmux-web.conf)\" ]"
if command -v openssl >/dev/null && [ -n "$sample" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
        -keyout "$D/k.pem" -out "$D/c.pem" >/dev/null 2>&1
    # Every "#key = value" line uncommented, file paths made real.
    sed -E -e 's/^#([a-z-]+ = )/\1/' \
        -e "s|^(tls-cert = ).*|\1$D/c.pem|" -e "s|^(tls-key = ).*|\1$D/k.pem|" \
        -e "s|^(tls-client-ca = ).*|\1$D/c.pem|" \
        -e "s|^(static-dir = ).*|\1$root$default_dir|" "$sample" >"$D/all.conf"
    keys=$(grep -cE '^[a-z-]+ = ' "$D/all.conf")
    check "(b) the sample names every key of xcmux-web ($keys)" test "$keys" -eq 9
    start_web "$D/b.err" -c "$D/all.conf"
    check "(b) with every key of the sample set, xcmux-web starts" test -n "$PORT"
    check "(b) ... and serves the page over TLS" served https
    [ -n "$PORT" ] || sed 's/^/# /' "$D/b.err"
else
    skip "(b) the sample's keys" "no openssl command or no sample"
fi

# ---- (c) PAM ------------------------------------------------------------------
pam=$(find "$root" -path '*pam.d/xcmux-web' | head -1)
check "(c) PAM service file installed as pam.d/xcmux-web" test -n "$pam"
check "(c) ... with the host's common-auth and common-account" \
    bash -c "grep -qx '@include common-auth' '$pam' && grep -qx '@include common-account' '$pam'"

# ---- (d) the unit ---------------------------------------------------------------
unit=$(find "$root" -name xcmux-web.service | head -1)
check "(d) xcmux-web.service installed" test -n "$unit"
if [ -n "$unit" ]; then
    check "(d) Type=notify, ExecStart the installed program in the foreground" \
        bash -c "grep -qx 'Type=notify' '$unit' && grep -qx 'ExecStart=${web#"$root"} --foreground' '$unit'"
    check "(d) hardened: NoNewPrivileges, ProtectSystem=strict, ProtectHome, PrivateTmp, address families" \
        bash -c "for k in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
                 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'; do grep -qx \"\$k\" '$unit' || exit 1; done"
    # The children become real users that xcmuxd must see as such.
    check "(d) no PrivateUsers, DynamicUser or User= (it must setuid to real users)" \
        bash -c "! grep -qE '^(PrivateUsers|DynamicUser|User)=' '$unit'"
    check "(d) ordered after xcmuxd" grep -q '^After=.*xcmuxd.service' "$unit"
    if command -v systemd-analyze >/dev/null; then
        mkdir -p "$D/units"
        sed "s|^ExecStart=${web#"$root"}|ExecStart=$web|" "$unit" >"$D/units/xcmux-web.service"
        mandir=$(find "$root" -name xcmux-web.8 -printf '%h\n' | head -1)
        MANPATH=${mandir%/man8}:$(manpath 2>/dev/null) systemd-analyze verify \
            "$D/units/xcmux-web.service" >"$D/verify.out" 2>&1
        vrc=$?
        sed 's/^/# verify: /' "$D/verify.out"
        check "(d) systemd-analyze verify passes" \
            bash -c "[ $vrc -eq 0 ] && ! grep -v -e 'xcmuxd.service' -e 'xcmuxd.socket' '$D/verify.out' | grep -q ."
    else
        skip "(d) systemd-analyze verify" "no systemd-analyze"
    fi
fi
finish
