/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon.c — the daemon context `xd` and its clock (see daemon.h).
 *
 * The context lives here, not in main.c, so that every core file can be
 * linked without the program's start-up: a unit test fills `xd` itself
 * (its own event base, a fake xen port, a config) and sets `xd.clock`.
 */
#include "daemon/daemon.h"

#include <time.h>

struct xcmuxd xd;

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t xd_now_ms(void)
{
    return xd.clock ? xd.clock() : monotonic_ms();
}

void xd_init(struct event_base *base, struct hyp *hyp, struct config *cfg)
{
    xd.base = base;
    xd.hyp = hyp;
    xd.cfg = cfg;
    TAILQ_INIT(&xd.consoles);
    TAILQ_INIT(&xd.sessions);
}
