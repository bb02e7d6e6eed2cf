/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * http.h — the HTTP/1.1 request head parser and form decoder of xcmux-web
 * (protocol/WEB.md "Listening").
 *
 * Contract
 * - Pure: no I/O, no allocation; safe in any thread.
 * - http_parse_head() looks at the bytes received so far. It returns the
 *   head's length (through the blank line) when a whole head is there and
 *   valid, HTTP_NEED_MORE for a valid prefix shorter than HTTP_MAX_HEAD,
 *   or a negative status: the response to send before closing.
 * - Only what the gateway uses is kept, copied NUL-terminated into fixed
 *   fields; a header it uses that does not fit its field is an error
 *   (400), never silently cut. Repeated Host, Content-Length, Origin,
 *   Cookie or Sec-WebSocket-Key headers are an error (request smuggling,
 *   ambiguity). Transfer-Encoding is refused (501): bodies are only ever
 *   sized by Content-Length.
 * - http_form_get() finds one field of an application/x-www-form-urlencoded
 *   body and percent-decodes it into a bounded buffer.
 */
#ifndef XCMUX_WEB_HTTP_H
#define XCMUX_WEB_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEAD  8192u /* else 431 */
#define HTTP_MAX_BODY  4096u /* else 413 */
#define HTTP_MAX_FIELD 255u  /* a kept header value or the request target */
#define HTTP_TOKEN_HEX 64u   /* the session cookie */

enum {
    HTTP_NEED_MORE = 0,
    HTTP_ERR_400 = -400,
    HTTP_ERR_413 = -413,
    HTTP_ERR_431 = -431,
    HTTP_ERR_501 = -501,
    HTTP_ERR_505 = -505,
};

enum http_method {
    HTTP_OTHER = 0,
    HTTP_GET,
    HTTP_HEAD,
    HTTP_POST,
};

struct http_req {
    enum http_method method;
    char target[HTTP_MAX_FIELD + 1]; /* path, query cut off */
    char host[HTTP_MAX_FIELD + 1];
    char origin[HTTP_MAX_FIELD + 1];
    bool has_origin;
    char content_type[HTTP_MAX_FIELD + 1];
    bool has_length;
    uint64_t content_length;
    bool upgrade_websocket;  /* Upgrade: websocket */
    bool connection_upgrade; /* Connection: ... upgrade ... */
    bool connection_close;
    char ws_key[HTTP_MAX_FIELD + 1];
    char ws_version[16];
    bool ws_offers_xcmux;             /* Sec-WebSocket-Protocol lists xcmux.v1 */
    char session[HTTP_TOKEN_HEX + 1]; /* xcmux_session cookie, "" if none */
    bool http10;
};

int http_parse_head(const char *buf, size_t len, struct http_req *req);

/* Decodes field NAME of a form body into out (cap bytes, NUL-terminated).
 * Returns the decoded length, -1 when absent, -2 when malformed (bad
 * percent escape, a NUL) or longer than cap - 1. */
int http_form_get(const char *body, size_t len, const char *name, char *out, size_t cap);

/* "Not Found" etc. for a status code. */
const char *http_reason(int status);

/* Whether an Origin header value names the same host as the Host header
 * (scheme ignored: http://H or https://H with H equal to host, port
 * included). */
bool http_origin_matches(const char *origin, const char *host);

#endif
