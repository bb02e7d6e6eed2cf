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

#include "daemon/console.h"
#include "daemon/daemon.h"
#include "daemon/hotkey.h"
#include "daemon/hyp.h"
#include "daemon/parse.h"
#include "daemon/session.h"
#include "protocol/xcmux-proto.h"

#define TOKEN_INTRO "intro"
#define TOKEN_RELEASE "release"

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
static bool read_number(struct domain *d, unsigned index, const char *rel, char *buf,
                        size_t len, uint64_t max, uint64_t *out)
{
    ssize_t n = read_node(d, rel, buf, len);
    if (n < 0 && errno != E2BIG)
        return false;
    if (n >= 0 && parse_u64(buf, max, out) == 0)
        return true;
    if (!(d->warned_bad_node & (1u << index))) {
        d->warned_bad_node |= (uint16_t)(1u << index);
        syslog(LOG_WARNING, "%s (dom%u): ignoring %s/%s: not a number in range; "
               "console %u left as it was", d->name, d->domid, d->path, rel, index);
    }
    return false;
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
    d->warned_bad_node &= (uint16_t)~(1u << index);
    if (index == 0) {
        /* type absent or xenconsoled: ours. ioemu: QEMU serves it. */
        snprintf(dir, sizeof(dir), "%s/type", rel_dir);
        if (read_node(d, dir, buf, sizeof(buf)) >= 0 && strcmp(buf, "xenconsoled") != 0 &&
            strcmp(buf, "xcmuxd") != 0)
            return;
    }
    struct console *c = d->con[index];
    if (!c) {
        /* A domain found mid-creation (listed by the hypervisor before its
         * xenstore transaction landed) may have had no name when
         * refresh_domain looked, and the console nodes now: the console
         * keeps the name it is created with, so read it again. */
        char name[XCMUX_NAME_MAX + 1];
        if (d->con[0] == NULL && read_node(d, "name", name, sizeof(name)) > 0)
            snprintf(d->name, sizeof(d->name), "%s", name);
        char xs_dir[sizeof(d->path) + 64];
        snprintf(xs_dir, sizeof(xs_dir), "%s/%s", d->path, rel_dir);
        c = console_new(d, index, xs_dir);
        if (!c) {
            syslog(LOG_ERR, "dom%u: cannot allocate console %u", d->domid, index);
            return;
        }
        d->con[index] = c;
        /* Sessions that follow this guest by name come back to it. */
        struct console *g, *n;
        TAILQ_FOREACH_SAFE(g, &xd.consoles, link, n) {
            if (g->state != CONSOLE_GONE || g->index != index || strcmp(g->name, d->name) != 0)
                continue;
            struct session *s, *sn;
            TAILQ_FOREACH_SAFE(s, &g->sessions, con_link, sn)
                session_move(s, c);
        }
    }
    console_connect(c, ring_ref, (uint32_t)port);
}

static void refresh_domain(struct domain *d)
{
    char name[XCMUX_NAME_MAX + 1];
    if (read_node(d, "name", name, sizeof(name)) > 0 && strcmp(name, d->name) != 0 &&
        d->con[0] == NULL)
        snprintf(d->name, sizeof(d->name), "%s", name);
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

static struct domain *domain_new(uint32_t domid)
{
    struct domain *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->domid = domid;
    if (hyp_domain_path(xd.hyp, domid, d->path, sizeof(d->path)) < 0)
        snprintf(d->path, sizeof(d->path), "/local/domain/%u", domid);
    if (read_node(d, "name", d->name, sizeof(d->name)) <= 0)
        snprintf(d->name, sizeof(d->name), "dom%u", domid);
    xd.by_domid[domid] = d;

    char token[16], path[HYP_PATH_MAX];
    snprintf(token, sizeof(token), "d%u", domid);
    snprintf(path, sizeof(path), "%s/console", d->path);
    bool ok = hyp_watch(xd.hyp, path, token) == 0;
    snprintf(path, sizeof(path), "%s/device/console", d->path);
    ok = hyp_watch(xd.hyp, path, token) == 0 && ok;
    d->watched = ok;
    if (!ok)
        syslog(LOG_WARNING, "dom%u: cannot watch its console nodes: %m", domid);
    /* The watches fire once on registration; refresh now anyway so a
     * failed watch still leaves the console served. */
    refresh_domain(d);
    return d;
}

static void domain_free(struct domain *d, const char *why)
{
    char token[16], path[HYP_PATH_MAX];
    snprintf(token, sizeof(token), "d%u", d->domid);
    if (d->watched) {
        snprintf(path, sizeof(path), "%s/console", d->path);
        hyp_unwatch(xd.hyp, path, token);
        snprintf(path, sizeof(path), "%s/device/console", d->path);
        hyp_unwatch(xd.hyp, path, token);
    }
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

int domains_start(void)
{
    if (hyp_watch(xd.hyp, "@introduceDomain", TOKEN_INTRO) < 0 ||
        hyp_watch(xd.hyp, "@releaseDomain", TOKEN_RELEASE) < 0)
        return -1;
    domains_rescan();
    return 0;
}

void domains_stop(void)
{
    for (uint32_t id = 1; id < XD_MAX_DOMID; id++)
        if (xd.by_domid[id])
            domain_free(xd.by_domid[id], "daemon stopping");
}

void domains_watch_event(void)
{
    char path[HYP_PATH_MAX], token[32];
    bool rescan = false;
    int budget = 4096; /* bounded per loop pass; the fd stays readable */
    while (budget-- > 0 && hyp_next_watch(xd.hyp, path, sizeof(path), token, sizeof(token)) == 1) {
        if (strcmp(token, TOKEN_INTRO) == 0 || strcmp(token, TOKEN_RELEASE) == 0) {
            rescan = true;
            continue;
        }
        if (hotkey_watch_event(path, token))
            continue;
        uint64_t id;
        if (token[0] != 'd' || parse_u64(token + 1, XD_MAX_DOMID - 1, &id) < 0)
            continue;
        struct domain *d = xd.by_domid[id];
        if (d)
            refresh_domain(d);
    }
    if (rescan)
        domains_rescan();
}

struct domain *domain_find(const char *what)
{
    uint64_t id;
    if (parse_u64(what, XD_MAX_DOMID - 1, &id) == 0)
        return xd.by_domid[id];
    struct console *c;
    TAILQ_FOREACH(c, &xd.consoles, link)
        if (c->dom && strcmp(c->dom->name, what) == 0)
            return c->dom;
    return NULL;
}
