/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for daemon/escape: every command, and every chunk split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/escape.h"

#define ESC 0x1d

/* What the machine produced, as text: pass-through bytes as themselves,
 * commands as "{name}" or "{key:X}". Test inputs avoid '{'. */
struct transcript {
    char text[1024];
    size_t len;
};

static void put(struct transcript *t, const void *p, size_t n)
{
    assert_true(t->len + n < sizeof(t->text));
    memcpy(t->text + t->len, p, n);
    t->len += n;
    t->text[t->len] = '\0';
}

static void feed(struct escape *e, struct transcript *t, const uint8_t *in, size_t len)
{
    while (len > 0) {
        struct escape_step st;
        size_t n = escape_next(e, in, len, &st);
        assert_true(n >= 1 && n <= len);
        /* The pass span lies inside the consumed part of the input. */
        if (st.npass) {
            assert_true(st.pass >= in && st.pass + st.npass <= in + n);
            put(t, st.pass, st.npass);
        }
        if (st.cmd == ESC_KEY) {
            char tag[16];
            int k = snprintf(tag, sizeof(tag), "{key:%c}", st.key);
            put(t, tag, (size_t)k);
        } else if (st.cmd != ESC_NONE) {
            char tag[16];
            int k = snprintf(tag, sizeof(tag), "{%s}", escape_cmd_name(st.cmd));
            put(t, tag, (size_t)k);
        }
        in += n;
        len -= n;
    }
}

static const char *run_whole(int ch, const char *in)
{
    static struct transcript t;
    struct escape e;
    escape_init(&e, ch);
    memset(&t, 0, sizeof(t));
    feed(&e, &t, (const uint8_t *)in, strlen(in));
    return t.text;
}

/* Feeds `in` split at every pair of points (three chunks, empty ones
 * included) and checks every split gives `want`. */
static void check_all_splits(int ch, const char *in, const char *want)
{
    size_t len = strlen(in);
    for (size_t a = 0; a <= len; a++) {
        for (size_t b = a; b <= len; b++) {
            struct transcript t;
            struct escape e;
            memset(&t, 0, sizeof(t));
            escape_init(&e, ch);
            feed(&e, &t, (const uint8_t *)in, a);
            feed(&e, &t, (const uint8_t *)in + a, b - a);
            feed(&e, &t, (const uint8_t *)in + b, len - b);
            if (strcmp(t.text, want) != 0)
                fail_msg("split %zu/%zu of \"%s\": got \"%s\", want \"%s\"", a, b, in, t.text,
                         want);
        }
    }
    /* One byte at a time. */
    struct transcript t;
    struct escape e;
    memset(&t, 0, sizeof(t));
    escape_init(&e, ch);
    for (size_t i = 0; i < len; i++)
        feed(&e, &t, (const uint8_t *)in + i, 1);
    assert_string_equal(t.text, want);
}

static void test_plain_passes_through(void **state)
{
    (void)state;
    check_all_splits(ESC, "hello world\r\n", "hello world\r\n");
}

static void test_each_command(void **state)
{
    (void)state;
    check_all_splits(ESC, "a\x1d.b", "a{detach}b");
    check_all_splits(ESC, "a\x1d?b", "a{help}b");
    check_all_splits(ESC, "a\x1drb", "a{replay}b");
    check_all_splits(ESC, "a\x1dwb", "a{who}b");
    check_all_splits(ESC,
                     "a\x1d"
                     "fb",
                     "a{force}b");
    check_all_splits(ESC,
                     "a\x1d"
                     "bb",
                     "a{break}b");
    check_all_splits(ESC, "a\x1dxb", "a{key:x}b");
    check_all_splits(ESC, "a\x1dRb", "a{key:R}b");
}

static void test_literal_escape(void **state)
{
    (void)state;
    check_all_splits(ESC,
                     "a\x1d\x1d"
                     "b",
                     "a\x1d"
                     "b");
    /* Four escape chars are two literals, not literal + armed + ... */
    check_all_splits(ESC, "\x1d\x1d\x1d\x1d", "\x1d\x1d");
    /* Three: one literal, then armed; the next key completes a command. */
    check_all_splits(ESC, "\x1d\x1d\x1d.", "\x1d{detach}");
}

