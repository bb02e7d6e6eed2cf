// SPDX-License-Identifier: GPL-2.0-or-later
/* The guest host daemon; see host.h for the contract. */
#include "sim/guest/host.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xenstore.h>

#include "sim/guest/ctlproto.h"
#include "sim/guest/guest.h"
#include "sim/guest/xswire.h"
#include "sim/hv.h"

#define NAME_BUCKETS 4096u
#define RECV_BATCH   4096 /* events per callback before yielding */
#define CREATE_BATCH 64   /* guests per loop iteration for --count */
#define CREATE_LANES 32   /* xenstored connections a batch is spread over */

struct host {
    struct event_base *base;
    struct xs_handle *xsh;
    int recv;
    struct event *recv_ev, *sigterm_ev, *sigint_ev;
    struct evconnlistener *listener;
    struct guest_env env;
    size_t nguests;
    char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char pid_path[4200];
    struct guest *names[NAME_BUCKETS];
    struct guest *by_domid[HV_MAX_DOMID + 1];
};

struct conn {
    struct host *h;
    struct bufferevent *bev;
    struct evbuffer *reply;
    bool busy, dead;
    /* create --count job */
    struct event *job_ev;
    struct xsw *xsw;
    struct guest_spec spec;
    unsigned next;
};

static void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("xensim-guestd: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- guest tables ------------------------------------------------------- */

static unsigned name_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % NAME_BUCKETS;
}

static struct guest *find_name(struct host *h, const char *name)
{
    for (struct guest *g = h->names[name_hash(name)]; g; g = *guest_name_link(g))
        if (!strcmp(guest_name(g), name))
            return g;
    return NULL;
}

static void add_guest(struct host *h, struct guest *g)
{
    unsigned b = name_hash(guest_name(g));
    *guest_name_link(g) = h->names[b];
    h->names[b] = g;
    h->by_domid[guest_domid(g)] = g;
    h->nguests++;
}

static void remove_guest(struct host *h, struct guest *g)
{
    for (struct guest **p = &h->names[name_hash(guest_name(g))]; *p; p = guest_name_link(*p))
        if (*p == g) {
            *p = *guest_name_link(g);
            break;
        }
    h->by_domid[guest_domid(g)] = NULL;
    h->nguests--;
}

static struct guest *find_target(struct host *h, const char *s)
{
    uint32_t domid;
    int kind = ctl_parse_target(s, &domid);
    if (kind == 1)
        return domid <= HV_MAX_DOMID ? h->by_domid[domid] : NULL;
    return kind == 0 ? find_name(h, s) : NULL;
}

static void reap(void *ctx, struct guest *g)
{
    struct host *h = ctx;
    log_msg("dom%u (%s) crashed: destroying", guest_domid(g), guest_name(g));
    remove_guest(h, g);
    guest_destroy(g);
}

/* ---- events --------------------------------------------------------------- */

static void on_events(evutil_socket_t fd, short what, void *arg)
{
    struct host *h = arg;
    for (int i = 0; i < RECV_BATCH; i++) {
        int64_t key = hv_recv_pending(h->recv);
        if (key < 0)
            break;
        uint32_t domid, port;
        hv_key_split((uint32_t)key, &domid, &port);
        struct guest *g = domid <= HV_MAX_DOMID ? h->by_domid[domid] : NULL;
        if (g && guest_port_owned(g, port))
            guest_on_event(g, port);
        (void)hv_evtchn_unmask(domid, port); /* fails only if the port died */
    }
}

/* ---- requests ------------------------------------------------------------- */

static void conn_free(struct conn *c)
{
    if (c->job_ev)
        event_free(c->job_ev);
    xsw_close(c->xsw);
    if (c->bev)
        bufferevent_free(c->bev);
    if (c->reply)
        evbuffer_free(c->reply);
    free(c);
}

static void conn_written(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        conn_free(c);
}

