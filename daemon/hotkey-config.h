/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hotkey-config.h — the hotkey language of xcmuxd.conf(5): the values of
 * "hotkey.<K>" and "guest_hotkey.<K>" keys (protocol/HOTKEYS.md), and the
 * per-console tables they build.
 *
 * Contract
 * - Pure: no I/O, no globals; every parser is bounded by its input and
 *   the fixed sizes below, and reports a bad value as -1 with the reason
 *   in WHY ("<key>: what", as config_load prints it after "FILE:LINE: ").
 * - A hotkey key is one of [0-9A-Za-z] except b f r w (escape commands,
 *   HOTKEYS.md §2); hotkey_key_bit() numbers them 0..61.
 * - A value is "<action> [| <label>]" with action inject:<bytes> (C-style
 *   escapes \xHH \e \r \n \t \\), sysrq:<c>, nmi, debug-keys:<keys>,
 *   xenstore:<relative path>=<value>, or off ([domain:] removal); a guest
 *   rule is "off" or "<NEWKEY> [| <label>]". Labels are 1..64 printable
 *   ASCII characters.
 * - hotkey_cfg_merge() applies a section's table over a resolved one key by
 *   key ("off" removes); past XCMUX_CONFIG_HOTKEYS_MAX, additions are
 *   dropped.
 */
#ifndef XCMUX_DAEMON_HOTKEY_CONFIG_H
#define XCMUX_DAEMON_HOTKEY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- hotkey definitions ------------------------------------------------ */

/* Hotkeys and guest-hotkey rules one section (and so one console) may
 * define; they bound the size of a hotkey table (about 10 KiB, shared by
 * consoles, see the contract). 32 is also the guest registry limit. */
#define XCMUX_CONFIG_HOTKEYS_MAX 32
#define XCMUX_HOTKEY_LABEL_MAX   64 /* = XP_MAX_HOTKEY_LABEL */
#define XCMUX_HOTKEY_TEXT_MAX    64 /* action as shown; = XP_MAX_HOTKEY_ACTION */
/* Decoded argument: inject bytes (atomic, so far below the 1024-byte input
 * ring), debug keys, or "path=value" of a xenstore action. */
#define XCMUX_HOTKEY_ARG_MAX 128
/* hotkey_rate bounds: N per SECONDS. */
#define XCMUX_HOTKEY_RATE_N_MAX 1000
#define XCMUX_HOTKEY_RATE_S_MAX 3600
/* ack_timeout bounds, milliseconds. */
#define XCMUX_ACK_TIMEOUT_MIN_MS 100
#define XCMUX_ACK_TIMEOUT_MAX_MS 600000

enum hotkey_action {
    HK_ACT_OFF,        /* [domain:] "off": removes the hotkey of that key */
    HK_ACT_INJECT,     /* raw bytes into the input ring, atomically */
    HK_ACT_SYSRQ,      /* write control/sysrq, ack = node emptied */
    HK_ACT_NMI,        /* xc_domain_send_trigger(NMI) */
    HK_ACT_DEBUG_KEYS, /* xc_send_debug_keys: host-wide, admin only */
    HK_ACT_XENSTORE,   /* write <domain path>/<rel path> = value */
};

struct hotkey_def {
    uint8_t key;       /* [0-9A-Za-z] minus the reserved b f r w */
    uint8_t action;    /* enum hotkey_action */
    uint8_t arg_len;   /* bytes of arg (inject may hold NUL) */
    uint8_t value_off; /* HK_ACT_XENSTORE: value starts at arg + this */
    char label[XCMUX_HOTKEY_LABEL_MAX + 1];
    char text[XCMUX_HOTKEY_TEXT_MAX + 1]; /* the action as written */
    char arg[XCMUX_HOTKEY_ARG_MAX + 1];
};

/* guest_hotkey.<K> = off | <NEWKEY> [| <label>] */
struct guest_hotkey_rule {
    uint8_t key; /* the guest's key */
    bool hide;
    uint8_t new_key;                        /* shown (and typed) as this key */
    char label[XCMUX_HOTKEY_LABEL_MAX + 1]; /* "" = keep the guest's */
};

struct hotkey_cfg {
    unsigned n;
    struct hotkey_def def[XCMUX_CONFIG_HOTKEYS_MAX];
    unsigned nrules;
    struct guest_hotkey_rule rule[XCMUX_CONFIG_HOTKEYS_MAX];
};

/* A key usable for a hotkey: [0-9A-Za-z] except the escape commands. */
bool hotkey_key_valid(int key);
/* The hotkey of KEY in a resolved console config, or NULL. */
const struct hotkey_def *hotkey_cfg_find(const struct hotkey_cfg *h, uint8_t key);
/* The guest-hotkey rule of the guest's KEY, or NULL. */
const struct guest_hotkey_rule *hotkey_rule_find(const struct hotkey_cfg *h, uint8_t key);

/* 0..61 for a key in [0-9A-Za-z] (a bit in a per-section "seen" mask, an
 * index in per-key arrays), 0 for any other byte. */
unsigned hotkey_key_bit(uint8_t key);

/* Is NAME a hotkey key? 0: no (some other key); 1: yes, *rule tells
 * guest_hotkey.<K> from hotkey.<K> and *key is K; -1: it has a hotkey
 * prefix but a bad K (reason in WHY). */
int hotkey_parse_name(const char *name, bool *rule, uint8_t *key, char *why, size_t whylen);

/* "<action> [| <label>]" into *d (d->key already set). 0, or -1. */
int hotkey_parse_def(const char *key, const char *value, struct hotkey_def *d, char *why,
                     size_t whylen);

/* "off" or "<NEWKEY> [| <label>]" into *r (r->key already set). 0, or -1. */
int hotkey_parse_rule(const char *key, const char *value, struct guest_hotkey_rule *r, char *why,
                      size_t whylen);

/* Section hotkeys FROM over the resolved INTO, key by key. */
void hotkey_cfg_merge(struct hotkey_cfg *into, const struct hotkey_cfg *from);

#endif /* XCMUX_DAEMON_HOTKEY_CONFIG_H */
