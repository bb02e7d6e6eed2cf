// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * proto.c - codec for the xcmux wire protocol (see xcmux-proto.h and
 * PROTOCOL.md).  Payloads are fixed-width big-endian integers followed by
 * strings as u16 length + bytes (no NUL).  Every read goes through struct
 * rd, which refuses to step past the payload; every write through struct
 * wr, which refuses to step past the output buffer.
 */
#include "protocol/xcmux-proto.h"

#include <string.h>

/* ---- framing -------------------------------------------------------- */

bool xp_type_known(unsigned type)
{
    switch (type) {
    case XP_T_HELLO:
    case XP_T_ERROR:
    case XP_T_END:
    case XP_T_LIST:
    case XP_T_LIST_ENTRY:
    case XP_T_ATTACH:
    case XP_T_ATTACHED:
    case XP_T_INPUT:
    case XP_T_DATA:
    case XP_T_NOTICE:
    case XP_T_DETACH:
    case XP_T_WHO:
    case XP_T_WHO_ENTRY:
    case XP_T_LOG:
    case XP_T_HOTKEYS:
    case XP_T_HOTKEY_ENTRY:
    case XP_T_TRIGGER:
    case XP_T_TRIGGER_RESULT:
    case XP_T_STATUS:
    case XP_T_STATUS_INFO:
        return true;
    default:
        return false;
    }
}

bool xp_type_from_client(unsigned type)
{
    switch (type) {
    case XP_T_HELLO:
    case XP_T_LIST:
    case XP_T_ATTACH:
    case XP_T_INPUT:
    case XP_T_DETACH:
    case XP_T_WHO:
    case XP_T_LOG:
    case XP_T_HOTKEYS:
    case XP_T_TRIGGER:
    case XP_T_STATUS:
        return true;
    default:
        return false;
    }
}

const char *xp_type_name(unsigned type)
{
    switch (type) {
    case XP_T_HELLO:
        return "HELLO";
    case XP_T_ERROR:
        return "ERROR";
    case XP_T_END:
        return "END";
    case XP_T_LIST:
        return "LIST";
    case XP_T_LIST_ENTRY:
        return "LIST_ENTRY";
    case XP_T_ATTACH:
        return "ATTACH";
    case XP_T_ATTACHED:
        return "ATTACHED";
    case XP_T_INPUT:
        return "INPUT";
    case XP_T_DATA:
        return "DATA";
    case XP_T_NOTICE:
        return "NOTICE";
    case XP_T_DETACH:
        return "DETACH";
    case XP_T_WHO:
        return "WHO";
    case XP_T_WHO_ENTRY:
        return "WHO_ENTRY";
    case XP_T_LOG:
        return "LOG";
    case XP_T_HOTKEYS:
        return "HOTKEYS";
    case XP_T_HOTKEY_ENTRY:
        return "HOTKEY_ENTRY";
    case XP_T_TRIGGER:
        return "TRIGGER";
    case XP_T_TRIGGER_RESULT:
        return "TRIGGER_RESULT";
    case XP_T_STATUS:
        return "STATUS";
    case XP_T_STATUS_INFO:
        return "STATUS_INFO";
    default:
        return "?";
    }
}

const char *xp_strerror(int status)
{
    switch (status) {
    case XP_OK:
        return "ok";
    case XP_NEED_MORE:
        return "incomplete frame";
    case XP_ERR_BAD_MAGIC:
        return "bad frame magic";
    case XP_ERR_BAD_TYPE:
        return "unknown message type";
    case XP_ERR_BAD_FLAGS:
        return "reserved frame flags set";
    case XP_ERR_TOO_BIG:
        return "frame payload too large";
    case XP_ERR_TRUNCATED:
        return "field past end of payload";
    case XP_ERR_FIELD_TOO_LONG:
        return "field longer than its limit";
    case XP_ERR_TRAILING:
        return "trailing bytes after message";
    case XP_ERR_BAD_VALUE:
        return "invalid field value";
    case XP_ERR_NOSPACE:
        return "output buffer too small";
    default:
        return "unknown protocol status";
    }
}

