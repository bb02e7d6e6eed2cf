// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-proto.c - unit tests of the wire codec: every message round-trips,
 * a stream split anywhere reassembles to the same frames, malformed frames
 * are refused with the right status, and random garbage never crashes
 * (run the suite under ASan/UBSan to make that last one meaningful).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "protocol/xcmux-proto.h"

static uint8_t frame[XP_FRAME_MAX];

static void fill_str(char *dst, size_t n, char c)
{
    memset(dst, c, n);
    dst[n] = '\0';
}

static const uint8_t sample_bytes[] = {'h', 'i', 0, 0xff, '\r', '\n'};

/* One instance of every message type, with fields at awkward values
 * (max-length strings, high bits set in integers). */
static size_t make_samples(struct xp_msg *m, size_t cap)
{
    size_t n = 0;
    memset(m, 0, cap * sizeof(*m));

    m[n].type = XP_T_HELLO;
    m[n].u.hello.version = XP_PROTOCOL_VERSION;
    strcpy(m[n++].u.hello.software, "xcmux 0.1.0");

    m[n].type = XP_T_ERROR;
    m[n].u.error.code = XP_E_UNKNOWN_DOMAIN;
    m[n].u.error.request_type = XP_T_ATTACH;
    fill_str(m[n++].u.error.text, XP_MAX_ERROR_TEXT, 'e');

    m[n].type = XP_T_END;
    m[n].u.end.request_type = XP_T_LOG;
    m[n++].u.end.count = 0x0102030405060708ull;

    m[n++].type = XP_T_LIST;
    m[n++].type = XP_T_DETACH;

    m[n].type = XP_T_LIST_ENTRY;
    {
        struct xp_list_entry *e = &m[n++].u.list_entry;
        e->domid = 0x7ff0;
        e->console = 3;
        e->state = XP_STATE_CORRUPT;
        e->flags = XP_LIST_F_WRITER | XP_LIST_F_RATE_LIMITED;
        e->sessions = 0xdeadbeef;
        e->bytes_out = UINT64_MAX;
        e->dropped_guest = 1;
        e->dropped_client = 1ull << 40;
        e->log_bytes = 12345;
        fill_str(e->name, XP_MAX_DOMAIN_NAME, 'n');
        fill_str(e->tty, XP_MAX_TTY_PATH, 't');
    }

    m[n].type = XP_T_ATTACH;
    {
        struct xp_attach *a = &m[n++].u.attach;
        a->console = 1;
        a->mode = XP_MODE_FORCE;
        a->flags = XP_ATTACH_F_TERMINAL;
        a->escape = XP_ESCAPE_NONE;
        a->replay = XP_REPLAY_DEFAULT;
        strcpy(a->domain, "guest-1");
    }

    m[n].type = XP_T_ATTACHED;
    {
        struct xp_attached *a = &m[n++].u.attached;
        a->domid = 7;
        a->console = 0;
        a->mode = XP_MODE_READ_WRITE;
        a->flags = XP_ATTACHED_F_WRITER;
        a->replayed = 4096;
        strcpy(a->name, "guest-1");
    }

    m[n].type = XP_T_INPUT;
    m[n].u.bytes.bytes = sample_bytes;
    m[n++].u.bytes.len = sizeof(sample_bytes);

    m[n].type = XP_T_DATA;
    m[n].u.bytes.bytes = sample_bytes;
    m[n++].u.bytes.len = sizeof(sample_bytes);

    m[n].type = XP_T_NOTICE;
    m[n].u.notice.code = XP_N_DROPPED;
    m[n].u.notice.count = 99;
    fill_str(m[n++].u.notice.text, XP_MAX_NOTICE_TEXT, 'x');

    m[n].type = XP_T_WHO;
    m[n].u.ref.console = 0;
    strcpy(m[n++].u.ref.domain, "12");

    m[n].type = XP_T_WHO_ENTRY;
    {
        struct xp_who_entry *w = &m[n++].u.who_entry;
        w->uid = 1000;
        w->pid = 4242;
        w->mode = XP_MODE_READ_ONLY;
        w->flags = XP_WHO_F_WRITER | XP_WHO_F_PTY;
        w->attach_time = 1700000000;
        w->bytes_sent = 77;
        fill_str(w->user, XP_MAX_USER_NAME, 'u');
    }

    m[n].type = XP_T_LOG;
    m[n].u.log.ref.console = 2;
    strcpy(m[n].u.log.ref.domain, "g");
    m[n++].u.log.max_bytes = XP_LOG_ALL;

    m[n].type = XP_T_HOTKEYS;
    m[n].u.ref.console = 0;
    strcpy(m[n++].u.ref.domain, "win10");

    m[n].type = XP_T_HOTKEY_ENTRY;
    m[n].u.hotkey.key = 'd';
    m[n].u.hotkey.source = XP_HK_SRC_GUEST;
    fill_str(m[n].u.hotkey.label, XP_MAX_HOTKEY_LABEL, 'l');
    fill_str(m[n++].u.hotkey.action, XP_MAX_HOTKEY_ACTION, 'a');

    m[n].type = XP_T_TRIGGER;
    m[n].u.trigger.ref.console = 0;
    strcpy(m[n].u.trigger.ref.domain, "win10");
    m[n++].u.trigger.key = 'd';

    m[n].type = XP_T_TRIGGER_RESULT;
    m[n].u.trigger_result.code = XP_TR_FIRED_NO_ACK;
    strcpy(m[n++].u.trigger_result.text, "no ack within 2s");

    m[n++].type = XP_T_STATUS;

    m[n].type = XP_T_STATUS_INFO;
    m[n].u.status_info.xenstore = XP_XS_UNREACHABLE;
    m[n].u.status_info.since = 1764800000u;
    m[n++].u.status_info.losses = 3;

    assert_true(n <= cap);
    return n;
}

