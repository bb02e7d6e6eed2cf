/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session-int.h — shared between session.c (connection, framing, pump,
 * escape commands), session-req.c (the request handlers) and follow.c
 * (reboot-follow, which moves sessions). Not for use outside them.
 *
 * Contract
 * - The send_* helpers append one whole frame to the session's output
 *   buffer; they never block and never fail visibly (an encoder error is
 *   a daemon bug and the frame is dropped).
 * - session_close_after_flush() stops reading; the session is freed once
 *   its output is written (or the peer errors or times out).
 * - A session in LOGDUMP or ATTACHED is in con's audience, so the console
 *   (and its buffer) lives at least as long as the session uses it.
 */
#ifndef XCMUX_DAEMON_SESSION_INT_H
#define XCMUX_DAEMON_SESSION_INT_H

#include <stdarg.h>
#include <stdint.h>

#include "daemon/session.h"
#include "protocol/xcmux-proto.h"

struct console;

void send_error(struct session *s, uint16_t code, uint8_t request_type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void send_end(struct session *s, uint8_t request_type, uint64_t count);
void send_frame(struct session *s, const uint8_t *frame, ssize_t n);
void session_close_after_flush(struct session *s);

/* S (idle) becomes a reader of C (for ATTACH or a LOG dump). */
void session_join_console(struct session *s, struct console *c);
/* S leaves its console's audience (which may free a gone console);
 * s->con is NULL after. */
void session_leave_console(struct session *s);

/* Access level of S to C from its credentials. */
int session_access(const struct session *s, const struct console *c);

/* Request handlers (session-req.c); the state is checked by the caller. */
void req_list(struct session *s);
/* STATUS: the xenstore connection's state (store.h). */
void req_status(struct session *s);
void req_attach(struct session *s, const struct xp_attach *a);
void req_who(struct session *s, const struct xp_console_ref *ref);
void req_log(struct session *s, const struct xp_log_req *req);
void req_hotkeys(struct session *s, const struct xp_console_ref *ref);
void req_trigger(struct session *s, const struct xp_trigger *t);

#endif
