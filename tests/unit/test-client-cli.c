// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-client-cli.c - the xcmux client against a scripted fake daemon.
 *
 * Each test forks a child that runs xcmux_main() with stdin/stdout/stderr
 * redirected (pipes, memfds or a pty) and connects to a temporary Unix
 * socket; the parent plays the daemon frame by frame, then checks the
 * exit status and what the client printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "client/client.h"
#include "protocol/xcmux-proto.h"

struct fake {
    char dir[64];
    char path[108];
    int lfd; /* listening socket */
    int cfd; /* accepted client */
    struct xp_stream in;
    int out_fd, err_fd; /* memfds holding the child's stdout/stderr */
    pid_t pid;
    int child_close; /* parent's end of the stdin pipe, or -1 */
    char out[1 << 16], err[1 << 14];
};

static struct fake F;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int setup(void **state)
{
    (void)state;
    memset(&F, 0, sizeof(F));
    strcpy(F.dir, "/tmp/xcmux-test-XXXXXX");
    assert_non_null(mkdtemp(F.dir));
    snprintf(F.path, sizeof(F.path), "%s/sock", F.dir);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, F.path);
    F.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(F.lfd >= 0);
    assert_int_equal(bind(F.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(F.lfd, 4), 0);
    F.cfd = -1;
    F.pid = -1;
    F.child_close = -1;
    F.out_fd = memfd_create("out", 0);
    F.err_fd = memfd_create("err", 0);
    xp_stream_init(&F.in);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (F.pid > 0) {
        kill(F.pid, SIGKILL);
        waitpid(F.pid, NULL, 0);
    }
    if (F.cfd >= 0)
        close(F.cfd);
    close(F.lfd);
    close(F.out_fd);
    close(F.err_fd);
    unlink(F.path);
    rmdir(F.dir);
    return 0;
}

/* Runs xcmux with argv in a child.  stdin_fd < 0 means /dev/null;
 * tty_fd >= 0 puts a terminal on stdin and stdout instead. */
static void spawn(char **argv, int stdin_fd, int tty_fd, const char *env_socket)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    F.pid = fork();
    assert_true(F.pid >= 0);
    if (F.pid == 0) {
        int in = stdin_fd >= 0 ? stdin_fd : open("/dev/null", O_RDONLY);
        if (tty_fd >= 0) {
            setsid();
            ioctl(tty_fd, TIOCSCTTY, 0);
            in = tty_fd;
            dup2(tty_fd, 1);
        } else {
            dup2(F.out_fd, 1);
        }
        dup2(in, 0);
        dup2(F.err_fd, 2);
        /* Without this the child would hold its own stdin pipe open. */
        if (F.child_close >= 0)
            close(F.child_close);
        if (env_socket)
            setenv("XCMUX_SOCKET", env_socket, 1);
        else
            unsetenv("XCMUX_SOCKET");
        unsetenv("XCMUX_LINGER_MS");
        _exit(xcmux_main(argc, argv));
    }
}

static int wait_exit(void)
{
    int status;
    long long end = now_ms() + 10000;
    for (;;) {
        pid_t r = waitpid(F.pid, &status, WNOHANG);
        if (r == F.pid)
            break;
        assert_true(now_ms() < end);
        usleep(5000);
    }
    F.pid = -1;
    assert_true(WIFEXITED(status));

    ssize_t n = pread(F.out_fd, F.out, sizeof(F.out) - 1, 0);
    F.out[n > 0 ? n : 0] = '\0';
    n = pread(F.err_fd, F.err, sizeof(F.err) - 1, 0);
    F.err[n > 0 ? n : 0] = '\0';
    return WEXITSTATUS(status);
}

static void accept_client(void)
{
    struct pollfd p = {.fd = F.lfd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 5000), 1);
    F.cfd = accept4(F.lfd, NULL, NULL, SOCK_CLOEXEC);
    assert_true(F.cfd >= 0);
}

static void srv_send(const struct xp_msg *m)
{
    static uint8_t frame[XP_FRAME_MAX];
    ssize_t len = xp_encode(frame, sizeof(frame), m);
    assert_true(len > 0);
    assert_int_equal(write(F.cfd, frame, (size_t)len), len);
}

