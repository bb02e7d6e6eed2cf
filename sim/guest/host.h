/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * host.h — `xensim-guestd serve`: the process that hosts every simulated
 * guest of one xensim host in one libevent loop.
 *
 * Contract
 * - Needs $XENSIM_DIR (a running simulated host) and a reachable xenstored
 *   ($XENSTORED_PATH). Writes $XENSIM_DIR/guestd.pid, listens on
 *   $XENSIM_DIR/guestd.sock (refuses to start if another guestd answers
 *   there) and logs only to stderr.
 * - One receiver carries every guest port; events are dispatched through a
 *   domid-indexed table, names through a hash table, so neither events nor
 *   creation scan the guests.
 * - Requests (ctlproto.h) are served one per connection; `create --count`
 *   runs in batches between loop iterations so running guests keep going.
 * - SIGTERM/SIGINT destroy every guest, remove the socket and pid file and
 *   return 0.
 */
#ifndef XENSIM_GUEST_HOST_H
#define XENSIM_GUEST_HOST_H

int host_serve(void);

#endif
