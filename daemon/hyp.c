/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hyp.c — libxenctrl, libxenstore, libxenevtchn, libxengnttab and
 * libxenforeignmemory behind hyp.h. Nothing else in the daemon includes
 * their headers, so the hypervisor surface is reviewable in one place.
 *
 * The xenstore connections (see "the store connection" in hyp.h):
 * - xs, the main one: watches, reads and writes of nodes whose replies
 *   are bounded whatever a guest writes (values: the stores' quota caps
 *   them near 2 KiB; watch events: a path and a token). It is never asked
 *   for a directory.
 * - xsd, the throwaway one: every XS_DIRECTORY. A guest can make a
 *   directory under a node it may write (data/...) list more than 4096
 *   bytes; oxenstored sends such a reply whole and libxenstore then
 *   closes the connection. On xsd that costs this one listing: it is
 *   closed and opened again on the next call. It carries one watch, on
 *   a node nobody writes, so that libxenstore reads it with its reader
 *   thread: an oversized reply then closes the socket instead of leaving
 *   the rest of the reply in the stream to be parsed as the next one.
 * - the job connections (xsconn.c), HYP_WORKERS of them, opened with
 *   the main one: the wire protocol spoken here, non-blocking, requests
 *   pipelined, from the loop. A job goes to connection key % HYP_WORKERS
 *   and its requests are written back to back with those before it; the
 *   store answers each connection in order. The domains' watches are
 *   set through them too (a job's watch, then its reads, in order on one
 *   connection), so their events come back on them and are queued for
 *   hyp_next_watch() beside the main connection's. They are in an epoll
 *   set that is hyp_jobs_fd(): readable when a reply or event waits, or
 *   when finished jobs do. Any of them dying (or breaking the protocol)
 *   makes hyp_store_check() report the store connection dead, so the
 *   caller's reconnect sets every watch again.
 *   Why pipelined: a store serves a burst of requests from one connection
 *   for much less CPU per request than the same requests one round trip
 *   at a time (one wakeup and one read for many), on both stores
 *   (bench/BENCHMARKS.md, attach), and the daemon needs no thread and no
 *   handoff per request. Why several: the C xenstored serves one message
 *   per connection per pass over every connection (a pass costs
 *   O(domains)); k connections let it serve k per pass.
 * - when the store has no socket to connect to (a xenstore stub domain:
 *   only /dev/xen/xenbus), or XCMUX_STORE_PIPELINE=0 is in the
 *   environment, jobs run instead on HYP_WORKERS threads, synchronous
 *   libxenstore calls on two connections of each thread's own (reads and
 *   writes on one, directories on the other with the same one watch as
 *   xsd), opened when the thread starts (on the first job, so that a
 *   daemon that forks to the background forks before them) and reopened
 *   after a failure that is not a reply; their watch and unwatch
 *   requests go on xs (its events are what the loop reads), under xs_rw,
 *   which the loop takes for writing only to close or replace xs.
 *   libxenstore is thread-safe: the loop's calls on xs and a worker's
 *   watch request on it queue on libxenstore's own request lock.
 */
#include "daemon/hyp.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xenstore_lib.h>

#include "daemon/xsconn.h"

struct hyp;

struct worker {
    struct hyp *h;
    pthread_t tid;
    bool started;
    pthread_cond_t cv;
    struct xs_handle *xs, *xsd;  /* its own connections; its thread's only */
    struct hyp_job *head, *tail; /* queued; under jobs_mu */
};

/* A watch event that came on a job connection, until hyp_next_watch(). */
struct pipe_event {
    struct pipe_event *next;
    char *path, *token;
};

struct hyp {
    pthread_rwlock_t xs_rw; /* xs replaced or closed (loop) vs used by a worker */
    pthread_mutex_t jobs_mu;
    struct worker w[HYP_WORKERS];
    bool workers_started, stopping;
    struct hyp_job *done_head, *done_tail; /* finished; under jobs_mu */
    unsigned ndone;
    int jobs_pipe[2]; /* a byte in it: finished jobs (or job connections' events) wait */
    int jobs_ep;      /* epoll: jobs_pipe[0] and the job connections */
    bool pipelined;   /* jobs go on job connections (not threads) */
    struct xsconn *pipe[HYP_WORKERS]; /* NULL while down */
    bool pipe_out[HYP_WORKERS];       /* in jobs_ep for writing too */
    int pipe_err;                     /* a job connection died: its errno */
    struct pipe_event *ev_head, *ev_tail;
    xc_interface *xc;
    struct xs_handle *xs;  /* NULL while the store is down */
    struct xs_handle *xsd; /* directories only; opened on demand */
    bool xs_suspect;       /* a call failed as on a dead connection */
    uint64_t xs_ok_ms;     /* last reply on xs */
    int xs_sock;           /* our dup of xs's socket, or -1 */
    uint64_t xs_requests;  /* round trips on either connection */
    void (*on_suspect)(void);
    xenevtchn_handle *xce;
    xengnttab_handle *xgt;
    xenforeignmemory_handle *xfm;
};

