// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * server.c — the listener and the HTTP side of xcmux-web (web.h,
 * protocol/WEB.md "Listening", "Login", the WebSocket upgrade).
 *
 * One request at a time per connection: the next head is read only after
 * the answer to this one is queued (and, for a login, after PAM spoke).
 * Every connection has a 10 s budget per request head (and body); a
 * connection answered with an error is closed after a linger that reads
 * and discards what the peer still sends, so closing never resets the
 * connection under the answer the peer has not read yet.
 */
#include "web/web.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <openssl/x509.h>

#include "web/auth.h"
#include "web/http.h"
#include "web/json.h"
#include "web/ws.h"

#define HEAD_TIMEOUT_S   10
#define LINGER_TIMEOUT_S 5
#define STATIC_MAX_SIZE  (16u << 20)

enum hstate {
    H_HEAD,
    H_BODY,
    H_WAIT,
    H_CLOSING
};

struct hconn {
    struct web *w;
    struct hconn *next, **pprev;
    struct bufferevent *bev;
    int fd;
    bool tls;
    bool shut; /* SHUT_WR done while closing */
    enum hstate state;
    struct http_req req;
    struct auth_job *job;
    struct event *timer;
};

static struct evconnlistener *listener;

void web_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("xcmux-web: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* The page's files: nothing from the request reaches the file system. */
static const struct {
    const char *url, *file, *type;
} static_files[] = {
    {"/", "index.html", "text/html; charset=utf-8"},
    {"/static/app.js", "app.js", "text/javascript; charset=utf-8"},
    {"/static/app.css", "app.css", "text/css; charset=utf-8"},
    {"/static/vendor/xterm.js", "vendor/xterm.js", "text/javascript; charset=utf-8"},
    {"/static/vendor/xterm.css", "vendor/xterm.css", "text/css; charset=utf-8"},
};

static const char common_headers[] = "Cache-Control: no-store\r\n"
                                     "X-Content-Type-Options: nosniff\r\n"
                                     "X-Frame-Options: DENY\r\n"
                                     "Referrer-Policy: no-referrer\r\n"
                                     "Content-Security-Policy: frame-ancestors 'none'; "
                                     "object-src 'none'; base-uri 'none'\r\n";

static void h_free(struct hconn *h, bool keep_bev)
{
    if (h->job)
        auth_cancel(h->job);
    if (h->timer)
        event_free(h->timer);
    if (!keep_bev)
        bufferevent_free(h->bev);
    if (h->next)
        h->next->pprev = h->pprev;
    *h->pprev = h->next;
    h->w->nconns--;
    free(h);
}

static void h_timer_start(struct hconn *h, int secs)
{
    struct timeval tv = {secs, 0};
    evtimer_add(h->timer, &tv);
}

static void h_closing(struct hconn *h)
{
    h->state = H_CLOSING;
    h_timer_start(h, LINGER_TIMEOUT_S);
    bufferevent_enable(h->bev, EV_READ | EV_WRITE);
    if (evbuffer_get_length(bufferevent_get_output(h->bev)) == 0)
        bufferevent_trigger(h->bev, EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS);
}

/* Queues a whole response; after it the connection reads the next request
 * or, with close, lingers and closes. */
static void respond(struct hconn *h, int status, const char *extra, const char *type,
                    const void *body, size_t blen, bool close)
{
    struct evbuffer *out = bufferevent_get_output(h->bev);
    close = close || h->req.connection_close || h->req.http10;
    evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n%sContent-Length: %zu\r\n%s%s%s%s%s", status,
                        http_reason(status), common_headers, blen, type ? "Content-Type: " : "",
                        type ? type : "", type ? "\r\n" : "", extra ? extra : "",
                        close ? "Connection: close\r\n\r\n" : "\r\n");
    if (blen && h->req.method != HTTP_HEAD)
        evbuffer_add(out, body, blen);
    if (close) {
        h_closing(h);
    } else {
        h->state = H_HEAD;
        h_timer_start(h, HEAD_TIMEOUT_S);
        bufferevent_enable(h->bev, EV_READ);
    }
}

static void respond_error(struct hconn *h, int status, const char *extra, bool close)
{
    char body[64];
    int n = snprintf(body, sizeof(body), "%d %s\n", status, http_reason(status));
    respond(h, status, extra, "text/plain; charset=utf-8", body, (size_t)n, close);
}

