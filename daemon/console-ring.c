/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * console-ring.c — the PV console ring backend (console-backend.h): a
 * guest's xencons_interface page and its event channel, the console
 * xenconsoled serves. Maps and binds through the xen port (hyp.h),
 * drains within the rate limit, writes input (hotkey sequences first,
 * whole), publishes the compatibility pty in console/tty.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "common/rules.h"
#include "daemon/console-backend.h"
#include "daemon/console.h"
#include "daemon/events.h"
#include "daemon/log.h"
#include "daemon/pty.h"
#include "daemon/ring.h"
#include "daemon/runstate.h"
#include "protocol/xcmux-proto.h"

/* One drain pass reads at most this much before yielding to the loop, so
 * a flooding guest cannot starve other consoles. */
#define DRAIN_BUDGET (64u * 1024u)

static void flush_input(struct console *c);

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
        console_release_atomic(c);
        wrote = true;
        events_emit(XE_INJECTED, &(struct xd_event_info){.c = c, .id = id});
    }
    if (wrote && c->local_port >= 0)
        hyp_notify(xd.hyp, c->local_port);
    return c->natomic == 0 && c->page;
}

static int ring_inject(struct console *c, uint32_t id, const uint8_t *bytes, size_t len)
{
    if (c->natomic >= CONSOLE_ATOMIC_MAX || len == 0 || len > sizeof(c->atomic[0].bytes) ||
        len > RING_IN_SIZE)
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
    return len - console_queue_input(c, bytes, len);
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

static size_t ring_input(struct console *c, const uint8_t *bytes, size_t len,
                         struct console_reader *from)
{
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
                console_throttle(c, ratelimit_wait_ms(&c->rl, xd_now_ms()));
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
            ratelimit_refund(&c->rl, want - (size_t)n);
        }
        if (n == 0)
            break;
        /* Logged before the ring space is released: a daemon killed in
         * between leaves the bytes in the ring for its successor. */
        console_append(c, tmp, (size_t)n);
        ring_consume_out(c->page, (size_t)n);
        /* Tell the guest there is room as soon as it exists. */
        hyp_notify(xd.hyp, c->local_port);
        total += (size_t)n;
        more = (size_t)n == want;
    }
    if (total)
        console_offer(c, total);
    if (c->throttled)
        return false;
    if (total >= DRAIN_BUDGET) {
        /* Budget spent with more to read: yield, and come back on the next
         * loop iteration via a zero timer (port stays masked meanwhile). */
        console_throttle(c, 0);
        return false;
    }
    return true;
}

static void ring_event(struct console *c)
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

static void ring_close(struct console *c)
{
    disconnect(c);
}

static void ring_reconfigured(struct console *c, const struct console_cfg *old)
{
    if (old->pty != c->cfg.pty)
        pty_mode_changed(c, old->pty);
}

static const char *ring_describe(const struct console *c)
{
    return c->pty ? pty_path(c->pty) : NULL;
}

static const struct console_backend ring_backend = {
    .kind = "ring",
    .hotkeys = true,
    .event = ring_event,
    .input = ring_input,
    .inject = ring_inject,
    .close = ring_close,
    .reconfigured = ring_reconfigured,
    .describe = ring_describe,
};

struct console *console_new(struct domain *dom, uint32_t domid, const char *name, unsigned index,
                            const char *xs_dir)
{
    return console_create(&ring_backend, dom, domid, name, index, xs_dir);
}
