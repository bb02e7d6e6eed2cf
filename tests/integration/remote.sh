#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xcmux -H ssh://[user@]host[:port]: every subcommand reaches the daemon
# through ssh (`ssh -T ... xcmux --stdio-proxy [-S SOCKET]`), against an
# sshd on 127.0.0.1 with a host key and an authorized key made here. The
# protocol runs end to end: remote output equals local output byte for
# byte; console works as a pipe and on a terminal (raw mode local, the
# escape detaches); errors map to the same exit codes.
. "$(dirname "$0")/lib.sh"
in_host "$@"
. "$top_srcdir/tests/integration/host-lib.sh"

SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] && command -v ssh >/dev/null && command -v ssh-keygen >/dev/null ||
    skip_all "sshd/ssh not installed (apt-get install openssh-server openssh-client)"

S=$HD/ssh
mkdir -p "$S"
chmod 700 "$S"
ssh-keygen -q -t ed25519 -N '' -f "$S/host_key" >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$S/client_key" >/dev/null
cp "$S/client_key.pub" "$S/authorized_keys"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
user=$(id -un)
cat >"$S/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $port
HostKey $S/host_key
PidFile $S/sshd.pid
AuthorizedKeysFile $S/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
LogLevel ERROR
CONF
# sshd insists on its privilege separation directory.
[ -d /run/sshd ] || mkdir -p -m 0755 /run/sshd
"$SSHD" -D -e -f "$S/sshd_config" 2>"$S/sshd.err" &
sshd=$!
HOST_PIDS+=("$sshd")
cat >"$S/ssh_config" <<CONF
Host *
  IdentityFile $S/client_key
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  BatchMode yes
  LogLevel ERROR
CONF
export XCMUX_SSH="ssh -F $S/ssh_config"
# The remote side runs this build's client (sshd gives it a fresh PATH).
export XCMUX_REMOTE_COMMAND=$XCMUX
if ! wait_until 5 $XCMUX_SSH -T -p "$port" "$user@127.0.0.1" true; then
    sed 's/^/# sshd: /' "$S/sshd.err"
    skip_all "sshd could not start on 127.0.0.1:$port (see its messages above)"
fi
ok "sshd runs on 127.0.0.1:$port"
URL=ssh://$user@127.0.0.1:$port

start_xcmuxd "[global]
timestamps = off"
id=$(xensim create rm1 --echo --say "rm1-boot-text")
wait_until 10 bash -c "'$XCMUX' -S '$HD/sock' log rm1 | grep -q rm1-boot-text"
R() { "$XCMUX" -H "$URL" -S "$HD/sock" "$@"; }

R list >"$HD/r.list" 2>"$HD/r.err"
check "list through ssh" grep -q "rm1" "$HD/r.list"
X list --json >"$HD/l.json"; R list --json >"$HD/r.json"
check "list --json: identical to the local answer" cmp -s "$HD/l.json" "$HD/r.json"
X log rm1 >"$HD/l.log"; R log rm1 >"$HD/r.log"
check "log: byte-for-byte identical to the local answer" \
    bash -c "cmp -s '$HD/l.log' '$HD/r.log' && grep -q rm1-boot-text '$HD/r.log'"
X hotkeys rm1 >"$HD/l.hk" 2>&1; lrc=$?
R hotkeys rm1 >"$HD/r.hk" 2>&1; rrc=$?
check "hotkeys: same output and status as locally ($lrc)" \
    bash -c "[ $lrc -eq $rrc ] && cmp -s '$HD/l.hk' '$HD/r.hk'"
X trigger rm1 Z >/dev/null 2>&1; lrc=$?
R trigger rm1 Z >/dev/null 2>&1; rrc=$?
check "trigger: same status as locally ($lrc)" test "$lrc" -eq "$rrc"
R log no-such-guest >/dev/null 2>&1
check "unknown domain through ssh: exit 4" test $? -eq 4

# console as a pipe: typed input reaches the guest, its echo comes back,
# and a second (local) session sees the remote one in `who`.
mkfifo "$HD/rc.in"
exec {hold}<>"$HD/rc.in"
( exec {hold}>&-; exec "$XCMUX" -H "$URL" -S "$HD/sock" console rm1 <"$HD/rc.in" >"$HD/rc.out" 2>"$HD/rc.err" ) &
rc_pid=$!
HOST_PIDS+=("$rc_pid")
printf 'echo typed-over-ssh-5\r' >&$hold
check "console through ssh: input reaches the guest, echo comes back" \
    wait_until 10 grep -q "typed-over-ssh-5" "$HD/rc.out"
check "who (local) lists the ssh session's peer" wait_until 5 bash -c "'$XCMUX' -S '$HD/sock' who rm1 | grep -q ."
R who rm1 >"$HD/r.who" 2>&1
check "who through ssh" test "$(wc -l <"$HD/r.who")" -ge 2
exec {hold}>&-
wait "$rc_pid"
check "console through ssh detaches at end of input with status 0" test $? -eq 0
check "the ssh process was reaped (no ssh left behind)" \
    bash -c "! pgrep -f -- '-p $port -- $user@127[.]0[.]0[.]1' >/dev/null"

# console on a terminal: raw mode is local, ^] . detaches.
( sleep 2; printf 'echo tty-over-ssh-8\r'; sleep 1.5; printf '\035.'; sleep 1 ) |
    timeout 15 script -qfec "'$XCMUX' -H '$URL' -S '$HD/sock' console rm1; echo EXIT=\$?" /dev/null \
    >"$HD/tty.out" 2>&1
check "terminal console through ssh: echo of typed input" grep -q "tty-over-ssh-8" "$HD/tty.out"
check "terminal console through ssh: escape then . detaches (exit 0)" grep -q "EXIT=0" "$HD/tty.out"

# Errors keep their meaning.
"$XCMUX" -H "ssh://-oProxyCommand=x" list >/dev/null 2>"$HD/bad.err"
check "a host that could be an ssh option is refused (usage, 64)" test $? -eq 64
"$XCMUX" -H "http://host" list >/dev/null 2>&1
check "a non-ssh URL is refused (64)" test $? -eq 64
R -S "$HD/no-such.sock" list >/dev/null 2>"$HD/nod.err"
rc=$?
# (-S given twice: the last wins, as for any option.)
check "no daemon behind the remote socket: exit 3 ($rc)" test "$rc" -eq 3
check "... and the remote proxy says why" grep -q "cannot connect to xcmuxd" "$HD/nod.err"
"$XCMUX" -H "ssh://$user@127.0.0.1:1" list >/dev/null 2>"$HD/noss.err"
rc=$?
check "sshd unreachable: exit 3 ($rc)" test "$rc" -eq 3
check "daemon still running" kill -0 "$XCMUXD_PID"
finish
