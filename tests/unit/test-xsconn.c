/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-xsconn.c — the pipelined xenstore connection (daemon/xsconn.h)
 * against a store played by the test on the other end of a socketpair:
 * requests pipelined in order and framed as xs_wire.h says, replies
 * matched by id, errors and values bounded, oversized replies skipped
 * without losing the connection, watch events between replies, replies
 * split at every byte, the window, and every protocol violation fatal.
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
#include <unistd.h>

#include <cmocka.h>
#include <xen/io/xs_wire.h>

#include "daemon/xsconn.h"

struct store {
    int fd;           /* the store's end */
    struct xsconn *c; /* the daemon's end */
    struct hyp_job *done[512];
    unsigned ndone;
    char events[8][2][128];
    unsigned nevents;
    unsigned requests;
};

static void on_done(void *ctx, struct hyp_job *j)
{
    struct store *s = ctx;
    assert_true(s->ndone < 512);
    s->done[s->ndone++] = j;
}

static void on_event(void *ctx, const char *path, const char *token)
{
    struct store *s = ctx;
    assert_true(s->nevents < 8);
    snprintf(s->events[s->nevents][0], 128, "%s", path);
    snprintf(s->events[s->nevents][1], 128, "%s", token);
    s->nevents++;
}

static void on_request(void *ctx)
{
    ((struct store *)ctx)->requests++;
}

static const struct xsconn_ops ops = {on_done, on_event, on_request};

static int setup(void **state)
{
    struct store *s = calloc(1, sizeof(*s));
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    s->fd = sv[1];
    s->c = xsconn_new(sv[0], &ops, s);
    assert_non_null(s->c);
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    struct store *s = *state;
    if (s->c)
        xsconn_free(s->c, ENOTCONN);
    for (unsigned i = 0; i < s->ndone; i++)
        hyp_job_free(s->done[i]);
    close(s->fd);
    free(s);
    return 0;
}

/* One request the daemon sent, as the store reads it. */
struct req {
    struct xsd_sockmsg h;
    char payload[4200];
};

static bool read_req(struct store *s, struct req *r)
{
    ssize_t n = recv(s->fd, &r->h, sizeof(r->h), MSG_DONTWAIT | MSG_PEEK);
    if (n < (ssize_t)sizeof(r->h))
        return false;
    assert_true(r->h.len <= sizeof(r->payload));
    ssize_t want = (ssize_t)(sizeof(r->h) + r->h.len);
    char buf[sizeof(r->h) + sizeof(r->payload)];
    assert_int_equal(recv(s->fd, buf, (size_t)want, MSG_DONTWAIT), want);
    memcpy(r->payload, buf + sizeof(r->h), r->h.len);
    return true;
}

static void send_msg(struct store *s, uint32_t type, uint32_t req_id, const void *p, uint32_t len)
{
    struct xsd_sockmsg h = {.type = type, .req_id = req_id, .len = len};
    char buf[sizeof(h) + 70000];
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), p, len);
    assert_int_equal(send(s->fd, buf, sizeof(h) + len, 0), (ssize_t)(sizeof(h) + len));
}

static void reply(struct store *s, const struct req *r, const void *p, uint32_t len)
{
    send_msg(s, r->h.type, r->h.req_id, p, len);
}

static struct hyp_job *job(enum hyp_op_kind k, const char *path, const char *arg)
{
    struct hyp_job *j = hyp_job_new(7, NULL);
    assert_int_equal(hyp_job_add(j, k, path, arg), 0);
    return j;
}

/* One job of one request, submitted and written; R is the request as
 * the store reads it. */
static struct hyp_job *sent_one(struct store *s, enum hyp_op_kind k, const char *path,
                                const char *arg, struct req *r)
{
    struct hyp_job *j = job(k, path, arg);
    xsconn_submit(s->c, j);
    assert_int_equal(xsconn_io(s->c), 0);
    assert_true(read_req(s, r));
    return j;
}