/* Next frame from the client (5 s timeout); returns false on EOF. */
static int wait_exit(void);

static bool srv_recv(struct xp_msg *m)
{
    long long end = now_ms() + 5000;
    for (;;) {
        struct xp_frame_hdr h;
        const uint8_t *payload;
        int rc = xp_stream_next(&F.in, &h, &payload);
        assert_true(rc >= 0);
        if (rc == XP_OK) {
            assert_int_equal(xp_decode(&h, payload, m), XP_OK);
            return true;
        }
        struct pollfd p = {.fd = F.cfd, .events = POLLIN};
        int left = (int)(end - now_ms());
        assert_true(left > 0);
        assert_int_equal(poll(&p, 1, left), 1);
        uint8_t buf[4096];
        ssize_t n = read(F.cfd, buf, sizeof(buf));
        if (n <= 0) {
            if (F.pid > 0)
                print_message("client exited %d, stderr: %s\n", wait_exit(), F.err);
            return false;
        }
        assert_int_equal(xp_stream_feed(&F.in, buf, (size_t)n), (size_t)n);
    }
}

static struct xp_msg msg;

static void expect(uint8_t type)
{
    assert_true(srv_recv(&msg));
    assert_int_equal(msg.type, type);
}

static void handshake(void)
{
    accept_client();
    expect(XP_T_HELLO);
    assert_int_equal(msg.u.hello.version, XP_PROTOCOL_VERSION);
    assert_non_null(strstr(msg.u.hello.software, "xcmux"));
    struct xp_msg h = {.type = XP_T_HELLO};
    h.u.hello.version = XP_PROTOCOL_VERSION;
    strcpy(h.u.hello.software, "fake-xcmuxd 1");
    srv_send(&h);
}

static void send_error(uint16_t code, uint8_t req, const char *text)
{
    struct xp_msg e = {.type = XP_T_ERROR};
    e.u.error.code = code;
    e.u.error.request_type = req;
    strcpy(e.u.error.text, text);
    srv_send(&e);
}

static void send_end(uint8_t req, uint64_t count)
{
    struct xp_msg e = {.type = XP_T_END};
    e.u.end.request_type = req;
    e.u.end.count = count;
    srv_send(&e);
}

static void send_data(const char *s)
{
    struct xp_msg d = {.type = XP_T_DATA};
    d.u.bytes.bytes = (const uint8_t *)s;
    d.u.bytes.len = strlen(s);
    srv_send(&d);
}

static void send_notice(uint16_t code, uint64_t count, const char *text)
{
    struct xp_msg n = {.type = XP_T_NOTICE};
    n.u.notice.code = code;
    n.u.notice.count = count;
    strcpy(n.u.notice.text, text);
    srv_send(&n);
}

static void send_attached(const char *name, bool writer)
{
    struct xp_msg a = {.type = XP_T_ATTACHED};
    a.u.attached.domid = 5;
    a.u.attached.mode = writer ? XP_MODE_READ_WRITE : XP_MODE_READ_ONLY;
    a.u.attached.flags = writer ? XP_ATTACHED_F_WRITER : 0;
    strcpy(a.u.attached.name, name);
    srv_send(&a);
}

/* After LIST, xcmux asks STATUS (the daemon's xenstore connection). */
static void answer_status(uint8_t xenstore)
{
    expect(XP_T_STATUS);
    struct xp_msg m = {.type = XP_T_STATUS_INFO};
    m.u.status_info.xenstore = xenstore;
    m.u.status_info.since = 1764806400u; /* 2025-12-04T00:00:00Z */
    m.u.status_info.losses = 1;
    srv_send(&m);
}

/* A daemon from before STATUS: an unknown type is a framing error. */
static void refuse_status(void)
{
    expect(XP_T_STATUS);
    send_error(XP_E_BAD_FRAME, 0, "unknown message type 0x12");
    close(F.cfd);
    F.cfd = -1;
}

