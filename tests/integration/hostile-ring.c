/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hostile-ring — play a hostile guest kernel against a guest's console ring
 * page on a xensim host (tests/integration/hostile.sh).
 *
 *   hostile-ring DOMID show
 *       print "in_cons in_prod out_cons out_prod" of the primary console
 *   hostile-ring DOMID set FIELD=VALUE... [notify=PORT]
 *       store indices (FIELD: in_cons in_prod out_cons out_prod, VALUE a
 *       32-bit number), then optionally raise the guest's event channel
 *       PORT so the backend looks at once
 *   hostile-ring DOMID race SECONDS PORT [INSANE]
 *       for SECONDS, keep moving out_cons/out_prod to random positions
 *       with a fill within the ring (so the backend keeps draining), one
 *       move in INSANE (default 0: none) with a random fill of any size,
 *       scribbling random bytes into the output ring and raising PORT;
 *       prints the number of moves
 *
 * The page is the one the guest granted as ref 0 (what xl and libxl
 * reserve for the console), mapped through the simulated hypervisor: the
 * same memory the guest and the backend share. A real guest kernel can do
 * all of this to its own page.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xen/xen.h>
#include <xen/io/console.h>

#include "sim/hv.h"

static int usage(void)
{
    fputs("usage: hostile-ring DOMID show | set FIELD=VALUE... [notify=PORT] |"
          " race SECONDS PORT [INSANE]\n",
          stderr);
    return 2;
}

static int parse_u32(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static volatile uint32_t *field(volatile struct xencons_interface *r, const char *name)
{
    if (strcmp(name, "in_cons") == 0)
        return &r->in_cons;
    if (strcmp(name, "in_prod") == 0)
        return &r->in_prod;
    if (strcmp(name, "out_cons") == 0)
        return &r->out_cons;
    if (strcmp(name, "out_prod") == 0)
        return &r->out_prod;
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int race(volatile struct xencons_interface *r, uint32_t domid, double secs, uint32_t port,
                uint32_t insane)
{
    uint64_t moves = 0;
    srandom((unsigned)time(NULL) ^ (unsigned)domid);
    double end = now_s() + secs;
    while (now_s() < end) {
        uint32_t cons = (uint32_t)random() * 2u + (uint32_t)(random() & 1);
        /* An insane fill must be spotted whatever the backend was doing
         * at that moment. */
        uint32_t fill = insane && (uint32_t)random() % insane == 0
                            ? (uint32_t)random() * 2u
                            : (uint32_t)random() % (sizeof(r->out) + 1);
        size_t at = (size_t)random() % sizeof(r->out);
        r->out[at] = (char)random();
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (random() & 1) {
            r->out_cons = cons;
            r->out_prod = cons + fill;
        } else {
            r->out_prod = cons + fill;
            r->out_cons = cons;
        }
        hv_evtchn_notify(domid, port);
        moves++;
        if ((moves & 15) == 0) {
            struct timespec ts = {0, 200 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    printf("%llu\n", (unsigned long long)moves);
    return 0;
}

int main(int argc, char **argv)
{
    uint32_t domid;
    if (argc < 3 || parse_u32(argv[1], &domid) < 0)
        return usage();
    if (hv_attach() < 0) {
        fprintf(stderr, "hostile-ring: no xensim host (XENSIM_DIR): %s\n", strerror(errno));
        return 1;
    }
    int page = hv_grant_page(domid, 0);
    void *p = page < 0 ? NULL : hv_page_map(page);
    if (!p) {
        fprintf(stderr, "hostile-ring: dom%u console page: %s\n", domid, strerror(errno));
        return 1;
    }
    volatile struct xencons_interface *r = p;
    const char *cmd = argv[2];
    if (strcmp(cmd, "show") == 0 && argc == 3) {
        printf("%u %u %u %u\n", r->in_cons, r->in_prod, r->out_cons, r->out_prod);
        return 0;
    }
    if (strcmp(cmd, "set") == 0 && argc > 3) {
        uint32_t notify_port = 0;
        int notify = 0;
        for (int i = 3; i < argc; i++) {
            char name[16];
            const char *eq = strchr(argv[i], '=');
            uint32_t v;
            if (!eq || (size_t)(eq - argv[i]) >= sizeof(name) || parse_u32(eq + 1, &v) < 0)
                return usage();
            memcpy(name, argv[i], (size_t)(eq - argv[i]));
            name[eq - argv[i]] = '\0';
            if (strcmp(name, "notify") == 0) {
                notify = 1;
                notify_port = v;
                continue;
            }
            volatile uint32_t *f = field(r, name);
            if (!f)
                return usage();
            *f = v;
        }
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (notify && hv_evtchn_notify(domid, notify_port) < 0) {
            fprintf(stderr, "hostile-ring: notify dom%u port %u: %s\n", domid, notify_port,
                    strerror(errno));
            return 1;
        }
        return 0;
    }
    if (strcmp(cmd, "race") == 0 && (argc == 5 || argc == 6)) {
        uint32_t secs, port, insane = 0;
        if (parse_u32(argv[3], &secs) < 0 || parse_u32(argv[4], &port) < 0 || secs > 600 ||
            (argc == 6 && parse_u32(argv[5], &insane) < 0))
            return usage();
        return race(r, domid, secs, port, insane);
    }
    return usage();
}
