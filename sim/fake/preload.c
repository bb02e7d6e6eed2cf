/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * LD_PRELOAD shim for Debian's xenstoreds on the simulated host.
 * - The C xenstored's dom0 store port and page come from the compiled-in
 *   /proc/xen/xsd_port and /proc/xen/xsd_kva; this redirects exactly those
 *   opens into the host directory ($XENSIM_DIR/proc-xen/). Every other
 *   open passes through.
 * - oxenstored raises RLIMIT_NOFILE to /proc/sys/fs/nr_open and aborts
 *   when that is above the hard limit and CAP_SYS_RESOURCE is missing
 *   (containers, CI runners): there the request is clamped to the hard
 *   limit. Other limits, and requests that succeed, pass through.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

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

int setrlimit(__rlimit_resource_t resource, const struct rlimit *rlim)
{
    static int (*real_setrlimit)(__rlimit_resource_t, const struct rlimit *);
    if (!real_setrlimit)
        real_setrlimit = (int (*)(__rlimit_resource_t, const struct rlimit *))dlsym(
            RTLD_NEXT, "setrlimit");
    int rc = real_setrlimit(resource, rlim);
    if (rc == 0 || errno != EPERM || resource != RLIMIT_NOFILE ||
        !getenv("XENSIM_DIR"))
        return rc;
    struct rlimit cur, want;
    if (getrlimit(RLIMIT_NOFILE, &cur) < 0)
        return rc;
    want.rlim_max = rlim->rlim_max > cur.rlim_max ? cur.rlim_max : rlim->rlim_max;
    want.rlim_cur = rlim->rlim_cur > want.rlim_max ? want.rlim_max : rlim->rlim_cur;
    return real_setrlimit(resource, &want);
}
