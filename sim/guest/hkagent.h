/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hkagent.h — the simulated guest's hotkey agent, the guest side of
 * protocol/HOTKEYS.md as a Windows XENCONS/XENBUS driver would do it.
 *
 * Contract
 * - Registration (§2): hka_start() writes the registry of hotkeys.h under
 *   data/xcmux/hotkeys/ through the guest's own xenstore ring, a bounded
 *   window of requests at a time (so 100000 entries never block the loop
 *   or starve other requests), `version` = 1 last, after every other
 *   write has been answered. After 64 refused writes in a row (xenstored
 *   quota) the remaining entries are skipped; `version` is still tried.
 * - Injection (§3): console input passed to hka_input() goes through
 *   protocol/hkfilter; pass-through bytes go to ENV->shell in order, a
 *   hotkey runs before the bytes after it are delivered. Bytes held back
 *   are released to the shell after HKA_HOLD_MS without further input.
 * - Xenstore delivery (§4): the agent watches data/xcmux/request; a
 *   non-empty value "<K> <ID>" is run, the node is written back to "",
 *   then acknowledged. Malformed values are written back and ignored.
 * - Running (§5): known key: the framed dump of its callback prefix goes
 *   to ENV->out and the ack is "<ID> ok"; unknown key: "<ID> unknown".
 * - Acks (§6): data/xcmux/ack, ENV->spec->ack_delay_ms after the run, in
 *   order; none with no_ack. At most HKA_MAX_ACKS wait; more are dropped
 *   and logged.
 * - Requests are only queued on the xenstore client from any context
 *   (including its reply callbacks); a deferred event runs xsr_service,
 *   and a short retry timer covers a full request window.
 */
#ifndef XENSIM_GUEST_HKAGENT_H
#define XENSIM_GUEST_HKAGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/guest/ctlproto.h"
#include "sim/guest/hotkeys.h"
#include "sim/guest/xsring.h"

#define HKA_HOLD_MS      300
#define HKA_MAX_ACKS     64u
#define HKA_REQUEST_NODE "data/xcmux/request"
#define HKA_ACK_NODE     "data/xcmux/ack"
#define HKA_WATCH_TOKEN  "xcmux-request"

struct event_base;
struct hkagent;

struct hka_env {
    struct event_base *base;
    struct xsr_client *xs;
    const struct guest_spec *spec;
    uint32_t domid;
    /* Console output (appended, flushed and notified by the guest). */
    void (*out)(void *ctx, const char *buf, size_t len);
    /* Filtered console input for the shell. */
    void (*shell)(void *ctx, const char *buf, size_t len);
    /* Numbers for the fake callbacks. */
    void (*info)(void *ctx, struct hk_dump_info *info);
    void *ctx;
};

struct hka_stats {
    uint64_t hotkeys_received; /* injected or requested, valid sequences */
    uint64_t acks_sent;        /* acks xenstored accepted */
    uint64_t registered;       /* registry entries whose label was written */
    bool version_written;
};

struct hkagent *hka_new(const struct hka_env *env);
void hka_free(struct hkagent *a);
/* Queue the registry and the request watch. Returns 0 or -1. */
int hka_start(struct hkagent *a);
/* A watch event of the guest's xenstore client; true if it was ours. */
bool hka_on_watch(struct hkagent *a, const char *path, const char *token);
void hka_input(struct hkagent *a, const char *buf, size_t len);
/* VIRQ_DEBUG: the full framed dump, as XENBUS does. */
void hka_debug_dump(struct hkagent *a);
void hka_get_stats(const struct hkagent *a, struct hka_stats *out);

#endif
