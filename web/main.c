// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c — xcmux-web: options, configuration file, TLS context, listening
 * socket, signals, readiness (web.h names the subsystems).
 *
 * Command-line options override the configuration file, which overrides
 * the built-in defaults. The listener may come from systemd socket
 * activation (daemon/sdnotify.c), else --listen is bound here; the bound
 * address is logged ("listening on ADDR:PORT"), so a test can ask for
 * port 0.
 */
#include "web/web.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ini.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/err.h>

#include "daemon/sdnotify.h"
#include "web/auth.h"
#include "web/upstream.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef PKGDATADIR
#define PKGDATADIR "/usr/share/xcmux"
#endif
#define DEFAULT_CONFIG SYSCONFDIR "/xcmux/xcmux-web.conf"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: xcmux-web [-f] [-c FILE] [--listen ADDR:PORT] [-S SOCKET]\n"
            "                 [--static-dir DIR] [--tls-cert FILE --tls-key FILE\n"
            "                 [--tls-client-ca FILE [--tls-client-cert require]]]\n"
            "                 [--pam-service NAME] [--max-connections N] [--ping-interval S]\n"
            "  -c, --config FILE     configuration (default %s)\n"
            "  --listen ADDR:PORT    default 127.0.0.1:7681 ([ADDR6]:PORT for IPv6)\n"
            "  -S, --socket PATH     xcmuxd's socket (default $XCMUX_SOCKET, else\n"
            "                        /run/xcmux/xcmux.sock)\n"
            "  --static-dir DIR      the page's files (default %s/web)\n"
            "  --pam-service NAME    PAM service for logins (default xcmux-web)\n"
            "  --max-connections N   HTTP and WebSocket connections at once (default 256)\n"
            "  --ping-interval S     seconds between WebSocket pings (default 30); two\n"
            "                        unanswered close the connection\n"
            "  -f, --foreground      stay in the foreground\n",
            DEFAULT_CONFIG, PKGDATADIR);
}

enum key {
    K_LISTEN,
    K_SOCKET,
    K_STATIC,
    K_CERT,
    K_KEY,
    K_CA,
    K_CLIENT_CERT,
    K_PAM,
    K_MAXCONN,
    K_PING,
    K_N
};
static const char *const key_names[K_N] = {
    "listen",        "socket",          "static-dir",  "tls-cert",        "tls-key",
    "tls-client-ca", "tls-client-cert", "pam-service", "max-connections", "ping-interval",
};

static int set_key(struct web_cfg *c, enum key k, const char *v, char *err, size_t errlen)
{
    char *dst = NULL;
    size_t cap = 0;
    switch (k) {
    case K_LISTEN:
        dst = c->listen, cap = sizeof(c->listen);
        break;
    case K_SOCKET:
        dst = c->socket, cap = sizeof(c->socket);
        break;
    case K_STATIC:
        dst = c->static_dir, cap = sizeof(c->static_dir);
        break;
    case K_CERT:
        dst = c->tls_cert, cap = sizeof(c->tls_cert);
        break;
    case K_KEY:
        dst = c->tls_key, cap = sizeof(c->tls_key);
        break;
    case K_CA:
        dst = c->tls_client_ca, cap = sizeof(c->tls_client_ca);
        break;
    case K_PAM:
        dst = c->pam_service, cap = sizeof(c->pam_service);
        break;
    case K_CLIENT_CERT:
        if (strcmp(v, "require") == 0)
            c->tls_client_require = true;
        else if (strcmp(v, "optional") == 0)
            c->tls_client_require = false;
        else {
            snprintf(err, errlen, "tls-client-cert: require or optional, not '%s'", v);
            return -1;
        }
        return 0;
    case K_MAXCONN:
    case K_PING: {
        char *end;
        errno = 0;
        unsigned long n = strtoul(v, &end, 10);
        unsigned long max = k == K_MAXCONN ? 65536 : 3600;
        if (!*v || *end || errno || n < 1 || n > max || v[0] == '-') {
            snprintf(err, errlen, "%s: 1 to %lu, not '%s'", key_names[k], max, v);
            return -1;
        }
        if (k == K_MAXCONN)
            c->max_connections = (unsigned)n;
        else
            c->ping_interval = (unsigned)n;
        return 0;
    }
    default:
        return -1;
    }
    if (strlen(v) >= cap) {
        snprintf(err, errlen, "%s: value too long", key_names[k]);
        return -1;
    }
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

struct ini_ctx {
    struct web_cfg *cfg;
    bool cli[K_N]; /* given on the command line: the file does not override */
    char err[512];
};

static int ini_key(void *user, const char *section, const char *name, const char *value)
{
    struct ini_ctx *x = user;
    if (section[0] && strcmp(section, "web") != 0) {
        snprintf(x->err, sizeof(x->err), "unknown section [%s]", section);
        return 0;
    }
    for (int k = 0; k < K_N; k++) {
        if (strcmp(name, key_names[k]) == 0) {
            if (x->cli[k])
                return 1;
            return set_key(x->cfg, (enum key)k, value, x->err, sizeof(x->err)) == 0;
        }
    }
    snprintf(x->err, sizeof(x->err), "unknown key '%s'", name);
    return 0;
}

static SSL_CTX *tls_setup(const struct web_cfg *c)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, c->tls_cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, c->tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1)
        goto fail;
    if (c->tls_client_ca[0]) {
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(c->tls_client_ca);
        if (!names || SSL_CTX_load_verify_locations(ctx, c->tls_client_ca, NULL) != 1) {
            if (names)
                sk_X509_NAME_pop_free(names, X509_NAME_free);
            goto fail;
        }
        SSL_CTX_set_client_CA_list(ctx, names);
        SSL_CTX_set_verify(
            ctx, SSL_VERIFY_PEER | (c->tls_client_require ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
            NULL);
    }
    return ctx;
fail:;
    char e[256];
    ERR_error_string_n(ERR_get_error(), e, sizeof(e));
    web_log("TLS: %s", e);
    SSL_CTX_free(ctx);
    return NULL;
}

