// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bridge.c — one upgraded browser connection (web.h, protocol/WEB.md
 * "WebSocket").
 *
 * A bridge holds up to two xcmux protocol connections to xcmuxd, both
 * made as the logged-in user (upstream.c): `ctl` for LIST and WHO, opened
 * on the first request, and `sess` for the one console session (a
 * connection in a session accepts only INPUT and DETACH, PROTOCOL.md), so
 * the page can ask who holds the seat while attached. WHO marks the
 * entry whose pid is the child that connected `sess` as "you".
 *
 * Flow control, both ways, per bridge only:
 * - console output: when more than BROWSER_PAUSE bytes wait for the
 *   browser, `sess` stops being read, so xcmuxd holds (and, past its own
 *   bound, drops and counts) this session's bytes; reading resumes when
 *   the browser is down to BROWSER_RESUME. Anything queued past
 *   BROWSER_MAX (1 MiB) closes with 1008.
 * - keyboard input: when xcmuxd does not take our INPUT (UP_MAX queued),
 *   the browser stops being read until it does.
 * A browser that stops reading altogether stops answering pings and is
 * closed after two.
 */
#include "web/web.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#include "protocol/xcmux-proto.h"
#include "web/json.h"
#include "web/upstream.h"
#include "web/ws.h"

#define BROWSER_MAX      (1u << 20)
#define BROWSER_PAUSE    (256u << 10)
#define BROWSER_RESUME   (64u << 10)
#define UP_MAX           (1u << 20)
#define UP_RESUME        (64u << 10)
#define PING_MISSED_MAX  2
#define LINGER_TIMEOUT_S 5
#define MAX_WAITING      16
/* A list or who reply: entries are ~150 bytes, a daemon serves thousands
 * of consoles; past this the reply is refused rather than grown. */
#define REPLY_MAX (512u << 10)

struct bridge;

struct up {
    struct bridge *b;
    bool is_sess;
    struct bufferevent *bev;
    struct upstream_req *req;
    pid_t pid;
    struct evbuffer *early;    /* frames queued while connecting */
    uint8_t wait[MAX_WAITING]; /* ctl: LIST/WHO awaiting their END, in order */
    unsigned nwait;
};

enum sstate {
    S_NONE,
    S_ATTACHING,
    S_ATTACHED
};

struct bridge {
    struct web *w;
    struct bridge *next, **pprev;
    struct bufferevent *bev;
    int fd;
    bool tls;
    struct ws_parser wp;
    struct web_ident id;
    uint8_t *msg; /* WS_MAX_MESSAGE: the text message being gathered */
    size_t msg_len;
    struct up ctl, sess;
    enum sstate sstate;
    char con_name[XP_MAX_DOMAIN_NAME + 1];
    uint32_t con_idx;
    char detach_text[XP_MAX_NOTICE_TEXT + 1];
    struct evbuffer *list_acc, *who_acc;
    unsigned list_n, who_n;
    struct event *ping, *linger;
    unsigned missed;
    bool paused_sess;  /* sess not read: the browser is behind */
    bool paused_input; /* browser not read: xcmuxd is behind */
    bool closing, shut;
};

static uint8_t frame[XP_FRAME_MAX];
static struct xp_msg msgbuf;

/* ---- to the browser ---- */

static void b_fail(struct bridge *b, uint16_t code, const char *why);

static void check_queue(struct bridge *b)
{
    size_t q = evbuffer_get_length(bufferevent_get_output(b->bev));
    if (q > BROWSER_MAX) {
        b_fail(b, WS_CLOSE_POLICY, "output queue over 1 MiB");
        return;
    }
    if (q > BROWSER_PAUSE && b->sess.bev && !b->paused_sess) {
        b->paused_sess = true;
        bufferevent_disable(b->sess.bev, EV_READ);
    }
}

static void send_frame(struct bridge *b, uint8_t op, const void *data, size_t len)
{
    if (b->closing)
        return;
    uint8_t hdr[WS_MAX_HDR];
    struct evbuffer *out = bufferevent_get_output(b->bev);
    evbuffer_add(out, hdr, ws_encode_hdr(hdr, op, len));
    if (len)
        evbuffer_add(out, data, len);
    check_queue(b);
}

static void send_json(struct bridge *b, const struct json_out *o)
{
    if (json_out_ok(o))
        send_frame(b, WS_OP_TEXT, o->buf, o->len);
}

