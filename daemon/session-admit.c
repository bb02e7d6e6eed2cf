// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * session-admit.c — who may have a connection, or a session on a console,
 * when capacity runs out (see session-admit.h).
 *
 * Everything here is O(connections) or O(sessions of one console) and runs
 * only at accept and attach time; nothing is kept per uid, so there is no
 * table a hostile user could grow.
 */
#include "daemon/session-admit.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "daemon/console.h"
#include "daemon/limits.h"
#include "daemon/session-int.h"

/* ---- refusal episodes ------------------------------------------------------ */

struct episode {
    bool used;
    enum admit_kind kind;
    uid_t uid;
    char user[33];
    char what[160]; /* the reason, as logged */
    uint64_t start_ms, last_ms;
    uint64_t count; /* refusals in this episode */
};

static struct episode episodes[XCMUX_REFUSAL_EPISODES];
static struct event *episode_timer;

static const char *kind_verb(enum admit_kind k)
{
    switch (k) {
    case ADMIT_REFUSE_CONN:
        return "refused connection(s)";
    case ADMIT_SHED_CONN:
        return "shed connection(s)";
    case ADMIT_REFUSE_SESSION:
        return "refused session(s)";
    case ADMIT_SHED_SESSION:
        return "ended session(s)";
    }
    return "refused";
}

static void episode_close(struct episode *e, uint64_t now)
{
    if (e->count > 1)
        syslog(LOG_WARNING, "%s %llu %s in %llu ms (episode over): %s", e->user,
               (unsigned long long)e->count, kind_verb(e->kind),
               (unsigned long long)(now - e->start_ms), e->what);
    e->used = false;
}

static void episode_arm(void);

static void episode_tick(evutil_socket_t fd, short what, void *arg)
{
    uint64_t now = xd_now_ms();
    for (unsigned i = 0; i < XCMUX_REFUSAL_EPISODES; i++)
        if (episodes[i].used && now - episodes[i].last_ms >= XCMUX_REFUSAL_EPISODE_MS)
            episode_close(&episodes[i], now);
    episode_arm();
}

static void episode_arm(void)
{
    bool any = false;
    for (unsigned i = 0; i < XCMUX_REFUSAL_EPISODES && !any; i++)
        any = episodes[i].used;
    if (!any || !xd.base)
        return;
    if (!episode_timer)
        episode_timer = evtimer_new(xd.base, episode_tick, NULL);
    if (episode_timer && !evtimer_pending(episode_timer, NULL)) {
        struct timeval tv = {XCMUX_REFUSAL_EPISODE_MS / 1000,
                             (XCMUX_REFUSAL_EPISODE_MS % 1000) * 1000};
        evtimer_add(episode_timer, &tv);
    }
}

