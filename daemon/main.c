/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main.c — xcmuxd: command line, start-up, signals and the event loop.
 *
 * Start-up does everything that can fail (config, hypervisor, socket)
 * before it reports success: in the background mode the parent waits on
 * a pipe and exits with the child's verdict, so `xcmuxd` failing prints
 * why on the terminal instead of only in syslog.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/console.h"
#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/follow.h"
#include "daemon/hotkey.h"
#include "daemon/hvcon.h"
#include "daemon/serial.h"
#include "daemon/log.h"
#include "daemon/runstate.h"
#include "daemon/sdnotify.h"
#include "daemon/store.h"
#include "daemon/server.h"
#include "daemon/session.h"
#include "protocol/xcmux-proto.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG SYSCONFDIR "/xcmux/xcmuxd.conf"
/* How long SIGTERM waits for sessions to receive their notice. */
#define SHUTDOWN_FLUSH_MS 300

static struct {
    const char *config;
    const char *socket;
    const char *log_dir;
    bool foreground;
} opt;

static struct event *ev_evtchn, *ev_sighup, *ev_sigterm, *ev_sigint, *ev_exit;
/* Where clients connect, for the "serving" line. */
static const char *served_on;
static uint64_t started_ms;

static void usage(FILE *f)
{
    fprintf(f, "usage: xcmuxd [-c FILE] [-f] [-S SOCKET] [--log-dir DIR]\n"
               "\n"
               "The Xen console daemon: serves every guest's PV console to any number\n"
               "of xcmux clients, keeps logs and a replay buffer, publishes console/tty.\n"
               "\n"
               "  -c, --config FILE   configuration (default " DEFAULT_CONFIG " if it exists)\n"
               "  -f, --foreground    stay in the foreground, log to stderr too\n"
               "  -S, --socket PATH   client socket (overrides the config)\n"
               "      --log-dir DIR   console log directory (overrides the config)\n"
               "  -t, --check-config  load the configuration, report, and exit\n"
               "  -h, --help          this help\n"
               "  -V, --version       print the version\n"
               "\n"
               "Signals: SIGHUP reloads the configuration and reopens logs;\n"
               "SIGTERM tells every session and exits.\n");
}

static void apply_overrides(struct config *cfg)
{
    if (opt.socket)
        snprintf(cfg->socket_path, sizeof(cfg->socket_path), "%s", opt.socket);
    if (opt.log_dir)
        snprintf(cfg->log_dir, sizeof(cfg->log_dir), "%s", opt.log_dir);
}

static int load_config(struct config **out, char *err, size_t errlen)
{
    const char *path = opt.config;
    if (!path && access(DEFAULT_CONFIG, F_OK) == 0)
        path = DEFAULT_CONFIG;
    xd.config_path = path;
    if (config_load(path, out, err, errlen) < 0)
        return -1;
    apply_overrides(*out);
    return 0;
}

static void evtchn_cb(evutil_socket_t fd, short what, void *arg)
{
    /* Bounded per pass: the fd stays readable while ports are pending. */
    for (int budget = 1024; budget > 0; budget--) {
        int port = hyp_pending(xd.hyp);
        if (port < 0)
            break;
        struct console *c = (unsigned)port < HYP_MAX_PORTS ? xd.by_port[port] : NULL;
        if (c)
            console_event(c); /* unmasks when it is done with the port */
        else
            hyp_unmask(xd.hyp, port);
    }
}

/* systemd wants RELOADING=1 with the monotonic time (for
 * Type=notify-reload) and READY=1 again when the reload is over. */
static void notify_reloading(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    sdn_notifyf("RELOADING=1\nSTATUS=reloading\nMONOTONIC_USEC=%llu",
                (unsigned long long)ts.tv_sec * 1000000ull +
                    (unsigned long long)ts.tv_nsec / 1000u);
}

static void notify_ready(void)
{
    sdn_notifyf("READY=1\nSTATUS=serving %u console(s)\nMAINPID=%ld", xd.nconsoles, (long)getpid());
}

static void reload(void)
{
    char err[512];
    struct config *cfg;
    notify_reloading();
    if (load_config(&cfg, err, sizeof(err)) < 0) {
        syslog(LOG_ERR, "reload failed, keeping the running configuration: %s", err);
        notify_ready();
        return;
    }
    struct config *old = xd.cfg;
    xd.cfg = cfg;
    struct console *c;
    TAILQ_FOREACH (c, &xd.consoles, link)
        console_reconfigure(c);
    serial_reconfigure();
    session_config_changed();
    config_free(old);
    syslog(LOG_INFO, "configuration reloaded%s%s", xd.config_path ? " from " : "",
           xd.config_path ? xd.config_path : "");
    notify_ready();
}

static void sighup_cb(evutil_socket_t fd, short what, void *arg)
{
    reload();
}

static void exit_cb(evutil_socket_t fd, short what, void *arg)
{
    event_base_loopexit(xd.base, NULL);
}

