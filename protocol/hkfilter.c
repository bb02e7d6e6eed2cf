/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hkfilter: see hkfilter.h. Freestanding: the only headers are
 * <stddef.h>/<stdint.h> (via hkfilter.h); memcpy/memset are declared here
 * with their standard prototypes, which every C runtime and kernel
 * (including the Windows DDK's intrinsics) provides.
 */
#include "protocol/hkfilter.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

enum {
    ST_IDLE = 0, /* nothing held */
    ST_FIXED,    /* matching "ESC _XCMUX;1;", pos bytes matched */
    ST_KEY,      /* expect the key */
    ST_KEYSEP,   /* expect ';' after the key */
    ST_ID,       /* id digits; ESC starts the terminator once one digit is in */
    ST_TERM,     /* after ESC of the terminator, expect '\' */
};

#define ESC 0x1b
static const uint8_t fixed_part[] = {ESC, '_', 'X', 'C', 'M', 'U', 'X', ';', '1', ';'};
#define FIXED_LEN     ((uint8_t)sizeof(fixed_part))
#define MAX_ID_DIGITS 10

void hkf_init(struct hkf *f)
{
    memset(f, 0, sizeof(*f));
}

int hkf_valid_key(uint8_t key)
{
    return (key >= '0' && key <= '9') || (key >= 'A' && key <= 'Z') || (key >= 'a' && key <= 'z');
}

static void reset(struct hkf *f)
{
    f->held_len = 0;
    f->released = 0;
    f->state = ST_IDLE;
    f->pos = 0;
    f->key = 0;
    f->ndigits = 0;
    f->id = 0;
}

static void hold(struct hkf *f, uint8_t c)
{
    /* The grammar bounds a candidate to 24 bytes; the check keeps a logic
     * error from ever writing past held[]. */
    if (f->held_len < HKF_MAX_SEQ)
        f->held[f->held_len++] = c;
}

static size_t release_held(struct hkf *f, uint8_t *out, size_t n)
{
    memcpy(out, f->held, n);
    return n;
}

static size_t step(struct hkf *f, uint8_t c, uint8_t *out, int *done);

/* c does not continue the candidate: let the held bytes out and look at c
 * as if nothing were held. */
static size_t diverge(struct hkf *f, uint8_t c, uint8_t *out)
{
    size_t n = release_held(f, out, f->held_len);
    int done = 0;

    reset(f);
    /* From ST_IDLE, step() either passes c or starts holding it. */
    return n + step(f, c, out + n, &done);
}

/* In ST_TERM, c is not '\': the terminator's ESC may itself open a new
 * sequence ("...;12 ESC _XCMUX..."), so release everything before it and
 * continue from "ESC matched". */
static size_t diverge_after_terminator_esc(struct hkf *f, uint8_t c, uint8_t *out)
{
    int esc_held = f->held_len > 0 && f->held[f->held_len - 1] == ESC;
    size_t n = release_held(f, out, f->held_len - (esc_held ? 1u : 0u));
    int done = 0;

    reset(f);
    f->state = ST_FIXED;
    f->pos = 1;
    if (esc_held)
        f->held[f->held_len++] = ESC;
    else
        f->released = 1;
    /* From ST_FIXED pos 1, step() cannot recurse here again. */
    return n + step(f, c, out + n, &done);
}

/* Advance by one byte; returns bytes written to out; *done = 1 when a
 * sequence completed (its bytes are consumed, f->key/f->id describe it). */
static size_t step(struct hkf *f, uint8_t c, uint8_t *out, int *done)
{
    switch (f->state) {
    case ST_IDLE:
        if (c == ESC) {
            f->state = ST_FIXED;
            f->pos = 1;
            hold(f, c);
            return 0;
        }
        out[0] = c;
        return 1;
    case ST_FIXED:
        if (c != fixed_part[f->pos])
            return diverge(f, c, out);
        hold(f, c);
        if (++f->pos == FIXED_LEN)
            f->state = ST_KEY;
        return 0;
    case ST_KEY:
        if (!hkf_valid_key(c))
            return diverge(f, c, out);
        f->key = c;
        f->state = ST_KEYSEP;
        hold(f, c);
        return 0;
    case ST_KEYSEP:
        if (c != ';')
            return diverge(f, c, out);
        f->state = ST_ID;
        f->id = 0;
        f->ndigits = 0;
        hold(f, c);
        return 0;
    case ST_ID:
        if (c >= '0' && c <= '9') {
            uint32_t d = (uint32_t)(c - '0');
            if ((f->ndigits == 0 && d == 0) || f->ndigits == MAX_ID_DIGITS ||
                f->id > (UINT32_MAX - d) / 10)
                return diverge(f, c, out);
            f->id = f->id * 10 + d;
            f->ndigits++;
            hold(f, c);
            return 0;
        }
        if (c == ESC && f->ndigits > 0) {
            f->state = ST_TERM;
            hold(f, c);
            return 0;
        }
        return diverge(f, c, out);
    case ST_TERM:
        if (c == '\\') {
            *done = 1;
            return 0;
        }
        return diverge_after_terminator_esc(f, c, out);
    default:
        /* Corrupted state: start over rather than misbehave. */
        reset(f);
        out[0] = c;
        return 1;
    }
}

size_t hkf_feed(struct hkf *f, const uint8_t *in, size_t len, uint8_t *out, size_t *outlen,
                struct hkf_hotkey *hk, int *have_hotkey)
{
    size_t i, o = 0;

    *have_hotkey = 0;
    for (i = 0; i < len; i++) {
        int done = 0;
        o += step(f, in[i], out + o, &done);
        if (done) {
            hk->key = f->key;
            hk->id = f->id;
            hk->released_prefix = f->released;
            reset(f);
            *have_hotkey = 1;
            i++;
            break;
        }
    }
    *outlen = o;
    return i;
}

size_t hkf_flush(struct hkf *f, uint8_t *out)
{
    size_t n = release_held(f, out, f->held_len);
    reset(f);
    return n;
}

size_t hkf_release(struct hkf *f, uint8_t *out)
{
    size_t n = release_held(f, out, f->held_len);
    f->released = (uint8_t)(f->released + n);
    f->held_len = 0;
    return n;
}

void hkf_discard(struct hkf *f)
{
    reset(f);
}

size_t hkf_held(const struct hkf *f)
{
    return f->held_len;
}

int hkf_holding_introducer(const struct hkf *f)
{
    return f->state != ST_IDLE && (f->state != ST_FIXED || f->pos >= HKF_INTRODUCER_LEN);
}

int hkf_contains_introducer(const uint8_t *buf, size_t len)
{
    size_t i, j;

    if (len < HKF_INTRODUCER_LEN)
        return 0;
    for (i = 0; i + HKF_INTRODUCER_LEN <= len; i++) {
        for (j = 0; j < HKF_INTRODUCER_LEN; j++)
            if (buf[i + j] != fixed_part[j])
                break;
        if (j == HKF_INTRODUCER_LEN)
            return 1;
    }
    return 0;
}

size_t hkf_encode(uint8_t key, uint32_t id, uint8_t *out)
{
    uint8_t digits[MAX_ID_DIGITS];
    size_t nd = 0, n = 0;

    if (!hkf_valid_key(key) || id == 0)
        return 0;
    memcpy(out, fixed_part, FIXED_LEN);
    n = FIXED_LEN;
    out[n++] = key;
    out[n++] = ';';
    while (id > 0) {
        digits[nd++] = (uint8_t)('0' + id % 10);
        id /= 10;
    }
    while (nd > 0)
        out[n++] = digits[--nd];
    out[n++] = ESC;
    out[n++] = '\\';
    return n;
}
