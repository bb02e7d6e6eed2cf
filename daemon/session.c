// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * session.c — a client connection (see session.h): credentials, framing,
 * the output pump, escape commands and the session's life cycle. The
 * request handlers (LIST, ATTACH, WHO, LOG) are in session-req.c.
 *
 * Frees happen only from this file's libevent callbacks or from an explicit
 * session_free(): session_end() and errors only mark the session CLOSING,
 * so no caller (the console walking its sessions, a request handler) ever
 * holds a pointer to a freed session.
 */
#include <errno.h>
#include <stddef.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/rules.h"
#include "daemon/console.h"
#include "daemon/events.h"
#include "daemon/hotkey.h"
#include "daemon/seat.h"
#include "daemon/session-admit.h"
#include "daemon/session-int.h"

/* Requests are not read while this much output is queued: a client that
 * pipelines requests without reading replies cannot grow our buffers.
 * Above what the pump ever queues, so INPUT (and escape-detach) is still
 * read from an attached session during a flood. */
#define SESSION_REQ_OUT_MAX (2u * SESSION_OUT_HIGH)
/* A client has this long to say HELLO, and a closing session this long
 * to take its last frames, before the connection is dropped. */
#define SESSION_HELLO_TIMEOUT_S 10
#define SESSION_CLOSE_TIMEOUT_S 5

/* ---- sending ----------------------------------------------------------- */

void send_frame(struct session *s, const uint8_t *frame, ssize_t n)
{
    if (n > 0)
        evbuffer_add(bufferevent_get_output(s->bev), frame, (size_t)n);
}

void send_error(struct session *s, uint16_t code, uint8_t request_type, const char *fmt, ...)
{
    struct xp_error e = {.code = code, .request_type = request_type};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.text, sizeof(e.text), fmt, ap);
    va_end(ap);
    uint8_t frame[XP_HDR_SIZE + 8 + XP_MAX_ERROR_TEXT];
    send_frame(s, frame, xp_encode_error(frame, sizeof(frame), &e));
}

void send_end(struct session *s, uint8_t request_type, uint64_t count)
{
    struct xp_end e = {.request_type = request_type, .count = count};
    uint8_t frame[XP_HDR_SIZE + 16];
    send_frame(s, frame, xp_encode_end(frame, sizeof(frame), &e));
}

static void send_notice_v(struct session *s, unsigned code, uint64_t count, const char *fmt,
                          va_list ap) __attribute__((format(printf, 4, 0)));
static void send_notice_v(struct session *s, unsigned code, uint64_t count, const char *fmt,
                          va_list ap)
{
    struct xp_notice n = {.code = (uint16_t)code, .count = count};
    vsnprintf(n.text, sizeof(n.text), fmt, ap);
    uint8_t frame[XP_HDR_SIZE + 16 + XP_MAX_NOTICE_TEXT];
    send_frame(s, frame, xp_encode_notice(frame, sizeof(frame), &n));
}

void session_notice(struct session *s, unsigned code, uint64_t count, const char *fmt, ...)
{
    /* Nothing may follow the final NOTICE of a closing session. */
    if (s->state == SESSION_CLOSING)
        return;
    va_list ap;
    va_start(ap, fmt);
    send_notice_v(s, code, count, fmt, ap);
    va_end(ap);
}

static void send_data(struct session *s, const uint8_t *p, size_t n)
{
    uint8_t hdr[XP_HDR_SIZE];
    if (xp_encode_hdr(hdr, XP_T_DATA, n) != XP_OK)
        return;
    struct evbuffer *out = bufferevent_get_output(s->bev);
    evbuffer_add(out, hdr, sizeof(hdr));
    evbuffer_add(out, p, n);
}

/* ---- identity ---------------------------------------------------------- */

const char *session_who(const struct session *s)
{
    /* A few rotating buffers: one message may name two sessions. */
    static char bufs[4][sizeof(s->user) + 48];
    static unsigned next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof(bufs[0]), "%s (uid %u, pid %u)", s->user, (unsigned)s->uid,
             (unsigned)s->pid);
    return b;
}

/* Name and groups are looked up once, at accept: ACLs name groups, and
 * the peer's credentials do not change over the connection. */
