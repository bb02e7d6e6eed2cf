/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * text.h - string helpers for the client: argument parsing and making
 * daemon-supplied text safe to print.
 *
 * Contract: every function is pure (no I/O, no globals) and bounded by its
 * arguments.  Text coming from the daemon is treated as hostile: it is only
 * ever printed through xc_sanitize() (terminal) or xc_json_string() (JSON),
 * so it cannot inject terminal escape sequences or break JSON syntax.
 */
#ifndef XCMUX_CLIENT_TEXT_H
#define XCMUX_CLIENT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Parses the -e argument by the daemon's rule (common/rules.h): "none",
 * "^X" caret notation (^A .. ^_, ^?), or one printable ASCII character.
 * Sets *escape to 1..127 or XP_ESCAPE_NONE. */
bool xc_parse_escape(const char *arg, uint16_t *escape);

/* Decimal unsigned integer of 1..20 digits, no sign, no trailing junk,
 * <= max (common/rules.h). */
bool xc_parse_uint(const char *arg, uint64_t max, uint64_t *out);

/* --serial's optional argument: serial port N (ARG NULL: 0) as its
 * console index (XP_CONSOLE_SERIAL_BASE + N, N < XP_CONSOLE_SERIAL_MAX). */
bool xc_parse_serial(const char *arg, uint32_t *console);

/* How a console index is shown: "3", or "serial0" for a serial port. */
void xc_console_name(uint32_t console, char *buf, size_t len);

/* Copies src into dst (size dstsz, always terminated) replacing control
 * characters, DEL and invalid UTF-8 with '?'.  When newline is non-NULL,
 * '\n' is kept and written as that string (e.g. "\r\n" in raw mode). */
void xc_sanitize(char *dst, size_t dstsz, const char *src, const char *newline);

/* Writes src as a JSON string literal (quotes included): escapes '"', '\\'
 * and control characters, and replaces invalid UTF-8 with U+FFFD so the
 * output is always valid JSON. */
void xc_json_string(FILE *out, const char *src);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
size_t xc_utf8_len(const unsigned char *s, size_t avail);

#endif /* XCMUX_CLIENT_TEXT_H */
