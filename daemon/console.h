/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * console.h — one guest console: its ring, its shared output buffer, its
 * log, and its audience: the readers (sessions, the pty) registered on it.
 *
 * Contract
 * - The daemon always drains the guest: output goes into `buf` (which
 *   overwrites its oldest bytes) and the log, and then every reader of
 *   the audience is offered it (console_pump: one call per reader, no
 *   copy; each reader reads `buf` through its own offset). A slow reader
 *   never slows the guest, the log or another reader; it is moved
 *   forward and told how much it missed.
 * - The console owns its audience and knows nothing of what a reader
 *   is: it calls the reader's ops (pump, notice, gone, drop). What
 *   people are told goes through one call, console_broadcast(). Layers:
 *   the console calls no session code; sessions (session.c) and the pty
 *   (pty.c) register themselves.
 * - Rate limit: with `cfg.rate` set, a console over its budget keeps its
 *   event channel masked and a timer re-arms it when tokens are back: the
 *   guest waits on a full ring, dom0 burns no CPU, nothing freezes.
 * - Input from sessions goes into the ring; what does not fit waits in a
 *   bounded queue (CONSOLE_INPUT_MAX) and is written as the guest consumes.
 *   Input beyond the queue is refused and counted, never silently lost.
 * - Write seat: `writer` is decided by seat.c alone (seat.h), which
 *   keeps it NULL or a session in the audience; the console only clears
 *   it when it goes away.
 * - A console whose ring indices are insane is marked CORRUPT, unbound
 *   and left alone; every other console carries on.
 * - Where the bytes come from is the backend's (console-backend.h): this
 *   file serves every kind of console the same way.
 */
#ifndef XCMUX_DAEMON_CONSOLE_H
#define XCMUX_DAEMON_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "daemon/config.h"
#include "daemon/outbuf.h"
#include "daemon/ratelimit.h"
#include "daemon/daemon.h"
#include "protocol/hkfilter.h"

#define CONSOLE_INPUT_MAX (64u * 1024u)
/* Hotkey sequences waiting for ring room (each written whole). */
#define CONSOLE_ATOMIC_MAX 8

struct console_atomic {
    uint32_t id;
    uint16_t len;
    uint8_t bytes[XCMUX_HOTKEY_ARG_MAX];
};

enum console_state {
    CONSOLE_WAITING, /* known, ring not connected yet */
    CONSOLE_RUNNING,
    CONSOLE_GONE,    /* domain destroyed; replay still readable */
    CONSOLE_CORRUPT, /* ring indices insane; disconnected */
};

struct journal;
struct log;
struct pty;
struct domain;
struct console_reader;

/* What a reader does when the console calls it. */
struct console_reader_ops {
    /* A session (counted in nsessions, told notices) or not (the pty). */
    bool is_session;
    /* Output was appended to the buffer: take what may be taken now. */
    void (*pump)(struct console_reader *r);
    /* People are told CODE (NOTICE code), COUNT and TEXT. NULL: not a
     * person. */
    void (*notice)(struct console_reader *r, unsigned code, uint64_t count, const char *text);
    /* The console is gone (WHY): stay, end, or end once caught up. */
    void (*gone)(struct console_reader *r, const char *why);
    /* The console is being freed: leave its audience now (the reader may
     * be freed). */
    void (*drop)(struct console_reader *r);
    /* Name for logs ("user (uid N, pid P)"). */
    const char *(*who)(const struct console_reader *r);
};

struct console_reader {
    TAILQ_ENTRY(console_reader) link; /* console's readers */
    const struct console_reader_ops *ops;
};
TAILQ_HEAD(reader_list, console_reader);

struct console {
    TAILQ_ENTRY(console) link;     /* xd.consoles */
    struct domain *dom;            /* discovery's (domain.h); NULL once gone */
    uint32_t domid;                /* kept after the domain is gone */
    unsigned index;                /* 0 = primary, n = device/console/n */
    char name[XCMUX_NAME_MAX + 1]; /* guest name (log, list) */
    char xs_dir[128];              /* the frontend's xenstore directory */
    enum console_state state;
    struct console_cfg cfg;

    /* ring */
    void *page;
    bool granted;
    uint64_t ring_ref;
    uint32_t remote_port;
    int local_port; /* -1 when unbound */

