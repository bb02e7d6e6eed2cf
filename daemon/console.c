/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * console.c — one guest console: ring, buffer, log, pty, sessions (see
 * console.h for the contract).
 */
#include "daemon/console.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "daemon/domain.h"
#include "daemon/log.h"
#include "daemon/pty.h"
#include "daemon/ring.h"
#include "daemon/session.h"
#include "protocol/xcmux-proto.h"

/* One drain pass reads at most this much before yielding to the loop, so
 * a flooding guest cannot starve other consoles. */
#define DRAIN_BUDGET (64u * 1024u)

const char *console_state_name(enum console_state s)
{
    switch (s) {
    case CONSOLE_WAITING: return "waiting";
    case CONSOLE_RUNNING: return "running";
    case CONSOLE_GONE: return "gone";
    case CONSOLE_CORRUPT: return "corrupt";
    }
    return "?";
}

static void open_log(struct console *c)
{
    if (!c->cfg.log || c->log)
        return;
    struct log_options o = {
        .timestamps = c->cfg.timestamps,
        .sanitize = c->cfg.sanitize,
        .max_size = c->cfg.log_max_size,
        .keep = c->cfg.log_keep,
    };
    c->log = log_open(xd.cfg->log_dir, c->name, c->index, &o, xd_now_ms());
    if (!c->log)
        syslog(LOG_WARNING, "%s: cannot open log in %s: %m", c->name, xd.cfg->log_dir);
}

