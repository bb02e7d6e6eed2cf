// SPDX-License-Identifier: GPL-2.0-or-later
/* text.c - argument parsing and safe printing of daemon text (text.h). */
#include "client/text.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/rules.h"
#include "protocol/xcmux-proto.h"

bool xc_parse_escape(const char *arg, uint16_t *escape)
{
    int ch;
    if (xr_parse_escape(arg, &ch) < 0)
        return false;
    *escape = ch == XR_ESCAPE_NONE ? XP_ESCAPE_NONE : (uint16_t)ch;
    return true;
}

bool xc_parse_uint(const char *arg, uint64_t max, uint64_t *out)
{
    return xr_parse_u64(arg, max, out) == 0;
}

bool xc_parse_serial(const char *arg, uint32_t *console)
{
    uint64_t n = 0;
    if (arg && !xc_parse_uint(arg, XP_CONSOLE_SERIAL_MAX - 1, &n))
        return false;
    *console = XP_CONSOLE_SERIAL_BASE + (uint32_t)n;
    return true;
}

void xc_console_name(uint32_t console, char *buf, size_t len)
{
    if (console >= XP_CONSOLE_SERIAL_BASE &&
        console - XP_CONSOLE_SERIAL_BASE < XP_CONSOLE_SERIAL_MAX)
        snprintf(buf, len, "serial%" PRIu32, console - XP_CONSOLE_SERIAL_BASE);
    else
        snprintf(buf, len, "%" PRIu32, console);
}

size_t xc_utf8_len(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n > avail)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and > U+10FFFF are not valid UTF-8. */
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) ||
        cp > 0x10ffff)
        return 0;
    return n;
}

void xc_sanitize(char *dst, size_t dstsz, const char *src, const char *newline)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t len = strlen(src), o = 0;

    if (!dstsz)
        return;
    for (size_t i = 0; i < len;) {
        const char *piece;
        size_t plen;
        char q = '?';
        size_t n = xc_utf8_len(s + i, len - i);

        if (s[i] == '\n' && newline) {
            piece = newline;
            plen = strlen(newline);
            n = 1;
        } else if (n == 0 || (n == 1 && xr_is_control(s[i]))) {
            piece = &q;
            plen = 1;
            n = 1;
        } else {
            piece = (const char *)s + i;
            plen = n;
        }
        if (plen >= dstsz - o)
            break;
        memcpy(dst + o, piece, plen);
        o += plen;
        i += n;
    }
    dst[o] = '\0';
}

void xc_json_string(FILE *out, const char *src)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t len = strlen(src);

    fputc('"', out);
    for (size_t i = 0; i < len;) {
        size_t n = xc_utf8_len(s + i, len - i);
        if (n == 0) {
            fputs("\\ufffd", out);
            i++;
            continue;
        }
        if (n > 1) {
            fwrite(s + i, 1, n, out);
            i += n;
            continue;
        }
        unsigned char c = s[i++];
        switch (c) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (xr_is_control(c))
                fprintf(out, "\\u%04x", c);
            else
                fputc(c, out);
        }
    }
    fputc('"', out);
}
