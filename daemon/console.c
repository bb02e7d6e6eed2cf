/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * console.c — one guest console: ring, buffer, log, and its audience of
 * readers (see console.h for the contract).
 */
#include "daemon/console.h"
#include "daemon/console-backend.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "common/rules.h"
#include "daemon/events.h"
#include "daemon/journal.h"
#include "daemon/log.h"
#include "daemon/pty.h"
#include "daemon/ring.h" /* RING_OUT_SIZE: what one read of a guest yields */
#include "protocol/xcmux-proto.h"

const char *console_state_name(enum console_state s)
{
    switch (s) {
    case CONSOLE_WAITING:
        return "waiting";
    case CONSOLE_RUNNING:
        return "running";
    case CONSOLE_GONE:
        return "gone";
    case CONSOLE_CORRUPT:
        return "corrupt";
    }
    return "?";
}

static bool wants_file(const struct console *c)
{
    return c->cfg.log && c->cfg.log_target != LOG_TARGET_JOURNAL;
}

static bool wants_journal(const struct console *c)
{
    return c->cfg.log && c->cfg.log_target != LOG_TARGET_FILE;
}

static void open_journal(struct console *c)
{
    if (!wants_journal(c) || c->journal)
        return;
    c->journal = journal_new(c->name, c->domid, c->index, c->cfg.sanitize, xd_now_ms());
    if (!c->journal)
        syslog(LOG_WARNING, "%s: cannot start journal output: out of memory", c->name);
}

static void log_touched(struct console *c);

static void close_journal(struct console *c)
{
    if (!c->journal)
        return;
    uint64_t lost = journal_dropped(c->journal);
    if (lost && c->log) {
        log_event(c->log, xd_now_ms(), "journal: %llu line(s) dropped in all (domid %u)",
                  (unsigned long long)lost, c->domid);
        log_touched(c);
    }
    journal_free(c->journal);
    c->journal = NULL;
}

/* Idle logs are closed by one sweep timer for all consoles, not one per
 * console: it runs only while some log is open (at the earliest idle
 * deadline, no sooner than XCMUX_LOG_SWEEP_MIN_MS), so quiet guests cost
 * neither an fd nor a wakeup. */
static struct event *log_sweep;

static void log_sweep_arm(uint64_t deadline, uint64_t now)
{
    if (deadline == UINT64_MAX)
        return;
    uint64_t ms = deadline > now ? deadline - now : 0;
    if (ms < XCMUX_LOG_SWEEP_MIN_MS)
        ms = XCMUX_LOG_SWEEP_MIN_MS;
    struct timeval tv = xr_ms_to_timeval(ms);
    evtimer_add(log_sweep, &tv);
}

static void log_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
    uint64_t now = xd_now_ms(), next = UINT64_MAX;
    struct console *c;
    TAILQ_FOREACH (c, &xd.consoles, link) {
        if (!c->log)
            continue;
        log_close_if_idle(c->log, now);
        uint64_t d = log_idle_deadline(c->log);
        if (d < next)
            next = d;
    }
    log_sweep_arm(next, now);
}

/* The log of C may have been opened or written: make sure the sweep will
 * come. A pending sweep is never late: it was set for the earliest
 * deadline then, and writes only move deadlines later. */
static void log_touched(struct console *c)
{
    if (!c->log || !log_is_open(c->log))
        return;
    if (!log_sweep) {
        log_sweep = evtimer_new(xd.base, log_sweep_cb, NULL);
        if (!log_sweep)
            return; /* logs then stay open, as they always did */
    }
    if (!evtimer_pending(log_sweep, NULL))
        log_sweep_arm(log_idle_deadline(c->log), xd_now_ms());
}

/* A failing log file is said once per episode in the daemon's log (and
 * in the console's journal stream), not at every lost write (log.h). */
static void log_report(void *arg, enum log_report what, int err, uint64_t lost)
{
    struct console *c = arg;
    const char *path = c->log ? log_path(c->log) : "?";
    if (what == LOG_REPORT_FAILING) {
        syslog(LOG_ERR,
               "%s (domid %u): cannot write log %s: %s; output is not logged (bytes counted) "
               "until writes work again",
               c->name, c->domid, path, strerror(err));
        journal_event(c->journal, xd_now_ms(), "cannot write log %s: %s; output is not logged",
                      path, strerror(err));
    } else {
        const char *how = what == LOG_REPORT_RESUMED ? "log writes resumed"
                                                     : "log closed while writes were failing";
        syslog(LOG_WARNING, "%s (domid %u): %s (%s), %llu bytes were not logged", c->name, c->domid,
               how, path, (unsigned long long)lost);
        journal_event(c->journal, xd_now_ms(), "%s, %llu bytes were not logged", how,
                      (unsigned long long)lost);
    }
}

