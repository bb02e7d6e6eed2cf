/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hvcon.h — the hypervisor's own console (what `xl dmesg` shows), served
 * as one more console, the duty of `xenconsoled --log=hv`.
 *
 * Contract
 * - At start the daemon binds VIRQ_CON_RING and reads Xen's console ring
 *   incrementally from index 0, so what Xen printed before the daemon
 *   started (its boot lines, as far as the ring still holds them) comes
 *   first; then it reads again on every VIRQ_CON_RING. Never clears the
 *   ring (`xl dmesg` keeps working). Text Xen overwrote before it was read
 *   is counted as dropped and noted in the log, never skipped silently.
 * - It is a console like a guest's (console.h) with no domain and no
 *   ring, one backend of console-backend.h: a replay buffer that any number of sessions follow
 * live, the log HVCON_LOG_NAME.log in the log directory (timestamps, rotation, journal as
 * configured), and a `list` entry named HVCON_NAME with domid HVCON_DOMID (Xen's DOMID_XEN).
 * Clients name it HVCON_NAME or HVCON_DOMID. Its settings are those of a guest named HVCON_NAME
 *   ([global], then [domain:GLOB] sections matching "@xen").
 * - Read-only, except for admins (the admin ACL; root): its write ACL is
 *   emptied (its members keep read access), so others attach read-only
 *   and their input is refused as on any read-only session. What an
 *   admin types is sent as Xen debug keys (xc_send_debug_keys, the
 *   `debug-keys` hotkey action): each printable character is a key,
 *   blanks and control characters are ignored; each send is logged and
 *   sent to syslog. No pty, no hotkeys of its own.
 * - Reading is bounded per event (HVCON_READ_BUDGET), the rest follows on
 *   the next loop pass; the port stays masked meanwhile.
 * - Where VIRQ_CON_RING cannot be bound (another process holds it, e.g.
 *   xenconsoled --log=hv), the daemon runs without this console and says
 *   so in syslog.
 */
#ifndef XCMUX_DAEMON_HVCON_H
#define XCMUX_DAEMON_HVCON_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/config.h"

#define HVCON_NAME        "@xen"
#define HVCON_LOG_NAME    "hypervisor"
#define HVCON_DOMID       0x7FF2u /* DOMID_XEN */
#define HVCON_READ_BUDGET (256u * 1024u)
/* Debug keys sent per input chunk at most (each key may make Xen dump a
 * lot; a paste of a book is not a request). */
#define HVCON_KEYS_MAX 16u

struct console;
struct console_reader;

/* Bind VIRQ_CON_RING, create the console and read what the ring holds.
 * -1 when the hypervisor's console is unavailable (logged). */
int hvcon_start(void);
/* Before the consoles are freed at shutdown. */
void hvcon_stop(void);
/* The hypervisor console if NAME (as a client wrote it) means it, else
 * NULL. */
struct console *hvcon_lookup(const char *name);

#endif
