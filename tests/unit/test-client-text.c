// SPDX-License-Identifier: GPL-2.0-or-later
/* test-client-text.c - the client's argument parsers and the sanitizers
 * that stand between daemon-supplied text and the user's terminal/JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "client/text.h"
#include "protocol/xcmux-proto.h"

static void test_parse_escape(void **state)
{
    (void)state;
    uint16_t e;
    assert_true(xc_parse_escape("none", &e));
    assert_int_equal(e, XP_ESCAPE_NONE);
    assert_true(xc_parse_escape("^]", &e));
    assert_int_equal(e, 0x1d);
    assert_true(xc_parse_escape("^a", &e));
    assert_int_equal(e, 1);
    assert_true(xc_parse_escape("^X", &e));
    assert_int_equal(e, 0x18);
    /* The daemon's rule (common/rules.h): no ^@, no space, no byte
     * outside printable ASCII. */
    e = 5;
    assert_false(xc_parse_escape("^@", &e));
    assert_false(xc_parse_escape(" ", &e));
    assert_false(xc_parse_escape("\xe9", &e));
    assert_false(xc_parse_escape("\x01", &e));
    assert_int_equal(e, 5);
    assert_true(xc_parse_escape("NONE", &e));
    assert_int_equal(e, XP_ESCAPE_NONE);
    assert_true(xc_parse_escape("^?", &e));
    assert_int_equal(e, 0x7f);
    assert_true(xc_parse_escape("~", &e));
    assert_int_equal(e, '~');
    assert_true(xc_parse_escape("^", &e));
    assert_int_equal(e, '^');
    assert_false(xc_parse_escape("", &e));
    assert_false(xc_parse_escape("ab", &e));
    assert_false(xc_parse_escape("^1", &e));
    assert_false(xc_parse_escape("^ab", &e));
}

static void test_parse_uint(void **state)
{
    (void)state;
    uint64_t v;
    assert_true(xc_parse_uint("0", 10, &v));
    assert_true(v == 0);
    assert_true(xc_parse_uint("4294967295", UINT32_MAX, &v));
    assert_true(v == UINT32_MAX);
    assert_false(xc_parse_uint("4294967296", UINT32_MAX, &v));
    assert_false(xc_parse_uint("18446744073709551616", UINT64_MAX, &v));
    assert_true(xc_parse_uint("18446744073709551615", UINT64_MAX, &v));
    assert_false(xc_parse_uint("-1", 10, &v));
    assert_false(xc_parse_uint("1x", 10, &v));
    assert_false(xc_parse_uint("", 10, &v));
    assert_false(xc_parse_uint("11", 10, &v));
}

static void test_sanitize(void **state)
{
    (void)state;
    char out[64];
    xc_sanitize(out, sizeof(out), "a\x1b[31mb\x7f\tc", NULL);
    assert_string_equal(out, "a?[31mb??c");
    xc_sanitize(out, sizeof(out), "l1\nl2", "\r\n");
    assert_string_equal(out, "l1\r\nl2");
    xc_sanitize(out, sizeof(out), "l1\nl2", NULL);
    assert_string_equal(out, "l1?l2");
    /* UTF-8 kept, invalid bytes and C1 lead bytes replaced. */
    xc_sanitize(out, sizeof(out), "caf\xc3\xa9 \xff\xc3", NULL);
    assert_string_equal(out, "caf\xc3\xa9 ??");
    /* Truncates on a character boundary, always terminated. */
    xc_sanitize(out, 6, "ab\xc3\xa9\xc3\xa9", NULL);
    assert_string_equal(out, "ab\xc3\xa9");
    xc_sanitize(out, 1, "abc", NULL);
    assert_string_equal(out, "");
}

static void test_utf8(void **state)
{
    (void)state;
    assert_int_equal(xc_utf8_len((const unsigned char *)"a", 1), 1);
    assert_int_equal(xc_utf8_len((const unsigned char *)"\xe2\x82\xac", 3), 3);
    assert_int_equal(xc_utf8_len((const unsigned char *)"\xe2\x82\xac", 2), 0);
    assert_int_equal(xc_utf8_len((const unsigned char *)"\xc0\x80", 2), 0);     /* overlong */
    assert_int_equal(xc_utf8_len((const unsigned char *)"\xed\xa0\x80", 3), 0); /* surrogate */
    assert_int_equal(xc_utf8_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
    assert_int_equal(xc_utf8_len((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
}

static void test_json_string(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    xc_json_string(f, "a\"b\\c\n\x01\xc3\xa9\xff");
    fclose(f);
    assert_string_equal(buf, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\\ufffd\"");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_escape), cmocka_unit_test(test_parse_uint),
        cmocka_unit_test(test_sanitize),     cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_json_string),
    };
    return cmocka_run_group_tests_name("client-text", tests, NULL, NULL);
}
