/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ring.h — the PV console ring protocol, backend side (xen/io/console.h).
 *
 * Contract
 * - The page is shared with a guest that may be hostile: every index is
 *   read once, the fill (prod - cons) is checked against the ring size
 *   before any copy, and a ring whose fill exceeds its size is reported as
 *   corrupt (RING_CORRUPT) instead of being trusted as a length.
 * - Reading `out`: load indices, full barrier, copy, full barrier, store
 *   out_cons. Writing `in`: load indices, full barrier, copy, write
 *   barrier, store in_prod. Notifying the guest is the caller's job.
 * - ring_write_in() is all-or-nothing when ATOMIC is set: a sequence that
 *   does not fit whole is not written at all (hotkey sequences are never
 *   split).
 * - No hypervisor library is used here: the page is plain memory, which is
 *   also what lets the fuzzers drive this code.
 */
#ifndef XCMUX_DAEMON_RING_H
#define XCMUX_DAEMON_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RING_CORRUPT   (-2)
#define RING_OUT_SIZE  2048u
#define RING_IN_SIZE   1024u
#define RING_PAGE_SIZE 4096u

/* Copy up to MAX bytes of guest output; returns the count (0 when empty)
 * or RING_CORRUPT. */
ssize_t ring_read_out(void *page, uint8_t *buf, size_t max);
/* ring_read_out in two steps: copy without consuming, then give N bytes
 * (at most what the peek returned) back to the guest. A backend that
 * stores the bytes in between loses nothing if it dies before the
 * consume: the next backend reads them again from the ring. */
ssize_t ring_peek_out(const void *page, uint8_t *buf, size_t max);
void ring_consume_out(void *page, size_t n);
/* Bytes of output waiting, or RING_CORRUPT. */
ssize_t ring_out_fill(const void *page);
/* Write up to LEN bytes of input; returns the count or RING_CORRUPT.
 * With ATOMIC, either all LEN bytes or none (0). */
ssize_t ring_write_in(void *page, const uint8_t *buf, size_t len, bool atomic);
/* Free space in the input ring, or RING_CORRUPT. */
ssize_t ring_in_space(const void *page);
/* Tell the guest a backend is attached (connection = CONNECTED). */
void ring_set_connected(void *page);
/* True when a backend already served this ring (out_cons or in_prod moved
 * from 0): a previous daemon (or another backend) left it so. */
bool ring_was_served(const void *page);

#endif
