// SPDX-License-Identifier: GPL-2.0-or-later
/* Control-socket request codec; see ctlproto.h for the contract. */
#include "sim/guest/ctlproto.h"

#include "common/rules.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool needs_escape(unsigned char ch)
{
    return ch <= 0x20 || ch == 0x7f || ch == '%';
}

int ctl_encode(int argc, char *const *argv, char *line, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t limit = size < CTL_LINE_MAX ? size : CTL_LINE_MAX;
    size_t n = 0;
    for (int i = 0; i < argc; i++) {
        const unsigned char *a = (const unsigned char *)argv[i];
        if (i > 0) {
            if (n + 1 >= limit)
                return -1;
            line[n++] = ' ';
        }
        if (!*a) {
            if (n + 1 >= limit)
                return -1;
            line[n++] = '%';
        }
        for (; *a; a++) {
            if (needs_escape(*a)) {
                if (n + 3 >= limit)
                    return -1;
                line[n++] = '%';
                line[n++] = hex[*a >> 4];
                line[n++] = hex[*a & 15];
            } else {
                if (n + 1 >= limit)
                    return -1;
                line[n++] = (char)*a;
            }
        }
    }
    if (n >= limit)
        return -1;
    line[n] = '\0';
    return (int)n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int ctl_split(char *line, char **argv, unsigned max)
{
    unsigned argc = 0;
    char *p = line;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        if (argc == max)
            return -1;
        char *word = p, *out = p;
        if (p[0] == '%' && (p[1] == ' ' || p[1] == '\0')) {
            p++;
        } else {
            while (*p && *p != ' ') {
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                    return -1;
                if (*p == '%') {
                    int hi = hexval(p[1]);
                    int lo = hi < 0 ? -1 : hexval(p[2]);
                    if (lo < 0 || (hi == 0 && lo == 0))
                        return -1;
                    *out++ = (char)(hi << 4 | lo);
                    p += 3;
                } else {
                    *out++ = *p++;
                }
            }
        }
        bool more = *p == ' ';
        if (more)
            p++;
        *out = '\0';
        argv[argc++] = word;
        if (!more)
            break;
    }
    return (int)argc;
}

bool ctl_valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > GUEST_NAME_MAX)
        return false;
    if (strspn(name, "0123456789") == n)
        return false;
    if (name[0] == '.' || name[0] == '-' || name[0] == '_')
        return false;
    return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789._-") == n;
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v;
    if (xr_parse_u64(s, max, &v) < 0 || v < min)
        return -1;
    *out = v;
    return 0;
}

int ctl_parse_target(const char *s, uint32_t *domid)
{
    uint64_t v;
    if (parse_u64(s, 0, UINT32_MAX, &v) == 0) {
        *domid = (uint32_t)v;
        return 1;
    }
    return ctl_valid_name(s) ? 0 : -1;
}

int ctl_unescape(const char *in, char *out, size_t outsize, size_t *outlen)
{
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        char ch = *p;
        if (ch == '\\') {
            p++;
            switch (*p) {
            case 'n':
                ch = '\n';
                break;
            case 'r':
                ch = '\r';
                break;
            case 't':
                ch = '\t';
                break;
            case 'e':
                ch = 0x1b;
                break;
            case '\\':
                ch = '\\';
                break;
            case 'x': {
                int hi = hexval(p[1]);
                int lo = hi < 0 ? -1 : hexval(p[2]);
                if (lo < 0)
                    return -1;
                ch = (char)(hi << 4 | lo);
                p += 2;
                break;
            }
            default:
                return -1;
            }
        }
        if (n + 1 >= outsize)
            return -1;
        out[n++] = ch;
    }
    out[n] = '\0';
    *outlen = n;
    return 0;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