static void conn_finish(struct conn *c, const char *err)
{
    c->busy = false;
    if (c->dead) {
        conn_free(c);
        return;
    }
    if (err)
        evbuffer_add_printf(c->reply, "ERR %s\n", err);
    else
        evbuffer_add_printf(c->reply, "OK\n");
    bufferevent_disable(c->bev, EV_READ);
    bufferevent_setcb(c->bev, NULL, conn_written, NULL, c);
    bufferevent_write_buffer(c->bev, c->reply);
}

/*
 * Creates guests NAMES[0..N) with SPEC as one batch: every domain is built,
 * then all their xenstore requests go to xenstored at once, spread over
 * W's lanes (one guest's requests on one lane, in order), then they boot.
 * Appends the domid of each guest created to REPLY. Returns how many were
 * created: all N, or the ones before the first failure (ERR says why;
 * the failed one and those after it are destroyed).
 */
static unsigned create_guests(struct host *h, struct xsw *w, const struct guest_spec *spec,
                              char (*names)[HV_NAME_MAX], unsigned n, struct evbuffer *reply,
                              char *err, size_t errlen)
{
    struct guest *g[CREATE_BATCH];
    int errs[CREATE_BATCH];
    unsigned built = 0, made = 0;
    if (n > CREATE_BATCH)
        n = CREATE_BATCH;
    for (; built < n; built++) {
        if (find_name(h, names[built])) {
            snprintf(err, errlen, "a guest named '%s' exists", names[built]);
            break;
        }
        g[built] = guest_prepare(&h->env, spec, names[built], err, errlen);
        if (!g[built])
            break;
        if (guest_queue_publish(g[built], w, built % xsw_lanes(w), built) < 0) {
            snprintf(err, errlen, "xenstore: queueing dom%u's nodes: %s", guest_domid(g[built]),
                     strerror(errno));
            guest_destroy(g[built]);
            break;
        }
    }
    /* A lane failure marks every guest it carried: they fail below. */
    (void)xsw_run(w, errs, built);
    for (; made < built; made++) {
        if (guest_start(g[made], errs[made], err, errlen) < 0)
            break;
        add_guest(h, g[made]);
        log_msg("dom%u (%s) created", guest_domid(g[made]), names[made]);
        evbuffer_add_printf(reply, "%u\n", guest_domid(g[made]));
    }
    for (unsigned i = made; i < built; i++)
        guest_destroy(g[i]);
    return made;
}

/* One guest, with its own one-lane connection. */
static bool create_single(struct host *h, const struct guest_spec *spec, const char *name,
                          struct evbuffer *reply, char *err, size_t errlen)
{
    struct xsw *w = xsw_open(1);
    if (!w) {
        snprintf(err, errlen, "xenstore: connecting: %s", strerror(errno));
        return false;
    }
    char names[1][HV_NAME_MAX];
    snprintf(names[0], sizeof(names[0]), "%s", name);
    unsigned made = create_guests(h, w, spec, names, 1, reply, err, errlen);
    xsw_close(w);
    return made == 1;
}

static void create_batch(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    char err[256];
    char names[CREATE_BATCH][HV_NAME_MAX];
    unsigned n = 0;
    for (; n < CREATE_BATCH && c->next + n < c->spec.count; n++)
        snprintf(names[n], sizeof(names[n]), "%s-%u", c->spec.name, c->next + n + 1);
    if (create_guests(c->h, c->xsw, &c->spec, names, n, c->reply, err, sizeof(err)) < n)
        return conn_finish(c, err);
    c->next += n;
    if (c->next < c->spec.count)
        event_active(c->job_ev, EV_TIMEOUT, 0);
    else
        conn_finish(c, NULL);
}

