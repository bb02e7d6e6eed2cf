/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * serial.c — an HVM guest's emulated serial port, the pty QEMU exports in
 * serial/<n>/tty, as a console (see serial.h for the contract).
 */
#include "daemon/serial.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <termios.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "daemon/console-backend.h"
#include "daemon/console.h"
#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/hyp.h"
#include "daemon/parse.h"
#include "daemon/pty.h"
#include "daemon/watch.h"
#include "protocol/xcmux-proto.h"

/* A read pass takes at most this much; the fd stays readable, so the loop
 * comes back after serving the others. */
#define SERIAL_READ_BUDGET (64u * 1024u)
#define SERIAL_PATH_MAX    32u /* "/dev/pts/" and a number */

_Static_assert(XCMUX_SERIAL_INDEX_BASE == XP_CONSOLE_SERIAL_BASE,
               "daemon and protocol agree on serial console indices");
_Static_assert(XCMUX_MAX_SERIAL_PER_DOMAIN == XP_CONSOLE_SERIAL_MAX,
               "daemon and protocol agree on serial ports per guest");

struct serial_dom;

/* The backend's state of one open port (console->be_data). */
struct serial_io {
    int fd;
    struct event *rd, *wr;
    char path[SERIAL_PATH_MAX];
    struct serial_dom *sd; /* NULL once the domain's record is gone */
    unsigned port;
};

struct serial_port {
    struct console *con;        /* running on the node's current path */
    char dead[SERIAL_PATH_MAX]; /* hung up or refused: not reopened as is */
    bool warned;                /* a bad value was logged */
};

struct serial_dom {
    TAILQ_ENTRY(serial_dom) link;
    uint32_t domid;
    char name[XCMUX_NAME_MAX + 1];
    char path[64]; /* /local/domain/<id> */
    bool watched;
    struct serial_port port[XCMUX_MAX_SERIAL_PER_DOMAIN];
};

static TAILQ_HEAD(, serial_dom) doms = TAILQ_HEAD_INITIALIZER(doms);

static const struct console_backend serial_backend;

static struct serial_dom *find_dom(uint32_t domid)
{
    struct serial_dom *sd;
    TAILQ_FOREACH (sd, &doms, link)
        if (sd->domid == domid)
            return sd;
    return NULL;
}

/* ---- the backend ---- */

static void hang_up(struct console *c, const char *why)
{
    struct serial_io *io = c->be_data;
    if (io && io->sd) {
        struct serial_port *p = &io->sd->port[io->port];
        snprintf(p->dead, sizeof(p->dead), "%s", io->path);
        if (p->con == c)
            p->con = NULL;
    }
    console_gone(c, why);
}

/* Queued input, as far as the pty takes it now. */
static void flush_input(struct console *c)
{
    struct serial_io *io = c->be_data;
    while (evbuffer_get_length(c->inq) > 0) {
        int w = evbuffer_write(c->inq, io->fd);
        if (w > 0)
            continue;
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno != EAGAIN)
            return; /* EIO: the device model is gone; the read side says so */
        event_add(io->wr, NULL);
        return;
    }
}