/* Requests go out in order, framed as xs_wire.h says; replies complete
 * the job with values NUL-terminated. */
static void test_requests_framed_and_pipelined(void **state)
{
    struct store *s = *state;
    struct hyp_job *j = hyp_job_new(1, NULL);
    hyp_job_add(j, HYP_OP_WATCH, "/local/domain/3", "d3");
    hyp_job_add(j, HYP_OP_READ, "/local/domain/3/console/ring-ref", NULL);
    hyp_job_add(j, HYP_OP_DIRECTORY, "/local/domain/3/device/console", NULL);
    hyp_job_add(j, HYP_OP_WRITE, "/local/domain/3/console/tty", "/dev/pts/9");
    xsconn_submit(s->c, j);
    assert_true(xsconn_wants_write(s->c));
    assert_int_equal(recv(s->fd, (char[1]){0}, 1, MSG_DONTWAIT | MSG_PEEK), -1); /* queued only */
    assert_int_equal(xsconn_io(s->c), 0);
    assert_false(xsconn_wants_write(s->c));
    assert_int_equal(s->requests, 4);

    struct req r[4];
    for (int i = 0; i < 4; i++)
        assert_true(read_req(s, &r[i]));
    assert_int_equal(r[0].h.type, XS_WATCH);
    assert_memory_equal(r[0].payload, "/local/domain/3\0d3\0", 19);
    assert_int_equal(r[0].h.len, 19);
    assert_int_equal(r[1].h.type, XS_READ);
    assert_string_equal(r[1].payload, "/local/domain/3/console/ring-ref");
    assert_int_equal(r[2].h.type, XS_DIRECTORY);
    assert_int_equal(r[3].h.type, XS_WRITE);
    assert_int_equal(r[3].h.len, strlen("/local/domain/3/console/tty") + 1 + strlen("/dev/pts/9"));
    for (int i = 1; i < 4; i++)
        assert_int_equal(r[i].h.req_id, r[0].h.req_id + (uint32_t)i);

    reply(s, &r[0], "OK", 3);
    reply(s, &r[1], "42", 2);
    assert_int_equal(xsconn_io(s->c), 0);
    assert_int_equal(s->ndone, 0); /* not before its last reply */
    reply(s, &r[2],
          "1\0"
          "\0"
          "2\0",
          5);
    reply(s, &r[3], "OK", 3);
    assert_int_equal(xsconn_io(s->c), 0);
    assert_int_equal(s->ndone, 1);
    assert_ptr_equal(s->done[0], j);
    assert_int_equal(j->op[0].err, 0);
    assert_string_equal(j->op[1].value, "42");
    assert_int_equal(j->op[1].len, 2);
    assert_int_equal(j->op[2].len, 2); /* the empty name is dropped */
    assert_string_equal(j->op[2].value, "1");
    assert_string_equal(j->op[2].value + 2, "2");
    assert_int_equal(j->op[3].err, 0);
    assert_int_equal(xsconn_pending(s->c), 0);
}

/* Error replies carry the errno's name; values too long fail with E2BIG. */
static void test_errors_and_bounds(void **state)
{
    struct store *s = *state;
    struct hyp_job *a = job(HYP_OP_READ, "/a", NULL);
    struct hyp_job *b = job(HYP_OP_READ, "/b", NULL);
    struct hyp_job *c = job(HYP_OP_READ, "/c", NULL);
    xsconn_submit(s->c, a);
    xsconn_submit(s->c, b);
    xsconn_submit(s->c, c);
    assert_int_equal(xsconn_io(s->c), 0);
    struct req r[3];
    for (int i = 0; i < 3; i++)
        assert_true(read_req(s, &r[i]));
    send_msg(s, XS_ERROR, r[0].h.req_id, "ENOENT", 7);
    static char big[HYP_VALUE_MAX];
    memset(big, 'x', sizeof(big));
    reply(s, &r[1], big, sizeof(big));
    send_msg(s, XS_ERROR, r[2].h.req_id, "EWHATEVER", 9);
    assert_int_equal(xsconn_io(s->c), 0);
    assert_int_equal(s->ndone, 3);
    assert_int_equal(a->op[0].err, ENOENT);
    assert_int_equal(b->op[0].err, E2BIG);
    assert_null(b->op[0].value);
    assert_int_equal(c->op[0].err, EINVAL); /* unknown names: EINVAL */
}

