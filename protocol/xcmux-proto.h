/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xcmux-proto.h - the xcmux client <-> daemon wire protocol (version 1).
 *
 * Contract:
 *  - Everything on the wire is a frame: an XP_HDR_SIZE-byte header (magic,
 *    type, flags, payload length; integers in network byte order) followed
 *    by at most XCMUX_MAX_PAYLOAD payload bytes.  PROTOCOL.md is the spec;
 *    this header and proto.c implement exactly that spec.
 *  - Decoding never trusts its input: every length is checked against the
 *    bytes actually present and against the named limit of its field, every
 *    enum is range-checked.  A bad frame yields a negative XP_ERR_* status,
 *    never a crash or an out-of-bounds read.
 *  - xp_frame_peek() works on any prefix of a byte stream (it is meant to sit
 *    on a libevent evbuffer); struct xp_stream is a self-contained
 *    reassembler for callers without one (the client, tests).
 *  - Encoders write a whole frame (header + payload) into a caller buffer
 *    and return its size, or a negative XP_ERR_* (a field over its limit,
 *    or the buffer too small).  XP_FRAME_MAX bytes always suffice.
 *  - Decoders fill a caller struct; strings are copied, NUL-terminated, into
 *    fixed arrays sized by the limits below.  DATA/INPUT bytes are NOT
 *    copied: the decoded struct points into the payload it was given.
 *  - No allocation, no global state, no I/O: safe in any thread.
 */
#ifndef XCMUX_PROTO_H
#define XCMUX_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Version 2 is version 1 plus trailing fields on LIST_ENTRY and WHO_ENTRY
 * (PROTOCOL.md "Versions"); a peer speaks the lower of the two versions. */
#define XP_PROTOCOL_VERSION     2u
#define XP_PROTOCOL_VERSION_MIN 1u

/* ---------------------------------------------------------------------
 * Limits.  All in one place; each protects the invariant named beside it.
 * A decoder rejects any field longer than its limit, so a receiver can
 * hold every decoded message in fixed-size storage.
 * ------------------------------------------------------------------- */

/* Max payload of one frame: bounds the memory a peer can make us buffer
 * before we can act on a frame (one frame = XP_FRAME_MAX bytes). */
#define XCMUX_MAX_PAYLOAD 65536u
/* Domain name as reported by the daemon, and the DOMAIN argument a client
 * sends (a name or a decimal id).  Xen tools keep names well below this. */
#define XP_MAX_DOMAIN_NAME 64u
/* "xcmux 0.1.0" / "xcmuxd 0.1.0" in HELLO: only ever logged. */
#define XP_MAX_SOFTWARE 64u
/* ERROR text: it may carry the list of known domains (UNKNOWN_DOMAIN), so
 * it is larger than a notice; the daemon truncates past this. */
#define XP_MAX_ERROR_TEXT 4096u
/* NOTICE and TRIGGER_RESULT text: one human-readable line. */
#define XP_MAX_NOTICE_TEXT 1024u
/* Console indices: 0 the primary PV console, n device/console/n; an HVM
 * guest's emulated serial port n (serial/<n>/tty) is
 * XP_CONSOLE_SERIAL_BASE + n, n < XP_CONSOLE_SERIAL_MAX. */
#define XP_CONSOLE_SERIAL_BASE 256u
#define XP_CONSOLE_SERIAL_MAX  4u
/* Pty path published for compatibility (console/tty), e.g. /dev/pts/12. */
#define XP_MAX_TTY_PATH 128u
/* Login name in WHO replies: Linux LOGIN_NAME_MAX is 256 but useradd
 * caps at 32; longer names are truncated by the daemon. */
#define XP_MAX_USER_NAME 32u
/* Hotkey label and action description, shown in menus and `hotkeys`. */
#define XP_MAX_HOTKEY_LABEL  64u
#define XP_MAX_HOTKEY_ACTION 64u

/* Frame header size and the largest possible frame. */
#define XP_HDR_SIZE  8u
#define XP_FRAME_MAX (XP_HDR_SIZE + XCMUX_MAX_PAYLOAD)

