/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * core-harness.c — see core-harness.h.
 */
#include "tests/unit/core-harness.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "daemon/config.h"
#include "daemon/console.h"
#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/events.h"
#include "daemon/follow.h"
#include "daemon/hotkey.h"
#include "daemon/hyp.h"
#include "daemon/serial.h"
#include "daemon/session-admit.h"
#include "daemon/session.h"
#include "daemon/watch.h"

uint64_t core_clock_ms = 1000;
static char tmpdir[64];

static uint64_t fake_clock(void)
{
    return core_clock_ms;
}

static struct config *load(const char *lines)
{
    char path[128], err[512];
    snprintf(path, sizeof(path), "%s/xcmuxd.conf", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    /* No pty unless the test asks for one. */
    bool pty = lines && strstr(lines, "pty =");
    fprintf(f, "[global]\nlog_dir = %s\n%s%s\n", tmpdir, pty ? "" : "pty = off\n",
            lines ? lines : "");
    fclose(f);
    struct config *cfg = NULL;
    if (config_load(path, &cfg, err, sizeof(err)) < 0)
        fail_msg("config: %s", err);
    return cfg;
}

void core_setup(const char *config_lines)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/xcmux-core-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    char err[128];
    struct event_base *base = event_base_new();
    assert_non_null(base);
    struct hyp *h = hyp_open(err, sizeof(err));
    assert_non_null(h);
    memset(&xd, 0, sizeof(xd));
    xd_init(base, h, load(config_lines));
    core_clock_ms = 1000;
    xd.clock = fake_clock;
    /* Wired as main.c wires the daemon. */
    hotkey_subscribe();
    session_subscribe();
    follow_subscribe();
    assert_int_equal(serial_start(), 0);
    assert_int_equal(domains_start(NULL), 0);
    core_run();
}

void core_reload(const char *config_lines)
{
    struct config *old = xd.cfg;
    xd.cfg = load(config_lines);
    struct console *c;
    TAILQ_FOREACH (c, &xd.consoles, link)
        console_reconfigure(c);
    serial_reconfigure();
    session_config_changed();
    config_free(old);
    core_run();
}

void core_teardown(void)
{
    domains_stop();
    serial_stop();
    console_free_all();
    session_free_all();
    for (uint32_t id = 0; id < XD_MAX_DOMID; id++)
        if (xd.by_domid[id]) {
            free(xd.by_domid[id]);
            xd.by_domid[id] = NULL;
        }
    /* Admission's episode timer lives on the base, as at the daemon's
     * stop (server_stop). */
    admit_shutdown();
    hyp_close(xd.hyp);
    config_free(xd.cfg);
    event_base_free(xd.base);
    memset(&xd, 0, sizeof(xd));
    events_reset();
    watch_reset();
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    assert_int_equal(system(cmd), 0);
}

void core_run(void)
{
    /* Deferred callbacks and zero timers may queue more work: a few
     * passes settle it. */
    for (int i = 0; i < 8; i++)
        event_base_loop(xd.base, EVLOOP_NONBLOCK);
}

struct console *core_guest_start(uint32_t domid, const char *name)
{
    char path[HYP_PATH_MAX], port[16];
    snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
    assert_int_equal(hyp_write(xd.hyp, path, name), 0);
    snprintf(path, sizeof(path), "/local/domain/%u/console/ring-ref", domid);
    assert_int_equal(hyp_write(xd.hyp, path, "4242"), 0);
    snprintf(path, sizeof(path), "/local/domain/%u/console/port", domid);
    snprintf(port, sizeof(port), "%u", 10 + domid);
    assert_int_equal(hyp_write(xd.hyp, path, port), 0);
    fake_domain_add(xd.hyp, domid);
    domains_rescan();
    core_run();
    assert_int_equal(domains_attaching(), 0);
    struct domain *d = xd.by_domid[domid];
    assert_non_null(d);
    assert_non_null(d->con[0]);
    assert_int_equal(d->con[0]->state, CONSOLE_RUNNING);
    return d->con[0];
}

void core_guest_destroy(uint32_t domid)
{
    fake_domain_remove(xd.hyp, domid);
    domains_rescan();
    core_run();
}

void core_guest_says(struct console *c, const char *text)
{
    assert_int_equal(fake_guest_write(c->page, text, strlen(text)), strlen(text));
    console_event(c);
    core_run();
    /* Streaming output is offered to sessions after a short batching
     * delay (console.c): let it pass. */
    struct timeval tv = {0, 5000};
    event_base_loopexit(xd.base, &tv);
    event_base_dispatch(xd.base);
    core_run();
}

/* ---- clients ---- */

void client_send(struct client *cl, const uint8_t *frame, ssize_t n)
{
    assert_true(n > 0);
    assert_int_equal(write(cl->fd, frame, (size_t)n), n);
    core_run();
}

