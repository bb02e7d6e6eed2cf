/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conring.h — the guest side of a PV console ring (struct xencons_interface):
 * the guest produces `out` and consumes `in`.
 *
 * Contract
 * - The guest keeps its own out_prod and in_cons; the page's copies are
 *   published for the backend and never read back, so a backend scribbling
 *   over them cannot make the guest overrun anything.
 * - The indices the backend owns (out_cons, in_prod) are read once per call
 *   and checked: a fill above the ring size is a corrupt ring. Writing then
 *   sees no space; reading drops the bogus input by resynchronising
 *   in_cons to in_prod. Both count `corrupt`.
 * - Barriers follow xen-facts.md: full fence between reading the peer's
 *   index and touching data, release fence before publishing our index.
 * - The caller notifies the console event channel when a call returns > 0.
 */
#ifndef XENSIM_GUEST_CONRING_H
#define XENSIM_GUEST_CONRING_H

#include <stddef.h>
#include <stdint.h>
#include <xen/io/console.h>

struct conring {
    struct xencons_interface *intf;
    uint32_t out_prod, in_cons;
    uint64_t corrupt;
};

void conring_init(struct conring *r, struct xencons_interface *intf);
/* Copy up to LEN bytes into `out`; returns how many fitted. */
size_t conring_write(struct conring *r, const void *buf, size_t len);
/* Bytes of free space in `out` (0 when corrupt). */
size_t conring_space(struct conring *r);
/* Copy up to MAX bytes out of `in`; returns the count. */
size_t conring_read(struct conring *r, void *buf, size_t max);

#endif