const char *xp_error_code_name(unsigned code)
{
    switch (code) {
    case XP_E_BAD_FRAME:
        return "BAD_FRAME";
    case XP_E_BAD_VERSION:
        return "BAD_VERSION";
    case XP_E_UNKNOWN_DOMAIN:
        return "UNKNOWN_DOMAIN";
    case XP_E_PERMISSION:
        return "PERMISSION";
    case XP_E_NOT_WRITER:
        return "NOT_WRITER";
    case XP_E_BUSY:
        return "BUSY";
    case XP_E_INTERNAL:
        return "INTERNAL";
    case XP_E_UNKNOWN_REQUEST:
        return "UNKNOWN_REQUEST";
    case XP_E_LIMIT:
        return "LIMIT";
    case XP_E_UNKNOWN_CONSOLE:
        return "UNKNOWN_CONSOLE";
    default:
        return "?";
    }
}

uint16_t xp_status_to_error_code(int status)
{
    return status == XP_ERR_TOO_BIG ? XP_E_LIMIT : XP_E_BAD_FRAME;
}

const char *xp_notice_code_name(unsigned code)
{
    switch (code) {
    case XP_N_DROPPED:
        return "DROPPED";
    case XP_N_FORCED:
        return "FORCED";
    case XP_N_WRITER:
        return "WRITER";
    case XP_N_DOMAIN_GONE:
        return "DOMAIN_GONE";
    case XP_N_DOMAIN_BACK:
        return "DOMAIN_BACK";
    case XP_N_DETACHED:
        return "DETACHED";
    case XP_N_SHUTDOWN:
        return "SHUTDOWN";
    case XP_N_JOINED:
        return "JOINED";
    case XP_N_LEFT:
        return "LEFT";
    case XP_N_INFO:
        return "INFO";
    default:
        return "?";
    }
}

const char *xp_state_name(unsigned state)
{
    switch (state) {
    case XP_STATE_RUNNING:
        return "running";
    case XP_STATE_GONE:
        return "gone";
    case XP_STATE_CORRUPT:
        return "corrupt";
    case XP_STATE_WAITING:
        return "waiting";
    default:
        return "?";
    }
}

const char *xp_mode_name(unsigned mode)
{
    switch (mode) {
    case XP_MODE_READ_ONLY:
        return "read-only";
    case XP_MODE_READ_WRITE:
        return "read-write";
    case XP_MODE_FORCE:
        return "force";
    default:
        return "?";
    }
}

const char *xp_trigger_code_name(unsigned code)
{
    switch (code) {
    case XP_TR_FIRED_ACKED:
        return "FIRED_ACKED";
    case XP_TR_FIRED_NO_ACK:
        return "FIRED_NO_ACK";
    case XP_TR_DENIED:
        return "DENIED";
    case XP_TR_UNKNOWN_KEY:
        return "UNKNOWN_KEY";
    default:
        return "?";
    }
}

