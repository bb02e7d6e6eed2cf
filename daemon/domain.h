/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * domain.h — discovery: which guests exist and which consoles they have.
 *
 * Contract
 * - Watches @introduceDomain and @releaseDomain; on either (and once at
 *   start) lists domains with the hypervisor and diffs against what is
 *   known: new, non-dying domains are attached, missing or dying ones are
 *   torn down. A restarted daemon therefore re-attaches every running
 *   guest at start.
 * - Per domain, watches its `console` and `device/console` subtrees; a
 *   change re-reads ring-ref/port (and reconnects if they changed) and
 *   discovers secondary consoles (device/console/<n>, 1 <= n <=
 *   XCMUX_MAX_CONSOLES_PER_DOMAIN).
 * - Watch tokens are "d<domid>" so an event costs a lookup, not a scan.
 * - Everything read from xenstore is parsed strictly (decimal, bounded);
 *   a bad value (or one too long to read) leaves the console as it was
 *   (waiting, or running on the previous values) and is logged once per
 *   console until a good value is read.
 */
#ifndef XCMUX_DAEMON_DOMAIN_H
#define XCMUX_DAEMON_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/limits.h"

struct console;

struct domain {
    uint32_t domid;
    char name[XCMUX_NAME_MAX + 1];
    char path[64];                   /* /local/domain/<id> */
    struct console *con[XCMUX_MAX_CONSOLES_PER_DOMAIN + 1]; /* [0] primary */
    bool watched;
    uint16_t warned_bad_node;        /* bit n: console n's bad value logged */
};

/* Start discovery (watches) — call once the event loop exists. */
int domains_start(void);
/* Watch fd readable: handle every queued event. */
void domains_watch_event(void);
/* Re-scan the domain list (introduce/release, and at start). */
void domains_rescan(void);
/* Find by decimal id or exact name; NULL if unknown. */
struct domain *domain_find(const char *what);
void domains_stop(void);

#endif
