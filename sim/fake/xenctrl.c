/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drop-in libxenctrl.so.4.17: the domain-control calls that xenstored,
 * xenconsoled, xenconsole and xcmuxd import, answered from the simulated
 * domain table (hv.h). Layouts come from Debian's own headers, so the ABI
 * is the real one (xc_dominfo_t and xc_domaininfo_t are 112 bytes).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>

#include "sim/hv.h"

struct xc_interface_core {
    int unused;
};

_Static_assert(sizeof(xc_dominfo_t) == 112, "xc_dominfo_t ABI");
_Static_assert(sizeof(xc_domaininfo_t) == 112, "xc_domaininfo_t ABI");
_Static_assert(sizeof(xc_evtchn_status_t) == 24, "xc_evtchn_status_t ABI");

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
                                unsigned open_flags)
{
    if (hv_attach() < 0)
        return NULL;
    return calloc(1, sizeof(struct xc_interface_core));
}

int xc_interface_close(xc_interface *xch)
{
    free(xch);
    return 0;
}

/* Bounded batches keep the copy on the stack; callers ask for few. */
#define BATCH 64

int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms,
                      xc_dominfo_t *info)
{
    struct hv_domain d[BATCH];
    unsigned done = 0;
    uint32_t next = first_domid;
    while (done < max_doms) {
        unsigned want = max_doms - done < BATCH ? max_doms - done : BATCH;
        int n = hv_domain_list(next, d, want);
        if (n < 0)
            return done ? (int)done : -1;
        for (int i = 0; i < n; i++) {
            xc_dominfo_t *o = &info[done++];
            memset(o, 0, sizeof(*o));
            o->domid = d[i].domid;
            o->dying = !!(d[i].flags & HV_DOM_DYING);
            o->crashed = !!(d[i].flags & HV_DOM_CRASHED);
            o->shutdown = !!(d[i].flags & HV_DOM_SHUTDOWN);
            o->paused = !!(d[i].flags & HV_DOM_PAUSED);
            o->running = !(d[i].flags & (HV_DOM_PAUSED | HV_DOM_SHUTDOWN | HV_DOM_DYING));
            o->blocked = !o->running;
            o->hvm = !!(d[i].flags & HV_DOM_HVM);
            o->shutdown_reason = d[i].shutdown_reason;
            o->nr_pages = d[i].tot_pages;
            o->max_memkb = d[i].tot_pages * 4;
            o->nr_online_vcpus = 1;
            memcpy(o->handle, d[i].handle, sizeof(o->handle));
            next = d[i].domid + 1;
        }
        if ((unsigned)n < want)
            break;
    }
    return (int)done;
}

int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain, unsigned int max_domains,
                          xc_domaininfo_t *info)
{
    struct hv_domain d[BATCH];
    unsigned done = 0;
    uint32_t next = first_domain;
    while (done < max_domains) {
        unsigned want = max_domains - done < BATCH ? max_domains - done : BATCH;
        int n = hv_domain_list(next, d, want);
        if (n < 0)
            return done ? (int)done : -1;
        for (int i = 0; i < n; i++) {
            xc_domaininfo_t *o = &info[done++];
            memset(o, 0, sizeof(*o));
            o->domain = (domid_t)d[i].domid;
            uint32_t f = 0;
            if (d[i].flags & HV_DOM_DYING)
                f |= XEN_DOMINF_dying;
            if (d[i].flags & HV_DOM_SHUTDOWN)
                f |= XEN_DOMINF_shutdown |
                     ((d[i].shutdown_reason & XEN_DOMINF_shutdownmask)
                      << XEN_DOMINF_shutdownshift);
            if (d[i].flags & HV_DOM_PAUSED)
                f |= XEN_DOMINF_paused;
            if (d[i].flags & HV_DOM_HVM)
                f |= XEN_DOMINF_hvm_guest;
            if (!(d[i].flags & (HV_DOM_PAUSED | HV_DOM_SHUTDOWN | HV_DOM_DYING)))
                f |= XEN_DOMINF_running;
            o->flags = f;
            o->tot_pages = d[i].tot_pages;
            o->max_pages = d[i].tot_pages;
            o->nr_online_vcpus = 1;
            memcpy(o->handle, d[i].handle, sizeof(o->handle));
            next = d[i].domid + 1;
        }
        if ((unsigned)n < want)
            break;
    }
    return (int)done;
}

int xc_evtchn_status(xc_interface *xch, xc_evtchn_status_t *status)
{
    uint32_t dom = status->dom == DOMID_SELF ? 0 : status->dom;
    struct hv_port p;
    if (hv_evtchn_status(dom, status->port, &p) < 0)
        return -1;
    status->vcpu = 0;
    memset(&status->u, 0, sizeof(status->u));
    switch (p.state) {
    case HV_PORT_UNBOUND:
        status->status = EVTCHNSTAT_unbound;
        status->u.unbound.dom = p.remote_dom;
        break;
    case HV_PORT_INTERDOMAIN:
        status->status = EVTCHNSTAT_interdomain;
        status->u.interdomain.dom = p.remote_dom;
        status->u.interdomain.port = p.remote_port;
        break;
    case HV_PORT_VIRQ:
        status->status = EVTCHNSTAT_virq;
        status->u.virq = p.virq;
        break;
    default:
        status->status = EVTCHNSTAT_closed;
        break;
    }
    return 0;
}

int xc_readconsolering(xc_interface *xch, char *buffer, unsigned int *pnr_chars, int clear,
                       int incremental, uint32_t *pindex)
{
    uint64_t index = 0;
    if (incremental && pindex)
        index = *pindex; /* 32-bit on the ABI, as in Xen: wraps after 4 GiB */
    size_t n = hv_console_read(buffer, *pnr_chars, &index);
    *pnr_chars = (unsigned int)n;
    if (incremental && pindex)
        *pindex = (uint32_t)index;
    return 0;
}

int xc_send_debug_keys(xc_interface *xch, const char *keys)
{
    if (!keys) {
        errno = EINVAL;
        return -1;
    }
    return hv_debug_keys(keys);
}

int xc_domain_send_trigger(xc_interface *xch, uint32_t domid, uint32_t trigger, uint32_t vcpu)
{
    if (trigger != XEN_DOMCTL_SENDTRIGGER_NMI) {
        errno = EOPNOTSUPP; /* only the NMI is simulated */
        return -1;
    }
    return hv_send_nmi(domid);
}
