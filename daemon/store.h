/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store.h — the xenstore connection's life: noticing it died, serving on
 * without it, reconnecting and re-syncing.
 *
 * Contract
 * - A connection is never lost silently, and an idle daemon still never
 *   wakes up for it. The connection is checked (one round trip) when the
 *   store closes its socket (the event loop watches a dup of it for the
 *   hangup only) and right after a call failed the way calls on a dead
 *   connection fail; only without a socket to watch (the xenbus device)
 *   is it checked every STORE_CHECK_MS instead. A dead one (closed
 *   socket, a reply libxenstore refused, the store gone) is noticed
 *   within a second and logged once.
 * - While the store is unreachable, every console and session is served
 *   as before (rings and event channels do not need the store); the
 *   domain list is re-read from the hypervisor every STORE_CHECK_MS, so
 *   destroyed guests still go; new ones wait for the store (their nodes
 *   are there). A reconnect is tried after STORE_RETRY_MIN_MS, doubling
 *   up to STORE_RETRY_MAX_MS; failed tries are not logged.
 * - When a store answers again: the watch fd is re-registered, the
 *   domain watches are set again and every known domain is re-attached
 *   (watches, console nodes, hotkey registry), in the attach slices of
 *   domain.h; one line is logged.
 * - store_state() is what LIST clients see (protocol/PROTOCOL.md, STATUS).
 * - A store that keeps its socket open but does not answer (stopped,
 *   overloaded) holds no ring: attach, refresh and tty writes are jobs
 *   off the loop (hyp.h), which wait for it
 *   (tests/integration/slowstore.sh).
 * - Not covered: the synchronous calls left on the loop (a check, a
 *   reconnect, the domain-list watches, hotkeys fired or their registry
 *   read) have no timeout (as in xl, libxl and xenconsoled): they wait
 *   until the store answers or closes. The store is dom0's own
 *   daemon, not guest-controlled: a guest can make it refuse (quota) but
 *   not stop answering. SECURITY.md lists it.
 */
#ifndef XCMUX_DAEMON_STORE_H
#define XCMUX_DAEMON_STORE_H

#include <stdbool.h>
#include <stdint.h>

#define STORE_CHECK_MS     250u
#define STORE_RETRY_MIN_MS 500u
#define STORE_RETRY_MAX_MS 5000u

/* Register the watch fd and start the checks (after hyp_open). */
int store_start(void);
void store_stop(void);
/* Check now (a caller saw a failure it cannot explain otherwise). */
void store_check_soon(void);

struct store_state {
    bool up;
    uint64_t since_unix; /* when it went down or came back (0: never changed) */
    uint32_t losses;     /* connections lost since the daemon started */
};
void store_state(struct store_state *out);

#endif
