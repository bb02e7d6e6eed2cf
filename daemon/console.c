/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * console.c — one guest console: ring, buffer, log, and its audience of
 * readers (see console.h for the contract).
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

#include "common/rules.h"
#include "daemon/events.h"
#include "daemon/hvcon.h"
#include "daemon/journal.h"
#include "daemon/log.h"
#include "daemon/pty.h"
#include "daemon/ring.h"
#include "daemon/runstate.h"
#include "protocol/xcmux-proto.h"

/* One drain pass reads at most this much before yielding to the loop, so
 * a flooding guest cannot starve other consoles. */
#define DRAIN_BUDGET (64u * 1024u)

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
    /* The hypervisor's console keeps xenconsoled's file name. */
    c->log = log_open(xd.cfg->log_dir, c->hypervisor ? HVCON_LOG_NAME : c->name, c->index, &o,
                      xd_now_ms());
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

static struct console *console_create(struct domain *dom, uint32_t domid, const char *name,
                                      unsigned index, const char *xs_dir, bool hypervisor)
{
    struct console *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->dom = dom;
    c->domid = domid;
    c->index = index;
    c->local_port = -1;
    c->state = CONSOLE_WAITING;
    c->hypervisor = hypervisor;
    snprintf(c->name, sizeof(c->name), "%s", name);
    snprintf(c->xs_dir, sizeof(c->xs_dir), "%s", xs_dir);
    config_for_domain(xd.cfg, c->name, &c->cfg);
    if (hypervisor)
        hvcon_adjust_cfg(&c->cfg);
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

struct console *console_new(struct domain *dom, uint32_t domid, const char *name, unsigned index,
                            const char *xs_dir)
{
    return console_create(dom, domid, name, index, xs_dir, false);
}

struct console *console_new_hypervisor(uint32_t domid, const char *name)
{
    struct console *c = console_create(NULL, domid, name, 0, "", true);
    if (c)
        c->state = CONSOLE_RUNNING;
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

static void tty_written(struct hyp_job *j)
{
    if (j->nops == 1 && j->op[0].err) {
        errno = j->op[0].err;
        syslog(LOG_WARNING, "dom%u: cannot write %s: %m", j->key, j->op[0].path);
    }
    hyp_job_free(j);
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
    /* Off the loop (hyp.h, jobs): a slow store never holds the rings.
     * The domain's key keeps it behind the reads that led here. */
    struct hyp_job *j = hyp_job_new(c->domid, tty_written);
    if (!j || hyp_job_add(j, HYP_OP_WRITE, path, tty) < 0) {
        hyp_job_free(j);
        syslog(LOG_WARNING, "%s: cannot write %s: out of memory", c->name, path);
        return;
    }
    hyp_job_submit(xd.hyp, j);
}

static const char *pty_mode_name(enum pty_mode m)
{
    return m == PTY_RW ? "rw" : m == PTY_RO ? "ro" : "off";
}

/* A reload changed `pty`: rw <-> ro applies to the next byte typed on the
 * pty; off closes it (its readers get a hang-up) and publishes the
 * placeholder; from off a running console gets its pty now. */
static void pty_mode_changed(struct console *c, enum pty_mode old)
{
    if (c->cfg.pty == PTY_OFF && c->pty) {
        pty_free(c->pty);
        c->pty = NULL;
        publish_tty(c);
    } else if (c->pty) {
        pty_set_writable(c->pty, c->cfg.pty == PTY_RW);
    } else if (c->state == CONSOLE_RUNNING) {
        publish_tty(c);
    }
    console_log_event(c, "pty mode %s -> %s (configuration reloaded)", pty_mode_name(old),
                      pty_mode_name(c->cfg.pty));
}

int console_connect(struct console *c, uint64_t ring_ref, uint32_t port)
{
    if (c->state == CONSOLE_RUNNING && c->ring_ref == ring_ref && c->remote_port == port &&
        hyp_port_connected(xd.hyp, c->local_port, c->domid))
        return 0;
    if (c->state == CONSOLE_RUNNING)
        console_log_event(c, "reconnecting: ring-ref %llu port %u", (unsigned long long)ring_ref,
                          port);
    disconnect(c);
    c->ring_ref = ring_ref;
    c->remote_port = port;
    c->page = hyp_map_console(xd.hyp, c->domid, ring_ref, c->index == 0, &c->granted);
    if (!c->page) {
        syslog(LOG_WARNING, "%s (dom%u) console %u: cannot map ring %llu: %m", c->name, c->domid,
               c->index, (unsigned long long)ring_ref);
        c->state = CONSOLE_WAITING;
        return -1;
    }
    int lp = hyp_bind(xd.hyp, c->domid, port);
    if (lp < 0) {
        syslog(LOG_WARNING, "%s (dom%u) console %u: cannot bind port %u: %m", c->name, c->domid,
               c->index, port);
        disconnect(c);
        c->state = CONSOLE_WAITING;
        return -1;
    }
    c->local_port = lp;
    xd.by_port[lp] = c;
    /* First connect of this console by this daemon to a ring a backend
     * already served: the daemon restarted (or took over). */
    bool restarted = c->state != CONSOLE_RUNNING && c->bytes_out == 0 && ring_was_served(c->page);
    ring_set_connected(c->page);
    c->state = CONSOLE_RUNNING;
    console_log_event(c, "console %u attached", c->index);
    if (restarted) {
        console_log_event(c, "xcmuxd restarted: found the ring as a previous daemon left "
                             "it; output it had not read yet follows");
        /* How the previous daemon ended is the state file's word
         * (runstate.h), read once at start. */
        console_log_event(c, "%s",
                          xd.previous == RUNSTATE_CLEAN
                              ? "the previous daemon stopped cleanly: its sessions were told "
                                "and ended"
                          : xd.previous == RUNSTATE_UNCLEAN
                              ? "the previous daemon did not stop cleanly (killed or crashed): "
                                "sessions attached to it were lost without notice"
                              : "no record of an xcmuxd on this socket since boot: another "
                                "backend (such as xenconsoled) served the ring; sessions "
                                "attached to it, if any, were lost");
    }
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
    console_broadcast(c, NULL, XP_N_INFO, 0, "console of %s disabled: guest corrupted its ring",
                      c->name);
}

static void flush_input(struct console *c);

/* The queue of hotkey sequences exists only while it holds one: most
 * consoles never see a hotkey, and CONSOLE_ATOMIC_MAX slots of
 * XCMUX_HOTKEY_ARG_MAX bytes are not kept per console for nothing. */
static void release_atomic_queue(struct console *c)
{
    if (c->natomic == 0) {
        free(c->atomic);
        c->atomic = NULL;
    }
}

/* Hotkey sequences first, each whole or not at all; user input waits
 * behind them, so a sequence that needs room cannot be starved by typing
 * and is never split. Returns false when user input must wait. */
static bool flush_atomic(struct console *c)
{
    bool wrote = false;
    while (c->natomic > 0 && c->page) {
        struct console_atomic *a = &c->atomic[0];
        ssize_t w = ring_write_in(c->page, a->bytes, a->len, true);
        if (w == RING_CORRUPT) {
            console_mark_corrupt(c);
            return false;
        }
        if (w != (ssize_t)a->len)
            break;
        uint32_t id = a->id;
        c->natomic--;
        memmove(&c->atomic[0], &c->atomic[1], c->natomic * sizeof(c->atomic[0]));
        release_atomic_queue(c);
        wrote = true;
        events_emit(XE_INJECTED, &(struct xd_event_info){.c = c, .id = id});
    }
    if (wrote && c->local_port >= 0)
        hyp_notify(xd.hyp, c->local_port);
    return c->natomic == 0 && c->page;
}

int console_inject_atomic(struct console *c, uint32_t id, const uint8_t *bytes, size_t len)
{
    if (c->state != CONSOLE_RUNNING || c->natomic >= CONSOLE_ATOMIC_MAX || len == 0 ||
        len > sizeof(c->atomic[0].bytes) || len > RING_IN_SIZE)
        return -1;
    if (!c->atomic) {
        c->atomic = malloc(CONSOLE_ATOMIC_MAX * sizeof(c->atomic[0]));
        if (!c->atomic)
            return -1;
    }
    struct console_atomic *a = &c->atomic[c->natomic++];
    a->id = id;
    a->len = (uint16_t)len;
    memcpy(a->bytes, bytes, len);
    flush_input(c);
    return 0;
}

void console_inject_cancel(struct console *c, uint32_t id)
{
    for (unsigned i = 0; i < c->natomic; i++) {
        if (c->atomic[i].id != id)
            continue;
        c->natomic--;
        memmove(&c->atomic[i], &c->atomic[i + 1], (c->natomic - i) * sizeof(c->atomic[0]));
        release_atomic_queue(c);
        return;
    }
}

/* Write queued input as far as the ring takes it. */
static void flush_input(struct console *c)
{
    if (!flush_atomic(c))
        return;
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

/* Queue filtered user bytes; returns how many did not fit. */
static size_t queue_input(struct console *c, const uint8_t *bytes, size_t len)
{
    size_t queued = evbuffer_get_length(c->inq);
    size_t room = queued < CONSOLE_INPUT_MAX ? CONSOLE_INPUT_MAX - queued : 0;
    size_t take = len < room ? len : room;
    if (take)
        evbuffer_add(c->inq, bytes, take);
    if (take < len)
        c->input_refused += len - take;
    return len - take;
}

/* Only xcmuxd injects hotkeys: a sequence in user input is a forgery. */
static void drop_forged(struct console *c, struct console_reader *from, const struct hkf_hotkey *hk)
{
    c->input_forged++;
    const char *who = from ? from->ops->who(from) : "the pty";
    console_log_event(c, "dropped a hotkey sequence (key %c) typed by %s", hk->key, who);
    if (from && from->ops->notice)
        from->ops->notice(from, XP_N_INFO, 0,
                          "dropped a hotkey sequence from your input: "
                          "hotkeys are fired with the escape character and the key");
}

size_t console_input_from(struct console *c, const uint8_t *bytes, size_t len,
                          struct console_reader *from)
{
    if (c->state != CONSOLE_RUNNING)
        return 0;
    if (c->hypervisor)
        return hvcon_input(c, bytes, len, from);
    /* One filter per console over everything users type, since the guest
     * sees all writers' input as one stream. */
    enum {
        CHUNK = 1024
    };
    uint8_t out[CHUNK + HKF_MAX_SEQ];
    size_t refused = 0, left = len;
    while (left > 0) {
        size_t outlen = 0;
        struct hkf_hotkey hk;
        int have = 0;
        size_t n = hkf_feed(&c->input_filter, bytes, left < CHUNK ? left : CHUNK, out, &outlen, &hk,
                            &have);
        refused += queue_input(c, out, outlen);
        if (have)
            drop_forged(c, from, &hk);
        bytes += n;
        left -= n;
    }
    /* Held prefix bytes go out now (a lone ESC must not lag), but the
     * filter keeps matching: if a user completes the sequence later, the
     * rest is dropped and the guest sees only a harmless partial prefix. */
    size_t held = hkf_release(&c->input_filter, out);
    refused += queue_input(c, out, held);
    flush_input(c);
    return refused < len ? len - refused : 0;
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

static void append_output(struct console *c, const uint8_t *data, size_t n)
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

static void offer_output(struct console *c, size_t n)
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
    append_output(c, data, n);
    offer_output(c, n);
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
                struct timeval tv = xr_ms_to_timeval(ms);
                c->throttled = true;
                evtimer_add(c->rl_timer, &tv);
                break;
            }
        }
        ssize_t n = ring_peek_out(c->page, tmp, want);
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
        /* Logged before the ring space is released: a daemon killed in
         * between leaves the bytes in the ring for its successor. */
        append_output(c, tmp, (size_t)n);
        ring_consume_out(c->page, (size_t)n);
        /* Tell the guest there is room as soon as it exists. */
        hyp_notify(xd.hyp, c->local_port);
        total += (size_t)n;
        more = (size_t)n == want;
    }
    if (total)
        offer_output(c, total);
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
    if (c->hypervisor) {
        hvcon_event(c);
        return;
    }
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
    release_atomic_queue(c);
    /* At shutdown the guest lives on: "xcmuxd stopping" is the last word. */
    if (!xd.shutting_down)
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
    disconnect(c);
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
    config_for_domain(xd.cfg, c->name, &c->cfg);
    if (c->hypervisor)
        hvcon_adjust_cfg(&c->cfg);
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
    if (old.pty != c->cfg.pty)
        pty_mode_changed(c, old.pty);
    /* Narrowed ACLs apply to the sessions already attached, now. */
    events_emit(XE_CONSOLE_RECONFIGURED, &(struct xd_event_info){.c = c});
}
