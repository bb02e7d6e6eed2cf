/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * escape.h — the per-session escape-key state machine.
 *
 * Contract
 * - Pure and allocation-free: no I/O, no globals, no libevent. The whole
 *   state is struct escape, so it can be fuzzed and unit-tested alone.
 * - The client sends every typed byte; this machine splits the stream into
 *   bytes for the guest and commands. A command is the escape character
 *   followed by one key. Chunk boundaries may fall anywhere: an escape
 *   character that ends one chunk is remembered (`armed`) and the key that
 *   starts the next chunk completes the command.
 * - Keys: '.' detach, '?' help, 'r' replay, 'w' who, 'f' force, 'b' break;
 *   the escape character again sends one escape character to the guest;
 *   any other key is ESC_KEY (a hotkey, or "unknown" for the caller).
 * - With no escape character (ch < 0) every byte passes through.
 * - escape_next() never returns 0 for a non-empty chunk, so a loop over a
 *   chunk always terminates; pass-through bytes are a span of the input
 *   (never copied), valid as long as the input is.
 */
#ifndef XCMUX_DAEMON_ESCAPE_H
#define XCMUX_DAEMON_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum escape_cmd {
    ESC_NONE = 0, /* step carries pass-through bytes only */
    ESC_DETACH,
    ESC_HELP,
    ESC_REPLAY,
    ESC_WHO,
    ESC_FORCE,
    ESC_BREAK,
    ESC_KEY, /* any other key: see escape_step.key */
};

struct escape {
    int ch;     /* escape character 0..255, or -1 for none */
    bool armed; /* the escape character was the last byte seen */
};

/* One step of escape_next(): first deliver pass[0..npass) to the guest,
 * then act on cmd (if not ESC_NONE). */
struct escape_step {
    const uint8_t *pass;
    size_t npass;
    enum escape_cmd cmd;
    uint8_t key; /* the key typed after the escape character */
};

/* ch: 0..255, or any negative value for "no escape character". */
void escape_init(struct escape *e, int ch);

/*
 * Consume a prefix of in[0..len) and describe it in *st. Returns the bytes
 * consumed: >= 1 when len > 0, 0 only when len == 0. Call repeatedly until
 * the chunk is consumed (or a command ends the session).
 */
size_t escape_next(struct escape *e, const uint8_t *in, size_t len, struct escape_step *st);

/* The command a key selects (escape character itself excluded). */
enum escape_cmd escape_command_for(uint8_t key);

/* "detach", "help", ... for logs and tests. */
const char *escape_cmd_name(enum escape_cmd cmd);

#endif
