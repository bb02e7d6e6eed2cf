/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-server.c — the listening socket (server.h): PATH exists only with
 * a listener behind it (checked at the moment of listen(), which the
 * test wraps: -Wl,--wrap=listen), has the mode asked for, answers, and
 * leaves no staging name behind; a socket that appears at PATH while the
 * daemon starts is kept and the start fails; a live daemon's socket is
 * never replaced; a stale one is; server_stop() removes only its own.
 * On the core harness (real event loop).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/server.h"
#include "tests/unit/core-harness.h"

static char dir[64], path[96];
static int listen_calls;
static bool path_existed_at_listen;
static int squatter_fd = -1; /* a socket the wrapper puts at PATH */
static bool squat_at_listen;

int __real_listen(int fd, int backlog);
int __wrap_listen(int fd, int backlog);

static int bound_socket(const char *where, bool listening)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", where);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    if (listening)
        assert_int_equal(__real_listen(fd, 4), 0);
    return fd;
}

int __wrap_listen(int fd, int backlog)
{
    struct stat st;
    listen_calls++;
    path_existed_at_listen = lstat(path, &st) == 0;
    if (squat_at_listen)
        squatter_fd = bound_socket(path, true);
    return __real_listen(fd, backlog);
}

static bool connects(void)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    close(fd);
    return rc == 0;
}

/* Entries of DIR other than PATH's own name. */
static int strays(void)
{
    char cmd[256], out[64] = "";
    snprintf(cmd, sizeof(cmd), "ls -A '%s' | grep -vx sock | wc -l", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(out, sizeof(out), p));
    pclose(p);
    return atoi(out);
}

static int setup(void **state)
{
    core_setup(NULL);
    snprintf(dir, sizeof(dir), "/tmp/xcmux-server-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/sock", dir);
    listen_calls = 0;
    path_existed_at_listen = false;
    squat_at_listen = false;
    squatter_fd = -1;
    return 0;
}

static int teardown(void **state)
{
    server_stop();
    if (squatter_fd >= 0)
        close(squatter_fd);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    core_teardown();
    return 0;
}

static void test_path_only_with_a_listener(void **state)
{
    char err[256] = "";
    assert_int_equal(server_start(path, 0660, false, 0, err, sizeof(err)), 0);
    assert_int_equal(listen_calls, 1);
    assert_false(path_existed_at_listen);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0660);
    assert_true(connects());
    assert_int_equal(strays(), 0); /* the staging name is gone */
    server_stop();
    assert_int_equal(lstat(path, &st), -1);
    assert_int_equal(errno, ENOENT);
}

static void test_socket_appearing_meanwhile_is_kept(void **state)
{
    char err[256] = "";
    squat_at_listen = true;
    assert_int_equal(server_start(path, 0600, false, 0, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "appeared while this daemon started"));
    /* The other daemon's socket is still there and still answers. */
    assert_true(squatter_fd >= 0);
    assert_true(connects());
    assert_int_equal(strays(), 0);
}

static void test_live_daemon_not_replaced(void **state)
{
    char err[256] = "";
    squatter_fd = bound_socket(path, true);
    assert_int_equal(server_start(path, 0600, false, 0, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "already listening"));
    assert_int_equal(listen_calls, 0);
    assert_true(connects());
}

static void test_stale_socket_replaced(void **state)
{
    char err[256] = "";
    int stale = bound_socket(path, false);
    close(stale); /* a crashed daemon's file: nobody answers */
    assert_false(connects());
    assert_int_equal(server_start(path, 0600, false, 0, err, sizeof(err)), 0);
    assert_false(path_existed_at_listen);
    assert_true(connects());
}

static void test_stop_leaves_a_newer_daemons_socket(void **state)
{
    char err[256] = "";
    assert_int_equal(server_start(path, 0600, false, 0, err, sizeof(err)), 0);
    assert_int_equal(unlink(path), 0);
    squatter_fd = bound_socket(path, true); /* a newer daemon took PATH */
    server_stop();
    assert_true(connects());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_path_only_with_a_listener, setup, teardown),
        cmocka_unit_test_setup_teardown(test_socket_appearing_meanwhile_is_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_daemon_not_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_socket_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_leaves_a_newer_daemons_socket, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
