// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of daemon/journal.c: the native protocol as received on a
 * datagram socket the test owns, line buffering, sanitizing, cutting,
 * and drop counting when the receiver does not read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/journal.h"

static char dir[64], path[128];
static int rx = -1;
static uint64_t now = 1000000;

struct entry {
    char msg[JOURNAL_LINE_MAX + 1];
    char guest[128];
    char stream[16];
    char domid[16];
    char console[16];
    char ident[16];
    int nfields;
    bool binary_guest;
};

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/test-journal.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/sock", dir);
    rx = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    assert_true(strlen(path) < sizeof(sa.sun_path));
    memcpy(sa.sun_path, path, strlen(path) + 1);
    assert_int_equal(bind(rx, (struct sockaddr *)&sa, sizeof(sa)), 0);
    setenv("XCMUX_JOURNAL_SOCKET", path, 1);
    journal_close_socket();
    now += 10000; /* past the reconnect back-off of the previous test */
    return 0;
}

static int teardown(void **state)
{
    journal_close_socket();
    close(rx);
    unlink(path);
    rmdir(dir);
    return 0;
}

static void copy_value(char *out, size_t outlen, const char *v, size_t n)
{
    size_t k = n < outlen - 1 ? n : outlen - 1;
    memcpy(out, v, k);
    out[k] = '\0';
}

/* Parse one datagram strictly; returns false when none is queued. */
static bool receive(struct entry *e)
{
    char buf[8192];
    ssize_t n = recv(rx, buf, sizeof(buf), 0);
    if (n < 0)
        return false;
    memset(e, 0, sizeof(*e));
    size_t i = 0;
    while (i < (size_t)n) {
        char *nl = memchr(buf + i, '\n', (size_t)n - i);
        assert_non_null(nl);
        char *eq = memchr(buf + i, '=', (size_t)(nl - (buf + i)));
        const char *key = buf + i, *val;
        size_t klen, vlen;
        bool binary = false;
        if (eq) {
            klen = (size_t)(eq - key);
            val = eq + 1;
            vlen = (size_t)(nl - val);
            i = (size_t)(nl - buf) + 1;
        } else {
            klen = (size_t)(nl - key);
            uint64_t len = 0;
            assert_true((size_t)(nl - buf) + 9 <= (size_t)n);
            for (int b = 7; b >= 0; b--)
                len = len << 8 | (uint8_t)nl[1 + b];
            val = nl + 9;
            vlen = (size_t)len;
            assert_true((size_t)(val - buf) + vlen + 1 <= (size_t)n);
            assert_int_equal(val[vlen], '\n');
            i = (size_t)(val - buf) + vlen + 1;
            binary = true;
        }
        e->nfields++;
#define KEY(k) (klen == strlen(k) && memcmp(key, k, klen) == 0)
        if (KEY("MESSAGE"))
            copy_value(e->msg, sizeof(e->msg), val, vlen);
        else if (KEY("XCMUX_GUEST")) {
            copy_value(e->guest, sizeof(e->guest), val, vlen);
            e->binary_guest = binary;
        } else if (KEY("XCMUX_STREAM"))
            copy_value(e->stream, sizeof(e->stream), val, vlen);
        else if (KEY("XCMUX_DOMID"))
            copy_value(e->domid, sizeof(e->domid), val, vlen);
        else if (KEY("XCMUX_CONSOLE"))
            copy_value(e->console, sizeof(e->console), val, vlen);
        else if (KEY("SYSLOG_IDENTIFIER"))
            copy_value(e->ident, sizeof(e->ident), val, vlen);
#undef KEY
    }
    return true;
}

static void test_lines_and_fields(void **state)
{
    struct journal *j = journal_new("web1", 7, 2, true, now);
    const char text[] = "hello\r\nwor";
    journal_write(j, text, strlen(text), now);
    struct entry e;
    assert_true(receive(&e));
    assert_string_equal(e.msg, "hello");
    assert_string_equal(e.guest, "web1");
    assert_string_equal(e.domid, "7");
    assert_string_equal(e.console, "2");
    assert_string_equal(e.stream, "output");
    assert_string_equal(e.ident, "xcmuxd");
    assert_false(receive(&e)); /* "wor" waits for its newline */
    journal_write(j, "ld\n\n", 4, now);
    assert_true(receive(&e));
    assert_string_equal(e.msg, "world");
    assert_true(receive(&e));
    assert_string_equal(e.msg, ""); /* an empty line is a line */
    journal_write(j, "prompt# ", 8, now);
    journal_flush(j, now);
    assert_true(receive(&e));
    assert_string_equal(e.msg, "prompt# ");
    journal_event(j, now, "attached %d", 1);
    assert_true(receive(&e));
    assert_string_equal(e.msg, "attached 1");
    assert_string_equal(e.stream, "event");
    assert_int_equal(journal_sent(j), 5);
    assert_int_equal(journal_dropped(j), 0);
    journal_free(j);
}

