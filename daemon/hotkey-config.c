/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hotkey-config.c — see hotkey-config.h: the hotkey language of the
 * config file and the merging of per-section hotkey tables.
 */
#include "daemon/hotkey-config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "daemon/limits.h"

/* Keys with a per-hotkey suffix: "hotkey.<K>" and "guest_hotkey.<K>". */
#define HOTKEY_PREFIX       "hotkey."
#define GUEST_HOTKEY_PREFIX "guest_hotkey."

bool hotkey_key_valid(int key)
{
    /* b f r w are escape commands (HOTKEYS.md §2); . and ? are not
     * alphanumeric anyway. */
    if (!((key >= '0' && key <= '9') || (key >= 'a' && key <= 'z') || (key >= 'A' && key <= 'Z')))
        return false;
    return key != 'b' && key != 'f' && key != 'r' && key != 'w';
}

unsigned hotkey_key_bit(uint8_t key)
{
    if (key >= '0' && key <= '9')
        return (unsigned)(key - '0');
    if (key >= 'A' && key <= 'Z')
        return 10u + (unsigned)(key - 'A');
    if (key >= 'a' && key <= 'z')
        return 36u + (unsigned)(key - 'a');
    return 0;
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* C-style escapes of inject:<bytes>. Returns the length, or -1. */
static int decode_inject(const char *key, const char *in, char *out, size_t cap, char *why,
                         size_t whylen)
{
    size_t n = 0;
    for (const char *c = in; *c; c++) {
        int b = (unsigned char)*c;
        if (*c == '\\') {
            c++;
            switch (*c) {
            case 'x': {
                int hi = hexval(c[1]), lo = hi < 0 ? -1 : hexval(c[2]);
                if (hi < 0 || lo < 0) {
                    snprintf(why, whylen, "%s: bad \\x escape (expected \\xHH)", key);
                    return -1;
                }
                b = hi * 16 + lo;
                c += 2;
                break;
            }
            case 'e':
                b = 0x1b;
                break;
            case 'r':
                b = '\r';
                break;
            case 'n':
                b = '\n';
                break;
            case 't':
                b = '\t';
                break;
            case '\\':
                b = '\\';
                break;
            default:
                snprintf(why, whylen, "%s: bad escape '\\%c' (expected \\xHH \\e \\r \\n \\t \\\\)",
                         key, *c ? *c : ' ');
                return -1;
            }
        }
        if (n >= cap) {
            snprintf(why, whylen, "%s: inject sequence longer than %zu bytes", key, cap);
            return -1;
        }
        out[n++] = (char)b;
    }
    if (n == 0) {
        snprintf(why, whylen, "%s: empty inject sequence", key);
        return -1;
    }
    return (int)n;
}

/* A path relative to the guest's home that cannot leave it: no leading
 * '/', no empty or ".." component, only [A-Za-z0-9_/-]. */
static bool relative_path_valid(const char *path, size_t len)
{
    if (len == 0 || path[0] == '/' || path[len - 1] == '/')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = path[i];
        if (!(isalnum((unsigned char)c) || c == '_' || c == '-' || c == '/'))
            return false;
        if (c == '/' && path[i + 1] == '/')
            return false;
    }
    return true; /* '.' is not in the set, so ".." cannot occur */
}

/* "<head> [| <label>]": copies VALUE into BUF and returns the trimmed
 * head; *label is the trimmed label, or NULL without a '|'. */
static char *split_label(const char *value, char *buf, size_t len, char **label)
{
    snprintf(buf, len, "%s", value);
    char *bar = strchr(buf, '|');
    *label = NULL;
    if (bar) {
        *bar = '\0';
        *label = trim(bar + 1);
    }
    return trim(buf);
}

