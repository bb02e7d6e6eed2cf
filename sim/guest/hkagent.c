// SPDX-License-Identifier: GPL-2.0-or-later
/* The guest's hotkey agent; see hkagent.h for the contract. */
#include "sim/guest/hkagent.h"

#include <errno.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/rules.h"
#include "protocol/hkfilter.h"

#define REG_WINDOW  8u  /* registry writes in flight */
#define REG_GIVE_UP 64u /* consecutive refusals before skipping */
#define RETRY_MS    5
#define INPUT_CHUNK 256u

struct pending_ack {
    uint32_t id;
    bool known;
    uint64_t due_ms;
};

struct hkagent {
    struct hka_env env;
    struct hkf filter;
    struct event *kick_ev, *retry_ev, *hold_ev, *ack_ev;

    /* registry job */
    unsigned reg_total, reg_next, reg_node, reg_inflight, reg_refused_run;
    bool reg_skipped, version_queued;
    uint64_t reg_errors;

    bool clear_request; /* write data/xcmux/request back to "" */
    struct pending_ack acks[HKA_MAX_ACKS];
    unsigned ack_head, ack_len;

    struct hka_stats stats;
};

static void log_msg(const struct hkagent *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void log_msg(const struct hkagent *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "xensim-guestd: dom%u: hotkeys: ", a->env.domid);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void arm_ms(struct event *ev, uint64_t ms)
{
    struct timeval tv = xr_ms_to_timeval(ms);
    evtimer_add(ev, &tv);
}

static void pump(struct hkagent *a);

/* ---- registry ----------------------------------------------------------- */

static void reg_written(void *ctx, uint32_t type, const char *payload, uint32_t len)
{
    struct hkagent *a = ctx;
    a->reg_inflight--;
    if (type == XS_WRITE) {
        a->reg_refused_run = 0;
    } else {
        if (a->reg_errors++ == 0)
            log_msg(a, "registry write refused: %.*s", (int)(len < 64 ? len : 64), payload);
        if (++a->reg_refused_run >= REG_GIVE_UP && !a->reg_skipped && a->reg_next < a->reg_total) {
            log_msg(a, "%u refusals in a row: skipping entries %u..%u", REG_GIVE_UP, a->reg_next,
                    a->reg_total - 1);
            a->reg_skipped = true;
            a->reg_next = a->reg_total;
        }
    }
    pump(a);
}

static void label_written(void *ctx, uint32_t type, const char *payload, uint32_t len)
{
    struct hkagent *a = ctx;
    if (type == XS_WRITE)
        a->stats.registered++;
    reg_written(ctx, type, payload, len);
}

static void version_written(void *ctx, uint32_t type, const char *payload, uint32_t len)
{
    struct hkagent *a = ctx;
    if (type == XS_WRITE) {
        a->stats.version_written = true;
        log_msg(a,
                "registry of %u entries: %llu labels written, %llu writes "
                "refused",
                a->reg_total, (unsigned long long)a->stats.registered,
                (unsigned long long)a->reg_errors);
    } else {
        log_msg(a, "version write refused: %.*s", (int)(len < 64 ? len : 64), payload);
    }
}

/* Queue the next registry write; false when nothing could be queued. */
static bool reg_step(struct hkagent *a)
{
    if (a->reg_next >= a->reg_total) {
        if (a->reg_total && !a->version_queued && a->reg_inflight == 0) {
            if (xsr_write(a->env.xs, "data/xcmux/hotkeys/version", "1", version_written, a) < 0)
                return false;
            a->version_queued = true;
            return true;
        }
        return false;
    }
    if (a->reg_inflight >= REG_WINDOW)
        return false;
    struct hk_def def;
    hk_registry_entry(a->env.spec, a->reg_next, &def);
    char path[96];
    const char *value;
    xsr_reply_fn fn = reg_written;
    switch (a->reg_node) {
    case 0:
        snprintf(path, sizeof(path), "data/xcmux/hotkeys/%s/label", def.name);
        value = def.label;
        fn = label_written;
        break;
    case 1:
        snprintf(path, sizeof(path), "data/xcmux/hotkeys/%s/delivery", def.name);
        value = def.delivery == HK_XENSTORE ? "xenstore" : "inject";
        break;
    default:
        snprintf(path, sizeof(path), "data/xcmux/hotkeys/%s/callback", def.name);
        value = def.callback;
        break;
    }
    if (xsr_write(a->env.xs, path, value, fn, a) < 0)
        return false;
    a->reg_inflight++;
    if (++a->reg_node == 3 || (a->reg_node == 2 && !def.callback[0])) {
        a->reg_node = 0;
        a->reg_next++;
    }
    return true;
}

/* ---- acks and the request node ----------------------------------------- */

static void ack_written(void *ctx, uint32_t type, const char *payload, uint32_t len)
{
    struct hkagent *a = ctx;
    if (type == XS_WRITE)
        a->stats.acks_sent++;
    else
        log_msg(a, "ack refused: %.*s", (int)(len < 64 ? len : 64), payload);
    pump(a);
}

static void clear_written(void *ctx, uint32_t type, const char *payload, uint32_t len)
{
    struct hkagent *a = ctx;
    if (type != XS_WRITE)
        log_msg(a, "cannot write %s back: %.*s", HKA_REQUEST_NODE, (int)(len < 64 ? len : 64),
                payload);
    pump(a);
}

static void queue_ack(struct hkagent *a, uint32_t id, bool known)
{
    if (a->env.spec->no_ack)
        return;
    if (a->ack_len == HKA_MAX_ACKS) {
        log_msg(a, "ack queue full: not acknowledging %u", id);
        return;
    }
    a->acks[(a->ack_head + a->ack_len++) % HKA_MAX_ACKS] = (struct pending_ack){
        .id = id,
        .known = known,
        .due_ms = now_ms() + a->env.spec->ack_delay_ms,
    };
}

/* Queue what is due, most urgent first. */
static void pump(struct hkagent *a)
{
    bool busy = false;
    if (a->clear_request) {
        if (xsr_write(a->env.xs, HKA_REQUEST_NODE, "", clear_written, a) == 0)
            a->clear_request = false;
        else
            busy = true;
    }
    while (!busy && a->ack_len) {
        struct pending_ack *p = &a->acks[a->ack_head];
        uint64_t now = now_ms();
        if (p->due_ms > now) {
            arm_ms(a->ack_ev, p->due_ms - now);
            break;
        }
        char value[32];
        snprintf(value, sizeof(value), "%u %s", p->id, p->known ? "ok" : "unknown");
        if (xsr_write(a->env.xs, HKA_ACK_NODE, value, ack_written, a) < 0) {
            busy = true;
            break;
        }
        a->ack_head = (a->ack_head + 1) % HKA_MAX_ACKS;
        a->ack_len--;
    }
    while (!busy && reg_step(a))
        ;
    /* reg_step stops on a full window (its replies pump again) or on
     * EBUSY from the client; only the latter needs the timer. */
    if (busy || (a->reg_next < a->reg_total && a->reg_inflight == 0) ||
        (a->reg_next >= a->reg_total && a->reg_total && !a->version_queued && a->reg_inflight == 0))
        arm_ms(a->retry_ev, RETRY_MS);
    event_active(a->kick_ev, EV_TIMEOUT, 0);
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
    struct hkagent *a = arg;
    /* Outside any reply callback: safe to run the client. */
    xsr_service(a->env.xs);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    pump(arg);
}

/* ---- running a hotkey ---------------------------------------------------- */

static void dump(struct hkagent *a, const char *prefix)
{
    struct hk_dump_info info = {.domid = a->env.domid};
    char buf[HK_DUMP_MAX];
    unsigned frames;
    a->env.info(a->env.ctx, &info);
    info.hotkeys_received = a->stats.hotkeys_received;
    size_t n = hk_dump(prefix, &info, buf, &frames);
    a->env.out(a->env.ctx, buf, n);
}

static void run_hotkey(struct hkagent *a, uint8_t key, uint32_t id, const char *via)
{
    struct hk_def def;
    bool known = hk_lookup(a->env.spec, key, &def);
    a->stats.hotkeys_received++;
    log_msg(a, "hotkey %c id %u via %s: %s", key, id, via, known ? "running" : "unknown");
    if (known)
        dump(a, def.callback);
    queue_ack(a, id, known);
    pump(a);
}

void hka_debug_dump(struct hkagent *a)
{
    dump(a, "");
}

static void request_read(void *ctx, uint32_t type, const char *payload, uint32_t len)
{
    struct hkagent *a = ctx;
    uint8_t key;
    uint32_t id;
    if (type != XS_READ || len == 0 || payload[0] == '\0')
        return; /* absent (first watch event) or our own write-back */
    bool valid = strlen(payload) == len && hk_parse_request(payload, &key, &id) == 0;
    if (!valid)
        log_msg(a, "malformed request '%.32s' ignored", payload);
    a->clear_request = true;
    if (valid)
        run_hotkey(a, key, id, "xenstore");
    else
        pump(a);
}

bool hka_on_watch(struct hkagent *a, const char *path, const char *token)
{
    if (strcmp(token, HKA_WATCH_TOKEN) != 0)
        return false;
    if (xsr_read(a->env.xs, HKA_REQUEST_NODE, request_read, a) < 0)
        log_msg(a, "cannot read %s: %s", HKA_REQUEST_NODE, strerror(errno));
    return true;
}

/* ---- console input --------------------------------------------------------- */

static void on_hold_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct hkagent *a = arg;
    uint8_t out[HKF_MAX_SEQ];
    size_t n = hkf_flush(&a->filter, out);
    if (n)
        a->env.shell(a->env.ctx, (const char *)out, n);
}