static void cmd_create(struct conn *c, int argc, char **argv)
{
    char err[256];
    if (ctl_parse_create(argc, argv, &c->spec, err, sizeof(err)) < 0)
        return conn_finish(c, err);
    if (c->spec.count) {
        unsigned lanes = c->spec.count < CREATE_LANES ? c->spec.count : CREATE_LANES;
        c->xsw = xsw_open(lanes);
        if (!c->xsw) {
            snprintf(err, sizeof(err), "xenstore: connecting: %s", strerror(errno));
            return conn_finish(c, err);
        }
        c->job_ev = event_new(c->h->base, -1, 0, create_batch, c);
        if (!c->job_ev)
            return conn_finish(c, "out of memory");
        event_active(c->job_ev, EV_TIMEOUT, 0);
        return;
    }
    if (!create_single(c->h, &c->spec, c->spec.name, c->reply, err, sizeof(err)))
        return conn_finish(c, err);
    conn_finish(c, NULL);
}

static struct guest *target_arg(struct conn *c, int argc, char **argv, const char *cmd)
{
    char err[128];
    if (argc != 1) {
        snprintf(err, sizeof(err), "usage: %s NAME|ID", cmd);
        conn_finish(c, err);
        return NULL;
    }
    struct guest *g = find_target(c->h, argv[0]);
    if (!g) {
        snprintf(err, sizeof(err), "%s: no such guest '%.64s'", cmd, argv[0]);
        conn_finish(c, err);
    }
    return g;
}

static void cmd_destroy(struct conn *c, int argc, char **argv)
{
    struct guest *g = target_arg(c, argc, argv, "destroy");
    if (!g)
        return;
    log_msg("dom%u (%s) destroyed", guest_domid(g), guest_name(g));
    remove_guest(c->h, g);
    guest_destroy(g);
    conn_finish(c, NULL);
}

static void cmd_reboot(struct conn *c, int argc, char **argv)
{
    struct guest *g = target_arg(c, argc, argv, "reboot");
    if (!g)
        return;
    struct guest_spec spec = *guest_spec(g);
    char name[HV_NAME_MAX], err[256];
    snprintf(name, sizeof(name), "%s", guest_name(g));
    log_msg("dom%u (%s) rebooting", guest_domid(g), name);
    guest_mark_rebooting(g);
    remove_guest(c->h, g);
    guest_destroy(g);
    if (!create_single(c->h, &spec, name, c->reply, err, sizeof(err)))
        return conn_finish(c, err);
    conn_finish(c, NULL);
}

static void cmd_crash(struct conn *c, int argc, char **argv)
{
    struct guest *g = target_arg(c, argc, argv, "crash");
    if (!g)
        return;
    struct guest_stats st;
    guest_get_stats(g, &st);
    if (st.crashed)
        return conn_finish(c, "crash: already crashed");
    guest_crash(g, "xensim: crash requested");
    conn_finish(c, NULL);
}

static void cmd_serial_hangup(struct conn *c, int argc, char **argv)
{
    struct guest *g = target_arg(c, argc, argv, "serial-hangup");
    if (!g)
        return;
    if (guest_serial_hangup(g) < 0)
        return conn_finish(c, "serial-hangup: the guest has no serial port (create --serial)");
    log_msg("dom%u (%s): serial port master closed", guest_domid(g), guest_name(g));
    conn_finish(c, NULL);
}

static void cmd_list(struct conn *c, int argc, char **argv)
{
    if (argc != 0)
        return conn_finish(c, "usage: list");
    size_t seen = 0;
    for (uint32_t id = 1; id <= HV_MAX_DOMID && seen < c->h->nguests; id++) {
        struct guest *g = c->h->by_domid[id];
        if (!g)
            continue;
        seen++;
        struct guest_stats st;
        char desc[256];
        guest_get_stats(g, &st);
        ctl_describe(guest_spec(g), desc, sizeof(desc));
        evbuffer_add_printf(c->reply, "%u %s %s %s\n", id, guest_name(g),
                            st.crashed ? "crashed" : "running", desc);
    }
    conn_finish(c, NULL);
}

