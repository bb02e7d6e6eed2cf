/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-serial.c — the emulated serial port backend (serial.h) on the core
 * harness: a real pty stands for QEMU's (the test holds the master, as
 * QEMU does), its path in serial/0/tty of the fake store. Output reaches
 * sessions and the log, input reaches the master, the master closing
 * makes the console gone, nothing is opened without `serial = on`, a
 * reload turns it on and off, a late node attaches through the watch,
 * and paths that are not a /dev/pts/N or are xcmuxd's own are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
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
#include "daemon/domain.h"
#include "daemon/hyp.h"
#include "daemon/pty.h"
#include "daemon/serial.h"
#include "daemon/watch.h"
#include "protocol/xcmux-proto.h"
#include "tests/unit/core-harness.h"

#define SERIAL0 XP_CONSOLE_SERIAL_BASE

static int master = -1, slave = -1;
static char slave_path[64];

/* QEMU's side: a pty whose slave path the toolstack publishes. */
static void qemu_pty(void)
{
    assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
    assert_int_equal(ttyname_r(slave, slave_path, sizeof(slave_path)), 0);
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    /* QEMU keeps no slave open: xcmuxd's open is what connects. */
    close(slave);
    slave = -1;
}

static void publish(uint32_t domid, const char *value)
{
    char path[HYP_PATH_MAX];
    snprintf(path, sizeof(path), "/local/domain/%u/serial/0/tty", domid);
    assert_int_equal(hyp_write(xd.hyp, path, value), 0);
}

static int setup_with(const char *lines)
{
    core_setup(lines);
    qemu_pty();
    publish(1, slave_path);
    core_guest_start(1, "web");
    return 0;
}

static int setup_on(void **state)
{
    return setup_with("[domain:web]\nserial = on\n");
}

static int setup_off(void **state)
{
    return setup_with(NULL);
}

static int teardown(void **state)
{
    core_teardown();
    if (master >= 0)
        close(master);
    master = -1;
    return 0;
}

/* What the guest's UART would send, read by the daemon. The kernel
 * hands a pty write to the other side from a work queue, so the bytes
 * may not be readable yet when write() returns: run the loop until the
 * serial console has read them (or its limiter stopped it), never on a
 * guess of how long that takes. */
static void uart_says(const char *text)
{
    size_t len = strlen(text);
    struct console *c = serial_lookup("web", 0);
    uint64_t before = c ? c->bytes_out : 0;
    assert_int_equal(write(master, text, len), (ssize_t)len);
    for (int i = 0; i < 2000; i++) {
        core_run();
        if (!c || c->bytes_out >= before + len || c->throttled)
            break;
        usleep(1000);
    }
}

static size_t uart_reads(char *buf, size_t len)
{
    core_run();
    size_t got = 0;
    for (int tries = 0; tries < 2000 && got < len - 1; tries++) {
        ssize_t n = read(master, buf + got, len - 1 - got);
        if (n > 0)
            got += (size_t)n;
        else if (got)
            break;
        else
            usleep(1000);
    }
    buf[got] = '\0';
    return got;
}

static void test_output_input_and_log(void **state)
{
    struct console *c = serial_lookup("web", 0);
    assert_non_null(c);
    assert_ptr_equal(serial_lookup("1", 0), c);
    assert_int_equal(c->index, SERIAL0);
    assert_int_equal(c->state, CONSOLE_RUNNING);
    assert_string_equal(console_describe(c), slave_path);
    assert_null(c->pty);

    uart_says("boot: early text\r\n");
    struct client *cl = client_new();
    struct xp_attached ok;
    assert_true(client_attach_console(cl, "web", SERIAL0, XP_MODE_READ_WRITE, 0, &ok));
    assert_int_equal(ok.console, SERIAL0);
    char buf[256] = "";
    uart_says("SAC>\r\n");
    client_read_data(cl, buf, sizeof(buf));
    assert_non_null(strstr(buf, "early text")); /* replayed */
    assert_non_null(strstr(buf, "SAC>"));

    client_send_input(cl, "help\r");
    char in[64];
    uart_reads(in, sizeof(in));
    assert_string_equal(in, "help\r"); /* raw: no echo, no translation */

    char log[4096];
    snprintf(log, sizeof(log), "%s/web.serial0.log", xd.cfg->log_dir);
    assert_true(core_file_has(log, "SAC>"));
    assert_true(core_file_has(log, "serial port 0 attached"));
    client_close(cl);
}

static void test_primary_console_unaffected(void **state)
{
    struct console *pv = xd.by_domid[1]->con[0];
    assert_non_null(pv);
    struct client *cl = client_new();
    assert_true(client_attach(cl, "web", XP_MODE_READ_ONLY, 0, NULL));
    uart_says("on the serial port only\r\n");
    char buf[256] = "";
    client_read_data(cl, buf, sizeof(buf));
    assert_null(strstr(buf, "serial port only"));
    core_guest_says(pv, "pv text\n");
    client_read_data(cl, buf, sizeof(buf));
    assert_non_null(strstr(buf, "pv text"));
    client_close(cl);
}