static void send_list_entries(void)
{
    struct xp_msg m = {.type = XP_T_LIST_ENTRY};
    struct xp_list_entry *e = &m.u.list_entry;
    e->domid = 3;
    e->state = XP_STATE_RUNNING;
    e->flags = XP_LIST_F_WRITER;
    e->sessions = 2;
    e->bytes_out = 123456;
    e->dropped_guest = 10;
    e->dropped_client = 5;
    strcpy(e->name, "web1");
    strcpy(e->tty, "/dev/pts/7");
    srv_send(&m);
    memset(e, 0, sizeof(*e));
    e->domid = 12;
    e->console = 1;
    e->state = XP_STATE_GONE;
    e->flags = XP_LIST_F_RATE_LIMITED;
    strcpy(e->name, "we\"ird\\\x01");
    srv_send(&m);
    send_end(XP_T_LIST, 2);
}

static void test_list_table(void **state)
{
    (void)state;
    char *argv[] = {"xcmux", "-S", F.path, "list", NULL};
    spawn(argv, -1, -1, "/nonexistent/should-not-be-used");
    handshake();
    expect(XP_T_LIST);
    send_list_entries();
    refuse_status(); /* a daemon from before STATUS: the list stands */
    assert_int_equal(wait_exit(), 0);
    assert_null(strstr(F.err, "xenstore"));
    assert_non_null(strstr(F.out, "ID CON NAME"));
    assert_non_null(strstr(F.out, "STATE"));
    assert_non_null(strstr(F.out, "SESS WRITER"));
    assert_non_null(strstr(F.out, "BYTES"));
    assert_non_null(strstr(F.out, "DROPPED TTY\n"));
    /* Row 1: id, con, name, state, sess, writer, bytes, dropped, tty. */
    assert_non_null(strstr(F.out, "    3   0 web1"));
    assert_non_null(
        strstr(F.out, "running            2    yes       123456         15 /dev/pts/7\n"));
    /* Row 2: control char in the name neutralised, gone + limited. */
    assert_non_null(strstr(F.out, "   12   1 we\"ird\\? gone,limited"));
    assert_non_null(strstr(F.out, " no            0          0 -\n"));
}

static void test_list_json(void **state)
{
    (void)state;
    char *argv[] = {"xcmux", "list", "--json", NULL};
    spawn(argv, -1, -1, F.path); /* socket from XCMUX_SOCKET */
    handshake();
    expect(XP_T_LIST);
    send_list_entries();
    answer_status(XP_XS_UNREACHABLE);
    assert_int_equal(wait_exit(), 0);
    assert_non_null(strstr(F.err, "xenstore: unreachable since 2025-12-04T00:00:00Z"));
    assert_string_equal(
        F.out, "[\n"
               "  {\"domid\": 3, \"console\": 0, \"name\": \"web1\", \"state\": \"running\", "
               "\"sessions\": 2, \"writer\": true, \"rate_limited\": false, \"bytes_out\": 123456, "
               "\"dropped_guest\": 10, \"dropped_client\": 5, \"log_bytes\": 0, "
               "\"tty\": \"/dev/pts/7\", \"xenstore\": \"unreachable\"},\n"
               "  {\"domid\": 12, \"console\": 1, \"name\": \"we\\\"ird\\\\\\u0001\", "
               "\"state\": \"gone\", \"sessions\": 0, \"writer\": false, \"rate_limited\": true, "
               "\"bytes_out\": 0, \"dropped_guest\": 0, \"dropped_client\": 0, \"log_bytes\": 0, "
               "\"tty\": null, \"xenstore\": \"unreachable\"}\n"
               "]\n");
}

static void test_list_json_empty(void **state)
{
    (void)state;
    char *argv[] = {"xcmux", "-S", F.path, "list", "--json", NULL};
    spawn(argv, -1, -1, NULL);
    handshake();
    expect(XP_T_LIST);
    send_end(XP_T_LIST, 0);
    answer_status(XP_XS_CONNECTED);
    assert_int_equal(wait_exit(), 0);
    assert_string_equal(F.out, "[]\n");
    assert_null(strstr(F.err, "xenstore"));
}

static void test_no_daemon(void **state)
{
    (void)state;
    char missing[128];
    snprintf(missing, sizeof(missing), "%s/missing.sock", F.dir);
    char *argv[] = {"xcmux", "list", NULL};
    spawn(argv, -1, -1, missing);
    assert_int_equal(wait_exit(), XC_EXIT_NO_DAEMON);
    assert_non_null(strstr(F.err, missing));
    assert_non_null(strstr(F.err, "is xcmuxd running?"));
}

