// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xensim-guestd: `serve` hosts the simulated guests (host.c); `ctl ARGS...`
 * sends one request to a running host and prints its reply (ctlproto.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sim/guest/ctlproto.h"
#include "sim/guest/host.h"

static int usage(FILE *out)
{
    fputs("usage: xensim-guestd serve\n"
          "       xensim-guestd ctl create NAME [--echo] [--say TEXT]\n"
          "           [--flood BYTES_PER_S|max] [--every MS [--line TEXT]]\n"
          "           [--count N] [--secondary N [--ioemu N]] [--linux-sysrq] [--no-boot-text]\n"
          "           [--xencons-debug [--hotkeys-count N] [--hotkey-label-len N]\n"
          "           [--hotkey-junk N]\n"
          "            [--no-ack] [--ack-delay MS]]\n"
          "       xensim-guestd ctl destroy|reboot|crash|status NAME|ID\n"
          "       xensim-guestd ctl list\n"
          "Needs XENSIM_DIR (and XENSTORED_PATH for serve).\n",
          out);
    return out == stdout ? 0 : 2;
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Every reply line but the last goes to stdout as it arrives; the last is
 * the status ("OK" or "ERR message"). */
static int run_ctl(int argc, char **argv)
{
    const char *dir = getenv("XENSIM_DIR");
    if (!dir || !*dir) {
        fputs("xensim-guestd: XENSIM_DIR is not set\n", stderr);
        return 1;
    }
    char line[CTL_LINE_MAX + 1];
    int n = ctl_encode(argc, argv, line, sizeof(line) - 1);
    if (n < 0) {
        fputs("xensim-guestd: request too long\n", stderr);
        return 1;
    }
    line[n++] = '\n';
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/guestd.sock", dir) >=
        sizeof(sa.sun_path)) {
        fputs("xensim-guestd: XENSIM_DIR too long for a socket path\n", stderr);
        return 1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        fprintf(stderr, "xensim-guestd: %s: %s (is the guest host running?)\n", sa.sun_path,
                strerror(errno));
        return 1;
    }
    if (write_all(fd, line, (size_t)n) < 0) {
        fprintf(stderr, "xensim-guestd: send: %s\n", strerror(errno));
        close(fd);
        return 1;
    }
    shutdown(fd, SHUT_WR);
    char *held = NULL; /* the latest complete line, not yet printed */
    char partial[8192];
    size_t plen = 0;
    for (;;) {
        ssize_t r = read(fd, partial + plen, sizeof(partial) - plen);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        plen += (size_t)r;
        char *nl;
        while ((nl = memchr(partial, '\n', plen))) {
            size_t len = (size_t)(nl - partial);
            if (held) {
                fputs(held, stdout);
                fputc('\n', stdout);
                free(held);
            }
            held = strndup(partial, len);
            memmove(partial, nl + 1, plen - len - 1);
            plen -= len + 1;
        }
        if (plen == sizeof(partial)) { /* absurd line: not our server */
            free(held);
            held = NULL;
            break;
        }
    }
    close(fd);
    int rc = 1;
    if (held && !strcmp(held, "OK"))
        rc = 0;
    else if (held && !strncmp(held, "ERR ", 4))
        fprintf(stderr, "xensim-guestd: %s\n", held + 4);
    else
        fputs("xensim-guestd: no reply from the guest host\n", stderr);
    free(held);
    fflush(stdout);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (!strcmp(argv[1], "serve") && argc == 2)
        return host_serve();
    if (!strcmp(argv[1], "ctl") && argc >= 3)
        return run_ctl(argc - 2, argv + 2);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
        return usage(stdout);
    return usage(stderr);
}
