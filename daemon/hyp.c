/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hyp.c — libxenctrl, libxenstore, libxenevtchn, libxengnttab and
 * libxenforeignmemory behind hyp.h. Nothing else in the daemon includes
 * their headers, so the hypervisor surface is reviewable in one place.
 */
#include "daemon/hyp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xenstore.h>

struct hyp {
    xc_interface *xc;
    struct xs_handle *xs;
    xenevtchn_handle *xce;
    xengnttab_handle *xgt;
    xenforeignmemory_handle *xfm;
};

struct hyp *hyp_open(char *err, size_t errlen)
{
    struct hyp *h = calloc(1, sizeof(*h));
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    const char *what = NULL;
    if (!(h->xc = xc_interface_open(NULL, NULL, 0)))
        what = "xc_interface_open (is this dom0, with /dev/xen/privcmd?)";
    else if (!(h->xs = xs_open(XS_UNWATCH_FILTER)))
        what = "xs_open (is xenstored running?)";
    else if (!(h->xce = xenevtchn_open(NULL, 0)))
        what = "xenevtchn_open (/dev/xen/evtchn)";
    /* hyp_pending() reads this fd; on real Xen a blocking read waits for the next event. */
    else if (fcntl(xenevtchn_fd(h->xce), F_SETFL,
                   fcntl(xenevtchn_fd(h->xce), F_GETFL) | O_NONBLOCK) < 0)
        what = "fcntl(O_NONBLOCK) on /dev/xen/evtchn";
    else if (!(h->xgt = xengnttab_open(NULL, 0)))
        what = "xengnttab_open (/dev/xen/gntdev)";
    else if (!(h->xfm = xenforeignmemory_open(NULL, 0)))
        what = "xenforeignmemory_open";
    if (what) {
        snprintf(err, errlen, "%s: %s", what, strerror(errno));
        hyp_close(h);
        return NULL;
    }
    return h;
}

void hyp_close(struct hyp *h)
{
    if (!h)
        return;
    if (h->xfm)
        xenforeignmemory_close(h->xfm);
    if (h->xgt)
        xengnttab_close(h->xgt);
    if (h->xce)
        xenevtchn_close(h->xce);
    if (h->xs)
        xs_close(h->xs);
    if (h->xc)
        xc_interface_close(h->xc);
    free(h);
}

/* ---- xenstore ---- */

int hyp_watch_fd(struct hyp *h)
{
    return xs_fileno(h->xs);
}

int hyp_watch(struct hyp *h, const char *path, const char *token)
{
    return xs_watch(h->xs, path, token) ? 0 : -1;
}

int hyp_unwatch(struct hyp *h, const char *path, const char *token)
{
    return xs_unwatch(h->xs, path, token) ? 0 : -1;
}

int hyp_next_watch(struct hyp *h, char *path, size_t pathlen, char *token, size_t toklen)
{
    char **ev = xs_check_watch(h->xs);
    if (!ev)
        return 0;
    snprintf(path, pathlen, "%s", ev[XS_WATCH_PATH]);
    snprintf(token, toklen, "%s", ev[XS_WATCH_TOKEN]);
    free(ev);
    return 1;
}

ssize_t hyp_read(struct hyp *h, const char *path, char *buf, size_t buflen)
{
    unsigned int len = 0;
    char *v = xs_read(h->xs, XBT_NULL, path, &len);
    if (!v)
        return -1;
    if (len >= buflen) {
        free(v);
        errno = E2BIG;
        return -1;
    }
    memcpy(buf, v, len);
    buf[len] = '\0';
    free(v);
    return (ssize_t)len;
}

int hyp_write(struct hyp *h, const char *path, const char *value)
{
    return xs_write(h->xs, XBT_NULL, path, value, (unsigned int)strlen(value)) ? 0 : -1;
}

int hyp_rm(struct hyp *h, const char *path)
{
    return xs_rm(h->xs, XBT_NULL, path) ? 0 : -1;
}

int hyp_directory(struct hyp *h, const char *path, char *buf, size_t buflen)
{
    unsigned int n = 0;
    char **ents = xs_directory(h->xs, XBT_NULL, path, &n);
    if (!ents)
        return -1;
    size_t used = 0;
    int count = 0;
    for (unsigned int i = 0; i < n; i++) {
        size_t l = strlen(ents[i]) + 1;
        if (used + l > buflen)
            break; /* bounded: a guest cannot make us buffer without limit */
        memcpy(buf + used, ents[i], l);
        used += l;
        count++;
    }
    free(ents);
    return count;
}

