/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seat.h — the write seat of a console: which sessions may write to the
 * guest, how the seat moves, and the notices that tell them. The one home
 * of the write policy (PROTOCOL.md, "Write seat"); sessions, requests and
 * reboot-follow ask it, none decides on its own.
 *
 * Contract
 * - A session writes only when its mode is read-write and the console's
 *   write ACL allows it (s->can_write). Mode read-write implies
 *   can_write: a session the ACL does not let write is read-only.
 * - Policy single: at most one session, c->writer, holds the seat; it is
 *   attached to C. Policy shared: every read-write session writes and
 *   c->writer is NULL.
 * - A read-only session is never promoted: neither a free seat, nor a
 *   writer leaving, nor a reload makes it a writer. Only the session
 *   itself asks for write (escape f, or ATTACH with force), and only with
 *   write access.
 * - The seat moves only through seat_take(): the displaced holder gets
 *   NOTICE(FORCED, taker's uid) or, on a release, NOTICE(WRITER, 0); the
 *   taker gets NOTICE(WRITER, 1); the console log records who took it.
 * - seat_is_writer() is the one answer to "is S a writer of C" for WHO,
 *   escape w and ATTACHED.
 */
#ifndef XCMUX_DAEMON_SEAT_H
#define XCMUX_DAEMON_SEAT_H

#include <stdbool.h>
#include <stddef.h>

struct console;
struct session;

bool seat_is_writer(const struct console *c, const struct session *s);

/* ATTACH of S to C in mode MODE (enum xp_mode; S's ACL in s->can_write),
 * or S following its guest to C in the mode it had: decided before
 * ATTACHED (DOMAIN_BACK) is sent, applied after it, since the notices
 * about the seat follow it on the wire. */
struct seat_join {
    int mode;               /* granted mode (FORCE granted as READ_WRITE) */
    bool force;             /* asked for FORCE and granted it */
    bool downgraded;        /* asked for write without write access */
    bool take;              /* S takes the seat */
    bool writer;            /* ATTACHED says "writer" */
    struct session *holder; /* single: who holds it while S views */
};
struct seat_join seat_join_plan(const struct console *c, const struct session *s, int mode);
void seat_join_apply(struct console *c, struct session *s, const struct seat_join *j);

/* S (attached) types: may its input go to the guest? A read-write
 * session typing into a free seat (policy single) takes it. */
bool seat_may_write(struct session *s);
/* Why S may not write, for its ERROR(NOT_WRITER); HOW names the key or
 * option that takes the seat. */
void seat_refusal(const struct session *s, const char *how, char *text, size_t len);
/* Escape f: S asks for the seat (forcing a holder out). */
void seat_force(struct session *s);
/* S leaves C: a held seat is released (NOTICE(WRITER, 0) to S). */
void seat_leave(struct console *c, struct session *s);
/* S leaves C's audience: it holds no seat there any more (silently:
 * seat_leave told it when it mattered). */
void seat_forget(struct console *c, const struct session *s);
/* A reload decided whether S may write to C (MAY_WRITE): write taken
 * away makes S read-only and frees its seat; write given back is told
 * (the session takes the seat itself). */
void seat_access_changed(struct console *c, struct session *s, bool may_write);
/* C's policy may have changed (reload): shared has no seat holder. */
void seat_policy_changed(struct console *c);
/* Give the seat of C to S (NULL: free it), with the notices. */
void seat_take(struct console *c, struct session *s);

#endif
