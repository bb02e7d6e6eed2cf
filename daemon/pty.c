/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pty.c — the compatibility pty of a console (see pty.h).
 */
#include "daemon/pty.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <termios.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/console.h"

struct pty {
    struct console_reader reader; /* first: the console calls it */
    bool listening;               /* in the console's audience */
    struct console *con;
    int master, slave;
    char path[64];
    bool writable;
    uint64_t off; /* reader offset into con->buf */
    uint64_t sent;
    struct event *rd, *wr;
};

static void pty_read_cb(evutil_socket_t fd, short what, void *arg)
{
    struct pty *p = arg;
    uint8_t buf[1024];
    ssize_t n = read(p->master, buf, sizeof(buf));
    if (n <= 0)
        return; /* EAGAIN, or EIO while no reader: we hold the slave */
    if (p->writable)
        console_input(p->con, buf, (size_t)n);
}

static void pty_write_cb(evutil_socket_t fd, short what, void *arg)
{
    pty_pump(arg);
}

static void reader_pump(struct console_reader *r)
{
    pty_pump((struct pty *)r);
}

static void reader_gone(struct console_reader *r, const char *why)
{
    /* The console frees its pty when it goes (a hang-up for readers). */
}

static void reader_drop(struct console_reader *r)
{
    struct pty *p = (struct pty *)r;
    console_remove_reader(p->con, r);
    p->listening = false;
}

static const char *reader_who(const struct console_reader *r)
{
    return "the pty";
}

static const struct console_reader_ops pty_reader_ops = {
    .is_session = false,
    .pump = reader_pump,
    .notice = NULL,
    .gone = reader_gone,
    .drop = reader_drop,
    .who = reader_who,
};

void pty_set_writable(struct pty *p, bool writable)
{
    p->writable = writable;
}

struct pty *pty_new(struct console *c, bool writable)
{
    struct pty *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->reader.ops = &pty_reader_ops;
    p->con = c;
    p->writable = writable;
    if (openpty(&p->master, &p->slave, NULL, NULL, NULL) < 0) {
        syslog(LOG_WARNING, "%s: openpty: %m", c->name);
        free(p);
        return NULL;
    }
    /* Raw, as xenconsoled does: the guest's bytes go through untouched. */
    struct termios t;
    if (tcgetattr(p->slave, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(p->slave, TCSANOW, &t);
    }
    /* The master's ioctl (TIOCGPTN), not ttyname_r() on the slave (a
     * readlink in /proc and a search of /dev/pts). */
    if (ptsname_r(p->master, p->path, sizeof(p->path)) != 0)
        p->path[0] = '\0';
    fcntl(p->master, F_SETFL, fcntl(p->master, F_GETFL) | O_NONBLOCK);
    fcntl(p->master, F_SETFD, FD_CLOEXEC);
    fcntl(p->slave, F_SETFD, FD_CLOEXEC);
    p->rd = event_new(xd.base, p->master, EV_READ | EV_PERSIST, pty_read_cb, p);
    p->wr = event_new(xd.base, p->master, EV_WRITE, pty_write_cb, p);
    if (!p->rd || !p->wr || !p->path[0]) {
        pty_free(p);
        return NULL;
    }
    event_add(p->rd, NULL);
    /* A new reader of the pty starts with recent output only. */
    p->off = outbuf_tail_offset(&c->buf, PTY_MAX_LAG);
    console_add_reader(c, &p->reader);
    p->listening = true;
    pty_pump(p);
    return p;
}

void pty_free(struct pty *p)
{
    if (!p)
        return;
    if (p->listening)
        console_remove_reader(p->con, &p->reader);
    if (p->rd)
        event_free(p->rd);
    if (p->wr)
        event_free(p->wr);
    close(p->master);
    close(p->slave);
    free(p);
}

const char *pty_path(const struct pty *p)
{
    return p->path;
}

uint64_t pty_bytes_sent(const struct pty *p)
{
    return p->sent;
}

void pty_pump(struct pty *p)
{
    struct outbuf *b = &p->con->buf;
    /* Nobody draining: stay at most PTY_MAX_LAG behind (see pty.h). */
    uint64_t floor = outbuf_tail_offset(b, PTY_MAX_LAG);
    if (p->off < floor)
        p->off = floor;
    for (;;) {
        const uint8_t *data;
        size_t missed = 0;
        size_t n = outbuf_peek(b, &p->off, &data, &missed);
        if (n == 0)
            return;
        ssize_t w = write(p->master, data, n);
        if (w < 0) {
            if (errno == EAGAIN || errno == EINTR)
                event_add(p->wr, NULL);
            return;
        }
        outbuf_advance(b, &p->off, (size_t)w);
        p->sent += (uint64_t)w;
        if ((size_t)w < n) {
            event_add(p->wr, NULL);
            return;
        }
    }
}
