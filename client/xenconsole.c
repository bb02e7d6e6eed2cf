// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xenconsole.c - an xenconsole-compatible front end for xcmuxd.
 *
 * `xl console` and `xl create -c` exec Xen's private helper
 * $XEN_BINDIR/xenconsole as
 *     xenconsole DOMID --num N --type pv|serial|vuart [--start-notify-fd FD]
 * The Debian package diverts that helper and puts this program in its
 * place, so `xl console` becomes an xcmux client: any number of admins can
 * attach to one guest (xenconsole's flock made it single-client), with
 * replay and the daemon's escape commands.
 *
 * Contract:
 *  - --type pv (the default): attach through xcmuxd to console N of DOMID
 *    (`xcmux console --console N DOMID`, read-write); the console must
 *    appear within WAIT_MS (a guest `xl create -c` just made may not be
 *    attached yet; XCMUX_XENCONSOLE_WAIT_MS overrides), else exit 4 as
 *    xcmux does for an unknown domain.
 *  - --type serial (what `xl console` uses for an HVM guest by default):
 *    when xcmuxd serves serial port N of DOMID (xcmuxd.conf: serial = on;
 *    listed and running), attach to it through xcmuxd (`xcmux console
 *    --serial=N DOMID`): the pty has one byte stream, so opening it
 *    beside xcmuxd would steal bytes. Otherwise (off, not listed, daemon
 *    unreachable), as before: exec Xen's own xenconsole (the diverted
 *    original, XCMUX_XENCONSOLE_REAL overrides the path) with the
 *    arguments unchanged. --type vuart (Xen's) always goes there.
 *  - --start-notify-fd FD: one 0x00 byte is written to FD, which is then
 *    closed, once the daemon has granted the attach (as xenconsole does
 *    once it has the pty).
 *  - Bad arguments: a message naming the argument, exit 64 (EX_USAGE).
 *  The socket is xcmux's ($XCMUX_SOCKET or /run/xcmux/xcmux.sock).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/client.h"
#include "client/conn.h"
#include "client/text.h"

#ifndef XENCONSOLE_REAL
#define XENCONSOLE_REAL "/usr/lib/xen-4.17/bin/xenconsole.distrib"
#endif
#define WAIT_MS  10000
#define POLL_MS  100
#define MAX_ARGS 16

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "Usage: %s [OPTION] DOMID\n"
            "Attaches to a virtual domain console through xcmuxd\n\n"
            "  -h, --help       display this help and exit\n"
            "  -n, --num N      use console number N\n"
            "  --type TYPE      console type. must be 'pv', 'serial' or 'vuart'\n"
            "  --start-notify-fd N file descriptor used to notify parent\n\n"
            "pv consoles are served by xcmuxd (detach: Ctrl-] then '.'), and\n"
            "serial ports xcmuxd serves (serial = on); other serial and vuart\n"
            "consoles are handed to Xen's xenconsole.\n",
            prog);
}

static int bad(const char *prog, const char *what, const char *arg)
{
    fprintf(stderr, "%s: invalid %s '%s'\n", prog, what, arg);
    usage(stderr, prog);
    return XC_EXIT_USAGE;
}

/* Does the daemon list console `num` of `domain` (a decimal domid or a
 * name), and running when RUNNING?  1 yes, 0 not (yet), or an XC_EXIT_*
 * failure code (negated).  QUIET: no word when no daemon listens (the
 * caller then runs Xen's own client). */
