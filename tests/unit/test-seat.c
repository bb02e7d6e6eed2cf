/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-seat.c — the write seat (console.h, PROTOCOL.md): one writer with
 * policy single, every writer with shared, force moves the seat and tells
 * the displaced writer who took it, a read-only session is never
 * promoted, a narrowed ACL takes the seat away. Driven through real
 * sessions on the core harness (fake xen port).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/console.h"
#include "daemon/session.h"
#include "tests/unit/core-harness.h"

static int setup_single(void **state)
{
    core_setup(NULL);
    *state = core_guest_start(1, "web");
    return 0;
}

static int setup_shared(void **state)
{
    core_setup("write_policy = shared");
    *state = core_guest_start(1, "web");
    return 0;
}

static int teardown(void **state)
{
    core_teardown();
    return 0;
}

/* What the guest has read from its input ring. */

static void test_single_first_writer_takes_seat(void **state)
{
    struct console *c = *state;
    struct client *a = client_new(), *b = client_new();
    struct xp_attached ok;
    assert_true(client_attach(a, "web", XP_MODE_READ_WRITE, 0, &ok));
    assert_int_equal(ok.flags & XP_ATTACHED_F_WRITER, XP_ATTACHED_F_WRITER);
    assert_true(client_find_notice(a, XP_N_WRITER));
    assert_int_equal(a->msg.u.notice.count, 1);
    assert_ptr_equal(c->writer, a->s);

    assert_true(client_attach(b, "web", XP_MODE_READ_WRITE, 0, &ok));
    assert_int_equal(ok.flags & XP_ATTACHED_F_WRITER, 0);
    assert_true(client_find_notice(b, XP_N_WRITER));
    assert_int_equal(b->msg.u.notice.count, 0);
    assert_non_null(strstr(b->msg.u.notice.text, "holds the write seat"));
    assert_true(client_find_notice(a, XP_N_JOINED));

    client_send_input(b, "no");
    assert_true(client_find(b, XP_T_ERROR));
    assert_int_equal(b->msg.u.error.code, XP_E_NOT_WRITER);
    client_send_input(a, "yes");
    assert_string_equal(core_guest_input(c), "yes");
    assert_ptr_equal(c->writer, a->s);

    /* The writer leaves: the seat is free, the viewer is told it left,
     * and a read-write viewer typing takes the free seat. */
    client_close(a);
    assert_null(c->writer);
    assert_true(client_find_notice(b, XP_N_LEFT));
    client_send_input(b, "mine");
    assert_ptr_equal(c->writer, b->s);
    assert_true(client_find_notice(b, XP_N_WRITER));
    assert_int_equal(b->msg.u.notice.count, 1);
    assert_string_equal(core_guest_input(c), "mine");
    client_close(b);
}

static void test_force_moves_seat(void **state)
{
    struct console *c = *state;
    struct client *a = client_new(), *b = client_new();
    assert_true(client_attach(a, "web", XP_MODE_READ_WRITE, 0, NULL));
    client_drain(a);
    struct xp_attached ok;
    assert_true(client_attach(b, "web", XP_MODE_FORCE, 0, &ok));
    assert_int_equal(ok.mode, XP_MODE_READ_WRITE);
    assert_int_equal(ok.flags & XP_ATTACHED_F_WRITER, XP_ATTACHED_F_WRITER);
    assert_ptr_equal(c->writer, b->s);
    /* The displaced writer learns who took it: the count is the uid. */
    assert_true(client_find_notice(a, XP_N_FORCED));
    assert_int_equal(a->msg.u.notice.count, 0);
    assert_non_null(strstr(a->msg.u.notice.text, "write seat taken by"));
    client_send_input(a, "old");
    assert_true(client_find(a, XP_T_ERROR));
    assert_int_equal(a->msg.u.error.code, XP_E_NOT_WRITER);
    client_send_input(b, "new");
    assert_string_equal(core_guest_input(c), "new");

    /* Escape f takes it back (the escape character is ^]). */
    client_send_input(a, "\x1d"
                         "f");
    assert_ptr_equal(c->writer, a->s);
    assert_true(client_find_notice(b, XP_N_FORCED));
    client_close(a);
    client_close(b);
}