void admit_log(enum admit_kind kind, const struct session *s, const char *fmt, ...)
{
    char what[sizeof(episodes[0].what)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    uint64_t now = xd_now_ms();
    struct episode *e = NULL, *oldest = &episodes[0];
    for (unsigned i = 0; i < XCMUX_REFUSAL_EPISODES; i++) {
        struct episode *x = &episodes[i];
        if (x->used && x->kind == kind && x->uid == s->uid && strcmp(x->what, what) == 0) {
            e = x;
            break;
        }
        if (!x->used)
            oldest = x;
        else if (oldest->used && x->last_ms < oldest->last_ms)
            oldest = x;
    }
    if (e && now - e->last_ms < XCMUX_REFUSAL_EPISODE_MS) {
        e->count++;
        e->last_ms = now;
        return;
    }
    if (e)
        episode_close(e, now);
    else {
        e = oldest;
        if (e->used)
            episode_close(e, now);
    }
    *e = (struct episode){
        .used = true, .kind = kind, .uid = s->uid, .start_ms = now, .last_ms = now, .count = 1};
    snprintf(e->user, sizeof(e->user), "%s", s->user);
    snprintf(e->what, sizeof(e->what), "%s", what);
    syslog(LOG_WARNING,
           "%s: %s %s (further ones are counted until %d ms pass "
           "without one)",
           session_who(s), kind_verb(kind), what, XCMUX_REFUSAL_EPISODE_MS);
    episode_arm();
}

void admit_shutdown(void)
{
    uint64_t now = xd_now_ms();
    for (unsigned i = 0; i < XCMUX_REFUSAL_EPISODES; i++)
        if (episodes[i].used)
            episode_close(&episodes[i], now);
    if (episode_timer) {
        event_free(episode_timer);
        episode_timer = NULL;
    }
}

/* ---- classes of peers -------------------------------------------------------- */

bool session_is_admin(const struct session *s)
{
    return s->uid == 0 ||
           (xd.cfg && acl_allows(&xd.cfg->global.admin, s->uid, s->gid, s->groups, s->ngroups));
}

/* May S read at least one console? (Unauthorised peers may not.) */
static bool has_any_access(const struct session *s)
{
    if (session_is_admin(s))
        return true;
    struct console *c;
    TAILQ_FOREACH (c, &xd.consoles, link)
        if (session_access(s, c) >= ACCESS_READ)
            return true;
    return false;
}

/* Every connection of UID, closing ones too: each holds an fd until it
 * is freed, so the cap bounds what the uid really holds. */
static unsigned conns_of(uid_t uid)
{
    unsigned n = 0;
    struct session *o;
    TAILQ_FOREACH (o, &xd.sessions, link)
        if (o->uid == uid)
            n++;
    return n;
}

/* Shedding order: a connection that has not said HELLO yet, then an idle
 * one whose requests were all refused (no access), then (for the admin
 * only) any idle connection of a non-admin. Oldest first in each class.
 * A user's newcomer never sheds that user's own connections (its cap is
 * per user: shedding its own would let it cycle through the others'). */
static struct session *shed_victim(const struct session *newcomer)
{
    bool for_admin = newcomer->admin;
    struct session *o, *cand[3] = {NULL, NULL, NULL};
    TAILQ_FOREACH (o, &xd.sessions, link) {
        if (o == newcomer || o->admin || o->hotkey_wait)
            continue;
        if (!for_admin && o->uid == newcomer->uid)
            continue;
        if (o->state == SESSION_HELLO && !cand[0])
            cand[0] = o;
        else if (o->state == SESSION_IDLE && !o->granted && !cand[1])
            cand[1] = o;
        else if (o->state == SESSION_IDLE && !cand[2])
            cand[2] = o;
        if (cand[0])
            break;
    }
    if (cand[0])
        return cand[0];
    if (cand[1])
        return cand[1];
    return for_admin ? cand[2] : NULL;
}

/* The victim is idle: it has no console, and its output buffer is empty
 * unless it stopped reading replies; the ERROR goes out directly (a full
 * socket just loses it) and the connection is freed at once, so its fd is
 * available to the newcomer. */
static void shed_conn(struct session *v, const struct session *for_whom)
{
    admit_log(ADMIT_SHED_CONN, v, "to make room for %s (%s connection)",
              for_whom->admin ? "the administrator" : "a user with access",
              v->state == SESSION_HELLO ? "unauthenticated"
              : v->granted              ? "idle"
                                        : "unauthorised");
    struct xp_error e = {.code = XP_E_LIMIT, .request_type = 0};
    snprintf(e.text, sizeof(e.text),
             "connection shed: xcmuxd is at its client limit and "
             "needed room for %s",
             for_whom->admin ? "the administrator" : "a user with access");
    uint8_t frame[XP_HDR_SIZE + 8 + 160];
    ssize_t n = xp_encode_error(frame, sizeof(frame), &e);
    if (n > 0 && evbuffer_get_length(bufferevent_get_output(v->bev)) == 0)
        (void)send(bufferevent_getfd(v->bev), frame, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
    session_free(v);
}

bool session_admit_conn(struct session *s, char *why, size_t whylen)
{
    const struct config *cfg = xd.cfg;
    unsigned max = XCMUX_MAX_CLIENTS;
    s->admin = session_is_admin(s);
    if (s->admin) {
        if (xd.nsessions < max)
            return true;
        struct session *v = shed_victim(s);
        if (v) {
            shed_conn(v, s);
            return true;
        }
        snprintf(why, whylen, "too many clients (limit %u), none of them idle", max);
        admit_log(ADMIT_REFUSE_CONN, s, "%s", why);
        return false;
    }
    unsigned per_user = cfg ? cfg->max_conn_per_user : XCMUX_DEFAULT_CONN_PER_USER;
    unsigned reserved = cfg ? cfg->reserved_conn : XCMUX_DEFAULT_RESERVED_CONN;
    if (conns_of(s->uid) >= per_user) {
        snprintf(why, whylen, "too many connections from %s (limit %u per user)", s->user,
                 per_user);
        admit_log(ADMIT_REFUSE_CONN, s, "%s", why);
        return false;
    }
    if (xd.nsessions < max - reserved)
        return true;
    struct session *v = has_any_access(s) ? shed_victim(s) : NULL;
    if (v) {
        shed_conn(v, s);
        return true;
    }
    snprintf(why, whylen,
             "too many clients (limit %u, of which %u are kept for the "
             "administrator)",
             max, reserved);
    admit_log(ADMIT_REFUSE_CONN, s, "%s", why);
    return false;
}

/* ---- sessions on a console ------------------------------------------------------ */

/* Sessions on C (of OF's uid when OF is set); closing ones count only
 * with ALL (the per-user cap bounds what a uid holds, closing or not). */
static unsigned sessions_on(const struct console *c, const struct session *of, bool all)
{
    unsigned n = 0;
    struct session *o;
    CONSOLE_FOREACH_SESSION(o, c)
    if ((all || o->state != SESSION_CLOSING) && (!of || o->uid == of->uid))
        n++;
    return n;
}

static unsigned live_sessions(const struct console *c, const struct session *of)
{
    return sessions_on(c, of, false);
}

/* The non-admin session of the uid holding the most sessions on C (its
 * oldest), so the heaviest user pays first. */
static struct session *session_victim(struct console *c)
{
    struct session *o, *best = NULL;
    unsigned best_n = 0;
    CONSOLE_FOREACH_SESSION(o, c)
    {
        if (o->admin || o->state != SESSION_ATTACHED)
            continue;
        unsigned n = live_sessions(c, o);
        if (n > best_n) {
            best = o;
            best_n = n;
        }
    }
    return best;
}

bool session_admit_console(struct session *s, struct console *c, char *why, size_t whylen)
{
    const struct config *cfg = xd.cfg;
    unsigned max = XCMUX_MAX_SESSIONS_PER_CONSOLE;
    unsigned live = live_sessions(c, NULL);
    if (s->admin) {
        /* Closing sessions still count in c->nsessions for a moment: the
         * hard bound is MAX plus those, each made by one admin attach. */
        if (live < max)
            return true;
        struct session *v = session_victim(c);
        if (v) {
            admit_log(ADMIT_SHED_SESSION, v, "on %s to make room for the administrator", c->name);
            session_end(v, XP_N_DETACHED,
                        "session ended: %s has too many sessions (limit %u) "
                        "and the administrator needed one",
                        c->name, max);
            return true;
        }
        snprintf(why, whylen, "%s has too many sessions (limit %u)", c->name, max);
        admit_log(ADMIT_REFUSE_SESSION, s, "%s", why);
        return false;
    }
    unsigned per_user = cfg ? cfg->max_sessions_per_user : XCMUX_DEFAULT_SESSIONS_PER_USER;
    unsigned reserved = cfg ? cfg->reserved_sessions : XCMUX_DEFAULT_RESERVED_SESSIONS;
    unsigned held = sessions_on(c, s, true);
    if (held >= per_user) {
        snprintf(why, whylen, "%s has %u sessions on %s (limit %u per user)", s->user, held,
                 c->name, per_user);
        admit_log(ADMIT_REFUSE_SESSION, s, "%s", why);
        return false;
    }
    if (c->nsessions >= max - reserved) {
        snprintf(why, whylen,
                 "%s has too many sessions (limit %u, of which %u are kept "
                 "for the administrator)",
                 c->name, max, reserved);
        admit_log(ADMIT_REFUSE_SESSION, s, "%s", why);
        return false;
    }
    return true;
}

enum admit_verdict session_admit_attach(struct session *s, struct console *c, char *why,
                                        size_t whylen)
{
    if (session_access(s, c) < ACCESS_READ) {
        snprintf(why, whylen, "%s may not read the console of %s", s->user, c->name);
        return ADMIT_NO_ACCESS;
    }
    return session_admit_console(s, c, why, whylen) ? ADMIT_OK : ADMIT_OVER_LIMIT;
}
