/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the simulated hypervisor (sim/hv.c): the event-channel
 * semantics every later test relies on, and recovery from a receiver
 * whose process died.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/hv.h"

static char dir[] = "/tmp/test-hv.XXXXXX";

static int readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* A receiver whose owner drains it until EAGAIN (as every backend must). */
static int open_nb(void)
{
    int r = hv_recv_open();
    if (r >= 0)
        fcntl(hv_recv_fd(r), F_SETFL, fcntl(hv_recv_fd(r), F_GETFL) | O_NONBLOCK);
    return r;
}

static int setup(void **state)
{
    assert_non_null(mkdtemp(dir));
    assert_int_equal(hv_host_create(dir), 0);
    setenv("XENSIM_DIR", dir, 1);
    assert_int_equal(hv_attach(), 0);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A guest's unbound port, bound by dom0: notifies cross, bursts coalesce,
 * masked until unmasked, and a notify while masked is not lost. */
static void test_interdomain_coalesce(void **state)
{
    int guest_rx = open_nb(), dom0_rx = open_nb();
    assert_true(guest_rx >= 0 && dom0_rx >= 0);
    int domid = hv_domain_create("g", 0);
    assert_true(domid > 0);
    int gport = hv_evtchn_alloc_unbound((uint32_t)domid, 0, guest_rx);
    assert_true(gport > 0);

    /* Only dom0 may bind it, and only to that port. */
    int other = hv_domain_create("other", 0);
    assert_int_equal(
        hv_evtchn_bind_interdomain((uint32_t)other, -1, (uint32_t)domid, (uint32_t)gport), -1);
    int lport = hv_evtchn_bind_interdomain(0, dom0_rx, (uint32_t)domid, (uint32_t)gport);
    assert_true(lport > 0);

    /* Xen marks a newly bound port pending: one event. */
    int fd = hv_recv_fd(dom0_rx);
    assert_true(readable(fd));
    int64_t key = hv_recv_pending(dom0_rx);
    assert_true(key > 0);
    uint32_t d, p;
    hv_key_split((uint32_t)key, &d, &p);
    assert_int_equal(d, 0);
    assert_int_equal(p, (uint32_t)lport);
    assert_false(readable(fd));
    assert_int_equal(hv_recv_pending(dom0_rx), -1);
    assert_int_equal(errno, EAGAIN);

    /* Masked until unmask: a burst of notifies is not delivered... */
    for (int i = 0; i < 100; i++)
        assert_int_equal(hv_evtchn_notify((uint32_t)domid, (uint32_t)gport), 0);
    assert_false(readable(fd));
    /* ...but is not lost: unmask delivers it once. */
    assert_int_equal(hv_evtchn_unmask(0, (uint32_t)lport), 0);
    assert_true(readable(fd));
    assert_int_equal(hv_recv_pending(dom0_rx), key);
    assert_int_equal(hv_recv_pending(dom0_rx), -1);
    assert_int_equal(hv_evtchn_unmask(0, (uint32_t)lport), 0);
    assert_false(readable(fd));

    /* Unmasked: a burst coalesces into one queued event. */
    for (int i = 0; i < 100; i++)
        hv_evtchn_notify((uint32_t)domid, (uint32_t)gport);
    assert_int_equal(hv_recv_pending(dom0_rx), key);
    assert_int_equal(hv_recv_pending(dom0_rx), -1);
    hv_evtchn_unmask(0, (uint32_t)lport);

    /* The other direction reaches the guest's receiver. */
    assert_int_equal(hv_evtchn_notify(0, (uint32_t)lport), 0);
    int64_t gkey = hv_recv_pending(guest_rx);
    hv_key_split((uint32_t)gkey, &d, &p);
    assert_int_equal(d, (uint32_t)domid);
    assert_int_equal(p, (uint32_t)gport);

    /* Closing dom0's end returns the guest's port to unbound, rebindable. */
    struct hv_port st;
    assert_int_equal(hv_evtchn_close(0, (uint32_t)lport), 0);
    assert_int_equal(hv_evtchn_status((uint32_t)domid, (uint32_t)gport, &st), 0);
    assert_int_equal(st.state, HV_PORT_UNBOUND);
    assert_int_equal(st.remote_dom, 0);
    assert_true(hv_evtchn_bind_interdomain(0, dom0_rx, (uint32_t)domid, (uint32_t)gport) > 0);

    /* Destroying the guest unbinds dom0's end and raises VIRQ_DOM_EXC. */
    int vport = hv_evtchn_bind_virq(0, dom0_rx, HV_VIRQ_DOM_EXC);
    assert_true(vport > 0);
    while (hv_recv_pending(dom0_rx) >= 0)
        ;
    assert_int_equal(hv_domain_destroy((uint32_t)domid), 0);
    key = hv_recv_pending(dom0_rx);
    hv_key_split((uint32_t)key, &d, &p);
    assert_int_equal(p, (uint32_t)vport);
    struct hv_domain info;
    assert_int_equal(hv_domain_get((uint32_t)domid, &info), -1);
    assert_int_equal(hv_domain_destroy((uint32_t)other), 0);
    hv_recv_close(guest_rx);
    hv_recv_close(dom0_rx);
}

/* Many ports on one receiver: each delivered exactly once, in order. */
static void test_queue_many(void **state)
{
    int rx = open_nb(), grx = open_nb();
    int domid = hv_domain_create("many", 0);
    int lports[8];
    for (int i = 0; i < 8; i++) {
        int g = hv_evtchn_alloc_unbound((uint32_t)domid, 0, grx);
        lports[i] = hv_evtchn_bind_interdomain(0, rx, (uint32_t)domid, (uint32_t)g);
        assert_true(lports[i] > 0);
    }
    for (int i = 0; i < 8; i++) {
        uint32_t d, p;
        int64_t key = hv_recv_pending(rx);
        assert_true(key > 0);
        hv_key_split((uint32_t)key, &d, &p);
        assert_int_equal(p, (uint32_t)lports[i]);
        if (i < 7)
            assert_true(readable(hv_recv_fd(rx)));
    }
    assert_false(readable(hv_recv_fd(rx)));
    /* Closing a queued port removes it from the queue. */
    for (int i = 0; i < 8; i++)
        hv_evtchn_unmask(0, (uint32_t)lports[i]);
    hv_raise_guest_virq((uint32_t)domid, HV_VIRQ_DEBUG); /* no-op: unbound */
    assert_int_equal(hv_evtchn_close(0, (uint32_t)lports[3]), 0);
    assert_int_equal(hv_domain_destroy((uint32_t)domid), 0);
    assert_int_equal(hv_recv_pending(rx), -1);
    assert_false(readable(hv_recv_fd(rx)));
    hv_recv_close(rx);
    hv_recv_close(grx);
}

/* A receiver in a process that dies is reaped: its dom0 ports close and
 * the guest's port is unbound again for the next backend. */
static void test_crashed_receiver_reaped(void **state)
{
    int grx = open_nb();
    int domid = hv_domain_create("crashy", 0);
    int gport = hv_evtchn_alloc_unbound((uint32_t)domid, 0, grx);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int rx = open_nb();
        int l = hv_evtchn_bind_interdomain(0, rx, (uint32_t)domid, (uint32_t)gport);
        hv_lock(); /* die holding the lock: the robust mutex recovers */
        _exit(l > 0 ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_int_equal(WEXITSTATUS(status), 0);
    struct hv_port st;
    assert_int_equal(hv_evtchn_status((uint32_t)domid, (uint32_t)gport, &st), 0);
    assert_int_equal(st.state, HV_PORT_INTERDOMAIN);
    int rx = open_nb(); /* reaps */
    assert_true(rx >= 0);
    assert_int_equal(hv_evtchn_status((uint32_t)domid, (uint32_t)gport, &st), 0);
    assert_int_equal(st.state, HV_PORT_UNBOUND);
    assert_true(hv_evtchn_bind_interdomain(0, rx, (uint32_t)domid, (uint32_t)gport) > 0);
    hv_domain_destroy((uint32_t)domid);
    hv_recv_close(rx);
    hv_recv_close(grx);
}

/* Like /dev/xen/evtchn, a receiver starts blocking: with nothing pending,
 * hv_recv_pending waits for the next event instead of failing. A backend
 * that forgets O_NONBLOCK therefore hangs here as it would on real Xen. */
static void test_blocking_receiver_waits(void **state)
{
    int rx = hv_recv_open(), grx = open_nb();
    assert_true(rx >= 0 && grx >= 0);
    assert_false(fcntl(hv_recv_fd(rx), F_GETFL) & O_NONBLOCK);
    int domid = hv_domain_create("blocky", 0);
    int g = hv_evtchn_alloc_unbound((uint32_t)domid, 0, grx);
    int l = hv_evtchn_bind_interdomain(0, rx, (uint32_t)domid, (uint32_t)g);
    assert_true(l > 0);
    assert_true(hv_recv_pending(rx) > 0); /* the bind's own event */
    hv_evtchn_unmask(0, (uint32_t)l);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        usleep(200 * 1000);
        _exit(hv_evtchn_notify((uint32_t)domid, (uint32_t)g) == 0 ? 0 : 1);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int64_t key = hv_recv_pending(rx); /* waits for the child's notify */
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int status;
    waitpid(pid, &status, 0);
    assert_int_equal(WEXITSTATUS(status), 0);
    uint32_t d, p;
    hv_key_split((uint32_t)key, &d, &p);
    assert_int_equal(p, (uint32_t)l);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(ms >= 150);
    hv_domain_destroy((uint32_t)domid);
    hv_recv_close(rx);
    hv_recv_close(grx);
}

static void test_pages_shared_and_owned(void **state)
{
    int domid = hv_domain_create("mem", 0);
    int page = hv_page_alloc((uint32_t)domid);
    assert_true(page > 0);
    assert_int_equal(hv_grant_set((uint32_t)domid, 0, page), 0);
    assert_int_equal(hv_grant_page((uint32_t)domid, 0), page);
    assert_int_equal(hv_grant_page((uint32_t)domid, 5), -1);
    assert_int_equal(hv_grant_set((uint32_t)domid, HV_GRANTS, page), -1);
    uint64_t gfn = hv_page_gfn(page);
    assert_int_equal(hv_gfn_page((uint32_t)domid, gfn), page);
    assert_int_equal(hv_gfn_page(0, gfn), -1);              /* not dom0's */
    assert_int_equal(hv_gfn_page((uint32_t)domid, 12), -1); /* out of range */
    char *a = hv_page_map(page), *b = hv_page_map(page);
    assert_non_null(a);
    assert_non_null(b);
    strcpy(a, "same page");
    assert_string_equal(b, "same page");
    hv_page_unmap(a);
    hv_page_unmap(b);
    hv_domain_destroy((uint32_t)domid);
    assert_int_equal(hv_gfn_page((uint32_t)domid, gfn), -1);
}

static void test_domain_list_order_and_flags(void **state)
{
    int a = hv_domain_create("a", 0), b = hv_domain_create("b", HV_DOM_HVM);
    assert_true(b > a);
    struct hv_domain d[4];
    int n = hv_domain_list((uint32_t)a, d, 4);
    assert_int_equal(n, 2);
    assert_int_equal(d[0].domid, (uint32_t)a);
    assert_int_equal(d[1].domid, (uint32_t)b);
    assert_true(d[1].flags & HV_DOM_HVM);
    assert_int_equal(hv_domain_shutdown((uint32_t)a, 3, 1), 0);
    assert_int_equal(hv_domain_get((uint32_t)a, d), 0);
    assert_true(d[0].flags & HV_DOM_CRASHED);
    assert_true(d[0].flags & HV_DOM_SHUTDOWN);
    assert_int_equal(d[0].shutdown_reason, 3);
    assert_int_equal(hv_send_nmi((uint32_t)b), 0);
    assert_int_equal(hv_domain_get((uint32_t)b, d), 0);
    assert_int_equal(d[0].nmi_count, 1);
    hv_domain_destroy((uint32_t)a);
    hv_domain_destroy((uint32_t)b);
    /* ids are not reused */
    int c = hv_domain_create("c", 0);
    assert_true(c > b);
    hv_domain_destroy((uint32_t)c);
}

static void test_console_ring(void **state)
{
    char buf[64];
    uint64_t idx = 0;
    while (hv_console_read(buf, sizeof(buf), &idx) > 0)
        ;
    hv_console_write("hello\n", 6);
    size_t n = hv_console_read(buf, sizeof(buf), &idx);
    assert_int_equal(n, 6);
    assert_memory_equal(buf, "hello\n", 6);
    assert_int_equal(hv_console_read(buf, sizeof(buf), &idx), 0);
    /* A reader left behind by more than the ring skips what was lost. */
    static char big[HV_CONRING_SIZE + 100];
    memset(big, 'x', sizeof(big));
    uint64_t old = idx;
    hv_console_write(big, sizeof(big));
    size_t total = 0;
    while ((n = hv_console_read(buf, sizeof(buf), &old)) > 0)
        total += n;
    assert_int_equal(total, HV_CONRING_SIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interdomain_coalesce),
        cmocka_unit_test(test_queue_many),
        cmocka_unit_test(test_crashed_receiver_reaped),
        cmocka_unit_test(test_blocking_receiver_waits),
        cmocka_unit_test(test_pages_shared_and_owned),
        cmocka_unit_test(test_domain_list_order_and_flags),
        cmocka_unit_test(test_console_ring),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
