// SPDX-License-Identifier: GPL-2.0-or-later
/* http.c — HTTP/1.1 request heads and form bodies (http.h). */
#include "web/http.h"

#include <string.h>
#include <strings.h>

static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return c - 'A' + 10;
}

/* Copies [v, v+n) into a field of cap bytes; false if it does not fit. */
static bool put(char *dst, size_t cap, const char *v, size_t n)
{
    if (n + 1 > cap)
        return false;
    memcpy(dst, v, n);
    dst[n] = '\0';
    return true;
}

/* Whether the comma-separated list [v, v+n) holds token tok
 * (case-insensitive, optional whitespace around items). */
static bool list_has(const char *v, size_t n, const char *tok)
{
    size_t tl = strlen(tok);
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e - s == tl && strncasecmp(v + s, tok, tl) == 0)
            return true;
    }
    return false;
}

/* Finds xcmux_session=<64 hex> in a Cookie header value. */
static void cookie_session(const char *v, size_t n, struct http_req *req)
{
    static const char name[] = "xcmux_session=";
    size_t nl = sizeof(name) - 1;
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == ';'))
            i++;
        size_t s = i;
        while (i < n && v[i] != ';')
            i++;
        size_t e = i;
        while (e > s && v[e - 1] == ' ')
            e--;
        if (e - s == nl + HTTP_TOKEN_HEX && memcmp(v + s, name, nl) == 0) {
            bool ok = true;
            for (size_t k = s + nl; k < e; k++)
                ok = ok && is_hex(v[k]);
            if (ok)
                put(req->session, sizeof(req->session), v + s + nl, HTTP_TOKEN_HEX);
        }
    }
}

enum {
    SEEN_HOST = 1,
    SEEN_LEN = 2,
    SEEN_ORIGIN = 4,
    SEEN_KEY = 8,
    SEEN_COOKIE = 16
};

static int header(struct http_req *req, const char *name, size_t nl, const char *v, size_t vl,
                  unsigned *seen)
{
#define IS(s) (nl == sizeof(s) - 1 && strncasecmp(name, s, nl) == 0)
#define ONCE(bit)                                                                                  \
    do {                                                                                           \
        if (*seen & (bit))                                                                         \
            return HTTP_ERR_400;                                                                   \
        *seen |= (bit);                                                                            \
    } while (0)
    if (IS("Host")) {
        ONCE(SEEN_HOST);
        if (!put(req->host, sizeof(req->host), v, vl))
            return HTTP_ERR_400;
    } else if (IS("Origin")) {
        ONCE(SEEN_ORIGIN);
        if (!put(req->origin, sizeof(req->origin), v, vl))
            return HTTP_ERR_400;
        req->has_origin = true;
    } else if (IS("Content-Type")) {
        if (!put(req->content_type, sizeof(req->content_type), v, vl))
            return HTTP_ERR_400;
    } else if (IS("Content-Length")) {
        ONCE(SEEN_LEN);
        if (vl == 0 || vl > 10)
            return HTTP_ERR_400;
        uint64_t x = 0;
        for (size_t i = 0; i < vl; i++) {
            if (v[i] < '0' || v[i] > '9')
                return HTTP_ERR_400;
            x = x * 10 + (uint64_t)(v[i] - '0');
        }
        req->has_length = true;
        req->content_length = x;
    } else if (IS("Transfer-Encoding")) {
        return HTTP_ERR_501;
    } else if (IS("Upgrade")) {
        req->upgrade_websocket = req->upgrade_websocket || list_has(v, vl, "websocket");
    } else if (IS("Connection")) {
        req->connection_upgrade = req->connection_upgrade || list_has(v, vl, "upgrade");
        req->connection_close = req->connection_close || list_has(v, vl, "close");
    } else if (IS("Sec-WebSocket-Key")) {
        ONCE(SEEN_KEY);
        if (!put(req->ws_key, sizeof(req->ws_key), v, vl))
            return HTTP_ERR_400;
    } else if (IS("Sec-WebSocket-Version")) {
        if (!put(req->ws_version, sizeof(req->ws_version), v, vl))
            return HTTP_ERR_400;
    } else if (IS("Sec-WebSocket-Protocol")) {
        req->ws_offers_xcmux = req->ws_offers_xcmux || list_has(v, vl, "xcmux.v1");
    } else if (IS("Cookie")) {
        ONCE(SEEN_COOKIE);
        cookie_session(v, vl, req);
    }
    return 0;
#undef IS
#undef ONCE
}