static void test_bad_version(void **state)
{
    (void)state;
    char *argv[] = {"xcmux", "-S", F.path, "list", NULL};
    spawn(argv, -1, -1, NULL);
    accept_client();
    expect(XP_T_HELLO);
    assert_int_equal(msg.u.hello.version, XP_PROTOCOL_VERSION);
    send_error(XP_E_BAD_VERSION, XP_T_HELLO, "server speaks protocol 7");
    close(F.cfd);
    /* The client tries every older version before giving up. */
    for (uint32_t v = XP_PROTOCOL_VERSION - 1; v >= XP_PROTOCOL_VERSION_MIN; v--) {
        accept_client();
        expect(XP_T_HELLO);
        assert_int_equal(msg.u.hello.version, v);
        send_error(XP_E_BAD_VERSION, XP_T_HELLO, "server speaks protocol 7");
        if (v > XP_PROTOCOL_VERSION_MIN)
            close(F.cfd);
        else
            break;
    }
    assert_int_equal(wait_exit(), XC_EXIT_PROTOCOL);
    assert_non_null(strstr(F.err, "protocol version mismatch"));
    assert_non_null(strstr(F.err, "server speaks protocol 7"));
}

/* The daemon sheds the connection (ERROR LIMIT, then close) while the
 * client is about to send its request: the client prints the daemon's
 * reason, not the EPIPE its send gets. */
static void test_shed_reason_not_broken_pipe(void **state)
{
    (void)state;
    char *argv[] = {"xcmux", "-S", F.path, "list", NULL};
    spawn(argv, -1, -1, NULL);
    accept_client();
    expect(XP_T_HELLO);
    struct xp_msg h = {.type = XP_T_HELLO};
    h.u.hello.version = XP_PROTOCOL_VERSION;
    strcpy(h.u.hello.software, "fake-xcmuxd 1");
    srv_send(&h);
    send_error(XP_E_LIMIT, 0, "connection shed: needed room for the administrator");
    shutdown(F.cfd, SHUT_RDWR);
    close(F.cfd);
    F.cfd = -1;
    assert_int_equal(wait_exit(), XC_EXIT_FAIL);
    assert_non_null(strstr(F.err, "refused by xcmuxd: connection shed: needed room"));
    assert_null(strstr(F.err, "Broken pipe"));
}

/* A version 1 daemon: the client reconnects speaking version 1, and its
 * list has no BEHIND column (the daemon sends no such field). */
static void test_older_daemon(void **state)
{
    (void)state;
    char *argv[] = {"xcmux", "-S", F.path, "list", NULL};
    spawn(argv, -1, -1, NULL);
    accept_client();
    expect(XP_T_HELLO);
    send_error(XP_E_BAD_VERSION, XP_T_HELLO, "this daemon speaks version 1");
    close(F.cfd);
    accept_client();
    expect(XP_T_HELLO);
    assert_int_equal(msg.u.hello.version, 1);
    struct xp_msg h = {.type = XP_T_HELLO};
    h.u.hello.version = 1;
    strcpy(h.u.hello.software, "old-xcmuxd 1");
    srv_send(&h);
    expect(XP_T_LIST);
    send_list_entries();
    refuse_status();
    assert_int_equal(wait_exit(), 0);
    assert_non_null(strstr(F.out, "DROPPED TTY\n"));
    assert_null(strstr(F.out, "BEHIND"));
    assert_null(strstr(F.err, "version"));
}

static void test_unknown_domain(void **state)
{
    (void)state;
    char *argv[] = {"xcmux", "-S", F.path, "console", "nosuch", NULL};
    spawn(argv, -1, -1, NULL);
    handshake();
    expect(XP_T_ATTACH);
    assert_string_equal(msg.u.attach.domain, "nosuch");
    send_error(XP_E_UNKNOWN_DOMAIN, XP_T_ATTACH, "known domains: web1 (3), db (4)");
    assert_int_equal(wait_exit(), XC_EXIT_UNKNOWN_DOMAIN);
    assert_non_null(strstr(F.err, "unknown domain 'nosuch': known domains: web1 (3), db (4)"));
}

