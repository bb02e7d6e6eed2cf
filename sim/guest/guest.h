/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guest.h — one simulated guest: a domain in the simulated hypervisor, its
 * xenstore nodes as libxl writes them, and a "kernel" that talks to
 * xenstored through its own xenstore ring and prints to its PV consoles.
 *
 * Contract
 * - Creating a guest does what `xl create` does, in three steps so that
 *   the host can create many at once: guest_prepare() builds the domain
 *   (console and store pages granted as refs 0 and 1, unbound ports dom0
 *   may bind); guest_queue_publish() queues, on one lane of a pipelined
 *   batch (xswire.h), the nodes and permissions under /local/domain/<id>
 *   and the secondary consoles' backend dirs, then XS_INTRODUCE; after
 *   xsw_run(), guest_start() boots the guest side given the batch's
 *   result for it. A guest whose publish or start failed must be
 *   destroyed (guest_destroy) by the caller. Only the nodes something
 *   reads are written (see queue_nodes in guest.c).
 * - Removal uses the blocking dom0 libxenstore handle of ENV; everything
 *   the guest itself does is asynchronous on ENV's event base.
 * - Events of the guest's ports arrive through the host's single receiver;
 *   the host calls guest_on_event() with the port and unmasks afterwards.
 *   guest_port_owned() says whether a port belongs to this guest.
 * - Output is never dropped because the backend is slow or absent: each
 *   console has a bounded pending buffer, generators (flood) stop while it
 *   is full and input is only consumed when its worst-case echo fits.
 *   Only unsolicited output (periodic lines, panic text) that finds the
 *   pending buffer full is dropped, and counted.
 * - guest_crash() prints a panic, marks the domain crashed and shut down,
 *   and ~100 ms later asks ENV->reap to destroy it (on_crash=destroy).
 * - guest_destroy() destroys the domain, removes its xenstore nodes and
 *   frees everything; the guest must already be out of the host's tables.
 */
#ifndef XENSIM_GUEST_GUEST_H
#define XENSIM_GUEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/guest/ctlproto.h"

struct event_base;
struct xs_handle;
struct guest;

struct guest_env {
    struct event_base *base;
    struct xs_handle *xsh; /* dom0's connection to xenstored */
    int recv;              /* the host's receiver slot */
    /* Called from the event loop when a crashed guest is due for destroy. */
    void (*reap)(void *ctx, struct guest *g);
    void *ctx;
};

struct guest_stats {
    uint64_t bytes_out; /* into the output rings, all consoles */
    uint64_t bytes_in;  /* out of the input rings, all consoles */
    uint64_t flood_seq; /* last flood line number emitted */
    uint64_t sysrq;
    uint64_t debug;              /* VIRQ_DEBUG events */
    uint64_t nmi;                /* HV_VIRQ_SIM_NMI events */
    uint64_t hotkeys_received;   /* valid hotkeys, injected or requested */
    uint64_t acks_sent;          /* data/xcmux/ack writes accepted */
    uint64_t hotkeys_registered; /* registry entries written */
    bool hotkey_version;         /* data/xcmux/hotkeys/version written */
    uint64_t dropped;            /* unsolicited output dropped (pending full) */
    uint64_t ring_errors;        /* corrupt ring indices seen */
    uint64_t pending;            /* bytes waiting for ring space */
    uint64_t serial_out;         /* written to the serial port's master */
    uint64_t serial_in;          /* read from it */
    bool booted;                 /* data/booted written through the ring */
    bool crashed;
};

struct xsw;

/* NULL (ERR filled, logged) if the hypervisor half failed. */
struct guest *guest_prepare(struct guest_env *env, const struct guest_spec *spec, const char *name,
                            char *err, size_t errlen);
/* -1 with errno if a request could not be queued. */
int guest_queue_publish(struct guest *g, struct xsw *w, unsigned lane, unsigned tag);
/* PUBLISH_ERR: the batch's errno for this guest (0: published). -1 with
 * ERR filled (and logged) if the guest cannot run. */
int guest_start(struct guest *g, int publish_err, char *err, size_t errlen);
void guest_destroy(struct guest *g);
/* Only the hypervisor half of guest_destroy (idempotent). */
void guest_kill_domain(struct guest *g);
/* Reboot reason for the hypervisor before a destroy that a re-create will
 * follow (as libxl's on_reboot=restart). */
void guest_mark_rebooting(struct guest *g);
void guest_crash(struct guest *g, const char *why);
/* The device model exits: the serial port's master is closed (-1,
 * ENODEV: the guest has no serial port). */
int guest_serial_hangup(struct guest *g);

void guest_on_event(struct guest *g, uint32_t port);
bool guest_port_owned(const struct guest *g, uint32_t port);

uint32_t guest_domid(const struct guest *g);
const char *guest_name(const struct guest *g);
const struct guest_spec *guest_spec(const struct guest *g);
void guest_get_stats(const struct guest *g, struct guest_stats *out);

/* Opaque link for the host's name table. */
struct guest **guest_name_link(struct guest *g);

#endif
