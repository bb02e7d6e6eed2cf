/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * parse.c — see parse.h. Lives apart from domain.c so the fuzzer and unit
 * tests can link it without the whole daemon. The rule itself is the one
 * users see everywhere (common/rules.h).
 */
#include "daemon/parse.h"

#include "common/rules.h"

int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    return xr_parse_u64(s, max, out);
}