static void open_log(struct console *c)
{
    open_journal(c);
    if (!wants_file(c) || c->log)
        return;
    struct log_options o = {
        .timestamps = c->cfg.timestamps,
        .sanitize = c->cfg.sanitize,
        .max_size = c->cfg.log_max_size,
        .keep = c->cfg.log_keep,
    };
    const char *name = c->be->log_name ? c->be->log_name(c) : c->name;
    c->log = log_open(xd.cfg->log_dir, name, c->index, &o, xd_now_ms());
    if (!c->log)
        syslog(LOG_WARNING, "%s: cannot open log in %s: %m", c->name, xd.cfg->log_dir);
    else
        log_set_report_fn(c->log, log_report, c);
    log_touched(c);
}

void console_log_event(struct console *c, const char *fmt, ...)
{
    if (!c->log && !c->journal)
        return;
    char msg[XCMUX_LOG_EVENT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c->log) {
        log_event(c->log, xd_now_ms(), "%s (domid %u)", msg, c->domid);
        log_touched(c);
    }
    journal_event(c->journal, xd_now_ms(), "%s", msg);
}

static void rl_timer_cb(evutil_socket_t fd, short what, void *arg);
static void pump_timer_cb(evutil_socket_t fd, short what, void *arg);

static void resolve_cfg(struct console *c)
{
    config_for_domain(xd.cfg, c->name, &c->cfg);
    if (c->be->adjust_cfg)
        c->be->adjust_cfg(c, &c->cfg);
}

struct console *console_create(const struct console_backend *be, struct domain *dom, uint32_t domid,
                               const char *name, unsigned index, const char *xs_dir)
{
    struct console *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->dom = dom;
    c->domid = domid;
    c->index = index;
    c->local_port = -1;
    c->state = CONSOLE_WAITING;
    c->be = be;
    snprintf(c->name, sizeof(c->name), "%s", name);
    snprintf(c->xs_dir, sizeof(c->xs_dir), "%s", xs_dir);
    resolve_cfg(c);
    TAILQ_INIT(&c->readers);
    c->inq = evbuffer_new();
    c->rl_timer = evtimer_new(xd.base, rl_timer_cb, c);
    c->pump_timer = evtimer_new(xd.base, pump_timer_cb, c);
    if (!c->inq || !c->rl_timer || !c->pump_timer || outbuf_init(&c->buf, c->cfg.buffer_size) < 0) {
        if (c->inq)
            evbuffer_free(c->inq);
        if (c->rl_timer)
            event_free(c->rl_timer);
        if (c->pump_timer)
            event_free(c->pump_timer);
        free(c);
        return NULL;
    }
    ratelimit_init(&c->rl, c->cfg.rate, c->cfg.burst, xd_now_ms());
    TAILQ_INSERT_TAIL(&xd.consoles, c, link);
    xd.nconsoles++;
    open_log(c);
    hkf_init(&c->input_filter);
    events_emit(XE_CONSOLE_NEW, &(struct xd_event_info){.c = c});
    return c;
}

size_t console_input_from(struct console *c, const uint8_t *bytes, size_t len,
                          struct console_reader *from)
{
    if (c->state != CONSOLE_RUNNING)
        return 0;
    return c->be->input(c, bytes, len, from);
}

size_t console_queue_input(struct console *c, const uint8_t *bytes, size_t len)
{
    size_t queued = evbuffer_get_length(c->inq);
    size_t room = queued < CONSOLE_INPUT_MAX ? CONSOLE_INPUT_MAX - queued : 0;
    size_t take = len < room ? len : room;
    if (take)
        evbuffer_add(c->inq, bytes, take);
    if (take < len)
        c->input_refused += len - take;
    return take;
}

size_t console_input(struct console *c, const uint8_t *bytes, size_t len)
{
    return console_input_from(c, bytes, len, NULL);
}