static void sigterm_cb(evutil_socket_t fd, short what, void *arg)
{
    if (xd.shutting_down) {
        event_base_loopexit(xd.base, NULL);
        return;
    }
    xd.shutting_down = true;
    sdn_notify("STOPPING=1\nSTATUS=stopping");
    syslog(LOG_INFO, "stopping (signal %d)", (int)fd);
    server_stop();
    struct session *s, *n;
    TAILQ_FOREACH_SAFE (s, &xd.sessions, link, n)
        session_end(s, XP_N_SHUTDOWN, "xcmuxd is stopping");
    struct console *c;
    TAILQ_FOREACH (c, &xd.consoles, link)
        console_log_event(c, "xcmuxd stopping");
    struct timeval tv = {0, SHUTDOWN_FLUSH_MS * 1000};
    ev_exit = evtimer_new(xd.base, exit_cb, NULL);
    evtimer_add(ev_exit, &tv);
}

/* Background mode: the parent reports the child's start-up verdict. */
static int ready_pipe = -1;

static void report_ready(const char *error)
{
    if (ready_pipe < 0)
        return;
    const char *msg = error ? error : "";
    ssize_t w = write(ready_pipe, msg, strlen(msg) + 1);
    (void)w;
    close(ready_pipe);
    ready_pipe = -1;
}

static void go_background(void)
{
    int p[2];
    if (pipe(p) < 0) {
        perror("xcmuxd: pipe");
        exit(1);
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("xcmuxd: fork");
        exit(1);
    }
    if (pid > 0) {
        close(p[1]);
        char msg[1024];
        size_t got = 0;
        ssize_t n;
        while (got < sizeof(msg) - 1 && (n = read(p[0], msg + got, sizeof(msg) - 1 - got)) > 0)
            got += (size_t)n;
        msg[got] = '\0';
        if (got == 0) {
            fprintf(stderr, "xcmuxd: failed to start (see syslog)\n");
            exit(1);
        }
        if (msg[0]) {
            fprintf(stderr, "xcmuxd: %s\n", msg);
            exit(1);
        }
        exit(0);
    }
    close(p[0]);
    ready_pipe = p[1];
    setsid();
    if (chdir("/") < 0)
        syslog(LOG_WARNING, "chdir /: %m");
}

__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    syslog(LOG_ERR, "%s", msg);
    if (ready_pipe >= 0)
        report_ready(msg);
    else
        fprintf(stderr, "xcmuxd: %s\n", msg);
    return 1;
}

/* Every domain of the first scan is attached (domain.h, "Serving"). */
static void first_attach_done(void)
{
    syslog(LOG_INFO,
           "serving %u console(s) on %s (attached in %llu ms, %llu xenstore "
           "requests)",
           xd.nconsoles, served_on, (unsigned long long)(xd_now_ms() - started_ms),
           (unsigned long long)hyp_store_requests(xd.hyp));
    report_ready(NULL);
    /* Sockets and discovery are up: clients and xl create may rely on us. */
    notify_ready();
}

/* The socket is ours: read how the previous daemon on it ended, and
 * record this one as running (runstate.h). */
static void record_start(void)
{
    char path[PATH_MAX] = "", err[PATH_MAX + 64];
    enum runstate_prev prev = RUNSTATE_NONE;
    long pid = 0;
    if (runstate_path_for(xd.cfg->socket_path, path, sizeof(path)) < 0) {
        syslog(LOG_WARNING, "no state file for socket %s: path too long", xd.cfg->socket_path);
    } else if (runstate_begin(path, &prev, &pid, err, sizeof(err)) < 0) {
        syslog(LOG_WARNING, "%s: the next start cannot tell how this daemon ended", err);
    }
    xd.previous = (int)prev;
    if (prev == RUNSTATE_NONE)
        syslog(LOG_INFO, "no previous xcmuxd on this socket since boot (state file %s)", path);
    else
        syslog(prev == RUNSTATE_CLEAN ? LOG_INFO : LOG_WARNING, "the previous xcmuxd (pid %ld) %s",
               pid, runstate_name(prev));
}

