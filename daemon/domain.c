/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * domain.c — guest discovery through xenstore watches and the hypervisor's
 * domain list (see domain.h for the contract).
 */
#include "daemon/domain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/event.h>

#include "daemon/console.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/hyp.h"
#include "daemon/parse.h"
#include "daemon/serial.h"
#include "daemon/watch.h"
#include "protocol/xcmux-proto.h"

#define TOKEN_INTRO   "intro"
#define TOKEN_RELEASE "release"
/* Watch events handled per pass; the fd stays readable beyond that. */

static TAILQ_HEAD(, domain) attach_queue = TAILQ_HEAD_INITIALIZER(attach_queue);
static unsigned attach_queued;
static struct event *attach_ev;
static void (*on_first_attached)(void);

static ssize_t read_node(struct domain *d, const char *rel, char *buf, size_t len)
{
    char path[sizeof(d->path) + HYP_PATH_MAX + 2];
    snprintf(path, sizeof(path), "%s/%s", d->path, rel);
    return hyp_read(xd.hyp, path, buf, len);
}

/* A guest-written number node. Absent means "not yet", silently; a value
 * that is not a decimal number within MAX (or too long to read) is logged
 * once per console until a good one is read: a guest rewriting garbage
 * must not flood syslog. The value itself is not logged (guest bytes). */
static bool read_number(struct domain *d, unsigned index, const char *rel, char *buf, size_t len,
                        uint64_t max, uint64_t *out)
{
    ssize_t n = read_node(d, rel, buf, len);
    if (n < 0 && errno != E2BIG)
        return false;
    if (n >= 0 && parse_u64(buf, max, out) == 0)
        return true;
    if (!(d->warned_bad_node & (1u << index))) {
        d->warned_bad_node |= (uint16_t)(1u << index);
        syslog(LOG_WARNING,
               "%s (dom%u): ignoring %s/%s: not a number in range; "
               "console %u left as it was",
               d->name, d->domid, d->path, rel, index);
    }
    return false;
}

/* True when console_connect(c, ring_ref, port) would return at once:
 * running on these very values with its port still bound. Then the type
 * node cannot change the outcome either (it only ever keeps a console
 * from being connected), so its round trip is saved. */
static bool console_unchanged(const struct console *c, uint64_t ring_ref, uint32_t port)
{
    return c->state == CONSOLE_RUNNING && c->ring_ref == ring_ref && c->remote_port == port &&
           hyp_port_connected(xd.hyp, c->local_port, c->domid);
}

/* Read ring-ref and port of one console directory (relative to the
 * domain) and connect. Missing nodes mean "not yet": stay waiting. */
static void refresh_console(struct domain *d, unsigned index, const char *rel_dir)
{
    char buf[64], dir[96];
    uint64_t ring_ref, port;
    snprintf(dir, sizeof(dir), "%s/ring-ref", rel_dir);
    if (!read_number(d, index, dir, buf, sizeof(buf), UINT64_MAX >> 12, &ring_ref))
        return;
    snprintf(dir, sizeof(dir), "%s/port", rel_dir);
    if (!read_number(d, index, dir, buf, sizeof(buf), HYP_MAX_PORTS - 1, &port))
        return;
    d->warned_bad_node &= (uint16_t) ~(1u << index);
    struct console *c = d->con[index];
    if (c && console_unchanged(c, ring_ref, (uint32_t)port))
        return; /* what console_connect would conclude; type cannot matter */
    /* Ownership, primary and secondary alike: libxl writes the frontend's
     * `type` node (dom0's, read-only to the guest) as "xenconsoled" for
     * the console daemon's consoles and "ioemu" for those it gives QEMU
     * (xl channels; QEMU serves only "ioemu"). Absent (a toolstack that
     * does not write it) or xenconsoled: ours. Anything else is left
     * alone: its ring is never mapped, its port never bound, no tty is
     * written and it is not listed, since two backends on one ring
     * corrupt each other. */
    snprintf(dir, sizeof(dir), "%s/type", rel_dir);
    if (read_node(d, dir, buf, sizeof(buf)) >= 0 && strcmp(buf, "xenconsoled") != 0 &&
        strcmp(buf, "xcmuxd") != 0) {
        if (!(d->not_ours & (1u << index))) {
            d->not_ours |= (uint16_t)(1u << index);
            syslog(LOG_INFO,
                   "%s (dom%u): console %u is served by another backend (type "
                   "not xenconsoled); leaving it alone",
                   d->name, d->domid, index);
        }
        return;
    }
    if (!c) {
        /* The console keeps the name it is created with, so the name is
         * read now, once: the toolstack writes it before the console
         * nodes, so a domain found mid-creation has it by the time its
         * console appears. */
        char name[XCMUX_NAME_MAX + 1];
        if (!d->named && read_node(d, "name", name, sizeof(name)) > 0) {
            snprintf(d->name, sizeof(d->name), "%s", name);
            d->named = true;
        }
        char xs_dir[sizeof(d->path) + 64];
        snprintf(xs_dir, sizeof(xs_dir), "%s/%s", d->path, rel_dir);
        c = console_new(d, d->domid, d->name, index, xs_dir);
        if (!c) {
            syslog(LOG_ERR, "dom%u: cannot allocate console %u", d->domid, index);
            return;
        }
        d->con[index] = c;
    }
    console_connect(c, ring_ref, (uint32_t)port);
}