/* Compares decoded vs original; DATA/INPUT compare content, not pointer. */
static void assert_msg_equal(const struct xp_msg *a, const struct xp_msg *b)
{
    assert_int_equal(a->type, b->type);
    switch (a->type) {
    case XP_T_LIST:
    case XP_T_DETACH:
        return;
    case XP_T_INPUT:
    case XP_T_DATA:
        assert_int_equal(a->u.bytes.len, b->u.bytes.len);
        assert_memory_equal(a->u.bytes.bytes, b->u.bytes.bytes, a->u.bytes.len);
        return;
    case XP_T_HELLO:
        assert_int_equal(a->u.hello.version, b->u.hello.version);
        assert_string_equal(a->u.hello.software, b->u.hello.software);
        return;
    case XP_T_ERROR:
        assert_int_equal(a->u.error.code, b->u.error.code);
        assert_int_equal(a->u.error.request_type, b->u.error.request_type);
        assert_string_equal(a->u.error.text, b->u.error.text);
        return;
    case XP_T_END:
        assert_int_equal(a->u.end.request_type, b->u.end.request_type);
        assert_true(a->u.end.count == b->u.end.count);
        return;
    case XP_T_LIST_ENTRY: {
        const struct xp_list_entry *x = &a->u.list_entry, *y = &b->u.list_entry;
        assert_int_equal(x->domid, y->domid);
        assert_int_equal(x->console, y->console);
        assert_int_equal(x->state, y->state);
        assert_int_equal(x->flags, y->flags);
        assert_int_equal(x->sessions, y->sessions);
        assert_true(x->bytes_out == y->bytes_out);
        assert_true(x->dropped_guest == y->dropped_guest);
        assert_true(x->dropped_client == y->dropped_client);
        assert_true(x->log_bytes == y->log_bytes);
        assert_string_equal(x->name, y->name);
        assert_string_equal(x->tty, y->tty);
        return;
    }
    case XP_T_ATTACH: {
        const struct xp_attach *x = &a->u.attach, *y = &b->u.attach;
        assert_int_equal(x->console, y->console);
        assert_int_equal(x->mode, y->mode);
        assert_int_equal(x->flags, y->flags);
        assert_int_equal(x->escape, y->escape);
        assert_int_equal(x->replay, y->replay);
        assert_string_equal(x->domain, y->domain);
        return;
    }
    case XP_T_ATTACHED: {
        const struct xp_attached *x = &a->u.attached, *y = &b->u.attached;
        assert_int_equal(x->domid, y->domid);
        assert_int_equal(x->console, y->console);
        assert_int_equal(x->mode, y->mode);
        assert_int_equal(x->flags, y->flags);
        assert_true(x->replayed == y->replayed);
        assert_string_equal(x->name, y->name);
        return;
    }
    case XP_T_NOTICE:
        assert_int_equal(a->u.notice.code, b->u.notice.code);
        assert_true(a->u.notice.count == b->u.notice.count);
        assert_string_equal(a->u.notice.text, b->u.notice.text);
        return;
    case XP_T_WHO:
    case XP_T_HOTKEYS:
        assert_int_equal(a->u.ref.console, b->u.ref.console);
        assert_string_equal(a->u.ref.domain, b->u.ref.domain);
        return;
    case XP_T_WHO_ENTRY: {
        const struct xp_who_entry *x = &a->u.who_entry, *y = &b->u.who_entry;
        assert_int_equal(x->uid, y->uid);
        assert_int_equal(x->pid, y->pid);
        assert_int_equal(x->mode, y->mode);
        assert_int_equal(x->flags, y->flags);
        assert_true(x->attach_time == y->attach_time);
        assert_true(x->bytes_sent == y->bytes_sent);
        assert_string_equal(x->user, y->user);
        return;
    }
    case XP_T_LOG:
        assert_int_equal(a->u.log.ref.console, b->u.log.ref.console);
        assert_string_equal(a->u.log.ref.domain, b->u.log.ref.domain);
        assert_int_equal(a->u.log.max_bytes, b->u.log.max_bytes);
        return;
    case XP_T_HOTKEY_ENTRY:
        assert_int_equal(a->u.hotkey.key, b->u.hotkey.key);
        assert_int_equal(a->u.hotkey.source, b->u.hotkey.source);
        assert_string_equal(a->u.hotkey.label, b->u.hotkey.label);
        assert_string_equal(a->u.hotkey.action, b->u.hotkey.action);
        return;
    case XP_T_TRIGGER:
        assert_int_equal(a->u.trigger.ref.console, b->u.trigger.ref.console);
        assert_string_equal(a->u.trigger.ref.domain, b->u.trigger.ref.domain);
        assert_int_equal(a->u.trigger.key, b->u.trigger.key);
        return;
    case XP_T_TRIGGER_RESULT:
        assert_int_equal(a->u.trigger_result.code, b->u.trigger_result.code);
        assert_string_equal(a->u.trigger_result.text, b->u.trigger_result.text);
        return;
    case XP_T_STATUS:
        return;
    case XP_T_STATUS_INFO:
        assert_int_equal(a->u.status_info.xenstore, b->u.status_info.xenstore);
        assert_int_equal(a->u.status_info.since, b->u.status_info.since);
        assert_int_equal(a->u.status_info.losses, b->u.status_info.losses);
        return;
    default:
        fail_msg("unhandled type %u", a->type);
    }
}

