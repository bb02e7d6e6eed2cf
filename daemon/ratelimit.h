/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ratelimit.h — token bucket for per-guest output rate limiting.
 *
 * Contract:
 * - rate is in bytes per second, burst in bytes (the bucket size). rate 0
 *   turns the limiter off: every take is granted in full. burst 0 means
 *   "one second of rate". Both are clamped to XCMUX_RATE_MAX.
 * - The bucket starts full.
 * - Time is a monotonic clock in milliseconds passed in by the caller (no
 *   clock is read here, so tests drive it). A clock going backwards adds no
 *   tokens. Sub-millisecond refills are not lost: tokens are kept in
 *   thousandths of a byte.
 * - ratelimit_take() grants min(want, whole tokens available) and consumes
 *   them. ratelimit_wait_ms() says how long until it is worth trying again:
 *   0 if tokens are available now, otherwise the time until
 *   min(burst, rate / XCMUX_RATE_MAX_WAKEUPS_PER_SEC) bytes have refilled,
 *   so a throttled guest costs at most ~50 timer wakeups a second.
 */
#ifndef XCMUX_DAEMON_RATELIMIT_H
#define XCMUX_DAEMON_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

struct ratelimit {
    uint64_t rate;         /* bytes/s; 0 = off */
    uint64_t burst;        /* bytes */
    uint64_t milli_tokens; /* tokens * 1000, <= burst * 1000 */
    uint64_t last_ms;
};

void ratelimit_init(struct ratelimit *rl, uint64_t rate, uint64_t burst, uint64_t now_ms);

size_t ratelimit_take(struct ratelimit *rl, uint64_t now_ms, size_t want);

uint64_t ratelimit_wait_ms(struct ratelimit *rl, uint64_t now_ms);

/* Give back N bytes taken but not used (never beyond the burst). */
void ratelimit_refund(struct ratelimit *rl, size_t n);

#endif /* XCMUX_DAEMON_RATELIMIT_H */
