/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * args.h - argument parsing shared by the request/reply subcommands
 * (list, who, log, hotkeys, trigger).
 *
 * Contract: xc_parse_args() accepts only the options named in `allowed`
 * and exactly `npos` positional arguments; the first positional is the
 * DOMAIN and is checked against XP_MAX_DOMAIN_NAME.  It returns
 * XC_ARGS_OK, XC_ARGS_HELP (help was printed: exit 0), or an XC_EXIT_USAGE
 * code after printing the problem.
 */
#ifndef XCMUX_CLIENT_ARGS_H
#define XCMUX_CLIENT_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#define XC_OPT_CONSOLE 0x1u /* --console N, --serial[=N] */
#define XC_OPT_JSON    0x2u /* --json */
#define XC_OPT_BYTES   0x4u /* --bytes N */

#define XC_ARGS_OK   0
#define XC_ARGS_HELP (-1)

struct xc_args {
    uint32_t console;
    uint32_t bytes; /* XP_LOG_ALL unless --bytes */
    bool json;
    const char *pos[2];
};

int xc_parse_args(const char *sub, int argc, char **argv, unsigned allowed, int npos,
                  struct xc_args *out);

#endif /* XCMUX_CLIENT_ARGS_H */