static struct xp_msg samples[32];
static struct xp_msg decoded;

static void test_roundtrip_every_type(void **state)
{
    (void)state;
    size_t n = make_samples(samples, 32);
    bool seen[256] = {false};

    for (size_t i = 0; i < n; i++) {
        ssize_t len = xp_encode(frame, sizeof(frame), &samples[i]);
        assert_true(len >= (ssize_t)XP_HDR_SIZE);
        struct xp_frame_hdr h;
        assert_int_equal(xp_frame_peek(frame, (size_t)len, &h), XP_OK);
        assert_int_equal(xp_frame_size(&h), (size_t)len);
        assert_int_equal(h.type, samples[i].type);
        assert_int_equal(xp_decode(&h, frame + XP_HDR_SIZE, &decoded), XP_OK);
        assert_msg_equal(&samples[i], &decoded);
        seen[samples[i].type] = true;
    }
    for (unsigned t = 0; t < 256; t++)
        if (xp_type_known(t))
            assert_true(seen[t]);
}

static void test_header_wire_layout(void **state)
{
    (void)state;
    struct xp_msg m = {.type = XP_T_END};
    m.u.end.request_type = XP_T_LIST;
    m.u.end.count = 3;
    ssize_t len = xp_encode(frame, sizeof(frame), &m);
    assert_int_equal(len, XP_HDR_SIZE + 9);
    const uint8_t want[] = {'X', 'C', XP_T_END, 0, 0, 0, 0, 9, XP_T_LIST, 0, 0, 0, 0, 0, 0, 0, 3};
    assert_memory_equal(frame, want, sizeof(want));
}