/* A reply over XSCONN_MESSAGE_MAX is skipped unbuffered: its request
 * fails, the connection and the next reply are fine. */
static void test_oversized_reply_skipped(void **state)
{
    struct store *s = *state;
    struct hyp_job *a = job(HYP_OP_DIRECTORY, "/local/domain/5/data", NULL);
    struct hyp_job *b = job(HYP_OP_READ, "/b", NULL);
    xsconn_submit(s->c, a);
    xsconn_submit(s->c, b);
    assert_int_equal(xsconn_io(s->c), 0);
    struct req r[2];
    assert_true(read_req(s, &r[0]));
    assert_true(read_req(s, &r[1]));
    static char huge[XSCONN_MESSAGE_MAX + 100];
    for (size_t i = 0; i < sizeof(huge); i++)
        huge[i] = i % 8 == 7 ? '\0' : 'n';
    /* Sent in pieces, the next reply right behind it. */
    struct xsd_sockmsg h = {.type = XS_DIRECTORY, .req_id = r[0].h.req_id, .len = sizeof(huge)};
    assert_int_equal(send(s->fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
    size_t sent = 0;
    while (sent < sizeof(huge)) {
        size_t n = sizeof(huge) - sent < 20000 ? sizeof(huge) - sent : 20000;
        assert_int_equal(send(s->fd, huge + sent, n, 0), (ssize_t)n);
        sent += n;
        assert_int_equal(xsconn_io(s->c), 0);
    }
    reply(s, &r[1], "v", 1);
    assert_int_equal(xsconn_io(s->c), 0);
    assert_int_equal(s->ndone, 2);
    assert_int_equal(a->op[0].err, E2BIG);
    assert_int_equal(b->op[0].err, 0);
    assert_string_equal(b->op[0].value, "v");
}

/* A listing longer than HYP_VALUE_MAX (within the message bound) keeps
 * the names that fit. */
static void test_listing_bounded(void **state)
{
    struct store *s = *state;
    struct req r;
    struct hyp_job *a = sent_one(s, HYP_OP_DIRECTORY, "/d", NULL, &r);
    static char names[3 * HYP_VALUE_MAX];
    size_t len = 0;
    while (len + 8 <= sizeof(names)) {
        memcpy(names + len, "name-07", 8);
        len += 8;
    }
    reply(s, &r, names, (uint32_t)len);
    assert_int_equal(xsconn_io(s->c), 0);
    assert_int_equal(s->ndone, 1);
    assert_int_equal(a->op[0].err, 0);
    assert_int_equal(a->op[0].len, HYP_VALUE_MAX / 8);
}

/* Watch events between replies go to ops->event, bounded and
 * NUL-terminated even when the store sends no NULs. */
static void test_events_between_replies(void **state)
{
    struct store *s = *state;
    struct req r;
    (void)sent_one(s, HYP_OP_WATCH, "/local/domain/4", "d4", &r);
    send_msg(s, XS_WATCH_EVENT, 0, "/local/domain/4\0d4\0", 19);
    reply(s, &r, "OK", 3);
    send_msg(s, XS_WATCH_EVENT, 0, "/local/domain/4/console/port\0d4\0", 32);
    send_msg(s, XS_WATCH_EVENT, 0, "no-nul-at-all", 13);
    assert_int_equal(xsconn_io(s->c), 0);
    assert_int_equal(s->ndone, 1);
    assert_int_equal(s->nevents, 3);
    assert_string_equal(s->events[0][0], "/local/domain/4");
    assert_string_equal(s->events[0][1], "d4");
    assert_string_equal(s->events[1][0], "/local/domain/4/console/port");
    assert_string_equal(s->events[2][0], "no-nul-at-all");
    assert_string_equal(s->events[2][1], "");
}

/* Replies that arrive a byte at a time are reassembled. */
static void test_split_at_every_byte(void **state)
{
    struct store *s = *state;
    struct req r;
    struct hyp_job *a = sent_one(s, HYP_OP_READ, "/x", NULL, &r);
    struct xsd_sockmsg h = {.type = XS_READ, .req_id = r.h.req_id, .len = 5};
    char buf[sizeof(h) + 5];
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), "hello", 5);
    for (size_t i = 0; i < sizeof(buf); i++) {
        assert_int_equal(s->ndone, 0);
        assert_int_equal(send(s->fd, buf + i, 1, 0), 1);
        assert_int_equal(xsconn_io(s->c), 0);
    }
    assert_int_equal(s->ndone, 1);
    assert_string_equal(a->op[0].value, "hello");
}