/* ADDR:PORT or [ADDR6]:PORT, numeric only (no resolver on start-up);
 * port 0 lets the kernel choose (logged below). */
static int parse_listen(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[INET6_ADDRSTRLEN + 2];
    const char *colon = strrchr(addr, ':');
    if (!colon || (size_t)(colon - addr) >= sizeof(host))
        return -1;
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    char *end;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || errno || port > 65535)
        return -1;
    memset(ss, 0, sizeof(*ss));
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
            return -1;
        *len = sizeof(*s6);
        return 0;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
        return -1;
    *len = sizeof(*s4);
    return 0;
}

static int listen_on(const char *addr)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (parse_listen(addr, &ss, &len) < 0) {
        web_log("listen: cannot parse '%s' (ADDR:PORT or [ADDR6]:PORT, numeric)", addr);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
        web_log("listen on %s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static void log_bound(int fd)
{
    struct sockaddr_storage ss = {0};
    socklen_t len = sizeof(ss);
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return;
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
        port = ntohs(s->sin_port);
        web_log("listening on %s:%u", host, port);
    } else if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
        port = ntohs(s->sin6_port);
        web_log("listening on [%s]:%u", host, port);
    }
}

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
    struct web *w = arg;
    web_log("signal %d: stopping", (int)sig);
    event_base_loopexit(w->base, NULL);
}

static void on_child(evutil_socket_t sig, short what, void *arg)
{
    upstream_reap();
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
    web_log("SIGHUP: nothing to reload (restart to read the configuration)");
}

static void go_background(void)
{
    pid_t pid = fork();
    if (pid < 0) {
        web_log("fork: %s", strerror(errno));
        exit(1);
    }
    if (pid > 0)
        _exit(0);
    setsid();
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        if (fd > STDERR_FILENO)
            close(fd);
    }
    if (chdir("/") < 0) {
        /* "/" always exists. */
    }
}

