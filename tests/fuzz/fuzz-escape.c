// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-escape.c — libFuzzer target for the escape-key machine
 * (daemon/escape.c), which sees every byte a client types.
 *
 * Input: byte 0 is the escape character (byte 1 bit 0 set = no escape
 * character), byte 1 (upper bits) and byte 2 seed the chunking; the rest is
 * the typed stream, cut into chunks of pseudo-random sizes (1..64) the way
 * the socket may deliver it. Each chunk is an exact-size heap copy so an
 * overread is an ASan report.
 *
 * Checked: escape_next() consumes >= 1 byte of a non-empty chunk and never
 * more than it was given; pass-through spans lie inside the consumed
 * prefix; and the outcome (bytes for the guest, commands with their
 * position in that byte stream) equals a byte-at-a-time reference machine
 * whatever the chunking — the chunk-boundary case is where such machines
 * break.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/escape.h"
#include "tests/fuzz/fuzz-common.h"

struct outcome {
    uint8_t *pass; /* bytes for the guest */
    size_t npass;
    size_t ncmd;
    size_t *cmd_at; /* npass when the command happened */
    uint8_t *cmd_key;
    enum escape_cmd *cmd;
};

static void outcome_init(struct outcome *o, size_t cap)
{
    o->pass = malloc(cap + 1);
    o->cmd_at = malloc((cap + 1) * sizeof(*o->cmd_at));
    o->cmd_key = malloc(cap + 1);
    o->cmd = malloc((cap + 1) * sizeof(*o->cmd));
    FUZZ_CHECK(o->pass && o->cmd_at && o->cmd_key && o->cmd);
    o->npass = o->ncmd = 0;
}

static void outcome_free(struct outcome *o)
{
    free(o->pass);
    free(o->cmd_at);
    free(o->cmd_key);
    free(o->cmd);
}

static void add_cmd(struct outcome *o, enum escape_cmd cmd, uint8_t key)
{
    o->cmd_at[o->ncmd] = o->npass;
    o->cmd_key[o->ncmd] = key;
    o->cmd[o->ncmd] = cmd;
    o->ncmd++;
}

/* The specification, one byte at a time. */
static void reference(int ch, const uint8_t *in, size_t len, struct outcome *o)
{
    bool armed = false;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = in[i];
        if (armed) {
            armed = false;
            if (b == ch)
                o->pass[o->npass++] = b;
            else
                add_cmd(o, escape_command_for(b), b);
        } else if (ch >= 0 && b == ch) {
            armed = true;
        } else {
            o->pass[o->npass++] = b;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    int ch = (data[1] & 1) ? -1 : data[0];
    uint32_t rng = (uint32_t)data[1] << 8 | data[2];
    const uint8_t *in = data + 3;
    size_t len = size - 3;

    struct outcome got, want;
    outcome_init(&got, len);
    outcome_init(&want, len);
    reference(ch, in, len, &want);

    struct escape e;
    escape_init(&e, ch);
    for (size_t off = 0; off < len;) {
        rng = rng * 1103515245u + 12345u;
        size_t clen = 1 + (rng >> 16) % 64;
        if (clen > len - off)
            clen = len - off;
        uint8_t *chunk = malloc(clen);
        FUZZ_CHECK(chunk != NULL);
        memcpy(chunk, in + off, clen);

        size_t pos = 0;
        while (pos < clen) {
            struct escape_step st;
            size_t used = escape_next(&e, chunk + pos, clen - pos, &st);
            FUZZ_CHECK(used >= 1 && used <= clen - pos);
            FUZZ_CHECK(st.npass <= used);
            if (st.npass) {
                /* A span of this chunk, inside what was consumed — or, for
                 * an escape completed from the previous chunk, the key
                 * byte itself. */
                FUZZ_CHECK(st.pass >= chunk + pos && st.pass + st.npass <= chunk + pos + used);
                memcpy(got.pass + got.npass, st.pass, st.npass);
                got.npass += st.npass;
            }
            if (st.cmd != ESC_NONE) {
                FUZZ_CHECK(st.cmd == escape_command_for(st.key));
                FUZZ_CHECK(escape_cmd_name(st.cmd)[0] != '?');
                add_cmd(&got, st.cmd, st.key);
            }
            pos += used;
        }
        /* Empty chunk: consumes nothing, changes nothing. */
        struct escape_step st;
        struct escape before = e;
        FUZZ_CHECK(escape_next(&e, chunk + clen, 0, &st) == 0);
        FUZZ_CHECK(st.npass == 0 && st.cmd == ESC_NONE);
        FUZZ_CHECK(e.armed == before.armed && e.ch == before.ch);
        free(chunk);
        off += clen;
    }

    FUZZ_CHECK(got.npass == want.npass);
    FUZZ_CHECK(memcmp(got.pass, want.pass, got.npass) == 0);
    FUZZ_CHECK(got.ncmd == want.ncmd);
    for (size_t i = 0; i < got.ncmd; i++) {
        FUZZ_CHECK(got.cmd[i] == want.cmd[i]);
        FUZZ_CHECK(got.cmd_key[i] == want.cmd_key[i]);
        FUZZ_CHECK(got.cmd_at[i] == want.cmd_at[i]);
    }
    outcome_free(&got);
    outcome_free(&want);
    return 0;
}
