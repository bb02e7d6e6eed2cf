/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session-admit.h — admission of connections and console sessions, so no
 * local user can exhaust what another (above all the administrator) needs.
 *
 * Contract
 * - Root and the admin ACL ("admin" peers) are exempt from the per-user
 *   caps and alone may use the last reserved_connections of
 *   XCMUX_MAX_CLIENTS and the last reserved_sessions of
 *   XCMUX_MAX_SESSIONS_PER_CONSOLE (xcmuxd.conf(5)).
 * - Any other uid may hold at most max_connections_per_user connections
 *   and max_sessions_per_user sessions on one console.
 * - At the client limit, a newcomer with access to some console (and the
 *   admin always) takes the place of, in this order: a connection that has
 *   not completed HELLO, an idle connection whose requests were all
 *   refused (unauthorised); the admin also of any idle non-admin
 *   connection. The shed peer is sent ERROR(LIMIT) saying why. At a full
 *   console the admin ends the oldest session of the uid holding most
 *   sessions there (NOTICE DETACHED saying why).
 * - Every refusal and shedding is logged (syslog, warning) once when an
 *   episode (same kind, uid and reason) starts and once, with a count,
 *   when XCMUX_REFUSAL_EPISODE_MS pass without another.
 * - A refused peer learns the reason: `why` is filled for the caller to
 *   send as ERROR(LIMIT).
 * - ATTACH and reboot-follow are admitted by one function,
 *   session_admit_attach(): neither has checks of its own.
 */
#ifndef XCMUX_DAEMON_SESSION_ADMIT_H
#define XCMUX_DAEMON_SESSION_ADMIT_H

#include <stdbool.h>
#include <stddef.h>

struct console;
struct session;

enum admit_kind {
    ADMIT_REFUSE_CONN,
    ADMIT_SHED_CONN,
    ADMIT_REFUSE_SESSION,
    ADMIT_SHED_SESSION,
};

/* Root or in the admin ACL. */
bool session_is_admin(const struct session *s);
/* S (credentials read, not yet counted) may stay: true, possibly after
 * shedding another connection; false with the reason in WHY. */
bool session_admit_conn(struct session *s, char *why, size_t whylen);
/* S may add a session on C: true, possibly after ending another session
 * there; false with the reason in WHY. */
bool session_admit_console(struct session *s, struct console *c, char *why, size_t whylen);
/* The one admission of a session S to console C, for ATTACH and for
 * reboot-follow moving S to the guest's next console: read access on C
 * (access.h), then the caps above (session_admit_console). ADMIT_NO_ACCESS
 * and ADMIT_OVER_LIMIT come with the reason in WHY (ERROR PERMISSION or
 * LIMIT for ATTACH, NOTICE DETACHED for a follow). */
enum admit_verdict {
    ADMIT_OK,
    ADMIT_NO_ACCESS,
    ADMIT_OVER_LIMIT,
};
enum admit_verdict session_admit_attach(struct session *s, struct console *c, char *why,
                                        size_t whylen);
/* Log a refusal or shedding of kind KIND concerning S (rate-limited per
 * episode). */
void admit_log(enum admit_kind kind, const struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Summarise open episodes and free the timer (before the event base). */
void admit_shutdown(void);

#endif
