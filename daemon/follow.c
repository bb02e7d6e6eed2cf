/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * follow.c — reboot-follow (see follow.h).
 */
#include "daemon/follow.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "daemon/console.h"
#include "daemon/events.h"
#include "daemon/seat.h"
#include "daemon/session-admit.h"
#include "daemon/session-int.h"

/* Move S (attached to a gone console) to TO: admitted as an ATTACH is
 * (session-admit.h), its seat decided as at an ATTACH (seat.h). */
static void follow_move(struct session *s, struct console *to)
{
    /* A draining session did not ask to follow: it ends with its console. */
    if (s->state != SESSION_ATTACHED || !s->con || s->con == to || s->end_when_drained)
        return;
    char why[XP_MAX_NOTICE_TEXT];
    if (session_admit_attach(s, to, why, sizeof(why)) != ADMIT_OK) {
        session_end(s, XP_N_DETACHED,
                    "%s is back as domid %u, but this session cannot follow it: %s", to->name,
                    (unsigned)to->domid, why);
        return;
    }
    session_leave_console(s); /* may free the old console (gone, now empty) */
    s->can_write = session_access(s, to) >= ACCESS_WRITE;
    struct seat_join seat = seat_join_plan(to, s, s->mode);
    s->mode = seat.mode;
    session_join_console(s, to);
    /* The new boot's output from its start. */
    s->off = outbuf_oldest(&to->buf);
    session_notice(s, XP_N_DOMAIN_BACK, to->domid, "%s is back as domid %u", to->name,
                   (unsigned)to->domid);
    console_log_event(to, "attach %s mode %s (followed reboot)", session_who(s),
                      xp_mode_name((unsigned)s->mode));
    seat_join_apply(to, s, &seat);
    session_pump(s);
}

/* Consoles gone and not yet freed (kept by their sessions): only while
 * there is one can a new console have someone to take over, so the
 * attach of a thousand guests at start costs no scan of the others. */
static unsigned gone_kept;
static bool counting; /* both listeners below are subscribed */

static void on_console_gone(enum xd_event ev, const struct xd_event_info *info)
{
    gone_kept++;
}

static void on_console_free(enum xd_event ev, const struct xd_event_info *info)
{
    if (info->c->state == CONSOLE_GONE && gone_kept > 0)
        gone_kept--;
}

static void on_console_new(enum xd_event ev, const struct xd_event_info *info)
{
    struct console *c = info->c, *g, *n;
    if (counting && gone_kept == 0)
        return;
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
    counting = events_subscribe(XE_CONSOLE_GONE, on_console_gone) == 0 &&
               events_subscribe(XE_CONSOLE_FREE, on_console_free) == 0;
}
