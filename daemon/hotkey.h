/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hotkey.h — the hotkey debug bridge of xcmuxd (protocol/HOTKEYS.md).
 *
 * Contract
 * - Per console, the hotkeys users see are the merged table of the config
 *   hotkeys (xcmuxd.conf: hotkey.<K>) and, on a guest's primary console,
 *   the hotkeys the guest registered in data/xcmux/hotkeys after the
 *   host's rules (guest_hotkeys, guest_hotkey.<K>). A config hotkey wins
 *   over a guest one on the same key. At most XCMUX_CONFIG_HOTKEYS_MAX of
 *   each.
 * - The guest registry is read the first time the console's hotkey
 *   table is wanted (a client lists hotkeys, fires one, or opens the
 *   escape menu), and its watch set then, not at attach: attaching a
 *   console costs no store request of the hotkeys, and a guest nobody
 *   uses hotkeys on costs no watch.
 * - The guest registry is hostile input: it is re-read at most twice a
 *   second (a coalescing timer behind the watch), only single-character
 *   valid keys are read at all, reading stops after HOTKEY_GUEST_MAX valid
 *   ones, and labels/callbacks over 64 bytes or not printable ASCII make a
 *   hotkey invalid. A version other than "1" means no guest hotkeys. One
 *   guest's registry costs bounded work and touches no other guest.
 * - Firing checks, in order: the key exists (else UNKNOWN_KEY), the peer
 *   passes the hotkey ACL (debug-keys: the admin ACL), the hotkey's rate
 *   limit (hotkey_rate, a token bucket per key and console) and the bound
 *   on pending requests (else DENIED). Then it delivers:
 *     guest inject   hkf_encode(<K>, <ID>) queued on the console to be
 *                    written into the input ring whole (console.h), ack
 *                    awaited on data/xcmux/ack;
 *     guest xenstore data/xcmux/request = "<K> <ID>", same ack;
 *     inject:        config bytes, whole, no ack;
 *     sysrq:<c>      control/sysrq = c, acked when the guest empties it;
 *     nmi, debug-keys:, xenstore:  done at once, no ack.
 *   Request ids are unique per daemon run and start from a clock-derived
 *   value, so a stale ack from before a restart is not mistaken for one.
 * - Every outcome ends in exactly one result per request: FIRED_ACKED (a
 *   guest "ok" ack, or the sysrq node emptied), FIRED_NO_ACK (no ack
 *   expected, a guest "error"/"unknown" ack, the ack timeout, the guest
 *   going away, or a sequence that found no room before the timeout),
 *   DENIED or UNKNOWN_KEY. Every session on the console gets a NOTICE(INFO)
 *   when a hotkey fires and when its request ends; the log gets the same
 *   event lines. A TRIGGER session waiting for the request gets
 *   session_trigger_result() exactly once (or nothing, if it went away:
 *   hotkey_forget_session()).
 * - Nothing here blocks: waiting is timers and xenstore watches.
 */
#ifndef XCMUX_DAEMON_HOTKEY_H
#define XCMUX_DAEMON_HOTKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/config.h"

struct console;
struct session;

/* Guest registry limits (HOTKEYS.md §2). */
#define HOTKEY_GUEST_MAX      32
#define HOTKEY_GUEST_TEXT_MAX 64 /* label and callback */
#define HOTKEY_ACK_TEXT_MAX   128
/* Requests in flight per console: with the rate limit, this bounds timers
 * and memory a user can make us hold. */
#define HOTKEY_PENDING_MAX 16
/* The registry is re-read at most once per this many milliseconds. */
#define HOTKEY_REREAD_MS 500

enum guest_delivery {
    GUEST_DELIVERY_INJECT,
    GUEST_DELIVERY_XENSTORE,
};

struct guest_hotkey {
    uint8_t key;      /* the guest's key */
    uint8_t delivery; /* enum guest_delivery */
    char label[HOTKEY_GUEST_TEXT_MAX + 1];
    char callback[HOTKEY_GUEST_TEXT_MAX + 1];
};

struct guest_registry {
    unsigned n;
    struct guest_hotkey hk[HOTKEY_GUEST_MAX];
};

