/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for web/ws: every close condition of protocol/WEB.md, every
 * split of the input, 16- and 64-bit lengths, the encoders, the accept key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web/ws.h"

/* ---- building client frames ---- */

struct fb {
    uint8_t *b;
    size_t len, cap;
};

static void fb_put(struct fb *f, const void *p, size_t n)
{
    if (f->len + n > f->cap) {
        f->cap = (f->len + n) * 2 + 64;
        f->b = realloc(f->b, f->cap);
        assert_non_null(f->b);
    }
    memcpy(f->b + f->len, p, n);
    f->len += n;
}

enum {
    LEN_AUTO,
    LEN_16,
    LEN_64
};

/* One frame: b0 is FIN|RSV|opcode as given, masked unless told. */
static void frame(struct fb *f, uint8_t b0, bool masked, const void *payload, size_t n, int form)
{
    uint8_t h[14];
    size_t hl = 0;
    h[hl++] = b0;
    uint8_t m = masked ? 0x80 : 0;
    if (form == LEN_AUTO && n < 126) {
        h[hl++] = m | (uint8_t)n;
    } else if (form != LEN_64 && n <= 0xFFFF) {
        h[hl++] = m | 126;
        h[hl++] = (uint8_t)(n >> 8);
        h[hl++] = (uint8_t)n;
    } else {
        h[hl++] = m | 127;
        for (int i = 0; i < 8; i++)
            h[hl++] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
    }
    static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    if (masked) {
        memcpy(h + hl, key, 4);
        hl += 4;
    }
    fb_put(f, h, hl);
    const uint8_t *p = payload;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i] ^ (masked ? key[i & 3] : 0);
        fb_put(f, &c, 1);
    }
}

/* A raw header with a 64-bit length and a mask, no payload. */
static void hdr64(struct fb *f, uint8_t b0, uint64_t n)
{
    uint8_t h[14] = {b0, 0x80 | 127};
    for (int i = 0; i < 8; i++)
        h[2 + i] = (uint8_t)(n >> (56 - 8 * i));
    fb_put(f, h, 14);
}

/* ---- running the parser ---- */

struct result {
    char log[4096]; /* one line per message or control frame */
    size_t loglen;
    uint8_t msg[70000];
    size_t msglen;
    int msgop;
    uint16_t error;
    size_t events_after_error;
};

static void logf_(struct result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->log + r->loglen, sizeof(r->log) - r->loglen, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof(r->log) - r->loglen);
    r->loglen += (size_t)n;
}

static unsigned sum(const uint8_t *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++)
        s = s * 31 + p[i];
    return s;
}

/* Feeds in (a copy of) the stream in chunks of `chunk` bytes, or split
 * once at `split` when chunk is 0. */
static void run(const struct fb *f, size_t chunk, size_t split, struct result *r)
{
    memset(r, 0, sizeof(*r));
    r->msgop = -1;
    struct ws_parser p;
    ws_parser_init(&p);
    size_t off = 0;
    while (off < f->len && !r->error) {
        size_t n = chunk ? chunk : (off < split ? split - off : f->len - off);
        if (n > f->len - off)
            n = f->len - off;
        /* An exact-size heap copy: an overread shows under ASan. */
        uint8_t *c = malloc(n);
        assert_non_null(c);
        memcpy(c, f->b + off, n);
        size_t k = 0;
        while (k < n) {
            struct ws_event ev;
            size_t used = ws_parse(&p, c + k, n - k, &ev);
            assert_true(used <= n - k);
            if (ev.type == WS_EV_NONE) {
                assert_int_equal(used, n - k);
            } else if (ev.type == WS_EV_DATA) {
                assert_true(ev.data >= c + k && ev.data + ev.len <= c + k + used);
                if (r->msgop < 0)
                    r->msgop = ev.opcode;
                assert_int_equal(r->msgop, ev.opcode);
                assert_true(r->msglen + ev.len <= sizeof(r->msg));
                memcpy(r->msg + r->msglen, ev.data, ev.len);
                r->msglen += ev.len;
                if (ev.fin) {
                    logf_(r, "%s %zu %08x\n", ev.opcode == WS_OP_TEXT ? "text" : "binary",
                          r->msglen, sum(r->msg, r->msglen));
                    r->msglen = 0;
                    r->msgop = -1;
                }
            } else if (ev.type == WS_EV_CONTROL) {
                if (ev.opcode == WS_OP_CLOSE)
                    logf_(r, "close %u %.*s\n", ev.close_code, (int)ev.reason_len,
                          (const char *)ev.reason);
                else
                    logf_(r, "%s %.*s\n", ev.opcode == WS_OP_PING ? "ping" : "pong", (int)ev.len,
                          (const char *)ev.data);
            } else {
                r->error = ev.close_code;
                /* Sticky: nothing more is consumed, the same error. */
                struct ws_event ev2;
                assert_int_equal(ws_parse(&p, c + k, n - k, &ev2), 0);
                assert_int_equal(ev2.type, WS_EV_ERROR);
                assert_int_equal(ev2.close_code, r->error);
                break;
            }
            k += used;
        }
        free(c);
        off += n;
    }
}

