// SPDX-License-Identifier: GPL-2.0-or-later
/* outq.c - ordered non-blocking output queue (outq.h). */
#include "client/outq.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK_MIN 16384

struct outq_chunk {
    struct outq_chunk *next;
    int fd;
    size_t cap, len, off;
    uint8_t data[];
};

void outq_init(struct outq *q)
{
    q->head = q->tail = NULL;
    q->bytes = 0;
}

void outq_free(struct outq *q)
{
    while (q->head) {
        struct outq_chunk *c = q->head;
        q->head = c->next;
        free(c);
    }
    outq_init(q);
}

bool outq_push(struct outq *q, int fd, const void *data, size_t len)
{
    struct outq_chunk *t = q->tail;
    if (!len)
        return true;
    /* Coalesce into the tail so many small DATA frames become few writes. */
    if (t && t->fd == fd && t->cap - t->len >= len) {
        memcpy(t->data + t->len, data, len);
        t->len += len;
        q->bytes += len;
        return true;
    }
    size_t cap = len > CHUNK_MIN ? len : CHUNK_MIN;
    struct outq_chunk *c = malloc(sizeof(*c) + cap);
    if (!c)
        return false;
    c->next = NULL;
    c->fd = fd;
    c->cap = cap;
    c->len = len;
    c->off = 0;
    memcpy(c->data, data, len);
    if (t)
        t->next = c;
    else
        q->head = c;
    q->tail = c;
    q->bytes += len;
    return true;
}

static ssize_t write_some(int fd, const void *p, size_t n)
{
    /* send() with MSG_NOSIGNAL on sockets; plain write() otherwise (a
     * closed pipe gives EPIPE because SIGPIPE is ignored by the client). */
    ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
    if (r < 0 && errno == ENOTSOCK)
        r = write(fd, p, n);
    return r;
}

int outq_flush(struct outq *q, int *bad_fd)
{
    while (q->head) {
        struct outq_chunk *c = q->head;
        while (c->off < c->len) {
            ssize_t n = write_some(c->fd, c->data + c->off, c->len - c->off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && errno == EAGAIN)
                return 0;
            if (n <= 0) {
                if (n == 0)
                    errno = EIO;
                *bad_fd = c->fd;
                return -1;
            }
            c->off += (size_t)n;
            q->bytes -= (size_t)n;
        }
        q->head = c->next;
        if (!q->head)
            q->tail = NULL;
        free(c);
    }
    return 0;
}

int outq_want_fd(const struct outq *q)
{
    return q->head ? q->head->fd : -1;
}

size_t outq_bytes(const struct outq *q)
{
    return q->bytes;
}
