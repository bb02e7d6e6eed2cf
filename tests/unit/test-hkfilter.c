/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for protocol/hkfilter: HOTKEYS.md §3 sequences at every chunk
 * split, every way a sequence can go wrong, and encode/feed round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "protocol/hkfilter.h"

#define SEQ_D42 "\x1b_XCMUX;1;d;42\x1b\\"

/* What the filter produced: pass-through bytes as themselves, hotkeys as
 * "{K:ID}". Test inputs avoid '{'. */
struct transcript {
    char text[4096];
    size_t len;
};

static void put(struct transcript *t, const void *p, size_t n)
{
    assert_true(t->len + n < sizeof(t->text));
    memcpy(t->text + t->len, p, n);
    t->len += n;
    t->text[t->len] = '\0';
}

static void feed(struct hkf *f, struct transcript *t, const uint8_t *in, size_t len)
{
    while (len > 0) {
        uint8_t out[sizeof(t->text) + HKF_MAX_SEQ];
        size_t outlen = 12345;
        struct hkf_hotkey hk;
        int have = -1;
        size_t n;

        assert_true(len + HKF_MAX_SEQ <= sizeof(out));
        n = hkf_feed(f, in, len, out, &outlen, &hk, &have);
        assert_true(n >= 1 && n <= len);
        assert_true(outlen <= n + HKF_MAX_SEQ);
        assert_true(have == 0 || have == 1);
        /* Without a hotkey the whole chunk is consumed. */
        if (!have)
            assert_int_equal(n, len);
        put(t, out, outlen);
        if (have) {
            char tag[32];
            int k = snprintf(tag, sizeof(tag), "{%c:%lu}", hk.key, (unsigned long)hk.id);
            put(t, tag, (size_t)k);
        }
        in += n;
        len -= n;
    }
}

static void flush(struct hkf *f, struct transcript *t)
{
    uint8_t out[HKF_MAX_SEQ];
    size_t n = hkf_flush(f, out);
    assert_true(n <= HKF_MAX_SEQ);
    put(t, out, n);
    assert_int_equal(hkf_held(f), 0);
}

/* Whole input in one chunk, then a flush. */
static const char *run_whole(const char *in)
{
    static struct transcript t;
    struct hkf f;
    hkf_init(&f);
    memset(&t, 0, sizeof(t));
    feed(&f, &t, (const uint8_t *)in, strlen(in));
    flush(&f, &t);
    return t.text;
}

/* Every split into two chunks and byte-at-a-time give what one chunk gives. */
static void assert_split_invariant(const char *in, const char *expect)
{
    size_t len = strlen(in), cut;
    struct transcript t;
    struct hkf f;

    assert_string_equal(run_whole(in), expect);
    for (cut = 0; cut <= len; cut++) {
        hkf_init(&f);
        memset(&t, 0, sizeof(t));
        feed(&f, &t, (const uint8_t *)in, cut);
        feed(&f, &t, (const uint8_t *)in + cut, len - cut);
        flush(&f, &t);
        assert_string_equal(t.text, expect);
    }
    hkf_init(&f);
    memset(&t, 0, sizeof(t));
    for (cut = 0; cut < len; cut++)
        feed(&f, &t, (const uint8_t *)in + cut, 1);
    flush(&f, &t);
    assert_string_equal(t.text, expect);
}

static void test_plain_text_passes(void **state)
{
    (void)state;
    assert_split_invariant("hello, world\r\n", "hello, world\r\n");
    assert_split_invariant("", "");
}

static void test_sequence_in_text_every_split(void **state)
{
    (void)state;
    assert_split_invariant("ab" SEQ_D42 "cd", "ab{d:42}cd");
    assert_split_invariant(SEQ_D42, "{d:42}");
    assert_split_invariant("x\x1b_XCMUX;1;Z;4294967295\x1b\\y", "x{Z:4294967295}y");
    assert_split_invariant("\x1b_XCMUX;1;0;1\x1b\\", "{0:1}");
}

static void test_feed_stops_after_hotkey(void **state)
{
    const char *in = "ab" SEQ_D42 "cd";
    uint8_t out[64 + HKF_MAX_SEQ];
    size_t outlen, n;
    struct hkf_hotkey hk;
    int have;
    struct hkf f;
    (void)state;

    hkf_init(&f);
    n = hkf_feed(&f, (const uint8_t *)in, strlen(in), out, &outlen, &hk, &have);
    assert_int_equal(have, 1);
    assert_int_equal(n, 2 + strlen(SEQ_D42));
    assert_int_equal(outlen, 2);
    assert_memory_equal(out, "ab", 2);
    assert_int_equal(hk.key, 'd');
    assert_int_equal(hk.id, 42);
    assert_int_equal(hk.released_prefix, 0);
    n = hkf_feed(&f, (const uint8_t *)in + n, 2, out, &outlen, &hk, &have);
    assert_int_equal(have, 0);
    assert_int_equal(n, 2);
    assert_int_equal(outlen, 2);
    assert_memory_equal(out, "cd", 2);
}

