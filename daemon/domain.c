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

/* Attach and refresh run as chains of at most two jobs (hyp.h) per
 * domain: the first reads the primary console's nodes and lists
 * device/console (and, at attach, sets the domain's watch first); the
 * second, when the listing names secondary consoles, reads theirs. One
 * chain per domain at a time: a refresh asked for meanwhile runs when it
 * ends. ATTACH_WINDOW domains are attached at once. */
#define ATTACH_WINDOW 128u

static unsigned chains;    /* domains with a chain in flight */
static uint64_t store_gen; /* bumped by each new store connection */
static uint64_t serials;

static void chain_start(struct domain *d, bool attach);
static void schedule_attach(void);

/* The request of J whose path ends in /LEAF (or, for NULL, of KIND). */
static const struct hyp_op *job_op(const struct hyp_job *j, enum hyp_op_kind kind,
                                   const char *prefix, const char *leaf)
{
    size_t pl = prefix ? strlen(prefix) : 0;
    for (unsigned i = 0; i < j->nops; i++) {
        const struct hyp_op *o = &j->op[i];
        if (o->kind != kind)
            continue;
        if (!leaf)
            return o;
        const char *slash = strrchr(o->path, '/');
        if (slash && strcmp(slash + 1, leaf) == 0 && (size_t)(slash - o->path) == pl &&
            strncmp(o->path, prefix, pl) == 0)
            return o;
    }
    return NULL;
}

static void add_read(struct hyp_job *j, struct domain *d, const char *rel)
{
    char path[sizeof(d->path) + HYP_PATH_MAX + 2];
    snprintf(path, sizeof(path), "%s/%s", d->path, rel);
    hyp_job_add(j, HYP_OP_READ, path, NULL);
}

/* The reads one console needs: ring-ref, port and type (its owner; read
 * with the others, since at attach, when it is read, it always matters)
 * and, until the domain has one, the name. */
static void add_console_reads(struct hyp_job *j, struct domain *d, const char *rel_dir)
{
    char rel[96];
    static const char *const leaf[] = {"ring-ref", "port", "type"};
    for (size_t i = 0; i < sizeof(leaf) / sizeof(leaf[0]); i++) {
        snprintf(rel, sizeof(rel), "%s/%s", rel_dir, leaf[i]);
        add_read(j, d, rel);
    }
    if (!d->named && !job_op(j, HYP_OP_READ, d->path, "name"))
        add_read(j, d, "name");
}

/* A guest-written number node. Absent means "not yet", silently; a value
 * that is not a decimal number within MAX (or too long to read) is logged
 * once per console until a good one is read: a guest rewriting garbage
 * must not flood syslog. The value itself is not logged (guest bytes). */
static bool number_of(struct domain *d, unsigned index, const char *rel, const struct hyp_op *o,
                      uint64_t max, uint64_t *out)
{
    if (!o || (o->err && o->err != E2BIG))
        return false;
    if (!o->err && o->len < 64 && parse_u64(o->value, max, out) == 0)
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
 * from being connected). */
static bool console_unchanged(const struct console *c, uint64_t ring_ref, uint32_t port)
{
    return c->state == CONSOLE_RUNNING && c->ring_ref == ring_ref && c->remote_port == port &&
           hyp_port_connected(xd.hyp, c->local_port, c->domid);
}

/* Connect one console directory (relative to the domain) from the
 * values J read. Missing nodes mean "not yet": stay waiting. */