int main(int argc, char **argv)
{
    enum {
        O_LISTEN = 256,
        O_STATIC,
        O_CERT,
        O_KEY,
        O_CA,
        O_CLIENT_CERT,
        O_PAM,
        O_MAXCONN,
        O_PING
    };
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"foreground", no_argument, NULL, 'f'},
        {"socket", required_argument, NULL, 'S'},
        {"listen", required_argument, NULL, O_LISTEN},
        {"static-dir", required_argument, NULL, O_STATIC},
        {"tls-cert", required_argument, NULL, O_CERT},
        {"tls-key", required_argument, NULL, O_KEY},
        {"tls-client-ca", required_argument, NULL, O_CA},
        {"tls-client-cert", required_argument, NULL, O_CLIENT_CERT},
        {"pam-service", required_argument, NULL, O_PAM},
        {"max-connections", required_argument, NULL, O_MAXCONN},
        {"ping-interval", required_argument, NULL, O_PING},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {0},
    };
    static struct web w;
    struct ini_ctx x = {.cfg = &w.cfg};
    const char *config = NULL;
    char err[512];
    int ch;
    while ((ch = getopt_long(argc, argv, "c:fS:hV", longopts, NULL)) != -1) {
        enum key k;
        switch (ch) {
        case 'c':
            config = optarg;
            continue;
        case 'f':
            w.cfg.foreground = true;
            continue;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("xcmux-web %s\n", PACKAGE_VERSION);
            return 0;
        case 'S':
            k = K_SOCKET;
            break;
        case O_LISTEN:
            k = K_LISTEN;
            break;
        case O_STATIC:
            k = K_STATIC;
            break;
        case O_CERT:
            k = K_CERT;
            break;
        case O_KEY:
            k = K_KEY;
            break;
        case O_CA:
            k = K_CA;
            break;
        case O_CLIENT_CERT:
            k = K_CLIENT_CERT;
            break;
        case O_PAM:
            k = K_PAM;
            break;
        case O_MAXCONN:
            k = K_MAXCONN;
            break;
        case O_PING:
            k = K_PING;
            break;
        default:
            usage(stderr);
            return 2;
        }
        if (set_key(&w.cfg, k, optarg, err, sizeof(err)) < 0) {
            fprintf(stderr, "xcmux-web: %s\n", err);
            return 2;
        }
        x.cli[k] = true;
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    /* Defaults for what neither the command line nor the file sets. */
    struct web_cfg *c = &w.cfg;
    const char *path = config ? config : DEFAULT_CONFIG;
    FILE *f = fopen(path, "r");
    if (!f && (config || errno != ENOENT)) {
        fprintf(stderr, "xcmux-web: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (f) {
        int line = ini_parse_file(f, ini_key, &x);
        fclose(f);
        if (line) {
            fprintf(stderr, "xcmux-web: %s:%d: %s\n", path, line,
                    x.err[0] ? x.err : "syntax error");
            return 1;
        }
    }
    if (!c->listen[0])
        strcpy(c->listen, "127.0.0.1:7681");
    if (!c->socket[0]) {
        const char *env = getenv("XCMUX_SOCKET");
        snprintf(c->socket, sizeof(c->socket), "%s", env && *env ? env : "/run/xcmux/xcmux.sock");
    }
    if (!c->static_dir[0])
        snprintf(c->static_dir, sizeof(c->static_dir), "%s/web", PKGDATADIR);
    if (!c->pam_service[0])
        strcpy(c->pam_service, "xcmux-web");
    if (!c->max_connections)
        c->max_connections = 256;
    if (!c->ping_interval)
        c->ping_interval = 30;
    if (!c->tls_cert[0] != !c->tls_key[0]) {
        fprintf(stderr, "xcmux-web: tls-cert and tls-key go together\n");
        return 2;
    }
    if (c->tls_client_ca[0] && !c->tls_cert[0]) {
        fprintf(stderr, "xcmux-web: tls-client-ca needs tls-cert and tls-key\n");
        return 2;
    }

    int extra = 0;
    int lfd = sdn_listen_fd(&extra);
    signal(SIGPIPE, SIG_IGN);
    if (c->tls_cert[0] && !(w.ssl = tls_setup(c)))
        return 1;
    if (lfd < 0 && (lfd = listen_on(c->listen)) < 0)
        return 1;
    evutil_make_socket_nonblocking(lfd);
    log_bound(lfd);
    if (!c->foreground)
        go_background();

    w.base = event_base_new();
    w.auth = w.base ? auth_new(w.base, c->pam_service, NULL) : NULL;
    if (!w.auth || server_start(&w, lfd) < 0) {
        web_log("cannot start: %s", strerror(errno));
        return 1;
    }
    struct event *sigs[4] = {
        evsignal_new(w.base, SIGTERM, on_stop, &w),
        evsignal_new(w.base, SIGINT, on_stop, &w),
        evsignal_new(w.base, SIGCHLD, on_child, &w),
        evsignal_new(w.base, SIGHUP, on_hup, &w),
    };
    for (int i = 0; i < 4; i++)
        if (sigs[i])
            event_add(sigs[i], NULL);
    web_log("serving %s (xcmuxd at %s, PAM service %s%s)", c->static_dir, c->socket, c->pam_service,
            w.ssl ? ", TLS" : "");
    sdn_notifyf("READY=1\nSTATUS=serving\nMAINPID=%ld", (long)getpid());
    event_base_dispatch(w.base);
    sdn_notify("STOPPING=1");

    server_stop(&w);
    bridge_free_all(&w);
    for (int i = 0; i < 4; i++)
        if (sigs[i])
            event_free(sigs[i]);
    auth_free(w.auth);
    upstream_shutdown();
    if (w.ssl)
        SSL_CTX_free(w.ssl);
    event_base_free(w.base);
    return 0;
}
