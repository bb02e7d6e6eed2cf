/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for daemon/ratelimit: token bucket on an injected clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "daemon/limits.h"
#include "daemon/ratelimit.h"

static void test_off_grants_everything(void **state)
{
    struct ratelimit rl;
    (void)state;
    ratelimit_init(&rl, 0, 0, 0);
    assert_int_equal(ratelimit_take(&rl, 0, 1u << 30), 1u << 30);
    assert_int_equal(ratelimit_take(&rl, 0, 1u << 30), 1u << 30);
    assert_int_equal(ratelimit_wait_ms(&rl, 0), 0);
}

static void test_starts_full_then_limits(void **state)
{
    struct ratelimit rl;
    (void)state;
    ratelimit_init(&rl, 1000, 500, 10000);
    assert_int_equal(ratelimit_take(&rl, 10000, 300), 300);
    assert_int_equal(ratelimit_take(&rl, 10000, 300), 200);
    assert_int_equal(ratelimit_take(&rl, 10000, 1), 0);
    /* 1000 B/s: 100 ms gives 100 bytes. */
    assert_int_equal(ratelimit_take(&rl, 10100, 1000), 100);
}

static void test_burst_caps_refill(void **state)
{
    struct ratelimit rl;
    (void)state;
    ratelimit_init(&rl, 1000, 500, 0);
    assert_int_equal(ratelimit_take(&rl, 0, 500), 500);
    /* An hour idle refills only up to burst. */
    assert_int_equal(ratelimit_take(&rl, 3600u * 1000, 100000), 500);
}

static void test_burst_zero_means_one_second(void **state)
{
    struct ratelimit rl;
    (void)state;
    ratelimit_init(&rl, 4096, 0, 0);
    assert_int_equal(rl.burst, 4096);
    assert_int_equal(ratelimit_take(&rl, 0, 100000), 4096);
}

static void test_fractional_refill_not_lost(void **state)
{
    struct ratelimit rl;
    size_t total = 0;
    (void)state;
    /* 300 B/s is 0.3 bytes per ms: taking every ms must still add up. */
    ratelimit_init(&rl, 300, 300, 0);
    assert_int_equal(ratelimit_take(&rl, 0, 1000), 300);
    for (uint64_t t = 1; t <= 1000; t++)
        total += ratelimit_take(&rl, t, 1000);
    assert_int_equal(total, 300);
}

static void test_clock_backwards_adds_nothing(void **state)
{
    struct ratelimit rl;
    (void)state;
    ratelimit_init(&rl, 1000, 100, 5000);
    assert_int_equal(ratelimit_take(&rl, 5000, 100), 100);
    assert_int_equal(ratelimit_take(&rl, 1000, 100), 0);
    assert_int_equal(ratelimit_take(&rl, 5010, 100), 10);
}

static void test_wait_ms(void **state)
{
    struct ratelimit rl;
    (void)state;
    /* 10000 B/s: wakeups at most 50/s, so wait for 200 bytes = 20 ms. */
    ratelimit_init(&rl, 10000, 1000, 0);
    assert_int_equal(ratelimit_wait_ms(&rl, 0), 0);
    assert_int_equal(ratelimit_take(&rl, 0, 5000), 1000);
    assert_int_equal(ratelimit_wait_ms(&rl, 0), 20);
    assert_int_equal(ratelimit_take(&rl, 20, 5000), 200);
    /* Whole tokens available means "try now", even below the target. */
    assert_int_equal(ratelimit_wait_ms(&rl, 25), 0);
    assert_int_equal(ratelimit_take(&rl, 25, 5000), 50);
    /* Empty again: back to waiting for the 200-byte target. */
    assert_int_equal(ratelimit_wait_ms(&rl, 25), 20);

    /* Low rate: one byte per 100 ms is worth waking for. */
    ratelimit_init(&rl, 10, 10, 0);
    assert_int_equal(ratelimit_take(&rl, 0, 50), 10);
    assert_int_equal(ratelimit_wait_ms(&rl, 0), 100);
    assert_int_equal(ratelimit_take(&rl, 99, 50), 0);
    assert_int_equal(ratelimit_take(&rl, 100, 50), 1);

    /* Burst smaller than the wakeup target: wait only for the burst. */
    ratelimit_init(&rl, 100000, 100, 0);
    assert_int_equal(ratelimit_take(&rl, 0, 5000), 100);
    assert_int_equal(ratelimit_wait_ms(&rl, 0), 1);
    assert_int_equal(ratelimit_take(&rl, 1, 5000), 100);
}

static void test_huge_values_do_not_overflow(void **state)
{
    struct ratelimit rl;
    (void)state;
    ratelimit_init(&rl, UINT64_MAX, UINT64_MAX, 0);
    assert_int_equal(rl.rate, XCMUX_RATE_MAX);
    assert_int_equal(ratelimit_take(&rl, 0, SIZE_MAX), XCMUX_RATE_MAX);
    assert_int_equal(ratelimit_take(&rl, UINT64_MAX / 2, SIZE_MAX), XCMUX_RATE_MAX);
    ratelimit_init(&rl, 1, 1, 0);
    assert_int_equal(ratelimit_take(&rl, UINT64_MAX - 1, 5), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_off_grants_everything),
        cmocka_unit_test(test_starts_full_then_limits),
        cmocka_unit_test(test_burst_caps_refill),
        cmocka_unit_test(test_burst_zero_means_one_second),
        cmocka_unit_test(test_fractional_refill_not_lost),
        cmocka_unit_test(test_clock_backwards_adds_nothing),
        cmocka_unit_test(test_wait_ms),
        cmocka_unit_test(test_huge_values_do_not_overflow),
    };
    return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
