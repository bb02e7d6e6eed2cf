/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * domain.h — discovery: which guests exist and which consoles they have.
 *
 * Contract
 * - Watches @introduceDomain and @releaseDomain; on either (and once at
 *   start) lists domains with the hypervisor and diffs against what is
 *   known: missing or dying domains are torn down at once, new non-dying
 *   ones are queued for attach. A restarted daemon therefore re-attaches
 *   every running guest at start.
 * - Attaching costs xenstore requests (seven per domain with one
 *   console: its watch, ring-ref, port, type, name, the device/console
 *   listing, the tty write; each O(domains) in xenstored), so it never
 *   runs inside the rescan, and never waits on the loop: the queue is
 *   worked off in slices of at most ATTACH_SLICE_MS / ATTACH_SLICE_MAX
 *   domains, each submitting store jobs (hyp.h: pipelined, the loop
 *   never waits for a reply), at most
 *   ATTACH_WINDOW domains in flight; the replies are applied (map, bind,
 *   pty) from the loop in slices too. Clients, console I/O and watch
 *   events are served throughout, and a stopped store stops only the
 *   attach, not the rings. A queued domain has no console object yet,
 *   so `list` shows only consoles in a real state (waiting or running),
 *   never a half-attached one.
 * - "Serving": domains_start() calls its ON_ATTACHED callback once, from
 *   the event loop, when the attach queue first runs empty, i.e. every
 *   domain present at start (and any created meanwhile) has its watches
 *   set and its consoles connected if their nodes were there. main.c
 *   logs "serving N console(s)", answers the background parent and sends
 *   sd_notify READY=1 then. The client socket answers from the start.
 * - Per domain, one watch on the domain's directory (not one per console
 *   directory: every watch set makes each later write cost the store a
 *   match); a change below console/ or device/console/ re-reads
 *   ring-ref/port/type (and reconnects if they changed) and discovers
 *   secondary consoles (device/console/<n>, 1 <= n <=
 *   XCMUX_MAX_CONSOLES_PER_DOMAIN). A domain has one chain of store jobs
 *   in flight at a time (reads of the primary and the listing, then the
 *   secondaries' reads); a refresh wanted meanwhile runs after it.
 * - Ownership: a console (primary or secondary) is ours when its
 *   frontend's `type` node, which libxl writes read-only to the guest, is
 *   absent or "xenconsoled". Any other value ("ioemu": QEMU's, e.g. an xl
 *   channel) means another backend serves it: no console object, no ring
 *   mapped, no port bound, no tty written, not listed; logged once.
 * - Watch events that cannot change what a refresh reads are dropped
 *   without a round trip: the one event xenstored fires when a watch is
 *   registered (the attach reads after registering, so it has seen
 *   everything that event could announce), and changes to every node
 *   below the domain the daemon does not read (console/tty, which the
 *   daemon writes itself, limit, output, data/, control/, other
 *   devices, ...): a guest writing its own nodes costs the daemon a
 *   dropped event, never a request. Several events for one domain in
 *   one batch cost one refresh.
 * - The domain's name is read with its first reads, and again until one
 *   is found (a console keeps the name it is created with).
 * - Watch tokens are "d<domid>" (routed by watch.h) so an event costs a
 *   lookup, not a scan; several of one domain in a batch cost one refresh.
 * - While the store connection is down (store.h) the attach queue waits;
 *   rescans (from the hypervisor's list) still tear destroyed domains
 *   down. When it is back, every known domain is queued again and its
 *   attach sets its watches and hotkey watches again and re-reads its
 *   nodes; running consoles whose nodes did not change are left alone.
 *   Replies to jobs submitted on an earlier connection are not used: the
 *   domain is attached again instead.
 * - Everything read from xenstore is parsed strictly (decimal, bounded);
 *   a bad value (or one too long to read) leaves the console as it was
 *   (waiting, or running on the previous values) and is logged once per
 *   console until a good value is read.
 */
#ifndef XCMUX_DAEMON_DOMAIN_H
#define XCMUX_DAEMON_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include <sys/queue.h>

#include "daemon/limits.h"

/* Attach work per event-loop pass (see the contract). */
#define ATTACH_SLICE_MS  5
#define ATTACH_SLICE_MAX 64

struct console;

struct domain {
    uint32_t domid;
    char name[XCMUX_NAME_MAX + 1];
    char path[64];                                          /* /local/domain/<id> */
    struct console *con[XCMUX_MAX_CONSOLES_PER_DOMAIN + 1]; /* [0] primary */
    uint64_t serial; /* this domain object, among all of the same id */
    bool watched;
    bool attached;                /* its attach started (watch, first reads) */
    bool busy;                    /* a chain of store jobs in flight */
    bool again;                   /* refresh when that chain ends */
    bool queued;                  /* on the attach queue */
    bool named;                   /* name read from xenstore */
    bool refresh_due;             /* an event of this batch wants a refresh */
    bool resync;                  /* re-attach after a new store connection */
    uint8_t registration_pending; /* DOMAIN_WATCH_* whose first event is due */
    uint16_t warned_bad_node;     /* bit n: console n's bad value logged */
    uint16_t not_ours;            /* bit n: console n's type is not ours (logged) */
    TAILQ_ENTRY(domain) attach_link;
};

#define DOMAIN_WATCH_DOMAIN 1u /* <path>, the one watch per domain */

/* Start discovery (watches, first scan) — call once the event loop
 * exists. ON_ATTACHED (may be NULL) runs once from the loop when every
 * domain found by the first scan is attached. */
int domains_start(void (*on_attached)(void));
/* Domains waiting on the attach queue. */
unsigned domains_attaching(void);
/* Re-scan the domain list (introduce/release, and at start). */
void domains_rescan(void);
/* The store connection died (store.h): watches went with it. */
void domains_store_lost(void);
/* A new store connection: watch for domains again, re-scan, and queue
 * every known domain for re-attach (watches, console nodes, hotkeys). */
void domains_store_back(void);
/* Find by decimal id or exact name; NULL if unknown. */
struct domain *domain_find(const char *what);
void domains_stop(void);

#endif
