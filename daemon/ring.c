/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ring.c — backend side of the PV console ring (see ring.h).
 */
#include "daemon/ring.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/io/console.h>

_Static_assert(sizeof(((struct xencons_interface *)0)->out) == RING_OUT_SIZE, "out ring");
_Static_assert(sizeof(((struct xencons_interface *)0)->in) == RING_IN_SIZE, "in ring");
_Static_assert(sizeof(struct xencons_interface) <= RING_PAGE_SIZE, "page");

/* Indices live in memory the guest writes concurrently: read each once. */
static inline uint32_t load_idx(const volatile XENCONS_RING_IDX *p)
{
    return *p;
}

ssize_t ring_out_fill(const void *page)
{
    const volatile struct xencons_interface *r = page;
    uint32_t cons = load_idx(&r->out_cons), prod = load_idx(&r->out_prod);
    atomic_thread_fence(memory_order_seq_cst);
    uint32_t fill = prod - cons;
    return fill > RING_OUT_SIZE ? RING_CORRUPT : (ssize_t)fill;
}

ssize_t ring_peek_out(const void *page, uint8_t *buf, size_t max)
{
    const volatile struct xencons_interface *r = page;
    uint32_t cons = load_idx(&r->out_cons), prod = load_idx(&r->out_prod);
    atomic_thread_fence(memory_order_seq_cst);
    uint32_t fill = prod - cons;
    if (fill > RING_OUT_SIZE)
        return RING_CORRUPT;
    size_t n = fill < max ? fill : max;
    for (size_t i = 0; i < n;) {
        size_t at = MASK_XENCONS_IDX(cons + (uint32_t)i, r->out);
        size_t chunk = RING_OUT_SIZE - at;
        if (chunk > n - i)
            chunk = n - i;
        memcpy(buf + i, (const char *)r->out + at, chunk);
        i += chunk;
    }
    return (ssize_t)n;
}

void ring_consume_out(void *page, size_t n)
{
    volatile struct xencons_interface *r = page;
    uint32_t cons = load_idx(&r->out_cons);
    atomic_thread_fence(memory_order_seq_cst);
    r->out_cons = cons + (uint32_t)n;
}

ssize_t ring_read_out(void *page, uint8_t *buf, size_t max)
{
    ssize_t n = ring_peek_out(page, buf, max);
    if (n > 0)
        ring_consume_out(page, (size_t)n);
    return n;
}

ssize_t ring_in_space(const void *page)
{
    const volatile struct xencons_interface *r = page;
    uint32_t cons = load_idx(&r->in_cons), prod = load_idx(&r->in_prod);
    atomic_thread_fence(memory_order_seq_cst);
    uint32_t fill = prod - cons;
    return fill > RING_IN_SIZE ? RING_CORRUPT : (ssize_t)(RING_IN_SIZE - fill);
}

ssize_t ring_write_in(void *page, const uint8_t *buf, size_t len, bool atomic)
{
    volatile struct xencons_interface *r = page;
    uint32_t cons = load_idx(&r->in_cons), prod = load_idx(&r->in_prod);
    atomic_thread_fence(memory_order_seq_cst);
    uint32_t fill = prod - cons;
    if (fill > RING_IN_SIZE)
        return RING_CORRUPT;
    size_t space = RING_IN_SIZE - fill;
    if (atomic && len > space)
        return 0;
    size_t n = len < space ? len : space;
    for (size_t i = 0; i < n;) {
        size_t at = MASK_XENCONS_IDX(prod + (uint32_t)i, r->in);
        size_t chunk = RING_IN_SIZE - at;
        if (chunk > n - i)
            chunk = n - i;
        memcpy((char *)r->in + at, buf + i, chunk);
        i += chunk;
    }
    atomic_thread_fence(memory_order_release);
    r->in_prod = prod + (uint32_t)n;
    return (ssize_t)n;
}

/* Newer Xen (4.19+) appends `uint8_t connection` after out_prod; Debian's
 * 4.17 header predates it. The byte is written at its defined place so
 * guests that wait for it (they start DISCONNECTED = 1) see CONNECTED = 0;
 * older guests never look at it. */
#define RING_CONNECTION_OFFSET (offsetof(struct xencons_interface, out_prod) + 4)
#define RING_CONNECTED         0

bool ring_was_served(const void *page)
{
    const volatile struct xencons_interface *r = page;
    /* A fresh ring is all zeros; a backend that read output or wrote
     * input moved these indices. */
    return load_idx(&r->out_cons) != 0 || load_idx(&r->in_prod) != 0;
}

void ring_set_connected(void *page)
{
    atomic_thread_fence(memory_order_release);
    *((volatile uint8_t *)page + RING_CONNECTION_OFFSET) = RING_CONNECTED;
}