void console_pump(struct console *c)
{
    c->unpumped = 0;
    event_del(c->pump_timer);
    struct console_reader *r, *n;
    TAILQ_FOREACH_SAFE (r, &c->readers, link, n)
        r->ops->pump(r);
}

void console_broadcast(struct console *c, const struct console_reader *except, unsigned code,
                       uint64_t count, const char *fmt, ...)
{
    char text[XP_MAX_NOTICE_TEXT + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    struct console_reader *r, *n;
    TAILQ_FOREACH_SAFE (r, &c->readers, link, n)
        if (r != except && r->ops->notice)
            r->ops->notice(r, code, count, text);
}

void console_append(struct console *c, const uint8_t *data, size_t n)
{
    outbuf_append(&c->buf, data, n);
    c->bytes_out += n;
    if (c->log)
        log_write(c->log, xd_now_ms(), data, n);
    if (c->journal) {
        journal_write(c->journal, data, n, xd_now_ms());
        /* The journal already got its own event line when sends resumed;
         * the file log gets one too, so drops are visible in both. */
        uint64_t lost = journal_take_drop_report(c->journal);
        if (lost && c->log)
            log_event(c->log, xd_now_ms(),
                      "journal: %llu line(s) dropped (journal socket "
                      "full or unreachable) (domid %u)",
                      (unsigned long long)lost, c->domid);
    }
    log_touched(c);
}

/* Offering every ring-full of a flood to every reader costs a socket
 * write and a client wakeup each, which with many clients starves the
 * guest (bench/fanout.sh, bench/BENCHMARKS.md). Small output,
 * such as a keystroke's echo, still goes out at once; streaming output is
 * batched until PUMP_BATCH_MAX bytes (at most a quarter of the buffer, so
 * batching never makes a session miss bytes) or PUMP_DELAY_US pass. */
#define PUMP_BATCH_MAX (16u * 1024u)
#define PUMP_DELAY_US  1000
#define PUMP_STREAMING (RING_OUT_SIZE / 2)

void console_offer(struct console *c, size_t n)
{
    c->unpumped += n;
    size_t batch = c->buf.capacity / 4 < PUMP_BATCH_MAX ? c->buf.capacity / 4 : PUMP_BATCH_MAX;
    bool deferring = evtimer_pending(c->pump_timer, NULL);
    if (c->unpumped >= batch || (!deferring && n < PUMP_STREAMING)) {
        console_pump(c);
        return;
    }
    if (!deferring) {
        struct timeval tv = {0, PUMP_DELAY_US};
        evtimer_add(c->pump_timer, &tv);
    }
}

static void pump_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    console_pump(arg);
}

void console_output(struct console *c, const uint8_t *data, size_t n)
{
    if (!n)
        return;
    console_append(c, data, n);
    console_offer(c, n);
}

void console_throttle(struct console *c, uint64_t ms)
{
    struct timeval tv = xr_ms_to_timeval(ms);
    c->throttled = true;
    evtimer_add(c->rl_timer, &tv);
}

void console_event(struct console *c)
{
    c->be->event(c);
}

const char *console_describe(const struct console *c)
{
    const char *d = c->be->describe ? c->be->describe(c) : NULL;
    return d ? d : "";
}

int console_inject_atomic(struct console *c, uint32_t id, const uint8_t *bytes, size_t len)
{
    if (c->state != CONSOLE_RUNNING || !c->be->inject)
        return -1;
    return c->be->inject(c, id, bytes, len);
}

/* The limiter's (or a spent budget's) wait is over: the backend reads
 * again and decides whether its source may wake it. */
static void rl_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct console *c = arg;
    c->throttled = false;
    if (c->state == CONSOLE_RUNNING)
        c->be->event(c);
}
/* The queue of hotkey sequences exists only while it holds one: most
 * consoles never see a hotkey, and CONSOLE_ATOMIC_MAX slots of
 * XCMUX_HOTKEY_ARG_MAX bytes are not kept per console for nothing. */
void console_release_atomic(struct console *c)
{
    if (c->natomic == 0) {
        free(c->atomic);
        c->atomic = NULL;
    }
}

void console_inject_cancel(struct console *c, uint32_t id)
{
    for (unsigned i = 0; i < c->natomic; i++) {
        if (c->atomic[i].id != id)
            continue;
        c->natomic--;
        memmove(&c->atomic[i], &c->atomic[i + 1], (c->natomic - i) * sizeof(c->atomic[0]));
        console_release_atomic(c);
        return;
    }
}

