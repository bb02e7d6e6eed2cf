// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * escape.c — see escape.h. The machine has two states (armed or not); the
 * only subtlety is the chunk boundary, handled by leaving `armed` set when
 * the escape character is the last byte of a chunk.
 */
#include "daemon/escape.h"

#include <string.h>

void escape_init(struct escape *e, int ch)
{
    e->ch = ch >= 0 && ch <= 255 ? ch : -1;
    e->armed = false;
}

enum escape_cmd escape_command_for(uint8_t key)
{
    switch (key) {
    case '.':
        return ESC_DETACH;
    case '?':
        return ESC_HELP;
    case 'r':
        return ESC_REPLAY;
    case 'w':
        return ESC_WHO;
    case 'f':
        return ESC_FORCE;
    case 'b':
        return ESC_BREAK;
    default:
        return ESC_KEY;
    }
}

const char *escape_cmd_name(enum escape_cmd cmd)
{
    switch (cmd) {
    case ESC_NONE:
        return "none";
    case ESC_DETACH:
        return "detach";
    case ESC_HELP:
        return "help";
    case ESC_REPLAY:
        return "replay";
    case ESC_WHO:
        return "who";
    case ESC_FORCE:
        return "force";
    case ESC_BREAK:
        return "break";
    case ESC_KEY:
        return "key";
    }
    return "?";
}

/* The key after the escape character: the escape character again is a
 * literal (the key byte itself is the byte to send, so the span can point
 * at it without copying). */
static void complete(struct escape *e, const uint8_t *key, struct escape_step *st)
{
    e->armed = false;
    if (*key == (uint8_t)e->ch) {
        st->pass = key;
        st->npass = 1;
        return;
    }
    st->cmd = escape_command_for(*key);
    st->key = *key;
}

size_t escape_next(struct escape *e, const uint8_t *in, size_t len, struct escape_step *st)
{
    st->pass = in;
    st->npass = 0;
    st->cmd = ESC_NONE;
    st->key = 0;
    if (len == 0)
        return 0;

    if (e->armed) {
        complete(e, in, st);
        return 1;
    }
    if (e->ch < 0) {
        st->npass = len;
        return len;
    }

    const uint8_t *esc = memchr(in, e->ch, len);
    if (!esc) {
        st->npass = len;
        return len;
    }
    size_t before = (size_t)(esc - in);
    st->npass = before;
    if (before + 1 == len) {
        /* Escape character ends the chunk: the key comes next time. */
        e->armed = true;
        return len;
    }
    const uint8_t *key = esc + 1;
    if (*key == (uint8_t)e->ch) {
        /* Literal: send the first escape byte, contiguous with the run. */
        st->npass = before + 1;
        return before + 2;
    }
    complete(e, key, st);
    return before + 2;
}
