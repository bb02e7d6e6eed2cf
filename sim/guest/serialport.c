/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * serialport.c — a simulated guest's emulated serial port (see
 * serialport.h).
 */
#include "sim/guest/serialport.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "sim/guest/shell.h"

struct gsp {
    int master;
    char path[64];
    struct event *rd, *wr;
    bool has_shell;
    struct shell shell;
    time_t boot;
    size_t head, len;
    struct gsp_stats st;
    char pend[GSP_PENDING_CAP];
};

static void flush(struct gsp *p)
{
    while (p->len && p->master >= 0) {
        size_t chunk = GSP_PENDING_CAP - p->head;
        if (chunk > p->len)
            chunk = p->len;
        ssize_t n = write(p->master, p->pend + p->head, chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n < 0 && errno == EAGAIN)
                event_add(p->wr, NULL);
            return; /* EIO: nobody will ever read; the bytes wait */
        }
        p->head = (p->head + (size_t)n) % GSP_PENDING_CAP;
        p->len -= (size_t)n;
        p->st.bytes_out += (uint64_t)n;
    }
    if (!p->len)
        p->head = 0;
}

static void queue(struct gsp *p, const char *buf, size_t len)
{
    size_t room = GSP_PENDING_CAP - p->len;
    size_t n = len < room ? len : room;
    for (size_t done = 0; done < n;) {
        size_t tail = (p->head + p->len) % GSP_PENDING_CAP;
        size_t chunk = GSP_PENDING_CAP - tail;
        if (chunk > n - done)
            chunk = n - done;
        memcpy(p->pend + tail, buf + done, chunk);
        p->len += chunk;
        done += chunk;
    }
    p->st.dropped += len - n;
}

static void shell_out(void *ctx, const char *buf, size_t len)
{
    queue(ctx, buf, len);
}

static void rd_cb(evutil_socket_t fd, short what, void *arg)
{
    struct gsp *p = arg;
    /* Input only as far as its worst-case echo fits. */
    size_t room = GSP_PENDING_CAP - p->len;
    size_t want = p->has_shell ? room / SHELL_MAX_OUTPUT_PER_BYTE : 1024;
    char buf[1024];
    if (want > sizeof(buf))
        want = sizeof(buf);
    if (want == 0)
        return;
    ssize_t n = read(p->master, buf, want);
    if (n <= 0)
        return; /* EAGAIN, or EIO while no reader has the slave open */
    p->st.bytes_in += (uint64_t)n;
    if (p->has_shell)
        shell_input(&p->shell, buf, (size_t)n, time(NULL), p->boot);
    flush(p);
}

static void wr_cb(evutil_socket_t fd, short what, void *arg)
{
    flush(arg);
}

struct gsp *gsp_new(struct event_base *base, const char *name, bool shell)
{
    struct gsp *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    int slave;
    if (openpty(&p->master, &slave, NULL, NULL, NULL) < 0) {
        free(p);
        return NULL;
    }
    struct termios t;
    if (tcgetattr(slave, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(slave, TCSANOW, &t);
    }
    if (ttyname_r(slave, p->path, sizeof(p->path)) != 0)
        p->path[0] = '\0';
    close(slave);
    fcntl(p->master, F_SETFL, fcntl(p->master, F_GETFL) | O_NONBLOCK);
    fcntl(p->master, F_SETFD, FD_CLOEXEC);
    p->rd = event_new(base, p->master, EV_READ | EV_PERSIST, rd_cb, p);
    p->wr = event_new(base, p->master, EV_WRITE, wr_cb, p);
    if (!p->path[0] || !p->rd || !p->wr) {
        gsp_free(p);
        errno = ENOMEM;
        return NULL;
    }
    p->boot = time(NULL);
    p->has_shell = shell;
    if (shell)
        shell_init(&p->shell, name, shell_out, p);
    event_add(p->rd, NULL);
    return p;
}

const char *gsp_path(const struct gsp *p)
{
    return p->path;
}

void gsp_write(struct gsp *p, const char *buf, size_t len)
{
    queue(p, buf, len);
    flush(p);
}

void gsp_printf(struct gsp *p, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > 0)
        gsp_write(p, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void gsp_prompt(struct gsp *p)
{
    if (p->has_shell) {
        shell_prompt(&p->shell);
        flush(p);
    }
}

void gsp_hangup(struct gsp *p)
{
    if (p->master < 0)
        return;
    if (p->rd)
        event_del(p->rd);
    if (p->wr)
        event_del(p->wr);
    close(p->master);
    p->master = -1;
}

void gsp_get_stats(const struct gsp *p, struct gsp_stats *out)
{
    *out = p->st;
}

void gsp_free(struct gsp *p)
{
    if (!p)
        return;
    gsp_hangup(p);
    if (p->rd)
        event_free(p->rd);
    if (p->wr)
        event_free(p->wr);
    free(p);
}
