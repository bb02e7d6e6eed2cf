// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd-who.c - `xcmux who DOMAIN`: the sessions attached to a console. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/args.h"
#include "client/client.h"
#include "client/conn.h"
#include "client/text.h"

static void print_entry(const struct xp_who_entry *w)
{
    char user[XP_MAX_USER_NAME * 4 + 1], since[32] = "-";
    xc_sanitize(user, sizeof(user), w->user, NULL);
    time_t t = (time_t)w->attach_time;
    struct tm tm;
    if (w->attach_time && localtime_r(&t, &tm))
        strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S", &tm);
    const char *kind = w->flags & XP_WHO_F_PTY ? " (pty)" : "";
    printf("%-12s %6" PRIu32 " %7" PRIu32 " %-10s %6s %-19s %12" PRIu64, user[0] ? user : "?",
           w->uid, w->pid, xp_mode_name(w->mode), w->flags & XP_WHO_F_WRITER ? "yes" : "no", since,
           w->bytes_sent);
    /* Protocol version 2: true even while that client is stalled. */
    if (w->ext)
        printf(" %10" PRIu64 " %10" PRIu64, w->behind, w->dropped);
    printf("%s\n", kind);
}

static int who_entry(const struct xp_msg *m, void *arg)
{
    bool *header = arg;
    if (!*header) {
        printf("%-12s %6s %7s %-10s %6s %-19s %12s", "USER", "UID", "PID", "MODE", "WRITER",
               "SINCE", "BYTES");
        if (m->u.who_entry.ext)
            printf(" %10s %10s", "BEHIND", "DROPPED");
        printf("\n");
    }
    *header = true;
    print_entry(&m->u.who_entry);
    return XC_EXIT_OK;
}

int cmd_who(const struct xc_global *g, int argc, char **argv)
{
    struct xc_args a;
    int rc = xc_parse_args("who", argc, argv, XC_OPT_CONSOLE, 1, &a);
    if (rc)
        return rc == XC_ARGS_HELP ? XC_EXIT_OK : rc;

    struct xp_msg req = {.type = XP_T_WHO};
    req.u.ref.console = a.console;
    snprintf(req.u.ref.domain, sizeof(req.u.ref.domain), "%s", a.pos[0]);
    bool header = false;
    rc = xc_request_records(xc_socket_path(g->socket_path), &req, XP_T_WHO_ENTRY, "who", a.pos[0],
                            who_entry, &header);
    if (rc == XC_EXIT_OK && !header)
        printf("no sessions\n");
    if (fflush(stdout) != 0 && rc == XC_EXIT_OK)
        rc = XC_EXIT_FAIL;
    return rc;
}
