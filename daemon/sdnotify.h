/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sdnotify.h — the two systemd interfaces xcmuxd uses, spoken directly:
 * readiness notification ($NOTIFY_SOCKET) and socket activation
 * ($LISTEN_PID/$LISTEN_FDS).
 *
 * Contract
 * - Written here rather than linked from libsystemd: both protocols are a
 *   few lines (one datagram; two environment variables and fd 3), the
 *   daemon then behaves the same whether or not libsystemd is installed,
 *   and the tests exercise the code that ships.
 * - sdn_notify() sends STATE (e.g. "READY=1\nSTATUS=...") as one datagram
 *   on $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). It
 *   never blocks (MSG_DONTWAIT) and is a no-op returning 0 when the
 *   variable is unset; 1 when sent, -1 on failure (errno set). The
 *   variable is kept, so later notifications (RELOADING, STOPPING) work.
 * - sdn_listen_fd() returns the first passed descriptor (fd 3) when
 *   $LISTEN_PID is this process and $LISTEN_FDS >= 1 and that descriptor
 *   is a listening stream socket; otherwise -1. It unsets LISTEN_PID,
 *   LISTEN_FDS and LISTEN_FDNAMES so children do not inherit them, and
 *   marks the passed descriptors close-on-exec. *extra receives how many
 *   further descriptors were passed (they are ignored).
 */
#ifndef XCMUX_DAEMON_SDNOTIFY_H
#define XCMUX_DAEMON_SDNOTIFY_H

#define SDN_LISTEN_FDS_START 3

int sdn_notify(const char *state);
int sdn_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int sdn_listen_fd(int *extra);

#endif
