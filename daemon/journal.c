/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * journal.c — journald native protocol over a non-blocking datagram
 * socket (see journal.h for the contract).
 */
#include "daemon/journal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/rules.h"
#include "daemon/limits.h"

/* Room for every field but MESSAGE, with XCMUX_NAME_MAX bytes of name. */
#define FIELDS_MAX   512
#define EVENT_MAX    512
#define DATAGRAM_MAX (FIELDS_MAX + JOURNAL_LINE_MAX + EVENT_MAX)
#define RECONNECT_MS 1000

struct journal {
    char name[XCMUX_NAME_MAX + 1];
    uint32_t domid;
    unsigned index;
    bool sanitize;
    size_t line_len;
    char line[JOURNAL_LINE_MAX];
    uint64_t sent;
    uint64_t dropped;
    uint64_t drops_pending; /* dropped since the last successful send */
    uint64_t drop_report;   /* handed out by journal_take_drop_report */
};

static struct {
    int fd;
    bool tried;
    uint64_t last_try_ms;
} sock = {.fd = -1};

void journal_close_socket(void)
{
    if (sock.fd >= 0)
        close(sock.fd);
    sock.fd = -1;
    sock.tried = false;
}

static const char *socket_path(void)
{
    const char *env = getenv("XCMUX_JOURNAL_SOCKET");
    return env && *env ? env : JOURNAL_DEFAULT_SOCKET;
}

static bool ensure_socket(uint64_t now_ms)
{
    if (sock.fd >= 0)
        return true;
    if (sock.tried && now_ms >= sock.last_try_ms && now_ms - sock.last_try_ms < RECONNECT_MS)
        return false;
    sock.tried = true;
    sock.last_try_ms = now_ms;
    const char *path = socket_path();
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return false;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    /* A large send buffer absorbs bursts; the receiver's queue length
     * still bounds what is in flight, and beyond it sends fail EAGAIN. */
    int sndbuf = 8 << 20;
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return false;
    }
    sock.fd = fd;
    return true;
}

struct dgram {
    char buf[DATAGRAM_MAX];
    size_t len;
    bool overflow;
};

static void put_raw(struct dgram *d, const void *p, size_t n)
{
    if (d->overflow || n > sizeof(d->buf) - d->len) {
        d->overflow = true;
        return;
    }
    memcpy(d->buf + d->len, p, n);
    d->len += n;
}

/* KEY=VALUE\n, or for a value holding '\n' the binary form:
 * KEY\n <64-bit little-endian length> VALUE \n. */
static void put_field(struct dgram *d, const char *key, const char *value, size_t len)
{
    put_raw(d, key, strlen(key));
    if (memchr(value, '\n', len)) {
        uint8_t le[8];
        uint64_t v = len;
        for (int i = 0; i < 8; i++)
            le[i] = (uint8_t)(v >> (8 * i));
        put_raw(d, "\n", 1);
        put_raw(d, le, sizeof(le));
    } else {
        put_raw(d, "=", 1);
    }
    put_raw(d, value, len);
    put_raw(d, "\n", 1);
}

static void put_fieldf(struct dgram *d, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put_fieldf(struct dgram *d, const char *key, const char *fmt, ...)
{
    char v[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(v, sizeof(v), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    put_field(d, key, v, (size_t)n < sizeof(v) ? (size_t)n : sizeof(v) - 1);
}

static bool send_message(struct journal *j, bool event, const char *msg, size_t len,
                         uint64_t now_ms);

static void report_drops_sent(struct journal *j, uint64_t n, uint64_t now_ms)
{
    char msg[128];
    int m = snprintf(msg, sizeof(msg),
                     "journal: %llu line(s) dropped (journal socket full or "
                     "unreachable)",
                     (unsigned long long)n);
    send_message(j, true, msg, (size_t)m, now_ms);
}

static bool send_message(struct journal *j, bool event, const char *msg, size_t len,
                         uint64_t now_ms)
{
    struct dgram d;
    d.len = 0;
    d.overflow = false;
    put_field(&d, "MESSAGE", msg, len);
    put_fieldf(&d, "PRIORITY", "%d", event ? 5 : 6); /* notice : info */
    put_field(&d, "SYSLOG_IDENTIFIER", "xcmuxd", 6);
    put_field(&d, "XCMUX_GUEST", j->name, strlen(j->name));
    put_fieldf(&d, "XCMUX_DOMID", "%u", j->domid);
    put_fieldf(&d, "XCMUX_CONSOLE", "%u", j->index);
    put_field(&d, "XCMUX_STREAM", event ? "event" : "output", event ? 5 : 6);
    if (d.overflow || !ensure_socket(now_ms)) {
        j->dropped++;
        j->drops_pending++;
        return false;
    }
    ssize_t w = send(sock.fd, d.buf, d.len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w < 0) {
        /* A restarted journald has a new socket: reconnect later. Any
         * other failure (EAGAIN above all) just costs this line. */
        if (errno == ECONNREFUSED || errno == ENOTCONN || errno == ENOENT) {
            journal_close_socket();
            sock.tried = true;
            sock.last_try_ms = now_ms;
        }
        j->dropped++;
        j->drops_pending++;
        return false;
    }
    j->sent++;
    if (j->drops_pending) {
        uint64_t n = j->drops_pending;
        j->drops_pending = 0;
        j->drop_report += n;
        report_drops_sent(j, n, now_ms);
    }
    return true;
}

struct journal *journal_new(const char *name, uint32_t domid, unsigned index, bool sanitize,
                            uint64_t now_ms)
{
    struct journal *j = calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    snprintf(j->name, sizeof(j->name), "%s", name);
    j->domid = domid;
    j->index = index;
    j->sanitize = sanitize;
    ensure_socket(now_ms);
    return j;
}

void journal_flush(struct journal *j, uint64_t now_ms)
{
    if (!j || j->line_len == 0)
        return;
    send_message(j, false, j->line, j->line_len, now_ms);
    j->line_len = 0;
}

void journal_free(struct journal *j)
{
    if (!j)
        return;
    journal_flush(j, 0);
    free(j);
}

static void put_line_bytes(struct journal *j, const char *p, size_t n, uint64_t now_ms)
{
    if (j->line_len + n > sizeof(j->line))
        journal_flush(j, now_ms);
    memcpy(j->line + j->line_len, p, n);
    j->line_len += n;
}

void journal_write(struct journal *j, const void *data, size_t len, uint64_t now_ms)
{
    if (!j)
        return;
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = p[i];
        if (ch == '\n') {
            /* An empty line is still a line the guest printed. */
            if (j->line_len == 0)
                send_message(j, false, "", 0, now_ms);
            journal_flush(j, now_ms);
            continue;
        }
        if (ch == '\r')
            continue;
        if (j->sanitize && xr_is_control(ch) && ch != '\t') {
            /* Caret notation, as the file log writes it. */
            char esc[2];
            xr_caret(ch, esc);
            put_line_bytes(j, esc, 2, now_ms);
            continue;
        }
        put_line_bytes(j, (const char *)&ch, 1, now_ms);
    }
}

void journal_event(struct journal *j, uint64_t now_ms, const char *fmt, ...)
{
    if (!j)
        return;
    char msg[EVENT_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1;
    send_message(j, true, msg, len, now_ms);
}

uint64_t journal_take_drop_report(struct journal *j)
{
    if (!j)
        return 0;
    uint64_t n = j->drop_report;
    j->drop_report = 0;
    return n;
}

uint64_t journal_dropped(const struct journal *j)
{
    return j ? j->dropped : 0;
}

uint64_t journal_sent(const struct journal *j)
{
    return j ? j->sent : 0;
}
