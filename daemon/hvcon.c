/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hvcon.c — the hypervisor's console ring as a read-only console (see
 * hvcon.h for the contract). Every libxen call is in hyp.c.
 */
#include "daemon/hvcon.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <event2/event.h>

#include "daemon/console-backend.h"
#include "daemon/console.h"
#include "daemon/daemon.h"
#include "daemon/hyp.h"
#include "daemon/parse.h"
#include "protocol/xcmux-proto.h"

static struct console *hv;
static uint32_t hv_index;     /* Xen's ring index we have read up to */
static bool read_failed;      /* a failed read was logged */
static struct event *more_ev; /* the rest of a read that hit its budget */

static void read_ring(struct console *c);
static const struct console_backend hvcon_backend;

static void more_cb(evutil_socket_t fd, short what, void *arg)
{
    read_ring(arg);
}

/* Read until Xen has nothing new or the budget is spent. The port is
 * unmasked only when the ring was read dry. */
static void read_ring(struct console *c)
{
    char buf[4096];
    size_t total = 0;
    for (;;) {
        uint32_t from = hv_index;
        ssize_t n = hyp_conring_read(xd.hyp, buf, sizeof(buf), &hv_index);
        if (n < 0) {
            if (!read_failed)
                syslog(LOG_ERR, "cannot read the hypervisor console ring: %m");
            read_failed = true;
            break;
        }
        read_failed = false;
        /* Xen moves the index past text it overwrote before we read it. */
        uint32_t lost = hv_index - (uint32_t)n - from;
        if (lost) {
            c->dropped_guest += lost;
            console_log_event(c,
                              "%u byte(s) of the hypervisor console were overwritten "
                              "by Xen before they could be read",
                              lost);
        }
        if (n == 0)
            break;
        console_output(c, (const uint8_t *)buf, (size_t)n);
        total += (size_t)n;
        if (total >= HVCON_READ_BUDGET) {
            static const struct timeval zero = {0, 0};
            evtimer_add(more_ev, &zero);
            return; /* still masked: the timer comes back */
        }
    }
    if (c->local_port >= 0)
        hyp_unmask(xd.hyp, c->local_port);
}

/* VIRQ_CON_RING fired (the port is masked). */
static void hvcon_event(struct console *c)
{
    if (evtimer_pending(more_ev, NULL))
        return; /* the timer is already reading */
    read_ring(c);
}

int hvcon_start(void)
{
    int port = hyp_conring_bind(xd.hyp);
    if (port < 0) {
        syslog(LOG_WARNING,
               "no hypervisor console (%s): cannot bind VIRQ_CON_RING: %m "
               "(is xenconsoled --log=hv running?)",
               HVCON_NAME);
        return -1;
    }
    hv = console_create(&hvcon_backend, NULL, HVCON_DOMID, HVCON_NAME, 0, "");
    if (hv)
        hv->state = CONSOLE_RUNNING;
    more_ev = hv ? evtimer_new(xd.base, more_cb, hv) : NULL;
    if (!more_ev) {
        syslog(LOG_ERR, "no hypervisor console: out of memory");
        if (hv)
            console_free(hv);
        hv = NULL;
        hyp_unbind(xd.hyp, port);
        return -1;
    }
    hv->local_port = port;
    xd.by_port[port] = hv;
    console_log_event(hv, "hypervisor console attached");
    /* Bound first, read second: text printed in between is in the ring
     * now and announced again by the VIRQ, read once by index. */
    read_ring(hv);
    return 0;
}

void hvcon_stop(void)
{
    if (more_ev)
        event_free(more_ev);
    more_ev = NULL;
    hv = NULL; /* freed with the other consoles */
}

struct console *hvcon_lookup(const char *name)
{
    if (!hv || !name)
        return NULL;
    uint64_t id;
    if (strcmp(name, HVCON_NAME) == 0 ||
        (parse_u64(name, UINT32_MAX, &id) == 0 && id == HVCON_DOMID))
        return hv;
    return NULL;
}

