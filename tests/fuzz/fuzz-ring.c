// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-ring.c — libFuzzer target for the PV console ring backend
 * (daemon/ring.c) driven by a hostile guest.
 *
 * The shared page is an exact 4096-byte heap block (so ASan flags any
 * access outside it) whose contents come from the input: bytes 0..15 are
 * the four ring indices (in_cons, in_prod, out_cons, out_prod), the rest
 * of the page is filled cyclically from the input. The remaining input is
 * a program of operations, each preceded by the guest possibly moving any
 * index to an arbitrary value (it can, at any moment):
 *   read_out(max), out_fill, write_in(len, atomic), in_space,
 *   set_connected.
 * Each result is checked against the ring arithmetic computed here: the
 * count is within [0, min(fill/space, request)] (exactly that value), or
 * RING_CORRUPT exactly when prod - cons exceeds the ring size; the bytes
 * copied are the ones at the masked positions; only the backend's own
 * index moves, by the count; nothing outside the rings is written.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/io/console.h>

#include "daemon/ring.h"
#include "tests/fuzz/fuzz-common.h"

struct prog {
    const uint8_t *p;
    size_t len, off;
};

static uint8_t take8(struct prog *g)
{
    return g->off < g->len ? g->p[g->off++] : 0;
}

static uint32_t take32(struct prog *g)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = v << 8 | take8(g);
    return v;
}

/* Index values worth hitting: around 0, the ring sizes and the wrap. */
static uint32_t pick_index(struct prog *g, uint32_t other)
{
    uint8_t how = take8(g);
    switch (how & 3) {
    case 0:
        return take32(g);
    case 1:
        return other + (uint32_t)(int8_t)take8(g); /* near the peer */
    case 2:
        return other + RING_OUT_SIZE + (uint32_t)(int8_t)take8(g);
    default:
        return UINT32_MAX - take8(g); /* wrap */
    }
}