static void refresh_domain(struct domain *d)
{
    refresh_console(d, 0, "console");

    char list[1024];
    char path[HYP_PATH_MAX];
    snprintf(path, sizeof(path), "%s/device/console", d->path);
    int n = hyp_directory(xd.hyp, path, list, sizeof(list));
    const char *ent = list;
    for (int i = 0; i < n; i++, ent += strlen(ent) + 1) {
        uint64_t idx;
        if (parse_u64(ent, XCMUX_MAX_CONSOLES_PER_DOMAIN, &idx) < 0 || idx == 0)
            continue; /* device/console/0 is the primary, described above */
        char rel[64];
        snprintf(rel, sizeof(rel), "device/console/%u", (unsigned)idx);
        refresh_console(d, (unsigned)idx, rel);
    }
}

static void schedule_attach(void)
{
    static const struct timeval now = {0, 0};
    /* A timer, not event_active(): due timers run after the next poll,
     * so sockets and event channels are served between two slices. */
    if (attach_ev && !evtimer_pending(attach_ev, NULL))
        evtimer_add(attach_ev, &now);
}

/* Known from now on (a rescan will not queue it twice); attached later,
 * from the loop. No xenstore request here: the path is computed. */
static struct domain *domain_new(uint32_t domid)
{
    struct domain *d = calloc(1, sizeof(*d));
    if (!d) {
        syslog(LOG_ERR, "dom%u: out of memory", domid);
        return NULL;
    }
    d->domid = domid;
    if (hyp_domain_path(xd.hyp, domid, d->path, sizeof(d->path)) < 0)
        snprintf(d->path, sizeof(d->path), "/local/domain/%u", domid);
    snprintf(d->name, sizeof(d->name), "dom%u", domid);
    xd.by_domid[domid] = d;
    TAILQ_INSERT_TAIL(&attach_queue, d, attach_link);
    d->queued = true;
    attach_queued++;
    schedule_attach();
    return d;
}

static void domain_attach(struct domain *d)
{
    char token[16], path[HYP_PATH_MAX];
    if (d->resync) {
        /* A new store connection: the hotkey watches of its consoles
         * went with the old one. */
        d->resync = false;
        for (unsigned i = 0; i <= XCMUX_MAX_CONSOLES_PER_DOMAIN; i++)
            if (d->con[i])
                events_emit(XE_CONSOLE_RESYNC, &(struct xd_event_info){.c = d->con[i]});
    }
    snprintf(token, sizeof(token), "d%u", d->domid);
    snprintf(path, sizeof(path), "%s/console", d->path);
    bool console_ok = hyp_watch(xd.hyp, path, token) == 0;
    snprintf(path, sizeof(path), "%s/device/console", d->path);
    bool device_ok = hyp_watch(xd.hyp, path, token) == 0;
    /* Each registered watch fires once now; the refresh below reads after
     * the registration, so that event carries nothing new. */
    d->registration_pending =
        (uint8_t)((console_ok ? DOMAIN_WATCH_CONSOLE : 0) | (device_ok ? DOMAIN_WATCH_DEVICE : 0));
    d->watched = console_ok || device_ok;
    if (!console_ok || !device_ok)
        syslog(LOG_WARNING, "dom%u: cannot watch its console nodes: %m", d->domid);
    d->attached = true;
    /* Even with a failed watch the console is served as found now. */
    refresh_domain(d);
    serial_domain_attach(d);
}

