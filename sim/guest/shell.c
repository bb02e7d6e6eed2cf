// SPDX-License-Identifier: GPL-2.0-or-later
/* The simulated guest's shell; see shell.h for the contract. */
#include "sim/guest/shell.h"

#include <stdio.h>
#include <string.h>

static void emit(struct shell *sh, const char *s, size_t n)
{
    if (n)
        sh->out(sh->ctx, s, n);
}

static void emits(struct shell *sh, const char *s)
{
    emit(sh, s, strlen(s));
}

void shell_init(struct shell *sh, const char *hostname, shell_out_fn out, void *ctx)
{
    memset(sh, 0, sizeof(*sh));
    snprintf(sh->hostname, sizeof(sh->hostname), "%s", hostname);
    sh->out = out;
    sh->ctx = ctx;
}

void shell_prompt(struct shell *sh)
{
    emits(sh, sh->hostname);
    emits(sh, ":~# ");
}

static void run_uptime(struct shell *sh, time_t now, time_t boot)
{
    char buf[128];
    long up = now > boot ? (long)(now - boot) : 0;
    struct tm tm;
    gmtime_r(&now, &tm);
    int n = snprintf(buf, sizeof(buf),
                     " %02d:%02d:%02d up %ld:%02ld:%02ld,  1 user,  "
                     "load average: 0.00, 0.00, 0.00\r\n",
                     tm.tm_hour, tm.tm_min, tm.tm_sec, up / 3600, (up / 60) % 60, up % 60);
    emit(sh, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void run_line(struct shell *sh, time_t now, time_t boot)
{
    char *line = sh->line;
    line[sh->len] = '\0';
    while (*line == ' ' || *line == '\t')
        line++;
    size_t n = strlen(line);
    while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
        line[--n] = '\0';
    size_t cmdlen = strcspn(line, " \t");
    if (n == 0) {
        /* an empty line just gives a new prompt */
    } else if (cmdlen == 6 && !strncmp(line, "uptime", 6)) {
        run_uptime(sh, now, boot);
    } else if (cmdlen == 8 && !strncmp(line, "hostname", 8)) {
        emits(sh, sh->hostname);
        emits(sh, "\r\n");
    } else if (cmdlen == 4 && !strncmp(line, "echo", 4)) {
        const char *args = line + 4;
        args += strspn(args, " \t");
        emits(sh, args);
        emits(sh, "\r\n");
    } else {
        emits(sh, "sh: ");
        emit(sh, line, cmdlen);
        emits(sh, ": not found\r\n");
    }
    if (n)
        sh->commands++;
    sh->len = 0;
}

void shell_input(struct shell *sh, const char *buf, size_t len, time_t now, time_t boot)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)buf[i];
        bool after_cr = sh->last_was_cr;
        sh->last_was_cr = ch == '\r';
        if (ch == '\n' && after_cr)
            continue;
        if (ch == '\r' || ch == '\n') {
            emits(sh, "\r\n");
            run_line(sh, now, boot);
            shell_prompt(sh);
        } else if (ch == 0x7f || ch == 0x08) {
            if (sh->len) {
                sh->len--;
                emits(sh, "\b \b");
            }
        } else if (ch == 0x03) {
            emits(sh, "^C\r\n");
            sh->len = 0;
            shell_prompt(sh);
        } else if (ch < 0x20 && ch != '\t') {
            /* other control bytes (and ESC sequences' ESC) are ignored */
        } else if (sh->len + 1 >= SHELL_LINE_MAX) {
            emits(sh, "\a");
        } else {
            sh->line[sh->len++] = (char)ch;
            emit(sh, (const char *)&buf[i], 1);
        }
    }
}
