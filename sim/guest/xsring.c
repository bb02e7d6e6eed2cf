// SPDX-License-Identifier: GPL-2.0-or-later
/* Guest-side xenstore ring client; see xsring.h for the contract. */
#include "sim/guest/xsring.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

/* The page is shared memory: read the peer's index exactly once per use. */
static uint32_t load_index(const XENSTORE_RING_IDX *p)
{
    return *(const volatile XENSTORE_RING_IDX *)p;
}

static void store_index(XENSTORE_RING_IDX *p, uint32_t v)
{
    *(volatile XENSTORE_RING_IDX *)p = v;
}

void xsr_init(struct xsr_client *c, struct xenstore_domain_interface *intf, xsr_notify_fn notify,
              xsr_watch_fn on_watch, void *ctx)
{
    memset(c, 0, sizeof(*c));
    c->intf = intf;
    c->notify = notify;
    c->on_watch = on_watch;
    c->ctx = ctx;
    /* A fresh page is zeroed; adopting its indices lets a client resume
     * a ring it did not start (nothing is in flight then). */
    c->req_prod = load_index(&intf->req_prod);
    c->rsp_cons = load_index(&intf->rsp_cons);
    c->next_req_id = 1;
}

int xsr_request(struct xsr_client *c, uint32_t type, const char *const *parts, size_t nparts,
                bool last_nul, xsr_reply_fn fn, void *ctx)
{
    if (c->broken) {
        errno = EPIPE;
        return -1;
    }
    size_t payload = 0;
    for (size_t i = 0; i < nparts; i++) {
        payload += strlen(parts[i]);
        if (i + 1 < nparts || last_nul)
            payload++;
    }
    if (payload > XENSTORE_PAYLOAD_MAX) {
        errno = E2BIG;
        return -1;
    }
    size_t total = sizeof(struct xsd_sockmsg) + payload;
    struct xsr_inflight *slot = NULL;
    for (size_t i = 0; i < XSR_MAX_INFLIGHT; i++)
        if (!c->inflight[i].used) {
            slot = &c->inflight[i];
            break;
        }
    if (!slot || c->queue_len + total > sizeof(c->queue)) {
        errno = EBUSY;
        return -1;
    }
    uint32_t id = c->next_req_id++;
    if (c->next_req_id == 0)
        c->next_req_id = 1;
    struct xsd_sockmsg hdr = {
        .type = type,
        .req_id = id,
        .tx_id = 0,
        .len = (uint32_t)payload,
    };
    unsigned char *q = c->queue + c->queue_len;
    memcpy(q, &hdr, sizeof(hdr));
    q += sizeof(hdr);
    for (size_t i = 0; i < nparts; i++) {
        size_t n = strlen(parts[i]);
        memcpy(q, parts[i], n);
        q += n;
        if (i + 1 < nparts || last_nul)
            *q++ = '\0';
    }
    c->queue_len += total;
    *slot = (struct xsr_inflight){.used = true, .req_id = id, .fn = fn, .ctx = ctx};
    return 0;
}

int xsr_write(struct xsr_client *c, const char *path, const char *value, xsr_reply_fn fn, void *ctx)
{
    const char *parts[] = {path, value};
    return xsr_request(c, XS_WRITE, parts, 2, false, fn, ctx);
}

int xsr_read(struct xsr_client *c, const char *path, xsr_reply_fn fn, void *ctx)
{
    const char *parts[] = {path};
    return xsr_request(c, XS_READ, parts, 1, true, fn, ctx);
}

int xsr_rm(struct xsr_client *c, const char *path, xsr_reply_fn fn, void *ctx)
{
    const char *parts[] = {path};
    return xsr_request(c, XS_RM, parts, 1, true, fn, ctx);
}

int xsr_watch(struct xsr_client *c, const char *path, const char *token, xsr_reply_fn fn, void *ctx)
{
    const char *parts[] = {path, token};
    return xsr_request(c, XS_WATCH, parts, 2, true, fn, ctx);
}

/* Push queued request bytes into req[]; returns bytes moved. */
static size_t push_requests(struct xsr_client *c)
{
    struct xenstore_domain_interface *intf = c->intf;
    uint32_t cons = load_index(&intf->req_cons);
    atomic_thread_fence(memory_order_seq_cst);
    uint32_t used = c->req_prod - cons;
    if (used > XENSTORE_RING_SIZE) {
        c->broken = true;
        return 0;
    }
    size_t room = XENSTORE_RING_SIZE - used;
    size_t n = c->queue_len < room ? c->queue_len : room;
    for (size_t done = 0; done < n;) {
        size_t off = MASK_XENSTORE_IDX(c->req_prod + done);
        size_t chunk = XENSTORE_RING_SIZE - off;
        if (chunk > n - done)
            chunk = n - done;
        memcpy(intf->req + off, c->queue + done, chunk);
        done += chunk;
    }
    if (n == 0)
        return 0;
    atomic_thread_fence(memory_order_release);
    c->req_prod += (uint32_t)n;
    store_index(&intf->req_prod, c->req_prod);
    memmove(c->queue, c->queue + n, c->queue_len - n);
    c->queue_len -= n;
    return n;
}