int xp_frame_peek(const uint8_t *buf, size_t len, struct xp_frame_hdr *out)
{
    /* Check each header byte as soon as it arrives so garbage is refused
     * without waiting for (possibly never-coming) further bytes. */
    if (len >= 1 && buf[0] != XP_MAGIC0)
        return XP_ERR_BAD_MAGIC;
    if (len >= 2 && buf[1] != XP_MAGIC1)
        return XP_ERR_BAD_MAGIC;
    if (len >= 3 && !xp_type_known(buf[2]))
        return XP_ERR_BAD_TYPE;
    if (len >= 4 && (buf[3] & ~XP_FLAGS_KNOWN))
        return XP_ERR_BAD_FLAGS;
    if (len < XP_HDR_SIZE)
        return XP_NEED_MORE;

    uint32_t plen =
        (uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 | (uint32_t)buf[6] << 8 | buf[7];
    if (plen > XCMUX_MAX_PAYLOAD)
        return XP_ERR_TOO_BIG;
    out->type = buf[2];
    out->flags = buf[3];
    out->len = plen;
    return len - XP_HDR_SIZE >= plen ? XP_OK : XP_NEED_MORE;
}

int xp_encode_hdr(uint8_t out[XP_HDR_SIZE], uint8_t type, size_t payload_len)
{
    if (payload_len > XCMUX_MAX_PAYLOAD)
        return XP_ERR_TOO_BIG;
    if (!xp_type_known(type))
        return XP_ERR_BAD_TYPE;
    out[0] = XP_MAGIC0;
    out[1] = XP_MAGIC1;
    out[2] = type;
    out[3] = 0;
    out[4] = (uint8_t)(payload_len >> 24);
    out[5] = (uint8_t)(payload_len >> 16);
    out[6] = (uint8_t)(payload_len >> 8);
    out[7] = (uint8_t)payload_len;
    return XP_OK;
}

/* ---- bounded writer ---------------------------------------------------- */

struct wr {
    uint8_t *p;
    size_t cap;
    size_t len;
    int err; /* first error, sticky */
};

static void wr_init(struct wr *w, uint8_t *out, size_t cap)
{
    w->p = out;
    w->cap = cap;
    w->len = XP_HDR_SIZE; /* payload is written after the header slot */
    w->err = cap < XP_HDR_SIZE ? XP_ERR_NOSPACE : 0;
}

static void wr_put(struct wr *w, const void *src, size_t n)
{
    if (w->err)
        return;
    if (w->len - XP_HDR_SIZE + n > XCMUX_MAX_PAYLOAD) {
        w->err = XP_ERR_TOO_BIG;
        return;
    }
    if (n > w->cap - w->len) {
        w->err = XP_ERR_NOSPACE;
        return;
    }
    if (n)
        memcpy(w->p + w->len, src, n);
    w->len += n;
}

static void wr_u8(struct wr *w, uint8_t v)
{
    wr_put(w, &v, 1);
}

static void wr_u16(struct wr *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    wr_put(w, b, sizeof(b));
}

static void wr_u32(struct wr *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    wr_put(w, b, sizeof(b));
}

static void wr_u64(struct wr *w, uint64_t v)
{
    wr_u32(w, (uint32_t)(v >> 32));
    wr_u32(w, (uint32_t)v);
}

/* A C string bounded by `limit`; an unterminated or longer one is refused
 * rather than silently truncated, so the sender learns about it. */
static void wr_str(struct wr *w, const char *s, size_t limit)
{
    size_t n = strnlen(s, limit + 1);
    if (n > limit) {
        if (!w->err)
            w->err = XP_ERR_FIELD_TOO_LONG;
        return;
    }
    wr_u16(w, (uint16_t)n);
    wr_put(w, s, n);
}

static ssize_t wr_finish(struct wr *w, uint8_t type)
{
    if (w->err)
        return w->err;
    int rc = xp_encode_hdr(w->p, type, w->len - XP_HDR_SIZE);
    return rc < 0 ? rc : (ssize_t)w->len;
}

/* ---- bounded reader ---------------------------------------------------- */

struct rd {
    const uint8_t *p;
    size_t len;
    size_t off;
    int err; /* first error, sticky */
};

static void rd_init(struct rd *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->off = 0;
    r->err = len > XCMUX_MAX_PAYLOAD ? XP_ERR_TOO_BIG : 0;
}

static const uint8_t *rd_take(struct rd *r, size_t n)
{
    if (r->err)
        return NULL;
    if (n > r->len - r->off) {
        r->err = XP_ERR_TRUNCATED;
        return NULL;
    }
    const uint8_t *at = r->p + r->off;
    r->off += n;
    return at;
}

static uint8_t rd_u8(struct rd *r)
{
    const uint8_t *b = rd_take(r, 1);
    return b ? b[0] : 0;
}

static uint16_t rd_u16(struct rd *r)
{
    const uint8_t *b = rd_take(r, 2);
    return b ? (uint16_t)(b[0] << 8 | b[1]) : 0;
}

static uint32_t rd_u32(struct rd *r)
{
    const uint8_t *b = rd_take(r, 4);
    return b ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3] : 0;
}

static uint64_t rd_u64(struct rd *r)
{
    uint64_t hi = rd_u32(r);
    return hi << 32 | rd_u32(r);
}

/* dst has room for limit + 1 bytes.  Always leaves dst a valid C string. */
static void rd_str(struct rd *r, char *dst, size_t limit)
{
    dst[0] = '\0';
    uint16_t n = rd_u16(r);
    if (r->err)
        return;
    if (n > limit) {
        r->err = XP_ERR_FIELD_TOO_LONG;
        return;
    }
    const uint8_t *b = rd_take(r, n);
    if (!b)
        return;
    /* An embedded NUL would make the C string lie about its length. */
    if (memchr(b, '\0', n)) {
        r->err = XP_ERR_BAD_VALUE;
        return;
    }
    memcpy(dst, b, n);
    dst[n] = '\0';
}

