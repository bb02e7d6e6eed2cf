/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * upstream.h — a connection to xcmuxd made AS a given user, so the daemon
 * sees that user's uid and groups through SO_PEERCRED (protocol/WEB.md).
 *
 * Contract
 * - upstream_connect() forks a child that takes the user's groups, gid
 *   and uid (computed before the fork: the child calls only
 *   async-signal-safe functions and raw system calls — the gateway has
 *   PAM threads), connects to the socket, passes the connected socket
 *   back over a socketpair (SCM_RIGHTS) and _exits. The loop never
 *   waits: the answer arrives as an event, the child is reaped with
 *   waitpid(pid, WNOHANG) then and at every SIGCHLD (upstream_reap()).
 *   Only the gateway's own children are reaped (PAM modules may have
 *   theirs).
 * - cb(arg, fd, pid, err) runs once on the loop: fd >= 0 (non-blocking,
 *   close-on-exec, the caller owns it) and the child's pid — the pid
 *   xcmuxd reports in WHO for that connection — or fd = -1 and an errno.
 *   After upstream_cancel() it never runs.
 */
#ifndef XCMUX_WEB_UPSTREAM_H
#define XCMUX_WEB_UPSTREAM_H

#include <sys/types.h>

#include "web/web.h"

struct upstream_req;
typedef void (*upstream_cb)(void *arg, int fd, pid_t pid, int err);

struct upstream_req *upstream_connect(struct event_base *base, const char *path,
                                      const struct web_ident *id, upstream_cb cb, void *arg);
void upstream_cancel(struct upstream_req *r);
/* Reaps the children that have exited; call on SIGCHLD. */
void upstream_reap(void);
/* Frees the bookkeeping (at exit). */
void upstream_shutdown(void);

#endif
