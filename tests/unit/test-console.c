/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-console.c — a console's life with sessions on it (console.h,
 * session.h), on the core harness (fake xen port): the drain delivers
 * guest output to every reader and the log and frees ring space; a
 * console going away ends or keeps its sessions; reboot-follow moves a
 * following session to the guest's next console; a corrupt ring is
 * disabled with its sessions told; a narrowed admin ACL reaches idle
 * connections at reload.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/console.h"
#include "daemon/daemon.h"
#include "daemon/hyp.h"
#include "daemon/log.h"
#include "daemon/pty.h"
#include "daemon/ring.h"
#include "daemon/session.h"
#include "daemon/watch.h"
#include "tests/unit/core-harness.h"

static int setup(void **state)
{
    core_setup(NULL);
    *state = core_guest_start(1, "web");
    return 0;
}

static int teardown(void **state)
{
    core_teardown();
    return 0;
}

static void test_drain_reaches_every_reader(void **state)
{
    struct console *c = *state;
    struct client *a = client_new(), *b = client_new();
    assert_true(client_attach(a, "web", XP_MODE_READ_WRITE, 0, NULL));
    assert_true(client_attach(b, "web", XP_MODE_READ_ONLY, 0, NULL));
    unsigned kicks = fake_notified(xd.hyp, c->local_port);
    core_guest_says(c, "hello, world\n");
    char got_a[256] = "", got_b[256] = "";
    client_read_data(a, got_a, sizeof(got_a));
    client_read_data(b, got_b, sizeof(got_b));
    assert_string_equal(got_a, "hello, world\n");
    assert_string_equal(got_b, "hello, world\n");
    assert_int_equal(c->bytes_out, 13);
    /* The ring is empty again and the guest was told there is room. */
    assert_int_equal(ring_out_fill(c->page), 0);
    assert_true(fake_notified(xd.hyp, c->local_port) > kicks);
    /* The log got it too. */
    assert_non_null(c->log);
    assert_true(core_file_has(log_path(c->log), "hello, world"));
    /* More than one ring-full: the guest refills as the daemon drains. */
    char chunk[1025];
    memset(chunk, 'x', 1024);
    chunk[1024] = '\0';
    size_t total = 0;
    for (int i = 0; i < 8; i++) {
        core_guest_says(c, chunk);
        total += 1024;
    }
    char big[16384] = "";
    assert_int_equal(client_read_data(a, big, sizeof(big)), total);
    client_close(a);
    client_close(b);
}

/* The pty is one more reader of the audience: it gets the output as
 * sessions do, and its path is what console/tty says. */
static void test_pty_is_a_reader(void **state)
{
    core_setup("pty = rw");
    struct console *c = core_guest_start(1, "web");
    assert_non_null(c->pty);
    char tty[128];
    assert_true(hyp_read(xd.hyp, "/local/domain/1/console/tty", tty, sizeof(tty)) > 0);
    assert_string_equal(tty, pty_path(c->pty));
    int fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK);
    assert_true(fd >= 0);
    struct client *a = client_new();
    assert_true(client_attach(a, "web", XP_MODE_READ_ONLY, 0, NULL));
    core_guest_says(c, "to both\n");
    char buf[64] = "";
    ssize_t n = 0;
    for (int i = 0; i < 1000 && n < 8; i++) {
        ssize_t k = read(fd, buf + n, sizeof(buf) - 1 - (size_t)n);
        if (k > 0)
            n += k;
        else
            usleep(1000);
    }
    assert_int_equal(n, 8);
    buf[n] = '\0';
    assert_string_equal(buf, "to both\n");
    char got[64] = "";
    client_read_data(a, got, sizeof(got));
    assert_string_equal(got, "to both\n");
    assert_int_equal(pty_bytes_sent(c->pty), 8);
    /* The pty is not a session. */
    assert_int_equal(c->nsessions, 1);
    /* Typed on the pty (read-write): to the guest. */
    assert_int_equal(write(fd, "ls\n", 3), 3);
    /* The tty layer hands the bytes to the master side asynchronously. */
    char in[16] = "";
    size_t typed = 0;
    for (int i = 0; i < 1000 && typed < 3; i++) {
        core_run();
        typed += fake_guest_read(c->page, in + typed, sizeof(in) - 1 - typed);
        if (typed < 3)
            usleep(1000);
    }
    assert_string_equal(in, "ls\n");
    close(fd);
    client_close(a);
    core_teardown();
}