/* Concatenate all samples, then feed the stream split at every position
 * (two chunks) and byte-by-byte: the same frames must come out. */
static size_t build_stream(uint8_t *buf, size_t cap, size_t *nframes)
{
    size_t n = make_samples(samples, 32), off = 0;
    for (size_t i = 0; i < n; i++) {
        ssize_t len = xp_encode(buf + off, cap - off, &samples[i]);
        assert_true(len > 0);
        off += (size_t)len;
    }
    *nframes = n;
    return off;
}

static size_t drain(struct xp_stream *s, size_t got)
{
    struct xp_frame_hdr h;
    const uint8_t *payload;
    int rc;
    while ((rc = xp_stream_next(s, &h, &payload)) == XP_OK) {
        assert_int_equal(xp_decode(&h, payload, &decoded), XP_OK);
        assert_msg_equal(&samples[got], &decoded);
        got++;
    }
    assert_int_equal(rc, XP_NEED_MORE);
    return got;
}

static void feed_all(struct xp_stream *s, const uint8_t *p, size_t len, size_t *got)
{
    while (len) {
        size_t took = xp_stream_feed(s, p, len);
        p += took;
        len -= took;
        *got = drain(s, *got);
    }
}

static uint8_t stream_buf[3 * XP_FRAME_MAX];
static struct xp_stream stream;

static void test_stream_split_everywhere(void **state)
{
    (void)state;
    size_t nframes, total = build_stream(stream_buf, sizeof(stream_buf), &nframes);

    for (size_t cut = 0; cut <= total; cut++) {
        size_t got = 0;
        xp_stream_init(&stream);
        feed_all(&stream, stream_buf, cut, &got);
        feed_all(&stream, stream_buf + cut, total - cut, &got);
        assert_int_equal(got, nframes);
    }

    size_t got = 0;
    xp_stream_init(&stream);
    for (size_t i = 0; i < total; i++)
        feed_all(&stream, stream_buf + i, 1, &got);
    assert_int_equal(got, nframes);
}

/* The maximal frame fits the stream buffer exactly and reassembles even
 * when it straddles a previous frame. */
static void test_stream_max_frame(void **state)
{
    (void)state;
    static uint8_t big[XCMUX_MAX_PAYLOAD];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7);
    size_t off = 0;
    ssize_t len = xp_encode_bytes(stream_buf, sizeof(stream_buf), XP_T_DATA, big, 3);
    off += (size_t)len;
    len = xp_encode_bytes(stream_buf + off, sizeof(stream_buf) - off, XP_T_DATA, big, sizeof(big));
    assert_int_equal(len, XP_FRAME_MAX);
    off += (size_t)len;

    xp_stream_init(&stream);
    const uint8_t *p = stream_buf;
    size_t left = off, frames = 0;
    struct xp_frame_hdr h;
    const uint8_t *payload;
    while (left) {
        size_t took = xp_stream_feed(&stream, p, left);
        p += took;
        left -= took;
        while (xp_stream_next(&stream, &h, &payload) == XP_OK) {
            frames++;
            if (frames == 2) {
                assert_int_equal(h.len, sizeof(big));
                assert_memory_equal(payload, big, sizeof(big));
            }
        }
    }
    assert_int_equal(frames, 2);
}