/* Tell FROM (if it is a person) what became of its keys. */
static void tell(struct console_reader *from, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void tell(struct console_reader *from, const char *fmt, ...)
{
    if (!from || !from->ops->notice)
        return;
    char text[XP_MAX_NOTICE_TEXT + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    from->ops->notice(from, XP_N_INFO, 0, text);
}

/* Input from a writer session: debug keys. Returns bytes taken. */
static size_t hvcon_input(struct console *c, const uint8_t *bytes, size_t len,
                          struct console_reader *from)
{
    char keys[HVCON_KEYS_MAX + 1];
    size_t nkeys = 0, ignored = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = bytes[i];
        if (b > ' ' && b < 0x7f && nkeys < HVCON_KEYS_MAX)
            keys[nkeys++] = (char)b;
        else if (b > ' ' && b < 0x7f)
            ignored++;
    }
    keys[nkeys] = '\0';
    const char *who = from ? from->ops->who(from) : "?";
    if (ignored)
        tell(from, "%zu debug key(s) ignored: at most %u at a time", ignored, HVCON_KEYS_MAX);
    if (!nkeys)
        return len;
    if (hyp_debug_keys(xd.hyp, keys) < 0) {
        int e = errno;
        console_log_event(c, "debug keys '%s' from %s failed: %s", keys, who, strerror(e));
        tell(from, "debug keys '%s' failed: %s", keys, strerror(e));
        return len;
    }
    syslog(LOG_NOTICE, "debug-keys '%s' sent by %s (typed on the hypervisor console)", keys, who);
    console_log_event(c, "debug keys '%s' sent by %s", keys, who);
    return len;
}

/* Adds the members of FROM to TO as far as room allows. */
static void acl_merge(struct acl *to, const struct acl *from)
{
    unsigned left_out = 0;
    to->everyone = to->everyone || from->everyone;
    for (unsigned i = 0; i < from->nuids; i++) {
        if (to->nuids < XCMUX_ACL_MAX_ENTRIES)
            to->uids[to->nuids++] = from->uids[i];
        else
            left_out++;
    }
    for (unsigned i = 0; i < from->ngids; i++) {
        if (to->ngids < XCMUX_ACL_MAX_ENTRIES)
            to->gids[to->ngids++] = from->gids[i];
        else
            left_out++;
    }
    if (left_out)
        syslog(LOG_WARNING,
               "%s: %u write ACL entr%s not given read access: the read ACL "
               "is full (%u entries); list them in a [domain:%s] read ACL",
               HVCON_NAME, left_out, left_out == 1 ? "y is" : "ies are", XCMUX_ACL_MAX_ENTRIES,
               HVCON_NAME);
}

/* No writers but admins, no pty. */
static void hvcon_adjust_cfg(const struct console *c, struct console_cfg *cfg)
{
    /* Writers of guests may read it; only admins (and root) may type,
     * since every key acts on the whole host. */
    acl_merge(&cfg->read, &cfg->write);
    memset(&cfg->write, 0, sizeof(cfg->write));
    cfg->pty = PTY_OFF;
}

/* The hypervisor's console keeps xenconsoled's file name. */
static const char *hvcon_log_name(const struct console *c)
{
    return HVCON_LOG_NAME;
}

static void hvcon_close(struct console *c)
{
    if (c->local_port >= 0) {
        xd.by_port[c->local_port] = NULL;
        hyp_unbind(xd.hyp, c->local_port);
        c->local_port = -1;
    }
}

static const struct console_backend hvcon_backend = {
    .kind = "hypervisor",
    .hotkeys = false, /* no guest registry, no ring: typed keys are its action */
    .adjust_cfg = hvcon_adjust_cfg,
    .log_name = hvcon_log_name,
    .event = hvcon_event,
    .input = hvcon_input,
    .close = hvcon_close,
};
