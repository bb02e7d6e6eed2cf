/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drop-in libxenctrl.so.4.17: the domain-control calls that xenstored,
 * oxenstored, xenconsoled, xenconsole and xcmuxd import, answered from the
 * simulated domain table (hv.h). Layouts come from Debian's own headers,
 * so the ABI is the real one (xc_dominfo_t and xc_domaininfo_t are 112
 * bytes).
 *
 * oxenstored binds about 40 more calls at load (BIND_NOW) than it ever
 * makes on a store-only host: those are at the end of this file and fail
 * with ENOSYS, recorded as the last error, rather than pretend.
 */
#define XC_WANT_COMPAT_MAP_FOREIGN_API 1
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
                     ((d[i].shutdown_reason & XEN_DOMINF_shutdownmask) << XEN_DOMINF_shutdownshift);
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

/* ---- oxenstored ---------------------------------------------------------- */

/* What xc_get_last_error() reports: per process, as libxenctrl keeps it
 * per handle (callers read it right after the failing call). */
static __thread xc_error last_error;

static int unsupported(const char *what)
{
    last_error.code = XC_INTERNAL_ERROR;
    snprintf(last_error.message, sizeof(last_error.message), "%s: not simulated by xensim", what);
    errno = ENOSYS;
    return -1;
}

const xc_error *xc_get_last_error(xc_interface *xch)
{
    return &last_error;
}

const char *xc_error_code_to_desc(int code)
{
    switch (code) {
    case XC_ERROR_NONE:
        return "No error details";
    case XC_INTERNAL_ERROR:
        return "Internal error";
    case XC_INVALID_KERNEL:
        return "Invalid kernel";
    case XC_INVALID_PARAM:
        return "Invalid configuration";
    case XC_OUT_OF_MEMORY:
        return "Out of memory";
    }
    return "Unknown error code";
}

/* oxenstored maps a guest's xenstore page by its gfn (store/ring-ref,
 * what XS_INTRODUCE carries): the guest's page of the shared pool. */
void *xc_map_foreign_range(xc_interface *xch, uint32_t dom, int size, int prot, unsigned long mfn)
{
    if (size <= 0 || (unsigned)size > HV_PAGE_SIZE) {
        errno = EINVAL;
        return NULL;
    }
    int page = hv_gfn_page(dom, mfn);
    if (page < 0) {
        last_error.code = XC_INVALID_PARAM;
        snprintf(last_error.message, sizeof(last_error.message), "dom%u has no page at gfn %#lx",
                 dom, mfn);
        errno = EINVAL;
        return NULL;
    }
    return hv_pages_map(&page, 1, NULL);
}

#define UNSUPPORTED(name, ...)                                                                     \
    int name(__VA_ARGS__)                                                                          \
    {                                                                                              \
        return unsupported(#name);                                                                 \
    }

UNSUPPORTED(xc_assign_device, xc_interface *xch, uint32_t domid, uint32_t sbdf, uint32_t flag)
UNSUPPORTED(xc_deassign_device, xc_interface *xch, uint32_t domid, uint32_t sbdf)
UNSUPPORTED(xc_test_assign_device, xc_interface *xch, uint32_t domid, uint32_t sbdf)
UNSUPPORTED(xc_domain_create, xc_interface *xch, uint32_t *pdomid,
            struct xen_domctl_createdomain *config)
UNSUPPORTED(xc_domain_destroy, xc_interface *xch, uint32_t domid)
UNSUPPORTED(xc_domain_increase_reservation_exact, xc_interface *xch, uint32_t domid,
            unsigned long nr_extents, unsigned int extent_order, unsigned int mem_flags,
            xen_pfn_t *extent_start)
UNSUPPORTED(xc_domain_iomem_permission, xc_interface *xch, uint32_t domid, unsigned long first_mfn,
            unsigned long nr_mfns, uint8_t allow_access)
UNSUPPORTED(xc_domain_ioport_permission, xc_interface *xch, uint32_t domid, uint32_t first_port,
            uint32_t nr_ports, uint32_t allow_access)
UNSUPPORTED(xc_domain_irq_permission, xc_interface *xch, uint32_t domid, uint32_t pirq,
            bool allow_access)
UNSUPPORTED(xc_domain_max_vcpus, xc_interface *xch, uint32_t domid, unsigned int max)
UNSUPPORTED(xc_domain_pause, xc_interface *xch, uint32_t domid)
UNSUPPORTED(xc_domain_unpause, xc_interface *xch, uint32_t domid)
UNSUPPORTED(xc_domain_set_memmap_limit, xc_interface *xch, uint32_t domid,
            unsigned long map_limitkb)
UNSUPPORTED(xc_domain_sethandle, xc_interface *xch, uint32_t domid, xen_domain_handle_t handle)
UNSUPPORTED(xc_domain_setmaxmem, xc_interface *xch, uint32_t domid, uint64_t max_memkb)
UNSUPPORTED(xc_domain_shutdown, xc_interface *xch, uint32_t domid, int reason)
UNSUPPORTED(xc_evtchn_reset, xc_interface *xch, uint32_t dom)
UNSUPPORTED(xc_get_max_cpus, xc_interface *xch)
UNSUPPORTED(xc_getcpuinfo, xc_interface *xch, int max_cpus, xc_cpuinfo_t *info, int *nr_cpus)
UNSUPPORTED(xc_physinfo, xc_interface *xch, xc_physinfo_t *info)
UNSUPPORTED(xc_sched_credit_domain_get, xc_interface *xch, uint32_t domid,
            struct xen_domctl_sched_credit *sdom)
UNSUPPORTED(xc_sched_credit_domain_set, xc_interface *xch, uint32_t domid,
            struct xen_domctl_sched_credit *sdom)
UNSUPPORTED(xc_sched_id, xc_interface *xch, int *sched_id)
UNSUPPORTED(xc_shadow_control, xc_interface *xch, uint32_t domid, unsigned int sop,
            unsigned int *mb, unsigned int mode)
UNSUPPORTED(xc_vcpu_getaffinity, xc_interface *xch, uint32_t domid, int vcpu,
            xc_cpumap_t cpumap_hard, xc_cpumap_t cpumap_soft, uint32_t flags)
UNSUPPORTED(xc_vcpu_setaffinity, xc_interface *xch, uint32_t domid, int vcpu,
            xc_cpumap_t cpumap_hard_inout, xc_cpumap_t cpumap_soft_inout, uint32_t flags)
UNSUPPORTED(xc_vcpu_getcontext, xc_interface *xch, uint32_t domid, uint32_t vcpu,
            vcpu_guest_context_any_t *ctxt)
UNSUPPORTED(xc_vcpu_getinfo, xc_interface *xch, uint32_t domid, uint32_t vcpu, xc_vcpuinfo_t *info)
UNSUPPORTED(xc_version, xc_interface *xch, int cmd, void *arg)
UNSUPPORTED(xc_watchdog, xc_interface *xch, uint32_t id, uint32_t timeout)

xc_evtchn_port_or_error_t xc_evtchn_alloc_unbound(xc_interface *xch, uint32_t dom,
                                                  uint32_t remote_dom)
{
    return unsupported("xc_evtchn_alloc_unbound");
}

xc_cpumap_t xc_cpumap_alloc(xc_interface *xch)
{
    unsupported("xc_cpumap_alloc");
    return NULL;
}
