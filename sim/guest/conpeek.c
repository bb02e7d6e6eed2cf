// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xensim-conpeek — a minimal console backend for tests of the simulated
 * guests: binds one console of DOMID (as xenconsoled would), optionally
 * types TEXT into it, copies what the guest prints to stdout until EXPECT
 * has been seen (exit 0) or the timeout passes (exit 1), then unbinds so
 * the console can be attached again.
 *
 *   xensim-conpeek DOMID [-c N] [-s TEXT]... [-d MS] [-e EXPECT] [-t SECONDS]
 *                  [-n BYTES] [-b FILE]
 *
 * Each -s TEXT (up to 8) is published into the input ring with its own
 * producer update and event, -d MS apart (default 0), so a test can split
 * a hotkey sequence across writes.
 * -c N: secondary console N (grant ref 1+N, device/console/N/port);
 * -n BYTES: stop after BYTES of output instead of (or before) EXPECT.
 * -b FILE: create FILE once the console is bound, so a test can start the
 * peek in the background and only then make the guest print (a crash
 * whose domain is destroyed right after its panic text must not race the
 * peek's start).
 * TEXT and EXPECT take the escapes of ctl_unescape (\r, \n, \e, \xHH).
 */
#include <fcntl.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xen/grant_table.h>
#include <xen/io/console.h>
#include <xenstore.h>

#include "sim/guest/ctlproto.h"
#include "sim/hv.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    unsigned con = 0;
    const char *sends[8], *expect = NULL, *bound_file = NULL;
    unsigned nsends = 0;
    double part_delay = 0;
    double timeout = 5;
    unsigned long long limit = 0;
    int opt;
    while ((opt = getopt(argc, argv, "c:s:d:e:t:n:b:")) != -1) {
        switch (opt) {
        case 'c':
            con = (unsigned)atoi(optarg);
            break;
        case 's':
            if (nsends == sizeof(sends) / sizeof(sends[0])) {
                fputs("conpeek: at most 8 -s\n", stderr);
                return 2;
            }
            sends[nsends++] = optarg;
            break;
        case 'd':
            part_delay = atof(optarg) / 1000.0;
            break;
        case 'e':
            expect = optarg;
            break;
        case 't':
            timeout = atof(optarg);
            break;
        case 'n':
            limit = strtoull(optarg, NULL, 10);
            break;
        case 'b':
            bound_file = optarg;
            break;
        default:
            return 2;
        }
    }
    if (optind + 1 != argc || con > GUEST_MAX_SECONDARY) {
        fputs("usage: xensim-conpeek DOMID [-c N] [-s TEXT]... [-d MS] [-e EXPECT] "
              "[-t SECONDS] [-n BYTES] [-b FILE]\n",
              stderr);
        return 2;
    }
    uint32_t domid = (uint32_t)strtoul(argv[optind], NULL, 10);
    char input[8 * GUEST_TEXT_MAX];
    size_t input_len = 0, part_end[8];
    char want[GUEST_TEXT_MAX];
    size_t want_len = 0;
    for (unsigned i = 0; i < nsends; i++) {
        size_t n;
        if (ctl_unescape(sends[i], input + input_len, GUEST_TEXT_MAX, &n) < 0) {
            fputs("conpeek: bad escape in -s\n", stderr);
            return 2;
        }
        input_len += n;
        part_end[i] = input_len;
    }
    if (expect && ctl_unescape(expect, want, sizeof(want), &want_len) < 0) {
        fputs("conpeek: bad escape in -e\n", stderr);
        return 2;
    }
    unsigned part = 0;
    double next_part_at = 0;
    if (hv_attach() < 0) {
        perror("conpeek: hv_attach");
        return 2;
    }
    struct xs_handle *xsh = xs_open(0);
    if (!xsh) {
        perror("conpeek: xs_open");
        return 2;
    }
    char path[128];
    if (con == 0)
        snprintf(path, sizeof(path), "/local/domain/%u/console/port", domid);
    else
        snprintf(path, sizeof(path), "/local/domain/%u/device/console/%u/port", domid, con);
    unsigned len = 0;
    char *port_s = xs_read(xsh, XBT_NULL, path, &len);
    if (!port_s) {
        fprintf(stderr, "conpeek: %s: %s\n", path, strerror(errno));
        return 2;
    }
    uint32_t remote_port = (uint32_t)strtoul(port_s, NULL, 10);
    free(port_s);
    xs_close(xsh);

    int page = hv_grant_page(domid, con == 0 ? GNTTAB_RESERVED_CONSOLE : 1 + con);
    struct xencons_interface *intf = page < 0 ? NULL : hv_page_map(page);
    int recv = hv_recv_open();
    if (recv >= 0) /* drained until EAGAIN below: never block in it */
        fcntl(hv_recv_fd(recv), F_SETFL, fcntl(hv_recv_fd(recv), F_GETFL) | O_NONBLOCK);
    int port = recv < 0 ? -1 : hv_evtchn_bind_interdomain(0, recv, domid, remote_port);
    if (!intf || port < 0) {
        fprintf(stderr, "conpeek: attach dom%u console %u: %s\n", domid, con, strerror(errno));
        return 2;
    }
    if (bound_file) {
        int fd = open(bound_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            fprintf(stderr, "conpeek: %s: %s\n", bound_file, strerror(errno));
            return 2;
        }
        close(fd);
    }
    volatile XENCONS_RING_IDX *out_cons = &intf->out_cons, *out_prod = &intf->out_prod;
    volatile XENCONS_RING_IDX *in_cons = &intf->in_cons, *in_prod = &intf->in_prod;
    size_t sent = 0;
    char seen[1 << 16];
    size_t seen_len = 0;
    unsigned long long total = 0;
    int rc = 1;
    double deadline = now_s() + timeout;
    for (;;) {
        bool kick = false;
        /* backend side of `out`: drain everything */
        uint32_t cons = *out_cons, prod = *out_prod;
        atomic_thread_fence(memory_order_seq_cst);
        if (prod - cons > sizeof(intf->out)) {
            fputs("conpeek: corrupt ring\n", stderr);
            break;
        }
        while (cons != prod) {
            char ch = intf->out[MASK_XENCONS_IDX(cons, intf->out)];
            cons++;
            fputc(ch, stdout);
            total++;
            if (seen_len == sizeof(seen)) {
                memmove(seen, seen + sizeof(seen) / 2, sizeof(seen) / 2);
                seen_len = sizeof(seen) / 2;
            }
            seen[seen_len++] = ch;
        }
        atomic_thread_fence(memory_order_seq_cst);
        if (*out_cons != cons) {
            *out_cons = cons;
            kick = true;
        }
        /* backend side of `in`: type what is left */
        if (sent < input_len && now_s() >= next_part_at) {
            uint32_t ic = *in_cons, ip = *in_prod;
            atomic_thread_fence(memory_order_seq_cst);
            while (sent < part_end[part] && ip - ic < sizeof(intf->in))
                intf->in[MASK_XENCONS_IDX(ip++, intf->in)] = input[sent++];
            atomic_thread_fence(memory_order_release);
            *in_prod = ip;
            kick = true;
            if (sent == part_end[part] && part + 1 < nsends) {
                part++;
                next_part_at = now_s() + part_delay;
            }
        }
        if (kick)
            hv_evtchn_notify(0, (uint32_t)port);
        fflush(stdout);
        if (expect && memmem(seen, seen_len, want, want_len) && sent == input_len) {
            rc = 0;
            break;
        }
        if (limit && total >= limit) {
            rc = 0;
            break;
        }
        double left = deadline - now_s();
        if (left <= 0)
            break;
        if (sent < input_len && next_part_at - now_s() < left)
            left = next_part_at - now_s() > 0 ? next_part_at - now_s() : 0;
        struct pollfd pfd = {.fd = hv_recv_fd(recv), .events = POLLIN};
        poll(&pfd, 1, (int)(left * 1000) + 1);
        int64_t key;
        while ((key = hv_recv_pending(recv)) >= 0) {
            uint32_t d, p;
            hv_key_split((uint32_t)key, &d, &p);
            hv_evtchn_unmask(d, p);
        }
    }
    if (!expect && !limit)
        rc = 0;
    hv_evtchn_close(0, (uint32_t)port);
    hv_recv_close(recv);
    hv_page_unmap(intf);
    if (rc)
        fprintf(stderr, "\nconpeek: timed out after %llu bytes\n", total);
    return rc;
}
