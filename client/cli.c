// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cli.c - xcmux's global options, subcommand dispatch and help texts.
 * The help texts are the short form of man/xcmux.1; keep them in step.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "client/client.h"
#include "client/conn.h"
#include "client/remote.h"
#include "protocol/xcmux-proto.h"

struct subcommand {
    const char *name;
    int (*run)(const struct xc_global *g, int argc, char **argv);
    const char *usage;
    const char *help;
};

static const struct subcommand subcommands[] = {
    {"list", cmd_list, "list [--json]",
     "List every console the daemon serves.\n"
     "  --json        print a JSON array instead of a table\n"},
    {"console", cmd_console,
     "console [-r|--read-only] [-f|--force] [-e CHAR] [--replay N]\n"
     "                [--console N | --serial[=N]] [--linger MS] [--follow] DOMAIN",
     "Attach to a guest console (DOMAIN is a name or a numeric id).\n"
     "  -r, --read-only   watch only, never take the write seat\n"
     "  -f, --force       take the write seat from the current writer\n"
     "  -e, --escape CHAR escape character: ^X, one character, or none\n"
     "                    (default ^]); escape then '.' detaches\n"
     "  --replay N        replay the last N bytes (default: daemon's)\n"
     "  --console N       secondary console N (default 0, the primary)\n"
     "  --serial[=N]      the HVM guest's emulated serial port N (default 0),\n"
     "                    when xcmuxd serves it (xcmuxd.conf: serial = on)\n"
     "  --follow          stay attached when the guest reboots (same name,\n"
     "                    new domid)\n"
     "  --linger MS       without a terminal, wait MS after end of input\n"
     "                    before detaching (default 500, env XCMUX_LINGER_MS)\n"},
    {"who", cmd_who, "who [--console N | --serial[=N]] DOMAIN",
     "List the sessions attached to a console.\n"},
    {"log", cmd_log, "log [--console N | --serial[=N]] [--bytes N] DOMAIN",
     "Print the console's replay buffer and exit.\n"
     "  --bytes N     only the newest N bytes\n"},
    {"hotkeys", cmd_hotkeys, "hotkeys [--console N] DOMAIN",
     "List the hotkeys registered for a console.\n"},
    {"trigger", cmd_trigger, "trigger [--console N] DOMAIN KEY",
     "Fire hotkey KEY (one character) without attaching.\n"},
};
#define N_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static const char exit_codes_help[] =
    "Exit status: 0 ok, 1 failure, 2 not supported by this daemon,\n"
    "3 daemon not reachable, 4 unknown domain or console, 5 permission\n"
    "denied, 6 daemon shut down or connection lost, 7 protocol mismatch,\n"
    "8 hotkey fired but not acknowledged, 9 unknown hotkey, 64 usage\n"
    "error, 128+N console ended by signal N.  See xcmux(1).\n";

bool xc_print_help(const char *name)
{
    if (!name) {
        printf("Usage: xcmux [-H ssh://[USER@]HOST[:PORT]] [-S SOCKET] COMMAND [ARGS]\n"
               "       xcmux --version | --help | help COMMAND\n\n"
               "Client of xcmuxd, the Xen console multiplexer.\n\n"
               "Options:\n"
               "  -H, --host ssh://[USER@]HOST[:PORT]\n"
               "                       reach xcmuxd on HOST through ssh (or\n"
               "                       $XCMUX_HOST); -S is then HOST's socket\n"
               "  -S, --socket SOCKET  daemon socket (default %s,\n"
               "                       or $XCMUX_SOCKET)\n"
               "  -h, --help           this help\n"
               "  -V, --version        print the version\n\n"
               "Commands:\n",
               XC_DEFAULT_SOCKET);
        for (size_t i = 0; i < N_SUBCOMMANDS; i++)
            printf("  xcmux %s\n", subcommands[i].usage);
        printf("\n%s", exit_codes_help);
        return true;
    }
    for (size_t i = 0; i < N_SUBCOMMANDS; i++) {
        if (strcmp(subcommands[i].name, name))
            continue;
        printf("Usage: xcmux [-S SOCKET] %s\n\n%s\n%s", subcommands[i].usage, subcommands[i].help,
               exit_codes_help);
        return true;
    }
    return false;
}

int xc_usage_error(const char *subcommand, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "xcmux: %s%s", subcommand ? subcommand : "", subcommand ? ": " : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'xcmux help%s%s'.\n", subcommand ? " " : "",
            subcommand ? subcommand : "");
    return XC_EXIT_USAGE;
}

static const struct option global_opts[] = {
    {"host", required_argument, NULL, 'H'},
    {"socket", required_argument, NULL, 'S'},
    /* Hidden: the remote end of -H, run by ssh on the daemon's host. */
    {"stdio-proxy", no_argument, NULL, 'P'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

int xcmux_main(int argc, char **argv)
{
    struct xc_global g = {NULL};
    const char *host = getenv("XCMUX_HOST");
    bool proxy = false;
    int c;

    /* Writes to a vanished reader must be errors we handle, not death. */
    signal(SIGPIPE, SIG_IGN);

    optind = 0;
    while ((c = getopt_long(argc, argv, "+H:S:hV", global_opts, NULL)) != -1) {
        switch (c) {
        case 'H':
            host = optarg;
            break;
        case 'P':
            proxy = true;
            break;
        case 'S':
            g.socket_path = optarg;
            break;
        case 'h':
            xc_print_help(NULL);
            return XC_EXIT_OK;
        case 'V':
            printf("xcmux %s (protocol %u)\n", PACKAGE_VERSION, XP_PROTOCOL_VERSION);
            return XC_EXIT_OK;
        default:
            return xc_usage_error(NULL, "unknown option");
        }
    }
    if (proxy) {
        if (optind < argc)
            return xc_usage_error(NULL, "--stdio-proxy takes no COMMAND");
        return xc_stdio_proxy(xc_socket_path(g.socket_path));
    }
    static struct xc_remote remote;
    if (host && *host) {
        if (xc_remote_parse(host, &remote) < 0)
            return xc_usage_error(NULL,
                                  "bad host '%s' (expected "
                                  "ssh://[USER@]HOST[:PORT])",
                                  host);
        /* Only an explicit -S names the remote socket: a local
         * $XCMUX_SOCKET says nothing about the other host. */
        xc_remote_set(&remote, g.socket_path);
    }
    if (optind >= argc)
        return xc_usage_error(NULL, "missing COMMAND");

    const char *name = argv[optind];
    if (!strcmp(name, "help")) {
        if (optind + 1 >= argc) {
            xc_print_help(NULL);
            return XC_EXIT_OK;
        }
        if (!xc_print_help(argv[optind + 1]))
            return xc_usage_error(NULL, "unknown command '%s'", argv[optind + 1]);
        return XC_EXIT_OK;
    }
    for (size_t i = 0; i < N_SUBCOMMANDS; i++)
        if (!strcmp(subcommands[i].name, name))
            return subcommands[i].run(&g, argc - optind, argv + optind);
    return xc_usage_error(NULL, "unknown command '%s'", name);
}
