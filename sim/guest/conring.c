// SPDX-License-Identifier: GPL-2.0-or-later
/* Guest side of the PV console ring; see conring.h for the contract. */
#include "sim/guest/conring.h"

#include <stdatomic.h>
#include <string.h>

static uint32_t load_index(const XENCONS_RING_IDX *p)
{
    return *(const volatile XENCONS_RING_IDX *)p;
}

static void store_index(XENCONS_RING_IDX *p, uint32_t v)
{
    *(volatile XENCONS_RING_IDX *)p = v;
}

void conring_init(struct conring *r, struct xencons_interface *intf)
{
    r->intf = intf;
    r->out_prod = load_index(&intf->out_prod);
    r->in_cons = load_index(&intf->in_cons);
    r->corrupt = 0;
}

size_t conring_space(struct conring *r)
{
    uint32_t cons = load_index(&r->intf->out_cons);
    atomic_thread_fence(memory_order_seq_cst);
    uint32_t used = r->out_prod - cons;
    if (used > sizeof(r->intf->out)) {
        r->corrupt++;
        return 0;
    }
    return sizeof(r->intf->out) - used;
}

size_t conring_write(struct conring *r, const void *buf, size_t len)
{
    struct xencons_interface *intf = r->intf;
    size_t room = conring_space(r);
    size_t n = len < room ? len : room;
    const char *src = buf;
    for (size_t done = 0; done < n;) {
        size_t off = MASK_XENCONS_IDX(r->out_prod + done, intf->out);
        size_t chunk = sizeof(intf->out) - off;
        if (chunk > n - done)
            chunk = n - done;
        memcpy(intf->out + off, src + done, chunk);
        done += chunk;
    }
    if (n == 0)
        return 0;
    atomic_thread_fence(memory_order_release);
    r->out_prod += (uint32_t)n;
    store_index(&intf->out_prod, r->out_prod);
    return n;
}

size_t conring_read(struct conring *r, void *buf, size_t max)
{
    struct xencons_interface *intf = r->intf;
    uint32_t prod = load_index(&intf->in_prod);
    atomic_thread_fence(memory_order_seq_cst);
    uint32_t avail = prod - r->in_cons;
    if (avail > sizeof(intf->in)) {
        /* Nothing between our index and a bogus one can be trusted. */
        r->corrupt++;
        r->in_cons = prod;
        store_index(&intf->in_cons, r->in_cons);
        return 0;
    }
    size_t n = avail < max ? avail : max;
    char *dst = buf;
    for (size_t done = 0; done < n;) {
        size_t off = MASK_XENCONS_IDX(r->in_cons + done, intf->in);
        size_t chunk = sizeof(intf->in) - off;
        if (chunk > n - done)
            chunk = n - done;
        memcpy(dst + done, intf->in + off, chunk);
        done += chunk;
    }
    if (n == 0)
        return 0;
    atomic_thread_fence(memory_order_seq_cst);
    r->in_cons += (uint32_t)n;
    store_index(&intf->in_cons, r->in_cons);
    return n;
}
