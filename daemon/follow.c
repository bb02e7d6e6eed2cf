/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * follow.c — reboot-follow (see follow.h).
 */
#include "daemon/follow.h"

#include <stdio.h>
#include <string.h>

#include "daemon/console.h"
#include "daemon/events.h"
#include "daemon/limits.h"
#include "daemon/seat.h"
#include "daemon/session-admit.h"
#include "daemon/session-int.h"

/* Move S (attached to a gone console) to TO. */
static void follow_move(struct session *s, struct console *to)
{
    /* A draining session did not ask to follow: it ends with its console. */
    if (s->state != SESSION_ATTACHED || !s->con || s->con == to || s->end_when_drained)
        return;
    char why[XP_MAX_NOTICE_TEXT];
    bool full = to->nsessions >= XCMUX_MAX_SESSIONS_PER_CONSOLE;
    if (full)
        snprintf(why, sizeof(why), "%s has too many sessions (limit %d)", to->name,
                 XCMUX_MAX_SESSIONS_PER_CONSOLE);
    if (full || !session_admit_console(s, to, why, sizeof(why))) {
        session_end(s, XP_N_DOMAIN_GONE, "%s is back, but this session cannot follow it: %s",
                    to->name, why);
        return;
    }
    session_leave_console(s); /* may free the old console (gone, now empty) */
    session_join_console(s, to);
    /* The new boot's output from its start. */
    s->off = outbuf_oldest(&to->buf);
    /* Read-write implies write access (seat.h). */
    s->can_write = session_access(s, to) >= ACCESS_WRITE;
    if (!s->can_write)
        s->mode = XP_MODE_READ_ONLY;
    session_notice(s, XP_N_DOMAIN_BACK, to->domid, "%s is back as domid %u", to->name,
                   (unsigned)to->domid);
    console_log_event(to, "attach %s mode %s (followed reboot)", session_who(s),
                      xp_mode_name((unsigned)s->mode));
    seat_follow(to, s);
    session_pump(s);
}

static void on_console_new(enum xd_event ev, const struct xd_event_info *info)
{
    struct console *c = info->c, *g, *n;
    TAILQ_FOREACH_SAFE (g, &xd.consoles, link, n) {
        if (g == c || g->state != CONSOLE_GONE || g->index != c->index ||
            strcmp(g->name, c->name) != 0)
            continue;
        /* The last move frees G, and the list ends there with it. */
        struct console_reader *r, *rn;
        TAILQ_FOREACH_SAFE (r, &g->readers, link, rn) {
            struct session *s = session_of_reader(r);
            if (s)
                follow_move(s, c);
        }
    }
}

void follow_subscribe(void)
{
    events_subscribe(XE_CONSOLE_NEW, on_console_new);
}
