// SPDX-License-Identifier: GPL-2.0-or-later
/* One simulated guest; see guest.h for the contract. */
#include "sim/guest/guest.h"

#include <errno.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <xen/grant_table.h>
#include <xen/sched.h>
#include <xenstore.h>

#include "common/rules.h"
#include "sim/guest/conring.h"
#include "sim/guest/hkagent.h"
#include "sim/guest/serialport.h"
#include "sim/guest/shell.h"
#include "sim/guest/xsring.h"
#include "sim/guest/xswire.h"
#include "sim/hv.h"

#define PENDING_CAP      16384u /* per console: a few rings' worth */
#define FLOOD_HIGH_WATER 1024u  /* keep the flood this close to the ring */
#define FLOOD_LINE_LEN   80u    /* bytes per flood line, '\n' included */
#define FLOOD_TICK_MS    10
#define CRASH_DESTROY_MS 100
#define SERVICE_ROUNDS   64 /* bound one event's work on a busy ring */

enum port_kind {
    PORT_NONE = 0,
    PORT_CONSOLE,
    PORT_STORE,
    PORT_DEBUG,
    PORT_NMI
};

/* Console output a hotkey dump may need, kept free before input is read. */
#define HOTKEY_OUTPUT_RESERVE 4096u

struct gconsole {
    struct guest *g;
    unsigned index; /* 0: primary */
    int page;
    struct xencons_interface *intf;
    struct conring ring;
    uint32_t port;
    struct shell shell;
    bool has_shell;
    size_t pend_head, pend_len;
    char last_out; /* last byte queued, to start frames on a line */
    uint64_t bytes_out, bytes_in, dropped;
    char pend[PENDING_CAP];
};

struct guest {
    struct guest_env *env;
    struct guest *name_next; /* host's name table */
    uint32_t domid;
    char name[HV_NAME_MAX];
    struct guest_spec spec;
    bool crashed, rebooting, killed;
    time_t boot_time;
    struct timespec boot_mono;

    int store_page;
    struct xenstore_domain_interface *store_intf;
    uint32_t store_port;
    struct xsr_client xs;
    bool booted;

    uint32_t debug_port;
    uint64_t debug_count;
    uint32_t nmi_port;
    uint64_t nmi_count;
    struct hkagent *hk; /* --xencons-debug */
    struct gsp *serial; /* --serial */

    unsigned ncons;
    struct gconsole *cons[1 + GUEST_MAX_SECONDARY];
    uint8_t port_kind[HV_GUEST_PORTS];
    uint8_t port_console[HV_GUEST_PORTS];

    struct event *flood_ev, *every_ev, *crash_ev;
    double tokens;
    struct timespec last_refill;
    uint64_t flood_seq, every_seq, sysrq_count;
};