static void test_sequence_of_commands(void **state)
{
    (void)state;
    check_all_splits(ESC, "\x1d?\x1dw\x1d.", "{help}{who}{detach}");
    check_all_splits(ESC,
                     "ls\r\x1drtop\x1d\x1dq\x1d"
                     "f",
                     "ls\r{replay}top\x1dq{force}");
}

static void test_armed_across_chunks(void **state)
{
    (void)state;
    struct escape e;
    struct escape_step st;
    const uint8_t first[] = {'x', ESC};
    const uint8_t second[] = {'.', 'y'};
    escape_init(&e, ESC);

    size_t n = escape_next(&e, first, sizeof(first), &st);
    assert_int_equal(n, 2);
    assert_int_equal(st.npass, 1);
    assert_int_equal(st.pass[0], 'x');
    assert_int_equal(st.cmd, ESC_NONE);
    assert_true(e.armed);

    n = escape_next(&e, second, sizeof(second), &st);
    assert_int_equal(n, 1);
    assert_int_equal(st.npass, 0);
    assert_int_equal(st.cmd, ESC_DETACH);
    assert_int_equal(st.key, '.');
    assert_false(e.armed);

    n = escape_next(&e, second + 1, 1, &st);
    assert_int_equal(n, 1);
    assert_int_equal(st.npass, 1);
    assert_int_equal(st.cmd, ESC_NONE);
}

static void test_empty_chunk_keeps_state(void **state)
{
    (void)state;
    struct escape e;
    struct escape_step st;
    const uint8_t esc = ESC;
    escape_init(&e, ESC);
    assert_int_equal(escape_next(&e, &esc, 1, &st), 1);
    assert_true(e.armed);
    assert_int_equal(escape_next(&e, NULL, 0, &st), 0);
    assert_true(e.armed);
    assert_int_equal(st.cmd, ESC_NONE);
    assert_int_equal(st.npass, 0);
}

static void test_no_escape_char(void **state)
{
    (void)state;
    check_all_splits(-1, "a\x1d.b\x1d\x1d", "a\x1d.b\x1d\x1d");
    struct escape e;
    escape_init(&e, 300); /* out of range means none */
    assert_int_equal(e.ch, -1);
}

static void test_other_escape_chars(void **state)
{
    (void)state;
    /* '~' as escape char; Ctrl-] is then ordinary data. */
    check_all_splits('~', "a\x1d.~.", "a\x1d.{detach}");
    check_all_splits('~', "~~~?", "~{help}");
    /* NUL and 0xff are valid escape characters too. */
    struct escape e;
    struct escape_step st;
    const uint8_t in[] = {'a', 0x00, '.', 0xff};
    escape_init(&e, 0);
    assert_int_equal(escape_next(&e, in, sizeof(in), &st), 3);
    assert_int_equal(st.npass, 1);
    assert_int_equal(st.cmd, ESC_DETACH);
    escape_init(&e, 0xff);
    assert_int_equal(escape_next(&e, in, sizeof(in), &st), 4);
    assert_int_equal(st.npass, 3);
    assert_true(e.armed);
}

static void test_every_byte_after_escape(void **state)
{
    (void)state;
    /* Each of the 256 keys yields exactly one outcome and disarms. */
    for (unsigned k = 0; k < 256; k++) {
        struct escape e;
        struct escape_step st;
        const uint8_t in[] = {ESC, (uint8_t)k};
        escape_init(&e, ESC);
        assert_int_equal(escape_next(&e, in, 2, &st), 2);
        assert_false(e.armed);
        if (k == ESC) {
            assert_int_equal(st.cmd, ESC_NONE);
            assert_int_equal(st.npass, 1);
            assert_int_equal(st.pass[0], ESC);
        } else {
            assert_int_equal(st.npass, 0);
            assert_int_equal(st.cmd, escape_command_for((uint8_t)k));
            assert_int_equal(st.key, k);
        }
    }
    assert_string_equal(run_whole(ESC, "\x1d\x7f"), "{key:\x7f}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_passes_through),
        cmocka_unit_test(test_each_command),
        cmocka_unit_test(test_literal_escape),
        cmocka_unit_test(test_sequence_of_commands),
        cmocka_unit_test(test_armed_across_chunks),
        cmocka_unit_test(test_empty_chunk_keeps_state),
        cmocka_unit_test(test_no_escape_char),
        cmocka_unit_test(test_other_escape_chars),
        cmocka_unit_test(test_every_byte_after_escape),
    };
    return cmocka_run_group_tests_name("escape", tests, NULL, NULL);
}