static void test_peek_need_more_and_truncated(void **state)
{
    (void)state;
    struct xp_notice n = {.code = XP_N_INFO, .count = 0};
    strcpy(n.text, "hello");
    ssize_t len = xp_encode_notice(frame, sizeof(frame), &n);
    struct xp_frame_hdr h = {0};
    for (ssize_t i = 0; i < len; i++)
        assert_int_equal(xp_frame_peek(frame, (size_t)i, &h), XP_NEED_MORE);
    /* Once the header is in, the caller learns the full frame size. */
    assert_int_equal(xp_frame_peek(frame, XP_HDR_SIZE, &h), XP_NEED_MORE);
    assert_int_equal(xp_frame_size(&h), (size_t)len);

    /* Truncated payloads: decoding any shorter prefix fails cleanly. */
    for (size_t plen = 0; plen < (size_t)len - XP_HDR_SIZE; plen++) {
        struct xp_notice out;
        int rc = xp_decode_notice(frame + XP_HDR_SIZE, plen, &out);
        assert_int_equal(rc, XP_ERR_TRUNCATED);
    }
}

static void test_bad_magic_type_flags(void **state)
{
    (void)state;
    struct xp_frame_hdr h;
    ssize_t len = xp_encode_empty(frame, sizeof(frame), XP_T_LIST);
    assert_int_equal(len, XP_HDR_SIZE);

    frame[0] = 'Y';
    assert_int_equal(xp_frame_peek(frame, 1, &h), XP_ERR_BAD_MAGIC);
    frame[0] = 'X';
    frame[1] = 'D';
    assert_int_equal(xp_frame_peek(frame, XP_HDR_SIZE, &h), XP_ERR_BAD_MAGIC);
    frame[1] = 'C';
    frame[2] = 0x7f;
    assert_int_equal(xp_frame_peek(frame, 3, &h), XP_ERR_BAD_TYPE);
    frame[2] = 0;
    assert_int_equal(xp_frame_peek(frame, XP_HDR_SIZE, &h), XP_ERR_BAD_TYPE);
    frame[2] = XP_T_LIST;
    frame[3] = 0x80;
    assert_int_equal(xp_frame_peek(frame, 4, &h), XP_ERR_BAD_FLAGS);
    frame[3] = 0;
    assert_int_equal(xp_frame_peek(frame, XP_HDR_SIZE, &h), XP_OK);

    /* A stream poisoned by a bad frame stays poisoned. */
    xp_stream_init(&stream);
    const uint8_t junk[] = "GET / HTTP/1.0\r\n";
    xp_stream_feed(&stream, junk, sizeof(junk));
    const uint8_t *payload;
    assert_int_equal(xp_stream_next(&stream, &h, &payload), XP_ERR_BAD_MAGIC);
    xp_stream_feed(&stream, frame, XP_HDR_SIZE);
    assert_int_equal(xp_stream_next(&stream, &h, &payload), XP_ERR_BAD_MAGIC);
}

static void test_oversized(void **state)
{
    (void)state;
    struct xp_frame_hdr h;
    uint8_t hdr[XP_HDR_SIZE];
    assert_int_equal(xp_encode_hdr(hdr, XP_T_DATA, XCMUX_MAX_PAYLOAD), XP_OK);
    assert_int_equal(xp_frame_peek(hdr, sizeof(hdr), &h), XP_NEED_MORE);
    assert_int_equal(xp_encode_hdr(hdr, XP_T_DATA, XCMUX_MAX_PAYLOAD + 1), XP_ERR_TOO_BIG);

    /* Refused from the header alone, before any payload arrives. */
    hdr[4] = 0xff;
    assert_int_equal(xp_frame_peek(hdr, sizeof(hdr), &h), XP_ERR_TOO_BIG);
    assert_int_equal(xp_status_to_error_code(XP_ERR_TOO_BIG), XP_E_LIMIT);
    assert_int_equal(xp_status_to_error_code(XP_ERR_BAD_MAGIC), XP_E_BAD_FRAME);

    static uint8_t big[XCMUX_MAX_PAYLOAD + 1];
    assert_int_equal(xp_encode_bytes(stream_buf, sizeof(stream_buf), XP_T_INPUT, big, sizeof(big)),
                     XP_ERR_TOO_BIG);
    /* Encoder respects the caller's buffer. */
    assert_int_equal(xp_encode_bytes(frame, 20, XP_T_INPUT, big, 13), XP_ERR_NOSPACE);
    assert_int_equal(xp_encode_bytes(frame, 21, XP_T_INPUT, big, 13), 21);
    assert_int_equal(xp_encode_empty(frame, 4, XP_T_LIST), XP_ERR_NOSPACE);
}

