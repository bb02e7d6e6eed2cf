/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * journal.h — console lines to the systemd journal, without ever blocking.
 *
 * Contract
 * - One process-wide AF_UNIX datagram socket, non-blocking, connected to
 *   $XCMUX_JOURNAL_SOCKET or /run/systemd/journal/socket. Messages use
 *   journald's native protocol (KEY=VALUE lines; the binary length form
 *   for any value holding a newline), written here, not by libsystemd:
 *   sd_journal_send() blocks when journald is slow, and the daemon must
 *   not.
 * - Each message carries MESSAGE, PRIORITY, SYSLOG_IDENTIFIER=xcmuxd,
 *   XCMUX_GUEST, XCMUX_DOMID, XCMUX_CONSOLE and XCMUX_STREAM (output for
 *   guest text, event for daemon events such as attach and drops).
 * - Output is line-buffered per console: one message per guest line
 *   ("\n" ends it, "\r" is dropped), a line longer than JOURNAL_LINE_MAX
 *   is cut into several messages. With sanitize, control characters other
 *   than TAB become caret notation (^[ for ESC), so a guest cannot forge
 *   terminal sequences in *   journalctl. A partial line is sent by journal_flush() and on free.
 * - A message the socket does not take at once (queue full, journald
 *   down or absent) is dropped and counted, never retried or queued. When
 *   a send succeeds again after drops, the count is handed out once by
 *   journal_take_drop_report() (the caller logs it) and also sent to the
 *   journal as an event. A missing socket is retried at most once a
 *   second, so a host without journald costs one failed connect a second.
 * - Single-threaded, like the rest of the daemon.
 */
#ifndef XCMUX_DAEMON_JOURNAL_H
#define XCMUX_DAEMON_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JOURNAL_LINE_MAX       2048
#define JOURNAL_DEFAULT_SOCKET "/run/systemd/journal/socket"

struct journal;

/* A journal stream for console INDEX of guest NAME (domid DOMID). NULL
 * only when out of memory; an unreachable journal is not an error. */
struct journal *journal_new(const char *name, uint32_t domid, unsigned index, bool sanitize,
                            uint64_t now_ms);
/* Sends any partial line, then frees. NULL is ignored. */
void journal_free(struct journal *j);

/* The guest wrote LEN bytes of output. */
void journal_write(struct journal *j, const void *data, size_t len, uint64_t now_ms);
/* A daemon event about this console (one message, XCMUX_STREAM=event). */
void journal_event(struct journal *j, uint64_t now_ms, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Send the partial line now (e.g. a prompt). */
void journal_flush(struct journal *j, uint64_t now_ms);

/* Lines dropped since the last report, once sends work again; 0 when
 * there is nothing to report. Resets the pending report. */
uint64_t journal_take_drop_report(struct journal *j);
/* Lines dropped over this stream's life. */
uint64_t journal_dropped(const struct journal *j);
/* Messages sent over this stream's life. */
uint64_t journal_sent(const struct journal *j);

/* Close the shared socket (tests, shutdown); the next send reconnects. */
void journal_close_socket(void);

#endif
