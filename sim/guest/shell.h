/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * shell.h — the simulated guest's tiny shell: a line editor with echo and
 * four commands (uptime, echo, hostname, and "not found" for the rest).
 *
 * Contract
 * - Pure: no I/O, no clock. Output goes to the sink given at init; the
 *   caller passes the current time and the boot time with every input.
 * - Typed printable bytes are echoed; backspace (0x08/0x7f) erases one
 *   byte ("\b \b"); Ctrl-C abandons the line ("^C"); CR or LF ends a line
 *   (LF right after CR is swallowed so CRLF is one Enter): "\r\n", the
 *   command's output, then the prompt "NAME:~# ".
 * - Lines are capped at SHELL_LINE_MAX-1 bytes; bytes beyond that are
 *   dropped with a BEL. Other control bytes are ignored.
 * - One input byte produces at most SHELL_MAX_OUTPUT_PER_BYTE output bytes,
 *   so a caller can bound how much input it accepts by its free space.
 */
#ifndef XENSIM_GUEST_SHELL_H
#define XENSIM_GUEST_SHELL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define SHELL_LINE_MAX            256u
#define SHELL_NAME_MAX            64u
#define SHELL_MAX_OUTPUT_PER_BYTE (2u * SHELL_LINE_MAX + 2u * SHELL_NAME_MAX + 32u)

typedef void (*shell_out_fn)(void *ctx, const char *buf, size_t len);

struct shell {
    char hostname[SHELL_NAME_MAX];
    char line[SHELL_LINE_MAX];
    size_t len;
    bool last_was_cr;
    shell_out_fn out;
    void *ctx;
    unsigned long commands;
};

void shell_init(struct shell *sh, const char *hostname, shell_out_fn out, void *ctx);
void shell_prompt(struct shell *sh);
void shell_input(struct shell *sh, const char *buf, size_t len, time_t now, time_t boot);

#endif