static void test_field_limits(void **state)
{
    (void)state;
    struct xp_attach a = {.mode = XP_MODE_READ_WRITE, .escape = XP_ESCAPE_DEFAULT};
    fill_str(a.domain, XP_MAX_DOMAIN_NAME, 'd');
    assert_true(xp_encode_attach(frame, sizeof(frame), &a) > 0);

    /* Encoder refuses an overlong (unterminated) field. */
    struct xp_hello hello = {.version = 1};
    memset(hello.software, 's', sizeof(hello.software));
    assert_int_equal(xp_encode_hello(frame, sizeof(frame), &hello), XP_ERR_FIELD_TOO_LONG);

    /* Decoder refuses a string longer than its limit even if present. */
    uint8_t p[4 + 2 + XP_MAX_SOFTWARE + 1];
    memset(p, 'a', sizeof(p));
    p[0] = p[1] = p[2] = 0;
    p[3] = 1;
    p[4] = 0;
    p[5] = XP_MAX_SOFTWARE + 1;
    struct xp_hello out;
    assert_int_equal(xp_decode_hello(p, sizeof(p), &out), XP_ERR_FIELD_TOO_LONG);
    /* ... a length that runs past the end ... */
    p[5] = XP_MAX_SOFTWARE;
    assert_int_equal(xp_decode_hello(p, 4 + 2 + 10, &out), XP_ERR_TRUNCATED);
    /* ... trailing bytes ... */
    assert_int_equal(xp_decode_hello(p, sizeof(p), &out), XP_ERR_TRAILING);
    assert_int_equal(xp_decode_hello(p, sizeof(p) - 1, &out), XP_OK);
    assert_int_equal(strlen(out.software), XP_MAX_SOFTWARE);
    /* ... and a NUL inside a string. */
    p[10] = 0;
    assert_int_equal(xp_decode_hello(p, sizeof(p) - 1, &out), XP_ERR_BAD_VALUE);

    uint8_t one = 0;
    assert_int_equal(xp_decode_empty(&one, 1), XP_ERR_TRAILING);
}

static void test_bad_enum_values(void **state)
{
    (void)state;
    struct xp_attach a = {.mode = XP_MODE_READ_ONLY, .escape = 'a'};
    strcpy(a.domain, "g1");
    ssize_t len = xp_encode_attach(frame, sizeof(frame), &a);
    assert_true(len > 0);
    struct xp_attach out;
    uint8_t *p = frame + XP_HDR_SIZE;
    size_t plen = (size_t)len - XP_HDR_SIZE;

    p[4] = XP_MODE_MAX + 1; /* mode */
    assert_int_equal(xp_decode_attach(p, plen, &out), XP_ERR_BAD_VALUE);
    p[4] = 0;
    p[5] = 0x80; /* unknown flag */
    assert_int_equal(xp_decode_attach(p, plen, &out), XP_ERR_BAD_VALUE);
    p[5] = 0;
    p[6] = 0x01; /* escape 0x1xx > NONE */
    p[7] = 0x01;
    assert_int_equal(xp_decode_attach(p, plen, &out), XP_ERR_BAD_VALUE);
    p[7] = 0x00; /* exactly XP_ESCAPE_NONE */
    assert_int_equal(xp_decode_attach(p, plen, &out), XP_OK);
    assert_int_equal(out.escape, XP_ESCAPE_NONE);

    a.mode = 9;
    assert_int_equal(xp_encode_attach(frame, sizeof(frame), &a), XP_ERR_BAD_VALUE);
    a.mode = 0;
    a.domain[0] = '\0'; /* empty domain */
    len = xp_encode_attach(frame, sizeof(frame), &a);
    assert_true(len > 0);
    assert_int_equal(xp_decode_attach(frame + XP_HDR_SIZE, (size_t)len - XP_HDR_SIZE, &out),
                     XP_ERR_BAD_VALUE);

    struct xp_trigger_result tr = {.code = 0};
    len = xp_encode_trigger_result(frame, sizeof(frame), &tr);
    struct xp_trigger_result trout;
    assert_int_equal(
        xp_decode_trigger_result(frame + XP_HDR_SIZE, (size_t)len - XP_HDR_SIZE, &trout),
        XP_ERR_BAD_VALUE);

    assert_int_equal(xp_encode_empty(frame, sizeof(frame), XP_T_DATA), XP_ERR_BAD_TYPE);
    assert_int_equal(xp_encode_bytes(frame, sizeof(frame), XP_T_LIST, NULL, 0), XP_ERR_BAD_TYPE);
}

