/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/ratelimit.h"

#include "daemon/limits.h"

static uint64_t clamp_rate(uint64_t v)
{
    return v > XCMUX_RATE_MAX ? XCMUX_RATE_MAX : v;
}

void ratelimit_init(struct ratelimit *rl, uint64_t rate, uint64_t burst, uint64_t now_ms)
{
    rl->rate = clamp_rate(rate);
    rl->burst = clamp_rate(burst ? burst : rate);
    rl->milli_tokens = rl->burst * 1000;
    rl->last_ms = now_ms;
}

static void refill(struct ratelimit *rl, uint64_t now_ms)
{
    if (now_ms <= rl->last_ms)
        return;
    uint64_t elapsed = now_ms - rl->last_ms;
    uint64_t full = rl->burst * 1000;
    uint64_t missing = full - rl->milli_tokens;

    rl->last_ms = now_ms;
    /* Compare by division first: rate * elapsed may not fit in 64 bits
     * after a long idle period, and the bucket is full by then anyway. */
    if (elapsed >= missing / rl->rate + 1) {
        rl->milli_tokens = full;
        return;
    }
    rl->milli_tokens += rl->rate * elapsed;
    if (rl->milli_tokens > full)
        rl->milli_tokens = full;
}

size_t ratelimit_take(struct ratelimit *rl, uint64_t now_ms, size_t want)
{
    if (rl->rate == 0)
        return want;
    refill(rl, now_ms);
    uint64_t whole = rl->milli_tokens / 1000;
    size_t granted = want < whole ? want : (size_t)whole;
    rl->milli_tokens -= (uint64_t)granted * 1000;
    return granted;
}

uint64_t ratelimit_wait_ms(struct ratelimit *rl, uint64_t now_ms)
{
    if (rl->rate == 0)
        return 0;
    refill(rl, now_ms);
    if (rl->milli_tokens >= 1000)
        return 0;
    uint64_t target = rl->rate / XCMUX_RATE_MAX_WAKEUPS_PER_SEC;
    if (target < 1)
        target = 1;
    if (target > rl->burst)
        target = rl->burst;
    uint64_t need = target * 1000 - rl->milli_tokens;
    return (need + rl->rate - 1) / rl->rate;
}

void ratelimit_refund(struct ratelimit *rl, size_t n)
{
    rl->milli_tokens += (uint64_t)n * 1000;
    if (rl->milli_tokens > rl->burst * 1000)
        rl->milli_tokens = rl->burst * 1000;
}