/* One row of a console's merged table. */
struct hotkey_entry {
    uint8_t key;    /* typed after the escape char */
    uint8_t source; /* XP_HK_SRC_CONFIG or _GUEST */
    char label[XCMUX_HOTKEY_LABEL_MAX + 1];
    char action[XCMUX_HOTKEY_TEXT_MAX + 1];
    const struct hotkey_def *def; /* config hotkeys */
    struct guest_hotkey guest;    /* guest hotkeys (guest.key is sent) */
};
#define HOTKEY_TABLE_MAX (XCMUX_CONFIG_HOTKEYS_MAX + HOTKEY_GUEST_MAX)

enum ack_status {
    ACK_OK,
    ACK_UNKNOWN,
    ACK_ERROR
};

/* Token bucket of one hotkey: N fires per S seconds, a burst of N. */
struct hotkey_bucket {
    bool started;
    uint64_t credit_ms;
    uint64_t last_ms;
};

/* ---- pure helpers (hotkey-table.c; unit-tested) ---- */

/* Validate one registry entry read from xenstore (NULL = node absent).
 * 0 and *out filled, or -1: the hotkey is ignored. */
int guest_hotkey_parse(uint8_t key, const char *label, const char *delivery, const char *callback,
                       struct guest_hotkey *out);
/* Build the merged table; returns the number of rows (<= max). */
unsigned hotkey_merge(const struct hotkey_cfg *cfg, bool guest_on, const struct guest_registry *reg,
                      struct hotkey_entry *out, unsigned max);
/* Parse "<ID> <STATUS>[ <TEXT>]" strictly. 0, or -1 when malformed. */
int hotkey_parse_ack(const char *s, uint32_t *id, enum ack_status *status, char *text,
                     size_t textlen);
/* Take one fire from the bucket (n fires per s seconds; n == 0: no
 * limit). False when empty, with *retry_ms until the next fire is due. */
bool hotkey_bucket_take(struct hotkey_bucket *b, unsigned n, unsigned s, uint64_t now_ms,
                        uint64_t *retry_ms);
/* 0..HOTKEY_KEYS-1 for [0-9A-Za-z]. */
#define HOTKEY_KEYS 62
unsigned hotkey_key_index(uint8_t key);

/* ---- the daemon side (hotkey.c) ---- */

/* Listen to consoles (events.h): per-console hotkey state is created
 * with the console (XE_CONSOLE_NEW), ended when it goes (GONE, FREE),
 * its watches set again on a new store connection (RESYNC), and an
 * injected sequence (INJECTED) starts its acknowledgement wait. Its
 * watch tokens (h, a, y) are registered with the router (watch.h). */
void hotkey_subscribe(void);

/* Per-console state: created with the console, ended when it goes. */
int hotkey_console_init(struct console *c);
/* The guest is gone: pending requests end (FIRED_NO_ACK), watches go. */
void hotkey_console_gone(struct console *c);
void hotkey_console_free(struct console *c);

/* A new store connection: set the console's watches again (the registry
 * is re-read by its watch's first event). */
void hotkey_store_back(struct console *c);

/* A xenstore watch event (routed by watch.h); true when TOKEN was a
 * hotkey token. */
bool hotkey_watch_event(const char *path, const char *token);

/* The merged table of C into out (HOTKEY_TABLE_MAX rows); returns rows. */
unsigned hotkey_table(struct console *c, struct hotkey_entry *out, unsigned max);

/*
 * Fire KEY on C on behalf of S. Returns 0 when the request is pending
 * (with WAIT, S gets session_trigger_result() later and s->hotkey_wait is
 * set), or the final XP_TR_* code with its text in text[0..textlen).
 */
unsigned hotkey_fire(struct console *c, uint8_t key, struct session *s, bool wait, char *text,
                     size_t textlen);
/* Escape b then KEY: KEY as a SysRq (control/sysrq), as BREAK + key on a
 * serial console; same ACL as hotkeys, its own rate limit. Returns as
 * hotkey_fire without WAIT. */
unsigned hotkey_fire_sysrq(struct console *c, uint8_t sysrq, struct session *s, char *text,
                           size_t textlen);
/* S is going away: drop it as a waiter. */
void hotkey_forget_session(struct session *s);
/* The console wrote atomic sequence ID into the guest's input ring. */
void hotkey_injected(struct console *c, uint32_t id);

#endif