void console_add_reader(struct console *c, struct console_reader *r)
{
    TAILQ_INSERT_TAIL(&c->readers, r, link);
    if (r->ops->is_session)
        c->nsessions++;
}

void console_remove_reader(struct console *c, struct console_reader *r)
{
    TAILQ_REMOVE(&c->readers, r, link);
    if (r->ops->is_session)
        c->nsessions--;
    if (c->state == CONSOLE_GONE && c->nsessions == 0 && !c->freeing)
        console_free(c);
}

void console_gone(struct console *c, const char *why)
{
    if (c->state == CONSOLE_GONE)
        return;
    events_emit(XE_CONSOLE_GONE, &(struct xd_event_info){.c = c, .why = why});
    c->natomic = 0;
    console_release_atomic(c);
    /* At shutdown the guest lives on: "xcmuxd stopping" is the last word. */
    if (!xd.shutting_down)
        console_log_event(c, "domain gone: %s", why);
    c->be->close(c);
    event_del(c->rl_timer);
    c->throttled = false;
    /* Deliver what was read before telling sessions. */
    console_pump(c);
    if (c->pty) {
        pty_free(c->pty);
        c->pty = NULL;
    }
    c->state = CONSOLE_GONE;
    c->dom = NULL;
    c->writer = NULL;
    struct console_reader *r, *n;
    TAILQ_FOREACH_SAFE (r, &c->readers, link, n)
        r->ops->gone(r, why);
    if (c->nsessions == 0)
        console_free(c);
}

void console_free_all(void)
{
    struct console *c;
    while ((c = TAILQ_FIRST(&xd.consoles)))
        console_free(c);
}

void console_free(struct console *c)
{
    /* Readers leave the audience as they drop; the flag stops
     * console_remove_reader from freeing this console a second time. */
    c->freeing = true;
    if (c->pty) {
        pty_free(c->pty);
        c->pty = NULL;
    }
    struct console_reader *r;
    while ((r = TAILQ_FIRST(&c->readers)))
        r->ops->drop(r);
    c->be->close(c);
    events_emit(XE_CONSOLE_FREE, &(struct xd_event_info){.c = c});
    close_journal(c);
    if (c->log)
        log_close(c->log);
    outbuf_destroy(&c->buf);
    evbuffer_free(c->inq);
    event_free(c->rl_timer);
    event_free(c->pump_timer);
    free(c->atomic);
    TAILQ_REMOVE(&xd.consoles, c, link);
    xd.nconsoles--;
    if (xd.nconsoles == 0 && log_sweep) {
        /* The last console: nothing left to sweep (and at shutdown the
         * event must go before the event base). */
        event_free(log_sweep);
        log_sweep = NULL;
    }
    free(c);
}

void console_reconfigure(struct console *c)
{
    struct console_cfg old = c->cfg;
    resolve_cfg(c);
    if (c->cfg.buffer_size != old.buffer_size) {
        /* Resizing would drop replay history or session offsets; the new
         * size applies to consoles created from now on. */
        c->cfg.buffer_size = old.buffer_size;
    }
    if (c->cfg.rate != old.rate || c->cfg.burst != old.burst)
        ratelimit_init(&c->rl, c->cfg.rate, c->cfg.burst, xd_now_ms());
    if (old.log != c->cfg.log || old.log_target != c->cfg.log_target ||
        old.sanitize != c->cfg.sanitize) {
        close_journal(c);
        open_journal(c);
    }
    if (old.log != c->cfg.log || old.log_target != c->cfg.log_target ||
        old.timestamps != c->cfg.timestamps || old.sanitize != c->cfg.sanitize ||
        old.log_max_size != c->cfg.log_max_size || old.log_keep != c->cfg.log_keep) {
        if (c->log) {
            log_close(c->log);
            c->log = NULL;
        }
        open_log(c);
    } else if (c->log) {
        log_reopen(c->log, xd_now_ms());
        log_touched(c);
    }
    if (c->be->reconfigured)
        c->be->reconfigured(c, &old);
    /* Narrowed ACLs apply to the sessions already attached, now. */
    events_emit(XE_CONSOLE_RECONFIGURED, &(struct xd_event_info){.c = c});
}
