/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nullcons — the null console backend: the upper limit a console daemon
 * can reach on a host. It attaches to the primary console of each DOMID
 * given, through the daemon's own hypervisor port (daemon/hyp.c, i.e. the
 * real libxenctrl/libxenstore/libxenevtchn/libxengnttab calls), and on
 * every event only moves out_cons to out_prod (no copy, no log, no
 * clients), notifies the guest and unmasks. SIGTERM/SIGINT end it; it
 * then prints "nullcons: consumed BYTES bytes in EVENTS events".
 *
 * usage: nullcons DOMID...
 * Prints "ready" on stdout once every console is bound.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/io/console.h>

#include "daemon/hyp.h"

#define NULLCONS_MAX 4096

struct ncons {
    uint32_t domid;
    void *page;
    bool granted;
    int port;
};

static volatile sig_atomic_t stop;
static struct ncons cons[NULLCONS_MAX];
static int by_port[HYP_MAX_PORTS]; /* local port -> index + 1 */

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* Consume everything the guest has written. The page is guest memory:
 * indices are read once and a fill larger than the ring is refused. */
static uint32_t discard(void *page)
{
    volatile struct xencons_interface *r = page;
    uint32_t cons_idx = r->out_cons, prod = r->out_prod;
    atomic_thread_fence(memory_order_seq_cst);
    uint32_t fill = prod - cons_idx;
    if (fill > sizeof(r->out))
        return 0;
    r->out_cons = prod;
    return fill;
}

static int attach(struct hyp *h, struct ncons *c)
{
    char dir[HYP_PATH_MAX], path[HYP_PATH_MAX + 32], val[64];
    if (hyp_domain_path(h, c->domid, dir, sizeof(dir)) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/console/ring-ref", dir);
    if (hyp_read(h, path, val, sizeof(val)) < 0)
        return -1;
    uint64_t ref = strtoull(val, NULL, 10);
    snprintf(path, sizeof(path), "%s/console/port", dir);
    if (hyp_read(h, path, val, sizeof(val)) < 0)
        return -1;
    unsigned long remote = strtoul(val, NULL, 10);
    c->page = hyp_map_console(h, c->domid, ref, true, &c->granted);
    if (!c->page)
        return -1;
    c->port = hyp_bind(h, c->domid, (uint32_t)remote);
    if (c->port < 0)
        return -1;
    /* Xen 4.19's `connection` byte follows out_prod; 0 = connected. */
    *((volatile uint8_t *)c->page + offsetof(struct xencons_interface, out_prod) + 4) = 0;
    hyp_notify(h, c->port);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc - 1 > NULLCONS_MAX) {
        fprintf(stderr, "usage: nullcons DOMID... (at most %d)\n", NULLCONS_MAX);
        return 2;
    }
    char err[256];
    struct hyp *h = hyp_open(err, sizeof(err));
    if (!h) {
        fprintf(stderr, "nullcons: %s\n", err);
        return 1;
    }
    int n = argc - 1;
    for (int i = 0; i < n; i++) {
        cons[i].domid = (uint32_t)strtoul(argv[i + 1], NULL, 10);
        if (attach(h, &cons[i]) < 0) {
            fprintf(stderr, "nullcons: dom%u: cannot attach: %s\n", cons[i].domid, strerror(errno));
            return 1;
        }
        by_port[cons[i].port] = i + 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    printf("ready\n");
    fflush(stdout);

    unsigned long long bytes = 0, events = 0;
    struct pollfd pfd = {.fd = hyp_evtchn_fd(h), .events = POLLIN};
    while (!stop) {
        if (poll(&pfd, 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        int port;
        while ((port = hyp_pending(h)) >= 0) {
            events++;
            int idx = (unsigned)port < HYP_MAX_PORTS ? by_port[port] : 0;
            if (idx) {
                uint32_t got = discard(cons[idx - 1].page);
                bytes += got;
                if (got)
                    hyp_notify(h, port);
            }
            hyp_unmask(h, port);
        }
    }
    for (int i = 0; i < n; i++) {
        hyp_unbind(h, cons[i].port);
        hyp_unmap_console(h, cons[i].page, cons[i].granted);
    }
    hyp_close(h);
    printf("nullcons: consumed %llu bytes in %llu events\n", bytes, events);
    return 0;
}
