// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-log.c - `xcmux log DOMAIN`: print the replay buffer and exit.
 * Bytes are written raw (they are the console's output, as `console`
 * would show them); stdout is written with poll() so a non-blocking
 * inherited stdout still gets every byte.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/args.h"
#include "client/client.h"
#include "client/conn.h"

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EAGAIN) {
            struct pollfd pf = {.fd = fd, .events = POLLOUT};
            poll(&pf, 1, -1);
        } else if (!(w < 0 && errno == EINTR)) {
            return -1;
        }
    }
    return 0;
}

static int log_data(const struct xp_msg *m, void *arg)
{
    if (write_all(STDOUT_FILENO, m->u.bytes.bytes, m->u.bytes.len) == 0)
        return XC_EXIT_OK;
    /* A closed pipe (`| head`) is the reader's choice. */
    if (errno == EPIPE)
        return -1;
    fprintf(stderr, "xcmux: log: write error: %s\n", strerror(errno));
    return XC_EXIT_FAIL;
}

int cmd_log(const struct xc_global *g, int argc, char **argv)
{
    struct xc_args a;
    int rc = xc_parse_args("log", argc, argv, XC_OPT_CONSOLE | XC_OPT_BYTES, 1, &a);
    if (rc)
        return rc == XC_ARGS_HELP ? XC_EXIT_OK : rc;

    struct xp_msg req = {.type = XP_T_LOG};
    req.u.log.ref.console = a.console;
    snprintf(req.u.log.ref.domain, sizeof(req.u.log.ref.domain), "%s", a.pos[0]);
    req.u.log.max_bytes = a.bytes;
    return xc_request_records(xc_socket_path(g->socket_path), &req, XP_T_DATA, "log", a.pos[0],
                              log_data, NULL);
}
