/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * outq.h - ordered, non-blocking output queue over several descriptors.
 *
 * Contract: outq_push() appends bytes destined for a descriptor, keeping
 * the global order (console data on stdout and notices on stderr come out
 * in the order they arrived, even when both are the same terminal).
 * outq_flush() writes as much as the descriptors take without blocking.
 * The queue itself is unbounded; callers gate their producers on
 * outq_bytes() so memory stays bounded by their own limit plus one chunk.
 */
#ifndef XCMUX_CLIENT_OUTQ_H
#define XCMUX_CLIENT_OUTQ_H

#include <stdbool.h>
#include <stddef.h>

struct outq_chunk;
struct outq {
    struct outq_chunk *head, *tail;
    size_t bytes;
};

void outq_init(struct outq *q);
void outq_free(struct outq *q);
/* false if out of memory. */
bool outq_push(struct outq *q, int fd, const void *data, size_t len);
/* 0 when everything queued was written or the next descriptor would block
 * (errno EAGAIN); -1 on a write error, with errno and *bad_fd set. */
int outq_flush(struct outq *q, int *bad_fd);
/* Descriptor the head chunk waits on, or -1 when empty. */
int outq_want_fd(const struct outq *q);
size_t outq_bytes(const struct outq *q);

#endif /* XCMUX_CLIENT_OUTQ_H */
