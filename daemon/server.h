/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * server.h — the daemon's listening Unix stream socket.
 *
 * Contract
 * - server_start() creates the socket at PATH: the parent directory is
 *   made (0755) when missing; the socket is bound under a umask that lets
 *   nobody in, then given MODE (and GROUP when set_group), so there is no
 *   window in which it is more open than configured. It is bound as
 *   PATH.PID.new and hard-linked to PATH once it listens: PATH never
 *   exists without a listener behind it (a client would take the refusal
 *   for "no daemon"). If PATH appeared meanwhile, start fails and leaves
 *   it. (A PATH too long for the suffix is bound directly.)
 * - An existing file at PATH is replaced only if it is a socket nobody
 *   answers on (a stale one from a crashed daemon). If another daemon
 *   answers, or PATH is not a socket, start fails with a message in err.
 * - Connections are accepted non-blocking from the event loop (xd.base)
 *   and handed to session_new(). Beyond XCMUX_MAX_CLIENTS sessions a
 *   connection is accepted, sent ERROR(LIMIT) and closed, so the listening
 *   socket never stays readable in a loop. Running out of fds pauses
 *   accepting briefly instead of spinning.
 * - server_listen_fd() adopts a socket that is already bound and listening
 *   (socket activation); server_stop() closes it but unlinks only a socket
 *   this module created, and only if PATH still is that socket.
 * - Return conventions: 0 on success, -1 with a message in err.
 */
#ifndef XCMUX_DAEMON_SERVER_H
#define XCMUX_DAEMON_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

int server_start(const char *path, mode_t mode, bool set_group, gid_t group, char *err,
                 size_t errlen);
/* Adopt FD (bound and listening); it is made non-blocking here. */
int server_listen_fd(int fd);
void server_stop(void);

#endif
