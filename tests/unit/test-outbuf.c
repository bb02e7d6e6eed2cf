/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for daemon/outbuf: wrap, exact capacity, lag and replay. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/limits.h"
#include "daemon/outbuf.h"

#define CAP XCMUX_OUTBUF_MIN

/* Byte at stream offset `off` in every test stream: makes any misplaced
 * byte visible. */
static uint8_t pattern(uint64_t off)
{
    return (uint8_t)(off * 7 + off / 251);
}

static void append_pattern(struct outbuf *b, size_t n)
{
    uint8_t tmp[3 * CAP];
    assert_true(n <= sizeof(tmp));
    for (size_t i = 0; i < n; i++)
        tmp[i] = pattern(b->head + i);
    outbuf_append(b, tmp, n);
}

/* Reads everything available at *off (at most two chunks), checks the
 * bytes against the pattern and returns how many were read. */
static size_t drain_checked(struct outbuf *b, uint64_t *off, size_t *missed_total)
{
    size_t total = 0;
    for (int chunks = 0;; chunks++) {
        const uint8_t *p;
        size_t missed;
        size_t n = outbuf_peek(b, off, &p, &missed);
        *missed_total += missed;
        if (n == 0)
            break;
        assert_true(chunks < 2); /* a held range is at most two pieces */
        for (size_t i = 0; i < n; i++)
            assert_int_equal(p[i], pattern(*off + i));
        outbuf_advance(b, off, n);
        total += n;
    }
    return total;
}

