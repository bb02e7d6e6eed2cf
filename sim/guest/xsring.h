/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xsring.h — the guest side of the xenstore ring, as a guest kernel's
 * xenbus driver speaks it: framed struct xsd_sockmsg requests into req[],
 * replies and watch events out of rsp[].
 *
 * Contract
 * - Single-threaded and asynchronous: xsr_* request calls only queue a
 *   framed message; xsr_service() moves bytes between the queue and the
 *   ring, dispatches complete replies to their callbacks (matched by
 *   req_id) and watch events to the watch callback, and calls the notify
 *   hook at most once per call when it moved anything. Call it on every
 *   event of the store port and after queueing requests.
 * - The ring page is shared with xenstored and treated as hostile: an
 *   index pair claiming more than XENSTORE_RING_SIZE bytes, a reply longer
 *   than XENSTORE_PAYLOAD_MAX or a reply to an unknown req_id marks the
 *   client broken (xsr_broken()); a broken client never touches the ring
 *   again and fails new requests.
 * - Replies are passed with payload and length; the payload is always
 *   followed by a NUL the peer did not need to send, so string replies
 *   can be used directly. XS_ERROR replies arrive with type XS_ERROR.
 * - At most XSR_MAX_INFLIGHT requests may be outstanding; beyond that,
 *   or when the queue is full, request calls fail with -1 (EBUSY).
 */
#ifndef XENSIM_GUEST_XSRING_H
#define XENSIM_GUEST_XSRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

#define XSR_MAX_INFLIGHT 16u
#define XSR_MSG_MAX      (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)
#define XSR_QUEUE_SIZE   (2u * XSR_MSG_MAX)

typedef void (*xsr_reply_fn)(void *ctx, uint32_t type, const char *payload, uint32_t len);
typedef void (*xsr_watch_fn)(void *ctx, const char *path, const char *token);
typedef void (*xsr_notify_fn)(void *ctx);

struct xsr_inflight {
    bool used;
    uint32_t req_id;
    xsr_reply_fn fn;
    void *ctx;
};

struct xsr_client {
    struct xenstore_domain_interface *intf;
    xsr_notify_fn notify;
    xsr_watch_fn on_watch;
    void *ctx;                   /* passed to notify and on_watch */
    uint32_t req_prod, rsp_cons; /* our own indices: the page copy is advisory */
    uint32_t next_req_id;
    struct xsr_inflight inflight[XSR_MAX_INFLIGHT];
    size_t queue_len;
    unsigned char queue[XSR_QUEUE_SIZE];
    size_t msg_len; /* bytes of the reply being assembled */
    unsigned char msg[XSR_MSG_MAX + 1];
    bool broken;
    uint64_t replies, watch_events;
};

void xsr_init(struct xsr_client *c, struct xenstore_domain_interface *intf, xsr_notify_fn notify,
              xsr_watch_fn on_watch, void *ctx);

/* Queue one request whose payload is the NUL-separated PARTS (each part
 * followed by a NUL except the last when LAST_NUL is false, as XS_WRITE's
 * value). FN may be NULL. Returns 0 or -1 (EBUSY, E2BIG, EPIPE broken). */
int xsr_request(struct xsr_client *c, uint32_t type, const char *const *parts, size_t nparts,
                bool last_nul, xsr_reply_fn fn, void *ctx);

int xsr_write(struct xsr_client *c, const char *path, const char *value, xsr_reply_fn fn,
              void *ctx);
int xsr_read(struct xsr_client *c, const char *path, xsr_reply_fn fn, void *ctx);
int xsr_rm(struct xsr_client *c, const char *path, xsr_reply_fn fn, void *ctx);
int xsr_watch(struct xsr_client *c, const char *path, const char *token, xsr_reply_fn fn,
              void *ctx);

/* Move bytes both ways and dispatch. Returns the number of messages
 * dispatched, or -1 once the client is broken. */
int xsr_service(struct xsr_client *c);

static inline bool xsr_broken(const struct xsr_client *c)
{
    return c->broken;
}

#endif
