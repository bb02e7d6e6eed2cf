/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hyp.h — the daemon's only door to the hypervisor and xenstore.
 *
 * Contract
 * - hyp.c is the one file that includes libxen headers (libxenctrl,
 *   libxenstore, libxenevtchn, libxengnttab, libxenforeignmemory). The
 *   rest of the daemon sees domains as ids, rings as opaque pages and event
 *   channels as small integers.
 * - One event-channel handle carries every console: its fd goes in the
 *   event loop; hyp_pending() names one fired local port at a time, masked
 *   until hyp_unmask(). Local ports are < HYP_MAX_PORTS so callers index a
 *   flat table by port (no per-event search).
 * - Two ways to ask the store. The calls below under "xenstore" are
 *   synchronous round trips on the main connection (start-up, the
 *   domain-list watches, hotkeys). Jobs (below, "requests off the loop")
 *   are what attach and console paths use: a job's requests are
 *   pipelined, without blocking, on one of HYP_WORKERS job connections
 *   (watches set by a job fire there), and the loop only hears of the
 *   outcome, so a slow or stopped store never holds the loop: rings keep
 *   draining. (Where the store has no socket, or with
 *   XCMUX_STORE_PIPELINE=0 in the environment, jobs run on HYP_WORKERS
 *   threads instead, synchronous there, with the same guarantees.) Watch
 *   events arrive on hyp_watch_fd() (the main connection's) and on
 *   hyp_jobs_fd() (the job connections', while hyp_watch_pending()) and
 *   are fetched without blocking by hyp_next_watch().
 * - The store connection can die (the store exits or is restarted, or a
 *   reply libxenstore cannot take closes it). The daemon never asks the
 *   main connection for a directory (hyp_directory uses a throwaway
 *   connection of its own), so no guest can kill it on purpose. While it
 *   is down every xenstore call fails at once with ENOTCONN and
 *   hyp_watch_fd() is -1. hyp_store_check() finds out (one round trip;
 *   the caller runs it when hyp_store_check_due()), hyp_store_drop()
 *   closes the dead connection, and
 *   hyp_store_reconnect() opens a new one: watches are then to be set
 *   again by the caller.
 * - Everything read from xenstore is guest-influenced: values are returned
 *   NUL-terminated and bounded (HYP_VALUE_MAX); parsing is the caller's.
 * - Return conventions: -1 with errno on failure, unless stated.
 */
#ifndef XCMUX_DAEMON_HYP_H
#define XCMUX_DAEMON_HYP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HYP_MAX_PORTS 65536u
#define HYP_VALUE_MAX 4096u /* longest xenstore value we accept */
#define HYP_PATH_MAX  256u

struct hyp;

struct hyp_dominfo {
    uint32_t domid;
    bool dying;
    bool shutdown;
    bool crashed;
    unsigned shutdown_reason;
};

struct hyp *hyp_open(char *err, size_t errlen);
void hyp_close(struct hyp *h);

/* ---- xenstore ---- */
int hyp_watch_fd(struct hyp *h);
int hyp_watch(struct hyp *h, const char *path, const char *token);
int hyp_unwatch(struct hyp *h, const char *path, const char *token);
/* 1 and fills path/token when an event is queued, 0 when none. */
int hyp_next_watch(struct hyp *h, char *path, size_t pathlen, char *token, size_t toklen);
/* True while events of the job connections wait for hyp_next_watch()
 * (the caller of hyp_jobs_complete() dispatches them then). */
bool hyp_watch_pending(struct hyp *h);
/* Read into buf (NUL-terminated). Returns length, or -1 (ENOENT when the
 * node is absent, E2BIG when longer than buflen - 1). */
ssize_t hyp_read(struct hyp *h, const char *path, char *buf, size_t buflen);
int hyp_write(struct hyp *h, const char *path, const char *value);
int hyp_rm(struct hyp *h, const char *path);
/* Children names of PATH, joined by '\0' into buf; returns the count
 * (what fits). On its own connection: a listing too big for libxenstore
 * fails (E2BIG, or another errno) without touching the main one. */
int hyp_directory(struct hyp *h, const char *path, char *buf, size_t buflen);

/* ---- xenstore requests off the loop ----
 * A job is a list of requests run in order. Jobs with the same key run
 * in the order submitted (the key picks the connection; callers use the
 * domid, so a domain's requests never overtake each other); jobs with
 * different keys may run in parallel on HYP_WORKERS connections (k
 * connections let the C xenstored, which serves one message per
 * connection per pass over all its connections, do k requests per
 * pass). A job submitted while the store is down completes with every
 * request failed (ENOTCONN or what the dead connection says); so do
 * the jobs in flight on a connection that dies, which also makes the
 * next hyp_store_check() fail (the watches set on it are gone). DONE
 * runs on the loop, from hyp_jobs_complete(), and owns the job then. */
#define HYP_WORKERS 4u

enum hyp_op_kind {
    HYP_OP_READ,      /* value: the node's value, NUL-terminated */
    HYP_OP_WRITE,     /* arg: the value */
    HYP_OP_DIRECTORY, /* value: child names joined by '\0', len: their count */
    HYP_OP_WATCH,     /* arg: the token */
    HYP_OP_UNWATCH,   /* arg: the token */
};

struct hyp_op {
    enum hyp_op_kind kind;
    char *path;
    char *arg;
    int err;     /* 0, or the errno the request failed with (E2BIG: a
                  * value over HYP_VALUE_MAX) */
    char *value; /* READ, DIRECTORY: the reply (bounded: HYP_VALUE_MAX) */
    size_t len;  /* READ: the value's length; DIRECTORY: names kept */
};

struct hyp_job {
    uint32_t key;
    unsigned nops, cap;
    struct hyp_op *op;
    void (*done)(struct hyp_job *j);
    uint64_t cookie, epoch; /* the caller's */
    unsigned index;         /* the caller's */
    struct hyp_job *next;   /* the port's */
};

struct hyp_job *hyp_job_new(uint32_t key, void (*done)(struct hyp_job *j));
/* Append a request; its index, or -1 (out of memory). */
int hyp_job_add(struct hyp_job *j, enum hyp_op_kind kind, const char *path, const char *arg);
void hyp_job_free(struct hyp_job *j);
/* Queue J (taken; NULL is ignored). */
void hyp_job_submit(struct hyp *h, struct hyp_job *j);
/* Readable while finished jobs, replies or job connections' events wait
 * for hyp_jobs_complete(). */
int hyp_jobs_fd(struct hyp *h);
/* Read and write the job connections, then run DONE of up to MAX
 * finished jobs; returns how many still wait. */
unsigned hyp_jobs_complete(struct hyp *h, unsigned max);

/* ---- the store connection ---- */
/* False from a failed hyp_store_check() until hyp_store_reconnect(). */
bool hyp_store_up(struct hyp *h);
/* True when the connection is up and should be checked: a call failed
 * the way calls on a dead connection fail, or no reply came for IDLE_MS. */
bool hyp_store_check_due(struct hyp *h, unsigned idle_ms);
/* Ask the store (one round trip). 0: alive. -1: the connection is dead:
 * take hyp_watch_fd() out of the event loop, then hyp_store_drop(). */
int hyp_store_check(struct hyp *h);
/* xenstore round trips made so far (both connections). */
uint64_t hyp_store_requests(struct hyp *h);
/* Close the (dead) connections; hyp_store_up() is false from now on. */
void hyp_store_drop(struct hyp *h);
/* A descriptor of the main connection's socket that reports the store
 * closing it (poll it for the peer's hangup only: POLLRDHUP/EV_CLOSED;
 * it also sees every reply), or -1 when there is none (no connection, or
 * not a socket: then the caller checks on a timer). */
int hyp_store_fd(struct hyp *h);
/* CB runs (once until the next check) when a call fails the way calls
 * on a dead connection fail: the caller checks soon after. */
void hyp_store_on_suspect(struct hyp *h, void (*cb)(void));
/* Open a new connection; 0 when a store answers on it. */
int hyp_store_reconnect(struct hyp *h);
/* The path under which domain DOMID's nodes live ("/local/domain/<id>",
 * as xenstored answers; computed, no round trip). */
int hyp_domain_path(struct hyp *h, uint32_t domid, char *buf, size_t buflen);

/* ---- domains ---- */
/* Every domain, ascending by id. Returns the count (<= max). */
int hyp_list_domains(struct hyp *h, struct hyp_dominfo *out, unsigned max);

/* ---- console rings ---- */
/* Primary console: grant ref 0 (GNTTAB_RESERVED_CONSOLE), falling back to
 * a foreign map of gfn RING_REF. Secondary consoles: grant ref RING_REF.
 * Returns the page, and whether it was grant-mapped in *granted. */
void *hyp_map_console(struct hyp *h, uint32_t domid, uint64_t ring_ref, bool primary,
                      bool *granted);
void hyp_unmap_console(struct hyp *h, void *page, bool granted);

/* ---- event channels ---- */
int hyp_evtchn_fd(struct hyp *h);
/* Bind to the guest's unbound REMOTE_PORT; returns the local port. */
int hyp_bind(struct hyp *h, uint32_t domid, uint32_t remote_port);
int hyp_unbind(struct hyp *h, int local_port);
int hyp_notify(struct hyp *h, int local_port);
/* One fired local port, or -1 (EAGAIN) when none. */
int hyp_pending(struct hyp *h);
int hyp_unmask(struct hyp *h, int local_port);
/* True while LOCAL_PORT is still an interdomain channel to DOMID. */
bool hyp_port_connected(struct hyp *h, int local_port, uint32_t domid);

/* ---- the hypervisor's console ring (xl dmesg) ---- */
/* Bind VIRQ_CON_RING (raised when Xen's console ring gets new text) on
 * the shared event-channel handle; returns the local port. */
int hyp_conring_bind(struct hyp *h);
/* Read Xen's console ring from *INDEX on (incremental, never cleared):
 * up to LEN bytes into BUF; *INDEX moves past what was read and past
 * text overwritten before it was read (the caller compares to see how
 * much). Returns the count (0: nothing new), or -1. */
ssize_t hyp_conring_read(struct hyp *h, char *buf, size_t len, uint32_t *index);

/* ---- triggers ---- */
int hyp_send_nmi(struct hyp *h, uint32_t domid);
int hyp_debug_keys(struct hyp *h, const char *keys);

#endif