static uint16_t error_of(const struct fb *f)
{
    struct result *r = malloc(sizeof(*r));
    assert_non_null(r);
    run(f, f->len ? f->len : 1, 0, r);
    uint16_t e = r->error;
    /* The same error whatever the chunking. */
    for (size_t ch = 1; ch <= 3; ch++) {
        run(f, ch, 0, r);
        assert_int_equal(r->error, e);
    }
    free(r);
    return e;
}

static void fb_free(struct fb *f)
{
    free(f->b);
    memset(f, 0, sizeof(*f));
}

/* ---- tests ---- */

static void test_rfc_example(void **state)
{
    /* RFC 6455 5.7: a masked "Hello". */
    uint8_t in[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    struct ws_parser p;
    ws_parser_init(&p);
    struct ws_event ev;
    size_t used = ws_parse(&p, in, sizeof(in), &ev);
    assert_int_equal(used, sizeof(in));
    assert_int_equal(ev.type, WS_EV_DATA);
    assert_int_equal(ev.opcode, WS_OP_TEXT);
    assert_true(ev.fin);
    assert_int_equal(ev.len, 5);
    assert_memory_equal(ev.data, "Hello", 5);
}

/* A stream of everything: fragments with a control frame between them,
 * 7-, 16- and 64-bit lengths, empty frames, a close. */
static void build_mixed(struct fb *f, uint8_t *big, size_t bign)
{
    frame(f, 0x01, true, "frag", 4, LEN_AUTO);           /* TEXT, not FIN */
    frame(f, 0x89, true, "p1", 2, LEN_AUTO);             /* PING between fragments */
    frame(f, 0x00, true, "men", 3, LEN_AUTO);            /* CONT */
    frame(f, 0x00, true, "", 0, LEN_AUTO);               /* empty CONT */
    frame(f, 0x80, true, "ted", 3, LEN_AUTO);            /* CONT, FIN */
    frame(f, 0x82, true, big, 300, LEN_AUTO);            /* 16-bit length */
    frame(f, 0x82, true, big, 5, LEN_64);                /* 64-bit form, small */
    frame(f, 0x82, true, big, bign, LEN_AUTO);           /* 64-bit length: 65536 */
    frame(f, 0x81, true, "", 0, LEN_AUTO);               /* empty text */
    frame(f, 0x8A, true, "", 0, LEN_AUTO);               /* empty PONG */
    frame(f, 0x89, true, big, WS_MAX_CONTROL, LEN_AUTO); /* largest ping */
    frame(f, 0x02, true, big, 30000, LEN_AUTO);          /* fragments of exactly */
    frame(f, 0x80, true, big, 35536, LEN_AUTO);          /* the message limit */
    frame(f, 0x88, true,
          "\x03\xe8"
          "bye",
          5, LEN_AUTO);
}

static void test_every_split(void **state)
{
    size_t bign = WS_MAX_MESSAGE;
    uint8_t *big = malloc(bign);
    assert_non_null(big);
    for (size_t i = 0; i < bign; i++)
        big[i] = (uint8_t)('a' + i % 26);
    struct fb f = {0};
    build_mixed(&f, big, bign);
    struct result *whole = malloc(sizeof(*whole)), *r = malloc(sizeof(*r));
    assert_non_null(whole);
    assert_non_null(r);
    run(&f, f.len, 0, whole);
    assert_int_equal(whole->error, 0);
    /* The last message: 30000 then 35536 bytes of big. */
    uint8_t *two = malloc(WS_MAX_MESSAGE);
    assert_non_null(two);
    memcpy(two, big, 30000);
    memcpy(two + 30000, big, 35536);
    char expect[1024];
    snprintf(expect, sizeof(expect),
             "ping p1\ntext 10 %08x\nbinary 300 %08x\nbinary 5 %08x\nbinary 65536 %08x\n"
             "text 0 %08x\npong \nping %.*s\nbinary 65536 %08x\nclose 1000 bye\n",
             sum((const uint8_t *)"fragmented", 10), sum(big, 300), sum(big, 5), sum(big, bign), 0u,
             (int)WS_MAX_CONTROL, (char *)big, sum(two, WS_MAX_MESSAGE));
    assert_string_equal(whole->log, expect);

    /* Two pieces, split at every byte boundary. */
    for (size_t s = 1; s < f.len; s++) {
        if (s > 400 && s < f.len - 400 && s % 997)
            continue; /* inside the big payloads every offset is alike */
        run(&f, 0, s, r);
        assert_int_equal(r->error, 0);
        assert_string_equal(r->log, whole->log);
    }
    /* Fixed chunk sizes, one byte at a time included. */
    for (size_t ch = 1; ch <= 17; ch++) {
        run(&f, ch, 0, r);
        assert_string_equal(r->log, whole->log);
    }
    free(two);
    free(whole);
    free(r);
    free(big);
    fb_free(&f);
}

static void test_too_big(void **state)
{
    struct fb f = {0};
    /* A single frame over the limit: refused from its header alone. */
    hdr64(&f, 0x82, WS_MAX_MESSAGE + 1);
    assert_int_equal(error_of(&f), WS_CLOSE_TOO_BIG);
    fb_free(&f);
    hdr64(&f, 0x82, UINT64_C(1) << 40);
    assert_int_equal(error_of(&f), WS_CLOSE_TOO_BIG);
    fb_free(&f);
    hdr64(&f, 0x81, UINT64_C(0x7fffffffffffffff));
    assert_int_equal(error_of(&f), WS_CLOSE_TOO_BIG);
    fb_free(&f);
    /* A fragmented message over the limit, each frame under it. */
    uint8_t *big = calloc(1, 40000);
    assert_non_null(big);
    frame(&f, 0x02, true, big, 40000, LEN_AUTO);
    frame(&f, 0x80, true, big, 25537, LEN_AUTO);
    assert_int_equal(error_of(&f), WS_CLOSE_TOO_BIG);
    fb_free(&f);
    /* The same for text, with a control frame in between. */
    frame(&f, 0x01, true, big, 40000, LEN_AUTO);
    frame(&f, 0x89, true, "x", 1, LEN_AUTO);
    frame(&f, 0x00, true, big, 20000, LEN_AUTO);
    frame(&f, 0x80, true, big, 5537, LEN_AUTO);
    assert_int_equal(error_of(&f), WS_CLOSE_TOO_BIG);
    fb_free(&f);
    /* A new message after a full one starts from zero again. */
    frame(&f, 0x82, true, big, 40000, LEN_AUTO);
    frame(&f, 0x82, true, big, 40000, LEN_AUTO);
    assert_int_equal(error_of(&f), 0);
    fb_free(&f);
    free(big);
}

static void test_protocol_errors(void **state)
{
    struct fb f = {0};
    /* Unmasked client frame. */
    frame(&f, 0x81, false, "hi", 2, LEN_AUTO);
    assert_int_equal(error_of(&f), WS_CLOSE_PROTOCOL);
    fb_free(&f);
    /* Each reserved bit. */
    for (uint8_t rsv = 0x10; rsv <= 0x40; rsv <<= 1) {
        frame(&f, 0x81 | rsv, true, "hi", 2, LEN_AUTO);
        assert_int_equal(error_of(&f), WS_CLOSE_PROTOCOL);
        fb_free(&f);
    }
    /* Every unknown opcode. */
    for (uint8_t op = 0; op < 16; op++) {
        if (op <= 2 || (op >= 8 && op <= 10))
            continue;
        frame(&f, 0x80 | op, true, "", 0, LEN_AUTO);
        assert_int_equal(error_of(&f), WS_CLOSE_PROTOCOL);
        fb_free(&f);
    }
    /* A control frame over 125 bytes (16-bit length form). */
    uint8_t pl[200] = {0};
    frame(&f, 0x89, true, pl, 126, LEN_AUTO);
    assert_int_equal(error_of(&f), WS_CLOSE_PROTOCOL);
    fb_free(&f);
    frame(&f, 0x8A, true, pl, 5, LEN_64);
    assert_int_equal(error_of(&f), WS_CLOSE_PROTOCOL);
    fb_free(&f);
    /* A fragmented control frame. */
    frame(&f, 0x09, true, "x", 1, LEN_AUTO);
    assert_int_equal(error_of(&f), WS_CLOSE_PROTOCOL);
    fb_free(&f);
    /* A continuation without a start, also after a complete message. */
    frame(&f, 0x80, true, "x", 1, LEN_AUTO);
    assert_int_equal(error_of(&f), WS_CLOSE_PROTOCOL);
    fb_free(&f);
    frame(&f, 0x81, true, "x", 1, LEN_AUTO);
    frame(&f, 0x00, true, "x", 1, LEN_AUTO);
    assert_int_equal(error_of(&f), WS_CLOSE_PROTOCOL);
    fb_free(&f);
    /* A new data frame inside a fragmented message. */
    frame(&f, 0x01, true, "a", 1, LEN_AUTO);
    frame(&f, 0x82, true, "b", 1, LEN_AUTO);
    assert_int_equal(error_of(&f), WS_CLOSE_PROTOCOL);
    fb_free(&f);
    frame(&f, 0x02, true, "a", 1, LEN_AUTO);
    frame(&f, 0x01, true, "b", 1, LEN_AUTO);
    assert_int_equal(error_of(&f), WS_CLOSE_PROTOCOL);
    fb_free(&f);
    /* A 64-bit length with its top bit set. */
    hdr64(&f, 0x82, UINT64_C(0x8000000000000001));
    assert_int_equal(error_of(&f), WS_CLOSE_PROTOCOL);
    fb_free(&f);
    /* Garbage: an HTTP request where frames belong. */
    fb_put(&f, "GET / HTTP/1.1\r\n", 16);
    assert_int_equal(error_of(&f), WS_CLOSE_PROTOCOL);
    fb_free(&f);
}

static void test_close_frames(void **state)
{
    struct fb f = {0};
    struct result *r = malloc(sizeof(*r));
    assert_non_null(r);
    /* Empty close: no status. */
    frame(&f, 0x88, true, "", 0, LEN_AUTO);
    run(&f, f.len, 0, r);
    assert_int_equal(r->error, 0);
    assert_string_equal(r->log, "close 1005 \n");
    fb_free(&f);
    /* A one-byte close payload. */
    frame(&f, 0x88, true, "\x03", 1, LEN_AUTO);
    assert_int_equal(error_of(&f), WS_CLOSE_PROTOCOL);
    fb_free(&f);
    /* Codes that never go on the wire. */
    static const unsigned bad[] = {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t c[2] = {(uint8_t)(bad[i] >> 8), (uint8_t)bad[i]};
        frame(&f, 0x88, true, c, 2, LEN_AUTO);
        assert_int_equal(error_of(&f), WS_CLOSE_PROTOCOL);
        fb_free(&f);
    }
    static const unsigned good[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011, 3000, 4999};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        uint8_t c[2] = {(uint8_t)(good[i] >> 8), (uint8_t)good[i]};
        frame(&f, 0x88, true, c, 2, LEN_AUTO);
        assert_int_equal(error_of(&f), 0);
        fb_free(&f);
    }
    /* A reason that is not UTF-8. */
    frame(&f, 0x88, true, "\x03\xe8\xc0\xaf", 4, LEN_AUTO);
    assert_int_equal(error_of(&f), WS_CLOSE_BAD_DATA);
    fb_free(&f);
    frame(&f, 0x88, true, "\x03\xe8h\xc3\xa9", 5, LEN_AUTO);
    run(&f, 1, 0, r);
    assert_int_equal(r->error, 0);
    assert_string_equal(r->log, "close 1000 h\xc3\xa9\n");
    fb_free(&f);
    free(r);
}