/* At most XSCONN_WINDOW requests are unanswered; the rest follow as
 * replies come, in order. */
static void test_window(void **state)
{
    struct store *s = *state;
    struct hyp_job *j[XSCONN_WINDOW + 10];
    for (unsigned i = 0; i < XSCONN_WINDOW + 10; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/n/%u", i);
        j[i] = job(HYP_OP_READ, path, NULL);
        xsconn_submit(s->c, j[i]);
    }
    assert_int_equal(xsconn_io(s->c), 0);
    assert_int_equal(s->requests, XSCONN_WINDOW);
    assert_int_equal(xsconn_pending(s->c), XSCONN_WINDOW + 10);
    struct req r;
    for (unsigned i = 0; i < XSCONN_WINDOW + 10; i++) {
        if (!read_req(s, &r)) {
            assert_int_equal(xsconn_io(s->c), 0); /* sends the next */
            assert_true(read_req(s, &r));
        }
        char want[32];
        snprintf(want, sizeof(want), "/n/%u", i);
        assert_string_equal(r.payload, want);
        reply(s, &r, "v", 1);
        if (i == XSCONN_WINDOW - 1)
            assert_int_equal(xsconn_io(s->c), 0);
    }
    assert_int_equal(xsconn_io(s->c), 0);
    assert_int_equal(s->ndone, XSCONN_WINDOW + 10);
    for (unsigned i = 0; i < XSCONN_WINDOW + 10; i++)
        assert_ptr_equal(s->done[i], j[i]);
}

/* A job that cannot be sent (payload over the protocol's limit, or no
 * request at all) completes at once, failed, without a byte sent. */
static void test_unsendable_job(void **state)
{
    struct store *s = *state;
    char path[XENSTORE_PAYLOAD_MAX + 10];
    memset(path, 'p', sizeof(path) - 1);
    path[sizeof(path) - 1] = '\0';
    struct hyp_job *a = job(HYP_OP_READ, path, NULL);
    xsconn_submit(s->c, a);
    struct hyp_job *empty = hyp_job_new(1, NULL);
    xsconn_submit(s->c, empty);
    assert_int_equal(s->ndone, 2);
    assert_int_equal(a->op[0].err, E2BIG);
    assert_int_equal(xsconn_io(s->c), 0);
    assert_int_equal(s->requests, 0);
    assert_int_equal(recv(s->fd, (char[1]){0}, 1, MSG_DONTWAIT), -1);
}

/* Protocol violations and the store's close kill the connection; free
 * fails what was still waiting, keeping what was answered. */
