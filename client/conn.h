/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conn.h - the client's connection to xcmuxd: connect, handshake, send
 * frames, receive decoded messages.
 *
 * Contract: the socket is non-blocking.  xc_conn_open() connects and does
 * the HELLO exchange; it prints a cause-naming error (daemon not running
 * with the socket path, permission, version mismatch) and returns an
 * XC_EXIT_* code on failure.  xc_conn_send()/xc_conn_recv() wait with
 * poll() for the simple request/reply commands; the console loop instead
 * uses xc_conn_fill() when poll says readable and xc_conn_next() to pull
 * whole messages.  A decoded message's DATA pointer is valid until the next
 * call on the connection.
 */
#ifndef XCMUX_CLIENT_CONN_H
#define XCMUX_CLIENT_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "protocol/xcmux-proto.h"

struct xc_conn {
    int fd;
    const char *path;
    struct xp_stream *in;
    uint8_t raw[16384]; /* bytes read but not yet taken by `in` */
    size_t raw_len, raw_off;
    bool eof;
    struct xp_hello server;
    pid_t ssh_pid; /* > 0: fd is our end of ssh (xcmux -H) */
};

int xc_conn_open(struct xc_conn *c, const char *path);
/* xc_conn_open() for a caller with another way out (the `xl console`
 * front end falling back to Xen's client): says nothing when no daemon
 * listens, and returns XC_EXIT_NO_DAEMON; every other failure is said. */
int xc_conn_probe(struct xc_conn *c, const char *path);
void xc_conn_close(struct xc_conn *c);

/* Encodes and writes m completely (waiting as needed).  0 or XC_EXIT_*. */
int xc_conn_send(struct xc_conn *c, const struct xp_msg *m);
/* Waits for the next message.  0, or XC_EXIT_* after printing why
 * (connection closed: XC_EXIT_LOST; malformed: XC_EXIT_PROTOCOL). */
int xc_conn_recv(struct xc_conn *c, struct xp_msg *m);

/* One non-blocking read into the connection.  Returns >0 bytes read, 0 at
 * EOF (c->eof set), -1 with errno (EAGAIN: nothing to read). */
ssize_t xc_conn_fill(struct xc_conn *c);
/* XP_OK with *m filled, XP_NEED_MORE, or a negative XP_ERR_*. */
int xc_conn_next(struct xc_conn *c, struct xp_msg *m);

/* Prints a daemon ERROR for the request `what` about `domain` (may be
 * NULL) and maps it to an exit code. */
int xc_report_error(const struct xp_error *e, const char *what, const char *domain);

/*
 * One request whose reply is a run of records ended by END (WHO, HOTKEYS,
 * LOG): connects to SOCKET, sends *req, and calls each(m, arg) for every
 * message of type RECORD until END. An ERROR is reported (as `what` about
 * `domain`) and ends it; each() returning -1 stops early with success
 * (the reader went away), another non-zero value stops with that code.
 * Returns 0 or an XC_EXIT_* code.
 */
int xc_request_records(const char *socket, const struct xp_msg *req, uint8_t record,
                       const char *what, const char *domain,
                       int (*each)(const struct xp_msg *m, void *arg), void *arg);

/* Picks the socket: -S if given, else $XCMUX_SOCKET, else the default. */
const char *xc_socket_path(const char *opt);

#endif /* XCMUX_CLIENT_CONN_H */