/* Every prefix of every sample payload either decodes or is refused. */
static void test_every_truncation_refused(void **state)
{
    (void)state;
    size_t n = make_samples(samples, 32);
    for (size_t i = 0; i < n; i++) {
        ssize_t len = xp_encode(frame, sizeof(frame), &samples[i]);
        struct xp_frame_hdr h;
        assert_int_equal(xp_frame_peek(frame, (size_t)len, &h), XP_OK);
        if (h.type == XP_T_DATA || h.type == XP_T_INPUT || h.len == 0)
            continue;
        for (uint32_t cut = 0; cut < h.len; cut++) {
            /* Copy into an exact-size heap block so ASan sees overreads. */
            uint8_t *p = malloc(cut ? cut : 1);
            memcpy(p, frame + XP_HDR_SIZE, cut);
            struct xp_frame_hdr th = h;
            th.len = cut;
            int rc = xp_decode(&th, p, &decoded);
            assert_true(rc == XP_ERR_TRUNCATED || rc == XP_ERR_BAD_VALUE);
            free(p);
        }
    }
}

/* Version 2 fields of LIST_ENTRY and WHO_ENTRY: present only when ext is
 * set; a version 1 entry decodes with ext false; part of them is an
 * error, not a short read. */
static void test_version2_fields(void **state)
{
    (void)state;
    struct xp_msg m = {.type = XP_T_WHO_ENTRY}, d;
    m.u.who_entry.uid = 7;
    strcpy(m.u.who_entry.user, "u");
    ssize_t v1 = xp_encode(frame, sizeof(frame), &m);
    assert_true(v1 > 0);
    m.u.who_entry.ext = true;
    m.u.who_entry.behind = 0x0102030405060708ull;
    m.u.who_entry.dropped = UINT64_MAX;
    ssize_t v2 = xp_encode(frame, sizeof(frame), &m);
    assert_int_equal(v2, v1 + 16);
    struct xp_frame_hdr h;
    assert_int_equal(xp_frame_peek(frame, (size_t)v2, &h), XP_OK);
    assert_int_equal(xp_decode(&h, frame + XP_HDR_SIZE, &d), XP_OK);
    assert_true(d.u.who_entry.ext);
    assert_true(d.u.who_entry.behind == 0x0102030405060708ull);
    assert_true(d.u.who_entry.dropped == UINT64_MAX);
    assert_string_equal(d.u.who_entry.user, "u");
    for (uint32_t cut = (uint32_t)(v1 - XP_HDR_SIZE); cut < h.len; cut++) {
        struct xp_frame_hdr th = h;
        th.len = cut;
        int rc = xp_decode(&th, frame + XP_HDR_SIZE, &d);
        if (cut == (uint32_t)(v1 - XP_HDR_SIZE)) {
            assert_int_equal(rc, XP_OK);
            assert_false(d.u.who_entry.ext);
            assert_true(d.u.who_entry.behind == 0 && d.u.who_entry.dropped == 0);
        } else {
            assert_int_equal(rc, XP_ERR_TRUNCATED);
        }
    }

    struct xp_msg l = {.type = XP_T_LIST_ENTRY};
    strcpy(l.u.list_entry.name, "g");
    v1 = xp_encode(frame, sizeof(frame), &l);
    l.u.list_entry.ext = true;
    l.u.list_entry.behind = 5u << 20;
    v2 = xp_encode(frame, sizeof(frame), &l);
    assert_int_equal(v2, v1 + 8);
    assert_int_equal(xp_frame_peek(frame, (size_t)v2, &h), XP_OK);
    assert_int_equal(xp_decode(&h, frame + XP_HDR_SIZE, &d), XP_OK);
    assert_true(d.u.list_entry.ext && d.u.list_entry.behind == 5u << 20);
    h.len -= 8;
    assert_int_equal(xp_decode(&h, frame + XP_HDR_SIZE, &d), XP_OK);
    assert_false(d.u.list_entry.ext);
    h.len += 3;
    assert_int_equal(xp_decode(&h, frame + XP_HDR_SIZE, &d), XP_ERR_TRUNCATED);
}