static void check_untouched(const uint8_t *page, const uint8_t *before, size_t from, size_t to)
{
    FUZZ_CHECK(memcmp(page + from, before + from, to - from) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 16)
        return 0;
    uint8_t *page = malloc(RING_PAGE_SIZE);
    uint8_t *before = malloc(RING_PAGE_SIZE);
    FUZZ_CHECK(page && before);
    for (size_t i = 0; i < RING_PAGE_SIZE; i++)
        page[i] = size > 16 ? data[16 + i % (size - 16)] : 0;
    struct xencons_interface *r = (struct xencons_interface *)page;
    memcpy(&r->in_cons, data, 4);
    memcpy(&r->in_prod, data + 4, 4);
    memcpy(&r->out_cons, data + 8, 4);
    memcpy(&r->out_prod, data + 12, 4);

    const size_t idx_start = offsetof(struct xencons_interface, in_cons);
    const size_t idx_end = offsetof(struct xencons_interface, out_prod) + 4;
    struct prog g = {data + 16, size - 16, 0};

    for (int step = 0; step < 64 && g.off < g.len; step++) {
        uint8_t op = take8(&g);
        /* The guest moves an index first (or not). */
        switch ((op >> 4) & 7) {
        case 1:
            r->out_prod = pick_index(&g, r->out_cons);
            break;
        case 2:
            r->out_cons = pick_index(&g, r->out_prod);
            break;
        case 3:
            r->in_cons = pick_index(&g, r->in_prod);
            break;
        case 4:
            r->in_prod = pick_index(&g, r->in_cons);
            break;
        default:
            break;
        }
        memcpy(before, page, RING_PAGE_SIZE);
        uint32_t in_cons = r->in_cons, in_prod = r->in_prod;
        uint32_t out_cons = r->out_cons, out_prod = r->out_prod;
        uint32_t out_fill = out_prod - out_cons, in_fill = in_prod - in_cons;
        bool out_bad = out_fill > RING_OUT_SIZE, in_bad = in_fill > RING_IN_SIZE;

        switch (op & 7) {
        case 0:
        case 1: { /* read_out */
            size_t max = ((size_t)take8(&g) << 8 | take8(&g)) % (RING_OUT_SIZE + 64);
            uint8_t *buf = malloc(max ? max : 1);
            FUZZ_CHECK(buf != NULL);
            ssize_t n = ring_read_out(page, buf, max);
            if (out_bad) {
                FUZZ_CHECK(n == RING_CORRUPT);
                FUZZ_CHECK(memcmp(page, before, RING_PAGE_SIZE) == 0);
            } else {
                size_t want = out_fill < max ? out_fill : max;
                FUZZ_CHECK(n >= 0 && (size_t)n == want);
                for (size_t i = 0; i < want; i++)
                    FUZZ_CHECK(buf[i] == (uint8_t)r->out[MASK_XENCONS_IDX(out_cons + i, r->out)]);
                FUZZ_CHECK(r->out_cons == out_cons + (uint32_t)want);
                FUZZ_CHECK(r->out_prod == out_prod && r->in_cons == in_cons &&
                           r->in_prod == in_prod);
                /* Reading writes nothing but out_cons. */
                check_untouched(page, before, 0, idx_start);
                check_untouched(page, before, idx_end, RING_PAGE_SIZE);
            }
            free(buf);
            break;
        }
        case 2: { /* out_fill */
            ssize_t n = ring_out_fill(page);
            FUZZ_CHECK(out_bad ? n == RING_CORRUPT : n == (ssize_t)out_fill);
            FUZZ_CHECK(n == RING_CORRUPT || (n >= 0 && n <= (ssize_t)RING_OUT_SIZE));
            FUZZ_CHECK(memcmp(page, before, RING_PAGE_SIZE) == 0);
            break;
        }
        case 3:
        case 4: { /* write_in */
            bool atomic = op & 8;
            size_t len = ((size_t)take8(&g) << 8 | take8(&g)) % (RING_IN_SIZE + 64);
            uint8_t *src = malloc(len ? len : 1);
            FUZZ_CHECK(src != NULL);
            for (size_t i = 0; i < len; i++)
                src[i] = (uint8_t)(i * 31 + step);
            ssize_t n = ring_write_in(page, src, len, atomic);
            if (in_bad) {
                FUZZ_CHECK(n == RING_CORRUPT);
                FUZZ_CHECK(memcmp(page, before, RING_PAGE_SIZE) == 0);
            } else {
                size_t space = RING_IN_SIZE - in_fill;
                size_t want = len < space ? len : space;
                if (atomic && len > space)
                    want = 0;
                FUZZ_CHECK(n >= 0 && (size_t)n == want);
                for (size_t i = 0; i < want; i++)
                    FUZZ_CHECK((uint8_t)r->in[MASK_XENCONS_IDX(in_prod + i, r->in)] == src[i]);
                FUZZ_CHECK(r->in_prod == in_prod + (uint32_t)want);
                FUZZ_CHECK(r->in_cons == in_cons && r->out_cons == out_cons &&
                           r->out_prod == out_prod);
                /* Writing touches the in ring and in_prod only. */
                check_untouched(page, before, sizeof(r->in), idx_start);
                check_untouched(page, before, idx_end, RING_PAGE_SIZE);
            }
            free(src);
            break;
        }
        case 5:
        case 6: { /* in_space */
            ssize_t n = ring_in_space(page);
            FUZZ_CHECK(in_bad ? n == RING_CORRUPT : n == (ssize_t)(RING_IN_SIZE - in_fill));
            FUZZ_CHECK(n == RING_CORRUPT || (n >= 0 && n <= (ssize_t)RING_IN_SIZE));
            FUZZ_CHECK(memcmp(page, before, RING_PAGE_SIZE) == 0);
            break;
        }
        default: /* set_connected */
            ring_set_connected(page);
            /* One byte, just past out_prod; indices untouched. */
            check_untouched(page, before, 0, idx_end);
            FUZZ_CHECK(page[idx_end] == 0);
            check_untouched(page, before, idx_end + 1, RING_PAGE_SIZE);
            break;
        }
    }
    free(page);
    free(before);
    return 0;
}
