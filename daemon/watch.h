/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * watch.h — the xenstore watch router: every watch event goes through
 * one dispatch to the subsystem whose token it is.
 *
 * Contract
 * - Each subsystem owns the tokens that begin with its own characters
 *   (`prefixes`); registering a character another client owns fails.
 *   Today: discovery (domain.c) "d<domid>", "intro", "release"; hotkeys
 *   (hotkey.c) "h", "a" and "y" followed by "<domid>/<index>".
 * - watch_dispatch() (the watch fd is readable) takes at most
 *   WATCH_BATCH_MAX queued events, hands each to its owner in arrival
 *   order (an event whose token nobody owns is dropped), then calls every
 *   client's batch_end, in registration order, so a client may fold a
 *   batch's events into one piece of work.
 * - Registering the same client twice is a no-op.
 */
#ifndef XCMUX_DAEMON_WATCH_H
#define XCMUX_DAEMON_WATCH_H

#define WATCH_BATCH_MAX   4096
#define WATCH_MAX_CLIENTS 4

struct watch_client {
    const char *prefixes; /* first characters of its tokens */
    void (*event)(const char *path, const char *token);
    void (*batch_end)(void); /* may be NULL */
};

int watch_register(const struct watch_client *wc);
/* Forget every client (a test between two setups). */
void watch_reset(void);
void watch_dispatch(void);

#endif
