/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctlproto.h — the request line of xensim-guestd's control socket and the
 * parsing of its arguments into a guest specification.
 *
 * Contract
 * - A request is one line of at most CTL_LINE_MAX bytes including the
 *   newline: the argv words separated by single spaces, each word
 *   percent-encoded (every byte <= 0x20, 0x7f and '%' as %XX; an empty word
 *   is a lone "%"). So any argv survives the trip, and the line is still
 *   typable with socat.
 * - The reply is zero or more result lines followed by "OK" or
 *   "ERR <message>" on a line of its own; then the server closes.
 * - Everything here is pure and validates every byte: a malformed line or
 *   argument yields -1 and a message, never undefined behaviour.
 */
#ifndef XENSIM_GUEST_CTLPROTO_H
#define XENSIM_GUEST_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_LINE_MAX 4096u
#define CTL_MAX_ARGS 64u
/* Names leave room for "-NNNN" (--count) and "-conNN" within HV_NAME_MAX. */
#define GUEST_NAME_MAX             48u
#define GUEST_TEXT_MAX             1024u
#define GUEST_MAX_SECONDARY        14u /* grant refs 2..15 */
#define GUEST_MAX_COUNT            4096u
#define GUEST_MAX_EVERY_MS         3600000u
#define GUEST_MAX_FLOOD_RATE       1000000000ull
#define GUEST_MAX_HOTKEYS          100000u
#define GUEST_MAX_HOTKEY_JUNK      1000u
#define GUEST_HOTKEY_JUNK_NAME_LEN 40u
#define GUEST_MAX_LABEL_LEN        4000u
#define GUEST_MAX_ACK_DELAY_MS     600000u

struct guest_spec {
    char name[GUEST_NAME_MAX + 1];
    bool echo;
    bool no_boot_text;
    bool linux_sysrq;
    bool has_say;
    char say[GUEST_TEXT_MAX];
    size_t say_len;
    bool flood;
    bool flood_max;
    uint64_t flood_rate; /* bytes per second when !flood_max */
    unsigned every_ms;   /* 0: no periodic line */
    bool has_line;
    char line[GUEST_TEXT_MAX];
    size_t line_len;
    unsigned count; /* 0: a single guest named exactly NAME */
    unsigned secondary;
    /* The last IOEMU of the secondary consoles are QEMU's (libxl's
     * frontend type "ioemu", as for an xl channel): no backend here
     * serves them. */
    unsigned ioemu;
    /* An emulated serial port as QEMU's `-serial pty` exports it (a pty,
     * its path in serial/0/tty), echoing like the PV console. */
    bool serial;
    /* Hotkey agent (protocol/HOTKEYS.md); the options below need it. */
    bool xencons_debug; /* implies echo */
    bool has_hotkeys_count;
    unsigned hotkeys_count;    /* registry entries, 0..GUEST_MAX_HOTKEYS */
    unsigned hotkey_label_len; /* 0: natural labels */
    unsigned hotkey_junk;      /* extra entries with long invalid names */
    bool no_ack;
    unsigned ack_delay_ms;
};

/* Encode ARGV into LINE (NUL-terminated, no newline). Returns the length,
 * or -1 when it would not fit in SIZE or CTL_LINE_MAX - 1. */
int ctl_encode(int argc, char *const *argv, char *line, size_t size);
/* Split LINE (no newline) into words and decode them in place. Returns the
 * word count, or -1 (bad escape, NUL byte, too many words). */
int ctl_split(char *line, char **argv, unsigned max);

/* Names: 1..GUEST_NAME_MAX of [A-Za-z0-9._-], starting with a letter or
 * digit, not all digits (a number means a domid). */
bool ctl_valid_name(const char *name);
/* NAME|ID: returns 1 and sets *DOMID for a decimal id, 0 for a valid name,
 * -1 otherwise. */
int ctl_parse_target(const char *s, uint32_t *domid);

/* Decode C-style escapes (\n \r \t \e \\ \xHH) of IN into OUT; returns 0
 * and sets *OUTLEN, or -1 when malformed or too long. */
int ctl_unescape(const char *in, char *out, size_t outsize, size_t *outlen);

/* Parse `NAME [options...]` of create (ARGV[0] is NAME). */
int ctl_parse_create(int argc, char *const *argv, struct guest_spec *spec, char *err,
                     size_t errlen);
/* "echo,flood=max,..." or "-" into BUF. */
void ctl_describe(const struct guest_spec *spec, char *buf, size_t size);

#endif