static void rd_check(struct rd *r, bool ok)
{
    if (!r->err && !ok)
        r->err = XP_ERR_BAD_VALUE;
}

static int rd_finish(struct rd *r)
{
    if (r->err)
        return r->err;
    return r->off == r->len ? XP_OK : XP_ERR_TRAILING;
}

/* ---- messages ---------------------------------------------------------- */

ssize_t xp_encode_hello(uint8_t *out, size_t cap, const struct xp_hello *m)
{
    struct wr w;
    wr_init(&w, out, cap);
    wr_u32(&w, m->version);
    wr_str(&w, m->software, XP_MAX_SOFTWARE);
    return wr_finish(&w, XP_T_HELLO);
}

int xp_decode_hello(const uint8_t *p, size_t len, struct xp_hello *out)
{
    struct rd r;
    rd_init(&r, p, len);
    out->version = rd_u32(&r);
    rd_str(&r, out->software, XP_MAX_SOFTWARE);
    return rd_finish(&r);
}

ssize_t xp_encode_error(uint8_t *out, size_t cap, const struct xp_error *m)
{
    struct wr w;
    wr_init(&w, out, cap);
    wr_u16(&w, m->code);
    wr_u8(&w, m->request_type);
    wr_str(&w, m->text, XP_MAX_ERROR_TEXT);
    return wr_finish(&w, XP_T_ERROR);
}

int xp_decode_error(const uint8_t *p, size_t len, struct xp_error *out)
{
    struct rd r;
    rd_init(&r, p, len);
    out->code = rd_u16(&r);
    out->request_type = rd_u8(&r);
    rd_str(&r, out->text, XP_MAX_ERROR_TEXT);
    return rd_finish(&r);
}

ssize_t xp_encode_end(uint8_t *out, size_t cap, const struct xp_end *m)
{
    struct wr w;
    wr_init(&w, out, cap);
    wr_u8(&w, m->request_type);
    wr_u64(&w, m->count);
    return wr_finish(&w, XP_T_END);
}

int xp_decode_end(const uint8_t *p, size_t len, struct xp_end *out)
{
    struct rd r;
    rd_init(&r, p, len);
    out->request_type = rd_u8(&r);
    out->count = rd_u64(&r);
    return rd_finish(&r);
}

ssize_t xp_encode_empty(uint8_t *out, size_t cap, uint8_t type)
{
    if (type != XP_T_LIST && type != XP_T_DETACH && type != XP_T_STATUS)
        return XP_ERR_BAD_TYPE;
    struct wr w;
    wr_init(&w, out, cap);
    return wr_finish(&w, type);
}

int xp_decode_empty(const uint8_t *p, size_t len)
{
    (void)p;
    return len == 0 ? XP_OK : XP_ERR_TRAILING;
}

ssize_t xp_encode_status_info(uint8_t *out, size_t cap, const struct xp_status_info *m)
{
    if (m->xenstore > XP_XS_UNREACHABLE)
        return XP_ERR_BAD_VALUE;
    struct wr w;
    wr_init(&w, out, cap);
    wr_u8(&w, m->xenstore);
    wr_u64(&w, m->since);
    wr_u32(&w, m->losses);
    return wr_finish(&w, XP_T_STATUS_INFO);
}

int xp_decode_status_info(const uint8_t *p, size_t len, struct xp_status_info *out)
{
    struct rd r;
    rd_init(&r, p, len);
    out->xenstore = rd_u8(&r);
    out->since = rd_u64(&r);
    out->losses = rd_u32(&r);
    int rc = rd_finish(&r);
    if (rc == XP_OK && out->xenstore > XP_XS_UNREACHABLE)
        return XP_ERR_BAD_VALUE;
    return rc;
}