/* $JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected. */
static bool stderr_is_journal(void)
{
    const char *v = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (!v || sscanf(v, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
        return false;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"foreground", no_argument, NULL, 'f'},
        {"socket", required_argument, NULL, 'S'}, {"log-dir", required_argument, NULL, 'L'},
        {"check-config", no_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {0},
    };
    bool check_only = false;
    int ch;
    while ((ch = getopt_long(argc, argv, "c:fS:thV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            opt.config = optarg;
            break;
        case 'f':
            opt.foreground = true;
            break;
        case 'S':
            opt.socket = optarg;
            break;
        case 'L':
            opt.log_dir = optarg;
            break;
        case 't':
            check_only = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("xcmuxd %s (protocol %u)\n", PACKAGE_VERSION, XP_PROTOCOL_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (opt.socket && strlen(opt.socket) > XCMUX_SOCKET_PATH_MAX) {
        fprintf(stderr, "xcmuxd: socket path too long (max %d bytes)\n", XCMUX_SOCKET_PATH_MAX);
        return 2;
    }

    char err[1024];
    if (load_config(&xd.cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "xcmuxd: %s\n", err);
        return 1;
    }
    if (check_only) {
        printf("configuration OK%s%s\n", xd.config_path ? ": " : " (built-in defaults)",
               xd.config_path ? xd.config_path : "");
        config_free(xd.cfg);
        return 0;
    }

    /* Taken before anything forks, so the variables are checked against
     * the pid systemd started. */
    int activated_extra = 0;
    int activated_fd = sdn_listen_fd(&activated_extra);
    /* Under systemd stderr is the journal already: copying syslog to it
     * would log every line twice. */
    bool perror_log = opt.foreground && !stderr_is_journal();
    openlog("xcmuxd", LOG_PID | (perror_log ? LOG_PERROR : 0), LOG_DAEMON);
    signal(SIGPIPE, SIG_IGN);
    if (!opt.foreground)
        go_background();

    /* The epoll changelist folds the EV_WRITE each session's bufferevent
     * adds and removes around every write into one epoll_ctl per loop
     * pass (bench/BENCHMARKS.md, fan-out). libevent's caveat, dup()ed fds
     * registered as separate events, does not apply: no fd here is a dup
     * of another. */
    struct event_config *evcfg = event_config_new();
    if (evcfg)
        event_config_set_flag(evcfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    struct event_base *base = evcfg ? event_base_new_with_config(evcfg) : NULL;
    if (evcfg)
        event_config_free(evcfg);
    xd_init(base, NULL, xd.cfg);
    if (!xd.base)
        return fail("%s", "cannot create the event loop");
    if (log_mkdir_p(xd.cfg->log_dir) < 0)
        syslog(LOG_WARNING, "cannot create log directory %s: %m", xd.cfg->log_dir);

    xd.hyp = hyp_open(err, sizeof(err));
    if (!xd.hyp)
        return fail("cannot reach the hypervisor: %s", err);
    /* Socket activation: systemd (or systemd-socket-activate) owns the
     * socket, its path, mode and group; the config's apply otherwise. */
    if (activated_fd >= 0) {
        if (server_listen_fd(activated_fd) < 0)
            return fail("%s", "cannot serve the socket passed by systemd");
        syslog(LOG_INFO, "using the listening socket passed by systemd%s",
               activated_extra ? " (ignoring extra sockets)" : "");
    } else if (server_start(xd.cfg->socket_path, xd.cfg->socket_mode, xd.cfg->socket_group_set,
                            xd.cfg->socket_group, err, sizeof(err)) < 0) {
        return fail("%s", err);
    }
    record_start();

    ev_evtchn = event_new(xd.base, hyp_evtchn_fd(xd.hyp), EV_READ | EV_PERSIST, evtchn_cb, NULL);
    ev_sighup = evsignal_new(xd.base, SIGHUP, sighup_cb, NULL);
    ev_sigterm = evsignal_new(xd.base, SIGTERM, sigterm_cb, NULL);
    ev_sigint = evsignal_new(xd.base, SIGINT, sigterm_cb, NULL);
    if (!ev_evtchn || !ev_sighup || !ev_sigterm || !ev_sigint)
        return fail("%s", "cannot register events");
    event_add(ev_evtchn, NULL);
    /* The xenstore watch fd, and the checks that notice a dead store
     * connection and reconnect (store.h). */
    if (store_start() < 0)
        return fail("%s", "cannot register the xenstore connection's events");
    event_add(ev_sighup, NULL);
    event_add(ev_sigterm, NULL);
    event_add(ev_sigint, NULL);

    served_on = activated_fd >= 0 ? "the socket passed by systemd" : xd.cfg->socket_path;
    started_ms = xd_now_ms();
    /* The top layer listens before anything below announces (events.h). */
    hotkey_subscribe();
    session_subscribe();
    follow_subscribe();
    if (serial_start() < 0 || domains_start(first_attach_done) < 0)
        return fail("cannot watch for domains: %s", strerror(errno));
    /* Xen's own console (xl dmesg); the daemon carries on without it. */
    hvcon_start();
    /* Clients are answered from here on; "serving" (and READY=1, and the
     * background parent's exit) wait until the guests found now are
     * attached, see first_attach_done(). */
    if (domains_attaching())
        sdn_notifyf("STATUS=attaching %u domain(s)", domains_attaching());
    if (!opt.foreground) {
        int fd = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
            if (fd > 2)
                close(fd);
        }
    }

    event_base_dispatch(xd.base);

    domains_stop();
    serial_stop();
    hvcon_stop();
    console_free_all();
    session_free_all();
    server_stop();
    event_free(ev_evtchn);
    store_stop();
    event_free(ev_sighup);
    event_free(ev_sigterm);
    event_free(ev_sigint);
    if (ev_exit)
        event_free(ev_exit);
    hyp_close(xd.hyp);
    /* Only a stop that told every session is clean (runstate.h). */
    if (xd.shutting_down && runstate_end(err, sizeof(err)) < 0)
        syslog(LOG_WARNING, "%s: the next start will take this stop for a crash", err);
    config_free(xd.cfg);
    event_base_free(xd.base);
    syslog(LOG_INFO, "stopped");
    closelog();
    return 0;
}