static void send_error(struct bridge *b, const char *code, const char *text)
{
    char buf[XP_MAX_ERROR_TEXT * 6 + 128];
    struct json_out o;
    json_out_init(&o, buf, sizeof(buf));
    json_raw(&o, "{\"type\":\"error\",\"code\":");
    json_cstr(&o, code);
    json_raw(&o, ",\"text\":");
    json_cstr(&o, text);
    json_raw(&o, "}");
    send_json(b, &o);
}

/* ---- upstream connections ---- */

static void up_reset(struct up *u)
{
    if (u->req)
        upstream_cancel(u->req);
    u->req = NULL;
    if (u->bev)
        bufferevent_free(u->bev);
    u->bev = NULL;
    if (u->early)
        evbuffer_free(u->early);
    u->early = NULL;
    u->pid = 0;
    u->nwait = 0;
}

static void sess_ended(struct bridge *b, const char *why)
{
    bool was = b->sstate != S_NONE;
    up_reset(&b->sess);
    b->sstate = S_NONE;
    b->paused_sess = false;
    if (b->paused_input) {
        b->paused_input = false;
        bufferevent_enable(b->bev, EV_READ);
    }
    if (!was)
        return;
    char buf[XP_MAX_NOTICE_TEXT * 6 + 64];
    struct json_out o;
    json_out_init(&o, buf, sizeof(buf));
    json_raw(&o, "{\"type\":\"detached\",\"text\":");
    json_cstr(&o, b->detach_text[0] ? b->detach_text : why);
    json_raw(&o, "}");
    send_json(b, &o);
    b->detach_text[0] = '\0';
}

static void ctl_ended(struct bridge *b, const char *why)
{
    unsigned lost = b->ctl.nwait;
    up_reset(&b->ctl);
    evbuffer_drain(b->list_acc, evbuffer_get_length(b->list_acc));
    evbuffer_drain(b->who_acc, evbuffer_get_length(b->who_acc));
    b->list_n = b->who_n = 0;
    if (lost)
        send_error(b, "GATEWAY", why);
}

static void up_ended(struct up *u, const char *why)
{
    if (u->is_sess)
        sess_ended(u->b, why);
    else
        ctl_ended(u->b, why);
}

static void handle(struct up *u, const struct xp_msg *m);

static void up_read(struct bufferevent *bev, void *arg)
{
    struct up *u = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    while (u->bev == bev && !u->b->closing) {
        size_t len = evbuffer_get_length(in);
        if (len < XP_HDR_SIZE)
            return;
        struct xp_frame_hdr h;
        int rc = xp_frame_peek(evbuffer_pullup(in, XP_HDR_SIZE), XP_HDR_SIZE, &h);
        if (rc < 0) {
            up_ended(u, "xcmuxd sent a bad frame");
            return;
        }
        size_t fs = xp_frame_size(&h);
        if (len < fs)
            return;
        const uint8_t *p = evbuffer_pullup(in, (ssize_t)fs);
        rc = xp_decode(&h, p + XP_HDR_SIZE, &msgbuf);
        if (rc < 0) {
            up_ended(u, "xcmuxd sent a bad frame");
            return;
        }
        handle(u, &msgbuf);
        if (u->bev == bev)
            evbuffer_drain(in, fs);
        /* handle() may have paused us. */
        if (u->is_sess && u->b->paused_sess)
            return;
    }
}

