// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-parse-u64.c — libFuzzer target for parse_u64() (daemon/parse.c),
 * the parser of every number a guest writes into xenstore (ring-ref, port,
 * secondary console indices, watch tokens).
 *
 * Input: byte 0 picks the bound (a table of the bounds the daemon really
 * uses plus edge cases, or bytes 1..8 as a raw u64); the rest, up to the
 * first NUL, is the string. The result is checked against an independent
 * reference computed in 128-bit arithmetic, so both wrong accepts and
 * wrong rejects are found, not just crashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/parse.h"
#include "tests/fuzz/fuzz-common.h"

static const uint64_t bounds[] = {
    0,
    1,
    2,
    8,
    9,
    10,
    11,
    99,
    100,
    32767,            /* XD_MAX_DOMID - 1 */
    65535,            /* HYP_MAX_PORTS - 1 */
    UINT64_MAX >> 12, /* ring-ref (a frame number) */
    UINT64_MAX / 10,
    UINT64_MAX / 10 + 1,
    UINT64_MAX - 1,
    UINT64_MAX,
};
#define NBOUNDS (sizeof(bounds) / sizeof(bounds[0]))

static int reference(const char *s, uint64_t max, uint64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 20)
        return -1;
    unsigned __int128 v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint64_t max;
    size_t skip = 1;
    if (data[0] < NBOUNDS) {
        max = bounds[data[0]];
    } else {
        if (size < 9)
            return 0;
        memcpy(&max, data + 1, sizeof(max));
        skip = 9;
    }
    /* Exact-size heap copy: an overread past the NUL is an ASan report. */
    size_t n = size - skip;
    char *s = malloc(n + 1);
    FUZZ_CHECK(s != NULL);
    memcpy(s, data + skip, n);
    s[n] = '\0';

    uint64_t got = 0xdeadbeef, want = 0xdeadbeef;
    int rc = parse_u64(s, max, &got);
    int ref = reference(s, max, &want);
    FUZZ_CHECK(rc == ref);
    if (rc == 0)
        FUZZ_CHECK(got == want && got <= max);
    else
        FUZZ_CHECK(got == 0xdeadbeef); /* *out untouched on failure */
    free(s);
    return 0;
}