int http_parse_head(const char *buf, size_t len, struct http_req *req)
{
    size_t lim = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD;
    size_t end = 0;
    for (size_t i = 0; i + 3 < lim; i++) {
        if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
            end = i + 4;
            break;
        }
    }
    if (!end) {
        if (len >= HTTP_MAX_HEAD)
            return HTTP_ERR_431;
        /* Refuse what can never become a request early. */
        if (memchr(buf, '\0', len))
            return HTTP_ERR_400;
        return HTTP_NEED_MORE;
    }
    if (memchr(buf, '\0', end))
        return HTTP_ERR_400;
    memset(req, 0, sizeof(*req));

    /* Request line: METHOD SP target SP HTTP/1.x CRLF */
    const char *p = buf, *eol = memchr(buf, '\r', end);
    if (!eol || eol[1] != '\n')
        return HTTP_ERR_400;
    const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
    if (!sp1 || sp1 == p)
        return HTTP_ERR_400;
    for (const char *q = p; q < sp1; q++)
        if (!is_tchar(*q))
            return HTTP_ERR_400;
    size_t ml = (size_t)(sp1 - p);
    if (ml == 3 && memcmp(p, "GET", 3) == 0)
        req->method = HTTP_GET;
    else if (ml == 4 && memcmp(p, "HEAD", 4) == 0)
        req->method = HTTP_HEAD;
    else if (ml == 4 && memcmp(p, "POST", 4) == 0)
        req->method = HTTP_POST;
    const char *t = sp1 + 1;
    const char *sp2 = memchr(t, ' ', (size_t)(eol - t));
    if (!sp2 || sp2 == t || *t != '/')
        return HTTP_ERR_400;
    const char *qm = memchr(t, '?', (size_t)(sp2 - t));
    const char *tend = qm ? qm : sp2;
    for (const char *q = t; q < sp2; q++)
        if ((unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7F)
            return HTTP_ERR_400;
    if (!put(req->target, sizeof(req->target), t, (size_t)(tend - t)))
        return HTTP_ERR_400;
    size_t vl = (size_t)(eol - sp2 - 1);
    if (vl != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
        return vl >= 5 && memcmp(sp2 + 1, "HTTP/", 5) == 0 ? HTTP_ERR_505 : HTTP_ERR_400;
    if (sp2[8] == '0')
        req->http10 = true;
    else if (sp2[8] != '1')
        return HTTP_ERR_505;

    unsigned seen = 0;
    p = eol + 2;
    while (p < buf + end - 2) {
        eol = memchr(p, '\r', (size_t)(buf + end - p));
        if (!eol || eol[1] != '\n')
            return HTTP_ERR_400;
        if (memchr(p, '\n', (size_t)(eol - p)))
            return HTTP_ERR_400; /* a bare LF */
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (!colon || colon == p)
            return HTTP_ERR_400; /* also obs-fold: a line starting with space */
        for (const char *q = p; q < colon; q++)
            if (!is_tchar(*q))
                return HTTP_ERR_400;
        const char *v = colon + 1, *ve = eol;
        while (v < ve && (*v == ' ' || *v == '\t'))
            v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        for (const char *q = v; q < ve; q++)
            if (((unsigned char)*q < ' ' && *q != '\t') || *q == 0x7F)
                return HTTP_ERR_400;
        int rc = header(req, p, (size_t)(colon - p), v, (size_t)(ve - v), &seen);
        if (rc)
            return rc;
        p = eol + 2;
    }
    if (!req->http10 && !(seen & SEEN_HOST))
        return HTTP_ERR_400; /* RFC 9112 3.2 */
    if (req->has_length && req->content_length > HTTP_MAX_BODY)
        return HTTP_ERR_413;
    return (int)end;
}

int http_form_get(const char *body, size_t len, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    size_t i = 0;
    while (i < len) {
        size_t s = i;
        while (i < len && body[i] != '&')
            i++;
        size_t e = i;
        if (i < len)
            i++;
        if (e - s < nl + 1 || memcmp(body + s, name, nl) != 0 || body[s + nl] != '=')
            continue;
        size_t o = 0;
        for (size_t k = s + nl + 1; k < e; k++) {
            char c = body[k];
            if (c == '+') {
                c = ' ';
            } else if (c == '%') {
                if (k + 2 >= e || !is_hex(body[k + 1]) || !is_hex(body[k + 2]))
                    return -2;
                c = (char)(hexval(body[k + 1]) << 4 | hexval(body[k + 2]));
                k += 2;
            }
            if (c == '\0' || o + 1 >= cap)
                return -2;
            out[o++] = c;
        }
        if (cap == 0)
            return -2;
        out[o] = '\0';
        return (int)o;
    }
    return -1;
}

const char *http_reason(int status)
{
    switch (status) {
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 426:
        return "Upgrade Required";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Error";
    }
}

bool http_origin_matches(const char *origin, const char *host)
{
    const char *h;
    if (strncasecmp(origin, "http://", 7) == 0)
        h = origin + 7;
    else if (strncasecmp(origin, "https://", 8) == 0)
        h = origin + 8;
    else
        return false;
    return *host && strcasecmp(h, host) == 0;
}
