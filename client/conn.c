// SPDX-License-Identifier: GPL-2.0-or-later
/* conn.c - connect, handshake and framed I/O with xcmuxd (conn.h). */
#include "config.h"
#include "client/conn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client/client.h"
#include "client/remote.h"
#include "client/text.h"

const char *xc_socket_path(const char *opt)
{
    if (opt && *opt)
        return opt;
    const char *env = getenv("XCMUX_SOCKET");
    if (env && *env)
        return env;
    return XC_DEFAULT_SOCKET;
}

static int wait_fd(int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    int rc;
    do
        rc = poll(&p, 1, -1);
    while (rc < 0 && errno == EINTR);
    return rc < 0 ? -1 : 0;
}

static int connect_socket(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    /* Connect while blocking: a Unix connect completes or fails at once. */
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int handshake(struct xc_conn *c, uint32_t version);
static int conn_open_version(struct xc_conn *c, const char *path, uint32_t version);

/* handshake(): the daemon refused our version; try the previous one. */
#define RETRY_OLDER_VERSION (-2)

/* xc_conn_probe(): no word when no daemon listens. */
static bool quiet_no_daemon;

int xc_conn_probe(struct xc_conn *c, const char *path)
{
    quiet_no_daemon = true;
    int rc = xc_conn_open(c, path);
    quiet_no_daemon = false;
    return rc;
}

int xc_conn_open(struct xc_conn *c, const char *path)
{
    /* A daemon older than this client answers BAD_VERSION and closes:
     * connect again speaking its version (PROTOCOL.md "Versions"). */
    for (uint32_t v = XP_PROTOCOL_VERSION;; v--) {
        int rc = conn_open_version(c, path, v);
        if (rc != RETRY_OLDER_VERSION)
            return rc;
        xc_conn_close(c);
    }
}

static int conn_open_version(struct xc_conn *c, const char *path, uint32_t version)
{
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->path = path;
    c->in = malloc(sizeof(*c->in));
    if (!c->in) {
        fprintf(stderr, "xcmux: out of memory\n");
        return XC_EXIT_FAIL;
    }
    xp_stream_init(c->in);

    const struct xc_remote *r = xc_remote_get();
    if (r) {
        /* Messages name the host; the socket is the remote one. */
        c->path = r->url;
        c->fd = xc_remote_spawn(&c->ssh_pid);
        if (c->fd < 0)
            return XC_EXIT_NO_DAEMON;
        int rc = handshake(c, version);
        if (rc == XC_EXIT_LOST) {
            /* ssh or the remote proxy said why on stderr; its exit
             * status (the proxy uses our exit codes) says what. */
            close(c->fd);
            c->fd = -1;
            int st = xc_remote_finish(c->ssh_pid);
            c->ssh_pid = 0;
            if (st == XC_EXIT_NO_DAEMON || st == XC_EXIT_PERMISSION)
                return st;
            fprintf(stderr,
                    "xcmux: cannot reach xcmuxd on %s through ssh "
                    "(ssh exit status %d)\n",
                    r->url, st);
            return XC_EXIT_NO_DAEMON;
        }
        return rc;
    }

    c->fd = connect_socket(path);
    if (c->fd < 0) {
        int e = errno;
        if (e == EACCES || e == EPERM) {
            fprintf(stderr,
                    "xcmux: permission denied connecting to %s "
                    "(need access to the xcmuxd socket)\n",
                    path);
            return XC_EXIT_PERMISSION;
        }
        if (!quiet_no_daemon)
            fprintf(stderr,
                    "xcmux: cannot connect to xcmuxd at %s: %s "
                    "(is xcmuxd running?)\n",
                    path, strerror(e));
        return XC_EXIT_NO_DAEMON;
    }
    return handshake(c, version);
}

static int handshake(struct xc_conn *c, uint32_t version)
{
    const char *path = c->path;
    struct xp_msg m = {.type = XP_T_HELLO};
    m.u.hello.version = version;
    snprintf(m.u.hello.software, sizeof(m.u.hello.software), "xcmux %s", PACKAGE_VERSION);
    int rc = xc_conn_send(c, &m);
    if (rc)
        return rc;
    rc = xc_conn_recv(c, &m);
    if (rc)
        return rc;
    if (m.type == XP_T_ERROR && m.u.error.code == XP_E_BAD_VERSION &&
        version > XP_PROTOCOL_VERSION_MIN)
        return RETRY_OLDER_VERSION;
    if (m.type == XP_T_ERROR)
        return xc_report_error(&m.u.error, "connect", NULL);
    if (m.type != XP_T_HELLO) {
        fprintf(stderr,
                "xcmux: protocol error: daemon at %s answered "
                "HELLO with %s\n",
                path, xp_type_name(m.type));
        return XC_EXIT_PROTOCOL;
    }
    if (m.u.hello.version < XP_PROTOCOL_VERSION_MIN || m.u.hello.version > version) {
        fprintf(stderr,
                "xcmux: daemon at %s speaks protocol version %u, "
                "this client speaks %u to %u\n",
                path, m.u.hello.version, XP_PROTOCOL_VERSION_MIN, version);
        return XC_EXIT_PROTOCOL;
    }
    c->server = m.u.hello;
    return XC_EXIT_OK;
}

void xc_conn_close(struct xc_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    if (c->ssh_pid > 0)
        xc_remote_finish(c->ssh_pid);
    c->ssh_pid = 0;
    free(c->in);
    c->in = NULL;
}

/* After a failed send: an ERROR the daemon queued before closing is
 * reported (as the answer to a request of type TYPE) and its exit code
 * returned; -1 when there is none. Reads only what is already queued. */
static int report_pending_error(struct xc_conn *c, uint8_t type)
{
    struct xp_msg *m = calloc(1, sizeof(*m));
    int rc = -1;
    if (!m)
        return -1;
    for (int guard = 0; guard < 64; guard++) {
        int r = xc_conn_next(c, m);
        if (r == XP_OK) {
            if (m->type == XP_T_ERROR) {
                rc = xc_report_error(&m->u.error,
                                     type == XP_T_HELLO ? "connect" : xp_type_name(type), NULL);
                break;
            }
            continue;
        }
        if (r != XP_NEED_MORE || c->eof)
            break;
        ssize_t n = xc_conn_fill(c);
        if (n <= 0)
            break;
    }
    free(m);
    return rc;
}

int xc_conn_send(struct xc_conn *c, const struct xp_msg *m)
{
    static uint8_t frame[XP_FRAME_MAX];
    ssize_t len = xp_encode(frame, sizeof(frame), m);
    if (len < 0) {
        fprintf(stderr, "xcmux: cannot encode %s: %s\n", xp_type_name(m->type),
                xp_strerror((int)len));
        return XC_EXIT_USAGE;
    }
    for (size_t off = 0; off < (size_t)len;) {
        ssize_t n = send(c->fd, frame + off, (size_t)len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(c->fd, POLLOUT) < 0)
                goto fail;
        } else {
            goto fail;
        }
    }
    return XC_EXIT_OK;
fail:;
    int e = errno;
    /* The daemon may have closed after saying why (a refused or shed
     * connection gets ERROR then EOF): that reason, not EPIPE, is what
     * the user needs. */
    int rc = report_pending_error(c, m->type);
    if (rc >= 0)
        return rc;
    fprintf(stderr, "xcmux: lost connection to xcmuxd at %s: %s\n", c->path, strerror(e));
    return XC_EXIT_LOST;
}