int hyp_domain_path(struct hyp *h, uint32_t domid, char *buf, size_t buflen)
{
    (void)h;
    /* What XS_GET_DOMAIN_PATH answers, computed: both xenstoreds (C and
     * OCaml) return "/local/domain/<domid>" for any domid, so the round
     * trip (O(domains) in xenstored) is saved. */
    int n = snprintf(buf, buflen, "/local/domain/%u", domid);
    if (n < 0 || (size_t)n >= buflen) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* ---- domains ---- */

int hyp_list_domains(struct hyp *h, struct hyp_dominfo *out, unsigned max)
{
    enum { BATCH = 256 };
    xc_domaininfo_t info[BATCH];
    unsigned count = 0;
    uint32_t next = 0;
    while (count < max) {
        int n = xc_domain_getinfolist(h->xc, next, BATCH, info);
        if (n < 0)
            return count ? (int)count : -1;
        for (int i = 0; i < n && count < max; i++) {
            struct hyp_dominfo *d = &out[count++];
            uint32_t f = info[i].flags;
            d->domid = info[i].domain;
            d->dying = f & XEN_DOMINF_dying;
            d->shutdown = f & XEN_DOMINF_shutdown;
            d->shutdown_reason = (f >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
            d->crashed = d->shutdown && d->shutdown_reason == SHUTDOWN_crash;
            next = info[i].domain + 1;
        }
        if (n < BATCH)
            break;
    }
    return (int)count;
}

/* ---- console rings ---- */

void *hyp_map_console(struct hyp *h, uint32_t domid, uint64_t ring_ref, bool primary,
                      bool *granted)
{
    void *p;
    if (primary) {
        p = xengnttab_map_grant_ref(h->xgt, domid, GNTTAB_RESERVED_CONSOLE,
                                    PROT_READ | PROT_WRITE);
        if (p) {
            *granted = true;
            return p;
        }
        xen_pfn_t gfn = (xen_pfn_t)ring_ref;
        *granted = false;
        return xenforeignmemory_map(h->xfm, domid, PROT_READ | PROT_WRITE, 1, &gfn, NULL);
    }
    if (ring_ref > UINT32_MAX) {
        errno = EINVAL;
        return NULL;
    }
    p = xengnttab_map_grant_ref(h->xgt, domid, (uint32_t)ring_ref, PROT_READ | PROT_WRITE);
    *granted = p != NULL;
    return p;
}

void hyp_unmap_console(struct hyp *h, void *page, bool granted)
{
    if (!page)
        return;
    if (granted)
        xengnttab_unmap(h->xgt, page, 1);
    else
        xenforeignmemory_unmap(h->xfm, page, 1);
}

/* ---- event channels ---- */

int hyp_evtchn_fd(struct hyp *h)
{
    return xenevtchn_fd(h->xce);
}

int hyp_bind(struct hyp *h, uint32_t domid, uint32_t remote_port)
{
    xenevtchn_port_or_error_t p = xenevtchn_bind_interdomain(h->xce, domid, remote_port);
    if (p < 0)
        return -1;
    if ((uint32_t)p >= HYP_MAX_PORTS) {
        xenevtchn_unbind(h->xce, (evtchn_port_t)p);
        errno = ERANGE;
        return -1;
    }
    return p;
}

int hyp_unbind(struct hyp *h, int local_port)
{
    return xenevtchn_unbind(h->xce, (evtchn_port_t)local_port);
}

int hyp_notify(struct hyp *h, int local_port)
{
    return xenevtchn_notify(h->xce, (evtchn_port_t)local_port);
}

int hyp_pending(struct hyp *h)
{
    xenevtchn_port_or_error_t p = xenevtchn_pending(h->xce);
    if (p < 0)
        return -1;
    return p;
}

int hyp_unmask(struct hyp *h, int local_port)
{
    return xenevtchn_unmask(h->xce, (evtchn_port_t)local_port);
}

bool hyp_port_connected(struct hyp *h, int local_port, uint32_t domid)
{
    xc_evtchn_status_t st = {.dom = DOMID_SELF, .port = (evtchn_port_t)local_port};
    if (xc_evtchn_status(h->xc, &st) < 0)
        return false;
    return st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == domid;
}

/* ---- the hypervisor's console ring ---- */

int hyp_conring_bind(struct hyp *h)
{
    xenevtchn_port_or_error_t p = xenevtchn_bind_virq(h->xce, VIRQ_CON_RING);
    if (p < 0)
        return -1;
    if ((uint32_t)p >= HYP_MAX_PORTS) {
        xenevtchn_unbind(h->xce, (evtchn_port_t)p);
        errno = ERANGE;
        return -1;
    }
    return p;
}

ssize_t hyp_conring_read(struct hyp *h, char *buf, size_t len, uint32_t *index)
{
    unsigned int n = len > UINT32_MAX ? UINT32_MAX : (unsigned int)len;
    /* As xenconsoled --log=hv: clear 0, incremental 1. */
    if (xc_readconsolering(h->xc, buf, &n, 0, 1, index) < 0)
        return -1;
    if (n > len) {
        errno = EOVERFLOW;
        return -1;
    }
    return (ssize_t)n;
}

/* ---- triggers ---- */

int hyp_send_nmi(struct hyp *h, uint32_t domid)
{
    return xc_domain_send_trigger(h->xc, domid, XEN_DOMCTL_SENDTRIGGER_NMI, 0);
}

int hyp_debug_keys(struct hyp *h, const char *keys)
{
    return xc_send_debug_keys(h->xc, keys);
}
