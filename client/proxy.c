// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * proxy.c - `xcmux --stdio-proxy`: the remote end of `xcmux -H ssh://...`
 * (contract in remote.h). It never interprets the protocol: the client at
 * the other end of ssh does the handshake with the daemon itself.
 */
#include "config.h"
#include "client/remote.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client/client.h"

#define PROXY_BUF (64 * 1024)

struct pipe_buf {
    unsigned char data[PROXY_BUF];
    size_t len, off;
    bool eof; /* the source ended; nothing more will be added */
};

static int connect_local(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Read into B from FD when empty. -1: fatal error. */
static int fill(struct pipe_buf *b, int fd, bool is_socket)
{
    if (b->len > b->off || b->eof)
        return 0;
    ssize_t n =
        is_socket ? recv(fd, b->data, sizeof(b->data), 0) : read(fd, b->data, sizeof(b->data));
    if (n > 0) {
        b->len = (size_t)n;
        b->off = 0;
    } else if (n == 0) {
        b->eof = true;
    } else if (errno != EAGAIN && errno != EINTR) {
        return -1;
    }
    return 0;
}

static int drain(struct pipe_buf *b, int fd, bool is_socket)
{
    if (b->off >= b->len)
        return 0;
    ssize_t n = is_socket ? send(fd, b->data + b->off, b->len - b->off, MSG_NOSIGNAL)
                          : write(fd, b->data + b->off, b->len - b->off);
    if (n > 0) {
        b->off += (size_t)n;
        if (b->off == b->len)
            b->off = b->len = 0;
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return -1;
    }
    return 0;
}

int xc_stdio_proxy(const char *path)
{
    static struct pipe_buf up, down; /* up: stdin -> daemon; down: daemon -> stdout */
    int sock = connect_local(path);
    if (sock < 0) {
        int e = errno;
        fprintf(stderr, "xcmux: cannot connect to xcmuxd at %s: %s%s\n", path, strerror(e),
                e == EACCES || e == EPERM ? "" : " (is xcmuxd running?)");
        return e == EACCES || e == EPERM ? XC_EXIT_PERMISSION : XC_EXIT_NO_DAEMON;
    }
    if (set_nonblock(sock) < 0 || set_nonblock(STDIN_FILENO) < 0 ||
        set_nonblock(STDOUT_FILENO) < 0) {
        fprintf(stderr, "xcmux: proxy: %s\n", strerror(errno));
        close(sock);
        return XC_EXIT_FAIL;
    }
    bool shut_wr = false;
    for (;;) {
        if (up.eof && up.off >= up.len && !shut_wr) {
            shutdown(sock, SHUT_WR);
            shut_wr = true;
        }
        if (down.eof && down.off >= down.len)
            break;
        struct pollfd p[3] = {
            {.fd = STDIN_FILENO, .events = 0},
            {.fd = sock, .events = 0},
            {.fd = STDOUT_FILENO, .events = 0},
        };
        if (!up.eof && up.off >= up.len)
            p[0].events |= POLLIN;
        else
            p[0].fd = -1;
        if (up.off < up.len)
            p[1].events |= POLLOUT;
        if (!down.eof && down.off >= down.len)
            p[1].events |= POLLIN;
        if (p[1].events == 0)
            p[1].fd = -1; /* else POLLHUP would wake us in a loop */
        if (down.off < down.len)
            p[2].events |= POLLOUT;
        else
            p[2].fd = -1;
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        /* POLLHUP/POLLERR with no POLLIN still needs a read to see EOF. */
        if (p[0].revents && fill(&up, STDIN_FILENO, false) < 0)
            up.eof = true;
        if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && fill(&down, sock, true) < 0)
            break;
        if ((p[1].revents & POLLOUT) && drain(&up, sock, true) < 0)
            break;
        if (p[2].revents && drain(&down, STDOUT_FILENO, false) < 0)
            break;
    }
    close(sock);
    return XC_EXIT_OK;
}
