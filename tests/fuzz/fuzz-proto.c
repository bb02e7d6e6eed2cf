// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-proto.c — libFuzzer target for the client protocol decoder
 * (protocol/proto.c): the first code that touches bytes from a local,
 * possibly hostile, socket peer (and, in the client, from the daemon).
 *
 * Input: byte 0 seeds the chunking; the rest is a byte stream.
 * 1. Walk the stream with xp_frame_peek(); every whole frame's payload is
 *    an exact-size heap copy handed to xp_decode(). A frame that decodes
 *    must re-encode (xp_encode) to exactly the same bytes: the codec is
 *    canonical, so a difference means decoder and encoder disagree about
 *    the spec. A frame that fails gives a negative status with a name.
 *    Every shorter prefix of a good frame must peek as NEED_MORE.
 * 2. Feed the same stream to struct xp_stream in pseudo-random chunks
 *    (1..4096 bytes, or up to the whole frame limit): it must yield the
 *    same frames, then the same sticky error, as step 1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/xcmux-proto.h"
#include "tests/fuzz/fuzz-common.h"

#define MAX_FRAMES 4096

struct walk {
    size_t nframes;
    size_t off[MAX_FRAMES];
    size_t size[MAX_FRAMES];
    int final; /* NEED_MORE or the error that ended the walk */
};

static struct walk walk;
static struct xp_msg msg;
static uint8_t reenc[XP_FRAME_MAX];
static struct xp_stream stream;

static void check_frame(const struct xp_frame_hdr *h, const uint8_t *frame)
{
    FUZZ_CHECK(h->len <= XCMUX_MAX_PAYLOAD);
    FUZZ_CHECK(xp_type_known(h->type));
    FUZZ_CHECK(h->flags == 0);
    uint8_t *payload = malloc(h->len ? h->len : 1);
    FUZZ_CHECK(payload != NULL);
    memcpy(payload, frame + XP_HDR_SIZE, h->len);

    memset(&msg, 0xa5, sizeof(msg));
    int rc = xp_decode(h, payload, &msg);
    FUZZ_CHECK(rc == XP_OK || rc < 0);
    FUZZ_CHECK(xp_strerror(rc) != NULL);
    if (rc == XP_OK) {
        FUZZ_CHECK(msg.type == h->type);
        if (msg.type == XP_T_DATA || msg.type == XP_T_INPUT)
            FUZZ_CHECK(msg.u.bytes.len == h->len && (h->len == 0 || msg.u.bytes.bytes == payload));
        ssize_t n = xp_encode(reenc, sizeof(reenc), &msg);
        FUZZ_CHECK(n == (ssize_t)xp_frame_size(h));
        FUZZ_CHECK(memcmp(reenc, frame, (size_t)n) == 0);
    } else {
        FUZZ_CHECK(xp_status_to_error_code(rc) != 0);
    }
    free(payload);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint32_t rng = data[0];
    data++;
    size--;

    /* 1. One-shot walk. */
    walk.nframes = 0;
    walk.final = XP_NEED_MORE;
    size_t off = 0;
    while (walk.nframes < MAX_FRAMES) {
        struct xp_frame_hdr h;
        int rc = xp_frame_peek(data + off, size - off, &h);
        if (rc != XP_OK) {
            FUZZ_CHECK(rc == XP_NEED_MORE || rc < 0);
            walk.final = rc;
            break;
        }
        size_t fsize = xp_frame_size(&h);
        FUZZ_CHECK(fsize <= size - off);
        for (size_t k = 0; k < fsize; k += 1 + k / 4) {
            struct xp_frame_hdr ph;
            FUZZ_CHECK(xp_frame_peek(data + off, k, &ph) == XP_NEED_MORE);
            if (k >= XP_HDR_SIZE)
                FUZZ_CHECK(ph.type == h.type && ph.len == h.len);
        }
        check_frame(&h, data + off);
        walk.off[walk.nframes] = off;
        walk.size[walk.nframes] = fsize;
        walk.nframes++;
        off += fsize;
    }
    if (walk.nframes == MAX_FRAMES)
        return 0;

    /* 2. The same bytes through the reassembler, in chunks. */
    xp_stream_init(&stream);
    size_t fed = 0, got = 0;
    int final = XP_NEED_MORE;
    for (;;) {
        struct xp_frame_hdr h;
        const uint8_t *payload;
        int rc = xp_stream_next(&stream, &h, &payload);
        if (rc == XP_OK) {
            FUZZ_CHECK(got < walk.nframes);
            FUZZ_CHECK(xp_frame_size(&h) == walk.size[got]);
            FUZZ_CHECK(memcmp(payload, data + walk.off[got] + XP_HDR_SIZE, h.len) == 0);
            got++;
            continue;
        }
        if (rc < 0) {
            final = rc;
            /* Poisoned: it keeps saying so. */
            FUZZ_CHECK(xp_stream_next(&stream, &h, &payload) == rc);
            break;
        }
        FUZZ_CHECK(rc == XP_NEED_MORE);
        if (fed == size)
            break;
        rng = rng * 1103515245u + 12345u;
        size_t clen = (rng >> 16) & 1 ? 1 + (rng >> 17) % 4096 : 1 + (rng >> 17) % XP_FRAME_MAX;
        if (clen > size - fed)
            clen = size - fed;
        size_t took = xp_stream_feed(&stream, data + fed, clen);
        /* After next() said NEED_MORE there is always room. */
        FUZZ_CHECK(took >= 1 && took <= clen);
        fed += took;
    }
    FUZZ_CHECK(got == walk.nframes);
    FUZZ_CHECK(final == walk.final);
    return 0;
}
