// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-console.c - `xcmux console`: attach to a guest console.
 *
 * One poll() loop over the socket, stdin, the output descriptors and the
 * signal self-pipe; every descriptor is non-blocking so neither a stalled
 * terminal nor a stalled daemon can deadlock the other direction.  Output
 * (stdout data, stderr notices) goes through one ordered queue; the socket
 * is not read while that queue is above OUT_HIGH_WATER, and stdin is not
 * read while the socket queue is, so memory stays bounded.  Escape
 * handling is the daemon's: we only tell it the escape char in ATTACH.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/client.h"
#include "client/conn.h"
#include "client/outq.h"
#include "client/term.h"
#include "client/text.h"

#define OUT_HIGH_WATER  (512u * 1024u)
#define SOCK_HIGH_WATER (256u * 1024u)
/* After DETACH, how long we wait for the daemon's goodbye. */
#define DETACH_TIMEOUT_MS 2000
/* After a signal, how long we keep trying to write out what we have. */
#define SIGNAL_FLUSH_MS 1000

struct session {
    struct xc_conn conn;
    struct outq out;   /* to stdout / stderr, in arrival order */
    struct outq sockq; /* to the daemon */
    const char *domain;
    bool raw; /* terminal in raw mode: notices need CRLF */
    bool terminal;
    bool attached;
    bool stdin_eof;
    bool detach_sent;
    bool got_detached;
    bool got_shutdown;
    bool got_gone; /* DOMAIN_GONE: the daemon ends the session */
    bool warned_not_writer;
    bool last_out_newline;     /* stdout is at the start of a line */
    long long linger_deadline; /* ms, or -1 */
    long long detach_deadline; /* ms, or -1 */
    unsigned linger_ms;
    int exit_code; /* set when the loop should stop */
    bool done;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void out_data(struct session *s, const uint8_t *p, size_t n)
{
    if (!n)
        return;
    if (!outq_push(&s->out, STDOUT_FILENO, p, n)) {
        s->exit_code = XC_EXIT_FAIL;
        s->done = true;
        return;
    }
    s->last_out_newline = p[n - 1] == '\n';
}

/* "[xcmux: ...]" on a line of its own, on stderr, ordered with the data. */
static void out_notice(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void out_notice(struct session *s, const char *fmt, ...)
{
    char msg[XP_MAX_ERROR_TEXT * 4 + 64], line[sizeof(msg) + 32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *nl = s->raw ? "\r\n" : "\n";
    int n = snprintf(line, sizeof(line), "%s[xcmux: %s]%s", s->last_out_newline ? "" : nl, msg, nl);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line))
        n = (int)sizeof(line) - 1;
    outq_push(&s->out, STDERR_FILENO, line, (size_t)n);
    s->last_out_newline = true;
}

static void send_msg(struct session *s, const struct xp_msg *m)
{
    static uint8_t frame[XP_FRAME_MAX];
    ssize_t len = xp_encode(frame, sizeof(frame), m);
    if (len < 0 || !outq_push(&s->sockq, s->conn.fd, frame, (size_t)len)) {
        s->exit_code = XC_EXIT_FAIL;
        s->done = true;
    }
}

static void send_detach(struct session *s)
{
    if (s->detach_sent)
        return;
    struct xp_msg m = {.type = XP_T_DETACH};
    send_msg(s, &m);
    s->detach_sent = true;
    s->detach_deadline = now_ms() + DETACH_TIMEOUT_MS;
}

static void on_notice(struct session *s, const struct xp_notice *n)
{
    char text[XP_MAX_NOTICE_TEXT * 4 + 1];
    xc_sanitize(text, sizeof(text), n->text, s->raw ? "\r\n" : "\n");
    unsigned long long count = (unsigned long long)n->count;

    switch (n->code) {
    case XP_N_DROPPED:
        out_notice(s, "missed %llu bytes of console output%s%s%s", count, *text ? " (" : "", text,
                   *text ? ")" : "");
        return;
    case XP_N_WRITER:
        if (count)
            s->warned_not_writer = false;
        out_notice(s, "%s",
                   *text   ? text
                   : count ? "you now have write access"
                           : "you lost write access");
        return;
    case XP_N_DOMAIN_BACK:
        s->got_gone = false;
        out_notice(s, "%s", *text ? text : "domain is back");
        return;
    case XP_N_DETACHED:
        s->got_detached = true;
        out_notice(s, "%s", *text ? text : "detached");
        return;
    case XP_N_SHUTDOWN:
        s->got_shutdown = true;
        out_notice(s, "%s", *text ? text : "xcmuxd is shutting down");
        return;
    case XP_N_FORCED:
        out_notice(s, "%s", *text ? text : "write access taken over by another session");
        return;
    case XP_N_DOMAIN_GONE:
        /* Without --follow the daemon closes next: a normal end. */
        s->got_gone = true;
        out_notice(s, "%s", *text ? text : "domain is gone");
        return;
    default:
        out_notice(s, "%s", *text ? text : xp_notice_code_name(n->code));
        return;
    }
}

int xc_console_notify_fd = -1;

/* Tells the parent (xl create -c) the console is attached; EINTR retried,
 * a parent that went away is not our failure. */
static void notify_attached(void)
{
    if (xc_console_notify_fd < 0)
        return;
    static const char zero = 0;
    ssize_t r;
    do
        r = write(xc_console_notify_fd, &zero, 1);
    while (r < 0 && errno == EINTR);
    close(xc_console_notify_fd);
    xc_console_notify_fd = -1;
}

static void on_attached(struct session *s, const struct xp_attached *a)
{
    char name[XP_MAX_DOMAIN_NAME * 4 + 1];
    xc_sanitize(name, sizeof(name), a->name, NULL);
    s->attached = true;
    notify_attached();
    bool writer = a->flags & XP_ATTACHED_F_WRITER;
    if (s->terminal)
        out_notice(s, "attached to %s (domid %u) console %u, %s%s", name, a->domid, a->console,
                   writer ? "read-write" : "read-only",
                   a->mode == XP_MODE_READ_WRITE && !writer ? ": another session has write access"
                                                            : "");
    else if (a->mode == XP_MODE_READ_WRITE && !writer)
        out_notice(s, "read-only: another session has write access to %s", name);
}

static void on_message(struct session *s, const struct xp_msg *m)
{
    switch (m->type) {
    case XP_T_DATA:
        out_data(s, m->u.bytes.bytes, m->u.bytes.len);
        return;
    case XP_T_NOTICE:
        on_notice(s, &m->u.notice);
        return;
    case XP_T_ATTACHED:
        if (!s->attached)
            on_attached(s, &m->u.attached);
        return;
    case XP_T_ERROR:
        if (!s->attached) {
            /* Flush first so the error follows anything printed. */
            int bad;
            outq_flush(&s->out, &bad);
            s->exit_code = xc_report_error(&m->u.error, "console", s->domain);
            s->done = true;
            return;
        }
        if (m->u.error.code == XP_E_NOT_WRITER) {
            /* The daemon says why: who holds the seat and how
             * to take it, or that this user may not write. */
            if (!s->warned_not_writer) {
                char text[XP_MAX_ERROR_TEXT * 4 + 1];
                xc_sanitize(text, sizeof(text), m->u.error.text, NULL);
                out_notice(s, "read-only session: input discarded%s%s", *text ? ": " : "", text);
            }
            s->warned_not_writer = true;
            return;
        }
        {
            char text[XP_MAX_ERROR_TEXT * 4 + 1];
            xc_sanitize(text, sizeof(text), m->u.error.text, NULL);
            out_notice(s, "error %s%s%s", xp_error_code_name(m->u.error.code), *text ? ": " : "",
                       text);
        }
        return;
    default:
        /* Unexpected but well-formed: ignore, the session goes on. */
        return;
    }
}

/* Handles whole messages already received, up to the output high-water
 * mark (or all of them when the connection is closed: what the daemon
 * said last, e.g. DETACHED, must not be lost). */
static void process_buffered(struct session *s, bool drain_all)
{
    static struct xp_msg m; /* large (error text); one session per process */
    while (!s->done && (drain_all || outq_bytes(&s->out) < OUT_HIGH_WATER)) {
        int rc = xc_conn_next(&s->conn, &m);
        if (rc == XP_NEED_MORE)
            break;
        if (rc < 0) {
            out_notice(s, "protocol error from xcmuxd: %s", xp_strerror(rc));
            s->exit_code = XC_EXIT_PROTOCOL;
            s->done = true;
            break;
        }
        on_message(s, &m);
    }
}

static void read_socket(struct session *s)
{
    ssize_t n = xc_conn_fill(&s->conn);
    if (n < 0 && errno != EAGAIN && errno != EINTR)
        s->conn.eof = true; /* ECONNRESET and friends: treat as close */
    process_buffered(s, false);
}

static void read_stdin(struct session *s)
{
    uint8_t buf[16384];
    ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        /* EOF (or a hung-up terminal): a script is done typing.  Give
         * the guest time to answer, unless a human on a tty left. */
        s->stdin_eof = true;
        if (s->terminal || s->linger_ms == 0)
            send_detach(s);
        else
            s->linger_deadline = now_ms() + s->linger_ms;
        return;
    }
    struct xp_msg m = {.type = XP_T_INPUT};
    m.u.bytes.bytes = buf;
    m.u.bytes.len = (size_t)n;
    send_msg(s, &m);
}