void console_log_event(struct console *c, const char *fmt, ...)
{
    if (!c->log)
        return;
    char msg[XCMUX_LOG_EVENT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_event(c->log, xd_now_ms(), "%s (domid %u)", msg, c->domid);
}

static void rl_timer_cb(evutil_socket_t fd, short what, void *arg);

struct console *console_new(struct domain *dom, unsigned index, const char *xs_dir)
{
    struct console *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->dom = dom;
    c->domid = dom->domid;
    c->index = index;
    c->local_port = -1;
    c->state = CONSOLE_WAITING;
    snprintf(c->name, sizeof(c->name), "%s", dom->name);
    snprintf(c->xs_dir, sizeof(c->xs_dir), "%s", xs_dir);
    config_for_domain(xd.cfg, c->name, &c->cfg);
    TAILQ_INIT(&c->sessions);
    c->inq = evbuffer_new();
    c->rl_timer = evtimer_new(xd.base, rl_timer_cb, c);
    if (!c->inq || !c->rl_timer || outbuf_init(&c->buf, c->cfg.buffer_size) < 0) {
        if (c->inq)
            evbuffer_free(c->inq);
        if (c->rl_timer)
            event_free(c->rl_timer);
        free(c);
        return NULL;
    }
    ratelimit_init(&c->rl, c->cfg.rate, c->cfg.burst, xd_now_ms());
    TAILQ_INSERT_TAIL(&xd.consoles, c, link);
    xd.nconsoles++;
    open_log(c);
    return c;
}

static void disconnect(struct console *c)
{
    if (c->local_port >= 0) {
        xd.by_port[c->local_port] = NULL;
        hyp_unbind(xd.hyp, c->local_port);
        c->local_port = -1;
    }
    if (c->page) {
        hyp_unmap_console(xd.hyp, c->page, c->granted);
        c->page = NULL;
    }
    event_del(c->rl_timer);
    c->throttled = false;
}

static void publish_tty(struct console *c)
{
    if (c->index != 0 || !c->dom)
        return; /* libxl only waits for the primary console's tty */
    char path[HYP_PATH_MAX];
    snprintf(path, sizeof(path), "%s/tty", c->xs_dir);
    if (c->cfg.pty != PTY_OFF && !c->pty)
        c->pty = pty_new(c, c->cfg.pty == PTY_RW);
    /* With no pty, a placeholder: libxl only needs the node non-empty,
     * and `xl console` then fails with a message naming xcmux. */
    const char *tty = c->pty ? pty_path(c->pty) : "xcmux:none (use: xcmux console)";
    if (hyp_write(xd.hyp, path, tty) < 0)
        syslog(LOG_WARNING, "%s: cannot write %s: %m", c->name, path);
}

int console_connect(struct console *c, uint64_t ring_ref, uint32_t port)
{
    if (c->state == CONSOLE_RUNNING && c->ring_ref == ring_ref && c->remote_port == port &&
        hyp_port_connected(xd.hyp, c->local_port, c->domid))
        return 0;
    if (c->state == CONSOLE_RUNNING)
        console_log_event(c, "reconnecting: ring-ref %llu port %u",
                          (unsigned long long)ring_ref, port);
    disconnect(c);
    c->ring_ref = ring_ref;
    c->remote_port = port;
    c->page = hyp_map_console(xd.hyp, c->domid, ring_ref, c->index == 0, &c->granted);
    if (!c->page) {
        syslog(LOG_WARNING, "%s (dom%u) console %u: cannot map ring %llu: %m", c->name,
               c->domid, c->index, (unsigned long long)ring_ref);
        c->state = CONSOLE_WAITING;
        return -1;
    }
    int lp = hyp_bind(xd.hyp, c->domid, port);
    if (lp < 0) {
        syslog(LOG_WARNING, "%s (dom%u) console %u: cannot bind port %u: %m", c->name,
               c->domid, c->index, port);
        disconnect(c);
        c->state = CONSOLE_WAITING;
        return -1;
    }
    c->local_port = lp;
    xd.by_port[lp] = c;
    ring_set_connected(c->page);
    c->state = CONSOLE_RUNNING;
    console_log_event(c, "console %u attached", c->index);
    publish_tty(c);
    /* Whatever the ring already holds (a guest that started before us,
     * or a daemon restart) is delivered now. */
    hyp_notify(xd.hyp, lp);
    return 0;
}

static void console_mark_corrupt(struct console *c)
{
    syslog(LOG_ERR, "%s (dom%u) console %u: ring indices corrupt; console disabled", c->name,
           c->domid, c->index);
    console_log_event(c, "ring indices corrupt: console disabled");
    disconnect(c);
    c->state = CONSOLE_CORRUPT;
    struct session *s, *n;
    TAILQ_FOREACH_SAFE(s, &c->sessions, con_link, n)
        session_notice(s, XP_N_INFO, 0, "console of %s disabled: guest corrupted its ring",
                       c->name);
}

/* Write queued input as far as the ring takes it. */
static void flush_input(struct console *c)
{
    size_t len = evbuffer_get_length(c->inq);
    if (!len || !c->page)
        return;
    uint8_t tmp[RING_IN_SIZE];
    size_t n = len < sizeof(tmp) ? len : sizeof(tmp);
    evbuffer_copyout(c->inq, tmp, n);
    ssize_t w = ring_write_in(c->page, tmp, n, false);
    if (w == RING_CORRUPT) {
        console_mark_corrupt(c);
        return;
    }
    if (w > 0) {
        evbuffer_drain(c->inq, (size_t)w);
        hyp_notify(xd.hyp, c->local_port);
    }
}

size_t console_input(struct console *c, const uint8_t *bytes, size_t len)
{
    if (c->state != CONSOLE_RUNNING)
        return 0;
    size_t queued = evbuffer_get_length(c->inq);
    size_t room = queued < CONSOLE_INPUT_MAX ? CONSOLE_INPUT_MAX - queued : 0;
    size_t take = len < room ? len : room;
    if (take)
        evbuffer_add(c->inq, bytes, take);
    if (take < len)
        c->input_refused += len - take;
    flush_input(c);
    return take;
}

void console_pump(struct console *c)
{
    struct session *s, *n;
    TAILQ_FOREACH_SAFE(s, &c->sessions, con_link, n)
        session_pump(s);
    if (c->pty)
        pty_pump(c->pty);
}

static void append_output(struct console *c, const uint8_t *data, size_t n)
{
    outbuf_append(&c->buf, data, n);
    c->bytes_out += n;
    if (c->log)
        log_write(c->log, xd_now_ms(), data, n);
}

/* Drain the guest's output ring within the rate limit. Returns true when
 * the port may be unmasked now, false when the limiter holds it. */
static bool drain(struct console *c)
{
    uint8_t tmp[RING_OUT_SIZE];
    size_t total = 0;
    bool more = true;
    while (more && total < DRAIN_BUDGET) {
        size_t want = sizeof(tmp);
        if (c->cfg.rate) {
            want = ratelimit_take(&c->rl, xd_now_ms(), sizeof(tmp));
            if (want == 0) {
                ssize_t fill = ring_out_fill(c->page);
                if (fill == 0)
                    break;
                /* Over budget with output waiting: keep the port masked
                 * and come back when tokens are there. */
                uint64_t ms = ratelimit_wait_ms(&c->rl, xd_now_ms());
                struct timeval tv = {.tv_sec = (time_t)(ms / 1000),
                                     .tv_usec = (suseconds_t)(ms % 1000) * 1000};
                c->throttled = true;
                evtimer_add(c->rl_timer, &tv);
                break;
            }
        }
        ssize_t n = ring_read_out(c->page, tmp, want);
        if (n == RING_CORRUPT) {
            console_mark_corrupt(c);
            return false;
        }
        if (c->cfg.rate && (size_t)n < want) {
            /* Return unused tokens: the bucket charged for `want`. */
            c->rl.milli_tokens += (uint64_t)(want - (size_t)n) * 1000;
            if (c->rl.milli_tokens > c->rl.burst * 1000)
                c->rl.milli_tokens = c->rl.burst * 1000;
        }
        if (n == 0)
            break;
        /* Tell the guest there is room as soon as it exists. */
        hyp_notify(xd.hyp, c->local_port);
        append_output(c, tmp, (size_t)n);
        total += (size_t)n;
        more = (size_t)n == want;
    }
    if (total)
        console_pump(c);
    if (c->throttled)
        return false;
    if (total >= DRAIN_BUDGET) {
        /* Budget spent with more to read: yield, and come back on the next
         * loop iteration via a zero timer (port stays masked meanwhile). */
        struct timeval zero = {0, 0};
        c->throttled = true;
        evtimer_add(c->rl_timer, &zero);
        return false;
    }
    return true;
}

void console_event(struct console *c)
{
    if (c->state != CONSOLE_RUNNING || !c->page)
        return;
    flush_input(c);
    if (c->state != CONSOLE_RUNNING)
        return;
    if (c->throttled)
        return; /* the timer owns the port until it fires */
    if (drain(c) && c->local_port >= 0)
        hyp_unmask(xd.hyp, c->local_port);
}

static void rl_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct console *c = arg;
    c->throttled = false;
    if (c->state != CONSOLE_RUNNING || !c->page)
        return;
    if (drain(c) && c->local_port >= 0)
        hyp_unmask(xd.hyp, c->local_port);
}