struct client *client_raw(void)
{
    struct client *cl = calloc(1, sizeof(*cl));
    assert_non_null(cl);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
    assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
    cl->fd = sv[0];
    xp_stream_init(&cl->st);
    cl->s = session_new(sv[1]);
    assert_non_null(cl->s);
    return cl;
}

struct client *client_new(void)
{
    struct client *cl = client_raw();
    struct xp_hello h = {.version = XP_PROTOCOL_VERSION};
    uint8_t frame[XP_HDR_SIZE + 8 + XP_MAX_SOFTWARE];
    client_send(cl, frame, xp_encode_hello(frame, sizeof(frame), &h));
    assert_true(client_find(cl, XP_T_HELLO));
    return cl;
}

bool client_attach(struct client *cl, const char *domain, unsigned mode, unsigned flags,
                   struct xp_attached *ok)
{
    return client_attach_console(cl, domain, 0, mode, flags, ok);
}

bool client_attach_console(struct client *cl, const char *domain, uint32_t console, unsigned mode,
                           unsigned flags, struct xp_attached *ok)
{
    struct xp_attach a = {
        .console = console,
        .mode = (uint8_t)mode,
        .flags = (uint8_t)flags,
        .escape = XP_ESCAPE_DEFAULT,
        .replay = XP_REPLAY_DEFAULT,
    };
    snprintf(a.domain, sizeof(a.domain), "%s", domain);
    uint8_t frame[XP_HDR_SIZE + 32 + XP_MAX_DOMAIN_NAME];
    client_send(cl, frame, xp_encode_attach(frame, sizeof(frame), &a));
    for (;;) {
        int t = client_next(cl);
        if (t == XP_T_ATTACHED) {
            if (ok)
                *ok = cl->msg.u.attached;
            return true;
        }
        if (t == XP_T_ERROR || t < 0)
            return false;
    }
}

void client_send_input(struct client *cl, const char *text)
{
    uint8_t frame[XP_HDR_SIZE + 4096];
    client_send(
        cl, frame,
        xp_encode_bytes(frame, sizeof(frame), XP_T_INPUT, (const uint8_t *)text, strlen(text)));
}

int client_next(struct client *cl)
{
    for (;;) {
        const uint8_t *payload;
        int rc = xp_stream_next(&cl->st, &cl->hdr, &payload);
        if (rc == XP_OK) {
            assert_int_equal(xp_decode(&cl->hdr, payload, &cl->msg), XP_OK);
            return cl->hdr.type;
        }
        assert_int_equal(rc, XP_NEED_MORE);
        if (cl->pend_off == cl->npend) {
            ssize_t n = read(cl->fd, cl->pend, sizeof(cl->pend));
            if (n <= 0)
                return -1;
            cl->npend = (size_t)n;
            cl->pend_off = 0;
        }
        cl->pend_off += xp_stream_feed(&cl->st, cl->pend + cl->pend_off, cl->npend - cl->pend_off);
    }
}

bool client_find(struct client *cl, unsigned type)
{
    int t;
    while ((t = client_next(cl)) >= 0)
        if ((unsigned)t == type)
            return true;
    return false;
}

bool client_find_notice(struct client *cl, unsigned code)
{
    while (client_find(cl, XP_T_NOTICE))
        if (cl->msg.u.notice.code == code)
            return true;
    return false;
}

size_t client_read_data(struct client *cl, char *buf, size_t len)
{
    size_t got = strlen(buf);
    int t;
    while ((t = client_next(cl)) >= 0) {
        if (t != XP_T_DATA)
            continue;
        size_t n = cl->msg.u.bytes.len;
        if (got + n >= len)
            n = len - 1 - got;
        memcpy(buf + got, cl->msg.u.bytes.bytes, n);
        got += n;
        buf[got] = '\0';
    }
    return got;
}

void client_drain(struct client *cl)
{
    while (client_next(cl) >= 0)
        ;
}

void client_close(struct client *cl)
{
    close(cl->fd);
    core_run();
    free(cl);
}

void client_as(struct client *cl, unsigned uid)
{
    struct session *s = cl->s;
    s->uid = (uid_t)uid;
    s->gid = (gid_t)uid;
    s->groups[0] = (gid_t)uid;
    s->ngroups = 1;
    snprintf(s->user, sizeof(s->user), "u%u", uid);
    s->admin = session_is_admin(s);
}

const char *core_guest_input(struct console *c)
{
    static char buf[1024];
    size_t n = fake_guest_read(c->page, buf, sizeof(buf) - 1);
    buf[n] = '\0';
    return buf;
}

bool core_file_has(const char *path, const char *needle)
{
    static char buf[16384];
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}