static void apply_console(struct domain *d, const struct hyp_job *j, unsigned index,
                          const char *rel_dir)
{
    char prefix[sizeof(d->path) + 96], rel[112];
    snprintf(prefix, sizeof(prefix), "%s/%s", d->path, rel_dir);
    uint64_t ring_ref, port;
    snprintf(rel, sizeof(rel), "%s/ring-ref", rel_dir);
    if (!number_of(d, index, rel, job_op(j, HYP_OP_READ, prefix, "ring-ref"), UINT64_MAX >> 12,
                   &ring_ref))
        return;
    snprintf(rel, sizeof(rel), "%s/port", rel_dir);
    if (!number_of(d, index, rel, job_op(j, HYP_OP_READ, prefix, "port"), HYP_MAX_PORTS - 1, &port))
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
     * corrupt each other. A type that cannot be read for another reason
     * than its absence (a dead connection) decides nothing: next time. */
    const struct hyp_op *t = job_op(j, HYP_OP_READ, prefix, "type");
    if (!t || (t->err && t->err != ENOENT))
        return;
    if (!t->err && strcmp(t->value, "xenconsoled") != 0 && strcmp(t->value, "xcmuxd") != 0) {
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

/* The console keeps the name it is created with, so the name is read
 * with the first reads of a domain (and again until there is one): the
 * toolstack writes it before the console nodes, so a domain found
 * mid-creation has it by the time its console appears. */
static void apply_name(struct domain *d, const struct hyp_job *j)
{
    const struct hyp_op *o = d->named ? NULL : job_op(j, HYP_OP_READ, d->path, "name");
    if (o && !o->err && o->len > 0 && o->len <= XCMUX_NAME_MAX && !memchr(o->value, 0, o->len)) {
        snprintf(d->name, sizeof(d->name), "%s", o->value);
        d->named = true;
    }
}

static void chain_end(struct domain *d)
{
    d->busy = false;
    chains--;
    if (d->again && !d->queued && d->attached) {
        d->again = false;
        chain_start(d, false);
    }
    schedule_attach(); /* a slot of the window is free; maybe "attached" */
}

/* The domain a finished job is for, or NULL (gone, or another domain of
 * the same id since). */
static struct domain *job_domain(const struct hyp_job *j)
{
    struct domain *d = j->key < XD_MAX_DOMID ? xd.by_domid[j->key] : NULL;
    return d && d->serial == j->cookie && d->busy ? d : NULL;
}

/* Stale: submitted on an earlier store connection, so its reads may be
 * answers of a dead store. The domain is attached afresh. */
static bool job_stale(struct domain *d, const struct hyp_job *j)
{
    if (j->epoch == store_gen)
        return false;
    d->again = false;
    if (!d->queued) {
        d->attached = false;
        TAILQ_INSERT_TAIL(&attach_queue, d, attach_link);
        d->queued = true;
        attach_queued++;
    }
    chain_end(d);
    return true;
}

static void secondaries_done(struct hyp_job *j)
{
    struct domain *d = job_domain(j);
    if (d && !job_stale(d, j)) {
        apply_name(d, j);
        for (unsigned idx = 1; idx <= XCMUX_MAX_CONSOLES_PER_DOMAIN; idx++)
            if (j->index & (1u << idx)) {
                char rel[64];
                snprintf(rel, sizeof(rel), "device/console/%u", idx);
                apply_console(d, j, idx, rel);
            }
        chain_end(d);
    }
    hyp_job_free(j);
}

static void primary_done(struct hyp_job *j)
{
    struct domain *d = job_domain(j);
    if (!d || job_stale(d, j)) {
        hyp_job_free(j);
        return;
    }
    const struct hyp_op *w = job_op(j, HYP_OP_WATCH, NULL, NULL);
    if (w) {
        /* The watch fires once now; the reads ran after its registration,
         * so that event carries nothing new. */
        d->watched = w->err == 0;
        if (w->err) {
            d->registration_pending = 0;
            errno = w->err;
            syslog(LOG_WARNING, "dom%u: cannot watch its console nodes: %m", d->domid);
        }
    }
    apply_name(d, j);
    /* Even with a failed watch the console is served as found now. */
    apply_console(d, j, 0, "console");
    const struct hyp_op *list = job_op(j, HYP_OP_DIRECTORY, NULL, NULL);
    struct hyp_job *next = NULL;
    unsigned mask = 0;
    const char *ent = list && !list->err ? list->value : NULL;
    for (size_t i = 0; ent && i < list->len; i++, ent += strlen(ent) + 1) {
        uint64_t idx;
        if (parse_u64(ent, XCMUX_MAX_CONSOLES_PER_DOMAIN, &idx) < 0 || idx == 0)
            continue; /* device/console/0 is the primary, described above */
        if (!next && !(next = hyp_job_new(d->domid, secondaries_done)))
            break;
        char rel[64];
        snprintf(rel, sizeof(rel), "device/console/%u", (unsigned)idx);
        if (!(mask & (1u << idx)))
            add_console_reads(next, d, rel);
        mask |= 1u << idx;
    }
    hyp_job_free(j);
    if (!next) {
        chain_end(d);
        return;
    }
    next->cookie = d->serial;
    next->epoch = store_gen;
    next->index = mask;
    hyp_job_submit(xd.hyp, next);
}

/* Start a chain: watch (at attach), then read. A job that cannot be
 * built (out of memory) leaves the domain as it is. */
static void chain_start(struct domain *d, bool attach)
{
    struct hyp_job *j = hyp_job_new(d->domid, primary_done);
    if (!j) {
        syslog(LOG_ERR, "dom%u: out of memory", d->domid);
        return;
    }
    if (attach) {
        /* One watch for the whole domain, not one per console directory:
         * each watch set makes every later write cost the store a match
         * against it. Events below the domain that a refresh does not
         * read are dropped here without a round trip (event_relevant). */
        char token[16];
        snprintf(token, sizeof(token), "d%u", d->domid);
        hyp_job_add(j, HYP_OP_WATCH, d->path, token);
        /* Its event may be read before this job's replies are. */
        d->registration_pending = DOMAIN_WATCH_DOMAIN;
    }
    add_console_reads(j, d, "console");
    char path[HYP_PATH_MAX];
    snprintf(path, sizeof(path), "%s/device/console", d->path);
    hyp_job_add(j, HYP_OP_DIRECTORY, path, NULL);
    j->cookie = d->serial;
    j->epoch = store_gen;
    d->busy = true;
    chains++;
    hyp_job_submit(xd.hyp, j);
}

/* A refresh (a watch event): now, or when the chain in flight ends. */
static void refresh_domain(struct domain *d)
{
    if (d->busy)
        d->again = true;
    else
        chain_start(d, false);
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
    d->serial = ++serials;
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
    if (d->resync) {
        /* A new store connection: the hotkey watches of its consoles
         * went with the old one. */
        d->resync = false;
        for (unsigned i = 0; i <= XCMUX_MAX_CONSOLES_PER_DOMAIN; i++)
            if (d->con[i])
                events_emit(XE_CONSOLE_RESYNC, &(struct xd_event_info){.c = d->con[i]});
    }
    d->attached = true;
    chain_start(d, true);
    serial_domain_attach(d);
}

/* Only submits: the requests run off the loop, the window bounds how
 * many domains are in flight (and the memory their jobs take). */
static void attach_cb(evutil_socket_t fd, short what, void *arg)
{
    uint64_t start = xd_now_ms();
    unsigned done = 0;
    struct domain *d;
    if (!hyp_store_up(xd.hyp))
        return; /* the queue waits for the store (domains_store_back) */
    while (chains < ATTACH_WINDOW && (d = TAILQ_FIRST(&attach_queue))) {
        TAILQ_REMOVE(&attach_queue, d, attach_link);
        d->queued = false;
        attach_queued--;
        domain_attach(d);
        if (++done >= ATTACH_SLICE_MAX || xd_now_ms() - start >= ATTACH_SLICE_MS)
            break;
    }
    if (!TAILQ_EMPTY(&attach_queue)) {
        if (chains < ATTACH_WINDOW && done > 0)
            schedule_attach();
        return; /* otherwise a chain's end schedules it */
    }
    if (chains == 0 && on_first_attached) {
        void (*cb)(void) = on_first_attached;
        on_first_attached = NULL;
        cb();
    }
}

unsigned domains_attaching(void)
{
    return attach_queued + chains;
}

static void job_free_done(struct hyp_job *j)
{
    hyp_job_free(j);
}

/* Finished jobs (hyp.h): a slice per pass, so a burst of replies does
 * not starve clients and rings. */
#define JOBS_SLICE 64u

static struct event *jobs_ev;

static void jobs_cb(evutil_socket_t fd, short what, void *arg)
{
    hyp_jobs_complete(xd.hyp, JOBS_SLICE);
    /* The domains' watches fire on the job connections. */
    if (hyp_watch_pending(xd.hyp))
        watch_dispatch();
}

static bool stopping;

static void domain_free(struct domain *d, const char *why)
{
    char token[16];
    snprintf(token, sizeof(token), "d%u", d->domid);
    if (d->queued) {
        TAILQ_REMOVE(&attach_queue, d, attach_link);
        d->queued = false;
        attach_queued--;
    }
    if (d->busy) {
        chains--; /* its jobs find no domain of this serial */
        d->busy = false;
        schedule_attach(); /* its slot of the window is free */
    }
    if (d->watched && !stopping) {
        /* Off the loop too; the domain's key keeps it behind its reads
         * and ahead of a later domain's watch on the same id. */
        struct hyp_job *j = hyp_job_new(d->domid, job_free_done);
        if (j && hyp_job_add(j, HYP_OP_UNWATCH, d->path, token) < 0) {
            hyp_job_free(j);
            j = NULL;
        }
        hyp_job_submit(xd.hyp, j);
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
    int jfd = hyp_jobs_fd(xd.hyp);
    jobs_ev = jfd >= 0 ? event_new(xd.base, jfd, EV_READ | EV_PERSIST, jobs_cb, NULL) : NULL;
    if (!attach_ev || !jobs_ev || event_add(jobs_ev, NULL) < 0 ||
        watch_register(&domain_watches) < 0 ||
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
        d->again = false;
        d->resync = d->resync || !d->queued;
        if (d->queued)
            continue; /* never attached: its attach does everything */
        d->attached = false;
        if (d->busy)
            continue; /* its chain, now stale, queues it when it ends */
        TAILQ_INSERT_TAIL(&attach_queue, d, attach_link);
        d->queued = true;
        attach_queued++;
    }
    store_gen++;
    schedule_attach();
}

void domains_stop(void)
{
    stopping = true;
    for (uint32_t id = 1; id < XD_MAX_DOMID; id++)
        if (xd.by_domid[id])
            domain_free(xd.by_domid[id], "daemon stopping");
    if (attach_ev) {
        event_free(attach_ev);
        attach_ev = NULL;
    }
    if (jobs_ev) {
        event_free(jobs_ev);
        jobs_ev = NULL;
    }
    stopping = false;
}

/* The leaf names a refresh reads below a console directory. */
static bool read_leaf(const char *leaf)
{
    size_t n = strcspn(leaf, "/");
    return (n == 8 && strncmp(leaf, "ring-ref", n) == 0) ||
           (n == 4 && strncmp(leaf, "port", n) == 0) || (n == 4 && strncmp(leaf, "type", n) == 0);
}

/* False for an event that cannot change what a refresh reads: the
 * registration event of the domain's watch (once), and every node below
 * the domain that a refresh never reads (console/tty, which the daemon
 * writes itself, data/, control/, memory/, other devices, ...). The
 * domain directory itself (created, removed) and the console
 * directories count. */
static bool event_relevant(struct domain *d, const char *path)
{
    size_t plen = strlen(d->path);
    if (strncmp(path, d->path, plen) != 0 || (path[plen] != '/' && path[plen] != '\0'))
        return true; /* not what the watch produces: taken as relevant */
    if (path[plen] == '\0') {
        if (d->registration_pending & DOMAIN_WATCH_DOMAIN) {
            d->registration_pending &= (uint8_t)~DOMAIN_WATCH_DOMAIN;
            return false;
        }
        return true;
    }
    const char *rel = path + plen + 1;
    if (strcmp(rel, "console") == 0 || strcmp(rel, "device") == 0 ||
        strcmp(rel, "device/console") == 0)
        return true;
    if (strcmp(rel, "name") == 0)
        return !d->named; /* a console keeps the name it is created with */
    if (strncmp(rel, "console/", 8) == 0)
        return read_leaf(rel + 8);
    if (strncmp(rel, "device/console/", 15) == 0) {
        const char *sub = strchr(rel + 15, '/');
        /* device/console/<n> itself appearing or going matters. */
        return sub == NULL || read_leaf(sub + 1);
    }
    return false;
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