static void lookup_user(struct session *s)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    s->groups[0] = s->gid;
    s->ngroups = 1;
    if (getpwuid_r(s->uid, &pw, buf, sizeof(buf), &res) != 0 || !res) {
        snprintf(s->user, sizeof(s->user), "%u", (unsigned)s->uid);
        return;
    }
    snprintf(s->user, sizeof(s->user), "%s", pw.pw_name);
    int n = (int)(sizeof(s->groups) / sizeof(s->groups[0]));
    int max = n;
    if (getgrouplist(pw.pw_name, s->gid, s->groups, &n) < 0 && n > max)
        n = max; /* more groups than we keep: the first ones are filled */
    s->ngroups = n < 1 ? 1 : n;
}

int session_access(const struct session *s, const struct console *c)
{
    return console_access(&c->cfg, s->uid, s->gid, s->groups, s->ngroups);
}

/* ---- a reader of its console (console.h) ---------------------------------- */

static struct session *reader_session(const struct console_reader *r)
{
    return (struct session *)((char *)r - offsetof(struct session, reader));
}

static void reader_pump(struct console_reader *r)
{
    session_pump(reader_session(r));
}

/* Broadcasts are for the people attached, not for LOG dumps. */
static void reader_notice(struct console_reader *r, unsigned code, uint64_t count, const char *text)
{
    struct session *s = reader_session(r);
    if (s->state == SESSION_ATTACHED)
        session_notice(s, code, count, "%s", text);
}

/* The console went away: a following session waits for the guest to
 * come back (follow.h), one still reading the guest's last output ends
 * once it has it, any other ends now. */
static void reader_gone(struct console_reader *r, const char *why)
{
    struct session *s = reader_session(r);
    struct console *c = s->con;
    if (s->follow)
        session_notice(s, XP_N_DOMAIN_GONE, c->domid,
                       "%s (domid %u) is gone (%s); "
                       "waiting for it to come back",
                       c->name, c->domid, why);
    else if (!xd.shutting_down && s->state == SESSION_ATTACHED && s->off < outbuf_head(&c->buf))
        session_end_when_drained(s, why);
    else
        session_end(s, XP_N_DOMAIN_GONE, "%s (domid %u) is gone (%s)", c->name, c->domid, why);
}

static void reader_drop(struct console_reader *r)
{
    session_free(reader_session(r));
}

static const char *reader_who(const struct console_reader *r)
{
    return session_who(reader_session(r));
}

static const struct console_reader_ops session_reader_ops = {
    .is_session = true,
    .pump = reader_pump,
    .notice = reader_notice,
    .gone = reader_gone,
    .drop = reader_drop,
    .who = reader_who,
};

struct session *session_of_reader(struct console_reader *r)
{
    return r->ops == &session_reader_ops ? reader_session(r) : NULL;
}

void session_join_console(struct session *s, struct console *c)
{
    s->con = c;
    s->reader.ops = &session_reader_ops;
    console_add_reader(c, &s->reader);
}

/* ---- life cycle ---------------------------------------------------------- */