static void test_init_rejects_bad_capacity(void **state)
{
    struct outbuf b;
    (void)state;
    assert_int_equal(outbuf_init(&b, 0), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(outbuf_init(&b, CAP + 1), -1);
    assert_int_equal(outbuf_init(&b, 3 * CAP), -1);
    assert_int_equal(outbuf_init(&b, CAP / 2), -1);
    assert_int_equal(outbuf_init(&b, (size_t)XCMUX_OUTBUF_MAX * 2), -1);
    assert_false(outbuf_capacity_valid(6000));
    assert_true(outbuf_capacity_valid(XCMUX_OUTBUF_MAX));
    assert_int_equal(outbuf_init(&b, CAP), 0);
    outbuf_destroy(&b);
}

static void test_empty(void **state)
{
    struct outbuf b;
    const uint8_t *p;
    size_t missed = 99;
    uint64_t off = 0;
    (void)state;
    assert_int_equal(outbuf_init(&b, CAP), 0);
    assert_int_equal(outbuf_peek(&b, &off, &p, &missed), 0);
    assert_int_equal(missed, 0);
    assert_int_equal(outbuf_held(&b), 0);
    assert_int_equal(outbuf_tail_offset(&b, 100), 0);
    assert_int_equal(outbuf_oldest(&b), 0);
    outbuf_destroy(&b);
}

static void test_exactly_full(void **state)
{
    struct outbuf b;
    uint64_t off = 0;
    size_t missed = 0;
    (void)state;
    assert_int_equal(outbuf_init(&b, CAP), 0);
    append_pattern(&b, CAP);
    assert_int_equal(outbuf_head(&b), CAP);
    assert_int_equal(outbuf_held(&b), CAP);
    assert_int_equal(outbuf_oldest(&b), 0);
    /* A reader at 0 is exactly a capacity behind: nothing is missed, and
     * the whole buffer is one contiguous chunk. */
    const uint8_t *p;
    assert_int_equal(outbuf_peek(&b, &off, &p, &missed), CAP);
    assert_int_equal(missed, 0);
    assert_int_equal(drain_checked(&b, &off, &missed), CAP);
    assert_int_equal(off, CAP);
    outbuf_destroy(&b);
}

static void test_wrap(void **state)
{
    struct outbuf b;
    uint64_t off;
    size_t missed = 0;
    (void)state;
    assert_int_equal(outbuf_init(&b, CAP), 0);
    append_pattern(&b, CAP - 10);
    off = outbuf_head(&b);
    append_pattern(&b, 30); /* crosses the end of the array */
    const uint8_t *p;
    assert_int_equal(outbuf_peek(&b, &off, &p, &missed), 10);
    assert_int_equal(drain_checked(&b, &off, &missed), 30);
    assert_int_equal(missed, 0);
    /* Many small appends around the ring keep every held byte right. */
    for (int i = 0; i < 100; i++)
        append_pattern(&b, 97);
    off = outbuf_oldest(&b);
    assert_int_equal(drain_checked(&b, &off, &missed), CAP);
    assert_int_equal(missed, 0);
    outbuf_destroy(&b);
}

static void test_append_larger_than_capacity(void **state)
{
    struct outbuf b;
    size_t missed = 0;
    (void)state;
    assert_int_equal(outbuf_init(&b, CAP), 0);
    append_pattern(&b, 5);
    append_pattern(&b, 2 * CAP + 3);
    assert_int_equal(outbuf_head(&b), 2 * CAP + 8);
    uint64_t off = 0;
    assert_int_equal(drain_checked(&b, &off, &missed), CAP);
    assert_int_equal(missed, CAP + 8);
    outbuf_destroy(&b);
}

static void check_lag(size_t lag, size_t expect_missed)
{
    struct outbuf b;
    size_t missed = 0;
    assert_int_equal(outbuf_init(&b, CAP), 0);
    append_pattern(&b, 1000);
    uint64_t off = outbuf_head(&b);
    append_pattern(&b, lag);
    size_t got = drain_checked(&b, &off, &missed);
    assert_int_equal(missed, expect_missed);
    assert_int_equal(got, lag - expect_missed);
    assert_int_equal(off, outbuf_head(&b));
    outbuf_destroy(&b);
}

static void test_reader_lag_cap_minus_1(void **state)
{
    (void)state;
    check_lag(CAP - 1, 0);
}

static void test_reader_lag_cap(void **state)
{
    (void)state;
    check_lag(CAP, 0);
}

static void test_reader_lag_cap_plus_1(void **state)
{
    (void)state;
    check_lag(CAP + 1, 1);
}

static void test_missed_reported_once(void **state)
{
    struct outbuf b;
    const uint8_t *p;
    size_t missed;
    uint64_t off = 0;
    (void)state;
    assert_int_equal(outbuf_init(&b, CAP), 0);
    append_pattern(&b, CAP + 100);
    outbuf_peek(&b, &off, &p, &missed);
    assert_int_equal(missed, 100);
    assert_int_equal(off, 100);
    outbuf_peek(&b, &off, &p, &missed);
    assert_int_equal(missed, 0);
    /* NULL missed pointer is allowed. */
    off = 0;
    assert_true(outbuf_peek(&b, &off, &p, NULL) > 0);
    outbuf_destroy(&b);
}

static void test_reader_ahead_is_clamped(void **state)
{
    struct outbuf b;
    const uint8_t *p;
    size_t missed;
    uint64_t off = 1u << 20;
    (void)state;
    assert_int_equal(outbuf_init(&b, CAP), 0);
    append_pattern(&b, 10);
    assert_int_equal(outbuf_peek(&b, &off, &p, &missed), 0);
    assert_int_equal(off, 10);
    outbuf_advance(&b, &off, 5);
    assert_int_equal(off, 10);
    outbuf_destroy(&b);
}

static void test_tail_offset(void **state)
{
    struct outbuf b;
    size_t missed = 0;
    (void)state;
    assert_int_equal(outbuf_init(&b, CAP), 0);
    append_pattern(&b, 100);
    assert_int_equal(outbuf_tail_offset(&b, 40), 60);
    assert_int_equal(outbuf_tail_offset(&b, 100), 0);
    assert_int_equal(outbuf_tail_offset(&b, 0), 100);
    /* n > held: replay what is held. */
    assert_int_equal(outbuf_tail_offset(&b, 5000), 0);
    append_pattern(&b, 2 * CAP);
    assert_int_equal(outbuf_tail_offset(&b, UINT64_MAX), outbuf_head(&b) - CAP);
    uint64_t off = outbuf_tail_offset(&b, 3 * CAP);
    assert_int_equal(drain_checked(&b, &off, &missed), CAP);
    assert_int_equal(missed, 0);
    off = outbuf_tail_offset(&b, 10);
    assert_int_equal(drain_checked(&b, &off, &missed), 10);
    outbuf_destroy(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_rejects_bad_capacity),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_exactly_full),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_append_larger_than_capacity),
        cmocka_unit_test(test_reader_lag_cap_minus_1),
        cmocka_unit_test(test_reader_lag_cap),
        cmocka_unit_test(test_reader_lag_cap_plus_1),
        cmocka_unit_test(test_missed_reported_once),
        cmocka_unit_test(test_reader_ahead_is_clamped),
        cmocka_unit_test(test_tail_offset),
    };
    return cmocka_run_group_tests_name("outbuf", tests, NULL, NULL);
}