static void test_reply_with_wrong_id_is_fatal(void **state)
{
    struct store *s = *state;
    struct hyp_job *a = hyp_job_new(1, NULL);
    hyp_job_add(a, HYP_OP_READ, "/a", NULL);
    hyp_job_add(a, HYP_OP_READ, "/b", NULL);
    xsconn_submit(s->c, a);
    assert_int_equal(xsconn_io(s->c), 0);
    struct req r[2];
    assert_true(read_req(s, &r[0]));
    assert_true(read_req(s, &r[1]));
    reply(s, &r[0], "1", 1);
    send_msg(s, XS_READ, r[1].h.req_id + 5, "2", 1);
    assert_int_equal(xsconn_io(s->c), -1);
    assert_int_equal(errno, EPROTO);
    xsconn_free(s->c, ECONNRESET);
    s->c = NULL;
    assert_int_equal(s->ndone, 1);
    assert_string_equal(a->op[0].value, "1");
    assert_int_equal(a->op[1].err, ECONNRESET);
}

static void test_unasked_reply_is_fatal(void **state)
{
    struct store *s = *state;
    send_msg(s, XS_READ, 1, "x", 1);
    assert_int_equal(xsconn_io(s->c), -1);
}

static void test_wrong_type_is_fatal(void **state)
{
    struct store *s = *state;
    struct req r;
    (void)sent_one(s, HYP_OP_READ, "/a", NULL, &r);
    send_msg(s, XS_DIRECTORY, r.h.req_id, "x", 2);
    assert_int_equal(xsconn_io(s->c), -1);
}

static void test_unknown_type_is_fatal(void **state)
{
    struct store *s = *state;
    send_msg(s, XS_TYPE_COUNT + 3, 0, "", 0);
    assert_int_equal(xsconn_io(s->c), -1);
}

static void test_store_closing_is_fatal(void **state)
{
    struct store *s = *state;
    struct hyp_job *a = job(HYP_OP_WRITE, "/a", "v");
    xsconn_submit(s->c, a);
    assert_int_equal(xsconn_io(s->c), 0);
    shutdown(s->fd, SHUT_WR);
    assert_int_equal(xsconn_io(s->c), -1);
    assert_int_equal(errno, ECONNRESET);
    xsconn_free(s->c, ENOTCONN);
    s->c = NULL;
    assert_int_equal(s->ndone, 1);
    assert_int_equal(a->op[0].err, ENOTCONN);
}

/* Garbage: whatever the bytes, xsconn_io() ends (0 or -1), never
 * crashes, and free completes every job. */
static void test_garbage_never_crashes(void **state)
{
    struct store *s = *state;
    srand(7);
    for (int round = 0; round < 200; round++) {
        struct hyp_job *a = job(round % 2 ? HYP_OP_READ : HYP_OP_DIRECTORY, "/g", NULL);
        xsconn_submit(s->c, a);
        if (xsconn_io(s->c) < 0)
            break;
        char junk[300];
        size_t n = (size_t)(rand() % (int)sizeof(junk));
        for (size_t i = 0; i < n; i++)
            junk[i] = (char)(rand() % 4 == 0 ? 0 : rand());
        if (n >= sizeof(struct xsd_sockmsg) && round % 3 == 0) {
            /* Sometimes a plausible header. */
            struct xsd_sockmsg h = {.type = (uint32_t)(rand() % 20),
                                    .req_id = (uint32_t)round,
                                    .len = (uint32_t)(rand() % 200)};
            memcpy(junk, &h, sizeof(h));
        }
        if (send(s->fd, junk, n, MSG_DONTWAIT) < 0)
            break;
        if (xsconn_io(s->c) < 0)
            break;
    }
    xsconn_free(s->c, ENOTCONN);
    s->c = NULL;
    /* Every submitted job came back exactly once (teardown frees them). */
    for (unsigned i = 0; i < s->ndone; i++)
        for (unsigned k = i + 1; k < s->ndone; k++)
            assert_ptr_not_equal(s->done[i], s->done[k]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_requests_framed_and_pipelined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_and_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversized_reply_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listing_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_between_replies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_at_every_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsendable_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_with_wrong_id_is_fatal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unasked_reply_is_fatal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_type_is_fatal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_type_is_fatal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_closing_is_fatal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_never_crashes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
