// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * session-req.c — the requests of an idle session: LIST, ATTACH, WHO and
 * LOG (see PROTOCOL.md). Every request that names a console resolves it
 * and checks the caller's access first; a failure is one ERROR and the
 * connection stays usable (LIMIT closes it, as the protocol says).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/bufferevent.h>

#include "daemon/console.h"
#include "daemon/domain.h"
#include "daemon/hotkey.h"
#include "daemon/hvcon.h"
#include "daemon/serial.h"
#include "daemon/log.h"
#include "daemon/pty.h"
#include "daemon/seat.h"
#include "daemon/session-admit.h"
#include "daemon/session-int.h"
#include "daemon/store.h"

static uint8_t wire_state(enum console_state st)
{
    switch (st) {
    case CONSOLE_RUNNING:
        return XP_STATE_RUNNING;
    case CONSOLE_GONE:
        return XP_STATE_GONE;
    case CONSOLE_CORRUPT:
        return XP_STATE_CORRUPT;
    case CONSOLE_WAITING:
        break;
    }
    return XP_STATE_WAITING;
}

/* Names the caller could have meant, limited to domains it may read. */
static void unknown_domain(struct session *s, uint8_t req)
{
    char text[XP_MAX_ERROR_TEXT + 1];
    /* Clients print "unknown domain 'X': <text>", so the text is the list. */
    int len = snprintf(text, sizeof(text), "known domains:");
    size_t used = len > 0 ? (size_t)len : 0;
    unsigned listed = 0;
    struct console *c;
    TAILQ_FOREACH (c, &xd.consoles, link) {
        if (c->index != 0 || !c->dom || session_access(s, c) < ACCESS_READ)
            continue;
        /* Keep room for the " ..." that marks a cut list. */
        size_t need = strlen(c->dom->name) + 2;
        if (used + need + 4 >= sizeof(text)) {
            snprintf(text + used, sizeof(text) - used, " ...");
            used = sizeof(text);
            break;
        }
        used += (size_t)snprintf(text + used, sizeof(text) - used, "%s %s", listed ? "," : "",
                                 c->dom->name);
        listed++;
    }
    if (!listed && used < sizeof(text))
        snprintf(text + used, sizeof(text) - used, " (none)");
    send_error(s, XP_E_UNKNOWN_DOMAIN, req, "%s", text);
}

static bool may_fire(const struct session *s, const struct console *c)
{
    return hotkey_access(&c->cfg, s->uid, s->gid, s->groups, s->ngroups);
}

/* The console named by (domain, index), whatever S may do with it, or
 * NULL after answering the error. */
static struct console *lookup(struct session *s, uint8_t req, const char *domain, uint32_t index)
{
    struct console *c = hvcon_lookup(domain); /* "@xen": the hypervisor (hvcon.h) */
    if (!c && index >= XP_CONSOLE_SERIAL_BASE) {
        /* An emulated serial port (serial.h). */
        c = serial_lookup(domain, index - XP_CONSOLE_SERIAL_BASE);
        if (!c) {
            send_error(s, XP_E_UNKNOWN_CONSOLE, req,
                       "%s has no serial port %u that xcmuxd serves (xcmuxd.conf: serial = on)",
                       domain, (unsigned)(index - XP_CONSOLE_SERIAL_BASE));
            return NULL;
        }
    } else if (c && index != 0) {
        send_error(s, XP_E_UNKNOWN_CONSOLE, req, "%s has no console %u", c->name, (unsigned)index);
        return NULL;
    }
    struct domain *d = c ? NULL : domain_find(domain);
    if (!c && !d) {
        unknown_domain(s, req);
        return NULL;
    }
    if (!c)
        c = index <= XCMUX_MAX_CONSOLES_PER_DOMAIN ? d->con[index] : NULL;
    if (!c)
        send_error(s, XP_E_UNKNOWN_CONSOLE, req, "%s has no console %u", d->name, (unsigned)index);
    return c;
}

/* The console named by (domain, index) that S may read (or, with
 * HOTKEY_OK, fire hotkeys on: the hotkey ACL is separate from reading),
 * or NULL after answering the error. */
static struct console *resolve_for(struct session *s, uint8_t req, const char *domain,
                                   uint32_t index, bool hotkey_ok)
{
    struct console *c = lookup(s, req, domain, index);
    if (!c)
        return NULL;
    if (session_access(s, c) < ACCESS_READ && !(hotkey_ok && may_fire(s, c))) {
        send_error(s, XP_E_PERMISSION, req, "%s may not read the console of %s", s->user, c->name);
        return NULL;
    }
    s->granted = true;
    return c;
}

