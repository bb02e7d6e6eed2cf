/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rules.h — the rules users see, written once for xcmuxd, xcmux and xensim.
 *
 * Contract
 * - Pure: no allocation, no globals, no I/O; every function is bounded by
 *   its arguments, so daemon, client and simulator (and their fuzzers)
 *   link it alone (common/libxcmuxcommon.a).
 * - Escape character (xcmuxd.conf(5) "escape", xcmux(1) -e): "none" (any
 *   case), "^X" caret notation for ^A..^_ (letters in either case) and ^?
 *   for DEL, or one printable ASCII character (isgraph: no space, no
 *   control byte, no byte >= 0x80). ^@ (NUL) is refused: too easy to type
 *   by accident.
 * - Unsigned numbers: plain decimal digits only (no sign, space or "0x").
 *   Overflow is detected before it happens, for every max including 0.
 * - Caret notation of a control byte (< 0x20, or DEL) is '^' followed by
 *   the byte XOR 0x40 ("^[" for ESC, "^?" for DEL): how logs show them.
 * - Key display: how a user types a key ("^]", "~", "0xe9", "none").
 */
#ifndef XCMUX_COMMON_RULES_H
#define XCMUX_COMMON_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

/* Escape character value meaning "no escape character". */
#define XR_ESCAPE_NONE (-1)

/* Parses an escape character as above: 0 and *out = 1..127 or
 * XR_ESCAPE_NONE, or -1 with *out untouched. */
int xr_parse_escape(const char *s, int *out);

/* Lexes the digits at *s in BASE (2..10; a decimal digit not below BASE is
 * an error, not the end): at least one digit, value <= MAX. On success *s
 * points past the digits and *out holds the value; on -1 both are
 * untouched. */
int xr_lex_u64(const char **s, unsigned base, uint64_t max, uint64_t *out);

/* A whole decimal string of 1..20 digits with value <= MAX: 0, or -1 with
 * *out untouched. */
int xr_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* Is CH a control byte or DEL (what logs show in caret notation and the
 * client never prints raw)? */
static inline bool xr_is_control(unsigned char ch)
{
    return ch < 0x20 || ch == 0x7f;
}

/* Writes the caret notation of control byte CH into OUT[0..1]. */
static inline void xr_caret(unsigned char ch, char out[2])
{
    out[0] = '^';
    out[1] = (char)(ch ^ 0x40);
}

/* How a user types key CH (-1 or any negative: "none"): "^X" for control
 * bytes and DEL, the character itself when printable ASCII (space
 * included), "0xHH" above. Returns OUT (always terminated). */
#define XR_KEY_NAME_MAX 8
const char *xr_key_name(int ch, char out[XR_KEY_NAME_MAX]);

/* MS milliseconds as a struct timeval (for evtimer_add and friends). */
static inline struct timeval xr_ms_to_timeval(uint64_t ms)
{
    struct timeval tv = {
        .tv_sec = (time_t)(ms / 1000),
        .tv_usec = (suseconds_t)(ms % 1000) * 1000,
    };
    return tv;
}

#endif /* XCMUX_COMMON_RULES_H */
