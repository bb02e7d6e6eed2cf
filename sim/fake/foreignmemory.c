/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drop-in libxenforeignmemory.so.1: a gfn of a simulated guest is a page
 * of the shared pool (hv.h), mapped MAP_SHARED so both sides see one page.
 * Resource mapping is not simulated and fails with EOPNOTSUPP.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <xenforeignmemory.h>

#include "sim/hv.h"

struct xenforeignmemory_handle {
    int unused;
};

xenforeignmemory_handle *xenforeignmemory_open(struct xentoollog_logger *logger,
                                               unsigned open_flags)
{
    if (hv_attach() < 0)
        return NULL;
    return calloc(1, sizeof(struct xenforeignmemory_handle));
}

int xenforeignmemory_close(xenforeignmemory_handle *fmem)
{
    free(fmem);
    return 0;
}

void *xenforeignmemory_map2(xenforeignmemory_handle *fmem, uint32_t dom, void *addr, int prot,
                            int flags, size_t pages, const xen_pfn_t arr[], int err[])
{
    if (pages == 0 || pages > 1024) {
        errno = EINVAL;
        return NULL;
    }
    int *idx = malloc(pages * sizeof(int));
    if (!idx)
        return NULL;
    for (size_t i = 0; i < pages; i++) {
        idx[i] = hv_gfn_page(dom, arr[i]);
        if (err)
            err[i] = idx[i] < 0 ? -EINVAL : 0;
        else if (idx[i] < 0) {
            free(idx);
            errno = EINVAL;
            return NULL;
        }
    }
    void *p = hv_pages_map(idx, pages, (flags & MAP_FIXED) ? addr : NULL);
    free(idx);
    return p;
}

void *xenforeignmemory_map(xenforeignmemory_handle *fmem, uint32_t dom, int prot, size_t pages,
                           const xen_pfn_t arr[], int err[])
{
    return xenforeignmemory_map2(fmem, dom, NULL, prot, 0, pages, arr, err);
}

int xenforeignmemory_unmap(xenforeignmemory_handle *fmem, void *addr, size_t pages)
{
    return munmap(addr, pages * HV_PAGE_SIZE);
}

int xenforeignmemory_restrict(xenforeignmemory_handle *fmem, domid_t domid)
{
    return 0;
}

xenforeignmemory_resource_handle *
xenforeignmemory_map_resource(xenforeignmemory_handle *fmem, domid_t domid, unsigned int type,
                              unsigned int id, unsigned long frame, unsigned long nr_frames,
                              void **paddr, int prot, int flags)
{
    errno = EOPNOTSUPP;
    return NULL;
}

int xenforeignmemory_unmap_resource(xenforeignmemory_handle *fmem,
                                    xenforeignmemory_resource_handle *fres)
{
    errno = EOPNOTSUPP;
    return -1;
}

int xenforeignmemory_resource_size(xenforeignmemory_handle *fmem, domid_t domid, unsigned int type,
                                   unsigned int id, size_t *size)
{
    errno = EOPNOTSUPP;
    return -1;
}
