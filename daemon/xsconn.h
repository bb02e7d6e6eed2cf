/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xsconn.h — one xenstore connection speaking the wire protocol itself,
 * with requests pipelined: part of the xen port (hyp.c runs the daemon's
 * jobs on these); nothing else uses it.
 *
 * Contract
 * - A connection is a non-blocking byte stream to the store (its Unix
 *   socket). xsconn_submit() queues a job (hyp.h); its requests are sent
 *   in order, back to back with those of the jobs before it, up to
 *   XSCONN_WINDOW requests awaiting their reply. The store answers a
 *   connection's requests in the order sent (each reply carries the
 *   request's id, which is checked), so a job's requests, and jobs on
 *   one connection, run in the order submitted. A job is done, and goes
 *   to ops->job_done, when its last request is answered.
 * - Nothing here blocks: xsconn_submit() only queues; xsconn_io()
 *   writes what the socket takes and reads what it has. The caller runs
 *   it when the fd is readable, or writable while xsconn_wants_write()
 *   (true from a submit until everything queued is written), so what a
 *   pass of the loop submits is written at once.
 * - Replies are guest-influenced and bounded: a read's value of
 *   HYP_VALUE_MAX bytes or more fails that request with E2BIG, a
 *   listing keeps the names that fit in HYP_VALUE_MAX bytes, and a
 *   message over XSCONN_MESSAGE_MAX is skipped without being buffered
 *   (its request fails with E2BIG). So, unlike libxenstore, an
 *   oversized reply costs one request, never the connection.
 * - Watches set through a connection fire on it: each XS_WATCH_EVENT
 *   goes to ops->event (path and token NUL-terminated, bounded by the
 *   message).
 * - Anything else the store sends that does not fit the protocol (a
 *   reply with another request's id, a reply with nothing asked, an
 *   unknown type), and end of file or an error on the socket, make
 *   xsconn_io() return -1: the connection is dead, and xsconn_free()
 *   fails every job still queued on it with the given errno.
 */
#ifndef XCMUX_DAEMON_XSCONN_H
#define XCMUX_DAEMON_XSCONN_H

#include <stdbool.h>

#include "daemon/hyp.h"

/* Requests sent and not yet answered, per connection. */
#define XSCONN_WINDOW 64u
/* Largest message buffered (the protocol's payload limit is 4096 bytes;
 * oxenstored exceeds it for big listings). */
#define XSCONN_MESSAGE_MAX (64u * 1024u)

struct xsconn;

struct xsconn_ops {
    void (*job_done)(void *ctx, struct hyp_job *j);
    void (*event)(void *ctx, const char *path, const char *token);
    void (*request)(void *ctx); /* one request sent (for counting) */
};

/* Longest xsconn_connect() waits for room in the store's listen backlog. */
#define XSCONN_CONNECT_MS 1000u

/* Connect to the store's socket at PATH: a non-blocking fd, or -1. */
int xsconn_connect(const char *path);
/* A connection on FD (taken: closed by xsconn_free). NULL: out of memory
 * (FD is closed). */
struct xsconn *xsconn_new(int fd, const struct xsconn_ops *ops, void *ctx);
int xsconn_fd(const struct xsconn *c);
void xsconn_submit(struct xsconn *c, struct hyp_job *j);
/* 0, or -1 with errno: the connection is dead. */
int xsconn_io(struct xsconn *c);
bool xsconn_wants_write(const struct xsconn *c);
/* Requests queued or awaiting a reply. */
unsigned xsconn_pending(const struct xsconn *c);
/* Close; every job not done yet completes with each unanswered request
 * failed with ERR. */
void xsconn_free(struct xsconn *c, int err);

#endif
