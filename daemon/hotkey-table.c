/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hotkey-table.c — the pure parts of the hotkey bridge (see hotkey.h):
 * guest registry validation, the merged table, ack parsing and the
 * per-hotkey rate limit. No I/O, no globals, so the unit tests and
 * fuzzers drive them directly.
 */
#include <stdio.h>
#include <string.h>

#include "daemon/hotkey.h"
#include "protocol/xcmux-proto.h"

unsigned hotkey_key_index(uint8_t key)
{
    return hotkey_key_bit(key); /* one numbering: hotkey-config.h */
}

static bool printable_bounded(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++) {
        if (n >= max || (unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7e)
            return false;
    }
    return true;
}

int guest_hotkey_parse(uint8_t key, const char *label, const char *delivery, const char *callback,
                       struct guest_hotkey *out)
{
    if (!hotkey_key_valid(key) || !label || !delivery)
        return -1;
    if (!printable_bounded(label, HOTKEY_GUEST_TEXT_MAX))
        return -1;
    if (callback && !printable_bounded(callback, HOTKEY_GUEST_TEXT_MAX))
        return -1;
    memset(out, 0, sizeof(*out));
    if (strcmp(delivery, "inject") == 0)
        out->delivery = GUEST_DELIVERY_INJECT;
    else if (strcmp(delivery, "xenstore") == 0)
        out->delivery = GUEST_DELIVERY_XENSTORE;
    else
        return -1;
    out->key = key;
    snprintf(out->label, sizeof(out->label), "%s", label);
    snprintf(out->callback, sizeof(out->callback), "%s", callback ? callback : "");
    return 0;
}

static bool table_has(const struct hotkey_entry *t, unsigned n, uint8_t key)
{
    for (unsigned i = 0; i < n; i++)
        if (t[i].key == key)
            return true;
    return false;
}

unsigned hotkey_merge(const struct hotkey_cfg *cfg, bool guest_on, const struct guest_registry *reg,
                      struct hotkey_entry *out, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < cfg->n && i < XCMUX_CONFIG_HOTKEYS_MAX && n < max; i++) {
        const struct hotkey_def *d = &cfg->def[i];
        if (d->action == HK_ACT_OFF || table_has(out, n, d->key))
            continue;
        struct hotkey_entry *e = &out[n++];
        memset(e, 0, sizeof(*e));
        e->key = d->key;
        e->source = XP_HK_SRC_CONFIG;
        e->def = d;
        snprintf(e->label, sizeof(e->label), "%s", d->label);
        snprintf(e->action, sizeof(e->action), "%s", d->text);
    }
    if (!guest_on || !reg)
        return n;
    for (unsigned i = 0; i < reg->n && i < HOTKEY_GUEST_MAX && n < max; i++) {
        const struct guest_hotkey *g = &reg->hk[i];
        const struct guest_hotkey_rule *r = hotkey_rule_find(cfg, g->key);
        if (r && r->hide)
            continue;
        uint8_t key = r ? r->new_key : g->key;
        /* Config hotkeys, and earlier guest ones, keep their key. */
        if (table_has(out, n, key))
            continue;
        struct hotkey_entry *e = &out[n++];
        memset(e, 0, sizeof(*e));
        e->key = key;
        e->source = XP_HK_SRC_GUEST;
        e->guest = *g;
        snprintf(e->label, sizeof(e->label), "%s", r && r->label[0] ? r->label : g->label);
        /* "inject callback=<prefix>", cut to the wire's 64 bytes. */
        char action[sizeof(e->action) + sizeof(g->callback) + 32];
        snprintf(action, sizeof(action), "%s%s%s",
                 g->delivery == GUEST_DELIVERY_INJECT ? "inject" : "xenstore",
                 g->callback[0] ? " callback=" : "", g->callback);
        size_t len = strnlen(action, sizeof(e->action) - 1);
        memcpy(e->action, action, len);
        e->action[len] = '\0';
    }
    return n;
}

int hotkey_parse_ack(const char *s, uint32_t *id, enum ack_status *status, char *text,
                     size_t textlen)
{
    /* <ID>: 1..4294967295, 1-10 digits, no leading zero. */
    uint64_t v = 0;
    size_t nd = 0;
    if (s[0] < '1' || s[0] > '9')
        return -1;
    while (s[nd] >= '0' && s[nd] <= '9') {
        if (nd == 10)
            return -1;
        v = v * 10 + (uint64_t)(s[nd] - '0');
        nd++;
    }
    if (v > UINT32_MAX || s[nd] != ' ')
        return -1;
    const char *st = s + nd + 1;
    size_t sl = strcspn(st, " ");
    if (sl == 2 && strncmp(st, "ok", 2) == 0)
        *status = ACK_OK;
    else if (sl == 7 && strncmp(st, "unknown", 7) == 0)
        *status = ACK_UNKNOWN;
    else if (sl == 5 && strncmp(st, "error", 5) == 0)
        *status = ACK_ERROR;
    else
        return -1;
    const char *t = st + sl;
    if (*t == ' ') {
        t++;
        if (*t == '\0' || !printable_bounded(t, HOTKEY_ACK_TEXT_MAX))
            return -1;
    } else if (*t != '\0') {
        return -1;
    }
    if (text && textlen)
        snprintf(text, textlen, "%s", t);
    *id = (uint32_t)v;
    return 0;
}

bool hotkey_bucket_take(struct hotkey_bucket *b, unsigned n, unsigned s, uint64_t now_ms,
                        uint64_t *retry_ms)
{
    if (n == 0 || s == 0)
        return true;
    /* Credit is time: the bucket holds s seconds, a fire costs s/n. */
    uint64_t cap = (uint64_t)s * 1000u;
    uint64_t cost = cap / n ? cap / n : 1;
    if (!b->started) {
        b->started = true;
        b->credit_ms = cap;
        b->last_ms = now_ms;
    }
    if (now_ms > b->last_ms) {
        uint64_t add = now_ms - b->last_ms;
        b->credit_ms = add >= cap - b->credit_ms ? cap : b->credit_ms + add;
    }
    b->last_ms = now_ms;
    if (b->credit_ms >= cost) {
        b->credit_ms -= cost;
        return true;
    }
    if (retry_ms)
        *retry_ms = cost - b->credit_ms;
    return false;
}