static void test_output_before_attach_is_replayed(void **state)
{
    struct console *c = *state;
    core_guest_says(c, "boot line\n");
    struct client *a = client_new();
    struct xp_attached ok;
    assert_true(client_attach(a, "web", XP_MODE_READ_ONLY, 0, &ok));
    assert_int_equal(ok.replayed, 10);
    char got[64] = "";
    client_read_data(a, got, sizeof(got));
    assert_string_equal(got, "boot line\n");
    client_close(a);
}

static void test_gone_with_sessions_attached(void **state)
{
    struct console *c = *state;
    struct client *plain = client_new(), *follow = client_new();
    assert_true(client_attach(plain, "web", XP_MODE_READ_WRITE, 0, NULL));
    assert_true(client_attach(follow, "web", XP_MODE_READ_ONLY, XP_ATTACH_F_FOLLOW, NULL));
    core_guest_says(c, "last words\n");
    core_guest_destroy(1);
    /* Output read before the end is delivered before the notice. */
    char got[64] = "";
    client_read_data(plain, got, sizeof(got));
    assert_string_equal(got, "last words\n");
    assert_int_equal(plain->msg.u.notice.code, XP_N_DOMAIN_GONE);
    assert_int_equal(plain->msg.u.notice.count, 1);
    /* The plain session is closed; the following one waits. */
    assert_int_equal(client_next(plain), -1);
    assert_true(client_find_notice(follow, XP_N_DOMAIN_GONE));
    assert_non_null(strstr(follow->msg.u.notice.text, "waiting for it to come back"));
    assert_int_equal(c->state, CONSOLE_GONE);
    assert_int_equal(c->nsessions, 1);
    assert_null(c->writer);
    assert_int_equal(xd.nconsoles, 1);
    /* The last session leaving frees the gone console. */
    client_close(follow);
    assert_int_equal(xd.nconsoles, 0);
    client_close(plain);
}

static void test_gone_console_without_sessions_is_freed(void **state)
{
    /* Hotkeys heard the console being created (events.h). */
    struct console *c = *state;
    assert_non_null(c->hk);
    core_guest_destroy(1);
    assert_int_equal(xd.nconsoles, 0);
}

static void test_reboot_follow(void **state)
{
    struct console *old = *state;
    struct client *f = client_new(), *plain = client_new();
    assert_true(client_attach(f, "web", XP_MODE_READ_WRITE, XP_ATTACH_F_FOLLOW, NULL));
    assert_true(client_attach(plain, "web", XP_MODE_READ_ONLY, 0, NULL));
    assert_ptr_equal(old->writer, f->s);
    core_guest_destroy(1);
    assert_true(client_find_notice(f, XP_N_DOMAIN_GONE));
    struct console *c = core_guest_start(2, "web");
    /* The gone console went with its last session. */
    assert_int_equal(xd.nconsoles, 1);
    assert_true(client_find_notice(f, XP_N_DOMAIN_BACK));
    assert_int_equal(f->msg.u.notice.count, 2);
    assert_ptr_equal(f->s->con, c);
    assert_ptr_equal(c->writer, f->s);
    assert_true(client_find_notice(f, XP_N_WRITER));
    core_guest_says(c, "second boot\n");
    char got[64] = "";
    client_read_data(f, got, sizeof(got));
    assert_string_equal(got, "second boot\n");
    client_send_input(f, "root\n");
    char in[16] = "";
    fake_guest_read(c->page, in, sizeof(in) - 1);
    assert_string_equal(in, "root\n");
    /* A guest of another name does not take it. */
    core_guest_destroy(2);
    core_guest_start(3, "db");
    assert_int_equal(f->s->con->state, CONSOLE_GONE);
    client_close(f);
    client_close(plain);
}

/* A following session refused on the new console is told the
 * admission's reason. */
