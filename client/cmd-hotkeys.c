// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-hotkeys.c - `xcmux hotkeys DOMAIN` and `xcmux trigger DOMAIN KEY`.
 * Daemons without the hotkey bridge answer UNKNOWN_REQUEST, reported as
 * "not supported by this daemon" with exit status 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/args.h"
#include "client/client.h"
#include "client/conn.h"
#include "client/text.h"
#include "common/rules.h"

static int hotkey_entry(const struct xp_msg *m, void *arg)
{
    bool *header = arg;
    if (!*header)
        printf("%-4s %-6s %-32s %s\n", "KEY", "SOURCE", "LABEL", "ACTION");
    *header = true;
    char key[8], label[XP_MAX_HOTKEY_LABEL * 4 + 1];
    char action[XP_MAX_HOTKEY_ACTION * 4 + 1];
    xr_key_name(m->u.hotkey.key, key);
    xc_sanitize(label, sizeof(label), m->u.hotkey.label, NULL);
    xc_sanitize(action, sizeof(action), m->u.hotkey.action, NULL);
    printf("%-4s %-6s %-32s %s\n", key, m->u.hotkey.source == XP_HK_SRC_GUEST ? "guest" : "host",
           label, action);
    return XC_EXIT_OK;
}

int cmd_hotkeys(const struct xc_global *g, int argc, char **argv)
{
    struct xc_args a;
    int rc = xc_parse_args("hotkeys", argc, argv, XC_OPT_CONSOLE, 1, &a);
    if (rc)
        return rc == XC_ARGS_HELP ? XC_EXIT_OK : rc;

    struct xp_msg req = {.type = XP_T_HOTKEYS};
    req.u.ref.console = a.console;
    snprintf(req.u.ref.domain, sizeof(req.u.ref.domain), "%s", a.pos[0]);
    bool header = false;
    rc = xc_request_records(xc_socket_path(g->socket_path), &req, XP_T_HOTKEY_ENTRY, "hotkeys",
                            a.pos[0], hotkey_entry, &header);
    if (rc == XC_EXIT_OK && !header)
        printf("no hotkeys\n");
    if (fflush(stdout) != 0 && rc == XC_EXIT_OK)
        rc = XC_EXIT_FAIL;
    return rc;
}

int cmd_trigger(const struct xc_global *g, int argc, char **argv)
{
    struct xc_args a;
    int rc = xc_parse_args("trigger", argc, argv, XC_OPT_CONSOLE, 2, &a);
    if (rc)
        return rc == XC_ARGS_HELP ? XC_EXIT_OK : rc;
    if (strlen(a.pos[1]) != 1)
        return xc_usage_error("trigger", "KEY must be one character");

    struct xc_conn c;
    struct xp_msg *m = calloc(1, sizeof(*m));
    if (!m)
        return XC_EXIT_FAIL;
    rc = xc_conn_open(&c, xc_socket_path(g->socket_path));
    if (rc == XC_EXIT_OK) {
        m->type = XP_T_TRIGGER;
        m->u.trigger.ref.console = a.console;
        snprintf(m->u.trigger.ref.domain, sizeof(m->u.trigger.ref.domain), "%s", a.pos[0]);
        m->u.trigger.key = (uint8_t)a.pos[1][0];
        rc = xc_conn_send(&c, m);
    }
    while (rc == XC_EXIT_OK) {
        rc = xc_conn_recv(&c, m);
        if (rc)
            break;
        if (m->type == XP_T_ERROR) {
            rc = xc_report_error(&m->u.error, "trigger", a.pos[0]);
            break;
        }
        if (m->type != XP_T_TRIGGER_RESULT)
            continue;
        char text[XP_MAX_NOTICE_TEXT * 4 + 1];
        xc_sanitize(text, sizeof(text), m->u.trigger_result.text, "\n");
        const char *what;
        switch (m->u.trigger_result.code) {
        case XP_TR_FIRED_ACKED:
            what = "fired, acknowledged by the guest";
            break;
        case XP_TR_FIRED_NO_ACK:
            what = "fired, not acknowledged";
            rc = XC_EXIT_NO_ACK;
            break;
        case XP_TR_DENIED:
            what = "permission denied";
            rc = XC_EXIT_PERMISSION;
            break;
        default:
            what = "unknown hotkey";
            rc = XC_EXIT_UNKNOWN_KEY;
            break;
        }
        fprintf(rc ? stderr : stdout, "%s%s: %s%s%s\n", rc ? "xcmux: trigger " : "", a.pos[1], what,
                *text ? ": " : "", text);
        break;
    }
    xc_conn_close(&c);
    free(m);
    return rc;
}
