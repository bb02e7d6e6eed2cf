/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for web/auth: PAM on worker threads with the result back on
 * the loop (through test PAM services, pam_permit/pam_deny in a directory
 * of their own), at most AUTH_MAX_WORKERS at once, cancellation, and
 * sessions: tokens, lookup, end, expiry, the cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "web/auth.h"

static char confdir[64];
static long long fake_now = 1000;

static long long fake_clock(void)
{
    return fake_now;
}

static int setup(void **state)
{
    strcpy(confdir, "/tmp/xcmux-test-auth.XXXXXX");
    if (!mkdtemp(confdir))
        return -1;
    static const struct {
        const char *name, *text;
    } svc[] = {
        {"permit", "auth required pam_permit.so\naccount required pam_permit.so\n"},
        {"deny", "auth required pam_deny.so\naccount required pam_deny.so\n"},
    };
    for (size_t i = 0; i < 2; i++) {
        char p[128];
        snprintf(p, sizeof(p), "%s/%s", confdir, svc[i].name);
        FILE *f = fopen(p, "w");
        if (!f)
            return -1;
        fputs(svc[i].text, f);
        fclose(f);
    }
    return 0;
}

static int teardown(void **state)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/permit", confdir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/deny", confdir);
    unlink(p);
    rmdir(confdir);
    return 0;
}

struct answers {
    int n, ok;
    uid_t uid;
    char user[WEB_MAX_USER + 1];
};

static void answered(void *arg, bool ok, const struct web_ident *id)
{
    struct answers *a = arg;
    a->n++;
    if (ok) {
        a->ok++;
        a->uid = id->uid;
        snprintf(a->user, sizeof(a->user), "%s", id->user);
    }
}

static void run_until(struct event_base *base, struct answers *a, int n)
{
    for (int i = 0; i < 20000 && a->n < n; i++) {
        struct timeval tv = {0, 1000};
        event_base_loopexit(base, &tv);
        event_base_dispatch(base);
    }
    assert_int_equal(a->n, n);
}

static void test_login(void **state)
{
    struct event_base *base = event_base_new();
    struct auth *au = auth_new(base, "permit", confdir);
    assert_non_null(au);
    struct answers a = {0};
    assert_non_null(auth_login(au, "root", "x", answered, &a));
    run_until(base, &a, 1);
    assert_int_equal(a.ok, 1);
    assert_int_equal(a.uid, 0);
    assert_string_equal(a.user, "root");
    /* PAM says yes, but there is no such local user: no. */
    assert_non_null(auth_login(au, "no-such-user-xq", "x", answered, &a));
    run_until(base, &a, 2);
    assert_int_equal(a.ok, 1);
    auth_free(au);

    au = auth_new(base, "deny", confdir);
    assert_non_null(au);
    assert_non_null(auth_login(au, "root", "x", answered, &a));
    run_until(base, &a, 3);
    assert_int_equal(a.ok, 1);
    auth_free(au);
    event_base_free(base);
}

static void test_workers_bounded_and_cancel(void **state)
{
    struct event_base *base = event_base_new();
    struct auth *au = auth_new(base, "permit", confdir);
    assert_non_null(au);
    struct answers a = {0}, cancelled = {0};
    struct auth_job *j[AUTH_MAX_WORKERS];
    for (int i = 0; i < AUTH_MAX_WORKERS; i++) {
        j[i] = auth_login(au, "root", "x", answered, i == 0 ? &cancelled : &a);
        assert_non_null(j[i]);
    }
    /* The loop has not run: all four are still counted. */
    assert_null(auth_login(au, "root", "x", answered, &a));
    auth_cancel(j[0]);
    run_until(base, &a, AUTH_MAX_WORKERS - 1);
    assert_int_equal(cancelled.n, 0);
    /* Room again once the answers are in. */
    for (int i = 0; i < 100 && !auth_login(au, "root", "x", answered, &a); i++) {
        struct timeval tv = {0, 10000};
        event_base_loopexit(base, &tv);
        event_base_dispatch(base);
    }
    run_until(base, &a, AUTH_MAX_WORKERS);
    assert_int_equal(cancelled.n, 0);
    /* A worker still running at auth_free is waited for. */
    assert_non_null(auth_login(au, "root", "x", answered, &cancelled));
    auth_free(au);
    event_base_free(base);
}