static void serial_event(struct console *c)
{
    struct serial_io *io = c->be_data;
    if (!io || c->state != CONSOLE_RUNNING || c->throttled)
        return;
    flush_input(c);
    uint8_t tmp[4096];
    size_t total = 0;
    bool hung = false;
    while (total < SERIAL_READ_BUDGET) {
        size_t want = sizeof(tmp);
        if (c->cfg.rate) {
            want = ratelimit_take(&c->rl, xd_now_ms(), sizeof(tmp));
            if (want == 0) {
                /* Over budget: stop reading; QEMU, then the UART, waits. */
                event_del(io->rd);
                console_throttle(c, ratelimit_wait_ms(&c->rl, xd_now_ms()));
                break;
            }
        }
        ssize_t n = read(io->fd, tmp, want);
        if (c->cfg.rate && (n < 0 || (size_t)n < want))
            ratelimit_refund(&c->rl, want - (n > 0 ? (size_t)n : 0));
        if (n > 0) {
            console_append(c, tmp, (size_t)n);
            total += (size_t)n;
            if ((size_t)n < want)
                break;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        hung = true; /* EIO or end of file: the master was closed */
        break;
    }
    if (total)
        console_offer(c, total);
    if (hung) {
        console_log_event(c, "serial port %u: the device model closed %s", io->port, io->path);
        hang_up(c, "device model gone");
        return;
    }
    if (!c->throttled)
        event_add(io->rd, NULL);
}

static void rd_cb(evutil_socket_t fd, short what, void *arg)
{
    serial_event(arg);
}

static void wr_cb(evutil_socket_t fd, short what, void *arg)
{
    struct console *c = arg;
    if (c->be_data && c->state == CONSOLE_RUNNING)
        flush_input(c);
}

static size_t serial_input(struct console *c, const uint8_t *bytes, size_t len,
                           struct console_reader *from)
{
    size_t take = console_queue_input(c, bytes, len);
    flush_input(c);
    return take;
}

static void serial_close_io(struct serial_io *io)
{
    if (io->rd)
        event_free(io->rd);
    if (io->wr)
        event_free(io->wr);
    if (io->fd >= 0)
        close(io->fd);
    free(io);
}

static void serial_close(struct console *c)
{
    struct serial_io *io = c->be_data;
    if (!io)
        return;
    if (io->sd && io->sd->port[io->port].con == c)
        io->sd->port[io->port].con = NULL;
    serial_close_io(io);
    c->be_data = NULL;
}

static void serial_adjust_cfg(const struct console *c, struct console_cfg *cfg)
{
    cfg->pty = PTY_OFF; /* QEMU's pty is the port; no second one */
}

static const char *serial_describe(const struct console *c)
{
    const struct serial_io *io = c->be_data;
    return io ? io->path : NULL;
}

static const struct console_backend serial_backend = {
    .kind = "serial",
    .hotkeys = false, /* no ring to inject into, no guest registry */
    .adjust_cfg = serial_adjust_cfg,
    .event = serial_event,
    .input = serial_input,
    .close = serial_close,
    .describe = serial_describe,
};

/* ---- discovery of the nodes ---- */

/* "/dev/pts/<decimal>" and nothing else. */
static bool valid_path(const char *v)
{
    static const char prefix[] = "/dev/pts/";
    uint64_t n;
    return strncmp(v, prefix, sizeof(prefix) - 1) == 0 &&
           parse_u64(v + sizeof(prefix) - 1, 1u << 20, &n) == 0;
}

/* Some console of this daemon already has V: its own compatibility pty
 * (a loop, or another guest's output) or another serial console. */
static bool path_in_use(const char *v)
{
    struct console *c;
    TAILQ_FOREACH (c, &xd.consoles, link) {
        if (c->pty && strcmp(pty_path(c->pty), v) == 0)
            return true;
        if (c->be == &serial_backend && c->be_data &&
            strcmp(((struct serial_io *)c->be_data)->path, v) == 0)
            return true;
    }
    return false;
}

/* Open V for PORT of SD: the pty, validated and raw, events not yet
 * made. NULL (errno; EPERM for a device that is not a terminal of
 * root's or this daemon's user) when not. */
static struct serial_io *open_port(struct serial_dom *sd, unsigned port, const char *v)
{
    int fd = open(v, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return NULL;
    /* A pty QEMU made (as root, or as the user this daemon runs as), not
     * one a login session was given. */
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()) ||
        !isatty(fd)) {
        close(fd);
        errno = EPERM;
        return NULL;
    }
    struct serial_io *io = calloc(1, sizeof(*io));
    if (!io) {
        close(fd);
        return NULL;
    }
    /* Raw: the guest's bytes go through untouched, and input is not
     * echoed by the line discipline. */
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(fd, TCSANOW, &t);
    }
    io->fd = fd;
    io->sd = sd;
    io->port = port;
    snprintf(io->path, sizeof(io->path), "%s", v);
    return io;
}