void hka_input(struct hkagent *a, const char *buf, size_t len)
{
    const uint8_t *in = (const uint8_t *)buf;
    while (len) {
        uint8_t out[INPUT_CHUNK + HKF_MAX_SEQ];
        size_t outlen, chunk = len < INPUT_CHUNK ? len : INPUT_CHUNK;
        struct hkf_hotkey hk;
        int have;
        size_t n = hkf_feed(&a->filter, in, chunk, out, &outlen, &hk, &have);
        if (outlen)
            a->env.shell(a->env.ctx, (const char *)out, outlen);
        if (have)
            run_hotkey(a, hk.key, hk.id, "inject");
        in += n;
        len -= n;
    }
    if (hkf_held(&a->filter))
        arm_ms(a->hold_ev, HKA_HOLD_MS);
    else
        evtimer_del(a->hold_ev);
}

/* ---- lifecycle -------------------------------------------------------------- */

static void watch_set(void *ctx, uint32_t type, const char *payload, uint32_t len)
{
    struct hkagent *a = ctx;
    if (type != XS_WATCH)
        log_msg(a, "watch %s failed: %.*s", HKA_REQUEST_NODE, (int)(len < 64 ? len : 64), payload);
}

struct hkagent *hka_new(const struct hka_env *env)
{
    struct hkagent *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->env = *env;
    hkf_init(&a->filter);
    a->reg_total = hk_registry_size(env->spec);
    a->kick_ev = event_new(env->base, -1, 0, on_kick, a);
    a->retry_ev = evtimer_new(env->base, on_retry, a);
    a->hold_ev = evtimer_new(env->base, on_hold_timeout, a);
    a->ack_ev = evtimer_new(env->base, on_retry, a);
    if (!a->kick_ev || !a->retry_ev || !a->hold_ev || !a->ack_ev) {
        hka_free(a);
        return NULL;
    }
    return a;
}

void hka_free(struct hkagent *a)
{
    if (!a)
        return;
    if (a->kick_ev)
        event_free(a->kick_ev);
    if (a->retry_ev)
        event_free(a->retry_ev);
    if (a->hold_ev)
        event_free(a->hold_ev);
    if (a->ack_ev)
        event_free(a->ack_ev);
    free(a);
}

int hka_start(struct hkagent *a)
{
    if (xsr_watch(a->env.xs, HKA_REQUEST_NODE, HKA_WATCH_TOKEN, watch_set, a) < 0)
        return -1;
    pump(a);
    return 0;
}

void hka_get_stats(const struct hkagent *a, struct hka_stats *out)
{
    *out = a->stats;
}
