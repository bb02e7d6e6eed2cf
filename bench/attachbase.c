/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * attachbase — the least xenstore work attaching every console can take:
 * the limit the store sets on a console backend's attach. Through the
 * daemon's own hypervisor port (daemon/hyp.c: the real libxenctrl and
 * libxenstore calls on the same store), it lists the domains from the
 * hypervisor and, for every guest, reads the two nodes a console needs
 * (console/ring-ref and console/port) and writes console/tty: three
 * round trips per console, no watch, no map, no bind.
 *
 * usage: attachbase [--daemon-requests] EXPECTED
 * Waits (up to 600 s) until EXPECTED guests have both nodes, then prints
 * "attachbase: N consoles, R requests, T ms" (T: listing, reads and
 * writes of the one pass that found all of them) and exits 0.
 *
 * --daemon-requests: the same pass with the requests xcmuxd makes for a
 * console (daemon/domain.h), one round trip at a time: a watch on the
 * domain's directory, ring-ref, port, type, name, the device/console
 * listing, the tty write (seven). What the store charges for the
 * daemon's request mix, apart from how the daemon issues it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/hyp.h"

#define MAX_DOMS 32768

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct hyp_dominfo doms[MAX_DOMS];

int main(int argc, char **argv)
{
    bool daemon_requests = argc == 3 && strcmp(argv[1], "--daemon-requests") == 0;
    if (argc != 2 && !daemon_requests) {
        fprintf(stderr, "usage: attachbase [--daemon-requests] EXPECTED\n");
        return 2;
    }
    long expected = strtol(argv[argc - 1], NULL, 10);
    char err[256];
    /* One connection, as the simplest backend has: it submits no jobs,
     * so the port's job connections would be opened for nothing. */
    setenv("XCMUX_STORE_PIPELINE", "0", 1);
    struct hyp *h = hyp_open(err, sizeof(err));
    if (!h) {
        fprintf(stderr, "attachbase: %s\n", err);
        return 1;
    }
    uint64_t give_up = now_ms() + 600000;
    for (;;) {
        uint64_t t0 = now_ms();
        unsigned long requests = 0;
        long found = 0;
        int n = hyp_list_domains(h, doms, MAX_DOMS);
        for (int i = 0; i < n; i++) {
            if (doms[i].domid == 0 || doms[i].dying)
                continue;
            char path[HYP_PATH_MAX], ref[64], port[64], other[HYP_VALUE_MAX];
            unsigned id = doms[i].domid;
            if (daemon_requests) {
                char token[16];
                snprintf(path, sizeof(path), "/local/domain/%u", id);
                snprintf(token, sizeof(token), "d%u", id);
                requests++;
                if (hyp_watch(h, path, token) < 0)
                    continue;
            }
            snprintf(path, sizeof(path), "/local/domain/%u/console/ring-ref", id);
            requests++;
            if (hyp_read(h, path, ref, sizeof(ref)) < 0)
                continue;
            snprintf(path, sizeof(path), "/local/domain/%u/console/port", id);
            requests++;
            if (hyp_read(h, path, port, sizeof(port)) < 0)
                continue;
            if (daemon_requests) {
                /* Absent nodes are answers too: only the round trip counts. */
                snprintf(path, sizeof(path), "/local/domain/%u/console/type", id);
                requests++;
                (void)hyp_read(h, path, other, sizeof(other));
                snprintf(path, sizeof(path), "/local/domain/%u/name", id);
                requests++;
                (void)hyp_read(h, path, other, sizeof(other));
                snprintf(path, sizeof(path), "/local/domain/%u/device/console", id);
                requests++;
                (void)hyp_directory(h, path, other, sizeof(other));
            }
            snprintf(path, sizeof(path), "/local/domain/%u/console/tty", id);
            requests++;
            if (hyp_write(h, path, "/dev/pts/attachbase") < 0) {
                fprintf(stderr, "attachbase: write %s: %s\n", path, strerror(errno));
                continue;
            }
            found++;
        }
        uint64_t t1 = now_ms();
        if (found >= expected) {
            printf("attachbase: %ld consoles, %lu requests, %llu ms\n", found, requests,
                   (unsigned long long)(t1 - t0));
            hyp_close(h);
            return 0;
        }
        if (t1 > give_up) {
            fprintf(stderr, "attachbase: only %ld of %ld consoles after 600 s\n", found, expected);
            hyp_close(h);
            return 1;
        }
        usleep(100000);
    }
}