static void dispatch_watch(struct xsr_client *c, const char *payload, uint32_t len)
{
    const char *end = memchr(payload, '\0', len);
    if (!end)
        return;
    const char *token = end + 1;
    /* The token may or may not carry its NUL; msg[] guarantees one. */
    c->watch_events++;
    if (c->on_watch)
        c->on_watch(c->ctx, payload, token);
}

static int dispatch(struct xsr_client *c)
{
    struct xsd_sockmsg hdr;
    memcpy(&hdr, c->msg, sizeof(hdr));
    const char *payload = (const char *)c->msg + sizeof(hdr);
    c->msg[sizeof(hdr) + hdr.len] = '\0';
    if (hdr.type == XS_WATCH_EVENT) {
        dispatch_watch(c, payload, hdr.len);
        return 0;
    }
    for (size_t i = 0; i < XSR_MAX_INFLIGHT; i++) {
        struct xsr_inflight *f = &c->inflight[i];
        if (f->used && f->req_id == hdr.req_id) {
            struct xsr_inflight done = *f;
            f->used = false;
            c->replies++;
            if (done.fn)
                done.fn(done.ctx, hdr.type, payload, hdr.len);
            return 0;
        }
    }
    c->broken = true; /* a reply we never asked for: the peer is lost */
    return -1;
}

/* Pull reply bytes out of rsp[]; dispatch complete messages. */
static size_t pull_replies(struct xsr_client *c, int *dispatched)
{
    struct xenstore_domain_interface *intf = c->intf;
    uint32_t prod = load_index(&intf->rsp_prod);
    atomic_thread_fence(memory_order_seq_cst);
    uint32_t avail = prod - c->rsp_cons;
    if (avail > XENSTORE_RING_SIZE) {
        c->broken = true;
        return 0;
    }
    size_t moved = 0;
    while (moved < avail && !c->broken) {
        size_t want;
        if (c->msg_len < sizeof(struct xsd_sockmsg)) {
            want = sizeof(struct xsd_sockmsg) - c->msg_len;
        } else {
            struct xsd_sockmsg hdr;
            memcpy(&hdr, c->msg, sizeof(hdr));
            if (hdr.len > XENSTORE_PAYLOAD_MAX) {
                c->broken = true;
                break;
            }
            want = sizeof(hdr) + hdr.len - c->msg_len;
        }
        size_t off = MASK_XENSTORE_IDX(c->rsp_cons + moved);
        size_t chunk = XENSTORE_RING_SIZE - off;
        if (chunk > avail - moved)
            chunk = avail - moved;
        if (chunk > want)
            chunk = want;
        memcpy(c->msg + c->msg_len, intf->rsp + off, chunk);
        c->msg_len += chunk;
        moved += chunk;
        if (c->msg_len >= sizeof(struct xsd_sockmsg)) {
            struct xsd_sockmsg hdr;
            memcpy(&hdr, c->msg, sizeof(hdr));
            if (hdr.len > XENSTORE_PAYLOAD_MAX) {
                c->broken = true;
                break;
            }
            if (c->msg_len == sizeof(hdr) + hdr.len) {
                /* Callbacks may queue requests; xsr_service's loop pushes
                 * them. They must not call xsr_service themselves. */
                c->msg_len = 0;
                if (dispatch(c) == 0)
                    (*dispatched)++;
            }
        }
    }
    if (moved) {
        atomic_thread_fence(memory_order_seq_cst);
        c->rsp_cons += (uint32_t)moved;
        store_index(&intf->rsp_cons, c->rsp_cons);
    }
    return moved;
}

int xsr_service(struct xsr_client *c)
{
    int dispatched = 0;
    bool moved_any = false;
    for (;;) {
        if (c->broken)
            return -1;
        size_t moved = push_requests(c);
        moved += pull_replies(c, &dispatched);
        if (!moved)
            break;
        moved_any = true;
    }
    if (moved_any && c->notify)
        c->notify(c->ctx);
    return c->broken ? -1 : dispatched;
}