static struct console *resolve(struct session *s, uint8_t req, const char *domain, uint32_t index)
{
    return resolve_for(s, req, domain, index, false);
}

static bool session_limit_reached(struct session *s, uint8_t req, struct console *c)
{
    char why[XP_MAX_NOTICE_TEXT];
    if (session_admit_console(s, c, why, sizeof(why)))
        return false;
    send_error(s, XP_E_LIMIT, req, "%s", why);
    session_close_after_flush(s);
    return true;
}

void req_list(struct session *s)
{
    uint64_t count = 0;
    struct console *c;
    TAILQ_FOREACH (c, &xd.consoles, link) {
        if (session_access(s, c) < ACCESS_READ)
            continue;
        /* Counted now, not when a stalled session next reads. */
        uint64_t overrun = 0, behind = 0;
        struct session *o;
        CONSOLE_FOREACH_SESSION(o, c)
        {
            overrun += session_overrun(o);
            uint64_t b = session_behind(o);
            behind = b > behind ? b : behind;
        }
        struct xp_list_entry e = {
            .domid = c->domid,
            .console = c->index,
            .state = wire_state(c->state),
            .flags = (uint8_t)((c->writer ? XP_LIST_F_WRITER : 0) |
                               (c->throttled ? XP_LIST_F_RATE_LIMITED : 0)),
            .sessions = c->nsessions,
            .bytes_out = c->bytes_out,
            .dropped_guest = c->dropped_guest,
            .dropped_client = c->dropped_client + overrun,
            .ext = s->proto >= 2,
            .behind = behind,
        };
        if (c->log) {
            struct log_stats st;
            log_get_stats(c->log, &st);
            e.log_bytes = st.bytes_written;
        }
        snprintf(e.name, sizeof(e.name), "%s", c->name);
        snprintf(e.tty, sizeof(e.tty), "%s", console_describe(c));
        uint8_t frame[XP_HDR_SIZE + 96 + XP_MAX_DOMAIN_NAME + XP_MAX_TTY_PATH];
        send_frame(s, frame, xp_encode_list_entry(frame, sizeof(frame), &e));
        count++;
    }
    if (count)
        s->granted = true;
    send_end(s, XP_T_LIST, count);
}

static void notify_joined(struct session *s)
{
    console_broadcast(s->con, &s->reader, XP_N_JOINED, s->uid, "%s joined (%s)", session_who(s),
                      xp_mode_name((unsigned)s->mode));
}

void req_attach(struct session *s, const struct xp_attach *a)
{
    struct console *c = lookup(s, XP_T_ATTACH, a->domain, a->console);
    if (!c)
        return;
    /* The admission reboot-follow uses too (session-admit.h). */
    char why[XP_MAX_NOTICE_TEXT];
    enum admit_verdict v = session_admit_attach(s, c, why, sizeof(why));
    if (v == ADMIT_NO_ACCESS) {
        send_error(s, XP_E_PERMISSION, XP_T_ATTACH, "%s", why);
        return;
    }
    s->granted = true;
    if (v == ADMIT_OVER_LIMIT) {
        send_error(s, XP_E_LIMIT, XP_T_ATTACH, "%s", why);
        session_close_after_flush(s);
        return;
    }

    s->can_write = session_access(s, c) >= ACCESS_WRITE;
    struct seat_join seat = seat_join_plan(c, s, a->mode);

    s->mode = seat.mode;
    s->state = SESSION_ATTACHED;
    s->follow = (a->flags & XP_ATTACH_F_FOLLOW) != 0;
    s->attached_at = time(NULL);
    s->bytes_sent = 0;
    s->dropped = 0;
    s->refused_input = 0;
    s->refused_notified = false;
    int ch = a->escape == XP_ESCAPE_NONE      ? -1
             : a->escape == XP_ESCAPE_DEFAULT ? c->cfg.escape
                                              : (int)a->escape;
    escape_init(&s->esc, ch);
    uint64_t replay = a->replay == XP_REPLAY_DEFAULT ? c->cfg.replay : a->replay;
    s->off = outbuf_tail_offset(&c->buf, replay);
    session_join_console(s, c);

    struct xp_attached ok = {
        .domid = c->domid,
        .console = c->index,
        .mode = (uint8_t)s->mode,
        .flags = seat.writer ? XP_ATTACHED_F_WRITER : 0,
        .replayed = outbuf_head(&c->buf) - s->off,
    };
    snprintf(ok.name, sizeof(ok.name), "%s", c->name);
    uint8_t frame[XP_HDR_SIZE + 32 + XP_MAX_DOMAIN_NAME];
    send_frame(s, frame, xp_encode_attached(frame, sizeof(frame), &ok));

    console_log_event(c, "attach %s mode %s", session_who(s),
                      xp_mode_name(seat.force ? XP_MODE_FORCE : (unsigned)s->mode));
    notify_joined(s);
    seat_join_apply(c, s, &seat);
    session_pump(s);
}