ssize_t xc_conn_fill(struct xc_conn *c)
{
    if (c->raw_off < c->raw_len) {
        errno = EAGAIN; /* still holding unread bytes: no room yet */
        return -1;
    }
    ssize_t n = recv(c->fd, c->raw, sizeof(c->raw), 0);
    if (n == 0)
        c->eof = true;
    if (n > 0) {
        c->raw_len = (size_t)n;
        c->raw_off = 0;
    }
    return n;
}

int xc_conn_next(struct xc_conn *c, struct xp_msg *m)
{
    for (;;) {
        struct xp_frame_hdr h;
        const uint8_t *payload;
        int rc = xp_stream_next(c->in, &h, &payload);
        if (rc == XP_OK)
            return xp_decode(&h, payload, m);
        if (rc < 0)
            return rc;
        if (c->raw_off == c->raw_len)
            return XP_NEED_MORE;
        c->raw_off += xp_stream_feed(c->in, c->raw + c->raw_off, c->raw_len - c->raw_off);
    }
}

int xc_conn_recv(struct xc_conn *c, struct xp_msg *m)
{
    for (;;) {
        int rc = xc_conn_next(c, m);
        if (rc == XP_OK)
            return XC_EXIT_OK;
        if (rc < 0) {
            fprintf(stderr, "xcmux: protocol error from xcmuxd: %s\n", xp_strerror(rc));
            return XC_EXIT_PROTOCOL;
        }
        if (c->eof) {
            fprintf(stderr, "xcmux: xcmuxd at %s closed the connection\n", c->path);
            return XC_EXIT_LOST;
        }
        ssize_t n = xc_conn_fill(c);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            fprintf(stderr, "xcmux: lost connection to xcmuxd at %s: %s\n", c->path,
                    strerror(errno));
            return XC_EXIT_LOST;
        }
        if (n < 0 && wait_fd(c->fd, POLLIN) < 0)
            return XC_EXIT_FAIL;
    }
}

