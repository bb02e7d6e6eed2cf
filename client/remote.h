/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * remote.h - reaching xcmuxd on another host through ssh.
 *
 * Contract: `xcmux -H ssh://[user@]host[:port] COMMAND` runs
 *   $XCMUX_SSH -T [-p port] -- [user@]host '$XCMUX_REMOTE_COMMAND --stdio-proxy [-S SOCKET]'
 * (defaults: "ssh" and "xcmux") with its stdin and stdout on one end of a
 * socketpair; the client speaks the protocol on the other end exactly as
 * on a local socket, so every subcommand works unchanged and the terminal
 * is handled locally (ssh -T: the remote side gets no tty). -S names the
 * socket on the remote host and is passed only when given; the local
 * $XCMUX_SOCKET is not forwarded. $XCMUX_SSH is split on blanks (e.g.
 * "ssh -F /path/config").
 *
 * xc_remote_parse() accepts only the ssh:// form with a user of
 * [A-Za-z0-9._-], a host of [A-Za-z0-9._-] or a bracketed IPv6 address,
 * and a port 1..65535: nothing in it can become an ssh option or a remote
 * shell word. xc_remote_spawn() returns the client's end (non-blocking,
 * close-on-exec) or -1 after printing why. xc_remote_finish() waits for
 * ssh after the client closed its end (at most ~2 s, then SIGTERM) and
 * returns ssh's exit status (255: ssh itself failed; otherwise the remote
 * proxy's, which uses xcmux's exit codes), or -1.
 *
 * xc_stdio_proxy() is the remote end: it connects to SOCKET on this host
 * and copies stdin to the socket and the socket to stdout, byte for byte,
 * without blocking either direction on the other; stdin EOF half-closes
 * the socket, socket EOF ends the proxy. Returns an XC_EXIT_* code.
 */
#ifndef XCMUX_CLIENT_REMOTE_H
#define XCMUX_CLIENT_REMOTE_H

#include <sys/types.h>

#define XC_REMOTE_URL_MAX 300

struct xc_remote {
    char url[XC_REMOTE_URL_MAX + 1];  /* as given, for messages */
    char dest[XC_REMOTE_URL_MAX + 1]; /* [user@]host for ssh */
    unsigned port;                    /* 0: ssh's default */
};

int xc_remote_parse(const char *url, struct xc_remote *out);
/* Remote mode for every later xc_conn_open(); NULL: local. REMOTE_SOCKET
 * (may be NULL) is the -S given on the command line. */
void xc_remote_set(const struct xc_remote *r, const char *remote_socket);
const struct xc_remote *xc_remote_get(void);
int xc_remote_spawn(pid_t *pid);
int xc_remote_finish(pid_t pid);

int xc_stdio_proxy(const char *socket_path);

#endif /* XCMUX_CLIENT_REMOTE_H */