void req_who(struct session *s, const struct xp_console_ref *ref)
{
    struct console *c = resolve(s, XP_T_WHO, ref->domain, ref->console);
    if (!c)
        return;
    uint64_t count = 0;
    struct session *o;
    CONSOLE_FOREACH_SESSION(o, c)
    {
        if (o->state != SESSION_ATTACHED)
            continue; /* LOG dumps and closing sessions are not users */
        bool writer = seat_is_writer(c, o);
        struct xp_who_entry e = {
            .uid = o->uid,
            .pid = (uint32_t)o->pid,
            .mode = o->mode == XP_MODE_READ_ONLY ? XP_MODE_READ_ONLY : XP_MODE_READ_WRITE,
            .flags = writer ? XP_WHO_F_WRITER : 0,
            .attach_time = (uint64_t)o->attached_at,
            .bytes_sent = o->bytes_sent,
            .ext = s->proto >= 2,
            .behind = session_behind(o),
            .dropped = o->dropped + session_overrun(o),
        };
        snprintf(e.user, sizeof(e.user), "%s", o->user);
        uint8_t frame[XP_HDR_SIZE + 64 + XP_MAX_USER_NAME];
        send_frame(s, frame, xp_encode_who_entry(frame, sizeof(frame), &e));
        count++;
    }
    send_end(s, XP_T_WHO, count);
}

void req_log(struct session *s, const struct xp_log_req *req)
{
    struct console *c = resolve(s, XP_T_LOG, req->ref.domain, req->ref.console);
    if (!c || session_limit_reached(s, XP_T_LOG, c))
        return;
    /* A snapshot: bytes the guest writes after the request are not sent.
     * The session joins the console's list for the dump, which keeps a
     * gone console (and its buffer) alive until the dump is out. */
    uint64_t want = req->max_bytes == XP_LOG_ALL ? UINT64_MAX : req->max_bytes;
    s->off = outbuf_tail_offset(&c->buf, want);
    s->dump_end = outbuf_head(&c->buf);
    s->bytes_sent = 0;
    s->dropped = 0;
    s->state = SESSION_LOGDUMP;
    session_join_console(s, c);
    session_pump(s);
}

void req_hotkeys(struct session *s, const struct xp_console_ref *ref)
{
    struct console *c = resolve_for(s, XP_T_HOTKEYS, ref->domain, ref->console, true);
    if (!c)
        return;
    struct hotkey_entry t[HOTKEY_TABLE_MAX];
    unsigned n = hotkey_table(c, t, HOTKEY_TABLE_MAX);
    for (unsigned i = 0; i < n; i++) {
        struct xp_hotkey_entry e = {.key = t[i].key, .source = t[i].source};
        snprintf(e.label, sizeof(e.label), "%s", t[i].label);
        snprintf(e.action, sizeof(e.action), "%s", t[i].action);
        uint8_t frame[XP_HDR_SIZE + 16 + XP_MAX_HOTKEY_LABEL + XP_MAX_HOTKEY_ACTION];
        send_frame(s, frame, xp_encode_hotkey_entry(frame, sizeof(frame), &e));
    }
    send_end(s, XP_T_HOTKEYS, n);
}

/* The reply waits for the outcome (ack or timeout) without blocking: the
 * session stops reading requests until session_trigger_result(). */
void req_trigger(struct session *s, const struct xp_trigger *t)
{
    struct console *c = resolve_for(s, XP_T_TRIGGER, t->ref.domain, t->ref.console, true);
    if (!c)
        return;
    char text[XP_MAX_NOTICE_TEXT + 1];
    unsigned code = hotkey_fire(c, t->key, s, true, text, sizeof(text));
    if (code != 0)
        session_trigger_result(s, code, text);
}

/* STATUS (protocol/PROTOCOL.md): anyone connected may ask; it says no
 * more than the daemon's log does. */
void req_status(struct session *s)
{
    struct store_state st;
    store_state(&st);
    struct xp_status_info m = {
        .xenstore = st.up ? XP_XS_CONNECTED : XP_XS_UNREACHABLE,
        .since = st.since_unix,
        .losses = st.losses,
    };
    uint8_t frame[XP_HDR_SIZE + 16];
    send_frame(s, frame, xp_encode_status_info(frame, sizeof(frame), &m));
}