static void pipes_open(struct hyp *h);
static void pipes_close(struct hyp *h, int err);

/* xs_open() for the main connection, and a dup of the socket it opened.
 * hyp_store_fd() hands the dup to the event loop so a store that goes
 * away is seen at once (the peer's close), not by polling; libxenstore's
 * reader thread keeps reading the original. The socket is the one fd
 * xs_open() adds (the reader thread and watch pipe come later), and a
 * new fd is the lowest free one, found beforehand. Without a socket (the
 * xenbus device) there is no dup, and the caller polls. */
static struct xs_handle *xs_open_main(struct hyp *h)
{
    h->xs_sock = -1;
    int lowest = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (lowest >= 0)
        close(lowest);
    struct xs_handle *x = xs_open(XS_UNWATCH_FILTER);
    if (!x)
        return NULL;
    struct stat st;
    if (lowest >= 0 && fstat(lowest, &st) == 0 && S_ISSOCK(st.st_mode))
        h->xs_sock = fcntl(lowest, F_DUPFD_CLOEXEC, 0);
    return x;
}

struct hyp *hyp_open(char *err, size_t errlen)
{
    struct hyp *h = calloc(1, sizeof(*h));
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->xs_sock = -1;
    h->jobs_pipe[0] = h->jobs_pipe[1] = -1;
    pthread_rwlock_init(&h->xs_rw, NULL);
    pthread_mutex_init(&h->jobs_mu, NULL);
    for (unsigned i = 0; i < HYP_WORKERS; i++) {
        h->w[i].h = h;
        pthread_cond_init(&h->w[i].cv, NULL);
    }
    h->jobs_ep = -1;
    const char *what = NULL;
    if (pipe2(h->jobs_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        what = "pipe";
    else if ((h->jobs_ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
             epoll_ctl(h->jobs_ep, EPOLL_CTL_ADD, h->jobs_pipe[0],
                       &(struct epoll_event){.events = EPOLLIN, .data.u32 = 0}) < 0)
        what = "epoll";
    else if (!(h->xc = xc_interface_open(NULL, NULL, 0)))
        what = "xc_interface_open (is this dom0, with /dev/xen/privcmd?)";
    else if (!(h->xs = xs_open_main(h)))
        what = "xs_open (is xenstored running?)";
    else if (!(h->xce = xenevtchn_open(NULL, 0)))
        what = "xenevtchn_open (/dev/xen/evtchn)";
    /* hyp_pending() reads this fd; on real Xen a blocking read waits for the next event. */
    else if (fcntl(xenevtchn_fd(h->xce), F_SETFL,
                   fcntl(xenevtchn_fd(h->xce), F_GETFL) | O_NONBLOCK) < 0)
        what = "fcntl(O_NONBLOCK) on /dev/xen/evtchn";
    else if (!(h->xgt = xengnttab_open(NULL, 0)))
        what = "xengnttab_open (/dev/xen/gntdev)";
    else if (!(h->xfm = xenforeignmemory_open(NULL, 0)))
        what = "xenforeignmemory_open";
    if (what) {
        snprintf(err, errlen, "%s: %s", what, strerror(errno));
        hyp_close(h);
        return NULL;
    }
    const char *env = getenv("XCMUX_STORE_PIPELINE");
    h->pipelined = !(env && strcmp(env, "0") == 0);
    pipes_open(h);
    return h;
}

static void workers_stop(struct hyp *h);

void hyp_close(struct hyp *h)
{
    if (!h)
        return;
    pipes_close(h, ENOTCONN);
    workers_stop(h); /* frees the finished jobs too */
    while (h->ev_head) {
        struct pipe_event *e = h->ev_head;
        h->ev_head = e->next;
        free(e->path);
        free(e->token);
        free(e);
    }
    if (h->jobs_ep >= 0)
        close(h->jobs_ep);
    if (h->xfm)
        xenforeignmemory_close(h->xfm);
    if (h->xgt)
        xengnttab_close(h->xgt);
    if (h->xce)
        xenevtchn_close(h->xce);
    if (h->xsd)
        xs_close(h->xsd);
    if (h->xs)
        xs_close(h->xs);
    if (h->xs_sock >= 0)
        close(h->xs_sock);
    if (h->xc)
        xc_interface_close(h->xc);
    for (int i = 0; i < 2; i++)
        if (h->jobs_pipe[i] >= 0)
            close(h->jobs_pipe[i]);
    for (unsigned i = 0; i < HYP_WORKERS; i++)
        pthread_cond_destroy(&h->w[i].cv);
    pthread_mutex_destroy(&h->jobs_mu);
    pthread_rwlock_destroy(&h->xs_rw);
    free(h);
}

/* ---- xenstore ---- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The main connection, or NULL with ENOTCONN while it is down. */
static struct xs_handle *xs_main(struct hyp *h)
{
    if (!h->xs)
        errno = ENOTCONN;
    return h->xs;
}

/* After a call on xs: a reply (even an error reply such as ENOENT or
 * EACCES) proves the connection; anything else makes it suspect, and
 * hyp_store_check() asks the store. libxenstore reports a dead
 * connection as EBADF, EINVAL, EIO, EPIPE or ECONNRESET, all of which a
 * live store can answer too, so the errno alone never decides. */
static void count_request(struct hyp *h)
{
    __atomic_fetch_add(&h->xs_requests, 1, __ATOMIC_RELAXED);
}

/* The verdict on the main connection from one reply (or its absence). */
static void xs_judge(struct hyp *h, bool ok)
{
    if (ok || errno == ENOENT || errno == EACCES || errno == EEXIST) {
        h->xs_ok_ms = now_ms();
    } else if (!h->xs_suspect) {
        int e = errno;
        h->xs_suspect = true;
        if (h->on_suspect)
            h->on_suspect();
        errno = e;
    }
}

static void xs_outcome(struct hyp *h, bool ok)
{
    count_request(h);
    xs_judge(h, ok);
}

/* The outcome of a call that returns only success, as 0 or -1. */
static int xs_done(struct hyp *h, bool ok)
{
    xs_outcome(h, ok);
    return ok ? 0 : -1;
}

int hyp_watch_fd(struct hyp *h)
{
    return h->xs ? xs_fileno(h->xs) : -1;
}

int hyp_watch(struct hyp *h, const char *path, const char *token)
{
    struct xs_handle *xs = xs_main(h);
    return xs ? xs_done(h, xs_watch(xs, path, token)) : -1;
}

int hyp_unwatch(struct hyp *h, const char *path, const char *token)
{
    struct xs_handle *xs = xs_main(h);
    return xs ? xs_done(h, xs_unwatch(xs, path, token)) : -1;
}

int hyp_next_watch(struct hyp *h, char *path, size_t pathlen, char *token, size_t toklen)
{
    char **ev = h->xs ? xs_check_watch(h->xs) : NULL;
    if (ev) {
        snprintf(path, pathlen, "%s", ev[XS_WATCH_PATH]);
        snprintf(token, toklen, "%s", ev[XS_WATCH_TOKEN]);
        free(ev);
        return 1;
    }
    struct pipe_event *e = h->ev_head;
    if (!e)
        return 0;
    h->ev_head = e->next;
    if (!h->ev_head)
        h->ev_tail = NULL;
    snprintf(path, pathlen, "%s", e->path);
    snprintf(token, toklen, "%s", e->token);
    free(e->path);
    free(e->token);
    free(e);
    return 1;
}

bool hyp_watch_pending(struct hyp *h)
{
    return h->ev_head != NULL;
}

ssize_t hyp_read(struct hyp *h, const char *path, char *buf, size_t buflen)
{
    struct xs_handle *xs = xs_main(h);
    if (!xs)
        return -1;
    unsigned int len = 0;
    char *v = xs_read(xs, XBT_NULL, path, &len);
    xs_outcome(h, v != NULL);
    if (!v)
        return -1;
    if (len >= buflen) {
        free(v);
        errno = E2BIG;
        return -1;
    }
    memcpy(buf, v, len);
    buf[len] = '\0';
    free(v);
    return (ssize_t)len;
}

int hyp_write(struct hyp *h, const char *path, const char *value)
{
    struct xs_handle *xs = xs_main(h);
    return xs ? xs_done(h, xs_write(xs, XBT_NULL, path, value, (unsigned int)strlen(value))) : -1;
}

int hyp_rm(struct hyp *h, const char *path)
{
    struct xs_handle *xs = xs_main(h);
    return xs ? xs_done(h, xs_rm(xs, XBT_NULL, path)) : -1;
}

/* A node nobody writes: the throwaway connection's one watch. */
#define XSD_WATCH_PATH "/tool/xcmuxd/directory-connection"

static struct xs_handle *xs_dir(struct hyp *h)
{
    if (h->xsd)
        return h->xsd;
    if (!h->xs) {
        errno = ENOTCONN;
        return NULL;
    }
    struct xs_handle *x = xs_open(0);
    if (!x)
        return NULL;
    if (!xs_watch(x, XSD_WATCH_PATH, "x")) {
        int e = errno;
        xs_close(x);
        errno = e;
        return NULL;
    }
    h->xsd = x;
    return x;
}

int hyp_directory(struct hyp *h, const char *path, char *buf, size_t buflen)
{
    struct xs_handle *xs = xs_dir(h);
    if (!xs)
        return -1;
    unsigned int n = 0;
    count_request(h);
    char **ents = xs_directory(xs, XBT_NULL, path, &n);
    if (!ents) {
        int e = errno;
        if (e != ENOENT && e != EACCES) {
            /* Possibly an oversized reply, and the connection with it:
             * a fresh one next time. E2BIG says "too big" either way. */
            xs_close(h->xsd);
            h->xsd = NULL;
        }
        errno = e;
        return -1;
    }
    /* Events of the one watch (its registration) are drained unread. */
    char **ev;
    while ((ev = xs_check_watch(xs)))
        free(ev);
    size_t used = 0;
    int count = 0;
    for (unsigned int i = 0; i < n; i++) {
        size_t l = strlen(ents[i]) + 1;
        if (used + l > buflen)
            break; /* bounded: a guest cannot make us buffer without limit */
        memcpy(buf + used, ents[i], l);
        used += l;
        count++;
    }
    free(ents);
    return count;
}

/* ---- xenstore requests off the loop ---- */

/* Building and freeing a job is the port's own business no more:
 * hyp-job.c, shared with the fake port of the unit tests. */

/* A worker's own connections, opened on demand: one for reads and
 * writes (values are bounded whatever a guest writes, as on xs; without
 * a watch libxenstore reads each reply on the calling thread, no handoff
 * to a reader thread), one for directories, with xsd's one watch for
 * the same reason as xsd. */
static struct xs_handle **worker_slot(struct worker *w, bool dir)
{
    return dir ? &w->xsd : &w->xs;
}

static struct xs_handle *worker_conn(struct worker *w, bool dir)
{
    struct xs_handle **slot = worker_slot(w, dir);
    if (*slot)
        return *slot;
    struct xs_handle *x = xs_open(0);
    if (!x)
        return NULL;
    if (dir) {
        count_request(w->h);
        if (!xs_watch(x, XSD_WATCH_PATH, "x")) {
            int e = errno;
            xs_close(x);
            errno = e;
            return NULL;
        }
    }
    *slot = x;
    return x;
}

/* Errors that are the store's reply: the connection is fine. */
static bool reply_error(int e)
{
    return e == ENOENT || e == EACCES || e == EEXIST || e == ENOSPC || e == E2BIG || e == EPERM;
}

static void run_op_once(struct worker *w, struct hyp_op *o);

/* A request that fails on a connection opened earlier is tried once more
 * on a fresh one: the old one may be to a store that has since gone (and
 * every request here is idempotent). */
static void run_op(struct worker *w, struct hyp_op *o)
{
    struct xs_handle **slot = o->kind == HYP_OP_DIRECTORY ? &w->xsd : &w->xs;
    bool had = *slot != NULL;
    run_op_once(w, o);
    if (o->err && had && !*slot && o->kind != HYP_OP_WATCH && o->kind != HYP_OP_UNWATCH) {
        free(o->value);
        o->value = NULL;
        o->len = 0;
        o->err = 0;
        run_op_once(w, o);
    }
}

static void run_op_once(struct worker *w, struct hyp_op *o)
{
    struct hyp *h = w->h;
    bool ok = false;
    errno = 0;
    if (o->kind == HYP_OP_WATCH || o->kind == HYP_OP_UNWATCH) {
        /* On the main connection: its events are what the loop reads. */
        pthread_rwlock_rdlock(&h->xs_rw);
        if (!h->xs) {
            errno = ENOTCONN;
        } else {
            count_request(h);
            ok = o->kind == HYP_OP_WATCH ? xs_watch(h->xs, o->path, o->arg ? o->arg : "")
                                         : xs_unwatch(h->xs, o->path, o->arg ? o->arg : "");
        }
        o->err = ok ? 0 : errno ? errno : EIO;
        pthread_rwlock_unlock(&h->xs_rw);
        return;
    }
    struct xs_handle **slot = worker_slot(w, o->kind == HYP_OP_DIRECTORY);
    struct xs_handle *x = worker_conn(w, o->kind == HYP_OP_DIRECTORY);
    if (!x) {
        o->err = errno ? errno : ENOTCONN;
        return;
    }
    count_request(h);
    unsigned int len = 0, n = 0;
    if (o->kind == HYP_OP_READ) {
        char *v = xs_read(x, XBT_NULL, o->path, &len);
        if (v && len >= HYP_VALUE_MAX) {
            free(v);
            o->err = E2BIG;
            return;
        }
        if (v) {
            /* libxenstore NUL-terminates; a value may hold NULs itself. */
            o->value = v;
            o->len = len;
            ok = true;
        }
    } else if (o->kind == HYP_OP_WRITE) {
        ok = xs_write(x, XBT_NULL, o->path, o->arg ? o->arg : "",
                      o->arg ? (unsigned int)strlen(o->arg) : 0);
    } else if (o->kind == HYP_OP_DIRECTORY) {
        char **ents = xs_directory(x, XBT_NULL, o->path, &n);
        if (ents) {
            char *buf = malloc(HYP_VALUE_MAX);
            size_t used = 0, count = 0;
            for (unsigned int i = 0; buf && i < n; i++) {
                size_t l = strlen(ents[i]) + 1;
                if (used + l > HYP_VALUE_MAX)
                    break; /* bounded, as hyp_directory */
                memcpy(buf + used, ents[i], l);
                used += l;
                count++;
            }
            free(ents);
            o->value = buf;
            o->len = count;
            ok = buf != NULL;
            if (!ok)
                errno = ENOMEM;
        }
    }
    if (!ok) {
        o->err = errno ? errno : EIO;
        if (!reply_error(o->err)) {
            /* Possibly the connection itself (dead store, an oversized
             * reply): a fresh one for the next request. */
            xs_close(*slot);
            *slot = NULL;
        }
        return;
    }
    /* Events of the one watch (its registration) are drained unread. */
    char **ev;
    while (slot == &w->xsd && (ev = xs_check_watch(x)))
        free(ev);
}

static void job_finished(struct hyp *h, struct hyp_job *j)
{
    pthread_mutex_lock(&h->jobs_mu);
    bool was_empty = h->done_head == NULL;
    j->next = NULL;
    if (h->done_tail)
        h->done_tail->next = j;
    else
        h->done_head = j;
    h->done_tail = j;
    h->ndone++;
    pthread_mutex_unlock(&h->jobs_mu);
    if (was_empty) {
        ssize_t r = write(h->jobs_pipe[1], "j", 1);
        (void)r; /* full: it is readable already */
    }
}

static void run_job(struct worker *w, struct hyp_job *j)
{
    for (unsigned i = 0; i < j->nops; i++)
        run_op(w, &j->op[i]);
    job_finished(w->h, j);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct hyp *h = w->h;
    /* Both connections now rather than at the first job that needs each:
     * once the daemon runs, its fd count is then a constant, not a
     * function of which domids happened to reach which worker (an admin
     * counting fds per guest, tests/integration/fds.sh). A failure here
     * is retried by the first job, as after a lost store. */
    (void)worker_conn(w, false);
    (void)worker_conn(w, true);
    pthread_mutex_lock(&h->jobs_mu);
    while (!h->stopping) {
        struct hyp_job *j = w->head;
        if (!j) {
            pthread_cond_wait(&w->cv, &h->jobs_mu);
            continue;
        }
        w->head = j->next;
        if (!w->head)
            w->tail = NULL;
        pthread_mutex_unlock(&h->jobs_mu);
        run_job(w, j);
        pthread_mutex_lock(&h->jobs_mu);
    }
    pthread_mutex_unlock(&h->jobs_mu);
    return NULL;
}

/* On the first job, so that a daemon going to the background has forked
 * already. Signals stay with the loop's thread (libevent's handlers). */
static void workers_start(struct hyp *h)
{
    h->workers_started = true;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (unsigned i = 0; i < HYP_WORKERS; i++)
        h->w[i].started = pthread_create(&h->w[i].tid, NULL, worker_main, &h->w[i]) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void workers_stop(struct hyp *h)
{
    pthread_mutex_lock(&h->jobs_mu);
    h->stopping = true;
    for (unsigned i = 0; i < HYP_WORKERS; i++)
        pthread_cond_signal(&h->w[i].cv);
    pthread_mutex_unlock(&h->jobs_mu);
    /* Each finishes the request it is in (the store is alive at a
     * normal stop; a dead one fails it at once). */
    for (unsigned i = 0; i < HYP_WORKERS; i++) {
        struct worker *w = &h->w[i];
        if (w->started)
            pthread_join(w->tid, NULL);
        w->started = false;
        if (w->xs)
            xs_close(w->xs);
        if (w->xsd)
            xs_close(w->xsd);
        w->xs = w->xsd = NULL;
        struct hyp_job *j, *next;
        for (j = w->head; j; j = next) {
            next = j->next;
            hyp_job_free(j);
        }
        w->head = w->tail = NULL;
    }
    struct hyp_job *j, *next;
    for (j = h->done_head; j; j = next) {
        next = j->next;
        hyp_job_free(j);
    }
    h->done_head = h->done_tail = NULL;
    h->ndone = 0;
}

/* ---- job connections (xsconn.c) ---- */

static void pipe_job_done(void *ctx, struct hyp_job *j)
{
    job_finished(ctx, j);
}

static void pipe_event(void *ctx, const char *path, const char *token)
{
    struct hyp *h = ctx;
    struct pipe_event *e = calloc(1, sizeof(*e));
    if (e && (e->path = strdup(path)) && (e->token = strdup(token))) {
        if (h->ev_tail)
            h->ev_tail->next = e;
        else
            h->ev_head = e;
        h->ev_tail = e;
        return;
    }
    if (e) {
        free(e->path);
        free(e);
    }
    /* Out of memory: the event is lost; the connection's next check
     * re-syncs everything. */
    h->pipe_err = ENOMEM;
    if (h->on_suspect)
        h->on_suspect();
}

static void pipe_request(void *ctx)
{
    count_request(ctx);
}

static const struct xsconn_ops pipe_ops = {
    .job_done = pipe_job_done,
    .event = pipe_event,
    .request = pipe_request,
};

/* Writable interest in jobs_ep only while a connection has output. */
static void pipe_arm(struct hyp *h, unsigned k)
{
    bool want = h->pipe[k] && xsconn_wants_write(h->pipe[k]);
    if (!h->pipe[k] || want == h->pipe_out[k])
        return;
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.u32 = k + 1};
    if (epoll_ctl(h->jobs_ep, EPOLL_CTL_MOD, xsconn_fd(h->pipe[k]), &ev) == 0)
        h->pipe_out[k] = want;
}

/* One died: its jobs fail with its errno, and the store connection is
 * reported dead at the next check (every watch set on it is gone). */
static void pipe_dead(struct hyp *h, unsigned k, int err)
{
    epoll_ctl(h->jobs_ep, EPOLL_CTL_DEL, xsconn_fd(h->pipe[k]), NULL);
    xsconn_free(h->pipe[k], err);
    h->pipe[k] = NULL;
    h->pipe_out[k] = false;
    if (!h->pipe_err) {
        h->pipe_err = err;
        if (h->on_suspect)
            h->on_suspect();
    }
}

static void pipes_io(struct hyp *h)
{
    for (unsigned k = 0; k < HYP_WORKERS; k++) {
        if (!h->pipe[k])
            continue;
        if (xsconn_io(h->pipe[k]) < 0)
            pipe_dead(h, k, errno ? errno : EIO);
        else
            pipe_arm(h, k);
    }
}

/* With the main connection: all HYP_WORKERS, or none and the threads
 * take the jobs (no socket: a stub-domain store behind /dev/xen/xenbus). */
static void pipes_open(struct hyp *h)
{
    h->pipe_err = 0;
    if (!h->pipelined)
        return;
    const char *path = xs_daemon_socket();
    for (unsigned k = 0; k < HYP_WORKERS; k++) {
        int fd = xsconn_connect(path);
        struct xsconn *c = fd >= 0 ? xsconn_new(fd, &pipe_ops, h) : NULL;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = k + 1};
        if (!c || epoll_ctl(h->jobs_ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
            xsconn_free(c, ENOTCONN);
            pipes_close(h, ENOTCONN);
            h->pipelined = false;
            return;
        }
        h->pipe[k] = c;
    }
}

static void pipes_close(struct hyp *h, int err)
{
    for (unsigned k = 0; k < HYP_WORKERS; k++)
        if (h->pipe[k]) {
            epoll_ctl(h->jobs_ep, EPOLL_CTL_DEL, xsconn_fd(h->pipe[k]), NULL);
            xsconn_free(h->pipe[k], err);
            h->pipe[k] = NULL;
            h->pipe_out[k] = false;
        }
}

void hyp_job_submit(struct hyp *h, struct hyp_job *j)
{
    if (!j)
        return;
    if (h->pipelined) {
        unsigned k = j->key % HYP_WORKERS;
        if (!h->pipe[k]) {
            /* Down (or this one died): fails at once, as on a dead
             * connection. */
            for (unsigned i = 0; i < j->nops; i++)
                j->op[i].err = ENOTCONN;
            job_finished(h, j);
            return;
        }
        xsconn_submit(h->pipe[k], j);
        pipe_arm(h, k);
        return;
    }
    if (!h->workers_started)
        workers_start(h);
    struct worker *w = &h->w[j->key % HYP_WORKERS];
    if (!w->started) {
        /* No thread for it (pthread_create failed): on the loop, as the
         * synchronous calls are. */
        run_job(w, j);
        return;
    }
    j->next = NULL;
    pthread_mutex_lock(&h->jobs_mu);
    if (w->tail)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&h->jobs_mu);
}

int hyp_jobs_fd(struct hyp *h)
{
    return h->jobs_ep;
}

unsigned hyp_jobs_complete(struct hyp *h, unsigned max)
{
    char drain[64];
    while (read(h->jobs_pipe[0], drain, sizeof(drain)) > 0)
        ;
    pipes_io(h);
    struct hyp_job *head, *j;
    unsigned taken = 0;
    pthread_mutex_lock(&h->jobs_mu);
    head = h->done_head;
    struct hyp_job *last = NULL;
    for (j = head; j && taken < max; j = j->next) {
        last = j;
        taken++;
    }
    if (last) {
        h->done_head = last->next;
        if (!h->done_head)
            h->done_tail = NULL;
        last->next = NULL;
    } else {
        head = NULL;
    }
    h->ndone -= taken;
    unsigned left = h->ndone;
    pthread_mutex_unlock(&h->jobs_mu);
    if (left || h->ev_head) {
        ssize_t r = write(h->jobs_pipe[1], "j", 1);
        (void)r;
    }
    while ((j = head)) {
        head = j->next;
        j->next = NULL;
        /* Watch requests went on the main connection: judged as the
         * loop's own calls are (hyp_store_check() then decides). */
        for (unsigned i = 0; i < j->nops; i++) {
            struct hyp_op *o = &j->op[i];
            if ((o->kind == HYP_OP_WATCH || o->kind == HYP_OP_UNWATCH) && o->err != ENOTCONN &&
                h->xs) {
                errno = o->err;
                xs_judge(h, o->err == 0);
            }
        }
        if (j->done)
            j->done(j);
        else
            hyp_job_free(j);
    }
    return left;
}

/* ---- the store connection ---- */

bool hyp_store_up(struct hyp *h)
{
    return h->xs != NULL;
}

uint64_t hyp_store_requests(struct hyp *h)
{
    return __atomic_load_n(&h->xs_requests, __ATOMIC_RELAXED);
}

int hyp_store_fd(struct hyp *h)
{
    return h->xs ? h->xs_sock : -1;
}

void hyp_store_on_suspect(struct hyp *h, void (*cb)(void))
{
    h->on_suspect = cb;
}

bool hyp_store_check_due(struct hyp *h, unsigned idle_ms)
{
    return h->xs && (h->xs_suspect || h->pipe_err || now_ms() - h->xs_ok_ms >= idle_ms);
}

int hyp_store_check(struct hyp *h)
{
    if (!h->xs) {
        errno = ENOTCONN;
        return -1;
    }
    if (h->pipe_err) {
        /* A job connection died: the watches set on it went with it. */
        h->xs_suspect = false;
        errno = h->pipe_err;
        return -1;
    }
    /* XS_GET_DOMAIN_PATH: any live store answers it, for any domid. */
    count_request(h);
    char *p = xs_get_domain_path(h->xs, 0);
    if (p) {
        free(p);
        h->xs_suspect = false;
        h->xs_ok_ms = now_ms();
        return 0;
    }
    int e = errno;
    h->xs_suspect = false;
    errno = e ? e : ECONNRESET;
    return -1;
}

void hyp_store_drop(struct hyp *h)
{
    /* libxenstore has closed the socket, or the store is gone; watches
     * went with it. Every connection goes; jobs on the job connections
     * fail (ENOTCONN). */
    pipes_close(h, ENOTCONN);
    if (h->xs) {
        pthread_rwlock_wrlock(&h->xs_rw);
        xs_close(h->xs);
        h->xs = NULL;
        pthread_rwlock_unlock(&h->xs_rw);
    }
    if (h->xsd) {
        xs_close(h->xsd);
        h->xsd = NULL;
    }
    if (h->xs_sock >= 0) {
        close(h->xs_sock);
        h->xs_sock = -1;
    }
    h->xs_suspect = false;
}

int hyp_store_reconnect(struct hyp *h)
{
    if (h->xs)
        return 0;
    struct xs_handle *x = xs_open_main(h);
    if (!x)
        return -1;
    char *p = xs_get_domain_path(x, 0);
    if (!p) {
        int e = errno;
        xs_close(x);
        if (h->xs_sock >= 0) {
            close(h->xs_sock);
            h->xs_sock = -1;
        }
        errno = e;
        return -1;
    }
    free(p);
    pthread_rwlock_wrlock(&h->xs_rw);
    h->xs = x;
    pthread_rwlock_unlock(&h->xs_rw);
    h->xs_suspect = false;
    h->xs_ok_ms = now_ms();
    pipes_open(h);
    return 0;
}

int hyp_domain_path(struct hyp *h, uint32_t domid, char *buf, size_t buflen)
{
    (void)h;
    /* What XS_GET_DOMAIN_PATH answers, computed: both xenstoreds (C and
     * OCaml) return "/local/domain/<domid>" for any domid, so the round
     * trip (O(domains) in xenstored) is saved. */
    int n = snprintf(buf, buflen, "/local/domain/%u", domid);
    if (n < 0 || (size_t)n >= buflen) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* ---- domains ---- */

int hyp_list_domains(struct hyp *h, struct hyp_dominfo *out, unsigned max)
{
    enum {
        BATCH = 256
    };
    xc_domaininfo_t info[BATCH];
    unsigned count = 0;
    uint32_t next = 0;
    while (count < max) {
        int n = xc_domain_getinfolist(h->xc, next, BATCH, info);
        if (n < 0)
            return count ? (int)count : -1;
        for (int i = 0; i < n && count < max; i++) {
            struct hyp_dominfo *d = &out[count++];
            uint32_t f = info[i].flags;
            d->domid = info[i].domain;
            d->dying = f & XEN_DOMINF_dying;
            d->shutdown = f & XEN_DOMINF_shutdown;
            d->shutdown_reason = (f >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
            d->crashed = d->shutdown && d->shutdown_reason == SHUTDOWN_crash;
            next = info[i].domain + 1;
        }
        if (n < BATCH)
            break;
    }
    return (int)count;
}

/* ---- console rings ---- */

void *hyp_map_console(struct hyp *h, uint32_t domid, uint64_t ring_ref, bool primary, bool *granted)
{
    void *p;
    if (primary) {
        p = xengnttab_map_grant_ref(h->xgt, domid, GNTTAB_RESERVED_CONSOLE, PROT_READ | PROT_WRITE);
        if (p) {
            *granted = true;
            return p;
        }
        xen_pfn_t gfn = (xen_pfn_t)ring_ref;
        *granted = false;
        return xenforeignmemory_map(h->xfm, domid, PROT_READ | PROT_WRITE, 1, &gfn, NULL);
    }
    if (ring_ref > UINT32_MAX) {
        errno = EINVAL;
        return NULL;
    }
    p = xengnttab_map_grant_ref(h->xgt, domid, (uint32_t)ring_ref, PROT_READ | PROT_WRITE);
    *granted = p != NULL;
    return p;
}

void hyp_unmap_console(struct hyp *h, void *page, bool granted)
{
    if (!page)
        return;
    if (granted)
        xengnttab_unmap(h->xgt, page, 1);
    else
        xenforeignmemory_unmap(h->xfm, page, 1);
}

/* ---- event channels ---- */

int hyp_evtchn_fd(struct hyp *h)
{
    return xenevtchn_fd(h->xce);
}

/* A port just bound, or -1: ports the daemon's port-indexed tables cannot
 * hold are given back (ERANGE). */
static int bound_port(struct hyp *h, xenevtchn_port_or_error_t p)
{
    if (p < 0)
        return -1;
    if ((uint32_t)p >= HYP_MAX_PORTS) {
        xenevtchn_unbind(h->xce, (evtchn_port_t)p);
        errno = ERANGE;
        return -1;
    }
    return p;
}

int hyp_bind(struct hyp *h, uint32_t domid, uint32_t remote_port)
{
    return bound_port(h, xenevtchn_bind_interdomain(h->xce, domid, remote_port));
}

int hyp_unbind(struct hyp *h, int local_port)
{
    return xenevtchn_unbind(h->xce, (evtchn_port_t)local_port);
}

int hyp_notify(struct hyp *h, int local_port)
{
    return xenevtchn_notify(h->xce, (evtchn_port_t)local_port);
}

int hyp_pending(struct hyp *h)
{
    xenevtchn_port_or_error_t p = xenevtchn_pending(h->xce);
    if (p < 0)
        return -1;
    return p;
}

int hyp_unmask(struct hyp *h, int local_port)
{
    return xenevtchn_unmask(h->xce, (evtchn_port_t)local_port);
}

bool hyp_port_connected(struct hyp *h, int local_port, uint32_t domid)
{
    xc_evtchn_status_t st = {.dom = DOMID_SELF, .port = (evtchn_port_t)local_port};
    if (xc_evtchn_status(h->xc, &st) < 0)
        return false;
    return st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == domid;
}

/* ---- the hypervisor's console ring ---- */

int hyp_conring_bind(struct hyp *h)
{
    return bound_port(h, xenevtchn_bind_virq(h->xce, VIRQ_CON_RING));
}

ssize_t hyp_conring_read(struct hyp *h, char *buf, size_t len, uint32_t *index)
{
    unsigned int n = len > UINT32_MAX ? UINT32_MAX : (unsigned int)len;
    /* As xenconsoled --log=hv: clear 0, incremental 1. */
    if (xc_readconsolering(h->xc, buf, &n, 0, 1, index) < 0)
        return -1;
    if (n > len) {
        errno = EOVERFLOW;
        return -1;
    }
    return (ssize_t)n;
}

/* ---- triggers ---- */

int hyp_send_nmi(struct hyp *h, uint32_t domid)
{
    return xc_domain_send_trigger(h->xc, domid, XEN_DOMCTL_SENDTRIGGER_NMI, 0);
}

int hyp_debug_keys(struct hyp *h, const char *keys)
{
    return xc_send_debug_keys(h->xc, keys);
}
