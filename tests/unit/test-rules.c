// SPDX-License-Identifier: GPL-2.0-or-later
/* test-rules.c - the user-visible rules shared by daemon, client and sim
 * (common/rules.h): escape character, numbers, caret notation, key names,
 * ms-to-timeval. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/rules.h"

static void test_escape(void **state)
{
    (void)state;
    int e;
    assert_int_equal(xr_parse_escape("none", &e), 0);
    assert_int_equal(e, XR_ESCAPE_NONE);
    assert_int_equal(xr_parse_escape("NoNe", &e), 0);
    assert_int_equal(e, XR_ESCAPE_NONE);
    assert_int_equal(xr_parse_escape("^]", &e), 0);
    assert_int_equal(e, 0x1d);
    assert_int_equal(xr_parse_escape("^a", &e), 0);
    assert_int_equal(e, 1);
    assert_int_equal(xr_parse_escape("^_", &e), 0);
    assert_int_equal(e, 0x1f);
    assert_int_equal(xr_parse_escape("^?", &e), 0);
    assert_int_equal(e, 0x7f);
    assert_int_equal(xr_parse_escape("~", &e), 0);
    assert_int_equal(e, '~');
    assert_int_equal(xr_parse_escape("^", &e), 0);
    assert_int_equal(e, '^');
    e = 42;
    /* Refused: ^@ (NUL), a space, control and high bytes, two characters. */
    assert_int_equal(xr_parse_escape("^@", &e), -1);
    assert_int_equal(xr_parse_escape(" ", &e), -1);
    assert_int_equal(xr_parse_escape("\x01", &e), -1);
    assert_int_equal(xr_parse_escape("\xe9", &e), -1);
    assert_int_equal(xr_parse_escape("\x7f", &e), -1);
    assert_int_equal(xr_parse_escape("", &e), -1);
    assert_int_equal(xr_parse_escape("ab", &e), -1);
    assert_int_equal(xr_parse_escape("^1", &e), -1);
    assert_int_equal(xr_parse_escape("^`", &e), -1);
    assert_int_equal(xr_parse_escape("^ab", &e), -1);
    assert_int_equal(xr_parse_escape(NULL, &e), -1);
    assert_int_equal(e, 42);
}

static void test_parse_u64(void **state)
{
    (void)state;
    uint64_t v = 7;
    assert_int_equal(xr_parse_u64("0", 0, &v), 0);
    assert_true(v == 0);
    assert_int_equal(xr_parse_u64("4294967295", UINT32_MAX, &v), 0);
    assert_true(v == UINT32_MAX);
    assert_int_equal(xr_parse_u64("18446744073709551615", UINT64_MAX, &v), 0);
    assert_true(v == UINT64_MAX);
    v = 7;
    assert_int_equal(xr_parse_u64("4294967296", UINT32_MAX, &v), -1);
    assert_int_equal(xr_parse_u64("18446744073709551616", UINT64_MAX, &v), -1);
    assert_int_equal(xr_parse_u64("-1", 10, &v), -1);
    assert_int_equal(xr_parse_u64("+1", 10, &v), -1);
    assert_int_equal(xr_parse_u64(" 1", 10, &v), -1);
    assert_int_equal(xr_parse_u64("1x", 10, &v), -1);
    assert_int_equal(xr_parse_u64("0x1", 10, &v), -1);
    assert_int_equal(xr_parse_u64("", 10, &v), -1);
    assert_int_equal(xr_parse_u64(NULL, 10, &v), -1);
    assert_int_equal(xr_parse_u64("11", 10, &v), -1);
    /* The wraparound the old client parser had: a digit above max. */
    assert_int_equal(xr_parse_u64("9", 0, &v), -1);
    assert_int_equal(xr_parse_u64("95", 3, &v), -1);
    /* At most 20 digits, leading zeros included. */
    assert_int_equal(xr_parse_u64("00000000000000000001", 10, &v), 0);
    assert_true(v == 1);
    v = 7;
    assert_int_equal(xr_parse_u64("000000000000000000001", 10, &v), -1);
    assert_true(v == 7);
}

static void test_lex_u64(void **state)
{
    (void)state;
    const char *s = "64k";
    uint64_t v;
    assert_int_equal(xr_lex_u64(&s, 10, UINT64_MAX, &v), 0);
    assert_true(v == 64);
    assert_string_equal(s, "k");
    s = "0660";
    assert_int_equal(xr_lex_u64(&s, 8, 0777, &v), 0);
    assert_true(v == 0660 && *s == '\0');
    s = "0680"; /* 8 is a digit, not the end, and not octal */
    assert_int_equal(xr_lex_u64(&s, 8, UINT64_MAX, &v), -1);
    assert_string_equal(s, "0680");
    s = "k";
    assert_int_equal(xr_lex_u64(&s, 10, UINT64_MAX, &v), -1);
    s = "1000";
    assert_int_equal(xr_lex_u64(&s, 8, 0777, &v), -1);
    s = "99999999999999999999999";
    assert_int_equal(xr_lex_u64(&s, 10, UINT64_MAX, &v), -1);
    s = "1";
    assert_int_equal(xr_lex_u64(&s, 11, UINT64_MAX, &v), -1);
}

static void test_caret(void **state)
{
    (void)state;
    char c[2];
    assert_true(xr_is_control(0));
    assert_true(xr_is_control(0x1b));
    assert_true(xr_is_control(0x7f));
    assert_false(xr_is_control(' '));
    assert_false(xr_is_control('~'));
    assert_false(xr_is_control(0x80));
    xr_caret(0x1b, c);
    assert_memory_equal(c, "^[", 2);
    xr_caret(0, c);
    assert_memory_equal(c, "^@", 2);
    xr_caret(0x7f, c);
    assert_memory_equal(c, "^?", 2);
    xr_caret('\t', c);
    assert_memory_equal(c, "^I", 2);
}

static void test_key_name(void **state)
{
    (void)state;
    char out[XR_KEY_NAME_MAX];
    assert_string_equal(xr_key_name(-1, out), "none");
    assert_string_equal(xr_key_name(0x1d, out), "^]");
    assert_string_equal(xr_key_name(0, out), "^@");
    assert_string_equal(xr_key_name(0x7f, out), "^?");
    assert_string_equal(xr_key_name('~', out), "~");
    assert_string_equal(xr_key_name(' ', out), " ");
    assert_string_equal(xr_key_name(0xe9, out), "0xe9");
    /* Every escape character parses back from its name. */
    for (int ch = 1; ch < 0x80; ch++) {
        int back;
        if (ch == ' ')
            continue;
        assert_int_equal(xr_parse_escape(xr_key_name(ch, out), &back), 0);
        assert_int_equal(back, ch);
    }
}

static void test_ms_to_timeval(void **state)
{
    (void)state;
    struct timeval tv = xr_ms_to_timeval(0);
    assert_true(tv.tv_sec == 0 && tv.tv_usec == 0);
    tv = xr_ms_to_timeval(1500);
    assert_true(tv.tv_sec == 1 && tv.tv_usec == 500000);
    tv = xr_ms_to_timeval(999);
    assert_true(tv.tv_sec == 0 && tv.tv_usec == 999000);
    tv = xr_ms_to_timeval(600000);
    assert_true(tv.tv_sec == 600 && tv.tv_usec == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),   cmocka_unit_test(test_parse_u64),
        cmocka_unit_test(test_lex_u64),  cmocka_unit_test(test_caret),
        cmocka_unit_test(test_key_name), cmocka_unit_test(test_ms_to_timeval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
