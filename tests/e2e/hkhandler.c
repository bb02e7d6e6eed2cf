/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hkhandler — the guest side of protocol/HOTKEYS.md for the real-Xen e2e
 * test (tests/e2e/run.sh builds it static and puts it in the domU's
 * initramfs; domu-init.sh runs it on hvc0).
 *
 * Contract:
 * - Usage: hkhandler PROGRAM [ARGS...], with stdin and stdout on the PV
 *   console (/dev/hvc0). It registers hotkey 'd' (delivery inject, label
 *   "E2E dump", callback "E2E") in data/xcmux/hotkeys through
 *   /dev/xen/xenbus, writing `version` last, and prints
 *   "E2E-HK-REGISTERED d" (or "E2E-HK-REGISTER-FAILED <why>") on the
 *   console. Then it runs PROGRAM on a fresh pty as its controlling
 *   terminal and relays: console input goes through hkfilter (held bytes
 *   are released after HOLD_MS of silence) into the pty, pty output goes
 *   to the console unchanged. It returns PROGRAM's exit status.
 * - A hotkey sequence never reaches PROGRAM. Hotkey 'd' prints
 *       XEN|DEBUG: ====> E2E|DUMP
 *       E2E-HK-DUMP key=d id=<ID> n=<how many so far>
 *       XEN|DEBUG: <====
 *   at the start of a line and acknowledges "<ID> ok dump <n>" in
 *   data/xcmux/ack; any other key is acknowledged "<ID> unknown".
 * - Single-threaded; the console is put in raw mode (the pty does the line
 *   discipline for PROGRAM). Registration or ack failures are reported on
 *   the console and do not stop the relay.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "protocol/hkfilter.h"

/* From xen/include/public/io/xs_wire.h (a stable ABI): kept local so the
 * build needs no Xen headers. */
#define XS_WRITE             11
#define XS_ERROR             16
#define XENSTORE_PAYLOAD_MAX 4096
struct xsd_sockmsg {
    uint32_t type, req_id, tx_id, len;
};

#define XENBUS_DEV "/dev/xen/xenbus"
#define HOLD_MS    300
#define CHUNK      256

static int console_in = 0, console_out = 1;
static uint8_t last_out = '\n'; /* last byte written to the console */
static unsigned dumps;

static int write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void to_console(const void *buf, size_t len)
{
    if (len == 0)
        return;
    write_all(console_out, buf, len);
    last_out = ((const uint8_t *)buf)[len - 1];
}

/* One line on the raw console: CR LF endings, starting on a fresh line. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(line) - 3)
        n = (int)sizeof(line) - 3;
    if (last_out != '\n')
        to_console("\r\n", 2);
    line[n++] = '\r';
    line[n++] = '\n';
    to_console(line, (size_t)n);
}

static int read_full(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Write VALUE at PATH (relative to this domain's home) through the
 * kernel's xenbus device. 0, or -1 with why[] filled. */
static int xs_write(const char *path, const char *value, char *why, size_t whylen)
{
    static int fd = -1;
    if (fd < 0 && (fd = open(XENBUS_DEV, O_RDWR | O_CLOEXEC)) < 0) {
        snprintf(why, whylen, "open %s: %s", XENBUS_DEV, strerror(errno));
        return -1;
    }
    size_t plen = strlen(path) + 1, vlen = strlen(value);
    uint8_t msg[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
    if (plen + vlen > XENSTORE_PAYLOAD_MAX) {
        snprintf(why, whylen, "%s: value too long", path);
        return -1;
    }
    struct xsd_sockmsg h = {.type = XS_WRITE, .req_id = 1, .len = (uint32_t)(plen + vlen)};
    memcpy(msg, &h, sizeof(h));
    memcpy(msg + sizeof(h), path, plen);
    memcpy(msg + sizeof(h) + plen, value, vlen);
    /* The device wants the whole request in one write. */
    if (write(fd, msg, sizeof(h) + plen + vlen) != (ssize_t)(sizeof(h) + plen + vlen)) {
        snprintf(why, whylen, "write %s: %s", path, strerror(errno));
        return -1;
    }
    struct xsd_sockmsg r;
    char reply[XENSTORE_PAYLOAD_MAX + 1];
    if (read_full(fd, &r, sizeof(r)) < 0 || r.len > XENSTORE_PAYLOAD_MAX ||
        read_full(fd, reply, r.len) < 0) {
        snprintf(why, whylen, "reading the reply for %s failed", path);
        close(fd);
        fd = -1;
        return -1;
    }
    reply[r.len] = '\0';
    if (r.type != XS_WRITE) {
        snprintf(why, whylen, "write %s: %.64s", path, r.type == XS_ERROR ? reply : "bad reply");
        return -1;
    }
    return 0;
}

/* HOTKEYS.md §2: the entry first, `version` last, each write answered
 * before the next, so the daemon never reads a half-written registry. */
static void register_hotkeys(void)
{
    static const char *const nodes[][2] = {
        {"data/xcmux/hotkeys/d/label", "E2E dump"},
        {"data/xcmux/hotkeys/d/delivery", "inject"},
        {"data/xcmux/hotkeys/d/callback", "E2E"},
        {"data/xcmux/hotkeys/version", "1"},
    };
    char why[256];
    for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
        if (xs_write(nodes[i][0], nodes[i][1], why, sizeof(why)) < 0) {
            say("E2E-HK-REGISTER-FAILED %s", why);
            return;
        }
    }
    say("E2E-HK-REGISTERED d");
}

