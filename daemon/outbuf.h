/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * outbuf.h — the per-console shared output buffer (replay buffer).
 *
 * Contract:
 * - Capacity is a power of two in [XCMUX_OUTBUF_MIN, XCMUX_OUTBUF_MAX];
 *   outbuf_init() refuses anything else (EINVAL).
 * - The stream is addressed by 64-bit offsets: `head` is the total number of
 *   bytes ever appended. The buffer holds the bytes [oldest, head) where
 *   oldest = head - min(head, capacity). Offsets never wrap in practice
 *   (2^64 bytes at 10 GB/s is 58 years).
 * - outbuf_append() never fails and never blocks: it overwrites the oldest
 *   bytes. One slow reader therefore never holds back the guest, the log or
 *   other readers.
 * - Each reader owns a uint64_t offset. outbuf_peek() hands out the longest
 *   contiguous chunk at that offset without consuming it (the caller advances
 *   the offset by what it really sent, with outbuf_advance()). A reader that
 *   fell more than a capacity behind is first moved to `oldest` and told how
 *   many bytes it missed, so nothing is lost silently.
 * - The buffer does no locking: one event loop owns it.
 */
#ifndef XCMUX_DAEMON_OUTBUF_H
#define XCMUX_DAEMON_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct outbuf {
    uint8_t *data;
    size_t capacity; /* power of two */
    uint64_t head;   /* total bytes ever appended */
};

/* True if `capacity` is an acceptable buffer size. */
bool outbuf_capacity_valid(size_t capacity);

/* 0 on success; -1 with errno EINVAL (bad capacity) or ENOMEM. */
int outbuf_init(struct outbuf *buf, size_t capacity);
void outbuf_destroy(struct outbuf *buf);

void outbuf_append(struct outbuf *buf, const void *bytes, size_t len);

static inline uint64_t outbuf_head(const struct outbuf *buf)
{
    return buf->head;
}

/* Offset of the oldest byte still held. */
uint64_t outbuf_oldest(const struct outbuf *buf);

/* Bytes currently held (<= capacity). */
size_t outbuf_held(const struct outbuf *buf);

/*
 * Contiguous chunk for the reader at *reader_off: sets *p and returns its
 * length (0 when the reader is up to date). If *reader_off is older than the
 * oldest byte held, it is first moved there and *missed receives the number
 * of bytes skipped (otherwise 0). An offset beyond head (a caller bug) is
 * clamped to head. `missed` may be NULL.
 */
size_t outbuf_peek(const struct outbuf *buf, uint64_t *reader_off, const uint8_t **p,
                   size_t *missed);

/* Advance a reader after it consumed n bytes of what outbuf_peek returned;
 * never moves it past head. */
void outbuf_advance(const struct outbuf *buf, uint64_t *reader_off, size_t n);

/* The offset from which the last n bytes can be replayed: head - n, or the
 * oldest byte held if fewer than n bytes are held. */
uint64_t outbuf_tail_offset(const struct outbuf *buf, uint64_t n);

#endif /* XCMUX_DAEMON_OUTBUF_H */
