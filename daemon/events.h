/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * events.h — what the lower layers announce, and who listens.
 *
 * Layers of the core, bottom up (each calls only into those below it,
 * and learns of what happens below through this file):
 *   1. the context and clock (daemon.h), the xen port (hyp.h), the
 *      watch router (watch.h), the pure parts (ring, outbuf, ratelimit,
 *      log, journal, escape, config, access);
 *   2. consoles and their audience of readers (console.c, its backends
 *      console-ring.c and hvcon.c, pty.c): a console knows no session,
 *      domain or hotkey;
 *   3. discovery and the store connection (domain.c, serial.c for the
 *      emulated serial ports, store.c), which create, connect and end
 *      consoles;
 *   4. sessions, the write seat, hotkeys and reboot-follow (session*.c,
 *      seat.c, hotkey.c, follow.c), and the socket (server.c).
 * main.c (or a unit test) wires them: xd_init(), then each top-layer
 * subsystem's *_subscribe(), then discovery (domains_start).
 *
 * Contract
 * - Delivery is synchronous, in subscription order, at the point where
 *   the announcing code needs the listener's work done: an announcement is a
 *   call that does not know its callee. Listeners may not subscribe or
 *   unsubscribe while an announcement is delivered.
 * - Output is not announced: it reaches readers through the console's
 *   audience (console.h), one call per reader.
 * - At most EVENTS_MAX_LISTENERS per kind; subscribing beyond is a
 *   programming error (returns -1).
 */
#ifndef XCMUX_DAEMON_EVENTS_H
#define XCMUX_DAEMON_EVENTS_H

#include <stdint.h>

struct console;

enum xd_event {
    XE_CONSOLE_NEW,          /* console created, not connected yet */
    XE_CONSOLE_GONE,         /* its guest is gone; before its audience is told */
    XE_CONSOLE_FREE,         /* about to be freed; its audience has left */
    XE_CONSOLE_RECONFIGURED, /* its config was re-resolved (reload) */
    XE_CONSOLE_RESYNC,       /* a new store connection: watches are to be set again */
    XE_INJECTED,             /* hotkey sequence `id` is in its input ring */
    XE_COUNT
};

struct xd_event_info {
    struct console *c;
    const char *why; /* XE_CONSOLE_GONE */
    uint32_t id;     /* XE_INJECTED */
};

typedef void (*xd_listener)(enum xd_event ev, const struct xd_event_info *info);

#define EVENTS_MAX_LISTENERS 4

int events_subscribe(enum xd_event ev, xd_listener fn);
/* Forget every listener (a test between two setups). */
void events_reset(void);
void events_emit(enum xd_event ev, const struct xd_event_info *info);

#endif
