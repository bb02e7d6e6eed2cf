/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-session.c — one client connection (daemon/session.c,
 * session-req.c) on the core harness: HELLO first and version checks,
 * LIST filtered by access, ATTACH errors, requests not valid in a
 * session, INPUT reaching the guest only from the writer (NOT_WRITER
 * once to the others), detach by DETACH and by the escape, JOINED and
 * LEFT to the others, escape help.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/console.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/session.h"
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

static void send_empty(struct client *cl, uint8_t type)
{
    uint8_t frame[XP_HDR_SIZE + 8];
    client_send(cl, frame, xp_encode_empty(frame, sizeof(frame), type));
}

static void test_hello_first(void **state)
{
    struct client *cl = client_raw();
    send_empty(cl, XP_T_LIST);
    assert_true(client_find(cl, XP_T_ERROR));
    assert_int_equal(cl->msg.u.error.code, XP_E_BAD_FRAME);
    assert_non_null(strstr(cl->msg.u.error.text, "expected HELLO first"));
    assert_int_equal(client_next(cl), -1); /* closed */
    client_close(cl);

    cl = client_raw();
    struct xp_hello h = {.version = XP_PROTOCOL_VERSION + 1};
    uint8_t frame[XP_HDR_SIZE + 8 + XP_MAX_SOFTWARE];
    client_send(cl, frame, xp_encode_hello(frame, sizeof(frame), &h));
    assert_true(client_find(cl, XP_T_ERROR));
    assert_int_equal(cl->msg.u.error.code, XP_E_BAD_VERSION);
    assert_int_equal(client_next(cl), -1);
    client_close(cl);
}

/* LIST shows only what the caller may read; END counts the entries. */
static void test_list_filtered_by_access(void **state)
{
    core_setup("[domain:secret]\nread = uid:4242");
    core_guest_start(1, "web");
    core_guest_start(2, "secret");
    struct client *root = client_new(), *u = client_new();
    client_as(u, 4242);
    send_empty(root, XP_T_LIST);
    unsigned n = 0;
    int t;
    while ((t = client_next(root)) == XP_T_LIST_ENTRY)
        n++;
    assert_int_equal(t, XP_T_END);
    assert_int_equal(n, 2);
    assert_int_equal(root->msg.u.end.count, 2);
    send_empty(u, XP_T_LIST);
    assert_true(client_find(u, XP_T_LIST_ENTRY));
    assert_string_equal(u->msg.u.list_entry.name, "secret");
    assert_true(client_find(u, XP_T_END));
    assert_int_equal(u->msg.u.end.count, 1);
    client_close(root);
    client_close(u);
    core_teardown();
}

static void test_attach_errors(void **state)
{
    struct client *cl = client_new();
    assert_false(client_attach(cl, "nosuch", XP_MODE_READ_ONLY, 0, NULL));
    assert_int_equal(cl->msg.u.error.code, XP_E_UNKNOWN_DOMAIN);
    assert_string_equal(cl->msg.u.error.text, "known domains: web");
    /* The connection stays usable after the error. */
    struct xp_attached ok;
    assert_true(client_attach(cl, "web", XP_MODE_READ_ONLY, 0, &ok));
    assert_int_equal(ok.domid, 1);
    assert_string_equal(ok.name, "web");
    /* In a session, requests other than INPUT and DETACH are refused and
     * the session goes on. */
    send_empty(cl, XP_T_LIST);
    assert_true(client_find(cl, XP_T_ERROR));
    assert_int_equal(cl->msg.u.error.code, XP_E_UNKNOWN_REQUEST);
    assert_non_null(strstr(cl->msg.u.error.text, "in a console session"));
    assert_int_equal(cl->s->state, SESSION_ATTACHED);
    client_close(cl);
    /* INPUT outside a session. */
    cl = client_new();
    client_send_input(cl, "x");
    assert_true(client_find(cl, XP_T_ERROR));
    assert_int_equal(cl->msg.u.error.code, XP_E_UNKNOWN_REQUEST);
    assert_int_equal(cl->s->state, SESSION_IDLE);
    client_close(cl);
}

