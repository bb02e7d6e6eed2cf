/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * parse.h — strict parsers for values a guest writes into xenstore.
 *
 * Contract
 * - Input is hostile (a guest owns its own xenstore nodes): nothing but
 *   plain decimal digits is accepted, no sign, no spaces, no "0x", at most
 *   20 digits; the value must be <= max. Overflow is detected before it
 *   happens, for every max including 0.
 * - Returns 0 and sets *out, or -1 and leaves *out untouched.
 * - Pure: no allocation, no globals, no I/O (so it can be fuzzed alone).
 */
#ifndef XCMUX_DAEMON_PARSE_H
#define XCMUX_DAEMON_PARSE_H

#include <stdint.h>

int parse_u64(const char *s, uint64_t max, uint64_t *out);

#endif
