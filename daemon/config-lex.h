/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config-lex.h — the value lexers of xcmuxd.conf(5): booleans, sizes,
 * counts, octal modes, ids, keywords, rates and durations.
 *
 * Contract
 * - Pure: no I/O, no globals, no allocation. Each lexer reads the whole
 *   string (nothing may trail) and returns 0 with the value in *out, or -1
 *   with *out untouched. Error messages are the caller's (config-keys.c),
 *   which knows the key.
 * - Numbers are plain digits (common/rules.h), no sign, no spaces; a
 *   value too large for 64 bits is a -1 like any other bad value (callers
 *   that report "out of range" tell the two apart with
 *   lex_size_syntax()).
 * - Keywords and booleans are case-insensitive.
 */
#ifndef XCMUX_DAEMON_CONFIG_LEX_H
#define XCMUX_DAEMON_CONFIG_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* on|yes|true|1 or off|no|false|0. */
int lex_bool(const char *s, bool *out);

/* Digits with at most one k/M/G suffix (when SUFFIX): the syntax of a
 * size or count, whatever its value. */
bool lex_size_syntax(const char *s, bool suffix);

/* Decimal digits, nothing else, any 64-bit value. */
int lex_count(const char *s, uint64_t *out);

/* A numeric uid or gid: decimal, below (uint32_t)-1. */
int lex_id(const char *s, uint64_t *out);

/* Octal digits, at most 0777. */
int lex_mode(const char *s, uint64_t *out);

/* One of a few words (case-insensitive). */
struct lex_keyword {
    const char *word;
    int value;
};
int lex_keyword(const char *s, const struct lex_keyword *words, size_t nwords, int *out);
/* "a, b or c": the words, for an error message. */
void lex_keyword_list(const struct lex_keyword *words, size_t nwords, char *buf, size_t len);

/* "N/SECONDS" with N in 1..nmax and SECONDS in 1..smax, or "off" (0/0). */
int lex_rate(const char *s, unsigned nmax, unsigned smax, unsigned *n, unsigned *sec);

/* "5", "5s" or "500ms", as milliseconds in min_ms..max_ms. */
int lex_duration_ms(const char *s, unsigned min_ms, unsigned max_ms, unsigned *out);

/* config_parse_size() and config_parse_escape() (config.h) live here too. */

#endif /* XCMUX_DAEMON_CONFIG_LEX_H */