/* ---------------------------------------------------------------------
 * Framing.
 * ------------------------------------------------------------------- */

/* First two bytes of every frame: "XC". */
#define XP_MAGIC0 0x58u
#define XP_MAGIC1 0x43u

/* Message types.  Direction: C = client->daemon, D = daemon->client. */
enum xp_type {
    XP_T_HELLO = 0x01,          /* C,D: handshake, first frame each way */
    XP_T_ERROR = 0x02,          /* D: a request failed / connection error */
    XP_T_END = 0x03,            /* D: end of a multi-frame reply */
    XP_T_LIST = 0x10,           /* C: list consoles */
    XP_T_LIST_ENTRY = 0x11,     /* D: one console (reply to LIST) */
    XP_T_STATUS = 0x12,         /* C: the daemon's view of xenstore */
    XP_T_STATUS_INFO = 0x13,    /* D: reply to STATUS */
    XP_T_ATTACH = 0x20,         /* C: attach to a console */
    XP_T_ATTACHED = 0x21,       /* D: attach granted */
    XP_T_INPUT = 0x22,          /* C: bytes typed into the console */
    XP_T_DATA = 0x23,           /* D: console output bytes */
    XP_T_NOTICE = 0x24,         /* D: out-of-band event */
    XP_T_DETACH = 0x25,         /* C: end the session */
    XP_T_WHO = 0x30,            /* C: sessions on a console */
    XP_T_WHO_ENTRY = 0x31,      /* D: one session (reply to WHO) */
    XP_T_LOG = 0x38,            /* C: dump the replay buffer */
    XP_T_HOTKEYS = 0x40,        /* C: list hotkeys (reserved: later issue) */
    XP_T_HOTKEY_ENTRY = 0x41,   /* D: one hotkey */
    XP_T_TRIGGER = 0x42,        /* C: fire a hotkey without attaching */
    XP_T_TRIGGER_RESULT = 0x43, /* D: outcome of TRIGGER */
};

/* Header flags: none are defined in version 1; a receiver rejects a frame
 * with any bit set, so a later version can give them meaning safely. */
#define XP_FLAGS_KNOWN 0x00u

struct xp_frame_hdr {
    uint8_t type; /* enum xp_type */
    uint8_t flags;
    uint32_t len; /* payload length, <= XCMUX_MAX_PAYLOAD */
};

/* Statuses.  >= 0 is success; negative is an error (xp_strerror()). */
enum xp_status {
    XP_OK = 0,
    XP_NEED_MORE = 1,           /* not a whole frame yet: feed more bytes */
    XP_ERR_BAD_MAGIC = -1,      /* stream does not start with "XC" */
    XP_ERR_BAD_TYPE = -2,       /* unknown message type */
    XP_ERR_BAD_FLAGS = -3,      /* reserved header flag set */
    XP_ERR_TOO_BIG = -4,        /* payload length > XCMUX_MAX_PAYLOAD */
    XP_ERR_TRUNCATED = -5,      /* a field runs past the end of the payload */
    XP_ERR_FIELD_TOO_LONG = -6, /* a string is longer than its limit */
    XP_ERR_TRAILING = -7,       /* bytes left after the last field */
    XP_ERR_BAD_VALUE = -8,      /* enum out of range, NUL inside a string */
    XP_ERR_NOSPACE = -9,        /* encoder: output buffer too small */
};

/* Returns XP_OK when buf holds a whole valid frame (header + payload),
 * XP_NEED_MORE when it holds a valid prefix of one, or a negative error as
 * soon as the header is known to be bad (bad magic is detected from the
 * first byte).  *out is filled whenever the full header was present and
 * valid, so on XP_NEED_MORE the caller can wait for xp_frame_size(out). */
int xp_frame_peek(const uint8_t *buf, size_t len, struct xp_frame_hdr *out);
static inline size_t xp_frame_size(const struct xp_frame_hdr *h)
{
    return XP_HDR_SIZE + (size_t)h->len;
}
/* Writes a header for a payload of payload_len bytes (for callers that
 * append the payload themselves, e.g. DATA from a ring). */