    struct outbuf buf;
    struct log *log;
    struct journal *journal; /* log_target journal or both */
    struct pty *pty;
    struct ratelimit rl;
    struct event *rl_timer;
    struct event *pump_timer; /* sends batched output to sessions */
    size_t unpumped;          /* output not yet offered to sessions */
    bool throttled;           /* port left masked by the limiter */
    struct evbuffer *inq;     /* input waiting for ring space */
    /* Hotkeys: sequences written whole and ahead of queued user input,
     * and the filter that drops hotkey sequences users type. */
    struct console_atomic *atomic; /* CONSOLE_ATOMIC_MAX slots while natomic > 0 */
    unsigned natomic;
    struct hkf input_filter;
    struct hotkeys *hk;
    uint64_t input_forged; /* hotkey sequences dropped from users */

    struct reader_list readers; /* the audience: sessions, the pty */
    unsigned nsessions;         /* readers that are sessions */
    struct session *writer;     /* write seat (policy single; seat.h) */
    bool freeing;               /* console_free in progress */

    /* counters, shown by `list` */
    uint64_t bytes_out;
    uint64_t dropped_guest;  /* bytes lost before the buffer */
    uint64_t dropped_client; /* bytes sessions were moved past */
    uint64_t input_refused;  /* input bytes that found no room */

    /* Where the bytes come from (console-backend.h): a PV ring, Xen's
     * console ring, an emulated serial port. */
    const struct console_backend *be;
    void *be_data; /* the backend's own state, if it keeps any here */
};

/* A PV ring console (console-ring.c) of domain DOMID named NAME (index 0
 * primary) reading its nodes under XS_DIR; not connected yet. DOM is
 * discovery's record, kept for it (the console does not look inside). */
struct console *console_new(struct domain *dom, uint32_t domid, const char *name, unsigned index,
                            const char *xs_dir);
/* Output from the console's source: into the buffer, the log and the
 * journal, and offered to sessions (console-backend.h). */
void console_output(struct console *c, const uint8_t *data, size_t n);
/* A ring console: connect (map + bind + CONNECTED) or reconnect when
 * ring-ref/port changed. Returns 0 when running, -1 when not (yet)
 * possible. */
int console_connect(struct console *c, uint64_t ring_ref, uint32_t port);
/* The domain is gone: unbind, unmap, tell sessions, log it. Sessions that
 * follow the guest by name stay; the console is freed when none remain. */
void console_gone(struct console *c, const char *why);
void console_free(struct console *c);
/* Every console (shutdown, or a test between two setups). */
void console_free_all(void);

/* An event fired on the console's port (called with the port masked),
 * or its source is readable: the backend reads. */
void console_event(struct console *c);
/* What `list` shows as the console's tty ("" when nothing). */
const char *console_describe(const struct console *c);
/* For backends: add what fits of LEN bytes to the console's bounded
 * input queue (CONSOLE_INPUT_MAX), count the rest in input_refused, and
 * return how many were queued. */
size_t console_queue_input(struct console *c, const uint8_t *bytes, size_t len);
/* Queue input for the guest; returns bytes accepted. Hotkey sequences in
 * user input are dropped (FROM, if not NULL, is told; the pty passes
 * NULL). */
size_t console_input(struct console *c, const uint8_t *bytes, size_t len);
size_t console_input_from(struct console *c, const uint8_t *bytes, size_t len,
                          struct console_reader *from);
/* Queue a hotkey sequence to be written into the input ring whole, before
 * any queued user input, as soon as the guest has room. hotkey_injected(c,
 * ID) is called once it is written (possibly before this returns). -1 when
 * the console is not running, the queue is full or LEN is too long. */
int console_inject_atomic(struct console *c, uint32_t id, const uint8_t *bytes, size_t len);
/* Drop sequence ID from the queue if it is still there. */
void console_inject_cancel(struct console *c, uint32_t id);

/* R joins or leaves C's audience. A gone console whose last session
 * leaves is freed (by console_remove_reader, unless C is being freed). */
void console_add_reader(struct console *c, struct console_reader *r);
void console_remove_reader(struct console *c, struct console_reader *r);
/* Tell every person of C's audience but EXCEPT (may be NULL): each
 * session reader's notice op decides whether it is listening. */
void console_broadcast(struct console *c, const struct console_reader *except, unsigned code,
                       uint64_t count, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Bytes of output appended: let every reader catch up. */
void console_pump(struct console *c);

/* Re-resolve the per-console config after a reload. */
void console_reconfigure(struct console *c);
void console_log_event(struct console *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *console_state_name(enum console_state s);

#endif