/* The user a verified TLS client certificate names (its CN), if any. */
static bool cert_ident(struct hconn *h, struct web_ident *id)
{
    if (!h->tls || !h->w->cfg.tls_client_ca[0])
        return false;
    SSL *ssl = bufferevent_openssl_get_ssl(h->bev);
    if (!ssl)
        return false;
    X509 *cert = SSL_get1_peer_certificate(ssl);
    if (!cert)
        return false;
    char cn[WEB_MAX_USER + 2] = "";
    bool ok =
        SSL_get_verify_result(ssl) == X509_V_OK &&
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn)) > 0;
    X509_free(cert);
    return ok && web_user_name_ok(cn) && web_ident_lookup(cn, id) == 0;
}

/* The identity of the request: its session cookie, else its certificate. */
static bool req_ident(struct hconn *h, struct web_ident *id)
{
    if (h->req.session[0]) {
        const struct web_ident *s = auth_session_get(h->w->auth, h->req.session);
        if (s) {
            *id = *s;
            return true;
        }
    }
    return cert_ident(h, id);
}

static bool same_origin(struct hconn *h)
{
    return h->req.has_origin && http_origin_matches(h->req.origin, h->req.host);
}

static void serve_static(struct hconn *h, size_t i)
{
    char path[WEB_PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/%s", h->w->cfg.static_dir, static_files[i].file);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX_SIZE) {
        if (fd >= 0)
            close(fd);
        respond_error(h, 404, NULL, false);
        return;
    }
    struct evbuffer *body = evbuffer_new();
    size_t want = (size_t)st.st_size;
    while (body && evbuffer_get_length(body) < want) {
        int n = evbuffer_read(body, fd, (int)(want - evbuffer_get_length(body)));
        if (n <= 0)
            break;
    }
    close(fd);
    if (!body || evbuffer_get_length(body) != want) {
        if (body)
            evbuffer_free(body);
        respond_error(h, 500, NULL, true);
        return;
    }
    respond(h, 200, NULL, static_files[i].type, evbuffer_pullup(body, -1), want, false);
    evbuffer_free(body);
}

static void login_done(void *arg, bool ok, const struct web_ident *id)
{
    struct hconn *h = arg;
    h->job = NULL;
    char token[AUTH_TOKEN_HEX + 1];
    if (!ok) {
        respond_error(h, 401, NULL, false);
        return;
    }
    if (auth_session_new(h->w->auth, id, token) < 0) {
        respond_error(h, 500, NULL, true);
        return;
    }
    char cookie[256];
    snprintf(cookie, sizeof(cookie),
             "Set-Cookie: xcmux_session=%s; HttpOnly; SameSite=Strict; Path=/%s\r\n", token,
             h->tls ? "; Secure" : "");
    explicit_bzero(token, sizeof(token));
    web_log("login: %s (uid %u)", id->user, (unsigned)id->uid);
    respond(h, 204, cookie, NULL, NULL, 0, false);
    explicit_bzero(cookie, sizeof(cookie));
}

static void do_login(struct hconn *h, const char *body, size_t len)
{
    /* A page of another site must not log the browser in (login CSRF). */
    if (h->req.has_origin && !same_origin(h)) {
        respond_error(h, 403, NULL, false);
        return;
    }
    if (strncasecmp(h->req.content_type, "application/x-www-form-urlencoded", 33) != 0) {
        respond_error(h, 415, NULL, false);
        return;
    }
    char user[WEB_MAX_USER + 1], pass[512];
    int ul = http_form_get(body, len, "user", user, sizeof(user));
    int pl = http_form_get(body, len, "password", pass, sizeof(pass));
    if (ul <= 0 || pl < 0 || !web_user_name_ok(user)) {
        explicit_bzero(pass, sizeof(pass));
        respond_error(h, 401, NULL, false);
        return;
    }
    h->job = auth_login(h->w->auth, user, pass, login_done, h);
    explicit_bzero(pass, sizeof(pass));
    if (!h->job) {
        respond_error(h, 503, "Retry-After: 2\r\n", false);
        return;
    }
    h->state = H_WAIT;
    evtimer_del(h->timer);
    bufferevent_disable(h->bev, EV_READ);
}