static void log_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("xensim-guestd: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

uint32_t guest_domid(const struct guest *g)
{
    return g->domid;
}
const char *guest_name(const struct guest *g)
{
    return g->name;
}
const struct guest_spec *guest_spec(const struct guest *g)
{
    return &g->spec;
}
struct guest **guest_name_link(struct guest *g)
{
    return &g->name_next;
}

bool guest_port_owned(const struct guest *g, uint32_t port)
{
    return port < HV_GUEST_PORTS && g->port_kind[port] != PORT_NONE;
}

/* ---- console output ----------------------------------------------------- */

static size_t pend_free(const struct gconsole *c)
{
    return PENDING_CAP - c->pend_len;
}

static void pend_append(struct gconsole *c, const char *buf, size_t len)
{
    size_t n = len < pend_free(c) ? len : pend_free(c);
    for (size_t done = 0; done < n;) {
        size_t tail = (c->pend_head + c->pend_len) % PENDING_CAP;
        size_t chunk = PENDING_CAP - tail;
        if (chunk > n - done)
            chunk = n - done;
        memcpy(c->pend + tail, buf + done, chunk);
        c->pend_len += chunk;
        done += chunk;
    }
    c->dropped += len - n;
    if (n)
        c->last_out = buf[n - 1];
}

/* Move pending bytes into the ring; returns bytes moved. */
static size_t pend_flush(struct gconsole *c)
{
    size_t total = 0;
    while (c->pend_len) {
        size_t chunk = PENDING_CAP - c->pend_head;
        if (chunk > c->pend_len)
            chunk = c->pend_len;
        size_t n = conring_write(&c->ring, c->pend + c->pend_head, chunk);
        c->pend_head = (c->pend_head + n) % PENDING_CAP;
        c->pend_len -= n;
        total += n;
        if (n < chunk)
            break;
    }
    if (!c->pend_len)
        c->pend_head = 0;
    c->bytes_out += total;
    return total;
}

static void console_notify(struct gconsole *c)
{
    /* EINVAL only if the port is gone, which destroy handles. */
    (void)hv_evtchn_notify(c->g->domid, c->port);
}

static void console_puts_raw(struct gconsole *c, const char *buf, size_t len)
{
    pend_append(c, buf, len);
    if (pend_flush(c))
        console_notify(c);
}

static void console_printf(struct gconsole *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void console_printf(struct gconsole *c, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    console_puts_raw(c, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Kernel log timestamp: seconds since boot as printk shows them. */
static void kernel_stamp(const struct guest *g, char *buf, size_t size)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long ns =
        (now.tv_sec - g->boot_mono.tv_sec) * 1000000000LL + (now.tv_nsec - g->boot_mono.tv_nsec);
    if (ns < 0)
        ns = 0;
    snprintf(buf, size, "[%5lld.%06lld]", ns / 1000000000LL, (ns / 1000) % 1000000LL);
}

static void shell_sink(void *ctx, const char *buf, size_t len)
{
    /* Flushed by the caller once the whole input chunk is handled. */
    pend_append(ctx, buf, len);
}

/* ---- flood and periodic lines ----------------------------------------- */

static size_t flood_line(const struct guest *g, uint64_t seq, char *line)
{
    int n = snprintf(line, FLOOD_LINE_LEN + 1, "%s %09llu ", g->name, (unsigned long long)seq);
    size_t len = n < 0 ? 0 : (size_t)n;
    if (len > FLOOD_LINE_LEN - 1)
        len = FLOOD_LINE_LEN - 1;
    /* A filler that differs per line shows corruption, not just loss. */
    for (size_t i = len; i < FLOOD_LINE_LEN - 1; i++)
        line[i] = (char)('a' + (seq + i) % 26);
    line[FLOOD_LINE_LEN - 1] = '\n';
    return FLOOD_LINE_LEN;
}

static bool flood_fill(struct guest *g)
{
    struct gconsole *c = g->cons[0];
    bool moved = false;
    for (;;) {
        if (pend_flush(c))
            moved = true;
        if (c->pend_len >= FLOOD_HIGH_WATER)
            break;
        if (!g->spec.flood_max && g->tokens < FLOOD_LINE_LEN)
            break;
        char line[FLOOD_LINE_LEN + 1];
        size_t n = flood_line(g, g->flood_seq + 1, line);
        pend_append(c, line, n);
        g->flood_seq++;
        if (!g->spec.flood_max)
            g->tokens -= (double)n;
    }
    return moved;
}

static void flood_tick(evutil_socket_t fd, short what, void *arg)
{
    struct guest *g = arg;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double dt = (double)(now.tv_sec - g->last_refill.tv_sec) +
                (double)(now.tv_nsec - g->last_refill.tv_nsec) / 1e9;
    g->last_refill = now;
    double rate = (double)g->spec.flood_rate;
    /* Allow a 100 ms burst so timer jitter does not cost throughput. */
    double cap = rate / 10.0 > 2.0 * FLOOD_LINE_LEN ? rate / 10.0 : 2.0 * FLOOD_LINE_LEN;
    g->tokens += rate * dt;
    if (g->tokens > cap)
        g->tokens = cap;
    if (!g->crashed && flood_fill(g))
        console_notify(g->cons[0]);
}

static void every_tick(evutil_socket_t fd, short what, void *arg)
{
    struct guest *g = arg;
    if (g->crashed)
        return;
    g->every_seq++;
    if (g->spec.has_line) {
        pend_append(g->cons[0], g->spec.line, g->spec.line_len);
        console_puts_raw(g->cons[0], "\r\n", 2);
    } else {
        console_printf(g->cons[0], "%s: tick %llu\r\n", g->name, (unsigned long long)g->every_seq);
    }
}

/* ---- console input ------------------------------------------------------ */

static void console_service(struct gconsole *c)
{
    struct guest *g = c->g;
    bool moved = false;
    for (unsigned round = 0; round < SERVICE_ROUNDS; round++) {
        bool progress = pend_flush(c) > 0;
        size_t want = sizeof(c->intf->in);
        bool filtered = c->index == 0 && g->hk;
        if (c->has_shell && !g->crashed) {
            size_t room = pend_free(c);
            if (filtered)
                room = room > HOTKEY_OUTPUT_RESERVE ? room - HOTKEY_OUTPUT_RESERVE : 0;
            want = room / SHELL_MAX_OUTPUT_PER_BYTE;
        }
        char buf[sizeof(c->intf->in)];
        size_t n = want ? conring_read(&c->ring, buf, want) : 0;
        if (n) {
            progress = true;
            c->bytes_in += n;
            if (filtered && !g->crashed)
                hka_input(g->hk, buf, n);
            else if (c->has_shell && !g->crashed)
                shell_input(&c->shell, buf, n, time(NULL), g->boot_time);
        }
        if (!progress)
            break;
        moved = true;
    }
    if (c->index == 0 && g->spec.flood && !g->crashed && flood_fill(g))
        moved = true;
    if (moved)
        console_notify(c);
}

/* ---- the guest's xenstore client ---------------------------------------- */

static void store_notify(void *ctx)
{
    struct guest *g = ctx;
    (void)hv_evtchn_notify(g->domid, g->store_port);
}

static const char *const sysrq_actions[128] = {
    ['b'] = "Resetting",
    ['c'] = "Trigger a crash",
    ['d'] = "Show Locks Held",
    ['e'] = "Terminate All Tasks",
    ['f'] = "Manual OOM execution",
    ['i'] = "Kill All Tasks",
    ['j'] = "Emergency Thaw of all frozen filesystems",
    ['k'] = "SAK",
    ['l'] = "Show backtrace of all active CPUs",
    ['m'] = "Show Memory",
    ['n'] = "Nice All RT Tasks",
    ['o'] = "Power Off",
    ['p'] = "Show Regs",
    ['q'] = "Show clockevent devices & pending hrtimers (no others)",
    ['r'] = "Keyboard mode set to system default",
    ['s'] = "Emergency Sync",
    ['t'] = "Show State",
    ['u'] = "Emergency Remount R/O",
    ['w'] = "Show Blocked State",
    ['z'] = "Dump ftrace buffer",
};

static void run_sysrq(struct guest *g, unsigned char key)
{
    struct gconsole *c = g->cons[0];
    char ts[32];
    kernel_stamp(g, ts, sizeof(ts));
    g->sysrq_count++;
    if (key >= '0' && key <= '9') {
        console_printf(c, "%s sysrq: Changing Loglevel\r\n%s sysrq: Loglevel set to %c\r\n", ts, ts,
                       key);
    } else if (key < 128 && sysrq_actions[key]) {
        console_printf(c, "%s sysrq: %s\r\n", ts, sysrq_actions[key]);
        if (key == 'm')
            console_printf(c,
                           "%s Mem-Info:\r\n%s active_anon:1024 inactive_anon:0 "
                           "free:65536\r\n",
                           ts, ts);
        else if (key == 't')
            console_printf(c,
                           "%s task:init            state:S stack:0     pid:1     "
                           "ppid:0      flags:0x00000000\r\n",
                           ts);
        else if (key == 'c')
            guest_crash(g, "sysrq triggered crash");
    } else {
        console_printf(c,
                       "%s sysrq: HELP : loglevel(0-9) reboot(b) crash(c) "
                       "terminate-all-tasks(e) memory-full-oom-kill(f) "
                       "kill-all-tasks(i) thaw-filesystems(j) sak(k) "
                       "show-backtrace-all-active-cpus(l) show-memory-usage(m) "
                       "nice-all-RT-tasks(n) poweroff(o) show-registers(p) "
                       "show-all-timers(q) unraw(r) sync(s) show-task-states(t) "
                       "unmount(u) show-blocked-tasks(w) dump-ftrace-buffer(z)\r\n",
                       ts);
    }
}

static void sysrq_read_done(void *ctx, uint32_t type, const char *payload, uint32_t len)
{
    struct guest *g = ctx;
    if (type != XS_READ || len == 0 || payload[0] == '\0' || g->crashed)
        return;
    /* Linux clears the node first, then runs the handler. */
    if (xsr_write(&g->xs, "control/sysrq", "", NULL, NULL) < 0)
        log_msg("dom%u: cannot clear control/sysrq: %s", g->domid, strerror(errno));
    run_sysrq(g, (unsigned char)payload[0]);
}

static void store_watch_fired(void *ctx, const char *path, const char *token)
{
    struct guest *g = ctx;
    if (g->crashed)
        return;
    if (g->hk && hka_on_watch(g->hk, path, token))
        return;
    if (strcmp(token, "sysrq") != 0)
        return;
    if (xsr_read(&g->xs, "control/sysrq", sysrq_read_done, g) < 0)
        log_msg("dom%u: cannot read control/sysrq: %s", g->domid, strerror(errno));
}

static void booted_written(void *ctx, uint32_t type, const char *payload, uint32_t len)
{
    struct guest *g = ctx;
    if (type == XS_WRITE)
        g->booted = true;
    else
        log_msg("dom%u: write data/booted failed: %.*s", g->domid, (int)(len < 64 ? len : 64),
                payload);
}

static void watch_registered(void *ctx, uint32_t type, const char *payload, uint32_t len)
{
    struct guest *g = ctx;
    if (type != XS_WATCH)
        log_msg("dom%u: watch control/sysrq failed: %.*s", g->domid, (int)(len < 64 ? len : 64),
                payload);
}

/* ---- NMI and the hotkey agent's hooks ------------------------------------ */

static void guest_crash_quiet(struct guest *g);

static void on_nmi(struct guest *g)
{
    char ts[32];
    kernel_stamp(g, ts, sizeof(ts));
    if (!g->spec.xencons_debug) {
        /* What Linux's default_do_nmi prints for an NMI nobody claims. */
        console_printf(g->cons[0],
                       "%s Uhhuh. NMI received for unknown reason 00 on CPU 0.\r\n"
                       "%s Dazed and confused, but trying to continue\r\n",
                       ts, ts);
        return;
    }
    /* Windows with crash dumps enabled bugchecks on an NMI; XENBUS logs
     * the bugcheck from its callback before the dump is written. */
    console_printf(g->cons[0], "XEN|BugCheckCallback: ====> (00000080 NMI_HARDWARE_FAILURE)\r\n"
                               "XEN|BugCheckCallback: 00000000`004f4454 00000000`00000000 "
                               "00000000`00000000 00000000`00000000\r\n"
                               "XEN|BugCheckCallback: <====\r\n");
    guest_crash_quiet(g);
}

static void hk_out(void *ctx, const char *buf, size_t len)
{
    struct guest *g = ctx;
    struct gconsole *c = g->cons[0];
    /* Frames start on a line of their own even mid-way through an echo. */
    if (c->last_out && c->last_out != '\n')
        pend_append(c, "\r\n", 2);
    console_puts_raw(c, buf, len);
}

static void hk_shell(void *ctx, const char *buf, size_t len)
{
    struct guest *g = ctx;
    struct gconsole *c = g->cons[0];
    if (c->has_shell && !g->crashed) {
        shell_input(&c->shell, buf, len, time(NULL), g->boot_time);
        if (pend_flush(c))
            console_notify(c);
    }
}

static void hk_info(void *ctx, struct hk_dump_info *info)
{
    struct guest *g = ctx;
    info->store_requests = g->xs.next_req_id - 1u;
    info->store_replies = g->xs.replies;
    info->store_watch_events = g->xs.watch_events;
    for (unsigned i = 0; i < g->ncons; i++) {
        info->console_in += g->cons[i]->bytes_in;
        info->console_out += g->cons[i]->bytes_out;
    }
}

/* ---- events --------------------------------------------------------------- */

void guest_on_event(struct guest *g, uint32_t port)
{
    if (port >= HV_GUEST_PORTS)
        return;
    switch (g->port_kind[port]) {
    case PORT_CONSOLE:
        console_service(g->cons[g->port_console[port]]);
        break;
    case PORT_STORE:
        if (xsr_service(&g->xs) < 0 && xsr_broken(&g->xs))
            log_msg("dom%u: xenstore ring broken", g->domid);
        break;
    case PORT_DEBUG:
        g->debug_count++;
        if (g->hk && !g->crashed)
            hka_debug_dump(g->hk);
        break;
    case PORT_NMI:
        g->nmi_count++;
        if (!g->crashed)
            on_nmi(g);
        break;
    default:
        break;
    }
}

/* ---- crash ---------------------------------------------------------------- */

static void crash_due(evutil_socket_t fd, short what, void *arg)
{
    struct guest *g = arg;
    g->env->reap(g->env->ctx, g);
}

static void crash_domain(struct guest *g);

/* Crashed without the Linux panic text (the caller printed its own). */
static void guest_crash_quiet(struct guest *g)
{
    if (g->crashed)
        return;
    g->crashed = true;
    crash_domain(g);
}

void guest_crash(struct guest *g, const char *why)
{
    if (g->crashed)
        return;
    char ts[32];
    kernel_stamp(g, ts, sizeof(ts));
    g->crashed = true;
    console_printf(g->cons[0],
                   "%s Kernel panic - not syncing: %s\r\n"
                   "%s CPU: 0 PID: 1 Comm: init Not tainted 6.1.0-xensim #1\r\n"
                   "%s Call Trace:\r\n%s  <TASK>\r\n%s  panic+0x118/0x2f0\r\n"
                   "%s  </TASK>\r\n"
                   "%s ---[ end Kernel panic - not syncing: %s ]---\r\n",
                   ts, why, ts, ts, ts, ts, ts, ts, why);
    crash_domain(g);
}

static void crash_domain(struct guest *g)
{
    if (hv_domain_shutdown(g->domid, SHUTDOWN_crash, 1) < 0)
        log_msg("dom%u: shutdown(crash): %s", g->domid, strerror(errno));
    if (g->flood_ev)
        event_del(g->flood_ev);
    if (g->every_ev)
        event_del(g->every_ev);
    g->crash_ev = evtimer_new(g->env->base, crash_due, g);
    struct timeval tv = xr_ms_to_timeval(CRASH_DESTROY_MS);
    if (!g->crash_ev || evtimer_add(g->crash_ev, &tv) < 0)
        log_msg("dom%u: cannot arm the crash timer", g->domid);
}

void guest_mark_rebooting(struct guest *g)
{
    g->rebooting = true;
    if (hv_domain_shutdown(g->domid, SHUTDOWN_reboot, 0) < 0)
        log_msg("dom%u: shutdown(reboot): %s", g->domid, strerror(errno));
}

/* ---- xenstore nodes (dom0 side, as libxl) ------------------------------ */

/* Requests for one guest, queued on one lane of a pipelined batch; the
 * first failure to queue sticks. */
struct pubq {
    struct xsw *w;
    unsigned lane, tag;
    int err;
};

static void q_put(struct pubq *q, const char *dir, const char *node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void q_put(struct pubq *q, const char *dir, const char *node, const char *fmt, ...)
{
    char path[256], value[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    if (q->err)
        return;
    if (n < 0 || (size_t)n >= sizeof(value) ||
        (size_t)snprintf(path, sizeof(path), "%s%s%s", dir, *node ? "/" : "", node) >= sizeof(path))
        q->err = E2BIG;
    else if (xsw_write(q->w, q->lane, q->tag, path, value, (size_t)n) < 0)
        q->err = errno;
}

static void q_perms(struct pubq *q, const char *path, const struct xs_permissions *perms,
                    unsigned nperms)
{
    if (!q->err && xsw_set_perms(q->w, q->lane, q->tag, path, perms, nperms) < 0)
        q->err = errno;
}

static void dom_path(const struct guest *g, char *buf, size_t size)
{
    snprintf(buf, size, "/local/domain/%u", g->domid);
}

/*
 * The nodes libxl writes that something here reads: the console backends
 * (xcmuxd, xenconsoled: console/, name, device/console/), the guest itself
 * (data/ and, for --linux-sysrq, control/sysrq, both guest-writable), tests
 * and hostile guests' stand-ins (store/). Not written, because nothing
 * reads them and every node costs xenstored O(domains): /vm/<uuid>, vm,
 * domid, control/shutdown, console/backend-id, and device/ when there is
 * no secondary console. No transaction either: its commit re-reads every
 * node once per connection, i.e. per domain. The domain is introduced
 * last, on the same lane, so @introduceDomain finds everything in place,
 * and a backend that finds the domain earlier (by listing domains) gets
 * each node's watch event; console/ring-ref and port come after the rest
 * of console/.
 *
 * Permissions: a node created by dom0 inherits its parent's. Changing an
 * existing node's permissions makes xenstored, for every connection (one
 * per domain) that may read neither the old nor the new permissions,
 * re-read the node's parent: O(domains^2) per XS_SET_PERMS. It skips that
 * when the old or new permissions let everyone read ("r0"). So the domain
 * dir is first opened to everyone, the guest-owned nodes are created in
 * it (inheriting "r0") and narrowed, innermost first, and the domain dir
 * is narrowed last; nodes created after that inherit its final "n0,r<id>"
 * as before. Every node ends with libxl's permissions.
 */
static void queue_nodes(struct guest *g, struct pubq *q)
{
    uint32_t id = g->domid;
    char dom[64], path[256];
    dom_path(g, dom, sizeof(dom));
    /* libxl: the domain dir and console/ are dom0's, readable by the guest;
     * data/, device/ and control/ knobs belong to the guest. */
    struct xs_permissions roperm[2] = {
        {.id = 0, .perms = XS_PERM_NONE},
        {.id = id, .perms = XS_PERM_READ},
    };
    struct xs_permissions rwperm[1] = {{.id = id, .perms = XS_PERM_NONE}};
    struct xs_permissions front_perm[2] = {
        {.id = id, .perms = XS_PERM_NONE},
        {.id = 0, .perms = XS_PERM_READ},
    };
    struct xs_permissions open_perm[1] = {{.id = 0, .perms = XS_PERM_READ}};
#define SUB(node) (snprintf(path, sizeof(path), "%s/%s", dom, node), path)

    /* Domids are not reused within a host's life, so unlike libxl we do
     * not xs_rm first. */
    q_put(q, dom, "", "%s", "");
    q_perms(q, dom, open_perm, 1);
    q_put(q, SUB("data"), "", "%s", "");
    if (g->spec.linux_sysrq)
        q_put(q, SUB("control/sysrq"), "", "%s", "");
    if (g->ncons > 1)
        q_put(q, SUB("device/console"), "", "%s", "");
    for (unsigned n = 1; n < g->ncons; n++) {
        /* libxl__device_console_add: the frontend directory is the
         * guest's, but name, limit, type, output and tty are dom0's
         * (read-only to the guest): a guest cannot change who serves its
         * console. type is "ioemu" for the consoles libxl gives QEMU (xl
         * channels), "xenconsoled" for the console daemon's. */
        bool ioemu = n > g->ncons - 1 - g->spec.ioemu;
        snprintf(path, sizeof(path), "%s/device/console/%u", dom, n);
        q_put(q, path, "", "%s", "");
        if (ioemu)
            q_put(q, path, "name", "channel%u", n);
        else
            q_put(q, path, "name", "%s-con%u", g->name, n);
        q_put(q, path, "limit", "1048576");
        q_put(q, path, "type", "%s", ioemu ? "ioemu" : "xenconsoled");
        q_put(q, path, "output", "pty");
        q_put(q, path, "tty", "%s", "");
        static const char *const ro_nodes[] = {"name", "limit", "type", "output", "tty"};
        for (unsigned k = 0; k < sizeof(ro_nodes) / sizeof(ro_nodes[0]); k++) {
            char node[300];
            snprintf(node, sizeof(node), "%s/%s", path, ro_nodes[k]);
            q_perms(q, node, roperm, 2);
        }
        q_perms(q, path, front_perm, 2);
    }
    if (g->ncons > 1) {
        /* As libxl leaves them: dom0's, readable by the guest, so a guest
         * that removes a frontend directory cannot create it again. */
        q_perms(q, SUB("device/console"), roperm, 2);
        q_perms(q, SUB("device"), roperm, 2);
    }
    if (g->spec.linux_sysrq) {
        q_perms(q, SUB("control/sysrq"), rwperm, 1);
        /* control/ itself is dom0's, as if it inherited the domain dir's. */
        q_perms(q, SUB("control"), roperm, 2);
    }
    q_perms(q, SUB("data"), rwperm, 1);
    q_perms(q, dom, roperm, 2);
#undef SUB

    q_put(q, dom, "name", "%s", g->name);
    /* libxl (store_serial_port_info) writes what QEMU's query-chardev
     * names, in the dom0-owned domain dir: read-only to the guest. */
    if (g->serial)
        q_put(q, dom, "serial/0/tty", "%s", gsp_path(g->serial));
    q_put(q, dom, "store/port", "%u", g->store_port);
    q_put(q, dom, "store/ring-ref", "%llu", (unsigned long long)hv_page_gfn(g->store_page));
    for (unsigned n = 1; n < g->ncons; n++) {
        struct gconsole *c = g->cons[n];
        char front[128], back[128];
        snprintf(front, sizeof(front), "%s/device/console/%u", dom, n);
        snprintf(back, sizeof(back), "/local/domain/0/backend/console/%u/%u", id, n);
        bool ioemu = n > g->ncons - 1 - g->spec.ioemu;
        q_put(q, front, "backend", "%s", back);
        q_put(q, front, "backend-id", "0");
        q_put(q, front, "protocol", "vt100");
        q_put(q, front, "state", "4");
        q_put(q, front, "ring-ref", "%u", 2 + (n - 1));
        q_put(q, front, "port", "%u", c->port);
        q_put(q, back, "", "%s", "");
        q_perms(q, back, open_perm, 1);
        q_perms(q, back, roperm, 2);
        q_put(q, back, "frontend", "%s", front);
        q_put(q, back, "frontend-id", "%u", id);
        q_put(q, back, "online", "1");
        q_put(q, back, "state", "1");
        q_put(q, back, "connection", "pty");
        q_put(q, back, "protocol", "vt100");
        if (ioemu)
            q_put(q, back, "name", "channel%u", n);
        else
            q_put(q, back, "name", "%s-con%u", g->name, n);
    }
    struct gconsole *c0 = g->cons[0];
    char con[96];
    snprintf(con, sizeof(con), "%s/console", dom);
    q_put(q, con, "type", "xenconsoled");
    q_put(q, con, "limit", "1048576");
    q_put(q, con, "output", "pty");
    q_put(q, con, "ring-ref", "%llu", (unsigned long long)hv_page_gfn(c0->page));
    q_put(q, con, "port", "%u", c0->port);
}

int guest_queue_publish(struct guest *g, struct xsw *w, unsigned lane, unsigned tag)
{
    struct pubq q = {.w = w, .lane = lane, .tag = tag};
    queue_nodes(g, &q);
    if (!q.err &&
        xsw_introduce(w, lane, tag, g->domid, hv_page_gfn(g->store_page), g->store_port) < 0)
        q.err = errno;
    if (q.err) {
        errno = q.err;
        return -1;
    }
    return 0;
}

static void remove_nodes(struct guest *g)
{
    struct xs_handle *xsh = g->env->xsh;
    char path[128];
    if (g->ncons > 1) {
        snprintf(path, sizeof(path), "/local/domain/0/backend/console/%u", g->domid);
        xs_rm(xsh, XBT_NULL, path);
    }
    dom_path(g, path, sizeof(path));
    xs_rm(xsh, XBT_NULL, path);
}

/* ---- lifecycle ------------------------------------------------------------ */

static int add_port(struct guest *g, int port, enum port_kind kind, unsigned con)
{
    if (port < 0 || port >= (int)HV_GUEST_PORTS) {
        if (port >= 0)
            errno = ERANGE;
        return -1;
    }
    g->port_kind[port] = (uint8_t)kind;
    g->port_console[port] = (uint8_t)con;
    return port;
}

static int add_console(struct guest *g, unsigned index)
{
    struct gconsole *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    g->cons[index] = c;
    g->ncons = index + 1;
    c->g = g;
    c->index = index;
    c->page = hv_page_alloc(g->domid);
    if (c->page < 0)
        return -1;
    uint32_t ref = index == 0 ? GNTTAB_RESERVED_CONSOLE : 2 + (index - 1);
    if (hv_grant_set(g->domid, ref, c->page) < 0)
        return -1;
    c->intf = hv_page_map(c->page);
    if (!c->intf)
        return -1;
    conring_init(&c->ring, c->intf);
    int port = add_port(g, hv_evtchn_alloc_unbound(g->domid, 0, g->env->recv), PORT_CONSOLE, index);
    if (port < 0)
        return -1;
    c->port = (uint32_t)port;
    if (g->spec.echo) {
        shell_init(&c->shell, g->name, shell_sink, c);
        c->has_shell = true;
    }
    return 0;
}

static int build_domain(struct guest *g)
{
    int dom = hv_domain_create(g->name, 0);
    if (dom < 0)
        return -1;
    g->domid = (uint32_t)dom;
    g->store_page = hv_page_alloc(g->domid);
    if (g->store_page < 0 || hv_grant_set(g->domid, GNTTAB_RESERVED_XENSTORE, g->store_page) < 0)
        return -1;
    g->store_intf = hv_page_map(g->store_page);
    if (!g->store_intf)
        return -1;
    for (unsigned i = 0; i <= g->spec.secondary; i++)
        if (add_console(g, i) < 0)
            return -1;
    if (g->spec.serial && !(g->serial = gsp_new(g->env->base, g->name, g->spec.echo)))
        return -1;
    int port = add_port(g, hv_evtchn_alloc_unbound(g->domid, 0, g->env->recv), PORT_STORE, 0);
    if (port < 0)
        return -1;
    g->store_port = (uint32_t)port;
    port = add_port(g, hv_evtchn_bind_virq(g->domid, g->env->recv, HV_VIRQ_DEBUG), PORT_DEBUG, 0);
    if (port < 0)
        return -1;
    g->debug_port = (uint32_t)port;
    port = add_port(g, hv_evtchn_bind_virq(g->domid, g->env->recv, HV_VIRQ_SIM_NMI), PORT_NMI, 0);
    if (port < 0)
        return -1;
    g->nmi_port = (uint32_t)port;
    return 0;
}

static void print_boot_text(struct guest *g)
{
    struct gconsole *c = g->cons[0];
    if (g->spec.has_say) {
        pend_append(c, g->spec.say, g->spec.say_len);
        console_puts_raw(c, "\r\n", 2);
    } else if (!g->spec.no_boot_text && g->spec.xencons_debug) {
        console_printf(c,
                       "XENBUS|DriverEntry: XENBUS 9.1.0.26 (xensim %s)\r\n"
                       "XENCONS|DriverEntry: XENCONS 9.1.0.8\r\n"
                       "XENCONS|Hotkeys: registered in data/xcmux/hotkeys\r\n",
                       g->name);
    } else if (!g->spec.no_boot_text) {
        console_printf(
            c,
            "[    0.000000] Linux version 6.1.0-xensim (xensim@guestd) (gcc 12.2.0) "
            "#1 SMP PREEMPT_DYNAMIC %s\r\n"
            "[    0.000000] Command line: root=/dev/xvda1 ro console=hvc0\r\n"
            "[    0.000000] Booting paravirtualized kernel on Xen\r\n"
            "[    0.412000] hvc0: console [hvc0] enabled\r\n"
            "[    1.020000] xenbus_probe_frontend: Device with no driver: device/vbd/51712\r\n"
            "\r\nDebian GNU/Linux 12 %s hvc0\r\n\r\n",
            g->name, g->name);
        if (!g->spec.echo)
            console_printf(c, "%s login: ", g->name);
    }
    for (unsigned n = 1; n < g->ncons; n++)
        console_printf(g->cons[n], "%s console %u ready\r\n", g->name, n);
    if (g->serial) {
        gsp_printf(g->serial, "%s serial 0 ready (ttyS0)\r\n", g->name);
        gsp_prompt(g->serial);
    }
    for (unsigned n = 0; n < g->ncons; n++)
        if (g->cons[n]->has_shell) {
            shell_prompt(&g->cons[n]->shell);
            if (pend_flush(g->cons[n]))
                console_notify(g->cons[n]);
        }
}

static int boot(struct guest *g, char *err, size_t errlen)
{
    clock_gettime(CLOCK_MONOTONIC, &g->boot_mono);
    g->boot_time = time(NULL);
    xsr_init(&g->xs, g->store_intf, store_notify, store_watch_fired, g);
    if (xsr_write(&g->xs, "data/booted", "1", booted_written, g) < 0 ||
        (g->spec.linux_sysrq &&
         xsr_watch(&g->xs, "control/sysrq", "sysrq", watch_registered, g) < 0)) {
        snprintf(err, errlen, "guest xenstore client: %s", strerror(errno));
        return -1;
    }
    if (g->spec.xencons_debug) {
        struct hka_env env = {
            .base = g->env->base,
            .xs = &g->xs,
            .spec = &g->spec,
            .domid = g->domid,
            .out = hk_out,
            .shell = hk_shell,
            .info = hk_info,
            .ctx = g,
        };
        g->hk = hka_new(&env);
        if (!g->hk || hka_start(g->hk) < 0) {
            snprintf(err, errlen, "hotkey agent: %s", strerror(errno));
            return -1;
        }
    }
    xsr_service(&g->xs);
    print_boot_text(g);
    if (g->spec.flood) {
        clock_gettime(CLOCK_MONOTONIC, &g->last_refill);
        if (!g->spec.flood_max) {
            g->flood_ev = event_new(g->env->base, -1, EV_PERSIST, flood_tick, g);
            struct timeval tv = xr_ms_to_timeval(FLOOD_TICK_MS);
            if (!g->flood_ev || event_add(g->flood_ev, &tv) < 0) {
                snprintf(err, errlen, "cannot arm the flood timer");
                return -1;
            }
        } else if (flood_fill(g)) {
            console_notify(g->cons[0]);
        }
    }
    if (g->spec.every_ms) {
        g->every_ev = event_new(g->env->base, -1, EV_PERSIST, every_tick, g);
        struct timeval tv = xr_ms_to_timeval(g->spec.every_ms);
        if (!g->every_ev || event_add(g->every_ev, &tv) < 0) {
            snprintf(err, errlen, "cannot arm the periodic timer");
            return -1;
        }
    }
    return 0;
}

static void free_guest(struct guest *g)
{
    hka_free(g->hk);
    gsp_free(g->serial);
    if (g->flood_ev)
        event_free(g->flood_ev);
    if (g->every_ev)
        event_free(g->every_ev);
    if (g->crash_ev)
        event_free(g->crash_ev);
    for (unsigned i = 0; i < g->ncons; i++) {
        if (g->cons[i]->intf)
            hv_page_unmap(g->cons[i]->intf);
        free(g->cons[i]);
    }
    if (g->store_intf)
        hv_page_unmap(g->store_intf);
    free(g);
}

struct guest *guest_prepare(struct guest_env *env, const struct guest_spec *spec, const char *name,
                            char *err, size_t errlen)
{
    struct guest *g = calloc(1, sizeof(*g));
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    g->env = env;
    g->spec = *spec;
    snprintf(g->name, sizeof(g->name), "%s", name);
    if (build_domain(g) < 0) {
        snprintf(err, errlen, "hypervisor: %s", strerror(errno));
        log_msg("create %s: %s", name, err);
        guest_destroy(g);
        return NULL;
    }
    return g;
}

int guest_start(struct guest *g, int publish_err, char *err, size_t errlen)
{
    if (publish_err) {
        snprintf(err, errlen, "xenstore: publishing dom%u: %s", g->domid, strerror(publish_err));
        log_msg("create %s: %s", g->name, err);
        return -1;
    }
    if (boot(g, err, errlen) < 0) {
        log_msg("create %s: %s", g->name, err);
        return -1;
    }
    return 0;
}

void guest_kill_domain(struct guest *g)
{
    if (g->domid && !g->killed) {
        g->killed = true;
        /* Its timers use the store page unmapped below. */
        hka_free(g->hk);
        g->hk = NULL;
        /* Unmap first: the hypervisor frees the pages with the domain. */
        for (unsigned i = 0; i < g->ncons; i++)
            if (g->cons[i]->intf) {
                hv_page_unmap(g->cons[i]->intf);
                g->cons[i]->intf = NULL;
            }
        if (g->store_intf) {
            hv_page_unmap(g->store_intf);
            g->store_intf = NULL;
        }
        if (hv_domain_destroy(g->domid) < 0)
            log_msg("dom%u: destroy: %s", g->domid, strerror(errno));
    }
}

void guest_destroy(struct guest *g)
{
    if (g->domid) {
        guest_kill_domain(g);
        remove_nodes(g);
    }
    free_guest(g);
}

void guest_get_stats(const struct guest *g, struct guest_stats *out)
{
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < g->ncons; i++) {
        const struct gconsole *c = g->cons[i];
        out->bytes_out += c->bytes_out;
        out->bytes_in += c->bytes_in;
        out->dropped += c->dropped;
        out->ring_errors += c->ring.corrupt;
        out->pending += c->pend_len;
    }
    if (g->serial) {
        struct gsp_stats ss;
        gsp_get_stats(g->serial, &ss);
        out->serial_out = ss.bytes_out;
        out->serial_in = ss.bytes_in;
    }
    out->flood_seq = g->flood_seq;
    out->sysrq = g->sysrq_count;
    out->debug = g->debug_count;
    out->nmi = g->nmi_count;
    if (g->hk) {
        struct hka_stats hs;
        hka_get_stats(g->hk, &hs);
        out->hotkeys_received = hs.hotkeys_received;
        out->acks_sent = hs.acks_sent;
        out->hotkeys_registered = hs.registered;
        out->hotkey_version = hs.version_written;
    }
    out->booted = g->booted;
    out->crashed = g->crashed;
}

int guest_serial_hangup(struct guest *g)
{
    if (!g->serial) {
        errno = ENODEV;
        return -1;
    }
    gsp_hangup(g->serial);
    return 0;
}
