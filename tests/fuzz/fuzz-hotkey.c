// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-hotkey.c — libFuzzer target for the parsers of what a guest writes
 * under data/xcmux/ (daemon/hotkey-table.c): guest_hotkey_parse() (one
 * registry entry: key, label, delivery, callback), hotkey_parse_ack()
 * (the guest's acknowledgement "<ID> <STATUS>[ <TEXT>]") and
 * hotkey_merge() over the registry the accepted entries make.
 *
 * Input: NUL-separated fields. Field 0 is an ack string; then groups of
 * four (key byte, label, delivery, callback; an empty callback field of
 * exactly "\x01" stands for an absent node). Every field is copied to an
 * exact-size heap block so an overread past its NUL is an ASan report.
 * Oracles: an independent reference for each parser (accept/reject, every
 * output field), and for the merge: row count bounded, keys unique, every
 * string terminated within its array, guest rows carry the accepted
 * entries' keys and labels.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/hotkey.h"
#include "protocol/xcmux-proto.h"
#include "tests/fuzz/fuzz-common.h"

static bool printable_max(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

/* "<ID> <STATUS>[ <TEXT>]": ID 1..UINT32_MAX without leading zero,
 * STATUS ok|unknown|error, TEXT 1..HOTKEY_ACK_TEXT_MAX printable bytes. */
static int ref_ack(const char *s, uint32_t *id, enum ack_status *st, const char **text)
{
    size_t nd = strspn(s, "0123456789");
    if (nd == 0 || nd > 10 || s[0] == '0' || s[nd] != ' ')
        return -1;
    unsigned long long v = strtoull(s, NULL, 10);
    if (v > UINT32_MAX)
        return -1;
    const char *p = s + nd + 1;
    static const struct {
        const char *w;
        enum ack_status st;
    } words[] = {
        {"ok", ACK_OK},
        {"unknown", ACK_UNKNOWN},
        {"error", ACK_ERROR},
    };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        size_t wl = strlen(words[i].w);
        if (strncmp(p, words[i].w, wl) != 0)
            continue;
        const char *t = p + wl;
        if (*t == '\0') {
            *text = t;
        } else if (*t == ' ' && t[1] != '\0' && printable_max(t + 1, HOTKEY_ACK_TEXT_MAX)) {
            *text = t + 1;
        } else {
            return -1;
        }
        *id = (uint32_t)v;
        *st = words[i].st;
        return 0;
    }
    return -1;
}

static bool ref_key_valid(uint8_t k)
{
    bool alnum = (k >= '0' && k <= '9') || (k >= 'a' && k <= 'z') || (k >= 'A' && k <= 'Z');
    return alnum && k != 'b' && k != 'f' && k != 'r' && k != 'w';
}

/* Next NUL-terminated field as its own exact-size heap block. */
static char *next_field(const uint8_t **p, const uint8_t *end)
{
    if (*p > end)
        return NULL;
    const uint8_t *nul = memchr(*p, 0, (size_t)(end - *p));
    size_t n = nul ? (size_t)(nul - *p) : (size_t)(end - *p);
    char *f = malloc(n + 1);
    FUZZ_CHECK(f);
    memcpy(f, *p, n);
    f[n] = '\0';
    *p += n + 1;
    return f;
}

static void check_ack(const char *s)
{
    uint32_t id = 0xdeadbeef, rid = 0;
    enum ack_status st = ACK_ERROR, rst = ACK_OK;
    char text[HOTKEY_ACK_TEXT_MAX + 1];
    memset(text, 'X', sizeof(text));
    const char *rtext = NULL;
    int rc = hotkey_parse_ack(s, &id, &st, text, sizeof(text));
    int rrc = ref_ack(s, &rid, &rst, &rtext);
    FUZZ_CHECK(rc == rrc);
    if (rc == 0) {
        FUZZ_CHECK(id == rid);
        FUZZ_CHECK(st == rst);
        FUZZ_CHECK(strcmp(text, rtext) == 0);
    } else {
        FUZZ_CHECK(id == 0xdeadbeef); /* untouched on failure */
    }
    /* A short text buffer truncates, never overflows. */
    char small[4];
    if (hotkey_parse_ack(s, &id, &st, small, sizeof(small)) == 0)
        FUZZ_CHECK(strlen(small) < sizeof(small));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    char *ack = next_field(&p, end);
    if (!ack)
        return 0;
    check_ack(ack);
    free(ack);

    static struct guest_registry reg;
    static struct hotkey_cfg cfg; /* no config hotkeys, no rules */
    reg.n = 0;
    while (p < end) {
        char *key = next_field(&p, end), *label = next_field(&p, end);
        char *delivery = next_field(&p, end), *callback = next_field(&p, end);
        if (!key || !label || !delivery || !callback) {
            free(key);
            free(label);
            free(delivery);
            free(callback);
            break;
        }
        uint8_t k = (uint8_t)key[0];
        bool cb_absent = strcmp(callback, "\x01") == 0;
        const char *cb = cb_absent ? NULL : callback;
        struct guest_hotkey g;
        memset(&g, 0x5a, sizeof(g));
        int rc = guest_hotkey_parse(k, label, delivery, cb, &g);
        bool want = ref_key_valid(k) && printable_max(label, HOTKEY_GUEST_TEXT_MAX) &&
                    (!cb || printable_max(cb, HOTKEY_GUEST_TEXT_MAX)) &&
                    (strcmp(delivery, "inject") == 0 || strcmp(delivery, "xenstore") == 0);
        FUZZ_CHECK((rc == 0) == want);
        if (rc == 0) {
            FUZZ_CHECK(g.key == k);
            FUZZ_CHECK(g.delivery == (strcmp(delivery, "inject") == 0 ? GUEST_DELIVERY_INJECT
                                                                      : GUEST_DELIVERY_XENSTORE));
            FUZZ_CHECK(strcmp(g.label, label) == 0);
            FUZZ_CHECK(strcmp(g.callback, cb ? cb : "") == 0);
            if (reg.n < HOTKEY_GUEST_MAX)
                reg.hk[reg.n++] = g;
        }
        free(key);
        free(label);
        free(delivery);
        free(callback);
    }

    static struct hotkey_entry out[HOTKEY_TABLE_MAX];
    for (unsigned max = 0; max <= HOTKEY_TABLE_MAX; max += HOTKEY_TABLE_MAX / 2 + 1) {
        unsigned n = hotkey_merge(&cfg, true, &reg, out, max);
        FUZZ_CHECK(n <= max && n <= reg.n);
        for (unsigned i = 0; i < n; i++) {
            FUZZ_CHECK(memchr(out[i].label, 0, sizeof(out[i].label)));
            FUZZ_CHECK(memchr(out[i].action, 0, sizeof(out[i].action)));
            FUZZ_CHECK(out[i].source == XP_HK_SRC_GUEST);
            for (unsigned j = 0; j < i; j++)
                FUZZ_CHECK(out[i].key != out[j].key);
        }
        /* Every distinct guest key is in the table, first registration wins. */
        if (max == HOTKEY_TABLE_MAX) {
            for (unsigned r = 0; r < reg.n; r++) {
                unsigned first = r;
                for (unsigned q = 0; q < r; q++)
                    if (reg.hk[q].key == reg.hk[r].key) {
                        first = q;
                        break;
                    }
                bool found = false;
                for (unsigned i = 0; i < n; i++)
                    if (out[i].key == reg.hk[r].key) {
                        found = strcmp(out[i].label, reg.hk[first].label) == 0 ||
                                strncmp(out[i].label, reg.hk[first].label,
                                        sizeof(out[i].label) - 1) == 0;
                    }
                FUZZ_CHECK(found);
            }
        }
        /* A guest registry off: no rows at all without config hotkeys. */
        FUZZ_CHECK(hotkey_merge(&cfg, false, &reg, out, max) == 0);
    }
    return 0;
}
