/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for web/http: request heads within WEB.md's limits, the
 * headers the gateway keeps, form bodies, the Origin check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web/http.h"

static int parse(const char *s, struct http_req *r)
{
    /* An exact-size heap copy, no NUL after it: an overread shows. */
    size_t n = strlen(s);
    char *c = malloc(n ? n : 1);
    assert_non_null(c);
    memcpy(c, s, n);
    int rc = http_parse_head(c, n, r);
    free(c);
    return rc;
}

static const char ws_req[] = "GET /ws?x=1 HTTP/1.1\r\n"
                             "Host: 127.0.0.1:7681\r\n"
                             "Upgrade: WebSocket\r\n"
                             "Connection: keep-alive, Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\n"
                             "Sec-WebSocket-Protocol: chat, xcmux.v1\r\n"
                             "Origin: http://127.0.0.1:7681\r\n"
                             "Cookie: a=b; xcmux_session="
                             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                             "; c=d\r\n"
                             "\r\n";

static void test_websocket_request(void **state)
{
    struct http_req r;
    assert_int_equal(parse(ws_req, &r), (int)strlen(ws_req));
    assert_int_equal(r.method, HTTP_GET);
    assert_string_equal(r.target, "/ws");
    assert_string_equal(r.host, "127.0.0.1:7681");
    assert_true(r.upgrade_websocket);
    assert_true(r.connection_upgrade);
    assert_false(r.connection_close);
    assert_string_equal(r.ws_key, "dGhlIHNhbXBsZSBub25jZQ==");
    assert_string_equal(r.ws_version, "13");
    assert_true(r.ws_offers_xcmux);
    assert_true(r.has_origin);
    assert_string_equal(r.origin, "http://127.0.0.1:7681");
    assert_string_equal(r.session,
                        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    assert_false(r.http10);
}

static void test_every_prefix_needs_more(void **state)
{
    struct http_req r;
    size_t n = strlen(ws_req);
    for (size_t i = 0; i < n; i++) {
        char *c = malloc(i ? i : 1);
        assert_non_null(c);
        memcpy(c, ws_req, i);
        assert_int_equal(http_parse_head(c, i, &r), HTTP_NEED_MORE);
        free(c);
    }
}

static void test_limits(void **state)
{
    struct http_req r;
    /* A head that does not end within 8192 bytes: 431. */
    size_t n = HTTP_MAX_HEAD;
    char *big = malloc(n + 100);
    assert_non_null(big);
    memset(big, 'a', n + 100);
    memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
    assert_int_equal(http_parse_head(big, n - 1, &r), HTTP_NEED_MORE);
    assert_int_equal(http_parse_head(big, n, &r), HTTP_ERR_431);
    assert_int_equal(http_parse_head(big, n + 100, &r), HTTP_ERR_431);
    /* A complete head of exactly 8192 bytes is fine. */
    memcpy(big + n - 4, "\r\n\r\n", 4);
    memcpy(big + 16, "Host: h\r\nX: ", 12);
    assert_int_equal(http_parse_head(big, n, &r), (int)n);
    free(big);
    /* A body over 4096: 413 from the head. */
    assert_int_equal(parse("POST /login HTTP/1.1\r\nHost: h\r\nContent-Length: 4097\r\n\r\n", &r),
                     HTTP_ERR_413);
    assert_true(parse("POST /login HTTP/1.1\r\nHost: h\r\nContent-Length: 4096\r\n\r\n", &r) > 0);
    assert_int_equal(r.content_length, 4096);
    assert_int_equal(
        parse("POST /login HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999\r\n\r\n", &r),
        HTTP_ERR_400);
    /* A kept header longer than its field: 400, never cut. */
    char host[600];
    int hl = snprintf(host, sizeof(host), "GET / HTTP/1.1\r\nHost: %0300d\r\n\r\n", 0);
    assert_true(hl > 0);
    assert_int_equal(parse(host, &r), HTTP_ERR_400);
}

static void test_refused(void **state)
{
    struct http_req r;
    static const struct {
        const char *req;
        int rc;
    } cases[] = {
        {"GET / HTTP/1.1\r\n\r\n", HTTP_ERR_400}, /* no Host */
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", HTTP_ERR_400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
         HTTP_ERR_400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", HTTP_ERR_400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", HTTP_ERR_400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP_ERR_501},
        {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", HTTP_ERR_505},
        {"GET / HTTP/1.2\r\nHost: a\r\n\r\n", HTTP_ERR_505},
        {"GET / FOO/1.1\r\nHost: a\r\n\r\n", HTTP_ERR_400},
        {"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_ERR_400},
        {"GET x HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_ERR_400},
        {"GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_ERR_400},
        {"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_ERR_400},
        {"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", HTTP_ERR_400},
        {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", HTTP_ERR_400},
        {"GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", HTTP_ERR_400},
        {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", HTTP_ERR_400},
        {"GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", HTTP_ERR_400},
        {"GET / HTTP/1.1\r\nHost: a\r\nOrigin: x\r\nOrigin: y\r\n\r\n", HTTP_ERR_400},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = parse(cases[i].req, &r);
        if (rc != cases[i].rc)
            fail_msg("case %zu: %d, not %d", i, rc, cases[i].rc);
    }
    /* A NUL anywhere: 400, also before the head is complete. */
    char nul[] = "GET / HTTP/1.1\r\nHost: a\0b\r\n";
    assert_int_equal(http_parse_head(nul, sizeof(nul) - 1, &r), HTTP_ERR_400);
}

static void test_accepted(void **state)
{
    struct http_req r;
    assert_true(parse("GET / HTTP/1.0\r\n\r\n", &r) > 0);
    assert_true(r.http10);
    assert_true(parse("HEAD /whoami HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", &r) > 0);
    assert_int_equal(r.method, HTTP_HEAD);
    assert_true(r.connection_close);
    assert_true(parse("DELETE / HTTP/1.1\r\nhost:h\r\n\r\n", &r) > 0);
    assert_int_equal(r.method, HTTP_OTHER);
    assert_string_equal(r.host, "h");
    /* Cookies that are not exactly 64 hex are no session. */
    assert_true(parse("GET / HTTP/1.1\r\nHost: h\r\nCookie: xcmux_session=abc\r\n\r\n", &r) > 0);
    assert_string_equal(r.session, "");
    assert_true(parse("GET / HTTP/1.1\r\nHost: h\r\nCookie: xcmux_session="
                      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\r\n\r\n",
                      &r) > 0);
    assert_string_equal(r.session, "");
    assert_true(parse("GET / HTTP/1.1\r\nHost: h\r\nCookie: xxcmux_session="
                      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n\r\n",
                      &r) > 0);
    assert_string_equal(r.session, "");
    /* Upgrade tokens are whole words. */
    assert_true(
        parse("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocketx\r\nConnection: upgraded\r\n\r\n",
              &r) > 0);
    assert_false(r.upgrade_websocket);
    assert_false(r.connection_upgrade);
}

static void test_form(void **state)
{
    static const char body[] = "user=alice&password=p%40ss+w%C3%B6rd%26&x=&password2=z";
    char out[64];
    assert_int_equal(http_form_get(body, strlen(body), "user", out, sizeof(out)), 5);
    assert_string_equal(out, "alice");
    assert_int_equal(http_form_get(body, strlen(body), "password", out, sizeof(out)), 11);
    assert_string_equal(out, "p@ss w\xc3\xb6rd&");
    assert_int_equal(http_form_get(body, strlen(body), "x", out, sizeof(out)), 0);
    assert_string_equal(out, "");
    assert_int_equal(http_form_get(body, strlen(body), "pass", out, sizeof(out)), -1);
    assert_int_equal(http_form_get(body, strlen(body), "user", out, 5), -2); /* too long */
    assert_int_equal(http_form_get("a=%4", 4, "a", out, sizeof(out)), -2);
    assert_int_equal(http_form_get("a=%4g", 5, "a", out, sizeof(out)), -2);
    assert_int_equal(http_form_get("a=%00", 5, "a", out, sizeof(out)), -2);
    assert_int_equal(http_form_get("a=%", 3, "a", out, sizeof(out)), -2);
    /* Only the given length is read. */
    assert_int_equal(http_form_get("a=bcd", 3, "a", out, sizeof(out)), 1);
    assert_string_equal(out, "b");
}

static void test_origin(void **state)
{
    assert_true(http_origin_matches("http://127.0.0.1:7681", "127.0.0.1:7681"));
    assert_true(http_origin_matches("https://Host.Example", "host.example"));
    assert_false(http_origin_matches("http://127.0.0.1:7682", "127.0.0.1:7681"));
    assert_false(http_origin_matches("http://evil.example", "127.0.0.1:7681"));
    assert_false(http_origin_matches("null", "127.0.0.1:7681"));
    assert_false(http_origin_matches("127.0.0.1:7681", "127.0.0.1:7681"));
    assert_false(http_origin_matches("http://", ""));
    assert_false(http_origin_matches("http://127.0.0.1:7681/", "127.0.0.1:7681"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_websocket_request),
        cmocka_unit_test(test_every_prefix_needs_more),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_form),
        cmocka_unit_test(test_origin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
