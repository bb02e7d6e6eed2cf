/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pty.h — the compatibility pty of a console, published in console/tty.
 *
 * Contract
 * - `xl create` waits for console/tty and destroys the guest without it;
 *   `xl console` and libvirt open the path found there. Every primary
 *   console therefore gets a pty (or, with pty = off, a non-empty
 *   placeholder tty value that names xcmux).
 * - The pty is one more reader in the console's audience (console.h),
 *   registered from pty_new() to pty_free(): it has its own offset and
 *   never holds back the guest or other sessions. When nobody drains it
 *   it falls behind; it is kept at most PTY_MAX_LAG bytes behind, so a
 *   later `xl console` sees recent output, not a flood of stale bytes.
 * - The daemon keeps the slave side open itself, so a reader leaving
 *   never turns the master into EIO (libvirt reconnects to the same path).
 * - Input on the master goes to the guest when the pty is read-write;
 *   read-only discards it.
 */
#ifndef XCMUX_DAEMON_PTY_H
#define XCMUX_DAEMON_PTY_H

#include <stdbool.h>
#include <stdint.h>

#define PTY_MAX_LAG (16u * 1024u)

struct console;
struct pty;

/* Create the pty for C, publish its path in C's console/tty. NULL when
 * the pty could not be made (the console still works). */
struct pty *pty_new(struct console *c, bool writable);
void pty_free(struct pty *p);
/* A reload changed the pty mode between rw and ro: applies to the next
 * byte read from the master. */
void pty_set_writable(struct pty *p, bool writable);
const char *pty_path(const struct pty *p);
/* New output in the console buffer: write what the pty can take. */
void pty_pump(struct pty *p);
uint64_t pty_bytes_sent(const struct pty *p);

#endif