/* The connection is gone: decide how that ended the session. */
static void on_socket_closed(struct session *s)
{
    if (s->got_detached)
        s->exit_code = XC_EXIT_OK;
    else if (s->got_shutdown)
        s->exit_code = XC_EXIT_LOST;
    else if (s->got_gone)
        s->exit_code = XC_EXIT_OK; /* the guest went away; it was said */
    else if (s->detach_sent)
        s->exit_code = XC_EXIT_OK; /* we asked to leave; close is an answer */
    else {
        out_notice(s, "connection to xcmuxd lost");
        s->exit_code = XC_EXIT_LOST;
    }
    s->done = true;
}

/* Best effort, bounded: write out what is queued before exiting. */
static void final_flush(struct session *s, int budget_ms)
{
    long long end = now_ms() + budget_ms;
    int bad;
    while (outq_bytes(&s->out)) {
        if (outq_flush(&s->out, &bad) < 0)
            break;
        int fd = outq_want_fd(&s->out);
        long long left = end - now_ms();
        if (fd < 0 || left <= 0)
            break;
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
            break;
    }
}

static int run_session(struct session *s)
{
    int sigfd = term_signal_fd();

    while (!s->done) {
        struct pollfd pf[4];
        int n = 0, i_sock = -1, i_in = -1, i_sig = -1;
        int bad;

        if (outq_flush(&s->out, &bad) < 0) {
            /* stdout closed (e.g. `| head`): nobody is listening. */
            s->exit_code = bad == STDOUT_FILENO ? XC_EXIT_OK : XC_EXIT_FAIL;
            outq_free(&s->out);
            break;
        }
        if (outq_flush(&s->sockq, &bad) < 0) {
            on_socket_closed(s);
            break;
        }
        if (s->conn.eof) {
            process_buffered(s, true);
            if (!s->done)
                on_socket_closed(s);
            break;
        }
        /* Bytes already read may hold frames poll() will not signal. */
        process_buffered(s, false);
        if (s->done)
            break;

        short sev = 0;
        if (outq_bytes(&s->out) < OUT_HIGH_WATER)
            sev |= POLLIN;
        if (outq_bytes(&s->sockq))
            sev |= POLLOUT;
        i_sock = n;
        pf[n++] = (struct pollfd){.fd = s->conn.fd, .events = sev};
        if (s->attached && !s->stdin_eof && !s->detach_sent &&
            outq_bytes(&s->sockq) < SOCK_HIGH_WATER) {
            i_in = n;
            pf[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
        }
        int ofd = outq_want_fd(&s->out);
        if (ofd >= 0) {
            /* Only to wake up: the flush at the loop top writes. */
            pf[n++] = (struct pollfd){.fd = ofd, .events = POLLOUT};
        }
        if (sigfd >= 0) {
            i_sig = n;
            pf[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
        }

        int timeout = -1;
        long long now = now_ms();
        long long deadline = s->detach_sent ? s->detach_deadline : s->linger_deadline;
        if (deadline >= 0)
            timeout = deadline > now ? (int)(deadline - now) : 0;

        int rc = poll(pf, (nfds_t)n, timeout);
        if (rc < 0 && errno != EINTR) {
            s->exit_code = XC_EXIT_FAIL;
            break;
        }
        if (term_caught_signal()) {
            s->exit_code = XC_EXIT_SIGNAL_BASE + term_caught_signal();
            break;
        }
        now = now_ms();
        if (s->detach_sent && now >= s->detach_deadline) {
            s->exit_code = XC_EXIT_OK; /* we asked to leave: done */
            break;
        }
        if (!s->detach_sent && s->linger_deadline >= 0 && now >= s->linger_deadline)
            send_detach(s);
        if (rc <= 0)
            continue;
        if (i_sig >= 0 && pf[i_sig].revents) {
            char b[16];
            while (read(sigfd, b, sizeof(b)) > 0)
                ;
        }
        if (i_sock >= 0 && (pf[i_sock].revents & (POLLIN | POLLHUP | POLLERR)))
            read_socket(s);
        if (i_in >= 0 && pf[i_in].revents)
            read_stdin(s);
    }
    final_flush(s, term_caught_signal() ? SIGNAL_FLUSH_MS : DETACH_TIMEOUT_MS);
    return s->exit_code;
}

static const struct option console_opts[] = {
    {"read-only", no_argument, NULL, 'r'},     {"force", no_argument, NULL, 'f'},
    {"escape", required_argument, NULL, 'e'},  {"replay", required_argument, NULL, 'R'},
    {"console", required_argument, NULL, 'c'}, {"serial", optional_argument, NULL, 's'},
    {"linger", required_argument, NULL, 'L'},  {"follow", no_argument, NULL, 'F'},
    {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
};

int cmd_console(const struct xc_global *g, int argc, char **argv)
{
    struct xp_msg attach = {.type = XP_T_ATTACH};
    struct xp_attach *a = &attach.u.attach;
    unsigned linger = XC_DEFAULT_LINGER_MS;
    uint64_t v;
    int c;

    a->mode = XP_MODE_READ_WRITE;
    a->escape = XP_ESCAPE_DEFAULT;
    a->replay = XP_REPLAY_DEFAULT;

    const char *env_linger = getenv("XCMUX_LINGER_MS");
    if (env_linger && *env_linger) {
        if (!xc_parse_uint(env_linger, 600000, &v))
            return xc_usage_error("console", "invalid XCMUX_LINGER_MS '%s'", env_linger);
        linger = (unsigned)v;
    }

    optind = 0;
    opterr = 0; /* we name the bad option ourselves */
    while ((c = getopt_long(argc, argv, "+rfe:h", console_opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            a->flags |= XP_ATTACH_F_FOLLOW;
            break;
        case 'r':
            a->mode = XP_MODE_READ_ONLY;
            break;
        case 'f':
            a->mode = XP_MODE_FORCE;
            break;
        case 'e':
            if (!xc_parse_escape(optarg, &a->escape))
                return xc_usage_error("console",
                                      "invalid escape character "
                                      "'%s' (use none, ^X or one character)",
                                      optarg);
            break;
        case 'R':
            if (!xc_parse_uint(optarg, UINT32_MAX - 1, &v))
                return xc_usage_error("console", "invalid --replay '%s'", optarg);
            a->replay = (uint32_t)v;
            break;
        case 'c':
            if (!xc_parse_uint(optarg, UINT32_MAX, &v))
                return xc_usage_error("console", "invalid --console '%s'", optarg);
            a->console = (uint32_t)v;
            break;
        case 's':
            if (!xc_parse_serial(optarg, &a->console))
                return xc_usage_error("console", "invalid --serial '%s' (0..%u)", optarg,
                                      XP_CONSOLE_SERIAL_MAX - 1);
            break;
        case 'L':
            if (!xc_parse_uint(optarg, 600000, &v))
                return xc_usage_error("console", "invalid --linger '%s'", optarg);
            linger = (unsigned)v;
            break;
        case 'h':
            xc_print_help("console");
            return XC_EXIT_OK;
        default:
            return xc_usage_error("console", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return xc_usage_error("console", "expected exactly one DOMAIN");
    const char *domain = argv[optind];
    if (!*domain || strlen(domain) > XP_MAX_DOMAIN_NAME)
        return xc_usage_error("console", "DOMAIN must be 1..%u bytes", XP_MAX_DOMAIN_NAME);
    strcpy(a->domain, domain);

    struct session *s = calloc(1, sizeof(*s));
    if (!s)
        return XC_EXIT_FAIL;
    s->domain = domain;
    s->linger_ms = linger;
    s->linger_deadline = -1;
    s->detach_deadline = -1;
    s->last_out_newline = true;
    s->terminal = isatty(STDIN_FILENO);
    outq_init(&s->out);
    outq_init(&s->sockq);
    if (s->terminal)
        a->flags |= XP_ATTACH_F_TERMINAL;

    int rc = xc_conn_open(&s->conn, xc_socket_path(g->socket_path));
    if (rc == XC_EXIT_OK)
        rc = xc_conn_send(&s->conn, &attach);
    if (rc == XC_EXIT_OK) {
        /* Signals are caught before the terminal changes, so there is
         * no window where a raw terminal has no restorer. */
        if (term_catch_signals() < 0 || term_raw(STDIN_FILENO, &s->raw) < 0 ||
            term_nonblock(STDIN_FILENO) < 0 || term_nonblock(STDOUT_FILENO) < 0 ||
            term_nonblock(STDERR_FILENO) < 0) {
            fprintf(stderr, "xcmux: cannot set up the terminal: %s\n", strerror(errno));
            rc = XC_EXIT_FAIL;
        } else {
            rc = run_session(s);
        }
    }
    term_restore();
    outq_free(&s->out);
    outq_free(&s->sockq);
    xc_conn_close(&s->conn);
    free(s);
    return rc;
}