void console_attach_session(struct console *c, struct session *s)
{
    TAILQ_INSERT_TAIL(&c->sessions, s, con_link);
    c->nsessions++;
}

void console_detach_session(struct console *c, struct session *s)
{
    TAILQ_REMOVE(&c->sessions, s, con_link);
    c->nsessions--;
    if (c->writer == s)
        c->writer = NULL;
    if (c->state == CONSOLE_GONE && c->nsessions == 0 && !c->freeing)
        console_free(c);
}

void console_take_seat(struct console *c, struct session *s)
{
    struct session *old = c->writer;
    if (old == s)
        return;
    c->writer = s;
    if (old) {
        if (s)
            session_notice(old, XP_N_FORCED, 0, "write seat taken by %s", session_who(s));
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

void console_gone(struct console *c, const char *why)
{
    if (c->state == CONSOLE_GONE)
        return;
    console_log_event(c, "domain gone: %s", why);
    disconnect(c);
    /* Deliver what was read before telling sessions. */
    console_pump(c);
    if (c->pty) {
        pty_free(c->pty);
        c->pty = NULL;
    }
    c->state = CONSOLE_GONE;
    c->dom = NULL;
    c->writer = NULL;
    struct session *s, *n;
    TAILQ_FOREACH_SAFE(s, &c->sessions, con_link, n) {
        if (s->follow)
            session_notice(s, XP_N_DOMAIN_GONE, c->domid, "%s (domid %u) is gone (%s); "
                           "waiting for it to come back", c->name, c->domid, why);
        else
            session_end(s, XP_N_DOMAIN_GONE, "%s (domid %u) is gone (%s)", c->name, c->domid,
                        why);
    }
    if (c->nsessions == 0)
        console_free(c);
}

void console_free(struct console *c)
{
    /* Sessions detach themselves as they are freed; the flag stops
     * console_detach_session from freeing this console a second time. */
    c->freeing = true;
    struct session *s;
    while ((s = TAILQ_FIRST(&c->sessions)))
        session_free(s);
    disconnect(c);
    if (c->pty)
        pty_free(c->pty);
    if (c->dom && c->dom->con[c->index] == c)
        c->dom->con[c->index] = NULL;
    if (c->log)
        log_close(c->log);
    outbuf_destroy(&c->buf);
    evbuffer_free(c->inq);
    event_free(c->rl_timer);
    TAILQ_REMOVE(&xd.consoles, c, link);
    xd.nconsoles--;
    free(c);
}

void console_reconfigure(struct console *c)
{
    struct console_cfg old = c->cfg;
    config_for_domain(xd.cfg, c->name, &c->cfg);
    if (c->cfg.buffer_size != old.buffer_size) {
        /* Resizing would drop replay history or session offsets; the new
         * size applies to consoles created from now on. */
        c->cfg.buffer_size = old.buffer_size;
    }
    if (c->cfg.rate != old.rate || c->cfg.burst != old.burst)
        ratelimit_init(&c->rl, c->cfg.rate, c->cfg.burst, xd_now_ms());
    if (old.log != c->cfg.log || old.timestamps != c->cfg.timestamps ||
        old.sanitize != c->cfg.sanitize || old.log_max_size != c->cfg.log_max_size ||
        old.log_keep != c->cfg.log_keep) {
        if (c->log) {
            log_close(c->log);
            c->log = NULL;
        }
        open_log(c);
    } else if (c->log) {
        log_reopen(c->log, xd_now_ms());
    }
    if (c->cfg.policy == WRITE_POLICY_SHARED)
        c->writer = NULL;
}