ssize_t xp_encode_list_entry(uint8_t *out, size_t cap, const struct xp_list_entry *m)
{
    struct wr w;
    wr_init(&w, out, cap);
    wr_u32(&w, m->domid);
    wr_u32(&w, m->console);
    wr_u8(&w, m->state);
    wr_u8(&w, m->flags);
    wr_u32(&w, m->sessions);
    wr_u64(&w, m->bytes_out);
    wr_u64(&w, m->dropped_guest);
    wr_u64(&w, m->dropped_client);
    wr_u64(&w, m->log_bytes);
    wr_str(&w, m->name, XP_MAX_DOMAIN_NAME);
    wr_str(&w, m->tty, XP_MAX_TTY_PATH);
    if (m->ext)
        wr_u64(&w, m->behind);
    return wr_finish(&w, XP_T_LIST_ENTRY);
}

int xp_decode_list_entry(const uint8_t *p, size_t len, struct xp_list_entry *out)
{
    struct rd r;
    rd_init(&r, p, len);
    out->domid = rd_u32(&r);
    out->console = rd_u32(&r);
    out->state = rd_u8(&r);
    rd_check(&r, out->state <= XP_STATE_MAX);
    out->flags = rd_u8(&r);
    rd_check(&r, !(out->flags & ~XP_LIST_F_KNOWN));
    out->sessions = rd_u32(&r);
    out->bytes_out = rd_u64(&r);
    out->dropped_guest = rd_u64(&r);
    out->dropped_client = rd_u64(&r);
    out->log_bytes = rd_u64(&r);
    rd_str(&r, out->name, XP_MAX_DOMAIN_NAME);
    rd_str(&r, out->tty, XP_MAX_TTY_PATH);
    /* Version 2 fields: all of them or none. */
    out->ext = !r.err && r.off < r.len;
    out->behind = out->ext ? rd_u64(&r) : 0;
    return rd_finish(&r);
}

ssize_t xp_encode_attach(uint8_t *out, size_t cap, const struct xp_attach *m)
{
    if (m->mode > XP_MODE_MAX || (m->flags & ~XP_ATTACH_F_KNOWN) || m->escape > XP_ESCAPE_NONE)
        return XP_ERR_BAD_VALUE;
    struct wr w;
    wr_init(&w, out, cap);
    wr_u32(&w, m->console);
    wr_u8(&w, m->mode);
    wr_u8(&w, m->flags);
    wr_u16(&w, m->escape);
    wr_u32(&w, m->replay);
    wr_str(&w, m->domain, XP_MAX_DOMAIN_NAME);
    return wr_finish(&w, XP_T_ATTACH);
}

int xp_decode_attach(const uint8_t *p, size_t len, struct xp_attach *out)
{
    struct rd r;
    rd_init(&r, p, len);
    out->console = rd_u32(&r);
    out->mode = rd_u8(&r);
    rd_check(&r, out->mode <= XP_MODE_MAX);
    out->flags = rd_u8(&r);
    rd_check(&r, !(out->flags & ~XP_ATTACH_F_KNOWN));
    out->escape = rd_u16(&r);
    rd_check(&r, out->escape <= XP_ESCAPE_NONE);
    out->replay = rd_u32(&r);
    rd_str(&r, out->domain, XP_MAX_DOMAIN_NAME);
    rd_check(&r, out->domain[0] != '\0');
    return rd_finish(&r);
}

ssize_t xp_encode_attached(uint8_t *out, size_t cap, const struct xp_attached *m)
{
    struct wr w;
    wr_init(&w, out, cap);
    wr_u32(&w, m->domid);
    wr_u32(&w, m->console);
    wr_u8(&w, m->mode);
    wr_u8(&w, m->flags);
    wr_u64(&w, m->replayed);
    wr_str(&w, m->name, XP_MAX_DOMAIN_NAME);
    return wr_finish(&w, XP_T_ATTACHED);
}

int xp_decode_attached(const uint8_t *p, size_t len, struct xp_attached *out)
{
    struct rd r;
    rd_init(&r, p, len);
    out->domid = rd_u32(&r);
    out->console = rd_u32(&r);
    out->mode = rd_u8(&r);
    rd_check(&r, out->mode <= XP_MODE_MAX);
    out->flags = rd_u8(&r);
    rd_check(&r, !(out->flags & ~XP_ATTACHED_F_KNOWN));
    out->replayed = rd_u64(&r);
    rd_str(&r, out->name, XP_MAX_DOMAIN_NAME);
    return rd_finish(&r);
}