int hotkey_parse_def(const char *key, const char *value, struct hotkey_def *d, char *why,
                     size_t whylen)
{
    char buf[XCMUX_CONFIG_LINE_MAX + 1];
    char *label;
    char *action = split_label(value, buf, sizeof(buf), &label);
    if (strcasecmp(action, "off") == 0) {
        if (label) {
            snprintf(why, whylen, "%s: 'off' takes no label", key);
            return -1;
        }
        d->action = HK_ACT_OFF;
        return 0;
    }
    if (label) {
        if (!*label || strlen(label) > XCMUX_HOTKEY_LABEL_MAX || !printable(label)) {
            snprintf(why, whylen, "%s: label must be 1..%d printable characters", key,
                     XCMUX_HOTKEY_LABEL_MAX);
            return -1;
        }
    }
    if (strncmp(action, "inject:", 7) == 0) {
        int n = decode_inject(key, action + 7, d->arg, XCMUX_HOTKEY_ARG_MAX, why, whylen);
        if (n < 0)
            return -1;
        d->action = HK_ACT_INJECT;
        d->arg_len = (uint8_t)n;
    } else if (strncmp(action, "sysrq:", 6) == 0) {
        const char *c = action + 6;
        if (c[0] == '\0' || c[1] != '\0' || !isgraph((unsigned char)c[0])) {
            snprintf(why, whylen, "%s: sysrq takes one printable character (sysrq:t)", key);
            return -1;
        }
        d->action = HK_ACT_SYSRQ;
        d->arg[0] = c[0];
        d->arg_len = 1;
    } else if (strcmp(action, "nmi") == 0) {
        d->action = HK_ACT_NMI;
    } else if (strncmp(action, "debug-keys:", 11) == 0) {
        const char *k = action + 11;
        size_t n = strlen(k);
        if (n == 0 || n > 32) {
            snprintf(why, whylen, "%s: debug-keys takes 1..32 keys", key);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            if (!isgraph((unsigned char)k[i])) {
                snprintf(why, whylen, "%s: debug-keys: keys must be printable, no spaces", key);
                return -1;
            }
        }
        d->action = HK_ACT_DEBUG_KEYS;
        memcpy(d->arg, k, n + 1);
        d->arg_len = (uint8_t)n;
    } else if (strncmp(action, "xenstore:", 9) == 0) {
        const char *pv = action + 9;
        const char *eq = strchr(pv, '=');
        size_t plen = eq ? (size_t)(eq - pv) : 0;
        if (!eq || !relative_path_valid(pv, plen)) {
            snprintf(why, whylen,
                     "%s: xenstore takes <relative-path>=<value>, the path made of "
                     "[A-Za-z0-9_/-] with no leading '/'",
                     key);
            return -1;
        }
        size_t vlen = strlen(eq + 1);
        if (plen + 1 + vlen > XCMUX_HOTKEY_ARG_MAX || !printable(eq + 1)) {
            snprintf(why, whylen, "%s: xenstore path=value must be printable and at most %d bytes",
                     key, XCMUX_HOTKEY_ARG_MAX);
            return -1;
        }
        d->action = HK_ACT_XENSTORE;
        memcpy(d->arg, pv, plen);
        d->arg[plen] = '\0';
        memcpy(d->arg + plen + 1, eq + 1, vlen + 1);
        d->value_off = (uint8_t)(plen + 1);
        d->arg_len = (uint8_t)(plen + 1 + vlen);
    } else {
        snprintf(why, whylen,
                 "%s: unknown action '%.40s' (expected inject:, sysrq:, nmi, "
                 "debug-keys:, xenstore: or off)",
                 key, action);
        return -1;
    }
    /* Shown by `xcmux hotkeys`: the action as written, cut to fit. */
    snprintf(d->text, sizeof(d->text), "%.*s", XCMUX_HOTKEY_TEXT_MAX, action);
    snprintf(d->label, sizeof(d->label), "%s", label ? label : d->text);
    return 0;
}