int xc_request_records(const char *socket, const struct xp_msg *req, uint8_t record,
                       const char *what, const char *domain,
                       int (*each)(const struct xp_msg *m, void *arg), void *arg)
{
    struct xc_conn c;
    struct xp_msg *m = calloc(1, sizeof(*m));
    if (!m)
        return XC_EXIT_FAIL;
    int rc = xc_conn_open(&c, socket);
    if (rc == XC_EXIT_OK)
        rc = xc_conn_send(&c, req);
    while (rc == XC_EXIT_OK) {
        rc = xc_conn_recv(&c, m);
        if (rc)
            break;
        if (m->type == XP_T_ERROR) {
            rc = xc_report_error(&m->u.error, what, domain);
            break;
        }
        if (m->type == XP_T_END)
            break;
        if (m->type == record && (rc = each(m, arg)) < 0) {
            rc = XC_EXIT_OK;
            break;
        }
    }
    xc_conn_close(&c);
    free(m);
    return rc;
}

int xc_report_error(const struct xp_error *e, const char *what, const char *domain)
{
    char text[XP_MAX_ERROR_TEXT * 4 + 1];
    xc_sanitize(text, sizeof(text), e->text, "\n");

    switch (e->code) {
    case XP_E_UNKNOWN_DOMAIN:
        fprintf(stderr, "xcmux: unknown domain '%s'%s%s\n", domain ? domain : "?",
                *text ? ": " : "", text);
        return XC_EXIT_UNKNOWN_DOMAIN;
    case XP_E_UNKNOWN_CONSOLE:
        fprintf(stderr, "xcmux: no such console on domain '%s'%s%s\n", domain ? domain : "?",
                *text ? ": " : "", text);
        return XC_EXIT_UNKNOWN_DOMAIN;
    case XP_E_PERMISSION:
        fprintf(stderr, "xcmux: %s: permission denied%s%s\n", what, *text ? ": " : "", text);
        return XC_EXIT_PERMISSION;
    case XP_E_UNKNOWN_REQUEST:
        fprintf(stderr, "xcmux: %s: not supported by this daemon\n", what);
        return XC_EXIT_UNSUPPORTED;
    case XP_E_BAD_VERSION:
        fprintf(stderr,
                "xcmux: protocol version mismatch with xcmuxd "
                "(client speaks %u)%s%s\n",
                XP_PROTOCOL_VERSION, *text ? ": " : "", text);
        return XC_EXIT_PROTOCOL;
    case XP_E_LIMIT:
        fprintf(stderr, "xcmux: %s: refused by xcmuxd: %s\n", what,
                *text ? text : "a limit was reached");
        return XC_EXIT_FAIL;
    case XP_E_BAD_FRAME:
        fprintf(stderr,
                "xcmux: %s: xcmuxd rejected our request as "
                "malformed%s%s\n",
                what, *text ? ": " : "", text);
        return XC_EXIT_PROTOCOL;
    default:
        fprintf(stderr, "xcmux: %s: xcmuxd error %s%s%s\n", what, xp_error_code_name(e->code),
                *text ? ": " : "", text);
        return XC_EXIT_FAIL;
    }
}