static void cmd_status(struct conn *c, int argc, char **argv)
{
    struct guest *g = target_arg(c, argc, argv, "status");
    if (!g)
        return;
    struct guest_stats st;
    guest_get_stats(g, &st);
    evbuffer_add_printf(c->reply,
                        "domid=%u name=%s state=%s booted=%d bytes_out=%llu bytes_in=%llu "
                        "flood_seq=%llu sysrq=%llu debug=%llu dropped=%llu pending=%llu "
                        "ring_errors=%llu nmi=%llu hotkeys_received=%llu acks_sent=%llu "
                        "hotkeys_registered=%llu hotkey_version=%d serial_out=%llu "
                        "serial_in=%llu\n",
                        guest_domid(g), guest_name(g), st.crashed ? "crashed" : "running",
                        st.booted ? 1 : 0, (unsigned long long)st.bytes_out,
                        (unsigned long long)st.bytes_in, (unsigned long long)st.flood_seq,
                        (unsigned long long)st.sysrq, (unsigned long long)st.debug,
                        (unsigned long long)st.dropped, (unsigned long long)st.pending,
                        (unsigned long long)st.ring_errors, (unsigned long long)st.nmi,
                        (unsigned long long)st.hotkeys_received, (unsigned long long)st.acks_sent,
                        (unsigned long long)st.hotkeys_registered, st.hotkey_version ? 1 : 0,
                        (unsigned long long)st.serial_out, (unsigned long long)st.serial_in);
    conn_finish(c, NULL);
}

static void handle_request(struct conn *c, char *line)
{
    char *argv[CTL_MAX_ARGS];
    int argc = ctl_split(line, argv, CTL_MAX_ARGS);
    c->busy = true;
    if (argc < 0)
        return conn_finish(c, "malformed request");
    if (argc == 0)
        return conn_finish(c, "empty request");
    static const struct {
        const char *name;
        void (*fn)(struct conn *, int, char **);
    } cmds[] = {
        {"create", cmd_create},
        {"destroy", cmd_destroy},
        {"reboot", cmd_reboot},
        {"crash", cmd_crash},
        {"list", cmd_list},
        {"status", cmd_status},
        {"serial-hangup", cmd_serial_hangup},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (!strcmp(argv[0], cmds[i].name))
            return cmds[i].fn(c, argc - 1, argv + 1);
    char err[128];
    snprintf(err, sizeof(err),
             "unknown command '%.32s' (create destroy reboot "
             "crash list status)",
             argv[0]);
    conn_finish(c, err);
}

static void conn_read(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    if (c->busy)
        return;
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t len;
    char *line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
    if (!line) {
        if (evbuffer_get_length(in) >= CTL_LINE_MAX) {
            c->busy = true;
            conn_finish(c, "request line too long");
        }
        return;
    }
    if (len >= CTL_LINE_MAX || strlen(line) != len) {
        c->busy = true;
        conn_finish(c, len >= CTL_LINE_MAX ? "request line too long" : "NUL byte in request");
    } else {
        handle_request(c, line);
    }
    free(line);
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
    struct conn *c = arg;
    if (what & BEV_EVENT_EOF && !(what & BEV_EVENT_ERROR) && !c->busy &&
        evbuffer_get_length(bufferevent_get_input(bev))) {
        /* a last line without its newline */
        evbuffer_add(bufferevent_get_input(bev), "\n", 1);
        conn_read(bev, c);
        return;
    }
    if (c->busy)
        c->dead = true;
    else
        conn_free(c);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg)
{
    struct host *h = arg;
    struct conn *c = calloc(1, sizeof(*c));
    if (!c) {
        close(fd);
        return;
    }
    c->h = h;
    c->reply = evbuffer_new();
    c->bev = bufferevent_socket_new(h->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!c->reply || !c->bev) {
        if (!c->bev)
            close(fd);
        conn_free(c);
        return;
    }
    bufferevent_setwatermark(c->bev, EV_READ, 0, CTL_LINE_MAX + 1);
    bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
    bufferevent_enable(c->bev, EV_READ);
}

/* ---- setup and teardown --------------------------------------------------- */

static int open_socket(struct host *h)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/guestd.sock", hv_dir()) >=
        sizeof(sa.sun_path)) {
        log_msg("socket path too long under %s", hv_dir());
        return -1;
    }
    snprintf(h->sock_path, sizeof(h->sock_path), "%s", sa.sun_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        log_msg("another xensim-guestd serves %s", sa.sun_path);
        close(fd);
        h->sock_path[0] = '\0';
        return -1;
    }
    unlink(sa.sun_path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
        log_msg("%s: %s", sa.sun_path, strerror(errno));
        close(fd);
        return -1;
    }
    h->listener = evconnlistener_new(h->base, on_accept, h, LEV_OPT_CLOSE_ON_FREE, -1, fd);
    if (!h->listener) {
        close(fd);
        return -1;
    }
    return 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct host *h = arg;
    log_msg("signal %d: destroying %zu guests", (int)sig, h->nguests);
    event_base_loopexit(h->base, NULL);
}