int xp_encode_hdr(uint8_t out[XP_HDR_SIZE], uint8_t type, size_t payload_len);

bool xp_type_known(unsigned type);
/* True for types a client sends (requests, INPUT, DETACH, HELLO). */
bool xp_type_from_client(unsigned type);
const char *xp_type_name(unsigned type); /* "LIST", ..., "?" */
const char *xp_strerror(int status);

/* ---------------------------------------------------------------------
 * Message payloads.
 * ------------------------------------------------------------------- */

/* ERROR codes (wire u16). */
enum xp_error_code {
    XP_E_BAD_FRAME = 1,      /* malformed frame; daemon closes after it */
    XP_E_BAD_VERSION = 2,    /* HELLO version unsupported; daemon closes */
    XP_E_UNKNOWN_DOMAIN = 3, /* text lists the known domains */
    XP_E_PERMISSION = 4,
    XP_E_NOT_WRITER = 5, /* INPUT from a session without the seat */
    XP_E_BUSY = 6,       /* resource busy, try again later */
    XP_E_INTERNAL = 7,
    XP_E_UNKNOWN_REQUEST = 8,  /* type not served (e.g. HOTKEYS before support) */
    XP_E_LIMIT = 9,            /* a limit was exceeded (frame size, sessions) */
    XP_E_UNKNOWN_CONSOLE = 10, /* domain exists, console index does not */
};
const char *xp_error_code_name(unsigned code); /* "BAD_FRAME", ..., "?" */
/* Maps a negative decode status to the ERROR code the receiver answers. */
uint16_t xp_status_to_error_code(int status);

/* NOTICE codes (wire u16).  Meaning of `count` per code in PROTOCOL.md. */
enum xp_notice_code {
    XP_N_DROPPED = 1, /* count = bytes you missed */
    XP_N_FORCED = 2,  /* write seat taken from you; text says by whom */
    XP_N_WRITER = 3,  /* count = 1: you have the seat, 0: you lost it */
    XP_N_DOMAIN_GONE = 4,
    XP_N_DOMAIN_BACK = 5, /* count = new domid after a reboot */
    XP_N_DETACHED = 6,    /* session ended; daemon closes after it */
    XP_N_SHUTDOWN = 7,    /* daemon exiting */
    XP_N_JOINED = 8,      /* another session attached; text says who */
    XP_N_LEFT = 9,        /* another session detached */
    XP_N_INFO = 10,       /* free text (escape help, who, ...) */
};
const char *xp_notice_code_name(unsigned code); /* "DROPPED", ..., "?" */

enum xp_console_state {
    XP_STATE_RUNNING = 0,
    XP_STATE_GONE = 1,    /* domain destroyed; log/replay still readable */
    XP_STATE_CORRUPT = 2, /* ring indexes insane; console disabled */
    XP_STATE_WAITING = 3, /* domain known, console not connected yet */
};
#define XP_STATE_MAX XP_STATE_WAITING
const char *xp_state_name(unsigned state);

enum xp_mode {
    XP_MODE_READ_ONLY = 0,
    XP_MODE_READ_WRITE = 1, /* writer if the seat is free, else viewer */
    XP_MODE_FORCE = 2,      /* take the seat from the current writer */
};
#define XP_MODE_MAX XP_MODE_FORCE
const char *xp_mode_name(unsigned mode);

enum xp_hotkey_source {
    XP_HK_SRC_CONFIG = 0, /* host-side, from xcmuxd.conf */
    XP_HK_SRC_GUEST = 1,  /* registered by the guest in xenstore */
};
#define XP_HK_SRC_MAX XP_HK_SRC_GUEST

