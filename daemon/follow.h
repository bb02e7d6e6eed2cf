/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * follow.h — reboot-follow: a session attached with the follow flag
 * (PROTOCOL.md, ATTACH) stays when its guest goes and moves to the
 * guest's next console of the same name and index.
 *
 * Contract
 * - Listens to XE_CONSOLE_NEW (events.h): a new console whose name and
 *   index match a gone console's is the guest back; every following
 *   session of the gone console moves to it, in order, before the new
 *   console is connected, so it reads the new boot from its first byte
 *   (NOTICE DOMAIN_BACK with the new domid).
 * - A move is an attach: it is admitted by ATTACH's own admission
 *   (session_admit_attach: read access on the new console, the per-user
 *   caps, the admin's reserve) and its write seat is decided by ATTACH's
 *   seat rules (seat_join_plan) for the mode it had. A refused session
 *   ends with NOTICE DETACHED carrying the admission's reason.
 * - A session ending with its console (one still reading the guest's
 *   last output) does not move.
 * - The gone console is freed when its last session has moved.
 * - While no gone console is kept (by sessions), a new console costs no
 *   scan: the guests attached at start are not compared with each other.
 */
#ifndef XCMUX_DAEMON_FOLLOW_H
#define XCMUX_DAEMON_FOLLOW_H

void follow_subscribe(void);

#endif