static void attach_cb(evutil_socket_t fd, short what, void *arg)
{
    uint64_t start = xd_now_ms();
    unsigned done = 0;
    struct domain *d;
    if (!hyp_store_up(xd.hyp))
        return; /* the queue waits for the store (domains_store_back) */
    while ((d = TAILQ_FIRST(&attach_queue))) {
        TAILQ_REMOVE(&attach_queue, d, attach_link);
        d->queued = false;
        attach_queued--;
        domain_attach(d);
        if (++done >= ATTACH_SLICE_MAX || xd_now_ms() - start >= ATTACH_SLICE_MS)
            break;
    }
    if (!TAILQ_EMPTY(&attach_queue)) {
        schedule_attach();
        return;
    }
    if (on_first_attached) {
        void (*cb)(void) = on_first_attached;
        on_first_attached = NULL;
        cb();
    }
}

unsigned domains_attaching(void)
{
    return attach_queued;
}

static void domain_free(struct domain *d, const char *why)
{
    char token[16], path[HYP_PATH_MAX];
    snprintf(token, sizeof(token), "d%u", d->domid);
    if (d->queued) {
        TAILQ_REMOVE(&attach_queue, d, attach_link);
        d->queued = false;
        attach_queued--;
    }
    if (d->watched) {
        /* A failed unwatch of a never-set watch is harmless. */
        snprintf(path, sizeof(path), "%s/console", d->path);
        hyp_unwatch(xd.hyp, path, token);
        snprintf(path, sizeof(path), "%s/device/console", d->path);
        hyp_unwatch(xd.hyp, path, token);
    }
    serial_domain_gone(d, why);
    for (unsigned i = 0; i <= XCMUX_MAX_CONSOLES_PER_DOMAIN; i++) {
        struct console *c = d->con[i];
        if (!c)
            continue;
        d->con[i] = NULL;
        c->dom = NULL;
        console_gone(c, why);
    }
    xd.by_domid[d->domid] = NULL;
    free(d);
}

void domains_rescan(void)
{
    static struct hyp_dominfo info[XD_MAX_DOMID];
    int n = hyp_list_domains(xd.hyp, info, XD_MAX_DOMID);
    if (n < 0) {
        syslog(LOG_ERR, "cannot list domains: %m");
        return;
    }
    static bool alive[XD_MAX_DOMID];
    memset(alive, 0, sizeof(alive));
    for (int i = 0; i < n; i++) {
        uint32_t id = info[i].domid;
        if (id == 0 || id >= XD_MAX_DOMID)
            continue; /* dom0's console is the hypervisor's, not a ring */
        if (info[i].dying)
            continue;
        alive[id] = true;
    }
    /* Dead domains go first: a reboot seen in one rescan (old domain gone,
     * new one of the same name there) must find the old console GONE when
     * the new one appears, or sessions following the name stay behind. */
    for (uint32_t id = 1; id < XD_MAX_DOMID; id++) {
        struct domain *d = xd.by_domid[id];
        if (d && !alive[id])
            domain_free(d, "destroyed");
    }
    for (uint32_t id = 1; id < XD_MAX_DOMID; id++)
        if (alive[id] && !xd.by_domid[id])
            domain_new(id);
}

/* A console freed (its last session gone, or at stop) leaves its
 * domain's table. */
static void on_console_free(enum xd_event ev, const struct xd_event_info *info)
{
    struct console *c = info->c;
    if (c->dom && c->dom->con[c->index] == c)
        c->dom->con[c->index] = NULL;
}

/* Discovery's watch tokens (below). */
static const struct watch_client domain_watches;

int domains_start(void (*on_attached)(void))
{
    attach_ev = evtimer_new(xd.base, attach_cb, NULL);
    if (!attach_ev || watch_register(&domain_watches) < 0 ||
        events_subscribe(XE_CONSOLE_FREE, on_console_free) < 0)
        return -1;
    if (hyp_watch(xd.hyp, "@introduceDomain", TOKEN_INTRO) < 0 ||
        hyp_watch(xd.hyp, "@releaseDomain", TOKEN_RELEASE) < 0)
        return -1;
    on_first_attached = on_attached;
    domains_rescan();
    schedule_attach(); /* reports "attached" even with no domain at all */
    return 0;
}

void domains_store_lost(void)
{
    for (uint32_t id = 1; id < XD_MAX_DOMID; id++) {
        struct domain *d = xd.by_domid[id];
        if (d) {
            d->watched = false;
            d->registration_pending = 0;
        }
    }
}

