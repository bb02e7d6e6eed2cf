/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * term.h - terminal and descriptor state of an interactive session.
 *
 * Contract: term_raw() puts the terminal on fd into raw mode after saving
 * its settings; term_nonblock() makes a descriptor non-blocking after
 * saving its flags.  term_restore() puts back everything saved; it is
 * idempotent and async-signal-safe (only tcsetattr/fcntl), registered with
 * atexit() on first use and called from the handler of SIGINT, SIGTERM and
 * SIGHUP, so no exit path can leave the terminal raw.  The handler also
 * records the signal (term_caught_signal()) and writes a byte to a
 * self-pipe (term_signal_fd()) so a poll() loop wakes up and can finish
 * cleanly: write out what it received, then exit.
 */
#ifndef XCMUX_CLIENT_TERM_H
#define XCMUX_CLIENT_TERM_H

#include <stdbool.h>

/* 0 on success (or when fd is not a terminal: *raw_on = false). */
int term_raw(int fd, bool *raw_on);
int term_nonblock(int fd);
void term_restore(void);
bool term_is_raw(void);

/* Installs the handlers; returns the read end of the self-pipe or -1. */
int term_catch_signals(void);
int term_signal_fd(void);
int term_caught_signal(void); /* 0 if none */

#endif /* XCMUX_CLIENT_TERM_H */
