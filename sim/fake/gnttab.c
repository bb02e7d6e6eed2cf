/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drop-in libxengnttab.so.1: grant mapping resolves a (domid, ref) to the
 * guest's page in the simulated page pool. Exports every symbol of
 * Debian's library; the ones a console backend never needs (gntshr,
 * dma-buf, grant copy) fail with EOPNOTSUPP rather than pretend.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <xengnttab.h>

#include "sim/hv.h"

struct xengntdev_handle {
    uint32_t max_grants;
};

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    if (hv_attach() < 0)
        return NULL;
    return calloc(1, sizeof(struct xengntdev_handle));
}

int xengnttab_close(xengnttab_handle *xgt)
{
    free(xgt);
    return 0;
}

int xengnttab_fd(xengnttab_handle *xgt)
{
    errno = EOPNOTSUPP;
    return -1;
}

void *xengnttab_map_domain_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t domid,
                                      uint32_t *refs, int prot)
{
    int pages[64];
    if (count == 0 || count > 64) {
        errno = EINVAL;
        return NULL;
    }
    for (uint32_t i = 0; i < count; i++)
        if ((pages[i] = hv_grant_page(domid, refs[i])) < 0)
            return NULL;
    return hv_pages_map(pages, count, NULL);
}

void *xengnttab_map_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t *domids,
                               uint32_t *refs, int prot)
{
    int pages[64];
    if (count == 0 || count > 64) {
        errno = EINVAL;
        return NULL;
    }
    for (uint32_t i = 0; i < count; i++)
        if ((pages[i] = hv_grant_page(domids[i], refs[i])) < 0)
            return NULL;
    return hv_pages_map(pages, count, NULL);
}

void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot)
{
    return xengnttab_map_domain_grant_refs(xgt, 1, domid, &ref, prot);
}

void *xengnttab_map_grant_ref_notify(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot,
                                     uint32_t notify_offset, evtchn_port_t notify_port)
{
    return xengnttab_map_domain_grant_refs(xgt, 1, domid, &ref, prot);
}

int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
    if (!start_address || count == 0) {
        errno = EINVAL;
        return -1;
    }
    return munmap(start_address, (size_t)count * HV_PAGE_SIZE);
}

int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
    xgt->max_grants = nr_grants;
    return 0;
}

int xengnttab_grant_copy(xengnttab_handle *xgt, uint32_t count,
                         xengnttab_grant_copy_segment_t *segs)
{
    errno = EOPNOTSUPP;
    return -1;
}

int xengnttab_dmabuf_exp_from_refs(xengnttab_handle *xgt, uint32_t domid, uint32_t flags,
                                   uint32_t count, const uint32_t *refs, uint32_t *fd)
{
    errno = EOPNOTSUPP;
    return -1;
}

int xengnttab_dmabuf_exp_wait_released(xengnttab_handle *xgt, uint32_t fd, uint32_t wait_to_ms)
{
    errno = EOPNOTSUPP;
    return -1;
}

int xengnttab_dmabuf_imp_to_refs(xengnttab_handle *xgt, uint32_t domid, uint32_t fd, uint32_t count,
                                 uint32_t *refs)
{
    errno = EOPNOTSUPP;
    return -1;
}

int xengnttab_dmabuf_imp_release(xengnttab_handle *xgt, uint32_t fd)
{
    errno = EOPNOTSUPP;
    return -1;
}

xengntshr_handle *xengntshr_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    errno = EOPNOTSUPP;
    return NULL;
}

int xengntshr_close(xengntshr_handle *xgs)
{
    return 0;
}

int xengntshr_fd(xengntshr_handle *xgs)
{
    errno = EOPNOTSUPP;
    return -1;
}

void *xengntshr_share_pages(xengntshr_handle *xgs, uint32_t domid, int count, uint32_t *refs,
                            int writable)
{
    errno = EOPNOTSUPP;
    return NULL;
}

void *xengntshr_share_page_notify(xengntshr_handle *xgs, uint32_t domid, uint32_t *ref,
                                  int writable, uint32_t notify_offset, evtchn_port_t notify_port)
{
    errno = EOPNOTSUPP;
    return NULL;
}

int xengntshr_unshare(xengntshr_handle *xgs, void *start_address, uint32_t count)
{
    errno = EOPNOTSUPP;
    return -1;
}
