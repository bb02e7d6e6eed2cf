/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws.h — RFC 6455 WebSocket framing for xcmux-web (protocol/WEB.md).
 *
 * Contract
 * - Pure: no I/O, no allocation, no global state; safe in any thread.
 * - struct ws_parser is an incremental parser of the browser's byte
 *   stream. It takes any chunking (one byte at a time included) and gives
 *   the same events. Data payloads are unmasked in place in the caller's
 *   buffer and handed out as chunks pointing into it; control frames
 *   (<= 125 bytes) are gathered in the parser itself.
 * - Every rule of WEB.md "Limits and closes" that framing can see is
 *   enforced here: a violation yields WS_EV_ERROR with the close code to
 *   send (1002 or 1009, 1007 for a close frame's reason that is not
 *   UTF-8), and the parser stays in that error (sticky: a byte stream
 *   cannot resynchronise). What a message means (UTF-8 of a whole text
 *   message, JSON) is the caller's business.
 * - Encoders write server frames: unmasked, FIN set, no fragmentation.
 */
#ifndef XCMUX_WEB_WS_H
#define XCMUX_WEB_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* WEB.md: a frame's payload, and a reassembled message, are at most this. */
#define WS_MAX_MESSAGE 65536u
/* RFC 6455 5.5: control frames carry at most 125 bytes. */
#define WS_MAX_CONTROL 125u
/* Largest server frame header: 2 + 8 (64-bit length). */
#define WS_MAX_HDR 10u

enum ws_opcode {
    WS_OP_CONT = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xA,
};

enum ws_close_code {
    WS_CLOSE_NORMAL = 1000,
    WS_CLOSE_GOING_AWAY = 1001,
    WS_CLOSE_PROTOCOL = 1002,
    WS_CLOSE_NO_STATUS = 1005, /* never on the wire: a close without a code */
    WS_CLOSE_BAD_DATA = 1007,
    WS_CLOSE_POLICY = 1008,
    WS_CLOSE_TOO_BIG = 1009,
    WS_CLOSE_INTERNAL = 1011,
};

enum ws_event_type {
    WS_EV_NONE = 0, /* the input so far is a valid prefix: feed more */
    WS_EV_DATA,     /* a chunk of a text or binary message */
    WS_EV_CONTROL,  /* a whole PING, PONG or CLOSE frame */
    WS_EV_ERROR,    /* protocol violation: close with ev->close_code */
};

struct ws_event {
    enum ws_event_type type;
    uint8_t opcode;        /* DATA: TEXT or BINARY (of the message); CONTROL */
    bool fin;              /* DATA: this chunk ends the message */
    const uint8_t *data;   /* DATA: into the caller's buffer; CONTROL: parser */
    size_t len;            /* DATA: chunk bytes (may be 0); CONTROL: payload */
    uint16_t close_code;   /* CONTROL CLOSE: the peer's code or 1005; ERROR */
    const uint8_t *reason; /* CONTROL CLOSE: the peer's reason (UTF-8) */
    size_t reason_len;
};

struct ws_parser {
    int state;       /* private */
    uint8_t hdr[14]; /* header bytes gathered so far */
    uint8_t hdr_len;
    uint8_t hdr_need; /* header size once the length byte is known */
    uint8_t opcode;   /* of the current frame */
    bool fin;
    uint8_t mask[4];
    uint64_t remain; /* payload bytes of the current frame not yet seen */
    uint64_t frame_len;
    uint64_t frame_done; /* payload bytes seen (the mask phase) */
    bool in_message;     /* a fragmented data message has started */
    uint8_t msg_opcode;
    uint64_t msg_len;  /* bytes of the current message so far */
    bool data_started; /* DATA event for this frame already given */
    uint16_t error;    /* sticky close code, 0 = none */
    uint8_t ctrl[WS_MAX_CONTROL];
};

void ws_parser_init(struct ws_parser *p);
/* Consumes a prefix of buf (len bytes, modified in place: unmasking) and
 * reports at most one event. Returns the bytes consumed; call again with
 * the rest while it consumes bytes or reports an event. After WS_EV_ERROR
 * it consumes nothing and keeps reporting the error. */
size_t ws_parse(struct ws_parser *p, uint8_t *buf, size_t len, struct ws_event *ev);

/* Whether the bytes are well-formed UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF). */
bool ws_utf8_valid(const uint8_t *s, size_t len);

/* Writes a server frame header (FIN, unmasked) for a payload of len bytes;
 * returns its size (2, 4 or 10). */
size_t ws_encode_hdr(uint8_t out[WS_MAX_HDR], uint8_t opcode, uint64_t len);
/* Writes a whole CLOSE frame with code and a reason cut to fit a control
 * frame (out needs 2 + WS_MAX_CONTROL bytes); returns its size. A code of
 * 0 writes an empty close. */
size_t ws_encode_close(uint8_t out[2 + WS_MAX_CONTROL], uint16_t code, const char *reason);
/* Whether a close code may appear on the wire (RFC 6455 7.4). */
bool ws_close_code_valid(unsigned code);

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + GUID)).
 * The key must be the base64 of 16 bytes (24 characters); returns false
 * (out untouched) otherwise. out receives 28 characters and a NUL. */
bool ws_accept_key(const char *key, char out[29]);

#endif
