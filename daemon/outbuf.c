/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/outbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/limits.h"

bool outbuf_capacity_valid(size_t capacity)
{
    return capacity >= XCMUX_OUTBUF_MIN && capacity <= XCMUX_OUTBUF_MAX &&
           (capacity & (capacity - 1)) == 0;
}

int outbuf_init(struct outbuf *buf, size_t capacity)
{
    memset(buf, 0, sizeof(*buf));
    if (!outbuf_capacity_valid(capacity)) {
        errno = EINVAL;
        return -1;
    }
    buf->data = malloc(capacity);
    if (!buf->data)
        return -1;
    buf->capacity = capacity;
    return 0;
}

void outbuf_destroy(struct outbuf *buf)
{
    free(buf->data);
    memset(buf, 0, sizeof(*buf));
}

static size_t index_of(const struct outbuf *buf, uint64_t off)
{
    return (size_t)(off & (uint64_t)(buf->capacity - 1));
}

void outbuf_append(struct outbuf *buf, const void *bytes, size_t len)
{
    const uint8_t *src = bytes;
    uint64_t at = buf->head;

    /* Only the last `capacity` bytes of a large append can survive it. */
    if (len > buf->capacity) {
        size_t skip = len - buf->capacity;
        src += skip;
        at += skip;
        len = buf->capacity;
    }
    size_t start = index_of(buf, at);
    size_t first = buf->capacity - start;
    if (first > len)
        first = len;
    memcpy(buf->data + start, src, first);
    memcpy(buf->data, src + first, len - first);
    buf->head = at + len;
}

uint64_t outbuf_oldest(const struct outbuf *buf)
{
    return buf->head > buf->capacity ? buf->head - buf->capacity : 0;
}

size_t outbuf_held(const struct outbuf *buf)
{
    return (size_t)(buf->head - outbuf_oldest(buf));
}

size_t outbuf_peek(const struct outbuf *buf, uint64_t *reader_off, const uint8_t **p,
                   size_t *missed)
{
    uint64_t oldest = outbuf_oldest(buf);
    size_t skipped = 0;

    if (*reader_off > buf->head)
        *reader_off = buf->head;
    if (*reader_off < oldest) {
        skipped = (size_t)(oldest - *reader_off);
        *reader_off = oldest;
    }
    if (missed)
        *missed = skipped;

    uint64_t avail = buf->head - *reader_off;
    size_t start = index_of(buf, *reader_off);
    size_t contiguous = buf->capacity - start;
    *p = buf->data + start;
    return avail < contiguous ? (size_t)avail : contiguous;
}

void outbuf_advance(const struct outbuf *buf, uint64_t *reader_off, size_t n)
{
    uint64_t room = buf->head - (*reader_off > buf->head ? buf->head : *reader_off);
    *reader_off += n < room ? n : room;
}

uint64_t outbuf_tail_offset(const struct outbuf *buf, uint64_t n)
{
    uint64_t held = outbuf_held(buf);
    return buf->head - (n < held ? n : held);
}
