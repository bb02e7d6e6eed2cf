// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the pipelined dom0 xenstore client (xswire.h) against a
 * scripted fake xenstored in a child process: framing of each request
 * type, one lane's order, lanes answered out of order, XS_ERROR mapped to
 * the failing tag only, and a reply with the wrong req_id breaking the
 * handle. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <xen/io/xs_wire.h>

#include "sim/guest/xswire.h"

static char dir[64];
static char sock_path[96];

static int listen_here(void)
{
    snprintf(dir, sizeof(dir), "/tmp/test-xswire.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(sock_path, sizeof(sock_path), "%s/socket", dir);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 16), 0);
    setenv("XENSTORED_PATH", sock_path, 1);
    return fd;
}

static void cleanup(int lfd)
{
    close(lfd);
    unlink(sock_path);
    rmdir(dir);
}

static int read_full(int fd, void *buf, size_t len)
{
    for (size_t got = 0; got < len;) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

/* Child side: read one request, check its type and payload. */
static int expect(int fd, uint32_t type, const char *payload, size_t len, uint32_t *req_id)
{
    struct xsd_sockmsg hdr;
    char buf[XENSTORE_PAYLOAD_MAX];
    if (read_full(fd, &hdr, sizeof(hdr)) < 0 || hdr.len > sizeof(buf) ||
        read_full(fd, buf, hdr.len) < 0)
        return -1;
    *req_id = hdr.req_id;
    if (hdr.type != type || hdr.tx_id != 0 || hdr.len != len || memcmp(buf, payload, len) != 0) {
        fprintf(stderr, "unexpected request type %u len %u '%.*s'\n", hdr.type, hdr.len,
                (int)hdr.len, buf);
        return -1;
    }
    return 0;
}

static int reply(int fd, uint32_t type, uint32_t req_id, const char *payload)
{
    struct xsd_sockmsg hdr = {.type = type, .req_id = req_id, .len = (uint32_t)strlen(payload) + 1};
    char buf[sizeof(hdr) + 64];
    memcpy(buf, &hdr, sizeof(hdr));
    memcpy(buf + sizeof(hdr), payload, hdr.len);
    return write(fd, buf, sizeof(hdr) + hdr.len) == (ssize_t)(sizeof(hdr) + hdr.len) ? 0 : -1;
}

#define WRITE_REQ(path, value) (path "\0" value), sizeof(path "\0" value) - 1

/* Two lanes: lane 0 carries tag 0 (write, set_perms, introduce), lane 1
 * tag 1 (a write xenstored refuses, then one it accepts). The fake answers
 * lane 1 first. */
static int pipeline_server(int lfd)
{
    int a = accept(lfd, NULL, NULL), b = accept(lfd, NULL, NULL);
    uint32_t id[5];
    /* Connections are accepted in connect order: a is lane 0. */
    if (expect(a, XS_WRITE, WRITE_REQ("/local/domain/7", ""), &id[0]) < 0 ||
        expect(a, XS_SET_PERMS, "/local/domain/7\0n0\0r7\0", 22, &id[1]) < 0 ||
        expect(a, XS_INTRODUCE,
               "7\0"
               "1048577\0"
               "2\0",
               12, &id[2]) < 0 ||
        expect(b, XS_WRITE, WRITE_REQ("/ro/x", "v"), &id[3]) < 0 ||
        expect(b, XS_WRITE, WRITE_REQ("/rw/y", "1234"), &id[4]) < 0)
        return 1;
    if (id[1] != id[0] + 1 || id[2] != id[1] + 1)
        return 2;
    if (reply(b, XS_ERROR, id[3], "EACCES") < 0 || reply(b, XS_WRITE, id[4], "OK") < 0 ||
        reply(a, XS_WRITE, id[0], "OK") < 0 || reply(a, XS_SET_PERMS, id[1], "OK") < 0 ||
        reply(a, XS_INTRODUCE, id[2], "OK") < 0)
        return 3;
    char c;
    (void)read(a, &c, 1); /* until the client closes */
    return 0;
}

static void test_xsw_pipeline(void **state)
{
    int lfd = listen_here();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(pipeline_server(lfd));
    struct xsw *w = xsw_open(2);
    assert_non_null(w);
    assert_int_equal(xsw_lanes(w), 2);
    struct xs_permissions perms[2] = {{.id = 0, .perms = XS_PERM_NONE},
                                      {.id = 7, .perms = XS_PERM_READ}};
    assert_int_equal(xsw_write(w, 0, 0, "/local/domain/7", "", 0), 0);
    assert_int_equal(xsw_set_perms(w, 0, 0, "/local/domain/7", perms, 2), 0);
    assert_int_equal(xsw_introduce(w, 0, 0, 7, 1048577, 2), 0);
    assert_int_equal(xsw_write(w, 1, 1, "/ro/x", "v", 1), 0);
    assert_int_equal(xsw_write(w, 1, 1, "/rw/y", "1234", 4), 0);
    int errs[2] = {-1, -1};
    assert_int_equal(xsw_run(w, errs, 2), 0);
    assert_int_equal(errs[0], 0);
    assert_int_equal(errs[1], EACCES);
    /* Nothing queued: a run returns at once. */
    assert_int_equal(xsw_run(w, errs, 2), 0);
    assert_int_equal(errs[1], 0);
    xsw_close(w);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    cleanup(lfd);
}

static int bad_reply_server(int lfd)
{
    int a = accept(lfd, NULL, NULL);
    uint32_t id;
    if (expect(a, XS_WRITE, WRITE_REQ("/a", "b"), &id) < 0 ||
        reply(a, XS_WRITE, id + 100, "OK") < 0)
        return 1;
    char c;
    (void)read(a, &c, 1);
    return 0;
}

static void test_xsw_wrong_req_id_breaks(void **state)
{
    int lfd = listen_here();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(bad_reply_server(lfd));
    struct xsw *w = xsw_open(1);
    assert_non_null(w);
    assert_int_equal(xsw_write(w, 0, 0, "/a", "b", 1), 0);
    int errs[1];
    assert_int_equal(xsw_run(w, errs, 1), -1);
    assert_int_equal(errs[0], EIO);
    assert_int_equal(xsw_write(w, 0, 0, "/a", "b", 1), -1);
    assert_int_equal(errno, EPIPE);
    xsw_close(w);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(WEXITSTATUS(status), 0);
    cleanup(lfd);
}

static void test_xsw_queue_limits(void **state)
{
    int lfd = listen_here();
    struct xsw *w = xsw_open(1);
    assert_non_null(w);
    static char big[XENSTORE_PAYLOAD_MAX + 1];
    memset(big, 'x', sizeof(big));
    assert_int_equal(xsw_write(w, 0, 0, "/a", big, sizeof(big)), -1);
    assert_int_equal(errno, E2BIG);
    assert_int_equal(xsw_write(w, 1, 0, "/a", "b", 1), -1);
    assert_int_equal(errno, EINVAL);
    struct xs_permissions bad = {.id = 0, .perms = XS_PERM_OWNER};
    assert_int_equal(xsw_set_perms(w, 0, 0, "/a", &bad, 1), -1);
    assert_int_equal(errno, EINVAL);
    xsw_close(w);
    assert_null(xsw_open(0));
    assert_null(xsw_open(XSW_MAX_LANES + 1));
    cleanup(lfd);
    /* Nobody listening any more. */
    assert_null(xsw_open(1));
}

static void test_xsw_errno(void **state)
{
    assert_int_equal(xsw_errno("ENOENT", 6), ENOENT);
    assert_int_equal(xsw_errno("EACCES", 6), EACCES);
    assert_int_equal(xsw_errno("E2BIG", 5), E2BIG);
    assert_int_equal(xsw_errno("ENOEN", 5), EIO);
    assert_int_equal(xsw_errno("EWHATEVER", 9), EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xsw_pipeline),
        cmocka_unit_test(test_xsw_wrong_req_id_breaks),
        cmocka_unit_test(test_xsw_queue_limits),
        cmocka_unit_test(test_xsw_errno),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