static void test_master_closed_is_gone(void **state)
{
    struct client *cl = client_new();
    assert_true(client_attach_console(cl, "web", SERIAL0, XP_MODE_READ_ONLY, 0, NULL));
    client_drain(cl);
    close(master);
    master = -1;
    core_run();
    assert_true(client_find_notice(cl, XP_N_DOMAIN_GONE));
    assert_non_null(strstr(cl->msg.u.notice.text, "device model gone"));
    assert_null(serial_lookup("web", 0));
    /* The primary console is not touched. */
    assert_int_equal(xd.by_domid[1]->con[0]->state, CONSOLE_RUNNING);
    /* The node still names the dead pty: not reopened on a watch event. */
    fake_watch_fire(xd.hyp, "/local/domain/1/serial/0/tty", "s1");
    watch_dispatch();
    assert_null(serial_lookup("web", 0));
    client_close(cl);
}

static void test_off_by_default_and_reload(void **state)
{
    assert_null(serial_lookup("web", 0));
    struct client *cl = client_new();
    assert_false(client_attach_console(cl, "web", SERIAL0, XP_MODE_READ_ONLY, 0, NULL));
    assert_int_equal(cl->msg.u.error.code, XP_E_UNKNOWN_CONSOLE);
    core_reload("[domain:web]\nserial = on\n");
    struct console *c = serial_lookup("web", 0);
    assert_non_null(c);
    assert_true(client_attach_console(cl, "web", SERIAL0, XP_MODE_READ_ONLY, 0, NULL));

    core_reload(NULL);
    assert_null(serial_lookup("web", 0));
    assert_true(client_find_notice(cl, XP_N_DOMAIN_GONE));
    assert_non_null(strstr(cl->msg.u.notice.text, "serial turned off"));
    client_close(cl);
}

static void test_late_node_attaches_on_watch(void **state)
{
    core_setup("[domain:late]\nserial = on\n");
    core_guest_start(2, "late");
    assert_null(serial_lookup("late", 0));
    qemu_pty();
    publish(2, slave_path);
    fake_watch_fire(xd.hyp, "/local/domain/2/serial/0/tty", "s2");
    watch_dispatch();
    assert_non_null(serial_lookup("late", 0));
    teardown(state);
}

static void test_bad_paths_refused(void **state)
{
    static const char *const bad[] = {
        "/etc/passwd", "/dev/pts/../../etc/passwd", "/dev/pts/", "/dev/pts/1x", "/dev/tty1", ""};
    core_setup("[domain:evil]\nserial = on\npty = rw\n");
    struct console *pv = core_guest_start(3, "evil");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        publish(3, bad[i]);
        fake_watch_fire(xd.hyp, "/local/domain/3/serial/0/tty", "s3");
        watch_dispatch();
        assert_null(serial_lookup("evil", 0));
    }
    /* Its own compatibility pty (a loop onto its PV console) is refused. */
    assert_non_null(pv->pty);
    publish(3, pty_path(pv->pty));
    fake_watch_fire(xd.hyp, "/local/domain/3/serial/0/tty", "s3");
    watch_dispatch();
    assert_null(serial_lookup("evil", 0));
    teardown(state);
}

static void test_domain_destroyed(void **state)
{
    struct client *cl = client_new();
    assert_true(client_attach_console(cl, "web", SERIAL0, XP_MODE_READ_ONLY, 0, NULL));
    client_drain(cl);
    core_guest_destroy(1);
    assert_true(client_find_notice(cl, XP_N_DOMAIN_GONE));
    assert_null(serial_lookup("web", 0));
    client_close(cl);
}

static void test_rate_limit_stops_reading(void **state)
{
    core_setup("[domain:web]\nserial = on\nrate = 100\nburst = 100\n");
    qemu_pty();
    publish(1, slave_path);
    core_guest_start(1, "web");
    struct console *c = serial_lookup("web", 0);
    assert_non_null(c);
    char text[300];
    memset(text, 'a', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    uart_says(text);
    assert_true(c->bytes_out <= 100);
    assert_true(c->throttled);
    core_clock_ms += 10000;
    /* The limiter's timer is a real one: let it fire. */
    for (int i = 0; i < 2000 && c->bytes_out <= 100; i++) {
        usleep(5000);
        core_run();
    }
    assert_true(c->bytes_out > 100);
    teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_output_input_and_log, setup_on, teardown),
        cmocka_unit_test_setup_teardown(test_primary_console_unaffected, setup_on, teardown),
        cmocka_unit_test_setup_teardown(test_master_closed_is_gone, setup_on, teardown),
        cmocka_unit_test_setup_teardown(test_off_by_default_and_reload, setup_off, teardown),
        cmocka_unit_test_setup_teardown(test_domain_destroyed, setup_on, teardown),
        cmocka_unit_test(test_late_node_attaches_on_watch),
        cmocka_unit_test(test_bad_paths_refused),
        cmocka_unit_test(test_rate_limit_stops_reading),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
