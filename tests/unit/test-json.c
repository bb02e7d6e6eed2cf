/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for web/json: escaping (always valid UTF-8 out), bounded
 * output, and the flat-object parser's refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "web/json.h"

static void test_escape(void **state)
{
    char buf[256];
    struct json_out o;
    json_out_init(&o, buf, sizeof(buf));
    json_str(&o,
             "a\"b\\c\n\x01\x7f\xc3\xa9\xff\xc0\xaf"
             "z",
             14);
    assert_true(json_out_ok(&o));
    assert_string_equal(buf, "\"a\\\"b\\\\c\\u000a\\u0001\\u007f\xc3\xa9"
                             "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz\"");
    json_out_init(&o, buf, sizeof(buf));
    json_raw(&o, "{");
    json_key(&o, "n", true);
    json_u64(&o, UINT64_MAX);
    json_key(&o, "i", false);
    json_i64(&o, INT64_MIN);
    json_key(&o, "b", false);
    json_bool(&o, true);
    json_raw(&o, "}");
    assert_string_equal(buf, "{\"n\":18446744073709551615,\"i\":-9223372036854775808,\"b\":true}");
    /* Embedded NUL is escaped, not a terminator. */
    json_out_init(&o, buf, sizeof(buf));
    json_str(&o, "a\0b", 3);
    assert_string_equal(buf, "\"a\\u0000b\"");
}

static void test_overflow(void **state)
{
    char buf[8];
    struct json_out o;
    json_out_init(&o, buf, sizeof(buf));
    json_cstr(&o, "abcdef");
    assert_false(json_out_ok(&o));
    assert_true(o.len < sizeof(buf));
    assert_int_equal(buf[o.len], '\0');
    json_raw(&o, "x"); /* stays failed */
    assert_false(json_out_ok(&o));
    json_out_init(&o, buf, sizeof(buf));
    json_cstr(&o, "abcde"); /* 7 bytes + NUL: fits exactly */
    assert_true(json_out_ok(&o));
}

static void test_parse(void **state)
{
    struct json_obj o;
    static const char ok[] =
        " {\"type\":\"attach\",\"console\":\"web1/1\",\"mode\":\"rw\","
        "\"replay\":-1,\"follow\":true,\"x\":null,\"e\":\"\\u00e9\\ud83d\\ude00\\n\"} ";
    assert_int_equal(json_parse_flat(ok, strlen(ok), &o), 0);
    assert_int_equal(o.n, 7);
    assert_string_equal(json_get(&o, "type")->str, "attach");
    assert_string_equal(json_get(&o, "console")->str, "web1/1");
    assert_int_equal(json_get(&o, "replay")->kind, JSON_INT);
    assert_int_equal(json_get(&o, "replay")->num, -1);
    assert_true(json_get(&o, "follow")->b);
    assert_int_equal(json_get(&o, "x")->kind, JSON_NULL);
    assert_string_equal(json_get(&o, "e")->str, "\xc3\xa9\xf0\x9f\x98\x80\n");
    assert_null(json_get(&o, "nope"));
    assert_int_equal(json_parse_flat("{}", 2, &o), 0);
    assert_int_equal(o.n, 0);
    assert_int_equal(json_parse_flat("{\"n\":9223372036854775807}", 25, &o), 0);
    assert_int_equal(json_parse_flat("{\"n\":-9223372036854775808}", 26, &o), 0);
    assert_int_equal(o.m[0].num, INT64_MIN);
}

static void test_refuse(void **state)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{\"a\":1 \"b\":2}",
        "{\"a\":{}}",
        "{\"a\":[1]}",
        "{\"a\":1.5}",
        "{\"a\":1e3}",
        "{\"a\":01}",
        "{\"a\":-}",
        "{\"a\":9223372036854775808}",
        "{\"a\":-9223372036854775809}",
        "{\"a\":tru}",
        "{\"a\":1}x",
        "{\"a\":1}{}",
        "{\"a\":1,\"a\":2}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u00\"}",
        "{\"a\":\"\\u0000\"}",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\udc00\"}",
        "{\"a\":\"\\ud800\\u0041\"}",
        "{\"a\":\"tab\there\"}",
        "{\"a\":\"unterminated}",
        "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9}",
        "{\"a-key-that-is-too-long\":1}",
        "{\"s\":\"0123456789012345678901234567890123456789012345678901234567890123456789"
        "0123456789012345678901234567890123456789012345678901234567890\"}",
        "{'a':1}",
    };
    struct json_obj o;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (json_parse_flat(bad[i], strlen(bad[i]), &o) != -1)
            fail_msg("accepted: %s", bad[i]);
    }
    /* Only the given length is read. */
    assert_int_equal(json_parse_flat("{}garbage", 2, &o), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_refuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