static void test_read_only_never_promoted(void **state)
{
    struct console *c = *state;
    struct client *w = client_new(), *r = client_new();
    assert_true(client_attach(w, "web", XP_MODE_READ_WRITE, 0, NULL));
    struct xp_attached ok;
    assert_true(client_attach(r, "web", XP_MODE_READ_ONLY, 0, &ok));
    assert_int_equal(ok.mode, XP_MODE_READ_ONLY);
    assert_int_equal(ok.flags & XP_ATTACHED_F_WRITER, 0);
    client_close(w);
    assert_null(c->writer);
    /* Typing into a free seat does not promote a read-only session. */
    client_send_input(r, "x");
    assert_null(c->writer);
    assert_true(client_find(r, XP_T_ERROR));
    assert_int_equal(r->msg.u.error.code, XP_E_NOT_WRITER);
    assert_string_equal(core_guest_input(c), "");
    /* Nor does a new writer arriving or leaving. */
    struct client *w2 = client_new();
    assert_true(client_attach(w2, "web", XP_MODE_READ_WRITE, 0, NULL));
    assert_ptr_equal(c->writer, w2->s);
    client_close(w2);
    assert_null(c->writer);
    assert_int_equal(r->s->mode, XP_MODE_READ_ONLY);
    /* WHO shows no writer. */
    struct xp_console_ref ref = {.console = 0};
    snprintf(ref.domain, sizeof(ref.domain), "web");
    struct client *q = client_new();
    uint8_t frame[XP_HDR_SIZE + 16 + XP_MAX_DOMAIN_NAME];
    client_send(q, frame, xp_encode_console_ref(frame, sizeof(frame), XP_T_WHO, &ref));
    assert_true(client_find(q, XP_T_WHO_ENTRY));
    assert_int_equal(q->msg.u.who_entry.flags & XP_WHO_F_WRITER, 0);
    client_close(q);
    client_close(r);
}

static void test_shared_every_writer_writes(void **state)
{
    struct console *c = *state;
    struct client *a = client_new(), *b = client_new(), *r = client_new();
    struct xp_attached ok;
    assert_true(client_attach(a, "web", XP_MODE_READ_WRITE, 0, &ok));
    assert_int_equal(ok.flags & XP_ATTACHED_F_WRITER, XP_ATTACHED_F_WRITER);
    assert_true(client_attach(b, "web", XP_MODE_READ_WRITE, 0, &ok));
    assert_int_equal(ok.flags & XP_ATTACHED_F_WRITER, XP_ATTACHED_F_WRITER);
    assert_true(client_attach(r, "web", XP_MODE_READ_ONLY, 0, &ok));
    assert_int_equal(ok.flags & XP_ATTACHED_F_WRITER, 0);
    assert_null(c->writer);
    client_send_input(a, "1");
    client_send_input(b, "2");
    assert_string_equal(core_guest_input(c), "12");
    client_send_input(r, "3");
    assert_string_equal(core_guest_input(c), "");
    assert_null(c->writer);
    /* WHO: both read-write sessions are writers, the viewer is not. */
    struct xp_console_ref ref = {.console = 0};
    snprintf(ref.domain, sizeof(ref.domain), "web");
    uint8_t frame[XP_HDR_SIZE + 16 + XP_MAX_DOMAIN_NAME];
    struct client *q = client_new();
    client_send(q, frame, xp_encode_console_ref(frame, sizeof(frame), XP_T_WHO, &ref));
    unsigned writers = 0, entries = 0;
    while (client_find(q, XP_T_WHO_ENTRY)) {
        entries++;
        writers += (q->msg.u.who_entry.flags & XP_WHO_F_WRITER) != 0;
    }
    assert_int_equal(entries, 3);
    assert_int_equal(writers, 2);
    /* Escape f on a shared console says so and takes nothing. */
    client_drain(a);
    client_send_input(a, "\x1d"
                         "f");
    assert_true(client_find_notice(a, XP_N_INFO));
    assert_non_null(strstr(a->msg.u.notice.text, "shared"));
    assert_null(c->writer);
    client_close(q);
    client_close(a);
    client_close(b);
    client_close(r);
}

/* A reload that takes write access away ends the seat at once; one that
 * gives it back lets the session take it again. */
static void test_revoked_writer_loses_seat(void **state)
{
    core_setup("read = uid:4242\nwrite = uid:4242");
    struct console *c = core_guest_start(1, "web");
    struct client *a = client_new();
    client_as(a, 4242);
    assert_true(client_attach(a, "web", XP_MODE_READ_WRITE, 0, NULL));
    assert_ptr_equal(c->writer, a->s);
    client_drain(a);
    core_reload("read = uid:4242");
    assert_null(c->writer);
    assert_int_equal(a->s->mode, XP_MODE_READ_ONLY);
    assert_true(client_find_notice(a, XP_N_WRITER));
    assert_int_equal(a->msg.u.notice.count, 0);
    client_send_input(a, "x");
    assert_string_equal(core_guest_input(c), "");
    assert_null(c->writer);
    core_reload("read = uid:4242\nwrite = uid:4242");
    assert_true(client_find_notice(a, XP_N_INFO));
    assert_non_null(strstr(a->msg.u.notice.text, "may now write"));
    client_send_input(a, "\x1d"
                         "f");
    assert_ptr_equal(c->writer, a->s);
    client_close(a);
    core_teardown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_single_first_writer_takes_seat, setup_single,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_force_moves_seat, setup_single, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_never_promoted, setup_single, teardown),
        cmocka_unit_test_setup_teardown(test_shared_every_writer_writes, setup_shared, teardown),
        cmocka_unit_test(test_revoked_writer_loses_seat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
