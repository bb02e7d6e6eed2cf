/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * LD_PRELOAD shim for Debian's xenstored on the simulated host: its dom0
 * store port and page come from the compiled-in /proc/xen/xsd_port and
 * /proc/xen/xsd_kva; this redirects exactly those opens into the host
 * directory ($XENSIM_DIR/proc-xen/). Every other open passes through.
 * (oxenstored takes both paths from its config file and needs no shim.)
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int open(const char *path, int flags, ...)
{
    static int (*real_open)(const char *, int, ...);
    if (!real_open)
        real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    const char *dir = getenv("XENSIM_DIR");
    static const char prefix[] = "/proc/xen/";
    if (dir && strncmp(path, prefix, sizeof(prefix) - 1) == 0) {
        const char *leaf = path + sizeof(prefix) - 1;
        if (strcmp(leaf, "xsd_port") == 0 || strcmp(leaf, "xsd_kva") == 0) {
            char alt[4096];
            snprintf(alt, sizeof(alt), "%s/proc-xen/%s", dir, leaf);
            return real_open(alt, flags, mode);
        }
    }
    return real_open(path, flags, mode);
}