int hotkey_parse_rule(const char *key, const char *value, struct guest_hotkey_rule *r, char *why,
                      size_t whylen)
{
    char buf[XCMUX_CONFIG_LINE_MAX + 1];
    char *label;
    char *nk = split_label(value, buf, sizeof(buf), &label);
    if (strcasecmp(nk, "off") == 0 && !label) {
        r->hide = true;
        return 0;
    }
    if (nk[0] == '\0' || nk[1] != '\0' || !hotkey_key_valid((unsigned char)nk[0])) {
        snprintf(why, whylen,
                 "%s: expected off, or a key [0-9A-Za-z] (not b f r w) with an "
                 "optional | label",
                 key);
        return -1;
    }
    if (label && (!*label || strlen(label) > XCMUX_HOTKEY_LABEL_MAX || !printable(label))) {
        snprintf(why, whylen, "%s: label must be 1..%d printable characters", key,
                 XCMUX_HOTKEY_LABEL_MAX);
        return -1;
    }
    r->new_key = (uint8_t)nk[0];
    snprintf(r->label, sizeof(r->label), "%s", label ? label : "");
    return 0;
}

int hotkey_parse_name(const char *name, bool *rule, uint8_t *key, char *why, size_t whylen)
{
    const char *k;
    if (strncmp(name, HOTKEY_PREFIX, strlen(HOTKEY_PREFIX)) == 0) {
        *rule = false;
        k = name + strlen(HOTKEY_PREFIX);
    } else if (strncmp(name, GUEST_HOTKEY_PREFIX, strlen(GUEST_HOTKEY_PREFIX)) == 0) {
        *rule = true;
        k = name + strlen(GUEST_HOTKEY_PREFIX);
    } else {
        return 0;
    }
    if (k[0] == '\0' || k[1] != '\0' || !hotkey_key_valid((unsigned char)k[0])) {
        snprintf(why, whylen,
                 "bad hotkey key in '%s': one of [0-9A-Za-z] except b f r w "
                 "(escape commands)",
                 name);
        return -1;
    }
    *key = (uint8_t)k[0];
    return 1;
}

const struct hotkey_def *hotkey_cfg_find(const struct hotkey_cfg *h, uint8_t key)
{
    for (unsigned i = 0; i < h->n && i < XCMUX_CONFIG_HOTKEYS_MAX; i++)
        if (h->def[i].key == key)
            return &h->def[i];
    return NULL;
}

const struct guest_hotkey_rule *hotkey_rule_find(const struct hotkey_cfg *h, uint8_t key)
{
    for (unsigned i = 0; i < h->nrules && i < XCMUX_CONFIG_HOTKEYS_MAX; i++)
        if (h->rule[i].key == key)
            return &h->rule[i];
    return NULL;
}

/* Section hotkeys override the resolved ones key by key; "off" removes.
 * Beyond XCMUX_CONFIG_HOTKEYS_MAX per console, additions are ignored. */
void hotkey_cfg_merge(struct hotkey_cfg *into, const struct hotkey_cfg *from)
{
    for (unsigned i = 0; i < from->n; i++) {
        const struct hotkey_def *d = &from->def[i];
        unsigned j;
        for (j = 0; j < into->n; j++)
            if (into->def[j].key == d->key)
                break;
        if (d->action == HK_ACT_OFF) {
            if (j < into->n) {
                memmove(&into->def[j], &into->def[j + 1], (into->n - j - 1) * sizeof(into->def[0]));
                into->n--;
            }
        } else if (j < into->n) {
            into->def[j] = *d;
        } else if (into->n < XCMUX_CONFIG_HOTKEYS_MAX) {
            into->def[into->n++] = *d;
        }
    }
    for (unsigned i = 0; i < from->nrules; i++) {
        const struct guest_hotkey_rule *r = &from->rule[i];
        unsigned j;
        for (j = 0; j < into->nrules; j++)
            if (into->rule[j].key == r->key)
                break;
        if (j < into->nrules)
            into->rule[j] = *r;
        else if (into->nrules < XCMUX_CONFIG_HOTKEYS_MAX)
            into->rule[into->nrules++] = *r;
    }
}