ssize_t xp_encode_bytes(uint8_t *out, size_t cap, uint8_t type, const uint8_t *bytes, size_t len)
{
    if (type != XP_T_DATA && type != XP_T_INPUT)
        return XP_ERR_BAD_TYPE;
    struct wr w;
    wr_init(&w, out, cap);
    wr_put(&w, bytes, len);
    return wr_finish(&w, type);
}

int xp_decode_bytes(const uint8_t *p, size_t len, struct xp_bytes *out)
{
    if (len > XCMUX_MAX_PAYLOAD)
        return XP_ERR_TOO_BIG;
    out->bytes = p;
    out->len = len;
    return XP_OK;
}

ssize_t xp_encode_notice(uint8_t *out, size_t cap, const struct xp_notice *m)
{
    struct wr w;
    wr_init(&w, out, cap);
    wr_u16(&w, m->code);
    wr_u64(&w, m->count);
    wr_str(&w, m->text, XP_MAX_NOTICE_TEXT);
    return wr_finish(&w, XP_T_NOTICE);
}

int xp_decode_notice(const uint8_t *p, size_t len, struct xp_notice *out)
{
    struct rd r;
    rd_init(&r, p, len);
    out->code = rd_u16(&r);
    out->count = rd_u64(&r);
    rd_str(&r, out->text, XP_MAX_NOTICE_TEXT);
    return rd_finish(&r);
}

static void wr_ref(struct wr *w, const struct xp_console_ref *m)
{
    wr_u32(w, m->console);
    wr_str(w, m->domain, XP_MAX_DOMAIN_NAME);
}

static void rd_ref(struct rd *r, struct xp_console_ref *out)
{
    out->console = rd_u32(r);
    rd_str(r, out->domain, XP_MAX_DOMAIN_NAME);
    rd_check(r, out->domain[0] != '\0');
}

ssize_t xp_encode_console_ref(uint8_t *out, size_t cap, uint8_t type,
                              const struct xp_console_ref *m)
{
    if (type != XP_T_WHO && type != XP_T_HOTKEYS)
        return XP_ERR_BAD_TYPE;
    struct wr w;
    wr_init(&w, out, cap);
    wr_ref(&w, m);
    return wr_finish(&w, type);
}

int xp_decode_console_ref(const uint8_t *p, size_t len, struct xp_console_ref *out)
{
    struct rd r;
    rd_init(&r, p, len);
    rd_ref(&r, out);
    return rd_finish(&r);
}

ssize_t xp_encode_who_entry(uint8_t *out, size_t cap, const struct xp_who_entry *m)
{
    struct wr w;
    wr_init(&w, out, cap);
    wr_u32(&w, m->uid);
    wr_u32(&w, m->pid);
    wr_u8(&w, m->mode);
    wr_u8(&w, m->flags);
    wr_u64(&w, m->attach_time);
    wr_u64(&w, m->bytes_sent);
    wr_str(&w, m->user, XP_MAX_USER_NAME);
    if (m->ext) {
        wr_u64(&w, m->behind);
        wr_u64(&w, m->dropped);
    }
    return wr_finish(&w, XP_T_WHO_ENTRY);
}

int xp_decode_who_entry(const uint8_t *p, size_t len, struct xp_who_entry *out)
{
    struct rd r;
    rd_init(&r, p, len);
    out->uid = rd_u32(&r);
    out->pid = rd_u32(&r);
    out->mode = rd_u8(&r);
    rd_check(&r, out->mode <= XP_MODE_MAX);
    out->flags = rd_u8(&r);
    rd_check(&r, !(out->flags & ~XP_WHO_F_KNOWN));
    out->attach_time = rd_u64(&r);
    out->bytes_sent = rd_u64(&r);
    rd_str(&r, out->user, XP_MAX_USER_NAME);
    /* Version 2 fields: all of them or none. */
    out->ext = !r.err && r.off < r.len;
    out->behind = out->ext ? rd_u64(&r) : 0;
    out->dropped = out->ext ? rd_u64(&r) : 0;
    return rd_finish(&r);
}

ssize_t xp_encode_log(uint8_t *out, size_t cap, const struct xp_log_req *m)
{
    struct wr w;
    wr_init(&w, out, cap);
    wr_ref(&w, &m->ref);
    wr_u32(&w, m->max_bytes);
    return wr_finish(&w, XP_T_LOG);
}