enum xp_trigger_code {
    XP_TR_FIRED_ACKED = 1,  /* action ran and the guest acknowledged */
    XP_TR_FIRED_NO_ACK = 2, /* action ran; no ack (none expected or timeout) */
    XP_TR_DENIED = 3,       /* caller lacks the hotkey permission */
    XP_TR_UNKNOWN_KEY = 4,
};
#define XP_TR_MIN XP_TR_FIRED_ACKED
#define XP_TR_MAX XP_TR_UNKNOWN_KEY
const char *xp_trigger_code_name(unsigned code);

#define XP_ESCAPE_NONE    0x100u     /* ATTACH.escape: no escape char */
#define XP_ESCAPE_DEFAULT 0x1du      /* Ctrl-] */
#define XP_REPLAY_DEFAULT UINT32_MAX /* ATTACH.replay: daemon's default */
#define XP_LOG_ALL        UINT32_MAX /* LOG.max_bytes: whole buffer */

struct xp_hello {
    uint32_t version;
    char software[XP_MAX_SOFTWARE + 1];
};

struct xp_error {
    uint16_t code;        /* enum xp_error_code (unknown codes allowed) */
    uint8_t request_type; /* type of the failed request, 0 = connection */
    char text[XP_MAX_ERROR_TEXT + 1];
};

struct xp_end {
    uint8_t request_type; /* LIST, WHO, LOG or HOTKEYS */
    uint64_t count;       /* records sent (LOG: bytes sent) */
};

/* LIST has an empty payload; DETACH and STATUS too. */

/* STATUS_INFO: whether the daemon's xenstore connection is up. */
enum xp_xenstore_state {
    XP_XS_CONNECTED = 0,
    XP_XS_UNREACHABLE = 1, /* lost; consoles keep running, reconnecting */
};
struct xp_status_info {
    uint8_t xenstore; /* enum xp_xenstore_state */
    uint64_t since;   /* Unix seconds of the last change, 0 = none */
    uint32_t losses;  /* connections lost since the daemon started */
};

#define XP_LIST_F_WRITER       0x01u /* a session holds the write seat */
#define XP_LIST_F_RATE_LIMITED 0x02u /* guest is being throttled now */
#define XP_LIST_F_KNOWN        0x03u
struct xp_list_entry {
    uint32_t domid;
    uint32_t console; /* 0 = primary, n = device/console/n */
    uint8_t state;    /* enum xp_console_state */
    uint8_t flags;    /* XP_LIST_F_* */
    uint32_t sessions;
    uint64_t bytes_out;      /* total bytes read from the guest */
    uint64_t dropped_guest;  /* lost before reaching the buffer */
    uint64_t dropped_client; /* sum of bytes clients were skipped past */
    uint64_t log_bytes;      /* bytes written to the log file */
    char name[XP_MAX_DOMAIN_NAME + 1];
    char tty[XP_MAX_TTY_PATH + 1]; /* "" if none */
    /* version 2 (encoded when ext; decoded: ext tells whether present) */
    bool ext;
    uint64_t behind; /* bytes the furthest-behind session is behind */
};

#define XP_ATTACH_F_TERMINAL 0x01u /* client is on a terminal */
#define XP_ATTACH_F_FOLLOW   0x02u /* stay through a reboot (same name) */
#define XP_ATTACH_F_KNOWN    0x03u
struct xp_attach {
    uint32_t console;
    uint8_t mode;                        /* enum xp_mode */
    uint8_t flags;                       /* XP_ATTACH_F_* */
    uint16_t escape;                     /* 0..255, or XP_ESCAPE_NONE */
    uint32_t replay;                     /* bytes, or XP_REPLAY_DEFAULT */
    char domain[XP_MAX_DOMAIN_NAME + 1]; /* name or decimal domid */
};

#define XP_ATTACHED_F_WRITER 0x01u
#define XP_ATTACHED_F_KNOWN  0x01u
struct xp_attached {
    uint32_t domid;
    uint32_t console;
    uint8_t mode;      /* granted; FORCE is reported as READ_WRITE */
    uint8_t flags;     /* XP_ATTACHED_F_* */
    uint64_t replayed; /* DATA bytes of replay that follow */
    char name[XP_MAX_DOMAIN_NAME + 1];
};

