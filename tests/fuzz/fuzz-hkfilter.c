// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-hkfilter.c — libFuzzer target for the hotkey-sequence filter
 * (protocol/hkfilter.c, HOTKEYS.md §3). The daemon runs it over everything
 * users type and the guest over its console input, so both directions of
 * hostile bytes reach it.
 *
 * Input: byte 0 selects the mode and seeds the chunking, the rest is the
 * stream, cut into chunks of 1..40 bytes (exact-size heap copies).
 * Mode 0 (exactness): the pass-through bytes with each reported hotkey's
 *   canonical encoding (hkf_encode) put back where it was reported, plus
 *   the final hkf_flush(), must equal the input byte for byte: nothing is
 *   lost, duplicated, reordered, or reported that was not there.
 * Mode 1 (daemon use): hkf_release() is called between chunks as the idle
 *   timer would; bytes are conserved: out + (sequence bytes not already
 *   released) + held == in, at every step.
 * Always: consumed >= 1 for a non-empty chunk, out within its documented
 * capacity (len + HKF_MAX_SEQ), held <= HKF_MAX_SEQ, keys valid, ids != 0.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/hkfilter.h"
#include "tests/fuzz/fuzz-common.h"

#define MAX_CHUNK 40

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int release_mode = data[0] & 1;
    uint32_t rng = data[0] >> 1;
    const uint8_t *in = data + 1;
    size_t len = size - 1;

    /* Rebuilt stream: every output byte plus re-encoded sequences. */
    uint8_t *rebuilt = malloc(len + HKF_MAX_SEQ + 1);
    FUZZ_CHECK(rebuilt != NULL);
    size_t nrebuilt = 0, total_out = 0, total_seq = 0;

    struct hkf f;
    hkf_init(&f);
    size_t off = 0;
    while (off < len) {
        rng = rng * 1103515245u + 12345u;
        size_t clen = 1 + (rng >> 16) % MAX_CHUNK;
        if (clen > len - off)
            clen = len - off;
        uint8_t *chunk = malloc(clen);
        FUZZ_CHECK(chunk != NULL);
        memcpy(chunk, in + off, clen);
        uint8_t out[MAX_CHUNK + HKF_MAX_SEQ];
        size_t outlen = (size_t)-1;
        struct hkf_hotkey hk;
        int have = -1;
        size_t used = hkf_feed(&f, chunk, clen, out, &outlen, &hk, &have);
        free(chunk);
        FUZZ_CHECK(used >= 1 && used <= clen);
        FUZZ_CHECK(outlen <= clen + HKF_MAX_SEQ);
        FUZZ_CHECK(have == 0 || have == 1);
        FUZZ_CHECK(hkf_held(&f) <= HKF_MAX_SEQ);
        off += used;
        total_out += outlen;
        if (!release_mode) {
            FUZZ_CHECK(nrebuilt + outlen <= len);
            memcpy(rebuilt + nrebuilt, out, outlen);
            nrebuilt += outlen;
        }
        if (have) {
            FUZZ_CHECK(hkf_valid_key(hk.key) && hk.id != 0);
            uint8_t seq[HKF_MAX_SEQ];
            size_t slen = hkf_encode(hk.key, hk.id, seq);
            FUZZ_CHECK(slen > 0 && slen <= HKF_MAX_SEQ);
            FUZZ_CHECK(hk.released_prefix <= slen);
            if (!release_mode) {
                FUZZ_CHECK(hk.released_prefix == 0);
                FUZZ_CHECK(nrebuilt + slen <= len);
                memcpy(rebuilt + nrebuilt, seq, slen);
                nrebuilt += slen;
                /* The sequence really was in the input, right there. */
                FUZZ_CHECK(memcmp(rebuilt, in, nrebuilt) == 0);
            }
            total_seq += slen - hk.released_prefix;
        } else {
            FUZZ_CHECK(used == clen);
        }
        if (release_mode && ((rng >> 8) & 3) == 0) {
            uint8_t rel[HKF_MAX_SEQ];
            size_t n = hkf_release(&f, rel);
            FUZZ_CHECK(n <= HKF_MAX_SEQ);
            total_out += n;
        }
        FUZZ_CHECK(total_out + total_seq + hkf_held(&f) == off);
    }
    uint8_t tail[HKF_MAX_SEQ];
    size_t n = hkf_flush(&f, tail);
    FUZZ_CHECK(n <= HKF_MAX_SEQ && hkf_held(&f) == 0);
    total_out += n;
    FUZZ_CHECK(total_out + total_seq == len);
    if (!release_mode) {
        FUZZ_CHECK(nrebuilt + n == len);
        memcpy(rebuilt + nrebuilt, tail, n);
        FUZZ_CHECK(memcmp(rebuilt, in, len) == 0);
    }
    free(rebuilt);
    return 0;
}
