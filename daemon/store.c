/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store.c — the xenstore connection's life (see store.h for the contract).
 * All xenstore access itself is in hyp.c; this file decides when.
 */
#include "daemon/store.h"

#include <errno.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <event2/event.h>

#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/hyp.h"
#include "daemon/watch.h"
#include "protocol/xcmux-proto.h"

static struct event *ev_watch, *ev_hup, *ev_check, *ev_tick;
static bool down;
static uint64_t down_ms, next_try_ms, retry_ms;
static uint64_t since_unix;
static uint32_t losses, tries;

static void watch_cb(evutil_socket_t fd, short what, void *arg)
{
    watch_dispatch();
}

static void free_event(struct event **ev)
{
    if (*ev) {
        event_free(*ev);
        *ev = NULL;
    }
}

static void check_cb(evutil_socket_t fd, short what, void *arg);

/* Watch events, and what tells us the connection died: the store's
 * close of the socket (ev_hup, no wakeup otherwise), a failed call
 * (hyp_store_on_suspect: ev_check soon), and, only when there is no
 * socket to watch, a check every STORE_CHECK_MS. */
static int connection_on(void)
{
    static const struct timeval every = {0, STORE_CHECK_MS * 1000};
    int fd = hyp_watch_fd(xd.hyp);
    if (fd < 0)
        return -1;
    ev_watch = event_new(xd.base, fd, EV_READ | EV_PERSIST, watch_cb, NULL);
    if (!ev_watch || event_add(ev_watch, NULL) < 0)
        return -1;
    int sock = hyp_store_fd(xd.hyp);
    /* EV_CLOSED needs a backend that reports a peer's close (epoll). */
    if (sock >= 0 && (event_base_get_features(xd.base) & EV_FEATURE_EARLY_CLOSE)) {
        ev_hup = event_new(xd.base, sock, EV_CLOSED | EV_PERSIST, check_cb, NULL);
        if (!ev_hup || event_add(ev_hup, NULL) < 0)
            return -1;
        return 0;
    }
    return event_add(ev_tick, &every);
}

static void connection_off(void)
{
    free_event(&ev_watch);
    free_event(&ev_hup);
}

static void lost(int err)
{
    connection_off(); /* before their fds are closed */
    hyp_store_drop(xd.hyp);
    down = true;
    losses++;
    tries = 0;
    down_ms = xd_now_ms();
    since_unix = (uint64_t)time(NULL);
    retry_ms = STORE_RETRY_MIN_MS;
    next_try_ms = down_ms + retry_ms;
    syslog(LOG_ERR,
           "xenstore connection lost (%s): consoles and sessions keep running; "
           "new and changed guests wait until it is back; reconnecting",
           strerror(err));
    static const struct timeval every = {0, STORE_CHECK_MS * 1000};
    event_add(ev_tick, &every);
    domains_store_lost();
}

static void regained(void)
{
    event_del(ev_tick);
    if (connection_on() < 0) {
        /* Without the watch fd nothing would be heard: still down. */
        syslog(LOG_ERR, "xenstore: cannot watch the new connection: %m");
        connection_off();
        hyp_store_drop(xd.hyp);
        static const struct timeval every = {0, STORE_CHECK_MS * 1000};
        event_add(ev_tick, &every);
        return;
    }
    down = false;
    since_unix = (uint64_t)time(NULL);
    syslog(LOG_NOTICE,
           "xenstore connection back after %llu ms (%u tr%s); re-syncing "
           "domains, consoles, watches and hotkeys",
           (unsigned long long)(xd_now_ms() - down_ms), tries, tries == 1 ? "y" : "ies");
    domains_store_back();
}

/* Is the connection still there? One round trip. */
static void check_cb(evutil_socket_t fd, short what, void *arg)
{
    if (!down && hyp_store_up(xd.hyp) && hyp_store_check(xd.hyp) < 0)
        lost(errno);
}

static void suspect(void)
{
    static const struct timeval now = {0, 0};
    if (ev_check)
        evtimer_add(ev_check, &now);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    if (!down) {
        /* Polling: there is no socket to watch for a hangup. */
        if (hyp_store_check_due(xd.hyp, STORE_CHECK_MS))
            check_cb(-1, 0, NULL);
        return;
    }
    /* Down: guests still come and go in the hypervisor's list. */
    domains_rescan();
    uint64_t now = xd_now_ms();
    if (now < next_try_ms)
        return;
    tries++;
    if (hyp_store_reconnect(xd.hyp) == 0) {
        regained();
        return;
    }
    retry_ms = retry_ms * 2 > STORE_RETRY_MAX_MS ? STORE_RETRY_MAX_MS : retry_ms * 2;
    next_try_ms = now + retry_ms;
}

int store_start(void)
{
    ev_tick = event_new(xd.base, -1, EV_PERSIST, tick_cb, NULL);
    ev_check = evtimer_new(xd.base, check_cb, NULL);
    if (!ev_tick || !ev_check)
        return -1;
    hyp_store_on_suspect(xd.hyp, suspect);
    return connection_on();
}

void store_stop(void)
{
    hyp_store_on_suspect(xd.hyp, NULL);
    connection_off();
    free_event(&ev_check);
    free_event(&ev_tick);
}

void store_check_soon(void)
{
    suspect();
}

void store_state(struct store_state *out)
{
    out->up = !down;
    out->since_unix = since_unix;
    out->losses = losses;
}