static void test_reboot_follow_refused_says_why(void **state)
{
    core_setup("read = uid:4242\nmax_sessions_per_user = 2");
    core_guest_start(1, "web");
    struct client *f1 = client_new(), *f2 = client_new();
    client_as(f1, 4242);
    client_as(f2, 4242);
    assert_true(client_attach(f1, "web", XP_MODE_READ_ONLY, XP_ATTACH_F_FOLLOW, NULL));
    assert_true(client_attach(f2, "web", XP_MODE_READ_ONLY, XP_ATTACH_F_FOLLOW, NULL));
    core_reload("read = uid:4242\nmax_sessions_per_user = 1");
    core_guest_destroy(1);
    core_guest_start(2, "web");
    assert_true(client_find_notice(f1, XP_N_DOMAIN_BACK));
    /* Gone (waiting), then ended by the admission: DETACHED, why. */
    assert_true(client_find_notice(f2, XP_N_DOMAIN_GONE));
    assert_true(client_find_notice(f2, XP_N_DETACHED));
    assert_non_null(strstr(f2->msg.u.notice.text, "limit 1 per user"));
    assert_null(strstr(f2->msg.u.notice.text, "limit 64"));
    client_close(f1);
    client_close(f2);
    core_teardown();
}

static void test_corrupt_ring_disables_console(void **state)
{
    struct console *c = *state;
    struct client *a = client_new();
    assert_true(client_attach(a, "web", XP_MODE_READ_WRITE, 0, NULL));
    client_drain(a);
    fake_ring_corrupt(c->page);
    console_event(c);
    core_run();
    assert_int_equal(c->state, CONSOLE_CORRUPT);
    assert_true(client_find_notice(a, XP_N_INFO));
    assert_non_null(strstr(a->msg.u.notice.text, "corrupted its ring"));
    client_close(a);
}

/* An idle connection of an administrator keeps no admin privilege past
 * a reload that removes it from the admin ACL: its next ATTACH is
 * admitted under the per-user caps like anyone's. */
static void test_reload_narrows_admin_of_idle_connection(void **state)
{
    core_setup("read = uid:4242\nadmin = uid:4242\nmax_sessions_per_user = 1");
    core_guest_start(1, "web");
    struct client *a = client_new(), *idle = client_new();
    client_as(a, 4242);
    client_as(idle, 4242);
    assert_true(idle->s->admin);
    assert_true(client_attach(a, "web", XP_MODE_READ_ONLY, 0, NULL));
    core_reload("read = uid:4242\nmax_sessions_per_user = 1");
    assert_false(idle->s->admin);
    assert_false(client_attach(idle, "web", XP_MODE_READ_ONLY, 0, NULL));
    assert_int_equal(idle->msg.u.error.code, XP_E_LIMIT);
    assert_non_null(strstr(idle->msg.u.error.text, "per user"));
    client_close(a);
    client_close(idle);
    core_teardown();
}

/* The watch router (watch.h) hands a domain's event to discovery,
 * which re-reads the console nodes and reconnects; events of one batch
 * cost one refresh; a token nobody owns is dropped. */
static void test_watch_event_reconnects(void **state)
{
    struct console *c = *state;
    int old_port = c->local_port;
    assert_int_equal(hyp_write(xd.hyp, "/local/domain/1/console/port", "77"), 0);
    fake_watch_fire(xd.hyp, "/local/domain/1/console/port", "d1");
    fake_watch_fire(xd.hyp, "/local/domain/1/console/ring-ref", "d1");
    fake_watch_fire(xd.hyp, "/local/domain/1/console/port", "zz");
    watch_dispatch();
    core_run();
    assert_int_equal(c->state, CONSOLE_RUNNING);
    assert_int_equal(c->remote_port, 77);
    assert_int_not_equal(c->local_port, old_port);
    /* A node the daemon does not read changes nothing. */
    int port = c->local_port;
    fake_watch_fire(xd.hyp, "/local/domain/1/console/tty", "d1");
    watch_dispatch();
    assert_int_equal(c->local_port, port);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_drain_reaches_every_reader, setup, teardown),
        cmocka_unit_test(test_pty_is_a_reader),
        cmocka_unit_test_setup_teardown(test_output_before_attach_is_replayed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gone_with_sessions_attached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gone_console_without_sessions_is_freed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reboot_follow, setup, teardown),
        cmocka_unit_test(test_reboot_follow_refused_says_why),
        cmocka_unit_test_setup_teardown(test_corrupt_ring_disables_console, setup, teardown),
        cmocka_unit_test(test_reload_narrows_admin_of_idle_connection),
        cmocka_unit_test_setup_teardown(test_watch_event_reconnects, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
