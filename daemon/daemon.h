/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon.h — the one xcmuxd instance: event base, hypervisor handle,
 * configuration and the registries every subsystem looks things up in.
 *
 * Contract
 * - Single-threaded: everything runs on `xd.base`; no locks anywhere.
 * - Lookups on the hot path are O(1): a fired event-channel port indexes
 *   `by_port`; a domid indexes `by_domid`. Walking every console happens
 *   only for `list`, config reload and shutdown.
 * - `cfg` is replaced whole on SIGHUP; consoles keep their resolved
 *   console_cfg copy and re-resolve it in console_reconfigure().
 * - The context is defined in daemon.c, not in main.c: the core links
 *   without the program. main.c (or a unit test) calls xd_init() with
 *   its event base, xen port (hyp.h, or a fake of it) and config.
 * - Every core file reads time through xd_now_ms(), which is the
 *   monotonic clock unless `clock` is set (a test's fake clock).
 */
#ifndef XCMUX_DAEMON_DAEMON_H
#define XCMUX_DAEMON_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

/* glibc's <sys/queue.h> lacks the BSD _SAFE iterator. */
#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)                                                 \
    for ((var) = TAILQ_FIRST(head); (var) && ((tvar) = TAILQ_NEXT(var, field), 1); (var) = (tvar))
#endif

#include "daemon/config.h"
#include "daemon/hyp.h"

#define XD_MAX_DOMID 32768u

struct console;
struct domain;
struct session;

TAILQ_HEAD(console_list, console);
TAILQ_HEAD(session_list, session);

struct xcmuxd {
    struct event_base *base;
    struct hyp *hyp;
    struct config *cfg;
    const char *config_path; /* NULL: built-in defaults */
    struct domain *by_domid[XD_MAX_DOMID];
    struct console *by_port[HYP_MAX_PORTS];
    struct console_list consoles; /* every console, live or gone */
    struct session_list sessions; /* every client connection */
    unsigned nsessions;
    unsigned nconsoles;
    bool shutting_down;
    /* How the previous daemon on this socket ended (enum runstate_prev,
     * runstate.h), read from the state file at start by main.c. */
    int previous;
    uint64_t (*clock)(void); /* NULL: CLOCK_MONOTONIC */
};

extern struct xcmuxd xd;

struct event_base;

/* Fill the context: empty registries, the given base, port and config. */
void xd_init(struct event_base *base, struct hyp *hyp, struct config *cfg);
/* Monotonic milliseconds (for rate limits and log retry clocks), from
 * xd.clock when set. */
uint64_t xd_now_ms(void);

#endif