/* DATA and INPUT: raw bytes; `bytes` points into the decoded payload. */
struct xp_bytes {
    const uint8_t *bytes;
    size_t len;
};

struct xp_notice {
    uint16_t code; /* enum xp_notice_code (unknown codes allowed) */
    uint64_t count;
    char text[XP_MAX_NOTICE_TEXT + 1];
};

/* WHO, LOG, HOTKEYS, TRIGGER all name a console the same way. */
struct xp_console_ref {
    uint32_t console;
    char domain[XP_MAX_DOMAIN_NAME + 1];
};

#define XP_WHO_F_WRITER 0x01u
#define XP_WHO_F_SELF   0x02u /* the asking connection (never for WHO) */
#define XP_WHO_F_PTY    0x04u /* the compatibility pty, not a client */
#define XP_WHO_F_KNOWN  0x07u
struct xp_who_entry {
    uint32_t uid;
    uint32_t pid;
    uint8_t mode;         /* enum xp_mode (READ_ONLY or READ_WRITE) */
    uint8_t flags;        /* XP_WHO_F_* */
    uint64_t attach_time; /* Unix time, seconds */
    uint64_t bytes_sent;  /* console bytes sent to that session */
    char user[XP_MAX_USER_NAME + 1];
    /* version 2 (encoded when ext; decoded: ext tells whether present) */
    bool ext;
    uint64_t behind;  /* console bytes not yet delivered to it */
    uint64_t dropped; /* console bytes it was moved past */
};

struct xp_log_req {
    struct xp_console_ref ref;
    uint32_t max_bytes; /* newest bytes wanted, or XP_LOG_ALL */
};

struct xp_hotkey_entry {
    uint8_t key;    /* byte typed after the escape char */
    uint8_t source; /* enum xp_hotkey_source */
    char label[XP_MAX_HOTKEY_LABEL + 1];
    char action[XP_MAX_HOTKEY_ACTION + 1];
};

struct xp_trigger {
    struct xp_console_ref ref;
    uint8_t key;
};

struct xp_trigger_result {
    uint16_t code; /* enum xp_trigger_code */
    char text[XP_MAX_NOTICE_TEXT + 1];
};

/* Any message, for generic encode/decode.  Empty payloads (LIST, DETACH)
 * use no member. */
struct xp_msg {
    uint8_t type;
    union {
        struct xp_hello hello;
        struct xp_error error;
        struct xp_end end;
        struct xp_list_entry list_entry;
        struct xp_attach attach;
        struct xp_attached attached;
        struct xp_bytes bytes; /* DATA, INPUT */
        struct xp_notice notice;
        struct xp_console_ref ref; /* WHO, HOTKEYS */
        struct xp_who_entry who_entry;
        struct xp_log_req log;
        struct xp_hotkey_entry hotkey;
        struct xp_trigger trigger;
        struct xp_trigger_result trigger_result;
        struct xp_status_info status_info;
    } u;
};

/* Generic codec.  xp_encode returns the frame size or a negative status;
 * xp_decode returns XP_OK or a negative status and needs hdr->len bytes at
 * payload (as guaranteed by xp_frame_peek returning XP_OK). */
ssize_t xp_encode(uint8_t *out, size_t cap, const struct xp_msg *m);
int xp_decode(const struct xp_frame_hdr *hdr, const uint8_t *payload, struct xp_msg *out);

