/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drop-in libxenevtchn.so.1 for the simulated host: every exported symbol
 * of Debian's library, at its version node, backed by hv.h receivers. One
 * handle is one receiver; its fd is readable exactly while a port is
 * pending, as the Linux evtchn device behaves.
 */
#include <errno.h>
#include <stdlib.h>
#include <xenevtchn.h>

#include "sim/hv.h"

struct xenevtchn_handle {
    int recv;
    uint32_t domid; /* ports live in dom0 */
};

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    xenevtchn_handle *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->recv = hv_recv_open();
    if (h->recv < 0) {
        free(h);
        return NULL;
    }
    return h;
}

xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd, unsigned open_flags)
{
    /* Re-adopting an inherited fd (xenstored live update) has no meaning
     * here: the receiver is tied to the process that opened it. */
    errno = EOPNOTSUPP;
    return NULL;
}

int xenevtchn_close(xenevtchn_handle *xce)
{
    if (!xce)
        return 0;
    int rc = hv_recv_close(xce->recv);
    free(xce);
    return rc;
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
    return hv_recv_fd(xce->recv);
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
    return hv_evtchn_notify(xce->domid, port);
}

xenevtchn_port_or_error_t xenevtchn_bind_unbound_port(xenevtchn_handle *xce, uint32_t domid)
{
    return hv_evtchn_alloc_unbound(xce->domid, domid, xce->recv);
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
                                                     evtchn_port_t remote_port)
{
    return hv_evtchn_bind_interdomain(xce->domid, xce->recv, domid, remote_port);
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
    return hv_evtchn_bind_virq(xce->domid, xce->recv, virq);
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
    struct hv_port st;
    if (hv_evtchn_status(xce->domid, port, &st) < 0)
        return -1;
    if (st.receiver != (uint32_t)xce->recv + 1) {
        errno = EINVAL; /* not bound through this handle */
        return -1;
    }
    return hv_evtchn_close(xce->domid, port);
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
    int64_t key = hv_recv_pending(xce->recv);
    if (key < 0)
        return -1;
    uint32_t dom, port;
    hv_key_split((uint32_t)key, &dom, &port);
    return (xenevtchn_port_or_error_t)port;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
    return hv_evtchn_unmask(xce->domid, port);
}

int xenevtchn_restrict(xenevtchn_handle *xce, domid_t domid)
{
    return 0; /* dom0 already: nothing to restrict to in the simulation */
}