static void do_whoami(struct hconn *h)
{
    struct web_ident id;
    if (!req_ident(h, &id)) {
        respond_error(h, 401, NULL, false);
        return;
    }
    char buf[128];
    struct json_out o;
    json_out_init(&o, buf, sizeof(buf));
    json_raw(&o, "{\"user\":");
    json_cstr(&o, id.user);
    json_raw(&o, "}");
    respond(h, 200, NULL, "application/json", buf, o.len, false);
}

/* Returns true when h is gone (handed to the bridge). */
static bool do_ws(struct hconn *h)
{
    struct http_req *r = &h->req;
    char accept[29];
    if (!r->upgrade_websocket || !r->connection_upgrade) {
        respond_error(h, 426, "Upgrade: websocket\r\n", false);
        return false;
    }
    if (strcmp(r->ws_version, "13") != 0) {
        respond_error(h, 426, "Sec-WebSocket-Version: 13\r\n", false);
        return false;
    }
    if (!ws_accept_key(r->ws_key, accept)) {
        respond_error(h, 400, NULL, false);
        return false;
    }
    /* Cross-site WebSocket hijacking: cookies ride along from any page. */
    if (!same_origin(h)) {
        respond_error(h, 403, NULL, false);
        return false;
    }
    struct web_ident id;
    if (!req_ident(h, &id)) {
        respond_error(h, 401, NULL, false);
        return false;
    }
    evbuffer_add_printf(bufferevent_get_output(h->bev),
                        "HTTP/1.1 101 Switching Protocols\r\n"
                        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Accept: %s\r\n%s\r\n",
                        accept, r->ws_offers_xcmux ? "Sec-WebSocket-Protocol: xcmux.v1\r\n" : "");
    struct web *w = h->w;
    struct bufferevent *bev = h->bev;
    h_free(h, true);
    bridge_start(w, bev, &id);
    return true;
}

/* Answers the request in h->req. Returns true when h is no longer in
 * H_HEAD (waiting, closing, gone): stop reading requests. */
static bool dispatch(struct hconn *h, const char *body, size_t blen)
{
    struct http_req *r = &h->req;
    const char *t = r->target;
    if (strcmp(t, "/ws") == 0) {
        if (r->method != HTTP_GET) {
            respond_error(h, 405, "Allow: GET\r\n", false);
            return h->state != H_HEAD;
        }
        return do_ws(h) || h->state != H_HEAD;
    }
    if (strcmp(t, "/login") == 0 || strcmp(t, "/logout") == 0) {
        if (r->method != HTTP_POST) {
            respond_error(h, 405, "Allow: POST\r\n", false);
        } else if (strcmp(t, "/login") == 0) {
            do_login(h, body, blen);
        } else if (r->has_origin && !same_origin(h)) {
            respond_error(h, 403, NULL, false);
        } else {
            if (r->session[0])
                auth_session_end(h->w->auth, r->session);
            respond(h, 204,
                    "Set-Cookie: xcmux_session=; Max-Age=0; HttpOnly; SameSite=Strict; "
                    "Path=/\r\n",
                    NULL, NULL, 0, false);
        }
        return h->state != H_HEAD;
    }
    if (strcmp(t, "/whoami") == 0) {
        if (r->method != HTTP_GET && r->method != HTTP_HEAD)
            respond_error(h, 405, "Allow: GET\r\n", false);
        else
            do_whoami(h);
        return h->state != H_HEAD;
    }
    for (size_t i = 0; i < sizeof(static_files) / sizeof(static_files[0]); i++) {
        if (strcmp(t, static_files[i].url) == 0) {
            if (r->method != HTTP_GET && r->method != HTTP_HEAD)
                respond_error(h, 405, "Allow: GET, HEAD\r\n", false);
            else
                serve_static(h, i);
            return h->state != H_HEAD;
        }
    }
    respond_error(h, 404, NULL, false);
    return h->state != H_HEAD;
}