static void destroy_all(struct host *h)
{
    for (uint32_t id = 1; id <= HV_MAX_DOMID && h->nguests; id++) {
        struct guest *g = h->by_domid[id];
        if (g) {
            remove_guest(h, g);
            guest_destroy(g);
        }
    }
}

static int write_pid(struct host *h)
{
    snprintf(h->pid_path, sizeof(h->pid_path), "%s/guestd.pid", hv_dir());
    FILE *f = fopen(h->pid_path, "w");
    if (!f) {
        log_msg("%s: %s", h->pid_path, strerror(errno));
        return -1;
    }
    fprintf(f, "%ld\n", (long)getpid());
    return fclose(f);
}

int host_serve(void)
{
    if (hv_attach() < 0) {
        log_msg("no simulated host at XENSIM_DIR=%s: %s",
                getenv("XENSIM_DIR") ? getenv("XENSIM_DIR") : "(unset)", strerror(errno));
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    struct host *h = calloc(1, sizeof(*h));
    if (!h)
        return 1;
    int rc = 1;
    h->base = event_base_new();
    h->xsh = xs_open(0);
    if (!h->base || !h->xsh) {
        log_msg("cannot reach xenstored: %s", strerror(errno));
        goto out;
    }
    h->recv = hv_recv_open();
    /* The loop drains hv_recv_pending until EAGAIN: never block in it. */
    if (h->recv >= 0)
        fcntl(hv_recv_fd(h->recv), F_SETFL, fcntl(hv_recv_fd(h->recv), F_GETFL) | O_NONBLOCK);
    if (h->recv < 0) {
        log_msg("hv_recv_open: %s", strerror(errno));
        goto out;
    }
    h->env =
        (struct guest_env){.base = h->base, .xsh = h->xsh, .recv = h->recv, .reap = reap, .ctx = h};
    h->recv_ev = event_new(h->base, hv_recv_fd(h->recv), EV_READ | EV_PERSIST, on_events, h);
    h->sigterm_ev = evsignal_new(h->base, SIGTERM, on_signal, h);
    h->sigint_ev = evsignal_new(h->base, SIGINT, on_signal, h);
    if (!h->recv_ev || !h->sigterm_ev || !h->sigint_ev || event_add(h->recv_ev, NULL) < 0 ||
        event_add(h->sigterm_ev, NULL) < 0 || event_add(h->sigint_ev, NULL) < 0)
        goto out;
    if (open_socket(h) < 0 || write_pid(h) < 0)
        goto out;
    log_msg("serving %s (pid %ld)", h->sock_path, (long)getpid());
    rc = event_base_dispatch(h->base) < 0 ? 1 : 0;
    destroy_all(h);
    log_msg("exiting");
out:
    if (h->listener)
        evconnlistener_free(h->listener);
    if (h->sock_path[0] && h->listener)
        unlink(h->sock_path);
    if (h->pid_path[0])
        unlink(h->pid_path);
    if (h->recv_ev)
        event_free(h->recv_ev);
    if (h->sigterm_ev)
        event_free(h->sigterm_ev);
    if (h->sigint_ev)
        event_free(h->sigint_ev);
    if (h->recv >= 0 && h->env.base)
        hv_recv_close(h->recv);
    if (h->xsh)
        xs_close(h->xsh);
    if (h->base)
        event_base_free(h->base);
    free(h);
    return rc;
}
