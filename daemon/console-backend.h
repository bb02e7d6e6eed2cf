/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * console-backend.h — where a console's bytes come from and where its
 * input goes: one const table of ops per kind of source.
 *
 * Backends (each in its own file):
 *   console-ring.c  a guest's PV console ring (xenconsoled's job);
 *   hvcon.c         Xen's own console ring, `@xen` (hvcon.h);
 *   serial.c        an HVM guest's emulated serial port, the pty QEMU
 *                   exports in serial/<n>/tty (serial.h).
 *
 * Contract
 * - console.c owns what every console has (buffer, log, journal, the
 *   audience, rate limiter state, counters, the gone/free life cycle) and
 *   calls a backend only through these ops; it has no branch on the kind
 *   of console. A backend never touches the audience directly: output
 *   goes through console_append/console_offer (or console_output), people
 *   are told through console_broadcast.
 * - Connecting is the backend's own entry point (its arguments differ:
 *   ring-ref and port, a VIRQ, a pty path): console_connect (console.h),
 *   hvcon_start, serial_connect. The backend then sets the console
 *   RUNNING.
 * - The rate limiter is shared: a backend whose reading is over budget
 *   calls console_throttle(); the console's timer then clears `throttled`
 *   and calls `event` again, where the backend resumes reading.
 * - `close` releases the source (unbind, unmap, close fds) and is called
 *   once or more (gone, corrupt, free): it must be idempotent.
 */
#ifndef XCMUX_DAEMON_CONSOLE_BACKEND_H
#define XCMUX_DAEMON_CONSOLE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/config.h"

struct console;
struct console_reader;
struct domain;

struct console_backend {
    const char *kind; /* "ring", "hypervisor", "serial" */
    /* The guest's hotkey registry and input-ring injection apply
     * (hotkey.h): only a PV ring has both. */
    bool hotkeys;
    /* Make a freshly resolved console_cfg this backend's (NULL: as is). */
    void (*adjust_cfg)(const struct console *c, struct console_cfg *cfg);
    /* Base name of the log file (NULL: the guest's name). */
    const char *(*log_name)(const struct console *c);
    /* The source has something to read (its event channel fired or its fd
     * is readable), or the rate limiter's timer came back: read what may
     * be read now, write what input waits. */
    void (*event)(struct console *c);
    /* Input from a writer (FROM: NULL for the pty): bytes accepted. Only
     * called on a RUNNING console. */
    size_t (*input)(struct console *c, const uint8_t *bytes, size_t len,
                    struct console_reader *from);
    /* A hotkey sequence written whole into the input (NULL: none). */
    int (*inject)(struct console *c, uint32_t id, const uint8_t *bytes, size_t len);
    /* Release the source; idempotent. */
    void (*close)(struct console *c);
    /* The configuration was reloaded; OLD is what it was (NULL: nothing
     * of the backend's depends on it). */
    void (*reconfigured)(struct console *c, const struct console_cfg *old);
    /* What `list` shows in its TTY column, or NULL. */
    const char *(*describe)(const struct console *c);
};

/* A console of backend BE (not connected yet, WAITING), registered and
 * announced (XE_CONSOLE_NEW). DOM is discovery's record or NULL. */
struct console *console_create(const struct console_backend *be, struct domain *dom, uint32_t domid,
                               const char *name, unsigned index, const char *xs_dir);
/* Output read from the source: into the buffer, the log and the journal
 * (append), then offered to the audience (offer; batched, see console.c).
 * A backend reading several chunks appends each and offers the total. */
void console_append(struct console *c, const uint8_t *data, size_t n);
void console_offer(struct console *c, size_t n);
/* Keep the source unread for MS milliseconds (rate limit, or 0: the
 * next loop pass after a spent read budget); `event` follows. */
void console_throttle(struct console *c, uint64_t ms);
/* Free the hotkey-sequence queue once it is empty (it exists only while
 * it holds one). */
void console_release_atomic(struct console *c);

#endif
