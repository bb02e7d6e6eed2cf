// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-http.c — libFuzzer target for xcmux-web's request-head parser,
 * form decoder and flat JSON parser (web/http.c, web/json.c): what anyone
 * who can reach the listening port sends, and what a logged-in browser
 * sends as text messages.
 *
 * Checked:
 * - http_parse_head() returns NEED_MORE, a known error, or a length
 *   within the input ending in CRLFCRLF; every kept field is
 *   NUL-terminated within its array; the session is "" or 64 hex; a
 *   success on the whole input is never reached earlier (every shorter
 *   prefix that ends before the head gives NEED_MORE or an error), and
 *   parsing the head alone gives the same result;
 * - http_form_get() never writes past its buffer, returns -2, -1 or the
 *   decoded length with no NUL inside;
 * - json_parse_flat() yields at most JSON_MAX_MEMBERS members with
 *   NUL-terminated keys and strings; re-encoding any string with json_str
 *   gives valid UTF-8, and for a valid UTF-8 input the encoder's output
 *   parses back to the same string.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz-common.h"
#include "web/http.h"
#include "web/json.h"
#include "web/ws.h"

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static void check_req(const struct http_req *r)
{
    FUZZ_CHECK(terminated(r->target, sizeof(r->target)));
    FUZZ_CHECK(terminated(r->host, sizeof(r->host)));
    FUZZ_CHECK(terminated(r->origin, sizeof(r->origin)));
    FUZZ_CHECK(terminated(r->content_type, sizeof(r->content_type)));
    FUZZ_CHECK(terminated(r->ws_key, sizeof(r->ws_key)));
    FUZZ_CHECK(terminated(r->ws_version, sizeof(r->ws_version)));
    size_t sl = strlen(r->session);
    FUZZ_CHECK(sl == 0 || sl == HTTP_TOKEN_HEX);
    for (size_t i = 0; i < sl; i++)
        FUZZ_CHECK(strchr("0123456789abcdefABCDEF", r->session[i]) != NULL);
    FUZZ_CHECK(r->target[0] == '/');
    FUZZ_CHECK(!r->has_length || r->content_length <= HTTP_MAX_BODY);
}

static bool same_req(const struct http_req *a, const struct http_req *b)
{
    return a->method == b->method && !strcmp(a->target, b->target) && !strcmp(a->host, b->host) &&
           !strcmp(a->origin, b->origin) && a->has_origin == b->has_origin &&
           !strcmp(a->content_type, b->content_type) && a->has_length == b->has_length &&
           a->content_length == b->content_length && a->upgrade_websocket == b->upgrade_websocket &&
           a->connection_upgrade == b->connection_upgrade &&
           a->connection_close == b->connection_close && !strcmp(a->ws_key, b->ws_key) &&
           !strcmp(a->ws_version, b->ws_version) && a->ws_offers_xcmux == b->ws_offers_xcmux &&
           !strcmp(a->session, b->session) && a->http10 == b->http10;
}

static void fuzz_head(const char *d, size_t n)
{
    struct http_req r;
    char *c = malloc(n ? n : 1);
    FUZZ_CHECK(c != NULL);
    memcpy(c, d, n);
    int rc = http_parse_head(c, n, &r);
    FUZZ_CHECK(rc == HTTP_NEED_MORE || rc == HTTP_ERR_400 || rc == HTTP_ERR_413 ||
               rc == HTTP_ERR_431 || rc == HTTP_ERR_501 || rc == HTTP_ERR_505 || rc > 0);
    if (rc == HTTP_NEED_MORE)
        FUZZ_CHECK(n < HTTP_MAX_HEAD);
    if (rc > 0) {
        FUZZ_CHECK((size_t)rc <= n && (size_t)rc <= HTTP_MAX_HEAD && rc >= 4);
        FUZZ_CHECK(memcmp(c + rc - 4, "\r\n\r\n", 4) == 0);
        check_req(&r);
        struct http_req r2;
        FUZZ_CHECK(http_parse_head(c, (size_t)rc, &r2) == rc);
        FUZZ_CHECK(same_req(&r, &r2));
        /* No shorter prefix is already a whole head. */
        for (size_t k = 0; k < (size_t)rc; k += 1 + (size_t)rc / 16) {
            struct http_req r3;
            int rk = http_parse_head(c, k, &r3);
            FUZZ_CHECK(rk <= 0);
        }
    }
    free(c);
}

static void fuzz_form(const char *d, size_t n)
{
    static const char *const names[] = {"user", "password", "a"};
    for (size_t i = 0; i < 3; i++) {
        char out[40];
        memset(out, 0x5a, sizeof(out));
        int rc = http_form_get(d, n, names[i], out, 32);
        FUZZ_CHECK(rc >= -2);
        for (size_t k = 32; k < sizeof(out); k++)
            FUZZ_CHECK(out[k] == 0x5a);
        if (rc >= 0) {
            FUZZ_CHECK(rc < 32);
            FUZZ_CHECK(out[rc] == '\0' && strlen(out) == (size_t)rc);
        }
    }
}

static void fuzz_json(const char *d, size_t n)
{
    struct json_obj o;
    char *c = malloc(n ? n : 1);
    FUZZ_CHECK(c != NULL);
    memcpy(c, d, n);
    if (json_parse_flat(c, n, &o) == 0) {
        FUZZ_CHECK(o.n <= JSON_MAX_MEMBERS);
        for (size_t i = 0; i < o.n; i++) {
            FUZZ_CHECK(terminated(o.m[i].key, sizeof(o.m[i].key)));
            FUZZ_CHECK(json_get(&o, o.m[i].key) == &o.m[i]);
            if (o.m[i].kind == JSON_STRING)
                FUZZ_CHECK(terminated(o.m[i].str, sizeof(o.m[i].str)));
        }
    }
    free(c);
    /* The encoder: any bytes out as valid UTF-8; valid input round-trips. */
    size_t len = n < JSON_MAX_STRING ? n : JSON_MAX_STRING;
    char buf[JSON_MAX_STRING * 6 + 32];
    struct json_out out;
    json_out_init(&out, buf, sizeof(buf));
    json_raw(&out, "{\"k\":");
    json_str(&out, d, len);
    json_raw(&out, "}");
    FUZZ_CHECK(json_out_ok(&out));
    FUZZ_CHECK(ws_utf8_valid((const uint8_t *)buf, out.len));
    if (ws_utf8_valid((const uint8_t *)d, len) && !memchr(d, '\0', len)) {
        FUZZ_CHECK(json_parse_flat(buf, out.len, &o) == 0);
        FUZZ_CHECK(o.n == 1 && o.m[0].kind == JSON_STRING);
        FUZZ_CHECK(strlen(o.m[0].str) == len && memcmp(o.m[0].str, d, len) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *d = (const char *)data;
    fuzz_head(d, size);
    fuzz_form(d, size);
    fuzz_json(d, size);
    return 0;
}