int xp_decode_log(const uint8_t *p, size_t len, struct xp_log_req *out)
{
    struct rd r;
    rd_init(&r, p, len);
    rd_ref(&r, &out->ref);
    out->max_bytes = rd_u32(&r);
    return rd_finish(&r);
}

ssize_t xp_encode_hotkey_entry(uint8_t *out, size_t cap, const struct xp_hotkey_entry *m)
{
    struct wr w;
    wr_init(&w, out, cap);
    wr_u8(&w, m->key);
    wr_u8(&w, m->source);
    wr_str(&w, m->label, XP_MAX_HOTKEY_LABEL);
    wr_str(&w, m->action, XP_MAX_HOTKEY_ACTION);
    return wr_finish(&w, XP_T_HOTKEY_ENTRY);
}

int xp_decode_hotkey_entry(const uint8_t *p, size_t len, struct xp_hotkey_entry *out)
{
    struct rd r;
    rd_init(&r, p, len);
    out->key = rd_u8(&r);
    out->source = rd_u8(&r);
    rd_check(&r, out->source <= XP_HK_SRC_MAX);
    rd_str(&r, out->label, XP_MAX_HOTKEY_LABEL);
    rd_str(&r, out->action, XP_MAX_HOTKEY_ACTION);
    return rd_finish(&r);
}

ssize_t xp_encode_trigger(uint8_t *out, size_t cap, const struct xp_trigger *m)
{
    struct wr w;
    wr_init(&w, out, cap);
    wr_ref(&w, &m->ref);
    wr_u8(&w, m->key);
    return wr_finish(&w, XP_T_TRIGGER);
}

int xp_decode_trigger(const uint8_t *p, size_t len, struct xp_trigger *out)
{
    struct rd r;
    rd_init(&r, p, len);
    rd_ref(&r, &out->ref);
    out->key = rd_u8(&r);
    return rd_finish(&r);
}

ssize_t xp_encode_trigger_result(uint8_t *out, size_t cap, const struct xp_trigger_result *m)
{
    struct wr w;
    wr_init(&w, out, cap);
    wr_u16(&w, m->code);
    wr_str(&w, m->text, XP_MAX_NOTICE_TEXT);
    return wr_finish(&w, XP_T_TRIGGER_RESULT);
}

int xp_decode_trigger_result(const uint8_t *p, size_t len, struct xp_trigger_result *out)
{
    struct rd r;
    rd_init(&r, p, len);
    out->code = rd_u16(&r);
    rd_check(&r, out->code >= XP_TR_MIN && out->code <= XP_TR_MAX);
    rd_str(&r, out->text, XP_MAX_NOTICE_TEXT);
    return rd_finish(&r);
}

/* ---- generic dispatch -------------------------------------------------- */

ssize_t xp_encode(uint8_t *out, size_t cap, const struct xp_msg *m)
{
    switch (m->type) {
    case XP_T_HELLO:
        return xp_encode_hello(out, cap, &m->u.hello);
    case XP_T_ERROR:
        return xp_encode_error(out, cap, &m->u.error);
    case XP_T_END:
        return xp_encode_end(out, cap, &m->u.end);
    case XP_T_LIST:
    case XP_T_STATUS:
    case XP_T_DETACH:
        return xp_encode_empty(out, cap, m->type);
    case XP_T_STATUS_INFO:
        return xp_encode_status_info(out, cap, &m->u.status_info);
    case XP_T_LIST_ENTRY:
        return xp_encode_list_entry(out, cap, &m->u.list_entry);
    case XP_T_ATTACH:
        return xp_encode_attach(out, cap, &m->u.attach);
    case XP_T_ATTACHED:
        return xp_encode_attached(out, cap, &m->u.attached);
    case XP_T_INPUT:
    case XP_T_DATA:
        return xp_encode_bytes(out, cap, m->type, m->u.bytes.bytes, m->u.bytes.len);
    case XP_T_NOTICE:
        return xp_encode_notice(out, cap, &m->u.notice);
    case XP_T_WHO:
    case XP_T_HOTKEYS:
        return xp_encode_console_ref(out, cap, m->type, &m->u.ref);
    case XP_T_WHO_ENTRY:
        return xp_encode_who_entry(out, cap, &m->u.who_entry);
    case XP_T_LOG:
        return xp_encode_log(out, cap, &m->u.log);
    case XP_T_HOTKEY_ENTRY:
        return xp_encode_hotkey_entry(out, cap, &m->u.hotkey);
    case XP_T_TRIGGER:
        return xp_encode_trigger(out, cap, &m->u.trigger);
    case XP_T_TRIGGER_RESULT:
        return xp_encode_trigger_result(out, cap, &m->u.trigger_result);
    default:
        return XP_ERR_BAD_TYPE;
    }
}