static void test_permission(void **state)
{
    (void)state;
    char *argv[] = {"xcmux", "-S", F.path, "who", "web1", NULL};
    spawn(argv, -1, -1, NULL);
    handshake();
    expect(XP_T_WHO);
    send_error(XP_E_PERMISSION, XP_T_WHO, "uid 1000 may not read web1");
    assert_int_equal(wait_exit(), XC_EXIT_PERMISSION);
    assert_non_null(strstr(F.err, "permission denied: uid 1000 may not read web1"));
}

static void test_hotkeys_unsupported(void **state)
{
    (void)state;
    char *argv[] = {"xcmux", "-S", F.path, "hotkeys", "web1", NULL};
    spawn(argv, -1, -1, NULL);
    handshake();
    expect(XP_T_HOTKEYS);
    assert_string_equal(msg.u.ref.domain, "web1");
    send_error(XP_E_UNKNOWN_REQUEST, XP_T_HOTKEYS, "");
    assert_int_equal(wait_exit(), XC_EXIT_UNSUPPORTED);
    assert_non_null(strstr(F.err, "hotkeys: not supported by this daemon"));
}

static void test_trigger(void **state)
{
    (void)state;
    char *argv[] = {"xcmux", "-S", F.path, "trigger", "--console", "2", "web1", "d", NULL};
    spawn(argv, -1, -1, NULL);
    handshake();
    expect(XP_T_TRIGGER);
    assert_int_equal(msg.u.trigger.key, 'd');
    assert_int_equal(msg.u.trigger.ref.console, 2);
    struct xp_msg r = {.type = XP_T_TRIGGER_RESULT};
    r.u.trigger_result.code = XP_TR_FIRED_NO_ACK;
    strcpy(r.u.trigger_result.text, "no ack in 2 s");
    srv_send(&r);
    assert_int_equal(wait_exit(), XC_EXIT_NO_ACK);
    assert_non_null(strstr(F.err, "d: fired, not acknowledged: no ack in 2 s"));
}

static void test_hotkeys_list(void **state)
{
    (void)state;
    char *argv[] = {"xcmux", "-S", F.path, "hotkeys", "web1", NULL};
    spawn(argv, -1, -1, NULL);
    handshake();
    expect(XP_T_HOTKEYS);
    struct xp_msg h = {.type = XP_T_HOTKEY_ENTRY};
    h.u.hotkey.key = 'd';
    h.u.hotkey.source = XP_HK_SRC_GUEST;
    strcpy(h.u.hotkey.label, "dump state");
    strcpy(h.u.hotkey.action, "inject");
    srv_send(&h);
    send_end(XP_T_HOTKEYS, 1);
    assert_int_equal(wait_exit(), 0);
    assert_non_null(strstr(F.out, "KEY  SOURCE LABEL"));
    assert_non_null(strstr(F.out, "d    guest  dump state                       inject\n"));
}

static void test_who(void **state)
{
    (void)state;
    char *argv[] = {"xcmux", "-S", F.path, "who", "web1", NULL};
    spawn(argv, -1, -1, NULL);
    handshake();
    expect(XP_T_WHO);
    struct xp_msg w = {.type = XP_T_WHO_ENTRY};
    w.u.who_entry.uid = 1000;
    w.u.who_entry.pid = 4321;
    w.u.who_entry.mode = XP_MODE_READ_WRITE;
    w.u.who_entry.flags = XP_WHO_F_WRITER;
    w.u.who_entry.bytes_sent = 99;
    strcpy(w.u.who_entry.user, "alice");
    srv_send(&w);
    send_end(XP_T_WHO, 1);
    assert_int_equal(wait_exit(), 0);
    assert_non_null(strstr(F.out, "USER"));
    assert_non_null(strstr(F.out, "alice          1000    4321 read-write    yes"));
    assert_non_null(strstr(F.out, "99\n"));
}

static void test_log(void **state)
{
    (void)state;
    char *argv[] = {"xcmux", "-S", F.path, "log", "--bytes", "100", "web1", NULL};
    spawn(argv, -1, -1, NULL);
    handshake();
    expect(XP_T_LOG);
    assert_int_equal(msg.u.log.max_bytes, 100);
    assert_string_equal(msg.u.log.ref.domain, "web1");
    send_data("boot line 1\r\n");
    send_data("login: ");
    send_end(XP_T_LOG, 20);
    assert_int_equal(wait_exit(), 0);
    assert_string_equal(F.out, "boot line 1\r\nlogin: ");
}

