/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stand-in libxenguest.so.4.17 for oxenstored. oxenstored names
 * libxenguest as NEEDED and binds xc_domain_resume and
 * xc_get_cpu_featureset from it at load (BIND_NOW), but a store never
 * builds or resumes a domain. Debian's real libxenguest would in turn
 * bind ~50 more libxenctrl calls; this stand-in carries the same soname
 * and version node (VERS_4.17.0) and fails every call with ENOSYS.
 */
#include <errno.h>
#include <xenctrl.h>
#include <xenguest.h>

int xc_domain_resume(xc_interface *xch, uint32_t domid, int fast)
{
    errno = ENOSYS;
    return -1;
}

int xc_get_cpu_featureset(xc_interface *xch, uint32_t index, uint32_t *nr_features,
                          uint32_t *featureset)
{
    errno = ENOSYS;
    return -1;
}

uint32_t xc_get_cpu_featureset_size(void)
{
    return 0;
}