static void h_read(struct bufferevent *bev, void *arg)
{
    struct hconn *h = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        size_t len = evbuffer_get_length(in);
        if (h->state == H_CLOSING) {
            evbuffer_drain(in, len);
            return;
        }
        if (h->state == H_WAIT || len == 0)
            return;
        if (h->state == H_HEAD) {
            size_t look = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD;
            const char *p = (const char *)evbuffer_pullup(in, (ssize_t)look);
            int rc = http_parse_head(p, look, &h->req);
            if (rc == HTTP_NEED_MORE)
                return;
            if (rc < 0) {
                h->req.method = HTTP_GET;
                respond_error(h, -rc, NULL, true);
                continue;
            }
            evbuffer_drain(in, (size_t)rc);
            if (h->req.method == HTTP_POST && h->req.content_length > 0) {
                h->state = H_BODY;
                continue;
            }
            if (dispatch(h, NULL, 0))
                return;
            continue;
        }
        /* H_BODY */
        size_t need = (size_t)h->req.content_length;
        if (len < need)
            return;
        char body[HTTP_MAX_BODY];
        evbuffer_remove(in, body, need);
        h->state = H_HEAD;
        bool stop = dispatch(h, body, need);
        explicit_bzero(body, sizeof(body));
        if (stop)
            return;
    }
}

static void h_write(struct bufferevent *bev, void *arg)
{
    struct hconn *h = arg;
    if (h->state != H_CLOSING || evbuffer_get_length(bufferevent_get_output(bev)) != 0)
        return;
    if (h->tls) {
        h_free(h, false);
        return;
    }
    if (!h->shut) {
        h->shut = true;
        shutdown(h->fd, SHUT_WR);
    }
}

static void h_event(struct bufferevent *bev, short what, void *arg)
{
    struct hconn *h = arg;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        h_free(h, false);
}

static void h_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct hconn *h = arg;
    if (h->state == H_CLOSING) {
        h_free(h, false);
        return;
    }
    if (h->state == H_HEAD && evbuffer_get_length(bufferevent_get_input(h->bev)) == 0 &&
        h->req.target[0]) {
        /* An idle kept-alive connection: just close it. */
        h->req.method = HTTP_GET;
        h_closing(h);
        return;
    }
    h->req.method = HTTP_GET;
    respond_error(h, 408, NULL, true);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
    struct web *w = arg;
    if (w->nconns >= w->cfg.max_connections) {
        static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
                                   "Content-Length: 0\r\n\r\n";
        if (!w->ssl) {
            ssize_t n = send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
            (void)n;
        }
        close(fd);
        return;
    }
    struct hconn *h = calloc(1, sizeof(*h));
    if (!h) {
        close(fd);
        return;
    }
    h->w = w;
    h->fd = fd;
    evutil_make_socket_nonblocking(fd);
    if (w->ssl) {
        SSL *ssl = SSL_new(w->ssl);
        h->tls = true;
        h->bev = ssl ? bufferevent_openssl_socket_new(w->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                      BEV_OPT_CLOSE_ON_FREE)
                     : NULL;
        if (!h->bev && ssl)
            SSL_free(ssl);
    } else {
        h->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
    }
    h->timer = evtimer_new(w->base, h_timeout, h);
    if (!h->bev || !h->timer) {
        if (h->bev)
            bufferevent_free(h->bev);
        else
            close(fd);
        if (h->timer)
            event_free(h->timer);
        free(h);
        return;
    }
    w->nconns++;
    h->next = w->hconns;
    if (h->next)
        h->next->pprev = &h->next;
    h->pprev = &w->hconns;
    w->hconns = h;
    bufferevent_setcb(h->bev, h_read, h_write, h_event, h);
    bufferevent_enable(h->bev, EV_READ | EV_WRITE);
    h_timer_start(h, HEAD_TIMEOUT_S);
}

static void on_listen_error(struct evconnlistener *l, void *arg)
{
    /* EMFILE and friends: the listener keeps going; say so once in a while. */
    web_log("accept: %s", strerror(errno));
}

int server_start(struct web *w, int fd)
{
    listener = evconnlistener_new(w->base, on_accept, w,
                                  LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
    if (!listener)
        return -1;
    evconnlistener_set_error_cb(listener, on_listen_error);
    return 0;
}

void server_stop(struct web *w)
{
    if (listener)
        evconnlistener_free(listener);
    listener = NULL;
    for (struct hconn *h = w->hconns, *next; h; h = next) {
        next = h->next;
        h_free(h, false);
    }
}