/* printf 'uptime\r' | xcmux console g1: replay + answer printed, input
 * passed through, DETACH only after the linger time. */
static void test_console_pipe_linger(void **state)
{
    (void)state;
    int in[2];
    assert_int_equal(pipe(in), 0);
    F.child_close = in[1];
    char *argv[] = {"xcmux", "-S", F.path, "console", "--linger", "300", "g1", NULL};
    spawn(argv, in[0], -1, NULL);
    close(in[0]);
    handshake();
    expect(XP_T_ATTACH);
    assert_string_equal(msg.u.attach.domain, "g1");
    assert_int_equal(msg.u.attach.mode, XP_MODE_READ_WRITE);
    assert_int_equal(msg.u.attach.escape, XP_ESCAPE_DEFAULT);
    assert_int_equal(msg.u.attach.replay, XP_REPLAY_DEFAULT);
    assert_int_equal(msg.u.attach.flags, 0);
    send_attached("g1", true);
    send_data("replayed\r\n");

    assert_int_equal(write(in[1], "uptime\r", 7), 7);
    close(in[1]);
    long long eof_at = now_ms();
    char typed[64] = "";
    while (strlen(typed) < 7) {
        expect(XP_T_INPUT);
        strncat(typed, (const char *)msg.u.bytes.bytes, msg.u.bytes.len);
    }
    assert_string_equal(typed, "uptime\r");
    usleep(100 * 1000);
    send_data(" 10:00:00 up 1 day\r\n");
    expect(XP_T_DETACH);
    assert_true(now_ms() - eof_at >= 250);
    send_notice(XP_N_DETACHED, 0, "");
    close(F.cfd);
    F.cfd = -1;
    assert_int_equal(wait_exit(), 0);
    assert_string_equal(F.out, "replayed\r\n 10:00:00 up 1 day\r\n");
    assert_string_equal(F.err, "[xcmux: detached]\n");
}

static void test_console_notices_and_lost(void **state)
{
    (void)state;
    int in[2];
    assert_int_equal(pipe(in), 0); /* stdin stays open: no linger */
    char *argv[] = {"xcmux",    "-S", F.path,      "console", "-r", "-e", "none",
                    "--replay", "0",  "--console", "1",       "g1", NULL};
    spawn(argv, in[0], -1, NULL);
    close(in[0]);
    handshake();
    expect(XP_T_ATTACH);
    assert_int_equal(msg.u.attach.mode, XP_MODE_READ_ONLY);
    assert_int_equal(msg.u.attach.escape, XP_ESCAPE_NONE);
    assert_int_equal(msg.u.attach.replay, 0);
    assert_int_equal(msg.u.attach.console, 1);
    send_attached("g1", false);
    send_notice(XP_N_DROPPED, 5, "");
    send_data("abc");
    send_notice(XP_N_INFO, 0, "evil\x1b[2J");
    send_notice(XP_N_FORCED, 1000, "write seat taken by alice");
    usleep(100 * 1000);
    close(F.cfd); /* no DETACHED: the connection was lost */
    F.cfd = -1;
    assert_int_equal(wait_exit(), XC_EXIT_LOST);
    close(in[1]);
    assert_string_equal(F.out, "abc");
    assert_string_equal(F.err, "[xcmux: missed 5 bytes of console output]\n"
                               "\n[xcmux: evil?[2J]\n"
                               "[xcmux: write seat taken by alice]\n"
                               "[xcmux: connection to xcmuxd lost]\n");
}

static void test_console_sigterm_pipe(void **state)
{
    (void)state;
    int in[2];
    assert_int_equal(pipe(in), 0);
    F.child_close = in[1];
    char *argv[] = {"xcmux", "-S", F.path, "console", "g1", NULL};
    spawn(argv, in[0], -1, NULL);
    close(in[0]);
    handshake();
    expect(XP_T_ATTACH);
    send_attached("g1", true);
    send_data("partial output");
    usleep(200 * 1000);
    kill(F.pid, SIGTERM);
    assert_int_equal(wait_exit(), XC_EXIT_SIGNAL_BASE + SIGTERM);
    close(in[1]);
    assert_string_equal(F.out, "partial output");
}