static void test_sessions(void **state)
{
    struct event_base *base = event_base_new();
    struct auth *au = auth_new(base, "permit", confdir);
    assert_non_null(au);
    auth_clock = fake_clock;
    struct web_ident id = {.uid = 1000, .gid = 1000};
    strcpy(id.user, "alice");
    char t1[AUTH_TOKEN_HEX + 1], t2[AUTH_TOKEN_HEX + 1];
    assert_int_equal(auth_session_new(au, &id, t1), 0);
    assert_int_equal(strlen(t1), AUTH_TOKEN_HEX);
    assert_int_equal(strspn(t1, "0123456789abcdef"), AUTH_TOKEN_HEX);
    strcpy(id.user, "bob");
    id.uid = 1001;
    assert_int_equal(auth_session_new(au, &id, t2), 0);
    assert_string_not_equal(t1, t2);
    const struct web_ident *g = auth_session_get(au, t1);
    assert_non_null(g);
    assert_string_equal(g->user, "alice");
    assert_int_equal(auth_session_get(au, t2)->uid, 1001);
    /* A wrong token, a prefix, a changed digit: nothing. */
    char bad[AUTH_TOKEN_HEX + 1];
    strcpy(bad, t1);
    bad[10] = bad[10] == 'a' ? 'b' : 'a';
    assert_null(auth_session_get(au, bad));
    bad[10] = '\0';
    assert_null(auth_session_get(au, bad));
    assert_null(auth_session_get(au, ""));
    /* Logout ends one session only. */
    auth_session_end(au, t2);
    assert_null(auth_session_get(au, t2));
    assert_non_null(auth_session_get(au, t1));
    /* 12 h after login the session is gone. */
    fake_now += AUTH_SESSION_TTL - 1;
    assert_non_null(auth_session_get(au, t1));
    fake_now += 1;
    assert_null(auth_session_get(au, t1));
    /* The cap: the oldest session makes room for a new one. */
    char first[AUTH_TOKEN_HEX + 1], last[AUTH_TOKEN_HEX + 1];
    for (int i = 0; i < AUTH_MAX_SESSIONS; i++) {
        fake_now++;
        assert_int_equal(auth_session_new(au, &id, i == 0 ? first : last), 0);
    }
    assert_non_null(auth_session_get(au, first));
    fake_now++;
    assert_int_equal(auth_session_new(au, &id, t1), 0);
    assert_null(auth_session_get(au, first));
    assert_non_null(auth_session_get(au, last));
    assert_non_null(auth_session_get(au, t1));
    auth_free(au);
    event_base_free(base);
}

static void test_user_names(void **state)
{
    assert_true(web_user_name_ok("alice"));
    assert_true(web_user_name_ok("_svc-1.x"));
    assert_true(web_user_name_ok("machine$"));
    assert_false(web_user_name_ok(""));
    assert_false(web_user_name_ok("1alice"));
    assert_false(web_user_name_ok("-alice"));
    assert_false(web_user_name_ok("al ice"));
    assert_false(web_user_name_ok("al/ice"));
    assert_false(web_user_name_ok("a$b"));
    assert_false(web_user_name_ok("abcdefghijabcdefghijabcdefghijabc")); /* 33 */
    assert_true(web_user_name_ok("abcdefghijabcdefghijabcdefghijab"));   /* 32 */
    struct web_ident id;
    assert_int_equal(web_ident_lookup("root", &id), 0);
    assert_int_equal(id.uid, 0);
    assert_true(id.ngroups >= 1);
    assert_int_equal(web_ident_lookup("no-such-user-xq", &id), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login),
        cmocka_unit_test(test_workers_bounded_and_cancel),
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_user_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
