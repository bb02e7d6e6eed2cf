/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xsconn.c — a pipelined xenstore connection (see xsconn.h): the wire
 * protocol of xen/io/xs_wire.h, header and payload, on a non-blocking
 * socket. Part of the xen port: only hyp.c uses it.
 */
#include "daemon/xsconn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#define HEADER_LEN sizeof(struct xsd_sockmsg)
/* Bytes read per xsconn_io() at most: the loop gets its turn back. */
#define READ_BUDGET (256u * 1024u)

struct xsconn {
    int fd;
    const struct xsconn_ops *ops;
    void *ctx;
    /* Jobs not done, oldest first (linked by next). The head's requests
     * below recv_op are answered; the next request to send is send_op of
     * send_job (NULL: all sent). */
    struct hyp_job *head, *tail, *send_job;
    unsigned recv_op, send_op, inflight, pending;
    uint32_t next_id, expect_id;
    char *out;
    size_t out_len, out_off, out_cap;
    char *in; /* HEADER_LEN + XSCONN_MESSAGE_MAX + 1 */
    size_t in_len;
    uint64_t skip; /* bytes of an oversized message still to discard */
};

int xsconn_connect(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    size_t path_len = path ? strlen(path) : sizeof(sun.sun_path);
    if (path_len >= sizeof(sun.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(sun.sun_path, path, path_len + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    /* Blocking, with a bound: a non-blocking Unix connect fails with
     * EAGAIN while the store's listen backlog is full (oxenstored's is
     * short, and busy with a thousand domains it accepts late), where a
     * blocking one waits for room, up to the send timeout. */
    struct timeval bound = {.tv_sec = XSCONN_CONNECT_MS / 1000,
                            .tv_usec = (XSCONN_CONNECT_MS % 1000) * 1000};
    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof(bound)) < 0 ||
        connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

struct xsconn *xsconn_new(int fd, const struct xsconn_ops *ops, void *ctx)
{
    struct xsconn *c = calloc(1, sizeof(*c));
    if (c)
        c->in = malloc(HEADER_LEN + XSCONN_MESSAGE_MAX + 1);
    if (!c || !c->in) {
        free(c);
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    c->fd = fd;
    c->ops = ops;
    c->ctx = ctx;
    c->next_id = c->expect_id = 1;
    return c;
}

int xsconn_fd(const struct xsconn *c)
{
    return c->fd;
}

bool xsconn_wants_write(const struct xsconn *c)
{
    return c->out_off < c->out_len;
}

unsigned xsconn_pending(const struct xsconn *c)
{
    return c->pending;
}

static uint32_t wire_type(enum hyp_op_kind k)
{
    switch (k) {
    case HYP_OP_READ:
        return XS_READ;
    case HYP_OP_WRITE:
        return XS_WRITE;
    case HYP_OP_DIRECTORY:
        return XS_DIRECTORY;
    case HYP_OP_WATCH:
        return XS_WATCH;
    case HYP_OP_UNWATCH:
        return XS_UNWATCH;
    }
    return XS_INVALID;
}

/* The payload: the path and its NUL, then a write's value (no NUL) or a
 * watch's token and its NUL. */
static size_t payload_len(const struct hyp_op *o)
{
    size_t n = strlen(o->path) + 1;
    const char *arg = o->arg ? o->arg : "";
    if (o->kind == HYP_OP_WRITE)
        n += strlen(arg);
    else if (o->kind == HYP_OP_WATCH || o->kind == HYP_OP_UNWATCH)
        n += strlen(arg) + 1;
    return n;
}

static int append_request(struct xsconn *c, const struct hyp_op *o)
{
    size_t plen = payload_len(o);
    size_t need = HEADER_LEN + plen;
    if (c->out_off > 0 && c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    if (c->out_len + need > c->out_cap) {
        /* Compact first; grow only when what is unsent does not fit. */
        if (c->out_off > 0) {
            memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
            c->out_len -= c->out_off;
            c->out_off = 0;
        }
        if (c->out_len + need > c->out_cap) {
            size_t cap = c->out_cap ? c->out_cap : 4096;
            while (cap < c->out_len + need)
                cap *= 2;
            char *p = realloc(c->out, cap);
            if (!p)
                return -1;
            c->out = p;
            c->out_cap = cap;
        }
    }
    struct xsd_sockmsg h = {
        .type = wire_type(o->kind),
        .req_id = c->next_id++,
        .tx_id = 0,
        .len = (uint32_t)plen,
    };
    char *at = c->out + c->out_len;
    memcpy(at, &h, HEADER_LEN);
    at += HEADER_LEN;
    size_t pl = strlen(o->path) + 1;
    memcpy(at, o->path, pl);
    at += pl;
    if (o->kind != HYP_OP_READ && o->kind != HYP_OP_DIRECTORY) {
        const char *arg = o->arg ? o->arg : "";
        size_t al = strlen(arg) + (o->kind == HYP_OP_WRITE ? 0 : 1);
        memcpy(at, arg, al);
    }
    c->out_len += need;
    return 0;
}

static void fill_requests(struct xsconn *c)
{
    while (c->send_job && c->inflight < XSCONN_WINDOW) {
        struct hyp_job *j = c->send_job;
        if (append_request(c, &j->op[c->send_op]) < 0)
            return; /* out of memory: sent with a later call */
        c->inflight++;
        if (c->ops->request)
            c->ops->request(c->ctx);
        if (++c->send_op == j->nops) {
            c->send_job = j->next;
            c->send_op = 0;
        }
    }
}

static int flush_out(struct xsconn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n =
            send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        }
        c->out_off += (size_t)n;
    }
    c->out_off = c->out_len = 0;
    return 0;
}

static void job_done(struct xsconn *c, struct hyp_job *j)
{
    j->next = NULL;
    c->ops->job_done(c->ctx, j);
}

void xsconn_submit(struct xsconn *c, struct hyp_job *j)
{
    if (!j)
        return;
    bool fits = true;
    for (unsigned i = 0; i < j->nops; i++)
        if (payload_len(&j->op[i]) > XENSTORE_PAYLOAD_MAX || wire_type(j->op[i].kind) == XS_INVALID)
            fits = false;
    if (j->nops == 0 || !fits) {
        /* Nothing to send (or what the store would refuse unread). */
        for (unsigned i = 0; i < j->nops; i++)
            j->op[i].err = E2BIG;
        job_done(c, j);
        return;
    }
    j->next = NULL;
    if (c->tail)
        c->tail->next = j;
    else
        c->head = j;
    c->tail = j;
    if (!c->send_job) {
        c->send_job = j;
        c->send_op = 0;
    }
    c->pending += j->nops;
    /* Queued, not written: the next xsconn_io() writes everything the
     * loop queued in its pass in one go, so the store wakes once for a
     * burst rather than once per request. */
    fill_requests(c);
}

static int errno_of(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++) {
        size_t l = strlen(xsd_errors[i].errstring);
        if ((len == l || (len > l && s[l] == '\0')) && memcmp(s, xsd_errors[i].errstring, l) == 0)
            return xsd_errors[i].errnum;
    }
    return EINVAL;
}

/* A listing's names, each NUL-terminated, as many as fit in
 * HYP_VALUE_MAX bytes; empty names are dropped. */
static void take_listing(struct hyp_op *o, const char *p, size_t len)
{
    char *buf = malloc(HYP_VALUE_MAX);
    if (!buf) {
        o->err = ENOMEM;
        return;
    }
    size_t used = 0, count = 0, i = 0;
    while (i < len) {
        const char *nul = memchr(p + i, '\0', len - i);
        size_t l = nul ? (size_t)(nul - (p + i)) : len - i;
        if (l > 0) {
            if (used + l + 1 > HYP_VALUE_MAX)
                break;
            memcpy(buf + used, p + i, l);
            buf[used + l] = '\0';
            used += l + 1;
            count++;
        }
        i += l + 1;
    }
    o->value = buf;
    o->len = count;
}

/* The reply to the oldest unanswered request: TYPE and its payload
 * (NULL when it was too big to keep). -1: not a reply we expect. */
static int take_reply(struct xsconn *c, const struct xsd_sockmsg *h, const char *payload)
{
    struct hyp_job *j = c->head;
    if (!j || c->inflight == 0 || h->req_id != c->expect_id)
        return -1;
    struct hyp_op *o = &j->op[c->recv_op];
    if (h->type == XS_ERROR) {
        o->err = payload ? errno_of(payload, h->len) : EINVAL;
    } else if (h->type != wire_type(o->kind)) {
        return -1;
    } else if (!payload) {
        o->err = E2BIG;
    } else if (o->kind == HYP_OP_READ) {
        if (h->len >= HYP_VALUE_MAX) {
            o->err = E2BIG;
        } else if (!(o->value = malloc(h->len + 1))) {
            o->err = ENOMEM;
        } else {
            memcpy(o->value, payload, h->len);
            o->value[h->len] = '\0';
            o->len = h->len;
        }
    } else if (o->kind == HYP_OP_DIRECTORY) {
        take_listing(o, payload, h->len);
    }
    c->expect_id++;
    c->inflight--;
    c->pending--;
    if (++c->recv_op == j->nops) {
        c->head = j->next;
        if (!c->head)
            c->tail = NULL;
        c->recv_op = 0;
        job_done(c, j);
    }
    return 0;
}

static void take_event(struct xsconn *c, const char *payload, size_t len)
{
    if (!c->ops->event)
        return;
    /* payload is in c->in with a byte to spare: NUL-terminate it. */
    char *p = (char *)payload;
    char saved = p[len];
    p[len] = '\0';
    const char *path = p;
    size_t pl = strlen(path);
    const char *token = pl < len ? p + pl + 1 : p + len;
    c->ops->event(c->ctx, path, token);
    p[len] = saved;
}

/* Parse every whole message in c->in. -1: the stream broke the protocol. */
static int parse_in(struct xsconn *c)
{
    size_t off = 0;
    for (;;) {
        if (c->skip > 0) {
            size_t n = c->in_len - off < c->skip ? c->in_len - off : (size_t)c->skip;
            off += n;
            c->skip -= n;
            if (c->skip > 0)
                break;
        }
        if (c->in_len - off < HEADER_LEN)
            break;
        struct xsd_sockmsg h;
        memcpy(&h, c->in + off, HEADER_LEN);
        if (h.type >= XS_TYPE_COUNT)
            return -1;
        if (h.len > XSCONN_MESSAGE_MAX) {
            /* Too big to keep: its request fails, its bytes are dropped. */
            if (h.type != XS_WATCH_EVENT && take_reply(c, &h, NULL) < 0)
                return -1;
            off += HEADER_LEN;
            c->skip = h.len;
            continue;
        }
        if (c->in_len - off < HEADER_LEN + h.len)
            break;
        const char *payload = c->in + off + HEADER_LEN;
        if (h.type == XS_WATCH_EVENT)
            take_event(c, payload, h.len);
        else if (take_reply(c, &h, payload) < 0)
            return -1;
        off += HEADER_LEN + h.len;
    }
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
    return 0;
}

int xsconn_io(struct xsconn *c)
{
    size_t budget = READ_BUDGET;
    while (budget > 0) {
        size_t room = HEADER_LEN + XSCONN_MESSAGE_MAX - c->in_len;
        ssize_t n = recv(c->fd, c->in + c->in_len, room, MSG_DONTWAIT);
        if (n == 0) {
            errno = ECONNRESET; /* the store closed the connection */
            return -1;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return -1;
        }
        c->in_len += (size_t)n;
        budget = (size_t)n < budget ? budget - (size_t)n : 0;
        if (parse_in(c) < 0) {
            errno = EPROTO;
            return -1;
        }
    }
    fill_requests(c);
    return flush_out(c);
}

void xsconn_free(struct xsconn *c, int err)
{
    if (!c)
        return;
    struct hyp_job *j = c->head, *next;
    for (unsigned first = c->recv_op; j; j = next, first = 0) {
        next = j->next;
        for (unsigned i = first; i < j->nops; i++)
            if (!j->op[i].err)
                j->op[i].err = err;
        job_done(c, j);
    }
    close(c->fd);
    free(c->out);
    free(c->in);
    free(c);
}