void session_close_after_flush(struct session *s)
{
    if (s->state == SESSION_CLOSING)
        return;
    s->state = SESSION_CLOSING;
    bufferevent_disable(s->bev, EV_READ);
    /* Write callback only once everything is out. */
    bufferevent_setwatermark(s->bev, EV_WRITE, 0, 0);
    struct timeval tv = {SESSION_CLOSE_TIMEOUT_S, 0};
    bufferevent_set_timeouts(s->bev, NULL, &tv);
    /* Nothing queued means no write will ever call us back: ask for the
     * callback (deferred, so our caller may still use the session). */
    if (evbuffer_get_length(bufferevent_get_output(s->bev)) == 0)
        bufferevent_trigger(s->bev, EV_WRITE,
                            BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

/* Announce S leaving its console: log, LEFT to the others, seat release. */
static void session_leave(struct session *s, const char *why)
{
    struct console *con = s->con;
    if (!con)
        return;
    const char *who = session_who(s);
    console_log_event(con, "detach %s (%s)", who, why);
    console_broadcast(con, &s->reader, XP_N_LEFT, s->uid, "%s left", who);
    seat_leave(con, s);
}

void session_end(struct session *s, unsigned code, const char *fmt, ...)
{
    if (s->state == SESSION_CLOSING)
        return;
    uint64_t count = code == XP_N_DOMAIN_GONE && s->con ? s->con->domid : 0;
    va_list ap;
    va_start(ap, fmt);
    char why[XP_MAX_NOTICE_TEXT + 1];
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    bool attached = s->state == SESSION_ATTACHED;
    session_notice(s, code, count, "%s", why);
    /* CLOSING first: the seat-release notice must not follow DETACHED. */
    session_close_after_flush(s);
    /* The session stays in con's audience until freed, so a console being
     * torn down (which walks its sessions) never sees the list change. */
    if (attached)
        session_leave(s, why);
}

void session_leave_console(struct session *s)
{
    struct console *con = s->con;
    s->con = NULL;
    seat_forget(con, s);
    console_remove_reader(con, &s->reader);
}

void session_free_all(void)
{
    struct session *s;
    while ((s = TAILQ_FIRST(&xd.sessions)))
        session_free(s);
}

void session_free(struct session *s)
{
    hotkey_forget_session(s);
    if (s->con) {
        if (s->state == SESSION_ATTACHED)
            session_leave(s, "connection closed");
        session_leave_console(s);
    }
    TAILQ_REMOVE(&xd.sessions, s, link);
    xd.nsessions--;
    bufferevent_free(s->bev);
    free(s);
}

static void end_if_drained(struct session *s)
{
    if (s->end_when_drained && s->state == SESSION_ATTACHED && s->con &&
        s->off >= outbuf_head(&s->con->buf))
        session_end(s, XP_N_DOMAIN_GONE, "%s (domid %u) is gone (%s)", s->con->name, s->con->domid,
                    s->gone_why);
}

void session_end_when_drained(struct session *s, const char *why)
{
    s->end_when_drained = true;
    snprintf(s->gone_why, sizeof(s->gone_why), "%s", why);
    session_pump(s);
    end_if_drained(s);
}

void session_access_changed(struct console *c)
{
    seat_policy_changed(c);
    struct session *s;
    CONSOLE_FOREACH_SESSION(s, c)
    {
        if (s->state != SESSION_ATTACHED && s->state != SESSION_LOGDUMP)
            continue;
        int access = session_access(s, c);
        if (access < ACCESS_READ) {
            console_log_event(c, "%s may no longer read %s (configuration reloaded)",
                              session_who(s), c->name);
            if (s->state == SESSION_LOGDUMP) {
                send_error(s, XP_E_PERMISSION, XP_T_LOG,
                           "%s may no longer read the "
                           "console of %s (configuration reloaded)",
                           s->user, c->name);
                session_close_after_flush(s);
            } else {
                session_end(s, XP_N_DETACHED,
                            "access revoked: %s may no longer read the "
                            "console of %s (configuration reloaded)",
                            s->user, c->name);
            }
            continue;
        }
        if (s->state == SESSION_ATTACHED)
            seat_access_changed(c, s, access >= ACCESS_WRITE);
    }
}

void session_config_changed(void)
{
    struct session *s;
    TAILQ_FOREACH (s, &xd.sessions, link)
        s->admin = session_is_admin(s);
}

static void on_reconfigured(enum xd_event ev, const struct xd_event_info *info)
{
    session_access_changed(info->c);
}

void session_subscribe(void)
{
    events_subscribe(XE_CONSOLE_RECONFIGURED, on_reconfigured);
}

uint64_t session_behind(const struct session *s)
{
    if (!s->con || s->state != SESSION_ATTACHED)
        return 0;
    const struct outbuf *b = &s->con->buf;
    uint64_t oldest = outbuf_oldest(b), head = outbuf_head(b);
    uint64_t off = s->off > oldest ? s->off : oldest;
    uint64_t unread = head > off ? head - off : 0;
    /* What the pump queued but the client has not read yet. */
    return unread + evbuffer_get_length(bufferevent_get_output(s->bev));
}

uint64_t session_overrun(const struct session *s)
{
    if (!s->con || s->state != SESSION_ATTACHED)
        return 0;
    uint64_t oldest = outbuf_oldest(&s->con->buf);
    return oldest > s->off ? oldest - s->off : 0;
}

/* ---- output pump --------------------------------------------------------- */

static void report_drop(struct session *s, size_t missed)
{
    s->dropped += missed;
    s->con->dropped_client += missed;
    session_notice(s, XP_N_DROPPED, missed, "missed %zu bytes (output too slow)", missed);
    console_log_event(s->con, "%s missed %zu bytes (too slow)", session_who(s), missed);
}

void session_pump(struct session *s)
{
    if (!s->con || (s->state != SESSION_ATTACHED && s->state != SESSION_LOGDUMP))
        return;
    struct outbuf *buf = &s->con->buf;
    struct evbuffer *out = bufferevent_get_output(s->bev);
    bool dump = s->state == SESSION_LOGDUMP;
    while (evbuffer_get_length(out) < SESSION_OUT_HIGH) {
        if (dump && s->off >= s->dump_end)
            break;
        const uint8_t *p;
        size_t missed = 0;
        size_t n = outbuf_peek(buf, &s->off, &p, &missed);
        if (missed)
            report_drop(s, missed);
        if (dump) {
            /* A drop can move the offset past the snapshot's end. */
            uint64_t left = s->off < s->dump_end ? s->dump_end - s->off : 0;
            if (n > left)
                n = (size_t)left;
        }
        if (n == 0)
            break;
        if (n > SESSION_DATA_CHUNK)
            n = SESSION_DATA_CHUNK;
        send_data(s, p, n);
        outbuf_advance(buf, &s->off, n);
        s->bytes_sent += n;
    }
}

/* LOG reply complete: END, and the session is a plain request session
 * again. Called only from this file's callbacks (not from the console's
 * pump, which walks the list we leave). */
static void finish_dump_if_done(struct session *s)
{
    if (s->state != SESSION_LOGDUMP)
        return;
    session_pump(s);
    if (s->off < s->dump_end)
        return;
    send_end(s, XP_T_LOG, s->bytes_sent);
    s->state = SESSION_IDLE;
    session_leave_console(s);
}

/* ---- writing to the guest and escape commands ---------------------------- */

/* "^]", "~", "0xe9": how a user types the escape character. */
static const char *key_name(int ch, char out[8])
{
    return xr_key_name(ch, out); /* common/rules.h */
}

static void to_guest(struct session *s, const uint8_t *p, size_t n)
{
    if (!seat_may_write(s)) {
        s->refused_input += n;
        if (!s->refused_notified) {
            s->refused_notified = true;
            char esc[8], how[40], why[XP_MAX_ERROR_TEXT + 1];
            key_name(s->esc.ch, esc);
            if (s->esc.ch < 0)
                snprintf(how, sizeof(how), "xcmux console -f");
            else
                snprintf(how, sizeof(how), "escape %s f", esc);
            /* Clients show this after their own "input discarded":
             * why, and how to get the seat. */
            seat_refusal(s, how, why, sizeof(why));
            send_error(s, XP_E_NOT_WRITER, XP_T_INPUT, "%s", why);
        }
        return;
    }
    size_t took = console_input_from(s->con, p, n, &s->reader);
    if (took == n) {
        s->refused_notified = false;
        return;
    }
    /* The guest is not consuming (its ring and our bounded queue are
     * full) or its console is not running: the writer must know its
     * keystrokes went nowhere. Once per episode, not per INPUT frame. */
    s->refused_input += n - took;
    if (!s->refused_notified) {
        s->refused_notified = true;
        console_log_event(s->con, "input from %s refused: %s", session_who(s),
                          s->con->state == CONSOLE_RUNNING ? "the guest is not reading its "
                                                             "console (input queue full)"
                                                           : "console not running");
        send_error(s, XP_E_BUSY, XP_T_INPUT, "%llu byte(s) of input to %s refused: %s",
                   (unsigned long long)s->refused_input, s->con->name,
                   s->con->state == CONSOLE_RUNNING ? "the guest is not reading its console"
                                                    : "its console is not running");
    }
}

static void esc_who(struct session *s)
{
    time_t now = time(NULL);
    struct session *o;
    CONSOLE_FOREACH_SESSION(o, s->con)
    {
        if (o->state != SESSION_ATTACHED)
            continue;
        bool writer = seat_is_writer(o->con, o);
        session_notice(s, XP_N_INFO, 0, "%s: %s%s, attached %llds, %llu bytes sent%s",
                       session_who(o), xp_mode_name((unsigned)o->mode), writer ? ", writer" : "",
                       (long long)(now - o->attached_at), (unsigned long long)o->bytes_sent,
                       o == s ? " (you)" : "");
    }
}

/* One notice per hotkey: the help line would not fit them all. */
static void esc_help_hotkeys(struct session *s, const char *esc)
{
    struct hotkey_entry t[HOTKEY_TABLE_MAX];
    unsigned n = hotkey_table(s->con, t, HOTKEY_TABLE_MAX);
    if (n == 0) {
        session_notice(s, XP_N_INFO, 0, "no hotkeys on %s", s->con->name);
        return;
    }
    for (unsigned i = 0; i < n; i++)
        session_notice(s, XP_N_INFO, 0, "hotkey %s %c  %s  [%s: %s]", esc, t[i].key, t[i].label,
                       t[i].source == XP_HK_SRC_GUEST ? "guest" : "host", t[i].action);
}

static void esc_hotkey(struct session *s, uint8_t key, const char *esc)
{
    char text[XP_MAX_NOTICE_TEXT + 1], name[8];
    unsigned code = hotkey_fire(s->con, key, s, false, text, sizeof(text));
    if (code == XP_TR_UNKNOWN_KEY)
        session_notice(s, XP_N_INFO, 0, "unknown escape command %s (%s ? for help)",
                       key_name(key, name), esc);
    else if (code == XP_TR_DENIED)
        session_notice(s, XP_N_INFO, 0, "%s", text);
    /* Anything else was told to every session on the console. */
}

void session_trigger_result(struct session *s, unsigned code, const char *text)
{
    s->hotkey_wait = NULL;
    if (s->state == SESSION_CLOSING)
        return;
    struct xp_trigger_result r = {.code = (uint16_t)code};
    snprintf(r.text, sizeof(r.text), "%s", text);
    uint8_t frame[XP_HDR_SIZE + 8 + XP_MAX_NOTICE_TEXT];
    send_frame(s, frame, xp_encode_trigger_result(frame, sizeof(frame), &r));
    /* Requests queued behind the TRIGGER are read again (deferred: the
     * caller may be walking a list this session is on). */
    bufferevent_trigger(s->bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

static void escape_command(struct session *s, const struct escape_step *st)
{
    char esc[8];
    key_name(s->esc.ch, esc);
    switch (st->cmd) {
    case ESC_DETACH:
        session_end(s, XP_N_DETACHED, "detached");
        break;
    case ESC_HELP:
        session_notice(
            s, XP_N_INFO, 0,
            "escape commands: %s . detach, %s ? help, %s r replay, %s w who, "
            "%s f force (take the write seat), %s b break (next key as SysRq), %s %s send %s",
            esc, esc, esc, esc, esc, esc, esc, esc, esc);
        esc_help_hotkeys(s, esc);
        break;
    case ESC_REPLAY:
        s->off = outbuf_tail_offset(&s->con->buf, s->con->cfg.replay);
        session_notice(s, XP_N_INFO, 0, "replaying %llu bytes",
                       (unsigned long long)(outbuf_head(&s->con->buf) - s->off));
        session_pump(s);
        break;
    case ESC_WHO:
        esc_who(s);
        break;
    case ESC_FORCE:
        seat_force(s);
        break;
    case ESC_BREAK:
        /* A PV console has no BREAK line condition; what BREAK is used for
         * on a serial console (BREAK + key = SysRq on Linux) is offered the
         * PV way instead. */
        s->break_armed = true;
        session_notice(s, XP_N_INFO, 0,
                       "break: the next key is sent as SysRq "
                       "(control/sysrq) to %s",
                       s->con->name);
        break;
    case ESC_KEY:
        esc_hotkey(s, st->key, esc);
        break;
    case ESC_NONE:
        break;
    }
}

static void on_input(struct session *s, const uint8_t *p, size_t len)
{
    while (len > 0 && s->state == SESSION_ATTACHED) {
        struct escape_step st;
        size_t n = escape_next(&s->esc, p, len, &st);
        if (st.npass && s->break_armed) {
            s->break_armed = false;
            char text[XP_MAX_NOTICE_TEXT + 1];
            unsigned code = hotkey_fire_sysrq(s->con, st.pass[0], s, text, sizeof(text));
            if (code == XP_TR_DENIED || code == XP_TR_UNKNOWN_KEY)
                session_notice(s, XP_N_INFO, 0, "%s", text);
            st.pass++;
            st.npass--;
        }
        if (st.npass)
            to_guest(s, st.pass, st.npass);
        if (st.cmd != ESC_NONE)
            escape_command(s, &st);
        p += n;
        len -= n;
    }
}

/* ---- requests ------------------------------------------------------------ */

static void on_hello(struct session *s, const struct xp_hello *h)
{
    if (h->version < XP_PROTOCOL_VERSION_MIN || h->version > XP_PROTOCOL_VERSION) {
        send_error(s, XP_E_BAD_VERSION, XP_T_HELLO,
                   "protocol version %u not supported; this daemon speaks versions %u to %u",
                   (unsigned)h->version, XP_PROTOCOL_VERSION_MIN, XP_PROTOCOL_VERSION);
        session_close_after_flush(s);
        return;
    }
    /* The client's version (ours may be higher): what it can decode. */
    s->proto = h->version;
    struct xp_hello me = {.version = h->version};
    snprintf(me.software, sizeof(me.software), "xcmuxd %s", PACKAGE_VERSION);
    uint8_t frame[XP_HDR_SIZE + 8 + XP_MAX_SOFTWARE];
    send_frame(s, frame, xp_encode_hello(frame, sizeof(frame), &me));
    s->state = SESSION_IDLE;
    bufferevent_set_timeouts(s->bev, NULL, NULL);
}

static void handle_frame(struct session *s, const struct xp_frame_hdr *h, const uint8_t *payload)
{
    if (!xp_type_from_client(h->type)) {
        send_error(s, XP_E_BAD_FRAME, h->type, "%s is not a client message", xp_type_name(h->type));
        session_close_after_flush(s);
        return;
    }
    struct xp_msg m;
    int rc = xp_decode(h, payload, &m);
    if (rc < 0) {
        send_error(s, xp_status_to_error_code(rc), h->type, "malformed %s: %s",
                   xp_type_name(h->type), xp_strerror(rc));
        session_close_after_flush(s);
        return;
    }
    if (s->state == SESSION_HELLO) {
        if (h->type == XP_T_HELLO) {
            on_hello(s, &m.u.hello);
        } else {
            send_error(s, XP_E_BAD_FRAME, h->type, "expected HELLO first, got %s",
                       xp_type_name(h->type));
            session_close_after_flush(s);
        }
        return;
    }
    switch (h->type) {
    case XP_T_INPUT:
        if (s->state == SESSION_ATTACHED)
            on_input(s, m.u.bytes.bytes, m.u.bytes.len);
        else
            send_error(s, XP_E_UNKNOWN_REQUEST, h->type, "INPUT outside a console session");
        return;
    case XP_T_DETACH:
        session_end(s, XP_N_DETACHED, "detached");
        return;
    default:
        break;
    }
    if (s->state != SESSION_IDLE) {
        send_error(s, XP_E_UNKNOWN_REQUEST, h->type, "%s is not valid %s", xp_type_name(h->type),
                   s->state == SESSION_ATTACHED ? "in a console session" : "now");
        return;
    }
    switch (h->type) {
    case XP_T_LIST:
        req_list(s);
        break;
    case XP_T_ATTACH:
        req_attach(s, &m.u.attach);
        break;
    case XP_T_WHO:
        req_who(s, &m.u.ref);
        break;
    case XP_T_LOG:
        req_log(s, &m.u.log);
        break;
    case XP_T_HOTKEYS:
        req_hotkeys(s, &m.u.ref);
        break;
    case XP_T_TRIGGER:
        req_trigger(s, &m.u.trigger);
        break;
    case XP_T_STATUS:
        req_status(s);
        break;
    default:
        send_error(s, XP_E_UNKNOWN_REQUEST, h->type, "%s is not valid now", xp_type_name(h->type));
        break;
    }
}

/* Handle every whole frame queued, in order, unless the session must wait:
 * a LOG reply still going out, or too much output queued. */
static void process_input(struct session *s)
{
    struct evbuffer *in = bufferevent_get_input(s->bev);
    struct evbuffer *out = bufferevent_get_output(s->bev);
    for (;;) {
        finish_dump_if_done(s);
        if (s->state == SESSION_CLOSING || s->state == SESSION_LOGDUMP || s->hotkey_wait ||
            evbuffer_get_length(out) >= SESSION_REQ_OUT_MAX)
            return;
        size_t avail = evbuffer_get_length(in);
        uint8_t hdr[XP_HDR_SIZE];
        size_t n = avail < XP_HDR_SIZE ? avail : XP_HDR_SIZE;
        if (n == 0)
            return;
        evbuffer_copyout(in, hdr, n);
        struct xp_frame_hdr h;
        int rc = xp_frame_peek(hdr, n, &h);
        if (rc < 0) {
            send_error(s, xp_status_to_error_code(rc), 0, "bad frame: %s", xp_strerror(rc));
            session_close_after_flush(s);
            return;
        }
        if (n < XP_HDR_SIZE || avail < xp_frame_size(&h))
            return; /* the read watermark leaves room for a whole frame */
        size_t size = xp_frame_size(&h);
        const uint8_t *frame = evbuffer_pullup(in, (ev_ssize_t)size);
        if (!frame) {
            send_error(s, XP_E_INTERNAL, h.type, "out of memory");
            session_close_after_flush(s);
            return;
        }
        handle_frame(s, &h, frame + XP_HDR_SIZE);
        evbuffer_drain(in, size);
    }
}

static void on_read(struct bufferevent *bev, void *arg)
{
    process_input(arg);
}

static void on_write(struct bufferevent *bev, void *arg)
{
    struct session *s = arg;
    if (s->state == SESSION_CLOSING) {
        if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
            session_free(s);
        return;
    }
    session_pump(s);
    end_if_drained(s);
    process_input(s);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    /* EOF, error or timeout (HELLO never came, or a closing peer stopped
     * reading): nothing more can be delivered. */
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
        session_free(arg);
}

void session_refuse_fd(int fd, const char *why)
{
    /* The fd is new and its send buffer empty: this small send cannot
     * block, and the client reads the reason before the EOF. */
    struct xp_error e = {.code = XP_E_LIMIT, .request_type = 0};
    snprintf(e.text, sizeof(e.text), "%s", why);
    uint8_t frame[XP_HDR_SIZE + 8 + XP_MAX_NOTICE_TEXT];
    ssize_t n = xp_encode_error(frame, sizeof(frame), &e);
    if (n > 0)
        (void)send(fd, frame, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
    close(fd);
}

struct session *session_new(int fd)
{
    struct ucred cr;
    socklen_t crlen = sizeof(cr);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0 || crlen != sizeof(cr)) {
        close(fd);
        return NULL;
    }
    struct session *s = calloc(1, sizeof(*s));
    if (!s) {
        close(fd);
        return NULL;
    }
    s->uid = cr.uid;
    s->gid = cr.gid;
    s->pid = cr.pid;
    s->state = SESSION_HELLO;
    s->mode = XP_MODE_READ_ONLY;
    escape_init(&s->esc, -1);
    lookup_user(s);
    char why[XP_MAX_NOTICE_TEXT];
    if (!session_admit_conn(s, why, sizeof(why))) {
        session_refuse_fd(fd, why);
        free(s);
        return NULL;
    }
    s->bev = bufferevent_socket_new(xd.base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!s->bev) {
        close(fd);
        free(s);
        return NULL;
    }
    bufferevent_setcb(s->bev, on_read, on_write, on_event, s);
    /* Room for two whole frames: enough to always complete one. */
    bufferevent_setwatermark(s->bev, EV_READ, 0, XP_FRAME_MAX * 2);
    /* Resume pumping once half the output is written. */
    bufferevent_setwatermark(s->bev, EV_WRITE, SESSION_OUT_HIGH / 2, 0);
    struct timeval hello_tv = {SESSION_HELLO_TIMEOUT_S, 0};
    bufferevent_set_timeouts(s->bev, &hello_tv, NULL);
    bufferevent_enable(s->bev, EV_READ | EV_WRITE);
    TAILQ_INSERT_TAIL(&xd.sessions, s, link);
    xd.nsessions++;
    return s;
}