static void test_lone_esc_held_until_flush(void **state)
{
    uint8_t out[8 + HKF_MAX_SEQ];
    size_t outlen;
    struct hkf_hotkey hk;
    int have;
    struct hkf f;
    (void)state;

    hkf_init(&f);
    hkf_feed(&f, (const uint8_t *)"a\x1b", 2, out, &outlen, &hk, &have);
    assert_int_equal(outlen, 1);
    assert_int_equal(hkf_held(&f), 1);
    assert_int_equal(hkf_flush(&f, out), 1);
    assert_int_equal(out[0], 0x1b);
    /* After a flush the filter starts afresh. */
    hkf_feed(&f, (const uint8_t *)"_XCMUX;1;d;1\x1b\\", 14, out, &outlen, &hk, &have);
    assert_int_equal(have, 0);
    assert_int_equal(outlen, 14);
}

static void test_diverging_prefixes_released(void **state)
{
    (void)state;
    /* Each is passed through unchanged, whatever the chunking. */
    static const char *const cases[] = {
        "\x1bx",
        "\x1b_Q",
        "\x1b_XCMUX;2;d;1\x1b\\",           /* unknown version */
        "\x1b_XCMUX;1;!;1\x1b\\",           /* bad key */
        "\x1b_XCMUX;1;dd;1\x1b\\",          /* key of two bytes */
        "\x1b_XCMUX;1;d:1\x1b\\",           /* bad separator */
        "\x1b_XCMUX;1;d;0\x1b\\",           /* id 0 */
        "\x1b_XCMUX;1;d;007\x1b\\",         /* leading zero */
        "\x1b_XCMUX;1;d;12345678901\x1b\\", /* 11 digits */
        "\x1b_XCMUX;1;d;4294967296\x1b\\",  /* over 32 bits */
        "\x1b_XCMUX;1;d;9999999999\x1b\\",
        "\x1b_XCMUX;1;d;\x1b\\",   /* no id */
        "\x1b_XCMUX;1;d;12x",      /* missing ESC \ */
        "\x1b_XCMUX;1;d;12\x1bx",  /* ESC then not '\' */
        "\x1b_XCMUX;1;d;12\x07",   /* BEL-terminated APC */
        "\x1b_xcmux;1;d;12\x1b\\", /* case matters */
        "\x1b_XCMUX1;d;12\x1b\\",
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char in[128];
        snprintf(in, sizeof(in), "<%s>", cases[i]);
        assert_split_invariant(in, in);
    }
}

static void test_missing_terminator_ends_unflushed(void **state)
{
    uint8_t out[64 + HKF_MAX_SEQ];
    size_t outlen;
    struct hkf_hotkey hk;
    int have;
    struct hkf f;
    const char *in = "\x1b_XCMUX;1;d;12";
    (void)state;

    /* An incomplete sequence stays held (nothing leaks) until flushed. */
    hkf_init(&f);
    hkf_feed(&f, (const uint8_t *)in, strlen(in), out, &outlen, &hk, &have);
    assert_int_equal(outlen, 0);
    assert_int_equal(have, 0);
    assert_int_equal(hkf_held(&f), strlen(in));
    assert_int_equal(hkf_flush(&f, out), strlen(in));
    assert_memory_equal(out, in, strlen(in));
}

static void test_back_to_back(void **state)
{
    (void)state;
    assert_split_invariant(SEQ_D42 "\x1b_XCMUX;1;s;43\x1b\\", "{d:42}{s:43}");
    assert_split_invariant("a" SEQ_D42 SEQ_D42 "b", "a{d:42}{d:42}b");
}

static void test_adjacent_escape_sequences(void **state)
{
    (void)state;
    assert_split_invariant("\x1b[A" SEQ_D42 "\x1b[B", "\x1b[A{d:42}\x1b[B");
    assert_split_invariant("\x1bOA" SEQ_D42 "\x1bOB\x1b", "\x1bOA{d:42}\x1bOB\x1b");
    /* Alt-x then a sequence. */
    assert_split_invariant("\x1bx" SEQ_D42, "\x1bx{d:42}");
}