void domains_store_back(void)
{
    if (hyp_watch(xd.hyp, "@introduceDomain", TOKEN_INTRO) < 0 ||
        hyp_watch(xd.hyp, "@releaseDomain", TOKEN_RELEASE) < 0)
        syslog(LOG_ERR, "cannot watch for domains on the new xenstore connection: %m");
    domains_rescan();
    for (uint32_t id = 1; id < XD_MAX_DOMID; id++) {
        struct domain *d = xd.by_domid[id];
        if (!d)
            continue;
        d->watched = false;
        d->registration_pending = 0;
        d->refresh_due = false;
        if (d->queued)
            continue; /* never attached: its attach does everything */
        d->attached = false;
        d->resync = true;
        TAILQ_INSERT_TAIL(&attach_queue, d, attach_link);
        d->queued = true;
        attach_queued++;
    }
    schedule_attach();
}

void domains_stop(void)
{
    for (uint32_t id = 1; id < XD_MAX_DOMID; id++)
        if (xd.by_domid[id])
            domain_free(xd.by_domid[id], "daemon stopping");
    if (attach_ev) {
        event_free(attach_ev);
        attach_ev = NULL;
    }
}

/* The leaf names refresh_console reads below a console directory. */
static bool read_leaf(const char *leaf)
{
    size_t n = strcspn(leaf, "/");
    return (n == 8 && strncmp(leaf, "ring-ref", n) == 0) ||
           (n == 4 && strncmp(leaf, "port", n) == 0) || (n == 4 && strncmp(leaf, "type", n) == 0);
}

/* False for an event that cannot change what refresh_domain reads: the
 * registration event of a watch (once per watch), and nodes below the
 * watched directories that refresh_domain never reads. Paths that are
 * not what the watches can produce are taken as relevant. */
static bool event_relevant(struct domain *d, const char *path)
{
    size_t plen = strlen(d->path);
    if (strncmp(path, d->path, plen) != 0 || path[plen] != '/')
        return true;
    const char *rel = path + plen + 1;
    if (strcmp(rel, "console") == 0 || strcmp(rel, "device/console") == 0) {
        uint8_t bit = rel[0] == 'c' ? DOMAIN_WATCH_CONSOLE : DOMAIN_WATCH_DEVICE;
        if (d->registration_pending & bit) {
            d->registration_pending &= (uint8_t)~bit;
            return false;
        }
        return true;
    }
    if (strncmp(rel, "console/", 8) == 0)
        return read_leaf(rel + 8);
    if (strncmp(rel, "device/console/", 15) == 0) {
        const char *sub = strchr(rel + 15, '/');
        /* device/console/<n> itself appearing or going matters. */
        return sub == NULL || read_leaf(sub + 1);
    }
    return true;
}

/* The events of one batch (watch.h): introduce/release ask for one
 * rescan; a domain's events for one refresh at the batch's end. */
static uint32_t due[WATCH_BATCH_MAX];
static unsigned ndue;
static bool rescan_due;

static void watch_event(const char *path, const char *token)
{
    if (strcmp(token, TOKEN_INTRO) == 0 || strcmp(token, TOKEN_RELEASE) == 0) {
        rescan_due = true;
        return;
    }
    uint64_t id;
    if (token[0] != 'd' || parse_u64(token + 1, XD_MAX_DOMID - 1, &id) < 0)
        return;
    struct domain *d = xd.by_domid[id];
    /* A queued domain's attach reads everything later anyway. */
    /* event_relevant() first: it consumes the registration events. */
    if (!d || !d->attached || !event_relevant(d, path) || d->refresh_due)
        return;
    d->refresh_due = true;
    due[ndue++] = (uint32_t)id; /* at most one per event: bounded by the batch */
}

static void watch_batch_end(void)
{
    /* Rescan first: a domain gone in this batch is not read again. */
    if (rescan_due) {
        rescan_due = false;
        domains_rescan();
    }
    for (unsigned i = 0; i < ndue; i++) {
        struct domain *d = xd.by_domid[due[i]];
        if (d && d->refresh_due) {
            d->refresh_due = false;
            refresh_domain(d);
        }
    }
    ndue = 0;
}

static const struct watch_client domain_watches = {
    .prefixes = "dir", /* "d<domid>", "intro", "release" */
    .event = watch_event,
    .batch_end = watch_batch_end,
};

struct domain *domain_find(const char *what)
{
    uint64_t id;
    if (parse_u64(what, XD_MAX_DOMID - 1, &id) == 0)
        return xd.by_domid[id];
    struct console *c;
    TAILQ_FOREACH (c, &xd.consoles, link)
        if (c->dom && strcmp(c->dom->name, what) == 0)
            return c->dom;
    return NULL;
}
