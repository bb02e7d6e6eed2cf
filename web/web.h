/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * web.h — the shared context of xcmux-web (protocol/WEB.md), and the
 * entry points of its subsystems:
 *
 *   main.c      options, configuration file, signals, start-up
 *   server.c    the listener and HTTP connections: routing, static files,
 *               login/logout/whoami, the WebSocket upgrade
 *   bridge.c    one upgraded browser connection <-> xcmux protocol
 *               connections to xcmuxd (WebSocket frames <-> JSON/DATA)
 *   auth.c      PAM off the loop, sessions, TLS client-certificate users
 *   upstream.c  connecting to xcmuxd as a user (fork, drop to the user,
 *               connect, pass the socket back)
 *   ws.c, http.c, json.c  pure codecs (no I/O), unit-tested and fuzzed
 *
 * Everything runs on one libevent loop; only the PAM workers (auth.c) run
 * on threads, and they touch nothing but their own job.
 */
#ifndef XCMUX_WEB_WEB_H
#define XCMUX_WEB_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#define WEB_PATH_MAX 4096

struct web_cfg {
    char listen[256]; /* ADDR:PORT, [ADDR6]:PORT */
    char socket[108]; /* xcmuxd's socket */
    char static_dir[WEB_PATH_MAX];
    char tls_cert[WEB_PATH_MAX];
    char tls_key[WEB_PATH_MAX];
    char tls_client_ca[WEB_PATH_MAX];
    bool tls_client_require;
    char pam_service[64];
    unsigned max_connections;
    unsigned ping_interval; /* seconds between the server's pings */
    bool foreground;
};

struct auth;

struct web {
    struct event_base *base;
    struct web_cfg cfg;
    SSL_CTX *ssl; /* NULL: plain HTTP */
    struct auth *auth;
    unsigned nconns;        /* HTTP and WebSocket connections open */
    struct bridge *bridges; /* list, for shutdown */
    struct hconn *hconns;
};

/* The login identity a browser connection acts as. */
#define WEB_MAX_USER   32
#define WEB_MAX_GROUPS 256
struct web_ident {
    char user[WEB_MAX_USER + 1];
    uid_t uid;
    gid_t gid;
    int ngroups;
    gid_t groups[WEB_MAX_GROUPS];
};

/* A login name as useradd accepts it (and no longer than WEB_MAX_USER):
 * anything else is refused before it reaches PAM or NSS. */
bool web_user_name_ok(const char *name);
/* getpwnam_r + getgrouplist: 0, or -1 when there is no such user. */
int web_ident_lookup(const char *user, struct web_ident *out);

/* server.c */
int server_start(struct web *w, int listen_fd);
void server_stop(struct web *w);

/* bridge.c: takes over bev (an upgraded connection; its input may hold
 * the first frames) and counts in w->nconns until it ends. */
struct bufferevent;
void bridge_start(struct web *w, struct bufferevent *bev, const struct web_ident *id);
void bridge_free_all(struct web *w);

void web_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
