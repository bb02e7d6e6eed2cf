// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * server.c — listening socket (see server.h). Accepting goes through an
 * evconnlistener, which accepts with SOCK_NONBLOCK | SOCK_CLOEXEC until
 * EAGAIN; each new fd becomes a session or, over the client limit, gets
 * one ERROR frame and is closed.
 */
#include "daemon/server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "daemon/daemon.h"
#include "daemon/limits.h"
#include "daemon/session-admit.h"
#include "daemon/session.h"
#include "protocol/xcmux-proto.h"

/* How long accepting pauses when the process is out of fds or memory:
 * long enough not to spin, short enough that clients barely notice. */
#define SERVER_ACCEPT_PAUSE_MS 200

static struct {
    struct evconnlistener *listener;
    struct event *resume; /* re-enables accepting after a pause */
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    bool created; /* we bound it: unlink on stop */
    dev_t dev;    /* identity of the socket file we made */
    ino_t ino;
} srv;

static void fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
    /* Past the hard limit only the admin gets in (session_new decides,
     * shedding an idle connection for it); beyond that, one ERROR frame
     * and a close, so the listening socket never stays readable. */
    if (xd.shutting_down) {
        session_refuse_fd(fd, "xcmuxd is shutting down");
        return;
    }
    /* session_new owns fd from here: it admits it (session-admit.h) or
     * refuses it with the reason, and closes it on failure. */
    session_new(fd);
}

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
    if (srv.listener)
        evconnlistener_enable(srv.listener);
}

static void accept_error_cb(struct evconnlistener *l, void *arg)
{
    int err = EVUTIL_SOCKET_ERROR();
    if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
        /* The pending connection stays queued and the socket readable:
         * pause instead of spinning on accept. */
        syslog(LOG_WARNING, "accept: %s; pausing for %d ms", strerror(err), SERVER_ACCEPT_PAUSE_MS);
        evconnlistener_disable(l);
        struct timeval tv = {0, SERVER_ACCEPT_PAUSE_MS * 1000};
        if (srv.resume)
            evtimer_add(srv.resume, &tv);
        return;
    }
    syslog(LOG_WARNING, "accept: %s", strerror(err));
}

static int attach_listener(int fd, int backlog)
{
    srv.resume = evtimer_new(xd.base, resume_cb, NULL);
    if (!srv.resume)
        return -1;
    srv.listener = evconnlistener_new(xd.base, accept_cb, NULL,
                                      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, backlog, fd);
    if (!srv.listener) {
        event_free(srv.resume);
        srv.resume = NULL;
        return -1;
    }
    evconnlistener_set_error_cb(srv.listener, accept_error_cb);
    return 0;
}

/* mkdir -p for the socket's directory, 0755 so clients can reach the
 * socket (whose own mode is what protects it). */
static int make_parent_dir(const char *path, char *err, size_t errlen)
{
    char dir[sizeof(srv.path)];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        bool last = *p == '\0';
        if (*p != '/' && !last)
            continue;
        *p = '\0';
        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
            fail(err, errlen, "cannot create %s: %s", dir, strerror(errno));
            return -1;
        }
        if (last)
            break;
        *p = '/';
    }
    return 0;
}

/* 1: a server answers at ADDR; 0: nobody (stale); -1: cannot tell. */
static int someone_listens(const struct sockaddr_un *addr)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int rc = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
    int e = errno;
    close(fd);
    if (rc == 0 || e == EAGAIN || e == EINPROGRESS)
        return 1; /* accepted, or a live server with a full backlog */
    if (e == ECONNREFUSED)
        return 0;
    errno = e;
    return -1;
}

/* PATH exists: remove it only if it is a dead socket. */
static int clear_stale(const struct sockaddr_un *addr, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(addr->sun_path, &st) < 0)
        return errno == ENOENT
                   ? 0
                   : (fail(err, errlen, "cannot stat %s: %s", addr->sun_path, strerror(errno)), -1);
    if (!S_ISSOCK(st.st_mode)) {
        fail(err, errlen, "%s exists and is not a socket; refusing to replace it", addr->sun_path);
        return -1;
    }
    int live = someone_listens(addr);
    if (live == 1) {
        fail(err, errlen, "another daemon is already listening on %s", addr->sun_path);
        return -1;
    }
    if (live < 0) {
        fail(err, errlen, "cannot probe %s: %s", addr->sun_path, strerror(errno));
        return -1;
    }
    if (unlink(addr->sun_path) < 0 && errno != ENOENT) {
        fail(err, errlen, "cannot remove stale socket %s: %s", addr->sun_path, strerror(errno));
        return -1;
    }
    return 0;
}