static void test_utf8(void **state)
{
#define V(s) ws_utf8_valid((const uint8_t *)(s), sizeof(s) - 1)
    assert_true(V(""));
    assert_true(V("plain ascii"));
    assert_true(V("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
    assert_true(V("\xf4\x8f\xbf\xbf")); /* U+10FFFF */
    assert_true(V("\xed\x9f\xbf"));     /* U+D7FF */
    assert_false(V("\xc0\xaf"));        /* overlong */
    assert_false(V("\xe0\x80\xaf"));
    assert_false(V("\xf0\x80\x80\xaf"));
    assert_false(V("\xed\xa0\x80")); /* surrogate */
    assert_false(V("\xf4\x90\x80\x80"));
    assert_false(V("\xf5\x80\x80\x80"));
    assert_false(V("\xc3")); /* truncated */
    assert_false(V("\xe2\x82"));
    assert_false(V("\x80"));
    assert_false(V("\xc3\x28"));
    assert_false(V("\xff"));
#undef V
}

static void test_encode(void **state)
{
    uint8_t h[WS_MAX_HDR];
    assert_int_equal(ws_encode_hdr(h, WS_OP_BINARY, 0), 2);
    assert_int_equal(h[0], 0x82);
    assert_int_equal(h[1], 0);
    assert_int_equal(ws_encode_hdr(h, WS_OP_TEXT, 125), 2);
    assert_int_equal(h[1], 125);
    assert_int_equal(ws_encode_hdr(h, WS_OP_TEXT, 126), 4);
    assert_int_equal(h[1], 126);
    assert_int_equal(h[2] << 8 | h[3], 126);
    assert_int_equal(ws_encode_hdr(h, WS_OP_TEXT, 65535), 4);
    assert_int_equal(ws_encode_hdr(h, WS_OP_BINARY, 65536), 10);
    assert_int_equal(h[1], 127);
    assert_int_equal(h[7], 1);
    assert_int_equal(h[8], 0);
    assert_int_equal(ws_encode_hdr(h, WS_OP_BINARY, UINT64_C(0x0102030405060708)), 10);
    assert_int_equal(h[2], 1);
    assert_int_equal(h[9], 8);

    uint8_t c[2 + WS_MAX_CONTROL];
    size_t n = ws_encode_close(c, 1009, "too big");
    assert_int_equal(n, 2 + 2 + 7);
    assert_int_equal(c[0], 0x88);
    assert_int_equal(c[1], 9);
    assert_int_equal(c[2] << 8 | c[3], 1009);
    assert_memory_equal(c + 4, "too big", 7);
    assert_int_equal(ws_encode_close(c, 0, NULL), 2);
    assert_int_equal(c[1], 0);
    /* A long reason is cut to a control frame's size, never inside a
     * UTF-8 sequence. */
    char lng[300];
    for (size_t i = 0; i + 2 < sizeof(lng); i += 2)
        memcpy(lng + i, "\xc3\xa9", 2);
    lng[sizeof(lng) - 2] = '\0';
    n = ws_encode_close(c, 1000, lng);
    assert_true(n <= 2 + WS_MAX_CONTROL);
    assert_true(c[1] <= WS_MAX_CONTROL);
    assert_true(ws_utf8_valid(c + 4, n - 4));
}

static void test_accept_key(void **state)
{
    char out[29];
    /* RFC 6455 1.3. */
    assert_true(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out));
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    memset(out, 'x', sizeof(out));
    assert_false(ws_accept_key("", out));
    assert_false(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ=", out));
    assert_false(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ===", out));
    assert_false(ws_accept_key("dGhlIHNhbXBsZSBub25jZ!==", out));
    assert_false(ws_accept_key("dGhlIHNhbXBsZSBub25jZQQQ", out));
    assert_int_equal(out[0], 'x');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_example),  cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_too_big),      cmocka_unit_test(test_protocol_errors),
        cmocka_unit_test(test_close_frames), cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_encode),       cmocka_unit_test(test_accept_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
