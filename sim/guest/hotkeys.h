/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hotkeys.h — the pure half of the simulated guest's hotkey agent
 * (protocol/HOTKEYS.md): which hotkeys a guest registers, how a request
 * node is parsed, and the framed XENBUS_DEBUG-style dump text.
 *
 * Contract
 * - No I/O, no allocation, no clock: everything is derived from the guest
 *   specification and the numbers the caller passes.
 * - Registry: a guest created with --xencons-debug registers `d` (all
 *   callbacks, inject), `s` (callback XENBUS|STORE, inject) and `x`
 *   (callback XENVIF, xenstore). With --hotkeys-count N it registers the
 *   first N entries of a fixed order instead: HK_KEY_ORDER (d s x first,
 *   then the other unreserved [0-9A-Za-z], then the reserved b f r w),
 *   and from entry 62 on invalid multi-character names "key<N>" that a
 *   daemon must ignore. --hotkey-label-len L makes every label exactly L
 *   bytes (printable). --hotkey-junk J appends J more entries whose names
 *   are 40 characters ("junk-<N>-xxx..."): invalid, and enough of them
 *   make the registry's directory listing longer than the 4096 bytes
 *   libxenstore takes in one reply (150 do). Lookups of a key are O(1);
 *   nothing is stored.
 * - Request values are "<K> <ID>" exactly (K one byte of [0-9A-Za-z], ID
 *   1..4294967295 without leading zeros); anything else is rejected.
 * - Dumps: one frame per fake callback whose name starts with the prefix
 *   (all when the prefix is empty), each "XEN|DEBUG: ====> NAME\r\n",
 *   body lines "NAME: ...\r\n", "XEN|DEBUG: <====\r\n". At most
 *   HK_DUMP_MAX bytes in all.
 */
#ifndef XENSIM_GUEST_HOTKEYS_H
#define XENSIM_GUEST_HOTKEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/guest/ctlproto.h"

#define HK_KEY_ORDER    "dsx0123456789aceghijklmnopqtuvyzABCDEFGHIJKLMNOPQRSTUVWXYZbfrw"
#define HK_SINGLE_KEYS  62u
#define HK_NAME_MAX     48u   /* "key100000" and junk names (40) fit */
#define HK_LABEL_MAX    4001u /* GUEST_MAX_LABEL_LEN + NUL */
#define HK_CALLBACK_MAX 32u
#define HK_DUMP_MAX     2048u

enum hk_delivery {
    HK_INJECT,
    HK_XENSTORE
};

struct hk_def {
    char name[HK_NAME_MAX]; /* path component under hotkeys/ */
    char label[HK_LABEL_MAX];
    enum hk_delivery delivery;
    char callback[HK_CALLBACK_MAX]; /* "" = all callbacks */
};

/* Number of registry entries the spec asks for (0 when none). */
unsigned hk_registry_size(const struct guest_spec *spec);
/* Entry INDEX (< hk_registry_size) into *DEF. */
void hk_registry_entry(const struct guest_spec *spec, unsigned index, struct hk_def *def);
/* The registered definition of single-character KEY; false if KEY is not
 * registered. */
bool hk_lookup(const struct guest_spec *spec, uint8_t key, struct hk_def *def);

/* Parse a data/xcmux/request value. Returns 0, or -1 when malformed. */
int hk_parse_request(const char *value, uint8_t *key, uint32_t *id);

/* What the fake callbacks report. */
struct hk_dump_info {
    uint32_t domid;
    uint64_t store_requests, store_replies, store_watch_events;
    uint64_t console_in, console_out;
    uint64_t hotkeys_received;
};

/* Write the frames for PREFIX into BUF (HK_DUMP_MAX); returns the length
 * and sets *FRAMES to the number of callbacks dumped. */
size_t hk_dump(const char *prefix, const struct hk_dump_info *info, char *buf, unsigned *frames);

#endif
