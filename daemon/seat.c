/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seat.c — the write seat (see seat.h).
 */
#include "daemon/seat.h"

#include <stdio.h>

#include "daemon/config.h"
#include "daemon/console.h"
#include "daemon/session.h"
#include "protocol/xcmux-proto.h"

static bool read_write(const struct session *s)
{
    return s->can_write && s->mode != XP_MODE_READ_ONLY;
}

bool seat_is_writer(const struct console *c, const struct session *s)
{
    if (c->cfg.policy == WRITE_POLICY_SHARED)
        return read_write(s);
    return c->writer == s;
}

void seat_take(struct console *c, struct session *s)
{
    struct session *old = c->writer;
    if (old == s)
        return;
    c->writer = s;
    if (old) {
        if (s)
            /* PROTOCOL.md: the count of FORCED is the taker's uid. */
            session_notice(old, XP_N_FORCED, s->uid, "write seat taken by %s", session_who(s));
        else
            session_notice(old, XP_N_WRITER, 0, "write seat released");
        old->refused_notified = false;
    }
    if (s) {
        session_notice(s, XP_N_WRITER, 1, "you have the write seat");
        s->refused_notified = false;
        console_log_event(c, "%s %s the write seat", session_who(s), old ? "forced" : "took");
    }
}

struct seat_join seat_join_plan(const struct console *c, const struct session *s, int mode)
{
    struct seat_join j = {.mode = mode};
    j.downgraded = mode != XP_MODE_READ_ONLY && !s->can_write;
    if (j.downgraded)
        j.mode = XP_MODE_READ_ONLY;
    bool force = j.mode == XP_MODE_FORCE;
    j.force = force;
    if (force)
        j.mode = XP_MODE_READ_WRITE;
    bool rw = j.mode == XP_MODE_READ_WRITE;
    if (c->cfg.policy == WRITE_POLICY_SHARED) {
        j.writer = rw;
        return j;
    }
    j.take = force || (rw && !c->writer);
    j.writer = j.take;
    j.holder = !j.take && rw ? c->writer : NULL;
    return j;
}

void seat_join_apply(struct console *c, struct session *s, const struct seat_join *j)
{
    if (j->downgraded)
        session_notice(s, XP_N_INFO, 0, "read-only: you may not write to %s", c->name);
    if (j->take)
        seat_take(c, s);
    else if (j->holder)
        session_notice(s, XP_N_WRITER, 0, "viewing: %s holds the write seat",
                       session_who(j->holder));
}

bool seat_may_write(struct session *s)
{
    struct console *c = s->con;
    if (!read_write(s))
        return false;
    if (c->cfg.policy == WRITE_POLICY_SHARED || c->writer == s)
        return true;
    if (!c->writer) {
        /* A read-write viewer typing into a free seat takes it. */
        seat_take(c, s);
        return c->writer == s;
    }
    return false;
}

void seat_refusal(const struct session *s, const char *how, char *text, size_t len)
{
    const struct console *c = s->con;
    const struct session *holder = c->writer;
    if (s->mode == XP_MODE_READ_ONLY && !s->can_write)
        snprintf(text, len, "%s may not write to %s", s->user, c->name);
    else if (holder && holder != s)
        snprintf(text, len, "%s holds the write seat of %s (%s takes it)", session_who(holder),
                 c->name, how);
    else
        snprintf(text, len, "the write seat of %s is free (%s takes it)", c->name, how);
}

void seat_force(struct session *s)
{
    struct console *c = s->con;
    if (!s->can_write) {
        session_notice(s, XP_N_INFO, 0, "no write permission on %s", c->name);
        return;
    }
    s->mode = XP_MODE_READ_WRITE;
    if (c->cfg.policy == WRITE_POLICY_SHARED)
        session_notice(s, XP_N_INFO, 0, "%s is shared: every writer may write", c->name);
    else if (c->writer == s)
        session_notice(s, XP_N_INFO, 0, "you already hold the write seat");
    else
        seat_take(c, s);
}

void seat_leave(struct console *c, struct session *s)
{
    if (c->writer == s)
        seat_take(c, NULL);
}

void seat_forget(struct console *c, const struct session *s)
{
    if (c->writer == s)
        c->writer = NULL;
}

void seat_access_changed(struct console *c, struct session *s, bool may_write)
{
    if (s->can_write && !may_write) {
        s->can_write = false;
        bool was_rw = s->mode != XP_MODE_READ_ONLY;
        s->mode = XP_MODE_READ_ONLY;
        console_log_event(c, "%s may no longer write to %s (configuration reloaded)",
                          session_who(s), c->name);
        if (was_rw || c->writer == s)
            session_notice(s, XP_N_INFO, 0,
                           "write access revoked: %s may no longer "
                           "write to %s (configuration reloaded); read-only now",
                           s->user, c->name);
        if (c->writer == s)
            seat_take(c, NULL);
    } else if (!s->can_write && may_write) {
        s->can_write = true;
        session_notice(s, XP_N_INFO, 0,
                       "you may now write to %s (configuration "
                       "reloaded); escape f takes the write seat",
                       c->name);
    }
}

void seat_policy_changed(struct console *c)
{
    if (c->cfg.policy == WRITE_POLICY_SHARED)
        c->writer = NULL;
}
