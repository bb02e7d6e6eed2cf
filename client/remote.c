// SPDX-License-Identifier: GPL-2.0-or-later
/* remote.c - the ssh transport of `xcmux -H ssh://...` (remote.h). */
#include "config.h"
#include "client/remote.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SSH_ARGV_MAX   32
#define REMOTE_CMD_MAX 1024

static struct xc_remote remote;
static bool remote_on;
static const char *remote_socket;

static bool word_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == '-';
}

static bool all_word(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!word_char(s[i]))
            return false;
    return n > 0 && s[0] != '-';
}

int xc_remote_parse(const char *url, struct xc_remote *out)
{
    static const char scheme[] = "ssh://";
    memset(out, 0, sizeof(*out));
    if (strlen(url) > XC_REMOTE_URL_MAX || strncmp(url, scheme, sizeof(scheme) - 1))
        return -1;
    snprintf(out->url, sizeof(out->url), "%s", url);
    const char *p = url + sizeof(scheme) - 1;
    const char *at = strchr(p, '@');
    size_t dl = 0;
    if (at) {
        if (!all_word(p, (size_t)(at - p)))
            return -1;
        memcpy(out->dest, p, (size_t)(at - p) + 1);
        dl = (size_t)(at - p) + 1;
        p = at + 1;
    }
    const char *host_end;
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (!close || close == p + 1)
            return -1;
        for (const char *c = p + 1; c < close; c++)
            if (!(*c == ':' || (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') ||
                  (*c >= 'A' && *c <= 'F')))
                return -1;
        /* ssh wants the bare address; the brackets only delimit it. */
        memcpy(out->dest + dl, p + 1, (size_t)(close - p - 1));
        dl += (size_t)(close - p - 1);
        host_end = close + 1;
    } else {
        host_end = p + strcspn(p, ":/");
        if (!all_word(p, (size_t)(host_end - p)))
            return -1;
        memcpy(out->dest + dl, p, (size_t)(host_end - p));
        dl += (size_t)(host_end - p);
    }
    out->dest[dl] = '\0';
    p = host_end;
    if (*p == ':') {
        char *end;
        errno = 0;
        unsigned long port = strtoul(p + 1, &end, 10);
        if (errno || end == p + 1 || port < 1 || port > 65535 || (*end && strcmp(end, "/")))
            return -1;
        out->port = (unsigned)port;
    } else if (*p && strcmp(p, "/")) {
        return -1;
    }
    return 0;
}

void xc_remote_set(const struct xc_remote *r, const char *sock)
{
    remote_on = r != NULL;
    if (r)
        remote = *r;
    remote_socket = sock;
}

const struct xc_remote *xc_remote_get(void)
{
    return remote_on ? &remote : NULL;
}

/* 'text' with every ' as '\'' : one word for the remote shell. */
static bool shell_quote(char *out, size_t outlen, const char *text)
{
    size_t o = 0;
    if (o + 1 >= outlen)
        return false;
    out[o++] = '\'';
    for (const char *c = text; *c; c++) {
        const char *piece = *c == '\'' ? "'\\''" : NULL;
        size_t n = piece ? strlen(piece) : 1;
        if (o + n + 2 > outlen)
            return false;
        if (piece)
            memcpy(out + o, piece, n);
        else
            out[o] = *c;
        o += n;
    }
    out[o++] = '\'';
    out[o] = '\0';
    return true;
}

int xc_remote_spawn(pid_t *pid)
{
    static char ssh_words[REMOTE_CMD_MAX];
    char command[REMOTE_CMD_MAX], quoted[REMOTE_CMD_MAX / 2], port[12];
    char *argv[SSH_ARGV_MAX];
    int argc = 0;

    const char *ssh = getenv("XCMUX_SSH");
    snprintf(ssh_words, sizeof(ssh_words), "%s", ssh && *ssh ? ssh : "ssh");
    char *save = NULL;
    for (char *w = strtok_r(ssh_words, " \t", &save); w && argc < SSH_ARGV_MAX - 8;
         w = strtok_r(NULL, " \t", &save))
        argv[argc++] = w;
    if (argc == 0) {
        fprintf(stderr, "xcmux: XCMUX_SSH is empty\n");
        return -1;
    }
    argv[argc++] = "-T";
    if (remote.port) {
        snprintf(port, sizeof(port), "%u", remote.port);
        argv[argc++] = "-p";
        argv[argc++] = port;
    }
    argv[argc++] = "--";
    argv[argc++] = remote.dest;

    const char *rcmd = getenv("XCMUX_REMOTE_COMMAND");
    if (!rcmd || !*rcmd)
        rcmd = "xcmux";
    int n;
    if (remote_socket) {
        if (!shell_quote(quoted, sizeof(quoted), remote_socket)) {
            fprintf(stderr, "xcmux: socket path too long\n");
            return -1;
        }
        n = snprintf(command, sizeof(command), "%s --stdio-proxy -S %s", rcmd, quoted);
    } else {
        n = snprintf(command, sizeof(command), "%s --stdio-proxy", rcmd);
    }
    if (n < 0 || (size_t)n >= sizeof(command)) {
        fprintf(stderr, "xcmux: XCMUX_REMOTE_COMMAND too long\n");
        return -1;
    }
    argv[argc++] = command;
    argv[argc] = NULL;

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        fprintf(stderr, "xcmux: socketpair: %s\n", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, "xcmux: fork: %s\n", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (child == 0) {
        /* dup2 clears close-on-exec on the copies. */
        if (dup2(sv[1], STDIN_FILENO) < 0 || dup2(sv[1], STDOUT_FILENO) < 0)
            _exit(255);
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[0], argv);
        fprintf(stderr, "xcmux: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(255);
    }
    close(sv[1]);
    int fl = fcntl(sv[0], F_GETFL);
    if (fl < 0 || fcntl(sv[0], F_SETFL, fl | O_NONBLOCK) < 0) {
        close(sv[0]);
        xc_remote_finish(child);
        return -1;
    }
    *pid = child;
    return sv[0];
}

int xc_remote_finish(pid_t pid)
{
    int status;
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 200; i++) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (r < 0 && errno != EINTR)
            return -1;
        nanosleep(&tick, NULL);
    }
    kill(pid, SIGTERM);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return -1;
}
