/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sdnotify.c — sd_notify and sd_listen_fds, spoken directly (see
 * sdnotify.h for why and for the contract).
 */
#include "daemon/sdnotify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int sdn_notify(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || !*path)
        return 0;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t plen = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sa.sun_path)) {
        errno = EINVAL;
        return -1;
    }
    memcpy(sa.sun_path, path, plen);
    if (path[0] == '@')
        sa.sun_path[0] = '\0';
    socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    ssize_t w = sendto(fd, state, strlen(state), MSG_DONTWAIT | MSG_NOSIGNAL,
                       (struct sockaddr *)&sa, salen);
    int e = errno;
    close(fd);
    if (w < 0) {
        errno = e;
        return -1;
    }
    return 1;
}

int sdn_notifyf(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sdn_notify(msg);
}

static long env_number(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return -1;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < 0)
        return -1;
    return n;
}

int sdn_listen_fd(int *extra)
{
    long pid = env_number("LISTEN_PID");
    long n = env_number("LISTEN_FDS");
    *extra = 0;
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    if (pid != (long)getpid() || n < 1 || n > 1024)
        return -1;
    for (long i = 0; i < n; i++) {
        int fd = SDN_LISTEN_FDS_START + (int)i;
        int fl = fcntl(fd, F_GETFD);
        if (fl >= 0)
            (void)fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
    }
    *extra = (int)(n - 1);
    int fd = SDN_LISTEN_FDS_START;
    int type = 0, listening = 0;
    socklen_t len = sizeof(type);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
        return -1;
    len = sizeof(listening);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 || !listening)
        return -1;
    return fd;
}