static void up_write(struct bufferevent *bev, void *arg)
{
    struct up *u = arg;
    struct bridge *b = u->b;
    if (u->is_sess && b->paused_input &&
        evbuffer_get_length(bufferevent_get_output(bev)) <= UP_RESUME) {
        b->paused_input = false;
        bufferevent_enable(b->bev, EV_READ);
        bufferevent_trigger(b->bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
    }
}

static void up_event(struct bufferevent *bev, short what, void *arg)
{
    struct up *u = arg;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        up_ended(u, "xcmuxd closed the connection");
}

static void up_connected(void *arg, int fd, pid_t pid, int err)
{
    struct up *u = arg;
    struct bridge *b = u->b;
    u->req = NULL;
    if (fd < 0) {
        char text[256];
        snprintf(text, sizeof(text), "cannot connect to xcmuxd as %s: %s", b->id.user,
                 strerror(err));
        web_log("%s", text);
        bool sess = u->is_sess;
        up_reset(u);
        if (sess) {
            b->sstate = S_NONE;
        } else {
            evbuffer_drain(b->list_acc, evbuffer_get_length(b->list_acc));
            evbuffer_drain(b->who_acc, evbuffer_get_length(b->who_acc));
        }
        send_error(b, "GATEWAY", text);
        return;
    }
    u->pid = pid;
    u->bev = bufferevent_socket_new(b->w->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!u->bev) {
        close(fd);
        up_ended(u, "out of memory");
        return;
    }
    bufferevent_setcb(u->bev, up_read, up_write, up_event, u);
    bufferevent_setwatermark(u->bev, EV_WRITE, UP_RESUME, 0);
    bufferevent_write_buffer(u->bev, u->early);
    evbuffer_free(u->early);
    u->early = NULL;
    bufferevent_enable(u->bev, EV_READ | EV_WRITE);
}

/* Queues a message to xcmuxd, opening the connection (with HELLO) first
 * when there is none. */
static int up_send(struct up *u, const struct xp_msg *m)
{
    struct bridge *b = u->b;
    if (!u->bev && !u->req) {
        u->early = evbuffer_new();
        if (!u->early)
            return -1;
        struct xp_msg hello = {.type = XP_T_HELLO};
        hello.u.hello.version = XP_PROTOCOL_VERSION;
        snprintf(hello.u.hello.software, sizeof(hello.u.hello.software), "xcmux-web %s",
                 PACKAGE_VERSION);
        ssize_t n = xp_encode(frame, sizeof(frame), &hello);
        if (n > 0)
            evbuffer_add(u->early, frame, (size_t)n);
        u->req = upstream_connect(b->w->base, b->w->cfg.socket, &b->id, up_connected, u);
        if (!u->req) {
            web_log("cannot start a connection as %s: %s", b->id.user, strerror(errno));
            up_reset(u);
            return -1;
        }
    }
    ssize_t n = xp_encode(frame, sizeof(frame), m);
    if (n < 0)
        return -1;
    evbuffer_add(u->bev ? bufferevent_get_output(u->bev) : u->early, frame, (size_t)n);
    return 0;
}

static void ctl_request(struct bridge *b, const struct xp_msg *m)
{
    if (b->ctl.nwait == MAX_WAITING) {
        send_error(b, "GATEWAY", "too many requests in flight");
        return;
    }
    if (up_send(&b->ctl, m) < 0) {
        send_error(b, "GATEWAY", "cannot reach xcmuxd");
        return;
    }
    b->ctl.wait[b->ctl.nwait++] = m->type;
}

static void ask_who(struct bridge *b)
{
    if (b->sstate != S_ATTACHED)
        return;
    struct xp_msg m = {.type = XP_T_WHO};
    m.u.ref.console = b->con_idx;
    snprintf(m.u.ref.domain, sizeof(m.u.ref.domain), "%s", b->con_name);
    ctl_request(b, &m);
}

static void ctl_pop(struct bridge *b)
{
    if (!b->ctl.nwait)
        return;
    memmove(b->ctl.wait, b->ctl.wait + 1, --b->ctl.nwait);
}

static void add_json(struct evbuffer *acc, unsigned *n, const struct json_out *o)
{
    if (!json_out_ok(o) || evbuffer_get_length(acc) + o->len > REPLY_MAX)
        return;
    if ((*n)++)
        evbuffer_add(acc, ",", 1);
    evbuffer_add(acc, o->buf, o->len);
}

static void reply_done(struct bridge *b, struct evbuffer *acc, unsigned *n, const char *type,
                       const char *member)
{
    struct evbuffer *out = bufferevent_get_output(b->bev);
    char head[64];
    int hl = snprintf(head, sizeof(head), "{\"type\":\"%s\",\"%s\":[", type, member);
    size_t len = (size_t)hl + evbuffer_get_length(acc) + 2;
    if (!b->closing) {
        uint8_t hdr[WS_MAX_HDR];
        evbuffer_add(out, hdr, ws_encode_hdr(hdr, WS_OP_TEXT, len));
        evbuffer_add(out, head, (size_t)hl);
        evbuffer_add_buffer(out, acc);
        evbuffer_add(out, "]}", 2);
        check_queue(b);
    }
    evbuffer_drain(acc, evbuffer_get_length(acc));
    *n = 0;
}

static void handle(struct up *u, const struct xp_msg *m)
{
    struct bridge *b = u->b;
    char buf[XP_MAX_ERROR_TEXT * 6 + 256];
    struct json_out o;
    json_out_init(&o, buf, sizeof(buf));
    switch (m->type) {
    case XP_T_HELLO:
        return;
    case XP_T_ERROR: {
        const struct xp_error *e = &m->u.error;
        const char *name = xp_error_code_name(e->code);
        char num[16];
        if (strcmp(name, "?") == 0) {
            snprintf(num, sizeof(num), "%u", e->code);
            name = num;
        }
        send_error(b, name, e->text);
        if (u->is_sess && b->sstate == S_ATTACHING) {
            sess_ended(b, "attach refused");
            return;
        }
        if (!u->is_sess && e->request_type && u->nwait && u->wait[0] == e->request_type) {
            if (e->request_type == XP_T_LIST)
                evbuffer_drain(b->list_acc, evbuffer_get_length(b->list_acc)), b->list_n = 0;
            else
                evbuffer_drain(b->who_acc, evbuffer_get_length(b->who_acc)), b->who_n = 0;
            ctl_pop(b);
        }
        if (!e->request_type || e->code == XP_E_BAD_FRAME || e->code == XP_E_BAD_VERSION ||
            e->code == XP_E_LIMIT) {
            if (!u->is_sess || b->sstate != S_ATTACHED)
                up_ended(u, e->text);
        }
        return;
    }
    case XP_T_LIST_ENTRY: {
        const struct xp_list_entry *l = &m->u.list_entry;
        json_raw(&o, "{\"name\":");
        json_cstr(&o, l->name);
        json_raw(&o, ",\"domid\":");
        json_u64(&o, l->domid);
        json_raw(&o, ",\"console\":");
        json_u64(&o, l->console);
        json_raw(&o, ",\"state\":");
        json_cstr(&o, xp_state_name(l->state));
        json_raw(&o, ",\"writer\":");
        json_bool(&o, l->flags & XP_LIST_F_WRITER);
        json_raw(&o, ",\"sessions\":");
        json_u64(&o, l->sessions);
        json_raw(&o, "}");
        add_json(b->list_acc, &b->list_n, &o);
        return;
    }
    case XP_T_WHO_ENTRY: {
        const struct xp_who_entry *wh = &m->u.who_entry;
        json_raw(&o, "{\"user\":");
        json_cstr(&o, wh->user);
        json_raw(&o, ",\"uid\":");
        json_u64(&o, wh->uid);
        json_raw(&o, ",\"writer\":");
        json_bool(&o, wh->flags & XP_WHO_F_WRITER);
        json_raw(&o, ",\"you\":");
        json_bool(&o, b->sess.bev && b->sess.pid > 0 && wh->pid == (uint32_t)b->sess.pid &&
                          !(wh->flags & XP_WHO_F_PTY));
        json_raw(&o, ",\"pty\":");
        json_bool(&o, wh->flags & XP_WHO_F_PTY);
        json_raw(&o, "}");
        add_json(b->who_acc, &b->who_n, &o);
        return;
    }
    case XP_T_END:
        if (m->u.end.request_type == XP_T_LIST)
            reply_done(b, b->list_acc, &b->list_n, "list", "consoles");
        else if (m->u.end.request_type == XP_T_WHO)
            reply_done(b, b->who_acc, &b->who_n, "who", "sessions");
        if (!u->is_sess && u->nwait && u->wait[0] == m->u.end.request_type)
            ctl_pop(b);
        return;
    case XP_T_ATTACHED: {
        const struct xp_attached *a = &m->u.attached;
        b->sstate = S_ATTACHED;
        snprintf(b->con_name, sizeof(b->con_name), "%s", a->name);
        b->con_idx = a->console;
        json_raw(&o, "{\"type\":\"attached\",\"name\":");
        json_cstr(&o, a->name);
        json_raw(&o, ",\"domid\":");
        json_u64(&o, a->domid);
        json_raw(&o, ",\"console\":");
        json_u64(&o, a->console);
        json_raw(&o, ",\"mode\":");
        json_cstr(&o, a->mode == XP_MODE_READ_ONLY ? "ro" : "rw");
        json_raw(&o, ",\"writer\":");
        json_bool(&o, a->flags & XP_ATTACHED_F_WRITER);
        json_raw(&o, ",\"replayed\":");
        json_u64(&o, a->replayed);
        json_raw(&o, "}");
        send_json(b, &o);
        return;
    }
    case XP_T_DATA:
        if (u->is_sess)
            send_frame(b, WS_OP_BINARY, m->u.bytes.bytes, m->u.bytes.len);
        return;
    case XP_T_NOTICE: {
        const struct xp_notice *n = &m->u.notice;
        const char *name = xp_notice_code_name(n->code);
        json_raw(&o, "{\"type\":\"notice\",\"code\":");
        if (strcmp(name, "?") == 0)
            json_u64(&o, n->code);
        else
            json_cstr(&o, name);
        json_raw(&o, ",\"count\":");
        json_u64(&o, n->count);
        json_raw(&o, ",\"text\":");
        json_cstr(&o, n->text);
        json_raw(&o, "}");
        send_json(b, &o);
        if (n->code == XP_N_DETACHED || n->code == XP_N_SHUTDOWN)
            snprintf(b->detach_text, sizeof(b->detach_text), "%s", n->text);
        if (n->code == XP_N_FORCED || n->code == XP_N_WRITER || n->code == XP_N_JOINED ||
            n->code == XP_N_LEFT)
            ask_who(b);
        return;
    }
    default:
        return;
    }
}

/* ---- from the browser ---- */

static const char *str_member(const struct json_obj *o, const char *key)
{
    const struct json_member *m = json_get(o, key);
    return m && m->kind == JSON_STRING ? m->str : NULL;
}

static void do_attach(struct bridge *b, const struct json_obj *o)
{
    if (b->sstate != S_NONE) {
        send_error(b, "GATEWAY", "already attached: one attach per WebSocket");
        return;
    }
    struct xp_msg m = {.type = XP_T_ATTACH};
    struct xp_attach *a = &m.u.attach;
    const char *con = str_member(o, "console");
    if (!con || !*con) {
        send_error(b, "GATEWAY", "attach: console missing");
        return;
    }
    const char *slash = strchr(con, '/');
    size_t nl = slash ? (size_t)(slash - con) : strlen(con);
    if (nl == 0 || nl > XP_MAX_DOMAIN_NAME) {
        send_error(b, "GATEWAY", "attach: bad console name");
        return;
    }
    memcpy(a->domain, con, nl);
    a->domain[nl] = '\0';
    if (slash) {
        char *end;
        errno = 0;
        unsigned long idx = strtoul(slash + 1, &end, 10);
        if (!slash[1] || *end || errno || idx > 255 || slash[1] < '0' || slash[1] > '9') {
            send_error(b, "GATEWAY", "attach: bad console index");
            return;
        }
        a->console = (uint32_t)idx;
    }
    const char *mode = str_member(o, "mode");
    if (!mode || strcmp(mode, "rw") == 0)
        a->mode = XP_MODE_READ_WRITE;
    else if (strcmp(mode, "ro") == 0)
        a->mode = XP_MODE_READ_ONLY;
    else if (strcmp(mode, "force") == 0)
        a->mode = XP_MODE_FORCE;
    else {
        send_error(b, "GATEWAY", "attach: mode is ro, rw or force");
        return;
    }
    a->replay = XP_REPLAY_DEFAULT;
    const struct json_member *r = json_get(o, "replay");
    if (r && r->kind == JSON_INT && r->num >= 0 && r->num < (int64_t)XP_REPLAY_DEFAULT)
        a->replay = (uint32_t)r->num;
    else if (r && !(r->kind == JSON_INT && r->num == -1)) {
        send_error(b, "GATEWAY", "attach: replay is a byte count or -1");
        return;
    }
    const struct json_member *f = json_get(o, "follow");
    a->flags = XP_ATTACH_F_TERMINAL;
    if (f && f->kind == JSON_BOOL && f->b)
        a->flags |= XP_ATTACH_F_FOLLOW;
    a->escape = XP_ESCAPE_DEFAULT;
    b->sstate = S_ATTACHING;
    b->detach_text[0] = '\0';
    if (up_send(&b->sess, &m) < 0) {
        b->sstate = S_NONE;
        send_error(b, "GATEWAY", "cannot reach xcmuxd");
    }
}

static void on_text(struct bridge *b, const uint8_t *s, size_t len)
{
    if (!ws_utf8_valid(s, len)) {
        b_fail(b, WS_CLOSE_BAD_DATA, "text is not UTF-8");
        return;
    }
    struct json_obj o;
    const char *type;
    if (json_parse_flat((const char *)s, len, &o) < 0 || !(type = str_member(&o, "type"))) {
        b_fail(b, WS_CLOSE_POLICY, "not a message of WEB.md");
        return;
    }
    if (strcmp(type, "list") == 0) {
        struct xp_msg m = {.type = XP_T_LIST};
        ctl_request(b, &m);
    } else if (strcmp(type, "attach") == 0) {
        do_attach(b, &o);
    } else if (strcmp(type, "who") == 0) {
        if (b->sstate != S_ATTACHED)
            send_error(b, "GATEWAY", "who: not attached");
        else
            ask_who(b);
    } else if (strcmp(type, "detach") == 0) {
        if (b->sstate == S_NONE) {
            send_error(b, "GATEWAY", "detach: not attached");
        } else if (b->sess.bev) {
            struct xp_msg m = {.type = XP_T_DETACH};
            up_send(&b->sess, &m);
        } else {
            sess_ended(b, "detached");
        }
    } else {
        b_fail(b, WS_CLOSE_POLICY, "unknown message type");
    }
}

static void on_input(struct bridge *b, const uint8_t *d, size_t len)
{
    if (!len)
        return;
    if (b->sstate != S_ATTACHED || !b->sess.bev) {
        send_error(b, "GATEWAY", "input: not attached");
        return;
    }
    struct xp_msg m = {.type = XP_T_INPUT};
    m.u.bytes.bytes = d;
    m.u.bytes.len = len;
    up_send(&b->sess, &m);
    if (evbuffer_get_length(bufferevent_get_output(b->sess.bev)) > UP_MAX) {
        b->paused_input = true;
        bufferevent_disable(b->bev, EV_READ);
    }
}

static void b_read(struct bufferevent *bev, void *arg)
{
    struct bridge *b = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    while (evbuffer_get_length(in) > 0) {
        if (b->closing) {
            evbuffer_drain(in, evbuffer_get_length(in));
            return;
        }
        if (b->paused_input)
            return;
        struct evbuffer_iovec v;
        if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
            return;
        struct ws_event ev;
        size_t used = ws_parse(&b->wp, v.iov_base, v.iov_len, &ev);
        switch (ev.type) {
        case WS_EV_NONE:
            break;
        case WS_EV_DATA:
            if (ev.opcode == WS_OP_BINARY) {
                on_input(b, ev.data, ev.len);
            } else {
                if (!b->msg && !(b->msg = malloc(WS_MAX_MESSAGE))) {
                    b_fail(b, WS_CLOSE_INTERNAL, "out of memory");
                    break;
                }
                memcpy(b->msg + b->msg_len, ev.data, ev.len);
                b->msg_len += ev.len;
                if (ev.fin) {
                    size_t n = b->msg_len;
                    b->msg_len = 0;
                    on_text(b, b->msg, n);
                }
            }
            break;
        case WS_EV_CONTROL:
            if (ev.opcode == WS_OP_PING) {
                send_frame(b, WS_OP_PONG, ev.data, ev.len);
            } else if (ev.opcode == WS_OP_PONG) {
                b->missed = 0;
            } else {
                b_fail(b, ev.close_code == WS_CLOSE_NO_STATUS ? 0 : WS_CLOSE_NORMAL, NULL);
            }
            break;
        case WS_EV_ERROR:
            b_fail(b, ev.close_code,
                   ev.close_code == WS_CLOSE_TOO_BIG    ? "frame or message over 65536 bytes"
                   : ev.close_code == WS_CLOSE_BAD_DATA ? "close reason is not UTF-8"
                                                        : "WebSocket protocol error");
            break;
        }
        if (ev.type == WS_EV_ERROR)
            return;
        evbuffer_drain(in, used);
    }
}

static void b_free(struct bridge *b)
{
    up_reset(&b->ctl);
    up_reset(&b->sess);
    if (b->ping)
        event_free(b->ping);
    if (b->linger)
        event_free(b->linger);
    bufferevent_free(b->bev);
    if (b->list_acc)
        evbuffer_free(b->list_acc);
    if (b->who_acc)
        evbuffer_free(b->who_acc);
    free(b->msg);
    if (b->next)
        b->next->pprev = b->pprev;
    *b->pprev = b->next;
    b->w->nconns--;
    free(b);
}

static void b_write(struct bufferevent *bev, void *arg)
{
    struct bridge *b = arg;
    size_t q = evbuffer_get_length(bufferevent_get_output(bev));
    if (b->closing) {
        if (q)
            return;
        if (b->tls) {
            b_free(b);
            return;
        }
        if (!b->shut) {
            b->shut = true;
            shutdown(b->fd, SHUT_WR);
        }
        return;
    }
    if (b->paused_sess && q <= BROWSER_RESUME) {
        b->paused_sess = false;
        if (b->sess.bev) {
            bufferevent_enable(b->sess.bev, EV_READ);
            bufferevent_trigger(b->sess.bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
        }
    }
}

static void b_event(struct bufferevent *bev, short what, void *arg)
{
    struct bridge *b = arg;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
        b_free(b);
}

static void b_linger(evutil_socket_t fd, short what, void *arg)
{
    b_free(arg);
}

/* Ends the connection: a close frame (code 0: an empty one), both xcmuxd
 * connections closed (which ends the session), then the linger. */
static void b_fail(struct bridge *b, uint16_t code, const char *why)
{
    if (b->closing)
        return;
    if (code && code != WS_CLOSE_NORMAL)
        web_log("%s: closing a WebSocket with %u (%s)", b->id.user, code, why ? why : "");
    uint8_t cf[2 + WS_MAX_CONTROL];
    evbuffer_add(bufferevent_get_output(b->bev), cf, ws_encode_close(cf, code, why));
    b->closing = true;
    up_reset(&b->ctl);
    up_reset(&b->sess);
    if (b->ping)
        evtimer_del(b->ping);
    struct timeval tv = {LINGER_TIMEOUT_S, 0};
    evtimer_add(b->linger, &tv);
    bufferevent_enable(b->bev, EV_READ | EV_WRITE);
    bufferevent_setwatermark(b->bev, EV_WRITE, 0, 0);
    if (b->paused_input)
        b->paused_input = false;
}

static void b_ping(evutil_socket_t fd, short what, void *arg)
{
    struct bridge *b = arg;
    if (b->missed >= PING_MISSED_MAX) {
        b_fail(b, WS_CLOSE_POLICY, "two pings unanswered");
        return;
    }
    b->missed++;
    send_frame(b, WS_OP_PING, "xcmux", 5);
}

void bridge_start(struct web *w, struct bufferevent *bev, const struct web_ident *id)
{
    struct bridge *b = calloc(1, sizeof(*b));
    if (!b) {
        bufferevent_free(bev);
        return;
    }
    b->w = w;
    b->bev = bev;
    b->fd = bufferevent_getfd(bev);
    b->tls = bufferevent_openssl_get_ssl(bev) != NULL;
    b->id = *id;
    ws_parser_init(&b->wp);
    b->ctl.b = b->sess.b = b;
    b->sess.is_sess = true;
    b->list_acc = evbuffer_new();
    b->who_acc = evbuffer_new();
    b->ping = event_new(w->base, -1, EV_PERSIST, b_ping, b);
    b->linger = evtimer_new(w->base, b_linger, b);
    w->nconns++;
    b->next = w->bridges;
    if (b->next)
        b->next->pprev = &b->next;
    b->pprev = &w->bridges;
    w->bridges = b;
    if (!b->list_acc || !b->who_acc || !b->ping || !b->linger) {
        b_free(b);
        return;
    }
    struct timeval tv = {(time_t)w->cfg.ping_interval, 0};
    evtimer_add(b->ping, &tv);
    bufferevent_setcb(bev, b_read, b_write, b_event, b);
    bufferevent_setwatermark(bev, EV_WRITE, BROWSER_RESUME, 0);
    bufferevent_set_timeouts(bev, NULL, NULL);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    web_log("%s (uid %u): WebSocket open", id->user, (unsigned)id->uid);
    if (evbuffer_get_length(bufferevent_get_input(bev)))
        b_read(bev, b);
}

void bridge_free_all(struct web *w)
{
    for (struct bridge *b = w->bridges, *next; b; b = next) {
        next = b->next;
        b_free(b);
    }
}