/* Input goes to the guest from the writer only; a viewer gets one
 * NOT_WRITER for a run of refused input, not one per INPUT. */
static void test_input_from_writer_only(void **state)
{
    struct console *c = *state;
    struct client *w = client_new(), *v = client_new();
    assert_true(client_attach(w, "web", XP_MODE_READ_WRITE, 0, NULL));
    assert_true(client_attach(v, "web", XP_MODE_READ_ONLY, 0, NULL));
    client_drain(v);
    client_send_input(v, "a");
    client_send_input(v, "b");
    unsigned errors = 0;
    while (client_find(v, XP_T_ERROR)) {
        errors++;
        assert_int_equal(v->msg.u.error.code, XP_E_NOT_WRITER);
        assert_int_equal(v->msg.u.error.request_type, XP_T_INPUT);
    }
    assert_int_equal(errors, 1);
    assert_int_equal(v->s->refused_input, 2);
    assert_string_equal(core_guest_input(c), "");
    client_send_input(w, "ls\r");
    assert_string_equal(core_guest_input(c), "ls\r");
    client_close(w);
    client_close(v);
}

/* DETACH and escape-detach end the session with DETACHED and a close;
 * the others hear JOINED and LEFT; the log records both. */
static void test_detach_and_notices(void **state)
{
    struct console *c = *state;
    struct client *a = client_new(), *b = client_new(), *d = client_new();
    assert_true(client_attach(a, "web", XP_MODE_READ_ONLY, 0, NULL));
    client_drain(a);
    assert_true(client_attach(b, "web", XP_MODE_READ_WRITE, 0, NULL));
    assert_true(client_find_notice(a, XP_N_JOINED));
    assert_int_equal(a->msg.u.notice.count, 0); /* uid of root */
    /* Escape then '.' detaches; nothing of it reaches the guest. */
    client_send_input(b, "\x1d.");
    assert_true(client_find_notice(b, XP_N_DETACHED));
    assert_string_equal(b->msg.u.notice.text, "detached");
    assert_int_equal(client_next(b), -1);
    assert_string_equal(core_guest_input(c), "");
    assert_true(client_find_notice(a, XP_N_LEFT));
    assert_null(c->writer);
    /* DETACH frame. */
    assert_true(client_attach(d, "web", XP_MODE_READ_ONLY, 0, NULL));
    send_empty(d, XP_T_DETACH);
    assert_true(client_find_notice(d, XP_N_DETACHED));
    assert_int_equal(client_next(d), -1);
    assert_true(core_file_has(log_path(c->log), "attach root"));
    assert_true(core_file_has(log_path(c->log), "detach root"));
    assert_int_equal(c->nsessions, 1);
    client_close(a);
    client_close(b);
    client_close(d);
}

/* Escape '?' answers with the escape commands; the escape character
 * typed twice sends one to the guest. */
static void test_escape_help_and_literal(void **state)
{
    struct console *c = *state;
    struct client *a = client_new();
    assert_true(client_attach(a, "web", XP_MODE_READ_WRITE, 0, NULL));
    client_drain(a);
    client_send_input(a, "\x1d?");
    assert_true(client_find_notice(a, XP_N_INFO));
    assert_non_null(strstr(a->msg.u.notice.text, "escape commands: ^] . detach"));
    client_send_input(a, "\x1d\x1d");
    assert_string_equal(core_guest_input(c), "\x1d");
    assert_int_equal(a->s->state, SESSION_ATTACHED);
    client_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hello_first, setup, teardown),
        cmocka_unit_test(test_list_filtered_by_access),
        cmocka_unit_test_setup_teardown(test_attach_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_from_writer_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detach_and_notices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_help_and_literal, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