/* Typed codec: same return conventions; decoders take the payload only. */
ssize_t xp_encode_hello(uint8_t *out, size_t cap, const struct xp_hello *m);
ssize_t xp_encode_error(uint8_t *out, size_t cap, const struct xp_error *m);
ssize_t xp_encode_end(uint8_t *out, size_t cap, const struct xp_end *m);
ssize_t xp_encode_empty(uint8_t *out, size_t cap, uint8_t type); /* LIST, DETACH, STATUS */
ssize_t xp_encode_list_entry(uint8_t *out, size_t cap, const struct xp_list_entry *m);
ssize_t xp_encode_attach(uint8_t *out, size_t cap, const struct xp_attach *m);
ssize_t xp_encode_attached(uint8_t *out, size_t cap, const struct xp_attached *m);
/* type is XP_T_DATA or XP_T_INPUT; len <= XCMUX_MAX_PAYLOAD. */
ssize_t xp_encode_bytes(uint8_t *out, size_t cap, uint8_t type, const uint8_t *bytes, size_t len);
ssize_t xp_encode_notice(uint8_t *out, size_t cap, const struct xp_notice *m);
/* type is XP_T_WHO or XP_T_HOTKEYS. */
ssize_t xp_encode_console_ref(uint8_t *out, size_t cap, uint8_t type,
                              const struct xp_console_ref *m);
ssize_t xp_encode_who_entry(uint8_t *out, size_t cap, const struct xp_who_entry *m);
ssize_t xp_encode_log(uint8_t *out, size_t cap, const struct xp_log_req *m);
ssize_t xp_encode_hotkey_entry(uint8_t *out, size_t cap, const struct xp_hotkey_entry *m);
ssize_t xp_encode_trigger(uint8_t *out, size_t cap, const struct xp_trigger *m);
ssize_t xp_encode_trigger_result(uint8_t *out, size_t cap, const struct xp_trigger_result *m);
ssize_t xp_encode_status_info(uint8_t *out, size_t cap, const struct xp_status_info *m);

int xp_decode_hello(const uint8_t *p, size_t len, struct xp_hello *out);
int xp_decode_error(const uint8_t *p, size_t len, struct xp_error *out);
int xp_decode_end(const uint8_t *p, size_t len, struct xp_end *out);
int xp_decode_empty(const uint8_t *p, size_t len);
int xp_decode_list_entry(const uint8_t *p, size_t len, struct xp_list_entry *out);
int xp_decode_attach(const uint8_t *p, size_t len, struct xp_attach *out);
int xp_decode_attached(const uint8_t *p, size_t len, struct xp_attached *out);
int xp_decode_bytes(const uint8_t *p, size_t len, struct xp_bytes *out);
int xp_decode_notice(const uint8_t *p, size_t len, struct xp_notice *out);
int xp_decode_console_ref(const uint8_t *p, size_t len, struct xp_console_ref *out);
int xp_decode_who_entry(const uint8_t *p, size_t len, struct xp_who_entry *out);
int xp_decode_log(const uint8_t *p, size_t len, struct xp_log_req *out);
int xp_decode_hotkey_entry(const uint8_t *p, size_t len, struct xp_hotkey_entry *out);
int xp_decode_trigger(const uint8_t *p, size_t len, struct xp_trigger *out);
int xp_decode_trigger_result(const uint8_t *p, size_t len, struct xp_trigger_result *out);
int xp_decode_status_info(const uint8_t *p, size_t len, struct xp_status_info *out);

/* ---------------------------------------------------------------------
 * Stream reassembly for callers without an evbuffer.  Holds at most one
 * maximal frame; feed() takes what fits, next() yields whole frames whose
 * payload pointer stays valid until the following next()/feed().
 * After a negative status from next() the stream is poisoned: it keeps
 * returning that status (a byte stream cannot resynchronise).
 * ------------------------------------------------------------------- */
struct xp_stream {
    size_t len;      /* bytes buffered */
    size_t consumed; /* bytes of the frame last returned, freed lazily */
    int error;       /* sticky negative status, or 0 */
    uint8_t buf[XP_FRAME_MAX];
};

void xp_stream_init(struct xp_stream *s);
/* Copies up to len bytes; returns how many were taken (0 when full: call
 * next() first). */
size_t xp_stream_feed(struct xp_stream *s, const uint8_t *data, size_t len);
/* XP_OK with *hdr and *payload set, XP_NEED_MORE, or a negative status. */
int xp_stream_next(struct xp_stream *s, struct xp_frame_hdr *hdr, const uint8_t **payload);

#endif /* XCMUX_PROTO_H */