int ctl_parse_create(int argc, char *const *argv, struct guest_spec *spec, char *err, size_t errlen)
{
    memset(spec, 0, sizeof(*spec));
    if (argc < 1)
        return fail(err, errlen, "create: missing NAME");
    if (!ctl_valid_name(argv[0]))
        return fail(err, errlen,
                    "create: invalid name (1-%u of A-Za-z0-9._-, "
                    "not all digits)",
                    GUEST_NAME_MAX);
    snprintf(spec->name, sizeof(spec->name), "%s", argv[0]);
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t v;
        bool takes_value = !strcmp(opt, "--say") || !strcmp(opt, "--flood") ||
                           !strcmp(opt, "--every") || !strcmp(opt, "--line") ||
                           !strcmp(opt, "--count") || !strcmp(opt, "--secondary") ||
                           !strcmp(opt, "--ioemu") || !strcmp(opt, "--hotkeys-count") ||
                           !strcmp(opt, "--hotkey-label-len") || !strcmp(opt, "--hotkey-junk") ||
                           !strcmp(opt, "--ack-delay");
        if (takes_value && !val)
            return fail(err, errlen, "create: %s needs a value", opt);
        if (!strcmp(opt, "--echo")) {
            spec->echo = true;
        } else if (!strcmp(opt, "--no-boot-text")) {
            spec->no_boot_text = true;
        } else if (!strcmp(opt, "--linux-sysrq")) {
            spec->linux_sysrq = true;
        } else if (!strcmp(opt, "--serial")) {
            spec->serial = true;
        } else if (!strcmp(opt, "--xencons-debug")) {
            spec->xencons_debug = true;
            spec->echo = true;
        } else if (!strcmp(opt, "--no-ack")) {
            spec->no_ack = true;
        } else if (!strcmp(opt, "--hotkeys-count")) {
            if (parse_u64(val, 0, GUEST_MAX_HOTKEYS, &v))
                return fail(err, errlen, "create: --hotkeys-count: N 0-%u", GUEST_MAX_HOTKEYS);
            spec->has_hotkeys_count = true;
            spec->hotkeys_count = (unsigned)v;
            i++;
        } else if (!strcmp(opt, "--hotkey-junk")) {
            if (parse_u64(val, 0, GUEST_MAX_HOTKEY_JUNK, &v))
                return fail(err, errlen, "create: --hotkey-junk: N 0-%u", GUEST_MAX_HOTKEY_JUNK);
            spec->hotkey_junk = (unsigned)v;
            i++;
        } else if (!strcmp(opt, "--hotkey-label-len")) {
            if (parse_u64(val, 1, GUEST_MAX_LABEL_LEN, &v))
                return fail(err, errlen, "create: --hotkey-label-len: N 1-%u", GUEST_MAX_LABEL_LEN);
            spec->hotkey_label_len = (unsigned)v;
            i++;
        } else if (!strcmp(opt, "--ack-delay")) {
            if (parse_u64(val, 0, GUEST_MAX_ACK_DELAY_MS, &v))
                return fail(err, errlen, "create: --ack-delay: MS 0-%u", GUEST_MAX_ACK_DELAY_MS);
            spec->ack_delay_ms = (unsigned)v;
            i++;
        } else if (!strcmp(opt, "--say")) {
            if (ctl_unescape(val, spec->say, sizeof(spec->say), &spec->say_len))
                return fail(err, errlen,
                            "create: --say: bad escape or longer "
                            "than %u bytes",
                            GUEST_TEXT_MAX - 1);
            spec->has_say = true;
            i++;
        } else if (!strcmp(opt, "--line")) {
            if (ctl_unescape(val, spec->line, sizeof(spec->line), &spec->line_len))
                return fail(err, errlen,
                            "create: --line: bad escape or longer "
                            "than %u bytes",
                            GUEST_TEXT_MAX - 1);
            spec->has_line = true;
            i++;
        } else if (!strcmp(opt, "--flood")) {
            spec->flood = true;
            if (!strcmp(val, "max"))
                spec->flood_max = true;
            else if (parse_u64(val, 1, GUEST_MAX_FLOOD_RATE, &spec->flood_rate))
                return fail(err, errlen,
                            "create: --flood: BYTES_PER_S 1-%llu "
                            "or max",
                            (unsigned long long)GUEST_MAX_FLOOD_RATE);
            i++;
        } else if (!strcmp(opt, "--every")) {
            if (parse_u64(val, 1, GUEST_MAX_EVERY_MS, &v))
                return fail(err, errlen, "create: --every: MS 1-%u", GUEST_MAX_EVERY_MS);
            spec->every_ms = (unsigned)v;
            i++;
        } else if (!strcmp(opt, "--count")) {
            if (parse_u64(val, 1, GUEST_MAX_COUNT, &v))
                return fail(err, errlen, "create: --count: N 1-%u", GUEST_MAX_COUNT);
            spec->count = (unsigned)v;
            i++;
        } else if (!strcmp(opt, "--secondary")) {
            if (parse_u64(val, 0, GUEST_MAX_SECONDARY, &v))
                return fail(err, errlen, "create: --secondary: N 0-%u", GUEST_MAX_SECONDARY);
            spec->secondary = (unsigned)v;
            i++;
        } else if (!strcmp(opt, "--ioemu")) {
            if (parse_u64(val, 0, GUEST_MAX_SECONDARY, &v))
                return fail(err, errlen, "create: --ioemu: N 0-%u", GUEST_MAX_SECONDARY);
            spec->ioemu = (unsigned)v;
            i++;
        } else {
            return fail(err, errlen, "create: unknown option '%.64s'", opt);
        }
    }
    if (spec->ioemu > spec->secondary)
        return fail(err, errlen, "create: --ioemu N needs --secondary N or more");
    if (spec->has_line && !spec->every_ms)
        return fail(err, errlen, "create: --line needs --every");
    if (!spec->xencons_debug && (spec->has_hotkeys_count || spec->hotkey_label_len ||
                                 spec->hotkey_junk || spec->no_ack || spec->ack_delay_ms))
        return fail(err, errlen,
                    "create: --hotkeys-count, --hotkey-label-len, --hotkey-junk, "
                    "--no-ack and --ack-delay need --xencons-debug");
    return 0;
}

