/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * client.h - shared declarations of the xcmux command-line client.
 *
 * Contract: xcmux_main() is the whole program (main.c only calls it, so
 * tests can run it in a forked child with redirected descriptors).  Each
 * subcommand is a function taking the already-parsed global options and
 * its own argv (argv[0] = subcommand name); it returns an XC_EXIT_* code
 * and has printed any error to stderr as "xcmux: ...".  The exit codes are
 * a documented interface (man/xcmux.1): never renumber them.
 */
#ifndef XCMUX_CLIENT_H
#define XCMUX_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#define XC_DEFAULT_SOCKET    "/run/xcmux/xcmux.sock"
#define XC_DEFAULT_LINGER_MS 500

enum xc_exit {
    XC_EXIT_OK = 0,
    XC_EXIT_FAIL = 1,           /* I/O error, daemon-side failure */
    XC_EXIT_UNSUPPORTED = 2,    /* the daemon does not serve this request */
    XC_EXIT_NO_DAEMON = 3,      /* cannot connect to the socket */
    XC_EXIT_UNKNOWN_DOMAIN = 4, /* unknown domain or console */
    XC_EXIT_PERMISSION = 5,     /* permission denied */
    XC_EXIT_LOST = 6,           /* daemon shut down or connection lost */
    XC_EXIT_PROTOCOL = 7,       /* version mismatch or malformed reply */
    XC_EXIT_NO_ACK = 8,         /* trigger fired, guest did not acknowledge */
    XC_EXIT_UNKNOWN_KEY = 9,    /* trigger: no such hotkey */
    XC_EXIT_USAGE = 64,         /* bad command line (EX_USAGE) */
    XC_EXIT_SIGNAL_BASE = 128,  /* + signal number: console ended by a signal */
};

struct xc_global {
    const char *socket_path;
};

int xcmux_main(int argc, char **argv);

/* When >= 0, `console` writes one 0x00 byte to this descriptor and closes
 * it once the daemon has granted the attach: xenconsole's
 * --start-notify-fd contract, used by `xl create -c` (client/xenconsole.c). */
extern int xc_console_notify_fd;

int cmd_list(const struct xc_global *g, int argc, char **argv);
int cmd_console(const struct xc_global *g, int argc, char **argv);
int cmd_who(const struct xc_global *g, int argc, char **argv);
int cmd_log(const struct xc_global *g, int argc, char **argv);
int cmd_hotkeys(const struct xc_global *g, int argc, char **argv);
int cmd_trigger(const struct xc_global *g, int argc, char **argv);

/* Prints the usage of one subcommand (or of the program for NULL) to
 * stdout; returns false for an unknown subcommand. */
bool xc_print_help(const char *subcommand);
/* "xcmux: <subcommand>: <msg>. Try 'xcmux help <subcommand>'." -> USAGE */
int xc_usage_error(const char *subcommand, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* XCMUX_CLIENT_H */