static void test_divergence_restarts_at_esc(void **state)
{
    (void)state;
    /* The diverging ESC itself opens the real sequence. */
    assert_split_invariant("\x1b" SEQ_D42, "\x1b{d:42}");
    assert_split_invariant("\x1b_XC" SEQ_D42, "\x1b_XC{d:42}");
    assert_split_invariant("\x1b_XCMUX;1;d;" SEQ_D42, "\x1b_XCMUX;1;d;{d:42}");
    /* A truncated sequence whose terminator ESC begins the next one. */
    assert_split_invariant("\x1b_XCMUX;1;d;12" SEQ_D42, "\x1b_XCMUX;1;d;12{d:42}");
    assert_split_invariant("\x1b_XCMUX;1;d;12\x1b\x1b_Q", "\x1b_XCMUX;1;d;12\x1b\x1b_Q");
}

static void test_encode(void **state)
{
    uint8_t buf[HKF_MAX_SEQ];
    size_t n;
    (void)state;

    n = hkf_encode('d', 42, buf);
    assert_int_equal(n, strlen(SEQ_D42));
    assert_memory_equal(buf, SEQ_D42, n);
    n = hkf_encode('z', 4294967295u, buf);
    assert_int_equal(n, 24);
    assert_true(n <= HKF_MAX_SEQ);
    assert_int_equal(hkf_encode('d', 0, buf), 0);
    assert_int_equal(hkf_encode('!', 1, buf), 0);
    assert_int_equal(hkf_encode(';', 1, buf), 0);
    assert_int_equal(hkf_encode(0x80 | 'a', 1, buf), 0);
}

static void test_round_trip(void **state)
{
    static const uint32_t ids[] = {1, 9, 10, 99, 100, 12345, 429496729, 4294967294u, 4294967295u};
    int key;
    size_t i;
    (void)state;

    for (key = 0; key < 256; key++) {
        for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
            uint8_t seq[HKF_MAX_SEQ], out[HKF_MAX_SEQ * 2];
            size_t n = hkf_encode((uint8_t)key, ids[i], seq), outlen, used;
            struct hkf_hotkey hk;
            int have;
            struct hkf f;

            if (!hkf_valid_key((uint8_t)key)) {
                assert_int_equal(n, 0);
                continue;
            }
            assert_true(n > 0 && n <= HKF_MAX_SEQ);
            hkf_init(&f);
            used = hkf_feed(&f, seq, n, out, &outlen, &hk, &have);
            assert_int_equal(used, n);
            assert_int_equal(have, 1);
            assert_int_equal(outlen, 0);
            assert_int_equal(hk.key, key);
            assert_int_equal(hk.id, ids[i]);
            assert_int_equal(hkf_held(&f), 0);
        }
    }
}

static void test_release_keeps_matching(void **state)
{
    uint8_t out[64 + HKF_MAX_SEQ];
    size_t outlen, n;
    struct hkf_hotkey hk;
    int have;
    struct hkf f;
    const char *rest = "_XCMUX;1;d;5\x1b\\tail";
    (void)state;

    /* Daemon: a lone ESC is let out on an idle timer; the user then
     * completes a forged sequence. It is still reported, and none of
     * the remaining bytes is passed. */
    hkf_init(&f);
    hkf_feed(&f, (const uint8_t *)"\x1b", 1, out, &outlen, &hk, &have);
    assert_int_equal(outlen, 0);
    assert_int_equal(hkf_release(&f, out), 1);
    assert_int_equal(out[0], 0x1b);
    assert_int_equal(hkf_held(&f), 0);
    n = hkf_feed(&f, (const uint8_t *)rest, strlen(rest), out, &outlen, &hk, &have);
    assert_int_equal(have, 1);
    assert_int_equal(outlen, 0);
    assert_int_equal(hk.released_prefix, 1);
    assert_int_equal(hk.key, 'd');
    assert_int_equal(hk.id, 5);
    assert_int_equal(n, strlen(rest) - 4);

    /* Released, then diverging: only the still-held bytes come out. */
    hkf_init(&f);
    hkf_feed(&f, (const uint8_t *)"\x1b_X", 3, out, &outlen, &hk, &have);
    assert_int_equal(hkf_release(&f, out), 3);
    hkf_feed(&f, (const uint8_t *)"CMq", 3, out, &outlen, &hk, &have);
    assert_int_equal(have, 0);
    assert_int_equal(outlen, 3);
    assert_memory_equal(out, "CMq", 3);
    assert_int_equal(hkf_held(&f), 0);

    /* Released right after the terminator ESC, then a new sequence. */
    hkf_init(&f);
    hkf_feed(&f, (const uint8_t *)"\x1b_XCMUX;1;d;1\x1b", 14, out, &outlen, &hk, &have);
    assert_int_equal(hkf_release(&f, out), 14);
    n = hkf_feed(&f, (const uint8_t *)"_XCMUX;1;e;2\x1b\\", 14, out, &outlen, &hk, &have);
    assert_int_equal(have, 1);
    assert_int_equal(hk.key, 'e');
    assert_int_equal(hk.released_prefix, 1);
    assert_int_equal(outlen, 0);
}