static void refresh_port(struct serial_dom *sd, unsigned port)
{
    struct serial_port *p = &sd->port[port];
    char path[HYP_PATH_MAX], v[SERIAL_PATH_MAX];
    snprintf(path, sizeof(path), "%s/serial/%u/tty", sd->path, port);
    ssize_t n = hyp_read(xd.hyp, path, v, sizeof(v));
    if (n < 0 && errno != E2BIG)
        return; /* not (yet) there; a running console ends by its hang-up */
    if (n < 0)
        v[0] = '\0';
    if (strcmp(v, p->dead) == 0)
        return;
    p->dead[0] = '\0';
    if (p->con && strcmp(((struct serial_io *)p->con->be_data)->path, v) == 0)
        return;
    if (p->con) {
        /* A new device model (or port): sessions follow to the new one. */
        struct console *old = p->con;
        p->con = NULL;
        console_log_event(old, "serial port %u: the tty node changed", port);
        console_gone(old, "serial pty changed");
    }
    if (!valid_path(v) || path_in_use(v)) {
        snprintf(p->dead, sizeof(p->dead), "%s", v);
        if (!p->warned)
            syslog(LOG_WARNING,
                   "%s (dom%u): ignoring %s: not a /dev/pts/N path, or a pty "
                   "xcmuxd already serves",
                   sd->name, sd->domid, path);
        p->warned = true;
        return;
    }
    /* Opened before the console exists: a console announced (sessions
     * following the guest move to it) is one that works. */
    struct serial_io *io = open_port(sd, port, v);
    if (!io) {
        syslog(LOG_WARNING, "%s (dom%u): cannot open serial port %u at %s: %m", sd->name, sd->domid,
               port, v);
        snprintf(p->dead, sizeof(p->dead), "%s", v);
        return;
    }
    char xs_dir[HYP_PATH_MAX];
    snprintf(xs_dir, sizeof(xs_dir), "%s/serial/%u", sd->path, port);
    struct console *c = console_create(&serial_backend, NULL, sd->domid, sd->name,
                                       XCMUX_SERIAL_INDEX_BASE + port, xs_dir);
    if (c) {
        c->be_data = io;
        io->rd = event_new(xd.base, io->fd, EV_READ | EV_PERSIST, rd_cb, c);
        io->wr = event_new(xd.base, io->fd, EV_WRITE, wr_cb, c);
    }
    if (!c || !io->rd || !io->wr) {
        syslog(LOG_ERR, "dom%u: cannot allocate serial console %u", sd->domid, port);
        if (c)
            console_free(c); /* closes io */
        else
            serial_close_io(io);
        return;
    }
    p->warned = false;
    p->con = c;
    c->state = CONSOLE_RUNNING;
    console_log_event(c, "serial port %u attached: %s", port, v);
    event_add(io->rd, NULL);
}

static void refresh_all(struct serial_dom *sd)
{
    for (unsigned i = 0; i < XCMUX_MAX_SERIAL_PER_DOMAIN; i++)
        refresh_port(sd, i);
}

static void release(struct serial_dom *sd, const char *why)
{
    if (sd->watched) {
        char path[HYP_PATH_MAX], token[16];
        snprintf(path, sizeof(path), "%s/serial", sd->path);
        snprintf(token, sizeof(token), "s%u", sd->domid);
        hyp_unwatch(xd.hyp, path, token);
    }
    for (unsigned i = 0; i < XCMUX_MAX_SERIAL_PER_DOMAIN; i++) {
        struct console *c = sd->port[i].con;
        if (!c)
            continue;
        sd->port[i].con = NULL;
        ((struct serial_io *)c->be_data)->sd = NULL;
        console_gone(c, why);
    }
    TAILQ_REMOVE(&doms, sd, link);
    free(sd);
}

/* The name the configuration matches D by: discovery's when it has read
 * it, else read now (only for a configuration that opts some guest in). */
static void domain_name(const struct domain *d, char *out, size_t len)
{
    char path[HYP_PATH_MAX];
    snprintf(out, len, "%s", d->name);
    if (d->named)
        return;
    snprintf(path, sizeof(path), "%s/name", d->path);
    if (hyp_read(xd.hyp, path, out, len) <= 0)
        snprintf(out, len, "%s", d->name);
}

