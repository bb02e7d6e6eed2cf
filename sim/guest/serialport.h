/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * serialport.h — a simulated guest's emulated serial port, as QEMU exports
 * it with `-serial pty` (xl: serial = "pty"): a pty whose master the
 * device model holds and whose slave path the toolstack publishes in
 * serial/0/tty.
 *
 * Contract
 * - gsp_new() opens the pair (raw, as QEMU's char-pty makes it) and
 *   closes the slave: whoever opens the path is the reader. The master is
 *   non-blocking; output waits in a bounded buffer (GSP_PENDING_CAP) while
 *   the pty is full, and what does not fit is dropped and counted (a UART
 *   with nobody draining it loses characters too).
 * - With a shell (--echo), bytes read from the master are the guest's
 *   serial input: echoed and run as on the PV console (shell.h).
 * - gsp_hangup() closes the master: the device model went away; the
 *   slave's reader then gets EIO or end of file. Idempotent.
 */
#ifndef XENSIM_GUEST_SERIALPORT_H
#define XENSIM_GUEST_SERIALPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GSP_PENDING_CAP (64u * 1024u)

struct event_base;
struct gsp;

struct gsp_stats {
    uint64_t bytes_out, bytes_in, dropped;
};

/* NULL with errno. NAME is the shell's hostname. */
struct gsp *gsp_new(struct event_base *base, const char *name, bool shell);
const char *gsp_path(const struct gsp *p);
void gsp_write(struct gsp *p, const char *buf, size_t len);
void gsp_printf(struct gsp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The shell's prompt (no-op without a shell). */
void gsp_prompt(struct gsp *p);
void gsp_hangup(struct gsp *p);
void gsp_get_stats(const struct gsp *p, struct gsp_stats *out);
void gsp_free(struct gsp *p);

#endif
