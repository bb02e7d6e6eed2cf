/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * auth.h — logins and sessions of xcmux-web (protocol/WEB.md "Login").
 *
 * Contract
 * - auth_login() checks a password with PAM (auth + account) on a worker
 *   thread, never on the loop: PAM may sleep (its failure delay) or ask
 *   the network. At most AUTH_MAX_WORKERS run at once; beyond that it
 *   returns NULL (the caller answers 503). The result comes back on the
 *   loop through a pipe: cb(arg, ok, ident) runs on the loop thread,
 *   unless auth_cancel() was called first (the browser went away).
 *   A worker touches only its own job (user, password copy, result); the
 *   password is wiped when the job ends.
 * - Sessions: a 64-hex token from getrandom(32 bytes), looked up in
 *   constant time per entry, expiring AUTH_SESSION_TTL seconds after
 *   login (CLOCK_BOOTTIME, so a suspend does not extend it) or at
 *   auth_session_end(). At most AUTH_MAX_SESSIONS live at once; a new
 *   login then replaces the oldest.
 * - auth_free() waits for running workers (they end after PAM answers).
 */
#ifndef XCMUX_WEB_AUTH_H
#define XCMUX_WEB_AUTH_H

#include <stdbool.h>

#include "web/web.h"

#define AUTH_MAX_WORKERS  4
#define AUTH_MAX_SESSIONS 1024
#define AUTH_SESSION_TTL  (12 * 3600)
#define AUTH_TOKEN_HEX    64

struct auth;
struct auth_job;
typedef void (*auth_cb)(void *arg, bool ok, const struct web_ident *id);

/* pam_confdir: NULL for the system's /etc/pam.d, else a directory of
 * service files (pam_start_confdir; the unit tests use their own). */
struct auth *auth_new(struct event_base *base, const char *pam_service, const char *pam_confdir);
void auth_free(struct auth *a);

struct auth_job *auth_login(struct auth *a, const char *user, const char *password, auth_cb cb,
                            void *arg);
void auth_cancel(struct auth_job *j);

/* 0 and token filled, or -1 (no randomness). */
int auth_session_new(struct auth *a, const struct web_ident *id, char token[AUTH_TOKEN_HEX + 1]);
/* The session's identity, or NULL (unknown or expired). */
const struct web_ident *auth_session_get(struct auth *a, const char *token);
void auth_session_end(struct auth *a, const char *token);

/* Seconds on CLOCK_BOOTTIME; replaceable in a unit test. */
extern long long (*auth_clock)(void);

#endif