int xp_decode(const struct xp_frame_hdr *hdr, const uint8_t *payload, struct xp_msg *out)
{
    const uint8_t *p = payload;
    size_t n = hdr->len;

    if (hdr->flags & ~XP_FLAGS_KNOWN)
        return XP_ERR_BAD_FLAGS;
    if (n > XCMUX_MAX_PAYLOAD)
        return XP_ERR_TOO_BIG;
    out->type = hdr->type;
    switch (hdr->type) {
    case XP_T_HELLO:
        return xp_decode_hello(p, n, &out->u.hello);
    case XP_T_ERROR:
        return xp_decode_error(p, n, &out->u.error);
    case XP_T_END:
        return xp_decode_end(p, n, &out->u.end);
    case XP_T_LIST:
    case XP_T_STATUS:
    case XP_T_DETACH:
        return xp_decode_empty(p, n);
    case XP_T_STATUS_INFO:
        return xp_decode_status_info(p, n, &out->u.status_info);
    case XP_T_LIST_ENTRY:
        return xp_decode_list_entry(p, n, &out->u.list_entry);
    case XP_T_ATTACH:
        return xp_decode_attach(p, n, &out->u.attach);
    case XP_T_ATTACHED:
        return xp_decode_attached(p, n, &out->u.attached);
    case XP_T_INPUT:
    case XP_T_DATA:
        return xp_decode_bytes(p, n, &out->u.bytes);
    case XP_T_NOTICE:
        return xp_decode_notice(p, n, &out->u.notice);
    case XP_T_WHO:
    case XP_T_HOTKEYS:
        return xp_decode_console_ref(p, n, &out->u.ref);
    case XP_T_WHO_ENTRY:
        return xp_decode_who_entry(p, n, &out->u.who_entry);
    case XP_T_LOG:
        return xp_decode_log(p, n, &out->u.log);
    case XP_T_HOTKEY_ENTRY:
        return xp_decode_hotkey_entry(p, n, &out->u.hotkey);
    case XP_T_TRIGGER:
        return xp_decode_trigger(p, n, &out->u.trigger);
    case XP_T_TRIGGER_RESULT:
        return xp_decode_trigger_result(p, n, &out->u.trigger_result);
    default:
        return XP_ERR_BAD_TYPE;
    }
}

/* ---- stream reassembly ------------------------------------------------- */

void xp_stream_init(struct xp_stream *s)
{
    s->len = 0;
    s->consumed = 0;
    s->error = 0;
}

/* The frame handed out last stays addressable until the caller comes
 * back, so it is only discarded here. */
static void stream_compact(struct xp_stream *s)
{
    if (!s->consumed)
        return;
    memmove(s->buf, s->buf + s->consumed, s->len - s->consumed);
    s->len -= s->consumed;
    s->consumed = 0;
}

size_t xp_stream_feed(struct xp_stream *s, const uint8_t *data, size_t len)
{
    stream_compact(s);
    size_t room = sizeof(s->buf) - s->len;
    size_t n = len < room ? len : room;
    if (n)
        memcpy(s->buf + s->len, data, n);
    s->len += n;
    return n;
}

int xp_stream_next(struct xp_stream *s, struct xp_frame_hdr *hdr, const uint8_t **payload)
{
    if (s->error)
        return s->error;
    stream_compact(s);
    int rc = xp_frame_peek(s->buf, s->len, hdr);
    if (rc < 0) {
        s->error = rc;
        return rc;
    }
    if (rc == XP_NEED_MORE)
        return rc;
    *payload = s->buf + XP_HDR_SIZE;
    s->consumed = xp_frame_size(hdr);
    return XP_OK;
}
