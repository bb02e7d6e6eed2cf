// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-ws.c — libFuzzer target for the WebSocket frame parser
 * (web/ws.c), which sees every byte a browser (or anyone who got past
 * the login) sends after the upgrade.
 *
 * Input: byte 0 seeds the chunking; the rest is the browser's stream.
 * It is parsed twice: whole, and cut into pseudo-random chunks (1..64
 * bytes), each an exact-size heap copy so an overread is an ASan report.
 *
 * Checked: the outcome (every message's opcode, length and bytes, every
 * control frame, the error code) is the same whatever the chunking; no
 * call consumes more than it was given; a call that reports nothing
 * consumed all of it; DATA chunks lie inside the consumed bytes; messages
 * stay within WS_MAX_MESSAGE and control payloads within WS_MAX_CONTROL;
 * a close's code is one that may be on the wire (or 1005 for none) and its
 * reason is UTF-8; an error is one of 1002, 1007, 1009 and is sticky.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz-common.h"
#include "web/ws.h"

struct outcome {
    uint8_t *log; /* a transcript of events, compared byte for byte */
    size_t len, cap;
    size_t msglen;
    uint64_t hash; /* FNV-1a of the message's bytes so far */
    int msgop;
    uint16_t error;
};

static void put(struct outcome *o, const void *p, size_t n)
{
    if (o->len + n > o->cap) {
        o->cap = (o->len + n) * 2 + 256;
        o->log = realloc(o->log, o->cap);
        FUZZ_CHECK(o->log != NULL);
    }
    memcpy(o->log + o->len, p, n);
    o->len += n;
}

static void event(struct outcome *o, const struct ws_event *ev, const uint8_t *chunk, size_t used)
{
    switch (ev->type) {
    case WS_EV_NONE:
        break;
    case WS_EV_DATA:
        FUZZ_CHECK(ev->opcode == WS_OP_TEXT || ev->opcode == WS_OP_BINARY);
        FUZZ_CHECK(ev->data >= chunk && ev->data + ev->len <= chunk + used);
        if (o->msgop < 0) {
            o->msgop = ev->opcode;
            put(o, "M", 1);
            put(o, &ev->opcode, 1);
        }
        FUZZ_CHECK(o->msgop == ev->opcode);
        o->msglen += ev->len;
        FUZZ_CHECK(o->msglen <= WS_MAX_MESSAGE);
        for (size_t i = 0; i < ev->len; i++)
            o->hash = (o->hash ^ ev->data[i]) * 0x100000001b3u;
        if (ev->fin) {
            put(o, "E", 1);
            put(o, &o->msglen, sizeof(o->msglen));
            put(o, &o->hash, sizeof(o->hash));
            o->hash = 0xcbf29ce484222325u;
            o->msgop = -1;
            o->msglen = 0;
        }
        break;
    case WS_EV_CONTROL:
        FUZZ_CHECK(ev->opcode == WS_OP_PING || ev->opcode == WS_OP_PONG ||
                   ev->opcode == WS_OP_CLOSE);
        FUZZ_CHECK(ev->len <= WS_MAX_CONTROL);
        if (ev->opcode == WS_OP_CLOSE) {
            FUZZ_CHECK(ev->close_code == WS_CLOSE_NO_STATUS || ws_close_code_valid(ev->close_code));
            FUZZ_CHECK(ws_utf8_valid(ev->reason, ev->reason_len));
        }
        put(o, "C", 1);
        put(o, &ev->opcode, 1);
        put(o, &ev->close_code, sizeof(ev->close_code));
        put(o, &ev->len, sizeof(ev->len));
        put(o, ev->data, ev->len);
        break;
    case WS_EV_ERROR:
        FUZZ_CHECK(ev->close_code == WS_CLOSE_PROTOCOL || ev->close_code == WS_CLOSE_BAD_DATA ||
                   ev->close_code == WS_CLOSE_TOO_BIG);
        o->error = ev->close_code;
        break;
    }
}

static void feed(struct ws_parser *p, struct outcome *o, const uint8_t *src, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    FUZZ_CHECK(c != NULL);
    memcpy(c, src, n);
    size_t k = 0;
    while (k < n && !o->error) {
        struct ws_event ev;
        size_t used = ws_parse(p, c + k, n - k, &ev);
        FUZZ_CHECK(used <= n - k);
        if (ev.type == WS_EV_NONE)
            FUZZ_CHECK(used == n - k);
        event(o, &ev, c + k, used);
        if (ev.type == WS_EV_ERROR) {
            struct ws_event again;
            FUZZ_CHECK(ws_parse(p, c + k, n - k, &again) == 0);
            FUZZ_CHECK(again.type == WS_EV_ERROR && again.close_code == ev.close_code);
        }
        k += used;
    }
    free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint32_t seed = data[0] * 2654435761u + 1;
    data++;
    size--;

    struct ws_parser p;
    struct outcome whole = {.msgop = -1, .hash = 0xcbf29ce484222325u},
                   parts = {.msgop = -1, .hash = 0xcbf29ce484222325u};
    ws_parser_init(&p);
    feed(&p, &whole, data, size);

    ws_parser_init(&p);
    for (size_t off = 0; off < size && !parts.error;) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 16) % 64;
        if (n > size - off)
            n = size - off;
        feed(&p, &parts, data + off, n);
        off += n;
    }
    FUZZ_CHECK(whole.error == parts.error);
    FUZZ_CHECK(whole.len == parts.len);
    FUZZ_CHECK(whole.len == 0 || memcmp(whole.log, parts.log, whole.len) == 0);
    free(whole.log);
    free(parts.log);
    return 0;
}