void serial_domain_attach(struct domain *d)
{
    if (!config_serial_anywhere(xd.cfg))
        return; /* the common case costs nothing */
    struct serial_dom *sd = find_dom(d->domid);
    char name[XCMUX_NAME_MAX + 1];
    if (sd)
        snprintf(name, sizeof(name), "%s", sd->name);
    else
        domain_name(d, name, sizeof(name));
    if (!config_serial(xd.cfg, name)) {
        if (sd)
            release(sd, "serial turned off (configuration reloaded)");
        return;
    }
    if (!sd) {
        sd = calloc(1, sizeof(*sd));
        if (!sd) {
            syslog(LOG_ERR, "dom%u: out of memory", d->domid);
            return;
        }
        sd->domid = d->domid;
        snprintf(sd->name, sizeof(sd->name), "%s", name);
        snprintf(sd->path, sizeof(sd->path), "%s", d->path);
        TAILQ_INSERT_TAIL(&doms, sd, link);
    }
    /* Again after a new store connection: the old one took the watch. */
    char path[HYP_PATH_MAX], token[16];
    snprintf(path, sizeof(path), "%s/serial", sd->path);
    snprintf(token, sizeof(token), "s%u", sd->domid);
    if (hyp_watch(xd.hyp, path, token) == 0 || errno == EEXIST)
        sd->watched = true;
    else
        syslog(LOG_WARNING, "dom%u: cannot watch its serial nodes: %m", sd->domid);
    refresh_all(sd);
}

void serial_domain_gone(struct domain *d, const char *why)
{
    struct serial_dom *sd = find_dom(d->domid);
    if (sd)
        release(sd, why);
}

void serial_reconfigure(void)
{
    if (!config_serial_anywhere(xd.cfg)) {
        struct serial_dom *sd;
        while ((sd = TAILQ_FIRST(&doms)))
            release(sd, "serial turned off (configuration reloaded)");
        return;
    }
    for (uint32_t id = 1; id < XD_MAX_DOMID; id++) {
        struct domain *d = xd.by_domid[id];
        if (d && d->attached)
            serial_domain_attach(d);
    }
}

struct console *serial_lookup(const char *what, unsigned port)
{
    if (!what || port >= XCMUX_MAX_SERIAL_PER_DOMAIN)
        return NULL;
    uint64_t id;
    bool by_id = parse_u64(what, XD_MAX_DOMID - 1, &id) == 0;
    struct serial_dom *sd;
    TAILQ_FOREACH (sd, &doms, link)
        if (by_id ? sd->domid == id : strcmp(sd->name, what) == 0)
            return sd->port[port].con;
    return NULL;
}

static void watch_event(const char *path, const char *token)
{
    uint64_t id;
    if (parse_u64(token + 1, XD_MAX_DOMID - 1, &id) < 0)
        return;
    struct serial_dom *sd = find_dom((uint32_t)id);
    if (!sd)
        return;
    /* <path>/serial/<n>/...: that port; anything else: every port. */
    size_t plen = strlen(sd->path);
    uint64_t port;
    char num[8];
    if (strncmp(path, sd->path, plen) == 0 && strncmp(path + plen, "/serial/", 8) == 0) {
        const char *s = path + plen + 8;
        size_t n = strcspn(s, "/");
        if (n < sizeof(num)) {
            memcpy(num, s, n);
            num[n] = '\0';
            if (parse_u64(num, XCMUX_MAX_SERIAL_PER_DOMAIN - 1, &port) == 0) {
                refresh_port(sd, (unsigned)port);
                return;
            }
            return; /* a port beyond those served */
        }
    }
    refresh_all(sd);
}

static const struct watch_client serial_watches = {
    .prefixes = "s", /* "s<domid>" */
    .event = watch_event,
};

int serial_start(void)
{
    return watch_register(&serial_watches);
}

void serial_stop(void)
{
    struct serial_dom *sd;
    while ((sd = TAILQ_FIRST(&doms)))
        release(sd, "daemon stopping");
}