static void run_hotkey(const struct hkf_hotkey *hk)
{
    char path_val[64], why[256];
    if (hk->key == 'd') {
        dumps++;
        say("XEN|DEBUG: ====> E2E|DUMP");
        say("E2E-HK-DUMP key=d id=%u n=%u", (unsigned)hk->id, dumps);
        say("XEN|DEBUG: <====");
        snprintf(path_val, sizeof(path_val), "%u ok dump %u", (unsigned)hk->id, dumps);
    } else {
        say("E2E-HK-UNKNOWN key=%c id=%u", hk->key, (unsigned)hk->id);
        snprintf(path_val, sizeof(path_val), "%u unknown", (unsigned)hk->id);
    }
    if (xs_write("data/xcmux/ack", path_val, why, sizeof(why)) < 0)
        say("E2E-HK-ACK-FAILED %s", why);
}

/* Console input → filter → pty. */
static void from_console(struct hkf *f, int master, const uint8_t *in, size_t len)
{
    while (len > 0) {
        uint8_t out[CHUNK + HKF_MAX_SEQ];
        size_t outlen;
        struct hkf_hotkey hk;
        int have;
        size_t n = hkf_feed(f, in, len < CHUNK ? len : CHUNK, out, &outlen, &hk, &have);
        write_all(master, out, outlen);
        if (have)
            run_hotkey(&hk);
        in += n;
        len -= n;
    }
}

static pid_t spawn_on_pty(char **argv, int *master_out)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
        return -1;
    const char *slave = ptsname(master);
    if (!slave)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setsid();
        int s = open(slave, O_RDWR); /* becomes the controlling tty */
        if (s < 0)
            _exit(126);
        dup2(s, 0);
        dup2(s, 1);
        dup2(s, 2);
        if (s > 2)
            close(s);
        execvp(argv[0], argv);
        _exit(127);
    }
    *master_out = master;
    return pid;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: hkhandler PROGRAM [ARGS...]\n");
        return 64;
    }
    signal(SIGPIPE, SIG_IGN);
    struct termios saved, raw;
    int have_tty = tcgetattr(console_in, &saved) == 0;
    if (have_tty) {
        raw = saved;
        cfmakeraw(&raw);
        tcsetattr(console_in, TCSANOW, &raw);
    }
    register_hotkeys();

    int master;
    pid_t child = spawn_on_pty(argv + 1, &master);
    if (child < 0) {
        say("E2E-HK-SPAWN-FAILED %s", strerror(errno));
        return 1;
    }
    struct hkf f;
    hkf_init(&f);
    int status = 0;
    for (;;) {
        struct pollfd p[2] = {{.fd = console_in, .events = POLLIN},
                              {.fd = master, .events = POLLIN}};
        int n = poll(p, 2, hkf_held(&f) ? HOLD_MS : -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (n == 0) { /* quiet for HOLD_MS: a lone ESC is not a sequence */
            uint8_t out[HKF_MAX_SEQ];
            write_all(master, out, hkf_flush(&f, out));
            continue;
        }
        uint8_t buf[CHUNK];
        if (p[1].revents) {
            ssize_t r = read(master, buf, sizeof(buf));
            if (r > 0)
                to_console(buf, (size_t)r);
            else if (r < 0 && errno == EINTR)
                continue;
            else
                break; /* EIO: PROGRAM and everything on its pty are gone */
        }
        if (p[0].revents) {
            ssize_t r = read(console_in, buf, sizeof(buf));
            if (r > 0)
                from_console(&f, master, buf, (size_t)r);
            else if (r == 0 || (errno != EINTR && errno != EAGAIN))
                break;
        }
    }
    close(master);
    if (waitpid(child, &status, 0) < 0)
        status = 0;
    if (have_tty)
        tcsetattr(console_in, TCSANOW, &saved);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
