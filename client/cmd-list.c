// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-list.c - `xcmux list [--json]`: one line (or JSON object) per
 * console.  Entries are collected first so the table can size its
 * columns; the daemon bounds nothing about their number, so growth is
 * capped at MAX_ENTRIES to keep a hostile daemon from exhausting memory.
 *
 * After the list it asks STATUS: when the daemon has lost its xenstore
 * connection, a line on stderr says so (the table stays as it was) and
 * every JSON entry carries "xenstore": "unreachable" ("connected"
 * otherwise). A daemon from before STATUS closes the connection on it:
 * then nothing is said and the key is left out.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/args.h"
#include "client/client.h"
#include "client/conn.h"
#include "client/text.h"

#define MAX_ENTRIES 1000000

/* -1: the daemon did not say (older than STATUS), else XP_XS_*. */
static int xs_state = -1;

static void print_json(const struct xp_list_entry *e, size_t n)
{
    printf("[");
    for (size_t i = 0; i < n; i++) {
        printf("%s\n  {\"domid\": %" PRIu32 ", \"console\": %" PRIu32 ", \"name\": ", i ? "," : "",
               e[i].domid, e[i].console);
        xc_json_string(stdout, e[i].name);
        if (e[i].console >= XP_CONSOLE_SERIAL_BASE &&
            e[i].console - XP_CONSOLE_SERIAL_BASE < XP_CONSOLE_SERIAL_MAX)
            printf(", \"serial\": %" PRIu32, e[i].console - XP_CONSOLE_SERIAL_BASE);
        printf(", \"state\": \"%s\", \"sessions\": %" PRIu32
               ", \"writer\": %s, \"rate_limited\": %s"
               ", \"bytes_out\": %" PRIu64 ", \"dropped_guest\": %" PRIu64
               ", \"dropped_client\": %" PRIu64 ", \"log_bytes\": %" PRIu64,
               xp_state_name(e[i].state), e[i].sessions,
               e[i].flags & XP_LIST_F_WRITER ? "true" : "false",
               e[i].flags & XP_LIST_F_RATE_LIMITED ? "true" : "false", e[i].bytes_out,
               e[i].dropped_guest, e[i].dropped_client, e[i].log_bytes);
        /* Protocol version 2: how far the slowest session is behind. */
        if (e[i].ext)
            printf(", \"behind\": %" PRIu64, e[i].behind);
        printf(", \"tty\": ");
        if (e[i].tty[0])
            xc_json_string(stdout, e[i].tty);
        else
            printf("null");
        if (xs_state >= 0)
            printf(", \"xenstore\": \"%s\"",
                   xs_state == XP_XS_CONNECTED ? "connected" : "unreachable");
        printf("}");
    }
    printf("%s]\n", n ? "\n" : "");
}

static void print_table(const struct xp_list_entry *e, size_t n)
{
    char name[XP_MAX_DOMAIN_NAME * 4 + 1], tty[XP_MAX_TTY_PATH * 4 + 1];
    int w = 4;
    for (size_t i = 0; i < n; i++) {
        xc_sanitize(name, sizeof(name), e[i].name, NULL);
        int len = (int)strlen(name);
        if (len > w)
            w = len;
    }
    /* BEHIND (protocol version 2) only when the daemon sends it. */
    bool ext = false;
    for (size_t i = 0; i < n; i++)
        ext = ext || e[i].ext;
    /* CON is wider only when a serial port ("serial0") is listed. */
    int cw = 3;
    char con[16];
    for (size_t i = 0; i < n; i++) {
        xc_console_name(e[i].console, con, sizeof(con));
        if ((int)strlen(con) > cw)
            cw = (int)strlen(con);
    }
    printf("%5s %*s %-*s %-15s %4s %6s %12s %10s ", "ID", cw, "CON", w, "NAME", "STATE", "SESS",
           "WRITER", "BYTES", "DROPPED");
    if (ext)
        printf("%10s ", "BEHIND");
    printf("TTY\n");
    for (size_t i = 0; i < n; i++) {
        char state[24];
        xc_sanitize(name, sizeof(name), e[i].name, NULL);
        xc_sanitize(tty, sizeof(tty), e[i].tty, NULL);
        /* The rate limit is a transient condition of a running console:
         * shown as a suffix rather than a column scripts must parse. */
        snprintf(state, sizeof(state), "%s%s", xp_state_name(e[i].state),
                 e[i].flags & XP_LIST_F_RATE_LIMITED ? ",limited" : "");
        xc_console_name(e[i].console, con, sizeof(con));
        printf("%5" PRIu32 " %*s %-*s %-15s %4" PRIu32 " %6s %12" PRIu64 " %10" PRIu64 " ",
               e[i].domid, cw, con, w, name, state, e[i].sessions,
               e[i].flags & XP_LIST_F_WRITER ? "yes" : "no", e[i].bytes_out,
               e[i].dropped_guest + e[i].dropped_client);
        if (ext)
            printf("%10" PRIu64 " ", e[i].behind);
        printf("%s\n", tty[0] ? tty : "-");
    }
}

int cmd_list(const struct xc_global *g, int argc, char **argv)
{
    struct xc_args a;
    int rc = xc_parse_args("list", argc, argv, XC_OPT_JSON, 0, &a);
    if (rc)
        return rc == XC_ARGS_HELP ? XC_EXIT_OK : rc;

    struct xc_conn c;
    struct xp_msg *m = malloc(sizeof(*m));
    struct xp_list_entry *entries = NULL;
    size_t n = 0, cap = 0;
    if (!m)
        return XC_EXIT_FAIL;
    rc = xc_conn_open(&c, xc_socket_path(g->socket_path));
    if (rc)
        goto out;
    m->type = XP_T_LIST;
    rc = xc_conn_send(&c, m);
    while (rc == XC_EXIT_OK) {
        rc = xc_conn_recv(&c, m);
        if (rc)
            break;
        if (m->type == XP_T_ERROR) {
            rc = xc_report_error(&m->u.error, "list", NULL);
            break;
        }
        if (m->type == XP_T_END)
            break;
        if (m->type != XP_T_LIST_ENTRY)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct xp_list_entry *ne;
            if (ncap > MAX_ENTRIES || !(ne = realloc(entries, ncap * sizeof(*ne)))) {
                fprintf(stderr, "xcmux: list: too many consoles\n");
                rc = XC_EXIT_FAIL;
                break;
            }
            entries = ne;
            cap = ncap;
        }
        entries[n++] = m->u.list_entry;
    }
    if (rc == XC_EXIT_OK) {
        /* Best effort: an older daemon ends the connection here. */
        m->type = XP_T_STATUS;
        if (xc_conn_send(&c, m) == XC_EXIT_OK && xc_conn_recv(&c, m) == XC_EXIT_OK &&
            m->type == XP_T_STATUS_INFO)
            xs_state = m->u.status_info.xenstore;
        if (xs_state == XP_XS_UNREACHABLE) {
            char when[32] = "";
            time_t t = (time_t)m->u.status_info.since;
            struct tm tm;
            if (t && gmtime_r(&t, &tm))
                strftime(when, sizeof(when), " since %Y-%m-%dT%H:%M:%SZ", &tm);
            fprintf(stderr,
                    "xcmux: xenstore: unreachable%s: the daemon keeps serving "
                    "its consoles; new and changed guests wait until it is back\n",
                    when);
        }
        if (a.json)
            print_json(entries, n);
        else
            print_table(entries, n);
        if (fflush(stdout) != 0)
            rc = XC_EXIT_FAIL;
    }
out:
    xc_conn_close(&c);
    free(entries);
    free(m);
    return rc;
}