static void test_console_shutdown(void **state)
{
    (void)state;
    char *argv[] = {"xcmux", "-S", F.path, "console", "--linger", "5000", "g1", NULL};
    spawn(argv, -1, -1, NULL);
    handshake();
    expect(XP_T_ATTACH);
    send_attached("g1", true);
    send_notice(XP_N_SHUTDOWN, 0, "");
    close(F.cfd);
    F.cfd = -1;
    assert_int_equal(wait_exit(), XC_EXIT_LOST);
    assert_string_equal(F.err, "[xcmux: xcmuxd is shutting down]\n");
}

/* With a terminal: raw while attached, restored after detach and after
 * SIGTERM; ATTACH says terminal; notices use CRLF. */
static void run_tty_session(bool by_signal)
{
    int master, slave;
    assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
    struct termios before, during, after;
    assert_int_equal(tcgetattr(slave, &before), 0);
    assert_true(before.c_lflag & ICANON);

    char *argv[] = {"xcmux", "-S", F.path, "console", "g1", NULL};
    spawn(argv, -1, slave, NULL);
    handshake();
    expect(XP_T_ATTACH);
    assert_int_equal(msg.u.attach.flags, XP_ATTACH_F_TERMINAL);
    send_attached("g1", true);
    long long end = now_ms() + 3000;
    do {
        assert_int_equal(tcgetattr(slave, &during), 0);
        usleep(5000);
    } while ((during.c_lflag & ICANON) && now_ms() < end);
    assert_false(during.c_lflag & (ICANON | ECHO | ISIG));

    /* Bytes typed on the terminal reach the daemon untouched. */
    assert_int_equal(write(master, "\x03x", 2), 2);
    expect(XP_T_INPUT);
    assert_int_equal(msg.u.bytes.len >= 1, 1);
    assert_int_equal(msg.u.bytes.bytes[0], 0x03);

    int rc;
    if (by_signal) {
        kill(F.pid, SIGTERM);
        rc = wait_exit();
        assert_int_equal(rc, XC_EXIT_SIGNAL_BASE + SIGTERM);
    } else {
        send_notice(XP_N_DETACHED, 0, "");
        close(F.cfd);
        F.cfd = -1;
        rc = wait_exit();
        assert_int_equal(rc, 0);
        assert_non_null(strstr(F.err, "[xcmux: detached]\r\n"));
    }
    assert_int_equal(tcgetattr(slave, &after), 0);
    assert_int_equal(after.c_lflag, before.c_lflag);
    assert_int_equal(after.c_iflag, before.c_iflag);
    assert_int_equal(after.c_oflag, before.c_oflag);
    assert_int_equal(after.c_cflag, before.c_cflag);
    /* And the descriptor is blocking again for the shell. */
    assert_false(fcntl(slave, F_GETFL) & O_NONBLOCK);
    close(master);
    close(slave);
}

static void test_console_tty_detach(void **state)
{
    (void)state;
    run_tty_session(false);
}

static void test_console_tty_sigterm(void **state)
{
    (void)state;
    run_tty_session(true);
}

static void test_usage_errors(void **state)
{
    (void)state;
    char *a1[] = {"xcmux", "console", "-e", "ab", "g1", NULL};
    spawn(a1, -1, -1, F.path);
    assert_int_equal(wait_exit(), XC_EXIT_USAGE);
    assert_non_null(strstr(F.err, "invalid escape character 'ab'"));

    char *a2[] = {"xcmux", "frobnicate", NULL};
    spawn(a2, -1, -1, F.path);
    assert_int_equal(wait_exit(), XC_EXIT_USAGE);

    char *a3[] = {"xcmux", "help", "who", NULL};
    spawn(a3, -1, -1, F.path);
    assert_int_equal(wait_exit(), 0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_json_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_daemon, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_older_daemon, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shed_reason_not_broken_pipe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_domain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permission, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hotkeys_unsupported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hotkeys_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trigger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_who, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console_pipe_linger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console_notices_and_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console_sigterm_pipe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console_shutdown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console_tty_detach, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console_tty_sigterm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
    };
    return cmocka_run_group_tests_name("client-cli", tests, NULL, NULL);
}