int server_start(const char *path, mode_t mode, bool set_group, gid_t group, char *err,
                 size_t errlen)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (srv.listener) {
        fail(err, errlen, "server already started");
        return -1;
    }
    if (!path || !*path || strlen(path) >= sizeof(addr.sun_path)) {
        fail(err, errlen, "socket path %s", path && *path ? "too long" : "empty");
        return -1;
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);
    if (make_parent_dir(path, err, errlen) < 0 || clear_stale(&addr, err, errlen) < 0)
        return -1;

    /* Bound under a name of its own and linked to PATH only once it
     * listens with its final mode: a client never finds PATH refusing
     * connections (bind() creates the file, listen() comes later), which
     * it would take for "no daemon". link(), not rename(): a daemon that
     * started meanwhile keeps its socket, and this one fails. A PATH too
     * long for the extra suffix is bound directly, as before. */
    struct sockaddr_un tmp = {.sun_family = AF_UNIX};
    int tl = snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s.%ld.new", path, (long)getpid());
    bool staged = tl > 0 && (size_t)tl < sizeof(tmp.sun_path);
    const char *bound = staged ? tmp.sun_path : path;
    if (staged)
        unlink(tmp.sun_path); /* left by a dead daemon of this pid */

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fail(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    /* Nobody may connect before the final mode and group are set. */
    mode_t old_umask = umask(0177);
    int rc = bind(fd, (struct sockaddr *)(staged ? &tmp : &addr), sizeof(addr));
    int bind_errno = errno;
    umask(old_umask);
    if (rc < 0) {
        fail(err, errlen, "bind %s: %s", bound, strerror(bind_errno));
        close(fd);
        return -1;
    }
    struct stat st;
    if ((set_group && chown(bound, (uid_t)-1, group) < 0) || chmod(bound, mode & 07777) < 0 ||
        stat(bound, &st) < 0) {
        fail(err, errlen, "cannot set owner/mode of %s: %s", bound, strerror(errno));
        unlink(bound);
        close(fd);
        return -1;
    }
    if (listen(fd, SOMAXCONN) < 0) {
        fail(err, errlen, "listen %s: %s", bound, strerror(errno));
        unlink(bound);
        close(fd);
        return -1;
    }
    if (staged) {
        rc = link(tmp.sun_path, path);
        int link_errno = errno;
        unlink(tmp.sun_path);
        if (rc < 0) {
            if (link_errno == EEXIST)
                fail(err, errlen, "%s appeared while this daemon started (another daemon?)", path);
            else
                fail(err, errlen, "cannot put the socket at %s: %s", path, strerror(link_errno));
            close(fd);
            return -1;
        }
    }
    if (attach_listener(fd, 0) < 0) {
        fail(err, errlen, "cannot register the listening socket");
        unlink(path);
        close(fd);
        return -1;
    }
    snprintf(srv.path, sizeof(srv.path), "%s", path);
    srv.created = true;
    srv.dev = st.st_dev;
    srv.ino = st.st_ino;
    return 0;
}

int server_listen_fd(int fd)
{
    if (srv.listener) {
        errno = EBUSY;
        return -1;
    }
    if (evutil_make_socket_nonblocking(fd) < 0 || evutil_make_socket_closeonexec(fd) < 0)
        return -1;
    if (attach_listener(fd, 0) < 0) {
        errno = ENOMEM;
        return -1;
    }
    srv.created = false;
    srv.path[0] = '\0';
    return 0;
}

void server_stop(void)
{
    admit_shutdown();
    if (srv.listener) {
        evconnlistener_free(srv.listener); /* closes the fd */
        srv.listener = NULL;
    }
    if (srv.resume) {
        event_free(srv.resume);
        srv.resume = NULL;
    }
    if (srv.created) {
        /* A newer daemon may have replaced the file: leave its socket. */
        struct stat st;
        if (lstat(srv.path, &st) == 0 && st.st_dev == srv.dev && st.st_ino == srv.ino)
            unlink(srv.path);
        srv.created = false;
    }
}
