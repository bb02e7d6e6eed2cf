/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * serial.h — an HVM guest's emulated serial port (where Windows' SAC and
 * kernel debugger, and a Linux console=ttyS0, live) as a console: the
 * third backend of console-backend.h.
 *
 * Contract
 * - Source: with `serial = 'pty'` in the guest's xl config, QEMU (the
 *   device model) gets `-serial pty`; libxl asks it over QMP
 *   (query-chardev) for the pty of each "serialN" chardev and writes its
 *   path in /local/domain/<domid>/serial/<n>/tty (libxl_qmp.c,
 *   store_serial_port_info; `xl console -t serial` reads the same node,
 *   libxl_console_get_tty). The node lives in the dom0-owned domain
 *   directory, read-only to the guest; its value is still parsed
 *   strictly: "/dev/pts/<decimal>" only, opened O_NOCTTY|O_NOFOLLOW, a
 *   terminal character device, never one of xcmuxd's own ptys.
 * - Opt-in per domain (`serial = on`, xcmuxd.conf(5); default off): a pty
 *   has one byte stream, so a second reader (`xl console -t serial`,
 *   libvirt) would steal bytes. Off, nothing is watched or opened and
 *   nothing is read from xenstore (no cost at attach). A reload (SIGHUP)
 *   turning it on attaches running guests' ports; turning it off ends
 *   their serial consoles (gone, "serial turned off") and closes the
 *   ptys, so other tools can open them again.
 * - Ports n < XCMUX_MAX_SERIAL_PER_DOMAIN are console indices
 *   XCMUX_SERIAL_INDEX_BASE + n (protocol/PROTOCOL.md), logged as
 *   <name>.serial<n>.log; settings as the guest's other consoles, with no
 *   compatibility pty and no hotkeys (no ring to inject into).
 * - Discovery: discovery (domain.c) calls serial_domain_attach() when a
 *   domain is attached (also again after a new store connection) and
 *   serial_domain_gone() when it is torn down. An opted-in domain gets a
 *   watch on <domain>/serial (token "s<domid>"), so a node written late
 *   (libxl writes it after QEMU started) attaches when it appears, and a
 *   changed path reconnects.
 * - I/O never blocks the loop: the pty is non-blocking and raw; output
 *   is read into the console as a ring's is (buffer, log, sessions,
 *   replay; the rate limit stops reading, so QEMU, and then the guest's
 *   UART, waits); input is queued (CONSOLE_INPUT_MAX, refusals counted)
 *   and written as the pty takes it.
 * - The device model going away (read returns EIO or end of file: QEMU
 *   closed the master) makes the console gone ("device model gone"); the
 *   same path is not reopened until the node changes. The domain dying
 *   makes it gone with the domain's other consoles.
 */
#ifndef XCMUX_DAEMON_SERIAL_H
#define XCMUX_DAEMON_SERIAL_H

#include <stdbool.h>

struct console;
struct domain;

/* Register the watch token prefix; once, after xd_init. */
int serial_start(void);
/* Discovery attached D (watches set, nodes read): serve its serial ports
 * if the configuration opts it in. */
void serial_domain_attach(struct domain *d);
/* D is being torn down (WHY as for its other consoles). */
void serial_domain_gone(struct domain *d, const char *why);
/* After a reload: attach or release every known domain's ports. */
void serial_reconfigure(void);
/* The serial console PORT of the guest WHAT (decimal domid or name), or
 * NULL. */
struct console *serial_lookup(const char *what, unsigned port);
/* Forget everything (shutdown, or a test between two setups). */
void serial_stop(void);

#endif
