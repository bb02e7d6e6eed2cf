/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config-lex.c — see config-lex.h: the value lexers of the config file,
 * and the size and escape parsers the command line shares (config.h).
 */
#include "daemon/config-lex.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/rules.h"
#include "daemon/config.h"

int lex_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"on", "yes", "true", "1"};
    static const char *const no[] = {"off", "no", "false", "0"};

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

bool lex_size_syntax(const char *s, bool suffix)
{
    if (!isdigit((unsigned char)*s))
        return false;
    while (isdigit((unsigned char)*s))
        s++;
    if (suffix && *s && strchr("kKmMgG", *s))
        s++;
    return *s == '\0';
}

int config_parse_size(const char *s, uint64_t *out)
{
    uint64_t v, mult = 1;

    if (xr_lex_u64(&s, 10, UINT64_MAX, &v) < 0)
        return -1;
    switch (*s) {
    case '\0':
        break;
    case 'k':
    case 'K':
        mult = 1ull << 10;
        s++;
        break;
    case 'm':
    case 'M':
        mult = 1ull << 20;
        s++;
        break;
    case 'g':
    case 'G':
        mult = 1ull << 30;
        s++;
        break;
    default:
        return -1;
    }
    if (*s != '\0' || (v != 0 && mult > UINT64_MAX / v))
        return -1;
    *out = v * mult;
    return 0;
}

int config_parse_escape(const char *s, int *out)
{
    return xr_parse_escape(s, out);
}

int lex_count(const char *s, uint64_t *out)
{
    uint64_t v;
    if (xr_lex_u64(&s, 10, UINT64_MAX, &v) < 0 || *s != '\0')
        return -1;
    *out = v;
    return 0;
}

int lex_id(const char *s, uint64_t *out)
{
    uint64_t v;
    if (lex_count(s, &v) < 0 || v >= (uint32_t)-1)
        return -1;
    *out = v;
    return 0;
}

int lex_mode(const char *s, uint64_t *out)
{
    uint64_t v;
    if (xr_lex_u64(&s, 8, UINT64_MAX, &v) < 0 || *s != '\0' || v > 0777)
        return -1;
    *out = v;
    return 0;
}

int lex_keyword(const char *s, const struct lex_keyword *words, size_t nwords, int *out)
{
    for (size_t i = 0; i < nwords; i++)
        if (strcasecmp(s, words[i].word) == 0) {
            *out = words[i].value;
            return 0;
        }
    return -1;
}

void lex_keyword_list(const struct lex_keyword *words, size_t nwords, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < nwords; i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
                 i == 0            ? ""
                 : i + 1 == nwords ? " or "
                                   : ", ",
                 words[i].word);
}

int lex_rate(const char *s, unsigned nmax, unsigned smax, unsigned *n, unsigned *sec)
{
    uint64_t a, b;

    if (strcasecmp(s, "off") == 0) {
        *n = 0;
        *sec = 0;
        return 0;
    }
    if (xr_lex_u64(&s, 10, UINT64_MAX, &a) < 0 || *s != '/')
        return -1;
    s++;
    if (xr_lex_u64(&s, 10, UINT64_MAX, &b) < 0 || *s != '\0' || a < 1 || a > nmax || b < 1 ||
        b > smax)
        return -1;
    *n = (unsigned)a;
    *sec = (unsigned)b;
    return 0;
}

int lex_duration_ms(const char *s, unsigned min_ms, unsigned max_ms, unsigned *out)
{
    uint64_t n;
    if (xr_lex_u64(&s, 10, UINT64_MAX, &n) < 0 || n > max_ms)
        return -1;
    uint64_t ms = UINT64_MAX;
    if (*s == '\0' || strcmp(s, "s") == 0)
        ms = n * 1000;
    else if (strcmp(s, "ms") == 0)
        ms = n;
    if (ms < min_ms || ms > max_ms)
        return -1;
    *out = (unsigned)ms;
    return 0;
}
