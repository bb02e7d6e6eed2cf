/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-admit.c — admission (daemon/session-admit.h) on the core harness:
 * per-user caps on connections and on sessions of one console, the
 * capacity kept for the administrator, the shedding order at the client
 * limit (a connection that never said HELLO, then an unauthorised idle
 * one, and only for the admin any idle one; never the newcomer's own
 * user's), LIMIT texts with the real counts, and reboot-follow admitted
 * by ATTACH's admission (ACL and caps on the new console, the refusal a
 * NOTICE DETACHED saying why).
 *
 * Connections are real sessions on socketpairs. The client limit
 * (XCMUX_MAX_CLIENTS) is reached by counting "others" in xd.nsessions:
 * connections that exist for the count but are no shedding candidates.
 * A newcomer is a session the accept path has not counted yet, built
 * with the credentials under test (session_new reads the real peer's,
 * root's here).
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
#include "daemon/limits.h"
#include "daemon/session-admit.h"
#include "daemon/session.h"
#include "tests/unit/core-harness.h"

static unsigned padding;

/* N more connections for the limit, none of them sheddable. */
static void pad_to(unsigned total)
{
    assert_true(total >= xd.nsessions - padding);
    unsigned real = xd.nsessions - padding;
    padding = total - real;
    xd.nsessions = total;
}

static int teardown(void **state)
{
    xd.nsessions -= padding;
    padding = 0;
    core_teardown();
    return 0;
}

/* A peer that has not been counted yet (what accept hands to
 * session_admit_conn). */
static struct session newcomer(unsigned uid)
{
    struct session s = {.uid = (uid_t)uid, .gid = (gid_t)uid, .ngroups = 1};
    s.groups[0] = (gid_t)uid;
    snprintf(s.user, sizeof(s.user), "u%u", uid);
    return s;
}

/* The connection was shed: ERROR(LIMIT) saying why, then EOF. */
static void assert_shed(struct client *cl, const char *for_whom)
{
    assert_true(client_find(cl, XP_T_ERROR));
    assert_int_equal(cl->msg.u.error.code, XP_E_LIMIT);
    assert_non_null(strstr(cl->msg.u.error.text, "connection shed"));
    assert_non_null(strstr(cl->msg.u.error.text, for_whom));
    assert_int_equal(client_next(cl), -1);
}

static bool session_exists(const struct session *s)
{
    struct session *o;
    TAILQ_FOREACH (o, &xd.sessions, link)
        if (o == s)
            return true;
    return false;
}

static void test_conn_cap_per_user(void **state)
{
    core_setup("max_connections_per_user = 2");
    struct client *a = client_new(), *b = client_new();
    client_as(a, 4242);
    client_as(b, 4242);
    char why[XP_MAX_NOTICE_TEXT] = "";
    struct session n = newcomer(4242);
    assert_false(session_admit_conn(&n, why, sizeof(why)));
    assert_string_equal(why, "too many connections from u4242 (limit 2 per user)");
    /* Another user is not held back by it, nor is the admin. */
    n = newcomer(4343);
    assert_true(session_admit_conn(&n, why, sizeof(why)));
    n = newcomer(0);
    assert_true(session_admit_conn(&n, why, sizeof(why)));
    assert_true(n.admin);
    client_close(a);
    client_close(b);
}

/* The last reserved_connections are the admin's: a user without access
 * to any console is refused there, the admin is not. */
static void test_conn_reserve_for_admin(void **state)
{
    core_setup("reserved_connections = 10");
    pad_to(XCMUX_MAX_CLIENTS - 10);
    char why[XP_MAX_NOTICE_TEXT] = "";
    struct session n = newcomer(4242);
    assert_false(session_admit_conn(&n, why, sizeof(why)));
    char want[160];
    snprintf(want, sizeof(want),
             "too many clients (limit %u, of which 10 are kept for the administrator)",
             XCMUX_MAX_CLIENTS);
    assert_string_equal(why, want);
    n = newcomer(0);
    assert_true(session_admit_conn(&n, why, sizeof(why)));
    /* One below the reserve: the user gets in. */
    pad_to(XCMUX_MAX_CLIENTS - 11);
    n = newcomer(4242);
    assert_true(session_admit_conn(&n, why, sizeof(why)));
}

/* At the limit a user with access sheds other users' connections, in
 * order: never-said-HELLO first, then unauthorised idle; never its own
 * user's, and never an idle connection with access (that is the admin's
 * privilege). */
static void test_shedding_order(void **state)
{
    core_setup("read = uid:4343");
    core_guest_start(1, "web");
    struct client *own = client_new(); /* the newcomer's user's, oldest */
    client_as(own, 4343);
    struct client *unauth = client_new(); /* idle, every request refused */
    client_as(unauth, 4242);
    struct client *granted = client_new(); /* idle, was allowed something */
    client_as(granted, 4242);
    granted->s->granted = true;
    struct client *silent = client_raw(); /* no HELLO yet */
    client_as(silent, 4242);
    struct session *own_s = own->s, *granted_s = granted->s;
    pad_to(XCMUX_MAX_CLIENTS);

    char why[XP_MAX_NOTICE_TEXT];
    struct session n = newcomer(4343);
    assert_true(session_admit_conn(&n, why, sizeof(why)));
    pad_to(XCMUX_MAX_CLIENTS); /* the newcomer counts now */
    assert_shed(silent, "a user with access");
    n = newcomer(4343);
    assert_true(session_admit_conn(&n, why, sizeof(why)));
    pad_to(XCMUX_MAX_CLIENTS); /* the newcomer counts now */
    assert_shed(unauth, "a user with access");
    /* Left: its own user's connection and one with access: refused. */
    n = newcomer(4343);
    assert_false(session_admit_conn(&n, why, sizeof(why)));
    assert_non_null(strstr(why, "too many clients"));
    assert_true(session_exists(own_s));
    assert_true(session_exists(granted_s));
    /* A user without access to any console sheds nothing at all. */
    pad_to(XCMUX_MAX_CLIENTS - 1); /* room for it, without shedding */
    struct client *silent2 = client_raw();
    client_as(silent2, 4242);
    pad_to(XCMUX_MAX_CLIENTS);
    n = newcomer(4444);
    assert_false(session_admit_conn(&n, why, sizeof(why)));
    assert_true(session_exists(silent2->s));
    client_close(silent2);
    pad_to(XCMUX_MAX_CLIENTS);
    /* The admin sheds an idle connection with access (the oldest
     * non-admin: the newcomer-user's own counts for it). */
    n = newcomer(0);
    assert_true(session_admit_conn(&n, why, sizeof(why)));
    pad_to(XCMUX_MAX_CLIENTS); /* the newcomer counts now */
    assert_false(session_exists(own_s));
    assert_shed(own, "the administrator");
    n = newcomer(0);
    assert_true(session_admit_conn(&n, why, sizeof(why)));
    pad_to(XCMUX_MAX_CLIENTS); /* the newcomer counts now */
    assert_shed(granted, "the administrator");
    /* Nothing idle left: even the admin is refused, with the count. */
    n = newcomer(0);
    assert_false(session_admit_conn(&n, why, sizeof(why)));
    char want[96];
    snprintf(want, sizeof(want), "too many clients (limit %u), none of them idle",
             XCMUX_MAX_CLIENTS);
    assert_string_equal(why, want);
    for (struct client *c[] = {own, unauth, granted, silent}, **p = c; p < c + 4; p++) {
        close((*p)->fd);
        free(*p);
    }
}

/* The ATTACH refused over the per-user cap: ERROR(LIMIT) with the real
 * count, and the connection closes (PROTOCOL.md). */
static void test_session_cap_per_user(void **state)
{
    core_setup("read = uid:4242\nmax_sessions_per_user = 2");
    core_guest_start(1, "web");
    struct client *a = client_new(), *b = client_new(), *c = client_new();
    client_as(a, 4242);
    client_as(b, 4242);
    client_as(c, 4242);
    assert_true(client_attach(a, "web", XP_MODE_READ_ONLY, 0, NULL));
    assert_true(client_attach(b, "web", XP_MODE_READ_ONLY, 0, NULL));
    assert_false(client_attach(c, "web", XP_MODE_READ_ONLY, 0, NULL));
    assert_int_equal(c->msg.u.error.code, XP_E_LIMIT);
    assert_string_equal(c->msg.u.error.text, "u4242 has 2 sessions on web (limit 2 per user)");
    assert_int_equal(client_next(c), -1);
    /* Without read access the answer is PERMISSION, from the same path. */
    struct client *d = client_new();
    client_as(d, 4343);
    assert_false(client_attach(d, "web", XP_MODE_READ_ONLY, 0, NULL));
    assert_int_equal(d->msg.u.error.code, XP_E_PERMISSION);
    assert_string_equal(d->msg.u.error.text, "u4343 may not read the console of web");
    client_close(a);
    client_close(b);
    client_close(c);
    client_close(d);
}

/* A console's last reserved_sessions are the admin's; at the hard limit
 * the admin ends the oldest session of the heaviest user there. */
static void test_session_reserve_and_admin_shed(void **state)
{
    core_setup("read = *\nmax_sessions_per_user = 8\nreserved_sessions = 4");
    struct console *con = core_guest_start(1, "web");
    enum {
        MAX = XCMUX_MAX_SESSIONS_PER_CONSOLE
    };
    struct client *cl[MAX + 2];
    unsigned n = 0;
    /* 4242 holds three, 4343 one (older), the admin the rest. */
    cl[n] = client_new();
    client_as(cl[n], 4343);
    assert_true(client_attach(cl[n++], "web", XP_MODE_READ_ONLY, 0, NULL));
    for (int i = 0; i < 3; i++) {
        cl[n] = client_new();
        client_as(cl[n], 4242);
        assert_true(client_attach(cl[n++], "web", XP_MODE_READ_ONLY, 0, NULL));
    }
    while (n < MAX - 4) {
        cl[n] = client_new();
        assert_true(client_attach(cl[n++], "web", XP_MODE_READ_ONLY, 0, NULL));
    }
    assert_int_equal(con->nsessions, MAX - 4);
    /* At the reserve: a user is refused, with the limits. */
    struct client *u = client_new();
    client_as(u, 4444);
    assert_false(client_attach(u, "web", XP_MODE_READ_ONLY, 0, NULL));
    assert_int_equal(u->msg.u.error.code, XP_E_LIMIT);
    char want[160];
    snprintf(want, sizeof(want),
             "web has too many sessions (limit %u, of which 4 are kept for the administrator)",
             (unsigned)MAX);
    assert_string_equal(u->msg.u.error.text, want);
    client_close(u);
    /* The admin fills the reserve. */
    while (n < MAX) {
        cl[n] = client_new();
        assert_true(client_attach(cl[n++], "web", XP_MODE_READ_ONLY, 0, NULL));
    }
    /* Full: the admin ends 4242's oldest session, not 4343's. */
    cl[n] = client_new();
    assert_true(client_attach(cl[n++], "web", XP_MODE_READ_ONLY, 0, NULL));
    assert_true(client_find_notice(cl[1], XP_N_DETACHED));
    snprintf(want, sizeof(want),
             "session ended: web has too many sessions (limit %u) and the administrator needed "
             "one",
             (unsigned)MAX);
    assert_string_equal(cl[1]->msg.u.notice.text, want);
    client_drain(cl[0]);
    assert_int_equal(cl[0]->s->state, SESSION_ATTACHED);
    assert_int_equal(cl[2]->s->state, SESSION_ATTACHED);
    for (unsigned i = 0; i < n; i++)
        client_close(cl[i]);
}

/* Reboot-follow goes through ATTACH's admission: over the per-user cap
 * (narrowed by a reload meanwhile) the second follower is ended with the
 * cap's text; the first moves. */
static void test_follow_refused_over_cap(void **state)
{
    core_setup("read = uid:4242\nmax_sessions_per_user = 2");
    core_guest_start(1, "web");
    struct client *a = client_new(), *b = client_new();
    client_as(a, 4242);
    client_as(b, 4242);
    assert_true(client_attach(a, "web", XP_MODE_READ_ONLY, XP_ATTACH_F_FOLLOW, NULL));
    assert_true(client_attach(b, "web", XP_MODE_READ_ONLY, XP_ATTACH_F_FOLLOW, NULL));
    core_reload("read = uid:4242\nmax_sessions_per_user = 1");
    core_guest_destroy(1);
    struct console *c = core_guest_start(2, "web");
    assert_true(client_find_notice(a, XP_N_DOMAIN_BACK));
    assert_int_equal(a->msg.u.notice.count, 2);
    assert_ptr_equal(a->s->con, c);
    assert_true(client_find_notice(b, XP_N_DETACHED));
    assert_string_equal(b->msg.u.notice.text, "web is back as domid 2, but this session cannot "
                                              "follow it: u4242 has 1 sessions on web (limit 1 "
                                              "per user)");
    assert_int_equal(client_next(b), -1);
    assert_int_equal(c->nsessions, 1);
    client_close(a);
    client_close(b);
}

/* ... and the new console's ACL decides too: a follower that may not
 * read it is ended, saying so. (The ACL of a console is its name's, so
 * the follower's credentials are what differs here.) The one that may
 * moves and takes the free seat, as at an ATTACH. */
static void test_follow_refused_without_access(void **state)
{
    core_setup("read = uid:4242\nwrite = uid:4242");
    core_guest_start(1, "web");
    struct client *a = client_new(), *ok = client_new();
    client_as(a, 4242);
    client_as(ok, 4242);
    assert_true(client_attach(a, "web", XP_MODE_READ_ONLY, XP_ATTACH_F_FOLLOW, NULL));
    assert_true(client_attach(ok, "web", XP_MODE_READ_WRITE, XP_ATTACH_F_FOLLOW, NULL));
    core_guest_destroy(1);
    client_drain(ok);
    client_as(a, 4343);
    struct console *c = core_guest_start(2, "web");
    assert_true(client_find_notice(a, XP_N_DETACHED));
    assert_string_equal(a->msg.u.notice.text, "web is back as domid 2, but this session cannot "
                                              "follow it: u4343 may not read the console of web");
    assert_int_equal(client_next(a), -1);
    assert_int_equal(c->nsessions, 1);
    assert_ptr_equal(ok->s->con, c);
    assert_true(client_find_notice(ok, XP_N_DOMAIN_BACK));
    assert_true(client_find_notice(ok, XP_N_WRITER));
    assert_int_equal(ok->msg.u.notice.count, 1);
    assert_ptr_equal(c->writer, ok->s);
    client_close(a);
    client_close(ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_conn_cap_per_user, teardown),
        cmocka_unit_test_teardown(test_conn_reserve_for_admin, teardown),
        cmocka_unit_test_teardown(test_shedding_order, teardown),
        cmocka_unit_test_teardown(test_session_cap_per_user, teardown),
        cmocka_unit_test_teardown(test_session_reserve_and_admin_shed, teardown),
        cmocka_unit_test_teardown(test_follow_refused_over_cap, teardown),
        cmocka_unit_test_teardown(test_follow_refused_without_access, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
