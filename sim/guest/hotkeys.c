// SPDX-License-Identifier: GPL-2.0-or-later
/* The pure half of the hotkey agent; see hotkeys.h for the contract. */
#include "sim/guest/hotkeys.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "protocol/hkfilter.h"

static const struct {
    char key;
    const char *label;
    enum hk_delivery delivery;
    const char *callback;
} standard[] = {
    {'d', "Dump all XENBUS_DEBUG callbacks", HK_INJECT, ""},
    {'s', "XENBUS_STORE state", HK_INJECT, "XENBUS|STORE"},
    {'x', "XENVIF state (xenstore delivery)", HK_XENSTORE, "XENVIF"},
};

static unsigned base_size(const struct guest_spec *spec)
{
    if (spec->has_hotkeys_count)
        return spec->hotkeys_count;
    return spec->xencons_debug ? 3u : 0u;
}

unsigned hk_registry_size(const struct guest_spec *spec)
{
    return base_size(spec) + spec->hotkey_junk;
}

static void fit_label(const struct guest_spec *spec, const char *base, char *out)
{
    size_t want = spec->hotkey_label_len ? spec->hotkey_label_len : strlen(base);
    size_t blen = strlen(base);
    if (want >= HK_LABEL_MAX)
        want = HK_LABEL_MAX - 1;
    /* Pad with a visible, position-dependent pattern so truncation shows. */
    for (size_t i = 0; i < want; i++)
        out[i] = i < blen ? base[i] : (char)('a' + (i % 26));
    out[want] = '\0';
}

void hk_registry_entry(const struct guest_spec *spec, unsigned index, struct hk_def *def)
{
    char base[64];
    memset(def, 0, sizeof(*def));
    def->delivery = HK_INJECT;
    if (index >= base_size(spec)) {
        unsigned j = index - base_size(spec);
        int n = snprintf(def->name, sizeof(def->name), "junk-%u-", j);
        for (unsigned i = (unsigned)n; i < GUEST_HOTKEY_JUNK_NAME_LEN; i++)
            def->name[i] = 'x';
        def->name[GUEST_HOTKEY_JUNK_NAME_LEN] = '\0';
        fit_label(spec, "Junk entry with a long name", def->label);
        return;
    }
    if (index >= HK_SINGLE_KEYS) {
        snprintf(def->name, sizeof(def->name), "key%u", index);
        snprintf(base, sizeof(base), "Invalid multi-character key %u", index);
        fit_label(spec, base, def->label);
        return;
    }
    char key = HK_KEY_ORDER[index];
    def->name[0] = key;
    for (size_t i = 0; i < sizeof(standard) / sizeof(standard[0]); i++)
        if (standard[i].key == key) {
            fit_label(spec, standard[i].label, def->label);
            def->delivery = standard[i].delivery;
            snprintf(def->callback, sizeof(def->callback), "%s", standard[i].callback);
            return;
        }
    snprintf(base, sizeof(base), "Test hotkey %c", key);
    fit_label(spec, base, def->label);
}

bool hk_lookup(const struct guest_spec *spec, uint8_t key, struct hk_def *def)
{
    const char *at = key ? strchr(HK_KEY_ORDER, key) : NULL;
    if (!at)
        return false;
    unsigned index = (unsigned)(at - HK_KEY_ORDER);
    if (index >= hk_registry_size(spec))
        return false;
    hk_registry_entry(spec, index, def);
    return true;
}

int hk_parse_request(const char *value, uint8_t *key, uint32_t *id)
{
    if (!hkf_valid_key((uint8_t)value[0]) || value[1] != ' ')
        return -1;
    const char *d = value + 2;
    size_t n = strspn(d, "0123456789");
    if (n == 0 || n > 10 || d[n] != '\0' || d[0] == '0')
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (uint64_t)(d[i] - '0');
    if (v > UINT32_MAX)
        return -1;
    *key = (uint8_t)value[0];
    *id = (uint32_t)v;
    return 0;
}

struct dumpbuf {
    char *buf;
    size_t len;
};

static void put(struct dumpbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct dumpbuf *b, const char *fmt, ...)
{
    if (b->len >= HK_DUMP_MAX - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->buf + b->len, HK_DUMP_MAX - b->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len += (size_t)n < HK_DUMP_MAX - b->len ? (size_t)n : HK_DUMP_MAX - 1 - b->len;
}

static void cb_store(struct dumpbuf *b, const char *name, const struct hk_dump_info *i)
{
    put(b, "%s: Requests: %llu Replies: %llu Watch events: %llu\r\n", name,
        (unsigned long long)i->store_requests, (unsigned long long)i->store_replies,
        (unsigned long long)i->store_watch_events);
    put(b, "%s: Watches: data/xcmux/request\r\n", name);
}

static void cb_evtchn(struct dumpbuf *b, const char *name, const struct hk_dump_info *i)
{
    put(b, "%s: Domain %u: console, store, VIRQ_DEBUG bound\r\n", name, i->domid);
}

static void cb_gnttab(struct dumpbuf *b, const char *name, const struct hk_dump_info *i)
{
    put(b, "%s: Reserved refs: 0 (console) 1 (xenstore)\r\n", name);
}

static void cb_vif(struct dumpbuf *b, const char *name, const struct hk_dump_info *i)
{
    put(b, "%s: device/vif/0: Connected\r\n", name);
    put(b, "%s: Console bytes in: %llu out: %llu hotkeys: %llu\r\n", name,
        (unsigned long long)i->console_in, (unsigned long long)i->console_out,
        (unsigned long long)i->hotkeys_received);
}

static const struct {
    const char *name;
    void (*fn)(struct dumpbuf *, const char *, const struct hk_dump_info *);
} callbacks[] = {
    {"XENBUS|STORE", cb_store},
    {"XENBUS|EVTCHN", cb_evtchn},
    {"XENBUS|GNTTAB", cb_gnttab},
    {"XENVIF|VIF", cb_vif},
};

size_t hk_dump(const char *prefix, const struct hk_dump_info *info, char *buf, unsigned *frames)
{
    struct dumpbuf b = {buf, 0};
    size_t plen = strlen(prefix);
    buf[0] = '\0';
    *frames = 0;
    for (size_t i = 0; i < sizeof(callbacks) / sizeof(callbacks[0]); i++) {
        if (strncmp(callbacks[i].name, prefix, plen) != 0)
            continue;
        put(&b, "XEN|DEBUG: ====> %s\r\n", callbacks[i].name);
        callbacks[i].fn(&b, callbacks[i].name, info);
        put(&b, "XEN|DEBUG: <====\r\n");
        (*frames)++;
    }
    return b.len;
}
