// SPDX-License-Identifier: GPL-2.0-or-later
/* upstream.c — connect to xcmuxd as a user (upstream.h). */
#include "web/upstream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

struct upstream_req {
    struct event *ev;
    int sock; /* our end of the socketpair */
    pid_t pid;
    upstream_cb cb;
    void *arg;
};

/* Children not reaped yet. */
static pid_t *kids;
static size_t nkids, capkids;

static void remember(pid_t pid)
{
    if (nkids == capkids) {
        size_t nc = capkids ? capkids * 2 : 16;
        pid_t *n = realloc(kids, nc * sizeof(*n));
        if (!n)
            return; /* the child stays a zombie until exit: rare, harmless */
        kids = n;
        capkids = nc;
    }
    kids[nkids++] = pid;
}

void upstream_reap(void)
{
    for (size_t i = 0; i < nkids;) {
        pid_t r = waitpid(kids[i], NULL, WNOHANG);
        if (r == kids[i] || (r < 0 && errno == ECHILD))
            kids[i] = kids[--nkids];
        else
            i++;
    }
}

void upstream_shutdown(void)
{
    upstream_reap();
    free(kids);
    kids = NULL;
    nkids = capkids = 0;
}

/* The child: nothing but system calls from here to _exit. */
static void __attribute__((noreturn))
child(int sp, const struct sockaddr_un *sa, const struct web_ident *id)
{
    int err = 0, fd = -1;
    if (syscall(SYS_setgroups, (size_t)id->ngroups, id->groups) < 0 ||
        syscall(SYS_setresgid, id->gid, id->gid, id->gid) < 0 ||
        syscall(SYS_setresuid, id->uid, id->uid, id->uid) < 0) {
        err = errno ? errno : EPERM;
    } else {
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
            err = errno ? errno : EIO;
    }
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = {&err, sizeof(err)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    if (!err) {
        memset(&u, 0, sizeof(u));
        mh.msg_control = u.buf;
        mh.msg_controllen = sizeof(u.buf);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    while (sendmsg(sp, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR)
        ;
    _exit(0);
}

static void answer(evutil_socket_t sock, short what, void *arg)
{
    struct upstream_req *r = arg;
    int err = 0, fd = -1;
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = {&err, sizeof(err)};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    ssize_t n = recvmsg(r->sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n != (ssize_t)sizeof(err)) {
        err = EIO; /* the child died before answering */
    } else {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                c->cmsg_len == CMSG_LEN(sizeof(int))) {
                memcpy(&fd, CMSG_DATA(c), sizeof(int));
            }
        }
        if (!err && fd < 0)
            err = EIO;
        if (err && fd >= 0) {
            close(fd);
            fd = -1;
        }
    }
    if (fd >= 0) {
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    upstream_cb cb = r->cb;
    void *cbarg = r->arg;
    pid_t pid = r->pid;
    upstream_cancel(r);
    upstream_reap();
    cb(cbarg, fd, pid, err);
}

struct upstream_req *upstream_connect(struct event_base *base, const char *path,
                                      const struct web_ident *id, upstream_cb cb, void *arg)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
        return NULL;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(sp[0]);
        close(sp[1]);
        errno = e;
        return NULL;
    }
    if (pid == 0) {
        close(sp[0]);
        child(sp[1], &sa, id);
    }
    close(sp[1]);
    remember(pid);
    /* Allocated after the fork: the child's heap holds nothing it lost. */
    struct upstream_req *r = calloc(1, sizeof(*r));
    if (!r) {
        close(sp[0]); /* the child's answer fails; it exits and is reaped */
        errno = ENOMEM;
        return NULL;
    }
    r->sock = sp[0];
    r->pid = pid;
    r->cb = cb;
    r->arg = arg;
    /* SEQPACKET: the child's exit without a message reads as EOF. */
    r->ev = event_new(base, r->sock, EV_READ | EV_PERSIST, answer, r);
    if (!r->ev || event_add(r->ev, NULL) < 0) {
        upstream_cancel(r);
        errno = ENOMEM;
        return NULL;
    }
    return r;
}

void upstream_cancel(struct upstream_req *r)
{
    if (!r)
        return;
    if (r->ev)
        event_free(r->ev);
    close(r->sock);
    free(r);
}
