/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hotkey.c — firing hotkeys, the guest registry and acknowledgements (see
 * hotkey.h for the contract, protocol/HOTKEYS.md for the guest side).
 *
 * Watch tokens are "<kind><domid>/<console index>" with kind h (registry,
 * primary console only), a (data/xcmux/ack) or y (control/sysrq); the ack
 * and sysrq watches are set up the first time a console needs them, the
 * registry's the first time its table is wanted, so guests nobody uses
 * hotkeys on cost no watch and no read.
 */
#include "daemon/hotkey.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <event2/event.h>

#include "common/rules.h"
#include "daemon/console-backend.h"
#include "daemon/console.h"
#include "daemon/domain.h"
#include "daemon/events.h"
#include "daemon/watch.h"
#include "daemon/hyp.h"
#include "daemon/parse.h"
#include "daemon/session.h"
#include "protocol/hkfilter.h"
#include "protocol/xcmux-proto.h"

#define REGISTRY_DIR "data/xcmux/hotkeys"
#define ACK_NODE     "data/xcmux/ack"
#define REQUEST_NODE "data/xcmux/request"
#define SYSRQ_NODE   "control/sysrq"

enum req_kind {
    REQ_GUEST,  /* waits for data/xcmux/ack with its id */
    REQ_INJECT, /* config inject: done once written */
    REQ_SYSRQ,  /* waits for control/sysrq to be emptied */
};

struct hk_req {
    TAILQ_ENTRY(hk_req) link;
    struct hotkeys *hk;
    enum req_kind kind;
    uint32_t id;
    uint8_t key;
    bool queued; /* sequence still in the console's queue */
    char label[XCMUX_HOTKEY_LABEL_MAX + 1];
    char who[96];
    struct session *waiter; /* TRIGGER session, or NULL */
    struct event *timer;
};

struct hotkeys {
    struct console *c;
    uint32_t domid;
    unsigned index;
    char dompath[64];
    bool watch_registry, watch_ack, watch_sysrq;
    /* Allocated only when used: most guests register no hotkeys and
     * nobody fires any, and a console's memory is kept small. */
    struct guest_registry *reg; /* NULL: the guest registered none */
    struct event *reread;
    uint64_t last_read_ms;
    bool warned_registry;
    struct hotkey_bucket *bucket;      /* HOTKEY_KEYS, one per key, from the first fire */
    struct hotkey_bucket break_bucket; /* escape b: the next key as SysRq */
    TAILQ_HEAD(, hk_req) pending;
    unsigned npending;
};

static uint32_t next_id;