static void test_sanitize_and_binary_form(void **state)
{
    struct journal *j = journal_new("odd\nname", 1, 0, true, now);
    const char text[] = "\x1b[1mX\x7f\tY\n";
    journal_write(j, text, strlen(text), now);
    struct entry e;
    assert_true(receive(&e));
    assert_string_equal(e.msg, "^[[1mX^?\tY");
    assert_true(e.binary_guest);
    assert_string_equal(e.guest, "odd\nname");
    journal_free(j);

    j = journal_new("raw", 1, 0, false, now);
    journal_write(j, "\x1b[0m\n", 5, now);
    assert_true(receive(&e));
    assert_string_equal(e.msg, "\x1b[0m");
    assert_false(e.binary_guest);
    journal_free(j);
}

static void test_long_line_is_cut(void **state)
{
    struct journal *j = journal_new("long", 1, 0, true, now);
    static char big[JOURNAL_LINE_MAX * 2 + 10];
    memset(big, 'a', sizeof(big));
    big[sizeof(big) - 1] = '\n';
    journal_write(j, big, sizeof(big), now);
    struct entry e;
    size_t total = 0;
    int n = 0;
    while (receive(&e)) {
        assert_true(strlen(e.msg) <= JOURNAL_LINE_MAX);
        total += strlen(e.msg);
        n++;
    }
    assert_int_equal(n, 3);
    assert_int_equal(total, sizeof(big) - 1);
    journal_free(j);
}

static void test_full_queue_drops_and_reports(void **state)
{
    struct journal *j = journal_new("flood", 3, 0, true, now);
    /* The receiver does not read: the kernel queue (max_dgram_qlen)
     * fills and further lines are dropped, never waited for. */
    for (int i = 0; i < 2000; i++)
        journal_write(j, "line\n", 5, now);
    uint64_t dropped = journal_dropped(j);
    assert_true(dropped > 0);
    assert_int_equal(journal_sent(j) + dropped, 2000);
    assert_int_equal(journal_take_drop_report(j), 0); /* not while failing */
    struct entry e;
    while (receive(&e))
        ;
    journal_write(j, "after\n", 6, now);
    assert_int_equal(journal_take_drop_report(j), dropped);
    assert_int_equal(journal_take_drop_report(j), 0);
    assert_true(receive(&e));
    assert_string_equal(e.msg, "after");
    assert_true(receive(&e));
    assert_string_equal(e.stream, "event");
    char want[128];
    snprintf(want, sizeof(want), "journal: %llu line(s) dropped", (unsigned long long)dropped);
    assert_non_null(strstr(e.msg, want));
    journal_free(j);
}

static void test_no_journal_counts_drops(void **state)
{
    setenv("XCMUX_JOURNAL_SOCKET", "/nonexistent/journal.sock", 1);
    journal_close_socket();
    struct journal *j = journal_new("alone", 1, 0, true, now);
    journal_write(j, "a\nb\n", 4, now);
    assert_int_equal(journal_dropped(j), 2);
    assert_int_equal(journal_sent(j), 0);
    /* The socket appears (journald started): picked up after the back-off. */
    setenv("XCMUX_JOURNAL_SOCKET", path, 1);
    journal_write(j, "c\n", 2, now + 10);
    assert_int_equal(journal_dropped(j), 3); /* still within the back-off */
    journal_write(j, "d\n", 2, now + 2000);
    assert_int_equal(journal_sent(j), 2); /* d, then the drop report */
    struct entry e;
    assert_true(receive(&e));
    assert_string_equal(e.msg, "d");
    journal_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lines_and_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sanitize_and_binary_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_line_is_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_queue_drops_and_reports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_journal_counts_drops, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