static void test_introducer_helpers(void **state)
{
    uint8_t out[64 + HKF_MAX_SEQ];
    size_t outlen;
    struct hkf_hotkey hk;
    int have;
    struct hkf f;
    (void)state;

    hkf_init(&f);
    assert_int_equal(hkf_holding_introducer(&f), 0);
    hkf_feed(&f, (const uint8_t *)"\x1b_XCMU", 6, out, &outlen, &hk, &have);
    assert_int_equal(hkf_holding_introducer(&f), 0);
    hkf_feed(&f, (const uint8_t *)"X", 1, out, &outlen, &hk, &have);
    assert_int_equal(hkf_holding_introducer(&f), 1);
    hkf_feed(&f, (const uint8_t *)";1;d;7", 6, out, &outlen, &hk, &have);
    assert_int_equal(hkf_holding_introducer(&f), 1);
    assert_int_equal(hkf_held(&f), 13);
    hkf_discard(&f);
    assert_int_equal(hkf_held(&f), 0);
    assert_int_equal(hkf_holding_introducer(&f), 0);
    /* After a discard the tail of the dropped sequence is plain text. */
    hkf_feed(&f, (const uint8_t *)"\x1b\\", 2, out, &outlen, &hk, &have);
    assert_int_equal(outlen, 2);
    assert_memory_equal(out, "\x1b\\", 2);
    assert_int_equal(hkf_held(&f), 0);

    assert_int_equal(hkf_contains_introducer((const uint8_t *)"ab\x1b_XCMUX", 9), 1);
    assert_int_equal(hkf_contains_introducer((const uint8_t *)"ab\x1b_XCMU", 8), 0);
    assert_int_equal(hkf_contains_introducer((const uint8_t *)SEQ_D42, strlen(SEQ_D42)), 1);
    assert_int_equal(hkf_contains_introducer((const uint8_t *)"\x1b_XCMUX;2;", 10), 1);
    assert_int_equal(hkf_contains_introducer((const uint8_t *)"", 0), 0);
}

/* Random input from the sequence alphabet, random chunking: the filter
 * loses nothing (pass-through + re-encoded hotkeys == input) and chunking
 * never changes the result. */
static void test_random_lossless(void **state)
{
    static const char alphabet[] = "\x1b_XCMUX;1;d;0129\\a[";
    unsigned seed = 12345;
    int round;
    (void)state;

    for (round = 0; round < 3000; round++) {
        uint8_t in[96], rebuilt[96 * 2], out[96 + HKF_MAX_SEQ];
        size_t len, i, rlen = 0, pos = 0;
        struct transcript whole;
        struct hkf f;

        seed = seed * 1103515245u + 12345u;
        len = 1 + (seed >> 16) % sizeof(in);
        for (i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = (uint8_t)alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        /* Plant a valid sequence sometimes. */
        if (round % 3 == 0 && len > 24) {
            size_t at = (seed >> 8) % (len - 24);
            hkf_encode('d', (uint32_t)round + 1, in + at);
        }
        hkf_init(&f);
        memset(&whole, 0, sizeof(whole));
        while (pos < len) {
            struct hkf_hotkey hk;
            int have;
            size_t outlen, chunk, n;
            seed = seed * 1103515245u + 12345u;
            chunk = 1 + (seed >> 16) % (len - pos);
            n = hkf_feed(&f, in + pos, chunk, out, &outlen, &hk, &have);
            assert_true(outlen <= chunk + HKF_MAX_SEQ);
            memcpy(rebuilt + rlen, out, outlen);
            rlen += outlen;
            if (have)
                rlen += hkf_encode(hk.key, hk.id, rebuilt + rlen);
            pos += n;
        }
        rlen += hkf_flush(&f, rebuilt + rlen);
        assert_int_equal(rlen, len);
        assert_memory_equal(rebuilt, in, len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_passes),
        cmocka_unit_test(test_sequence_in_text_every_split),
        cmocka_unit_test(test_feed_stops_after_hotkey),
        cmocka_unit_test(test_lone_esc_held_until_flush),
        cmocka_unit_test(test_diverging_prefixes_released),
        cmocka_unit_test(test_missing_terminator_ends_unflushed),
        cmocka_unit_test(test_back_to_back),
        cmocka_unit_test(test_adjacent_escape_sequences),
        cmocka_unit_test(test_divergence_restarts_at_esc),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_release_keeps_matching),
        cmocka_unit_test(test_introducer_helpers),
        cmocka_unit_test(test_random_lossless),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