static uint32_t new_id(void)
{
    if (next_id == 0) {
        /* Unlikely to repeat an id of the previous daemon run, whose
         * ack may still sit in the guest's ack node. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        next_id = (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
    }
    if (++next_id == 0)
        next_id = 1;
    return next_id;
}

static void token_for(const struct hotkeys *hk, char kind, char *out, size_t len)
{
    snprintf(out, len, "%c%u/%u", kind, hk->domid, hk->index);
}

static void node_path(const struct hotkeys *hk, const char *rel, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", hk->dompath, rel);
}

static bool watch_node(struct hotkeys *hk, char kind, const char *rel, bool *flag)
{
    if (*flag)
        return true;
    char path[HYP_PATH_MAX], token[32];
    node_path(hk, rel, path, sizeof(path));
    token_for(hk, kind, token, sizeof(token));
    if (hyp_watch(xd.hyp, path, token) < 0) {
        syslog(LOG_WARNING, "%s: cannot watch %s: %m", hk->c->name, path);
        return false;
    }
    *flag = true;
    return true;
}

static void unwatch_node(struct hotkeys *hk, char kind, const char *rel, bool *flag)
{
    if (!*flag)
        return;
    char path[HYP_PATH_MAX], token[32];
    node_path(hk, rel, path, sizeof(path));
    token_for(hk, kind, token, sizeof(token));
    hyp_unwatch(xd.hyp, path, token);
    *flag = false;
}

/* ---- notices ------------------------------------------------------------ */

static void tell_console(struct console *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void tell_console(struct console *c, const char *fmt, ...)
{
    char msg[XP_MAX_NOTICE_TEXT + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    console_broadcast(c, NULL, XP_N_INFO, 0, "%s", msg);
    console_log_event(c, "%s", msg);
}

static void timeout_text(unsigned ms, char *out, size_t len)
{
    if (ms % 1000 == 0)
        snprintf(out, len, "%u s", ms / 1000);
    else
        snprintf(out, len, "%u ms", ms);
}

/* ---- requests ------------------------------------------------------------ */

static void req_finish(struct hk_req *r, unsigned code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void req_finish(struct hk_req *r, unsigned code, const char *fmt, ...)
{
    struct hotkeys *hk = r->hk;
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    TAILQ_REMOVE(&hk->pending, r, link);
    hk->npending--;
    if (r->queued)
        console_inject_cancel(hk->c, r->id);
    event_free(r->timer);
    char text[XP_MAX_NOTICE_TEXT + 1];
    snprintf(text, sizeof(text), "hotkey %c (%s) fired by %s: %s", r->key, r->label, r->who, what);
    tell_console(hk->c, "%s", text);
    if (r->waiter) {
        struct session *w = r->waiter;
        r->waiter = NULL;
        w->hotkey_wait = NULL;
        session_trigger_result(w, code, text);
    }
    free(r);
}

static void req_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct hk_req *r = arg;
    char t[32];
    timeout_text(r->hk->c->cfg.ack_timeout_ms, t, sizeof(t));
    if (r->queued)
        req_finish(r, XP_TR_FIRED_NO_ACK,
                   "not delivered: the guest's input ring stayed full for %s", t);
    else
        req_finish(r, XP_TR_FIRED_NO_ACK, "no acknowledgement from the guest within %s", t);
}

static struct hk_req *req_new(struct hotkeys *hk, enum req_kind kind, const struct hotkey_entry *e,
                              struct session *s)
{
    struct hk_req *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->timer = evtimer_new(xd.base, req_timeout, r);
    if (!r->timer) {
        free(r);
        return NULL;
    }
    r->hk = hk;
    r->kind = kind;
    r->id = new_id();
    r->key = e->key;
    snprintf(r->label, sizeof(r->label), "%s", e->label);
    snprintf(r->who, sizeof(r->who), "%s", session_who(s));
    unsigned ms = hk->c->cfg.ack_timeout_ms;
    struct timeval tv = xr_ms_to_timeval(ms);
    evtimer_add(r->timer, &tv);
    TAILQ_INSERT_TAIL(&hk->pending, r, link);
    hk->npending++;
    return r;
}

static struct hk_req *req_by_id(struct hotkeys *hk, uint32_t id)
{
    struct hk_req *r;
    TAILQ_FOREACH (r, &hk->pending, link)
        if (r->id == id)
            return r;
    return NULL;
}

void hotkey_injected(struct console *c, uint32_t id)
{
    if (!c->hk)
        return;
    struct hk_req *r = req_by_id(c->hk, id);
    if (!r)
        return;
    r->queued = false;
    if (r->kind == REQ_INJECT)
        req_finish(r, XP_TR_FIRED_NO_ACK, "injected into the console input");
}

void hotkey_forget_session(struct session *s)
{
    struct hk_req *r = s->hotkey_wait;
    if (r && r->waiter == s)
        r->waiter = NULL;
    s->hotkey_wait = NULL;
}

/* ---- the guest registry ----------------------------------------------------- */

/* Read one node of the registry entry for KEY; NULL when absent, "" when
 * invalid (too long): the caller rejects it then. */
static const char *read_entry_node(struct hotkeys *hk, uint8_t key, const char *leaf, char *buf,
                                   size_t len, bool *bad)
{
    char path[HYP_PATH_MAX];
    snprintf(path, sizeof(path), "%s/" REGISTRY_DIR "/%c/%s", hk->dompath, key, leaf);
    if (hyp_read(xd.hyp, path, buf, len) >= 0)
        return buf;
    if (errno != ENOENT)
        *bad = true;
    return NULL;
}

static void registry_read(struct hotkeys *hk)
{
    /* Without a store nothing can be read: keep what was registered;
     * the watch set again on reconnect reads it afresh. */
    if (!hyp_store_up(xd.hyp))
        return;
    struct guest_registry reg;
    memset(&reg, 0, sizeof(reg));
    unsigned ignored = 0, excess = 0;
    char path[HYP_PATH_MAX], buf[16];
    node_path(hk, REGISTRY_DIR "/version", path, sizeof(path));
    bool versioned = hyp_read(xd.hyp, path, buf, sizeof(buf)) >= 0 && strcmp(buf, "1") == 0;
    if (versioned) {
        /* hyp_directory keeps what fits: a guest listing 100k children
         * costs us this buffer, and only 1-character names are read. */
        static char list[4096];
        node_path(hk, REGISTRY_DIR, path, sizeof(path));
        int n = hyp_directory(xd.hyp, path, list, sizeof(list));
        bool probing = false;
        if (n < 0 && errno != ENOENT) {
            /* Too big to list (a guest can make it so within its
             * quota: oxenstored would send it whole, and only its
             * own throwaway connection died of it): the only names
             * that can be valid are the 58 keys, so ask for those. */
            if (!hk->warned_registry) {
                hk->warned_registry = true;
                console_log_event(hk->c,
                                  "guest hotkey registry cannot be listed (%s): "
                                  "looking up the valid keys one by one",
                                  strerror(errno));
            }
            probing = true;
            n = 0;
            for (unsigned k = 0; k < 256; k++)
                if (hotkey_key_valid((uint8_t)k)) {
                    list[2 * n] = (char)k;
                    list[2 * n + 1] = '\0';
                    n++;
                }
        }
        const char *ent = list;
        for (int i = 0; i < n; i++, ent += strlen(ent) + 1) {
            if (strcmp(ent, "version") == 0)
                continue;
            if (ent[0] == '\0' || ent[1] != '\0' || !hotkey_key_valid((unsigned char)ent[0])) {
                ignored++;
                continue;
            }
            if (reg.n >= HOTKEY_GUEST_MAX) {
                excess++;
                continue;
            }
            uint8_t key = (uint8_t)ent[0];
            char label[HOTKEY_GUEST_TEXT_MAX + 2], delivery[16], cb[HOTKEY_GUEST_TEXT_MAX + 2];
            bool bad = false;
            const char *l = read_entry_node(hk, key, "label", label, sizeof(label), &bad);
            if (probing && !l && !bad)
                continue; /* no such key (or no label: invalid anyway) */
            const char *d = read_entry_node(hk, key, "delivery", delivery, sizeof(delivery), &bad);
            const char *k = read_entry_node(hk, key, "callback", cb, sizeof(cb), &bad);
            if (bad || guest_hotkey_parse(key, l, d, k, &reg.hk[reg.n]) < 0) {
                ignored++;
                continue;
            }
            reg.n++;
        }
    }
    hk->last_read_ms = xd_now_ms();
    if ((ignored || excess) && !hk->warned_registry) {
        hk->warned_registry = true;
        console_log_event(hk->c,
                          "guest hotkey registry: %u invalid entr%s ignored, %u over "
                          "the limit of %d",
                          ignored, ignored == 1 ? "y" : "ies", excess, HOTKEY_GUEST_MAX);
    }
    bool changed = hk->reg ? memcmp(&reg, hk->reg, sizeof(reg)) != 0 : reg.n > 0;
    if (changed) {
        if (reg.n == 0) {
            free(hk->reg);
            hk->reg = NULL;
        } else if (!hk->reg && !(hk->reg = malloc(sizeof(*hk->reg)))) {
            console_log_event(hk->c, "guest hotkeys ignored: out of memory");
            return;
        }
        if (hk->reg)
            *hk->reg = reg;
        console_log_event(hk->c, "guest registered %u hotkey%s%s", reg.n, reg.n == 1 ? "" : "s",
                          versioned || reg.n ? "" : " (no version 1 registry)");
    }
}

static void reread_cb(evutil_socket_t fd, short what, void *arg)
{
    registry_read(arg);
}

/* Coalesce: however many watch events arrive, read at most once per
 * HOTKEY_REREAD_MS (and never inside the watch loop itself). */
static void registry_changed(struct hotkeys *hk)
{
    if (evtimer_pending(hk->reread, NULL))
        return;
    uint64_t now = xd_now_ms(), due = hk->last_read_ms + HOTKEY_REREAD_MS;
    uint64_t wait = hk->last_read_ms && due > now ? due - now : 0;
    struct timeval tv = xr_ms_to_timeval(wait);
    evtimer_add(hk->reread, &tv);
}

/* ---- acknowledgements ---------------------------------------------------- */

static void ack_changed(struct hotkeys *hk)
{
    char path[HYP_PATH_MAX], buf[HOTKEY_ACK_TEXT_MAX + 32];
    node_path(hk, ACK_NODE, path, sizeof(path));
    if (hyp_read(xd.hyp, path, buf, sizeof(buf)) < 0)
        return;
    uint32_t id;
    enum ack_status st;
    char text[HOTKEY_ACK_TEXT_MAX + 1];
    if (hotkey_parse_ack(buf, &id, &st, text, sizeof(text)) < 0)
        return;
    struct hk_req *r = req_by_id(hk, id);
    if (!r || r->kind != REQ_GUEST)
        return; /* stale, unknown or someone else's id */
    const char *name = st == ACK_OK ? "ok" : st == ACK_UNKNOWN ? "unknown" : "error";
    req_finish(r, st == ACK_OK ? XP_TR_FIRED_ACKED : XP_TR_FIRED_NO_ACK, "acknowledged (%s%s%s)",
               name, text[0] ? ": " : "", text);
}

static void sysrq_changed(struct hotkeys *hk)
{
    char path[HYP_PATH_MAX], buf[16];
    node_path(hk, SYSRQ_NODE, path, sizeof(path));
    ssize_t n = hyp_read(xd.hyp, path, buf, sizeof(buf));
    if (n != 0)
        return; /* our own write, or absent */
    struct hk_req *r, *next;
    for (r = TAILQ_FIRST(&hk->pending); r; r = next) {
        next = TAILQ_NEXT(r, link);
        if (r->kind == REQ_SYSRQ)
            req_finish(r, XP_TR_FIRED_ACKED, "acknowledged (sysrq handled)");
    }
}

bool hotkey_watch_event(const char *path, const char *token)
{
    char kind = token[0];
    if (kind != 'h' && kind != 'a' && kind != 'y')
        return false;
    char idbuf[16];
    const char *slash = strchr(token + 1, '/');
    size_t len = slash ? (size_t)(slash - token - 1) : 0;
    uint64_t id, index;
    /* Only "<kind><domid>/<index>" is ours; other tokens are left alone. */
    if (!slash || len == 0 || len >= sizeof(idbuf))
        return false;
    memcpy(idbuf, token + 1, len);
    idbuf[len] = '\0';
    if (parse_u64(idbuf, XD_MAX_DOMID - 1, &id) < 0 ||
        parse_u64(slash + 1, XCMUX_MAX_CONSOLES_PER_DOMAIN, &index) < 0)
        return false;
    struct domain *d = xd.by_domid[id];
    struct console *c = d ? d->con[index] : NULL;
    if (!c || !c->hk)
        return true;
    if (kind == 'h')
        registry_changed(c->hk);
    else if (kind == 'a')
        ack_changed(c->hk);
    else
        sysrq_changed(c->hk);
    return true;
}

/* ---- life cycle ------------------------------------------------------------ */

int hotkey_console_init(struct console *c)
{
    struct hotkeys *hk = calloc(1, sizeof(*hk));
    if (!hk)
        return -1;
    hk->reread = evtimer_new(xd.base, reread_cb, hk);
    if (!hk->reread) {
        free(hk);
        return -1;
    }
    hk->c = c;
    hk->domid = c->domid;
    hk->index = c->index;
    TAILQ_INIT(&hk->pending);
    if (!c->dom || hyp_domain_path(xd.hyp, c->domid, hk->dompath, sizeof(hk->dompath)) < 0)
        snprintf(hk->dompath, sizeof(hk->dompath), "/local/domain/%u", c->domid);
    c->hk = hk;
    return 0;
}

void hotkey_store_back(struct console *c)
{
    struct hotkeys *hk = c->hk;
    if (!hk)
        return;
    /* The old connection took these watches with it. */
    bool reg = hk->watch_registry, ack = hk->watch_ack, sysrq = hk->watch_sysrq;
    hk->watch_registry = hk->watch_ack = hk->watch_sysrq = false;
    /* The watch fires once when set: that first event reads the registry. */
    if (reg)
        watch_node(hk, 'h', REGISTRY_DIR, &hk->watch_registry);
    if (ack)
        watch_node(hk, 'a', ACK_NODE, &hk->watch_ack);
    if (sysrq)
        watch_node(hk, 'y', SYSRQ_NODE, &hk->watch_sysrq);
}

void hotkey_console_gone(struct console *c)
{
    struct hotkeys *hk = c->hk;
    if (!hk)
        return;
    struct hk_req *r;
    while ((r = TAILQ_FIRST(&hk->pending)))
        req_finish(r, XP_TR_FIRED_NO_ACK, "no acknowledgement: the guest went away");
    unwatch_node(hk, 'h', REGISTRY_DIR, &hk->watch_registry);
    unwatch_node(hk, 'a', ACK_NODE, &hk->watch_ack);
    unwatch_node(hk, 'y', SYSRQ_NODE, &hk->watch_sysrq);
    event_del(hk->reread);
    free(hk->reg);
    hk->reg = NULL;
}

void hotkey_console_free(struct console *c)
{
    if (!c->hk)
        return;
    hotkey_console_gone(c);
    event_free(c->hk->reread);
    free(c->hk->bucket);
    free(c->hk);
    c->hk = NULL;
}

/* What consoles announce (events.h). */
static void on_console_event(enum xd_event ev, const struct xd_event_info *info)
{
    struct console *c = info->c;
    switch (ev) {
    case XE_CONSOLE_NEW:
        /* Only a PV ring has a guest hotkey registry and a ring to inject
         * into (console-backend.h). */
        if (c->be->hotkeys && hotkey_console_init(c) < 0)
            syslog(LOG_WARNING, "%s: hotkeys unavailable: out of memory", c->name);
        break;
    case XE_CONSOLE_GONE:
        hotkey_console_gone(c);
        break;
    case XE_CONSOLE_FREE:
        hotkey_console_free(c);
        break;
    case XE_CONSOLE_RESYNC:
        hotkey_store_back(c);
        break;
    case XE_INJECTED:
        hotkey_injected(c, info->id);
        break;
    default:
        break;
    }
}

static void watch_event(const char *path, const char *token)
{
    hotkey_watch_event(path, token);
}

static const struct watch_client hotkey_watches = {
    .prefixes = "hay", /* registry, ack, sysrq: "<kind><domid>/<index>" */
    .event = watch_event,
};

void hotkey_subscribe(void)
{
    if (watch_register(&hotkey_watches) < 0)
        syslog(LOG_ERR, "hotkeys: watch tokens taken");
    static const enum xd_event evs[] = {XE_CONSOLE_NEW, XE_CONSOLE_GONE, XE_CONSOLE_FREE,
                                        XE_CONSOLE_RESYNC, XE_INJECTED};
    for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
        events_subscribe(evs[i], on_console_event);
}

/* ---- the table and firing --------------------------------------------------- */

/* The registry on first use: read now (the caller answers from it) and
 * watched from then on. Until the store is there, asked again next time. */
static void registry_wanted(struct console *c)
{
    struct hotkeys *hk = c->hk;
    if (!hk || c->index != 0 || hk->watch_registry || !c->cfg.guest_hotkeys ||
        !hyp_store_up(xd.hyp))
        return;
    if (watch_node(hk, 'h', REGISTRY_DIR, &hk->watch_registry))
        registry_read(hk);
}

unsigned hotkey_table(struct console *c, struct hotkey_entry *out, unsigned max)
{
    registry_wanted(c);
    const struct guest_registry *reg = c->hk && c->index == 0 ? c->hk->reg : NULL;
    return hotkey_merge(c->cfg.hotkeys, c->cfg.guest_hotkeys, reg, out, max);
}

static unsigned result(char *text, size_t len, unsigned code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static unsigned result(char *text, size_t len, unsigned code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, len, fmt, ap);
    va_end(ap);
    return code;
}

/* Outcomes known at once (actions without ack, or a failure to start):
 * every session on the console is told, and the caller gets the text. */
static unsigned done_now(struct console *c, const struct hotkey_entry *e, struct session *s,
                         char *text, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static unsigned done_now(struct console *c, const struct hotkey_entry *e, struct session *s,
                         char *text, size_t len, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    result(text, len, XP_TR_FIRED_NO_ACK, "hotkey %c (%s) fired by %s: %s", e->key, e->label,
           session_who(s), what);
    tell_console(c, "%s", text);
    return XP_TR_FIRED_NO_ACK;
}

static unsigned fired_now(struct console *c, const struct hotkey_entry *e, struct session *s,
                          int rc, const char *what, char *text, size_t len)
{
    int err = errno;
    return done_now(c, e, s, text, len, "%s%s%s", what, rc < 0 ? " failed: " : "",
                    rc < 0 ? strerror(err) : "");
}

static unsigned start_request(struct console *c, const struct hotkey_entry *e, struct session *s,
                              bool wait, char *text, size_t len)
{
    struct hotkeys *hk = c->hk;
    const struct hotkey_def *d = e->def;
    enum req_kind kind = d ? (d->action == HK_ACT_SYSRQ ? REQ_SYSRQ : REQ_INJECT) : REQ_GUEST;
    if (kind == REQ_GUEST && !watch_node(hk, 'a', ACK_NODE, &hk->watch_ack))
        return done_now(c, e, s, text, len, "not sent: cannot watch %s", ACK_NODE);
    if (kind == REQ_SYSRQ && !watch_node(hk, 'y', SYSRQ_NODE, &hk->watch_sysrq))
        return done_now(c, e, s, text, len, "not sent: cannot watch %s", SYSRQ_NODE);
    struct hk_req *r = req_new(hk, kind, e, s);
    if (!r)
        return done_now(c, e, s, text, len, "not sent: out of memory");
    if (wait) {
        r->waiter = s;
        s->hotkey_wait = r;
    }
    uint32_t id = r->id;
    char t[32];
    timeout_text(c->cfg.ack_timeout_ms, t, sizeof(t));
    tell_console(c, "hotkey %c (%s) fired by %s: %s (request %u, waiting up to %s)", e->key,
                 e->label, r->who,
                 kind == REQ_SYSRQ                            ? "sysrq written"
                 : kind == REQ_INJECT                         ? "injecting"
                 : e->guest.delivery == GUEST_DELIVERY_INJECT ? "sent to the guest (console input)"
                                                              : "sent to the guest (xenstore)",
                 id, t);

    char path[HYP_PATH_MAX];
    if (kind == REQ_SYSRQ) {
        char v[2] = {d->arg[0], '\0'};
        node_path(hk, SYSRQ_NODE, path, sizeof(path));
        if (hyp_write(xd.hyp, path, v) < 0)
            req_finish(r, XP_TR_FIRED_NO_ACK, "cannot write %s: %s", SYSRQ_NODE, strerror(errno));
        return 0;
    }
    if (kind == REQ_GUEST && e->guest.delivery == GUEST_DELIVERY_XENSTORE) {
        char v[32];
        snprintf(v, sizeof(v), "%c %u", e->guest.key, id);
        node_path(hk, REQUEST_NODE, path, sizeof(path));
        if (hyp_write(xd.hyp, path, v) < 0)
            req_finish(r, XP_TR_FIRED_NO_ACK, "cannot write %s: %s", REQUEST_NODE, strerror(errno));
        return 0;
    }
    uint8_t seq[XCMUX_HOTKEY_ARG_MAX];
    size_t n;
    if (kind == REQ_GUEST) {
        n = hkf_encode(e->guest.key, id, seq);
    } else {
        n = d->arg_len;
        memcpy(seq, d->arg, n);
    }
    r->queued = true;
    /* May complete (and free) r at once when the ring has room. */
    if (n == 0 || console_inject_atomic(c, id, seq, n) < 0) {
        r->queued = false;
        req_finish(r, XP_TR_FIRED_NO_ACK, "not delivered: console input unavailable");
    }
    return 0;
}

static unsigned fire_entry(struct console *c, const struct hotkey_entry *e, struct session *s,
                           bool wait, char *text, size_t textlen, bool is_break);

unsigned hotkey_fire(struct console *c, uint8_t key, struct session *s, bool wait, char *text,
                     size_t textlen)
{
    struct hotkey_entry table[HOTKEY_TABLE_MAX];
    unsigned n = hotkey_table(c, table, HOTKEY_TABLE_MAX);
    const struct hotkey_entry *e = NULL;
    for (unsigned i = 0; i < n; i++)
        if (table[i].key == key)
            e = &table[i];
    if (!e)
        return result(text, textlen, XP_TR_UNKNOWN_KEY, "no hotkey '%c' on %s",
                      key >= 0x20 && key < 0x7f ? key : '?', c->name);
    return fire_entry(c, e, s, wait, text, textlen, false);
}

unsigned hotkey_fire_sysrq(struct console *c, uint8_t sysrq, struct session *s, char *text,
                           size_t textlen)
{
    /* What a serial console's BREAK followed by a key does on Linux,
     * delivered the PV way (control/sysrq), under the hotkey ACL and a
     * rate limit of its own. */
    if (sysrq < 0x21 || sysrq > 0x7e)
        return result(text, textlen, XP_TR_UNKNOWN_KEY, "break: SysRq needs a printable key");
    struct hotkey_def d = {.key = sysrq, .action = HK_ACT_SYSRQ, .arg_len = 1};
    d.arg[0] = (char)sysrq;
    struct hotkey_entry e = {.key = sysrq, .source = XP_HK_SRC_CONFIG, .def = &d};
    snprintf(e.label, sizeof(e.label), "break + SysRq %c", sysrq);
    snprintf(e.action, sizeof(e.action), "sysrq:%c", sysrq);
    return fire_entry(c, &e, s, false, text, textlen, true);
}

static unsigned fire_entry(struct console *c, const struct hotkey_entry *e, struct session *s,
                           bool wait, char *text, size_t textlen, bool is_break)
{
    uint8_t key = e->key;
    if (!c->hk)
        return done_now(c, e, s, text, textlen, "hotkeys unavailable on %s", c->name);
    bool admin = console_access(&c->cfg, s->uid, s->gid, s->groups, s->ngroups) == ACCESS_ADMIN;
    if (e->def && e->def->action == HK_ACT_DEBUG_KEYS && !admin) {
        console_log_event(c, "hotkey %c denied to %s (debug-keys needs admin)", key,
                          session_who(s));
        return result(text, textlen, XP_TR_DENIED,
                      "hotkey %c (%s) is host-wide (debug-keys): admin only", key, e->label);
    }
    if (!hotkey_access(&c->cfg, s->uid, s->gid, s->groups, s->ngroups)) {
        console_log_event(c, "hotkey %c denied to %s (hotkey ACL)", key, session_who(s));
        return result(text, textlen, XP_TR_DENIED, "%s may not fire hotkeys on %s", s->user,
                      c->name);
    }
    struct hotkeys *hk = c->hk;
    if (hk->npending >= HOTKEY_PENDING_MAX)
        return result(text, textlen, XP_TR_DENIED, "too many hotkey requests pending on %s",
                      c->name);
    if (!is_break && !hk->bucket && !(hk->bucket = calloc(HOTKEY_KEYS, sizeof(*hk->bucket))))
        return result(text, textlen, XP_TR_DENIED, "hotkeys on %s: out of memory", c->name);
    uint64_t retry = 0;
    struct hotkey_bucket *bucket =
        is_break ? &hk->break_bucket : &hk->bucket[hotkey_key_index(key)];
    if (!hotkey_bucket_take(bucket, c->cfg.hotkey_rate_n, c->cfg.hotkey_rate_s, xd_now_ms(),
                            &retry)) {
        console_log_event(c, "hotkey %c by %s refused: rate limited", key, session_who(s));
        return result(text, textlen, XP_TR_DENIED,
                      "hotkey %c rate limited (%u per %u s): try again in %llu.%01llu s", key,
                      c->cfg.hotkey_rate_n, c->cfg.hotkey_rate_s,
                      (unsigned long long)(retry / 1000), (unsigned long long)(retry % 1000 / 100));
    }
    bool needs_ring = !e->def || e->def->action == HK_ACT_INJECT;
    /* A gone guest's xenstore paths must not be written (dom0 would
     * create nodes under a dead domain's home). */
    if ((c->state != CONSOLE_RUNNING && needs_ring) || !c->dom || c->state == CONSOLE_GONE)
        return done_now(c, e, s, text, textlen, "not delivered: the console is %s",
                        console_state_name(c->state));
    if (!e->def || e->def->action == HK_ACT_INJECT || e->def->action == HK_ACT_SYSRQ)
        return start_request(c, e, s, wait, text, textlen);

    const struct hotkey_def *d = e->def;
    char path[HYP_PATH_MAX + XCMUX_HOTKEY_ARG_MAX];
    switch (d->action) {
    case HK_ACT_NMI:
        return fired_now(c, e, s, hyp_send_nmi(xd.hyp, c->domid), "NMI sent", text, textlen);
    case HK_ACT_DEBUG_KEYS:
        syslog(LOG_NOTICE, "debug-keys '%s' sent by %s (hotkey %c on %s)", d->arg, session_who(s),
               key, c->name);
        return fired_now(c, e, s, hyp_debug_keys(xd.hyp, d->arg), "debug keys sent", text, textlen);
    case HK_ACT_XENSTORE:
        snprintf(path, sizeof(path), "%s/%s", hk->dompath, d->arg);
        return fired_now(c, e, s, hyp_write(xd.hyp, path, d->arg + d->value_off),
                         "xenstore node written", text, textlen);
    default:
        return done_now(c, e, s, text, textlen, "bad action");
    }
}