static int console_listed(const char *socket, const char *domain, uint32_t num, bool running,
                          bool quiet)
{
    struct xc_conn c;
    struct xp_msg *m = malloc(sizeof(*m));
    if (!m)
        return -XC_EXIT_FAIL;
    int found = 0;
    int rc = quiet ? xc_conn_probe(&c, socket) : xc_conn_open(&c, socket);
    if (rc == XC_EXIT_OK) {
        m->type = XP_T_LIST;
        rc = xc_conn_send(&c, m);
    }
    while (rc == XC_EXIT_OK) {
        rc = xc_conn_recv(&c, m);
        if (rc || m->type == XP_T_END)
            break;
        if (m->type == XP_T_ERROR) {
            rc = xc_report_error(&m->u.error, "list", NULL);
            break;
        }
        if (m->type != XP_T_LIST_ENTRY || m->u.list_entry.console != num ||
            (running && m->u.list_entry.state != XP_STATE_RUNNING))
            continue;
        char id[16];
        snprintf(id, sizeof(id), "%u", (unsigned)m->u.list_entry.domid);
        if (!strcmp(id, domain) || !strcmp(m->u.list_entry.name, domain))
            found = 1;
    }
    xc_conn_close(&c);
    free(m);
    return rc ? -rc : found;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"num", required_argument, NULL, 'n'},
        {"type", required_argument, NULL, 't'},
        {"start-notify-fd", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    const char *prog = argv[0];
    /* getopt_long permutes what it parses: it parses a copy, so Xen's
     * client gets argv in its original order.  xl passes at most 7. */
    char *args[MAX_ARGS + 1];
    if (argc < 1 || argc > MAX_ARGS) {
        fprintf(stderr, "%s: too many arguments\n", prog);
        return XC_EXIT_USAGE;
    }
    memcpy(args, argv, (size_t)argc * sizeof(*args));
    args[argc] = NULL;
    const char *num = "0", *type = "pv";
    uint64_t v;
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, args, "hn:t:", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout, prog);
            return XC_EXIT_OK;
        case 'n':
            if (!xc_parse_uint(optarg, UINT32_MAX, &v))
                return bad(prog, "console number", optarg);
            num = optarg;
            break;
        case 't':
            if (strcmp(optarg, "pv") && strcmp(optarg, "serial") && strcmp(optarg, "vuart"))
                return bad(prog, "console type", optarg);
            type = optarg;
            break;
        case 's':
            if (!xc_parse_uint(optarg, 65535, &v) || v <= 2)
                return bad(prog, "--start-notify-fd", optarg);
            xc_console_notify_fd = (int)v;
            break;
        default:
            return bad(prog, "option", args[optind - 1]);
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "%s: expected exactly one DOMID\n", prog);
        usage(stderr, prog);
        return XC_EXIT_USAGE;
    }
    const char *domain = args[optind];
    if (!*domain || strlen(domain) > XP_MAX_DOMAIN_NAME)
        return bad(prog, "DOMID", domain);

    uint64_t n;
    xc_parse_uint(num, UINT32_MAX, &n);
    const char *socket = xc_socket_path(NULL);
    char serial_num[16];
    if (!strcmp(type, "serial") && n < XP_CONSOLE_SERIAL_MAX &&
        console_listed(socket, domain, XP_CONSOLE_SERIAL_BASE + (uint32_t)n, true, true) == 1) {
        snprintf(serial_num, sizeof(serial_num), "%u", XP_CONSOLE_SERIAL_BASE + (unsigned)n);
        char *sargv[] = {"console", "--console", serial_num, (char *)domain, NULL};
        struct xc_global g = {.socket_path = NULL};
        optind = 0;
        return cmd_console(&g, 4, sargv);
    }
    if (strcmp(type, "pv")) {
        /* QEMU's serial pty xcmuxd does not serve, Xen's vuart: Xen's
         * client, as before. */
        const char *real = getenv("XCMUX_XENCONSOLE_REAL");
        if (!real || !*real)
            real = XENCONSOLE_REAL;
        argv[0] = (char *)real;
        execv(real, argv);
        fprintf(stderr, "%s: cannot run %s for --type %s: %s\n", prog, real, type, strerror(errno));
        return XC_EXIT_FAIL;
    }

    /* xl create -c runs us as soon as the domain exists: wait for xcmuxd to
     * attach it, as xenconsole waits for console/tty. */
    int wait_ms = WAIT_MS;
    const char *env_wait = getenv("XCMUX_XENCONSOLE_WAIT_MS");
    if (env_wait && *env_wait && xc_parse_uint(env_wait, 600000, &v))
        wait_ms = (int)v;
    for (int waited = 0;; waited += POLL_MS) {
        int r = console_listed(socket, domain, (uint32_t)n, false, false);
        if (r < 0)
            return -r;
        if (r == 1 || waited >= wait_ms)
            break; /* not listed in time: console reports it */
        nanosleep(&(struct timespec){.tv_nsec = POLL_MS * 1000000L}, NULL);
    }

    char *cargv[] = {"console", "--console", (char *)num, (char *)domain, NULL};
    struct xc_global g = {.socket_path = NULL};
    optind = 0;
    return cmd_console(&g, 4, cargv);
}
