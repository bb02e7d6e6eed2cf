/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rules.c — see rules.h: the user-visible rules shared by xcmuxd, xcmux
 * and xensim.
 */
#include "common/rules.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int xr_parse_escape(const char *s, int *out)
{
    if (!s)
        return -1;
    if (strcasecmp(s, "none") == 0) {
        *out = XR_ESCAPE_NONE;
        return 0;
    }
    if (s[0] == '^' && s[1] != '\0' && s[2] == '\0') {
        int c = toupper((unsigned char)s[1]);
        if (c == '?') {
            *out = 0x7f;
            return 0;
        }
        /* ^@ (NUL) is excluded: too easy to send by accident. */
        if (c > '@' && c <= '_') {
            *out = c - '@';
            return 0;
        }
        return -1;
    }
    if (s[0] != '\0' && s[1] == '\0' && isgraph((unsigned char)s[0])) {
        *out = (unsigned char)s[0];
        return 0;
    }
    return -1;
}

int xr_lex_u64(const char **s, unsigned base, uint64_t max, uint64_t *out)
{
    const char *c = *s;
    uint64_t v = 0;

    if (base < 2 || base > 10 || *c < '0' || *c > '9')
        return -1;
    for (; *c >= '0' && *c <= '9'; c++) {
        uint64_t d = (uint64_t)(*c - '0');
        if (d >= base)
            return -1;
        /* d > max first: max - d would wrap and accept anything. */
        if (d > max || v > (max - d) / base)
            return -1;
        v = v * base + d;
    }
    *s = c;
    *out = v;
    return 0;
}

int xr_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    const char *end = s;
    uint64_t v;

    if (!s || strnlen(s, 21) > 20 || xr_lex_u64(&end, 10, max, &v) < 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

const char *xr_key_name(int ch, char out[XR_KEY_NAME_MAX])
{
    if (ch < 0)
        snprintf(out, XR_KEY_NAME_MAX, "none");
    else if (ch < 0x20 || ch == 0x7f)
        snprintf(out, XR_KEY_NAME_MAX, "^%c", (char)(ch ^ 0x40));
    else if (ch < 0x7f)
        snprintf(out, XR_KEY_NAME_MAX, "%c", ch);
    else
        snprintf(out, XR_KEY_NAME_MAX, "0x%02x", (unsigned)ch & 0xffu);
    return out;
}
