/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xensim-host — the simulated hypervisor's own console: creates a host's
 * state and offers what `xl debug-keys`, `xl dmesg` and `xl list` would.
 * The launcher (xensim) calls it; tests may too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/hv.h"

static int usage(void)
{
    fputs("usage: xensim-host create DIR | mkdomain NAME | debug-keys KEYS | printk TEXT | dmesg | "
          "domains\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "create") == 0) {
        if (argc != 3)
            return usage();
        if (hv_host_create(argv[2]) < 0) {
            fprintf(stderr, "xensim-host: create %s: %s\n", argv[2], strerror(errno));
            return 1;
        }
        return 0;
    }
    if (hv_attach() < 0) {
        fprintf(stderr, "xensim-host: no host (XENSIM_DIR): %s\n", strerror(errno));
        return 1;
    }
    if (strcmp(cmd, "mkdomain") == 0 && argc == 3) {
        /* A bare domain with a console page (grant ref 0) and an unbound
         * port for dom0: enough for ABI and backend tests without a
         * guest behind it. Prints "DOMID GFN PORT". */
        int domid = hv_domain_create(argv[2], 0);
        int page = domid < 0 ? -1 : hv_page_alloc((uint32_t)domid);
        int port = page < 0 ? -1 : hv_evtchn_alloc_unbound((uint32_t)domid, 0, -1);
        if (port < 0 || hv_grant_set((uint32_t)domid, 0, page) < 0) {
            fprintf(stderr, "xensim-host: mkdomain: %s\n", strerror(errno));
            return 1;
        }
        printf("%d %llu %d\n", domid, (unsigned long long)hv_page_gfn(page), port);
        return 0;
    }
    if (strcmp(cmd, "debug-keys") == 0 && argc == 3)
        return hv_debug_keys(argv[2]) < 0;
    if (strcmp(cmd, "printk") == 0 && argc == 3) {
        /* One line on the hypervisor console, as Xen's printk writes it
         * ("(XEN) " prefix, newline), raising VIRQ_CON_RING. */
        char line[HV_CONRING_SIZE / 2];
        int n = snprintf(line, sizeof(line), "(XEN) %s\n", argv[2]);
        if (n < 0 || (size_t)n >= sizeof(line)) {
            fprintf(stderr, "xensim-host: printk: text longer than %zu bytes\n", sizeof(line) - 8);
            return 1;
        }
        hv_console_write(line, (size_t)n);
        return 0;
    }
    if (strcmp(cmd, "dmesg") == 0 && argc == 2) {
        char buf[4096];
        uint64_t idx = 0;
        size_t n;
        while ((n = hv_console_read(buf, sizeof(buf), &idx)) > 0)
            fwrite(buf, 1, n, stdout);
        return 0;
    }
    if (strcmp(cmd, "domains") == 0 && argc == 2) {
        static struct hv_domain d[256];
        uint32_t next = 0;
        int n;
        printf("%-6s %-20s %-8s %6s %6s\n", "ID", "NAME", "FLAGS", "NMI", "DEBUG");
        while ((n = hv_domain_list(next, d, 256)) > 0) {
            for (int i = 0; i < n; i++) {
                char f[8] = "------";
                if (d[i].flags & HV_DOM_DYING)
                    f[0] = 'd';
                if (d[i].flags & HV_DOM_SHUTDOWN)
                    f[1] = 's';
                if (d[i].flags & HV_DOM_CRASHED)
                    f[2] = 'c';
                if (d[i].flags & HV_DOM_PAUSED)
                    f[3] = 'p';
                if (d[i].flags & HV_DOM_HVM)
                    f[4] = 'h';
                printf("%-6u %-20s %-8s %6llu %6llu\n", d[i].domid, d[i].name, f,
                       (unsigned long long)d[i].nmi_count, (unsigned long long)d[i].debug_count);
                next = d[i].domid + 1;
            }
            if (n < 256)
                break;
        }
        return 0;
    }
    return usage();
}