void ctl_describe(const struct guest_spec *spec, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
#define ADD(...)                                                                                   \
    do {                                                                                           \
        int w_ = snprintf(buf + n, size - n, "%s", n ? "," : "");                                  \
        if (w_ > 0 && (size_t)w_ < size - n)                                                       \
            n += (size_t)w_;                                                                       \
        w_ = snprintf(buf + n, size - n, __VA_ARGS__);                                             \
        if (w_ > 0 && (size_t)w_ < size - n)                                                       \
            n += (size_t)w_;                                                                       \
    } while (0)
    if (spec->echo)
        ADD("echo");
    if (spec->has_say)
        ADD("say");
    if (spec->no_boot_text)
        ADD("no-boot-text");
    if (spec->flood_max)
        ADD("flood=max");
    else if (spec->flood)
        ADD("flood=%llu", (unsigned long long)spec->flood_rate);
    if (spec->every_ms)
        ADD("every=%u", spec->every_ms);
    if (spec->secondary)
        ADD("secondary=%u", spec->secondary);
    if (spec->ioemu)
        ADD("ioemu=%u", spec->ioemu);
    if (spec->linux_sysrq)
        ADD("linux-sysrq");
    if (spec->serial)
        ADD("serial");
    if (spec->xencons_debug)
        ADD("xencons-debug");
    if (spec->has_hotkeys_count)
        ADD("hotkeys=%u", spec->hotkeys_count);
    if (spec->hotkey_label_len)
        ADD("label-len=%u", spec->hotkey_label_len);
    if (spec->hotkey_junk)
        ADD("junk=%u", spec->hotkey_junk);
    if (spec->no_ack)
        ADD("no-ack");
    if (spec->ack_delay_ms)
        ADD("ack-delay=%u", spec->ack_delay_ms);
#undef ADD
    if (!n)
        snprintf(buf, size, "-");
}
