/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * parse.c — see parse.h. Lives apart from domain.c so the fuzzer and unit
 * tests can link it without the whole daemon.
 */
#include "daemon/parse.h"

int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || p - s >= 20)
            return -1;
        uint64_t d = (uint64_t)(*p - '0');
        /* d > max first: max - d would wrap and accept anything. */
        if (d > max || v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}