/* Random garbage, and random mutations of valid frames: must never crash
 * or read out of bounds; the status must be a defined one. */
static void test_fuzz_garbage(void **state)
{
    (void)state;
    srand(12345);
    size_t n = make_samples(samples, 32);
    for (int iter = 0; iter < 20000; iter++) {
        size_t len;
        uint8_t *p;
        if (iter & 1) {
            len = (size_t)rand() % 300;
            p = malloc(len ? len : 1);
            for (size_t i = 0; i < len; i++)
                p[i] = (uint8_t)rand();
            if (len >= 2 && (iter & 2)) {
                p[0] = XP_MAGIC0;
                p[1] = XP_MAGIC1;
            }
        } else {
            ssize_t flen = xp_encode(frame, sizeof(frame), &samples[(size_t)iter / 2 % n]);
            len = (size_t)flen;
            p = malloc(len);
            memcpy(p, frame, len);
            for (int k = 0; k < 1 + rand() % 4; k++)
                p[(size_t)rand() % len] ^= (uint8_t)(1u << (rand() % 8));
        }
        struct xp_frame_hdr h;
        int rc = xp_frame_peek(p, len, &h);
        assert_true(rc == XP_OK || rc == XP_NEED_MORE ||
                    (rc <= XP_ERR_BAD_MAGIC && rc >= XP_ERR_TOO_BIG));
        if (rc == XP_OK) {
            rc = xp_decode(&h, p + XP_HDR_SIZE, &decoded);
            assert_true(rc <= XP_OK && rc >= XP_ERR_NOSPACE);
            assert_string_not_equal(xp_strerror(rc), "unknown protocol status");
        }
        /* Also run each payload decoder on the raw bytes. */
        struct xp_list_entry le;
        struct xp_who_entry we;
        struct xp_attach at;
        struct xp_hotkey_entry hk;
        struct xp_log_req lg;
        (void)xp_decode_list_entry(p, len, &le);
        (void)xp_decode_who_entry(p, len, &we);
        (void)xp_decode_attach(p, len, &at);
        (void)xp_decode_hotkey_entry(p, len, &hk);
        (void)xp_decode_log(p, len, &lg);
        free(p);
    }
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(xp_type_name(XP_T_ATTACHED), "ATTACHED");
    assert_string_equal(xp_type_name(0xee), "?");
    assert_string_equal(xp_error_code_name(XP_E_UNKNOWN_REQUEST), "UNKNOWN_REQUEST");
    assert_string_equal(xp_notice_code_name(XP_N_DOMAIN_BACK), "DOMAIN_BACK");
    assert_string_equal(xp_state_name(XP_STATE_GONE), "gone");
    assert_string_equal(xp_mode_name(XP_MODE_READ_ONLY), "read-only");
    assert_string_equal(xp_trigger_code_name(XP_TR_UNKNOWN_KEY), "UNKNOWN_KEY");
    assert_true(xp_type_from_client(XP_T_INPUT));
    assert_false(xp_type_from_client(XP_T_DATA));
    for (int s = XP_ERR_NOSPACE; s <= XP_NEED_MORE; s++)
        assert_string_not_equal(xp_strerror(s), "unknown protocol status");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_every_type),
        cmocka_unit_test(test_header_wire_layout),
        cmocka_unit_test(test_stream_split_everywhere),
        cmocka_unit_test(test_stream_max_frame),
        cmocka_unit_test(test_peek_need_more_and_truncated),
        cmocka_unit_test(test_bad_magic_type_flags),
        cmocka_unit_test(test_oversized),
        cmocka_unit_test(test_field_limits),
        cmocka_unit_test(test_bad_enum_values),
        cmocka_unit_test(test_every_truncation_refused),
        cmocka_unit_test(test_fuzz_garbage),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_version2_fields),
    };
    return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
