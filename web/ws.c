// SPDX-License-Identifier: GPL-2.0-or-later
/* ws.c — RFC 6455 framing (ws.h). */
#include "web/ws.h"

#include <string.h>

#include <openssl/evp.h>

enum {
    ST_HDR = 0,
    ST_PAYLOAD = 1
};

void ws_parser_init(struct ws_parser *p)
{
    memset(p, 0, sizeof(*p));
    p->state = ST_HDR;
    p->hdr_need = 2;
}

static size_t fail(struct ws_parser *p, struct ws_event *ev, uint16_t code, size_t used)
{
    p->error = code;
    ev->type = WS_EV_ERROR;
    ev->close_code = code;
    return used;
}

static bool opcode_known(uint8_t op)
{
    return op == WS_OP_CONT || op == WS_OP_TEXT || op == WS_OP_BINARY || op == WS_OP_CLOSE ||
           op == WS_OP_PING || op == WS_OP_PONG;
}

bool ws_close_code_valid(unsigned code)
{
    if (code >= 3000 && code <= 4999)
        return true;
    /* 1004-1006 and 1015 are reserved: never sent in a close frame. */
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

bool ws_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (len - i - 1 < n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            uint8_t cc = s[i + k];
            if ((cc & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

/* The header is complete: check what needs the whole of it and set up the
 * payload phase. Returns a close code, or 0. */
static uint16_t header_done(struct ws_parser *p)
{
    uint8_t len7 = p->hdr[1] & 0x7F;
    uint64_t len = len7;
    size_t off = 2;
    if (len7 == 126) {
        len = (uint64_t)p->hdr[2] << 8 | p->hdr[3];
        off = 4;
    } else if (len7 == 127) {
        if (p->hdr[2] & 0x80)
            return WS_CLOSE_PROTOCOL; /* RFC 6455 5.2: the top bit is 0 */
        len = 0;
        for (size_t i = 0; i < 8; i++)
            len = len << 8 | p->hdr[2 + i];
        off = 10;
    }
    memcpy(p->mask, p->hdr + off, 4);
    if (!(p->opcode & 0x8)) {
        if (p->opcode != WS_OP_CONT) {
            p->msg_opcode = p->opcode;
            p->msg_len = 0;
        }
        if (len > WS_MAX_MESSAGE || p->msg_len + len > WS_MAX_MESSAGE)
            return WS_CLOSE_TOO_BIG;
        p->msg_len += len;
        p->in_message = !p->fin;
    }
    p->frame_len = len;
    p->remain = len;
    p->frame_done = 0;
    p->state = ST_PAYLOAD;
    return 0;
}

/* A whole control frame is in p->ctrl. */
static size_t control_done(struct ws_parser *p, struct ws_event *ev, size_t used)
{
    size_t n = (size_t)p->frame_len;
    p->state = ST_HDR;
    p->hdr_len = 0;
    p->hdr_need = 2;
    memset(ev, 0, sizeof(*ev));
    ev->type = WS_EV_CONTROL;
    ev->opcode = p->opcode;
    ev->data = p->ctrl;
    ev->len = n;
    if (p->opcode == WS_OP_CLOSE) {
        if (n == 1)
            return fail(p, ev, WS_CLOSE_PROTOCOL, used);
        if (n == 0) {
            ev->close_code = WS_CLOSE_NO_STATUS;
        } else {
            ev->close_code = (uint16_t)(p->ctrl[0] << 8 | p->ctrl[1]);
            if (!ws_close_code_valid(ev->close_code))
                return fail(p, ev, WS_CLOSE_PROTOCOL, used);
            if (!ws_utf8_valid(p->ctrl + 2, n - 2))
                return fail(p, ev, WS_CLOSE_BAD_DATA, used);
            ev->reason = p->ctrl + 2;
            ev->reason_len = n - 2;
        }
    }
    return used;
}

size_t ws_parse(struct ws_parser *p, uint8_t *buf, size_t len, struct ws_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    if (p->error)
        return fail(p, ev, p->error, 0);
    size_t used = 0;
    while (used < len && p->state == ST_HDR) {
        p->hdr[p->hdr_len++] = buf[used++];
        if (p->hdr_len == 2) {
            uint8_t b0 = p->hdr[0], b1 = p->hdr[1];
            p->fin = b0 & 0x80;
            p->opcode = b0 & 0x0F;
            if (b0 & 0x70)
                return fail(p, ev, WS_CLOSE_PROTOCOL, used); /* no extension */
            if (!opcode_known(p->opcode))
                return fail(p, ev, WS_CLOSE_PROTOCOL, used);
            if (!(b1 & 0x80))
                return fail(p, ev, WS_CLOSE_PROTOCOL, used); /* clients mask */
            uint8_t len7 = b1 & 0x7F;
            if (p->opcode & 0x8) {
                if (!p->fin || len7 > WS_MAX_CONTROL)
                    return fail(p, ev, WS_CLOSE_PROTOCOL, used);
            } else if (p->opcode == WS_OP_CONT ? !p->in_message : p->in_message) {
                return fail(p, ev, WS_CLOSE_PROTOCOL, used);
            }
            p->hdr_need = (uint8_t)(2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4);
        }
        if (p->hdr_len == p->hdr_need) {
            uint16_t code = header_done(p);
            if (code)
                return fail(p, ev, code, used);
            if (p->remain == 0) {
                if (p->opcode & 0x8)
                    return control_done(p, ev, used);
                /* An empty data frame: report it, it may end a message. */
                p->state = ST_HDR;
                p->hdr_len = 0;
                p->hdr_need = 2;
                ev->type = WS_EV_DATA;
                ev->opcode = p->msg_opcode;
                ev->fin = p->fin;
                ev->data = buf + used;
                return used;
            }
        }
    }
    if (used == len || p->state != ST_PAYLOAD)
        return used;
    size_t n = len - used;
    if (n > p->remain)
        n = (size_t)p->remain;
    uint8_t *d = buf + used;
    for (size_t i = 0; i < n; i++)
        d[i] ^= p->mask[(p->frame_done + i) & 3];
    if (p->opcode & 0x8) {
        memcpy(p->ctrl + p->frame_done, d, n);
        p->frame_done += n;
        p->remain -= n;
        used += n;
        if (p->remain == 0)
            return control_done(p, ev, used);
        return used;
    }
    p->frame_done += n;
    p->remain -= n;
    used += n;
    ev->type = WS_EV_DATA;
    ev->opcode = p->msg_opcode;
    ev->fin = p->fin && p->remain == 0;
    ev->data = d;
    ev->len = n;
    if (p->remain == 0) {
        p->state = ST_HDR;
        p->hdr_len = 0;
        p->hdr_need = 2;
    }
    return used;
}

size_t ws_encode_hdr(uint8_t out[WS_MAX_HDR], uint8_t opcode, uint64_t len)
{
    out[0] = (uint8_t)(0x80 | (opcode & 0x0F));
    if (len < 126) {
        out[1] = (uint8_t)len;
        return 2;
    }
    if (len <= 0xFFFF) {
        out[1] = 126;
        out[2] = (uint8_t)(len >> 8);
        out[3] = (uint8_t)len;
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; i++)
        out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
    return 10;
}

size_t ws_encode_close(uint8_t out[2 + WS_MAX_CONTROL], uint16_t code, const char *reason)
{
    if (!code)
        return ws_encode_hdr(out, WS_OP_CLOSE, 0);
    size_t rl = reason ? strlen(reason) : 0;
    if (rl > WS_MAX_CONTROL - 2 - 2) /* header 2, code 2 */
        rl = WS_MAX_CONTROL - 2 - 2;
    /* Never cut inside a UTF-8 sequence. */
    while (rl > 0 && ((uint8_t)reason[rl] & 0xC0) == 0x80)
        rl--;
    size_t h = ws_encode_hdr(out, WS_OP_CLOSE, 2 + rl);
    out[h] = (uint8_t)(code >> 8);
    out[h + 1] = (uint8_t)code;
    if (rl)
        memcpy(out + h + 2, reason, rl);
    return h + 2 + rl;
}

static bool b64char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

bool ws_accept_key(const char *key, char out[29])
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /* base64 of 16 bytes: 22 characters and "==". */
    if (strlen(key) != 24 || key[22] != '=' || key[23] != '=')
        return false;
    for (int i = 0; i < 22; i++)
        if (!b64char(key[i]))
            return false;
    char cat[24 + sizeof(guid)];
    memcpy(cat, key, 24);
    memcpy(cat + 24, guid, sizeof(guid) - 1);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(cat, 24 + sizeof(guid) - 1, md, &mdlen, EVP_sha1(), NULL) || mdlen != 20)
        return false;
    EVP_EncodeBlock((unsigned char *)out, md, 20);
    out[28] = '\0';
    return true;
}
