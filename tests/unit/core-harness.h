/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * core-harness.h — the daemon core (libxcmuxd_core.a) on a fake xen port
 * (fake-hyp.c), a real event loop and real client sockets, for unit
 * tests of consoles, sessions and the write seat.
 *
 * Contract
 * - core_setup() fills the daemon context `xd` (daemon.h) with a fresh
 *   event base, the fake port, a config (the built-in defaults plus the
 *   given lines, logs in a private temporary directory, no pty) and a
 *   fake clock (core_clock_ms, advanced only by the test); discovery
 *   (domain.c) runs on it as in the daemon. core_teardown() frees it all.
 * - Guests are started and destroyed through the fake's domain list and
 *   xenstore and a rescan, so discovery, console creation and
 *   reboot-follow run their real code.
 * - A client is a socketpair whose far end is a session (session_new):
 *   every credential is the test process's (root: admin) unless the test
 *   changes the session's fields. Frames are read back decoded.
 * - core_run() runs the loop until nothing is ready; frames a session
 *   queued are then readable on the client's socket.
 */
#ifndef XCMUX_TESTS_CORE_HARNESS_H
#define XCMUX_TESTS_CORE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>

#include "protocol/xcmux-proto.h"

struct console;
struct hyp;
struct session;

/* ---- fake-hyp.c ---- */
void fake_domain_add(struct hyp *h, uint32_t domid);
void fake_domain_remove(struct hyp *h, uint32_t domid);
unsigned fake_notified(struct hyp *h, int local_port);
/* The guest writes into its output ring (returns what fit). */
size_t fake_guest_write(void *page, const void *bytes, size_t len);
/* The guest reads its input ring. */
size_t fake_guest_read(void *page, void *buf, size_t max);
/* Queue a watch event (PATH, TOKEN) for hyp_next_watch(). */
void fake_watch_fire(struct hyp *h, const char *path, const char *token);
/* The guest makes its output indices insane. */
void fake_ring_corrupt(void *page);
/* NMIs sent to DOMID (< 16); debug-key calls, the last keys in *LAST. */
unsigned fake_nmi_sent(struct hyp *h, uint32_t domid);
unsigned fake_debug_keys_sent(struct hyp *h, const char **last);
/* hyp_directory fails with ERR from now on (0: lists again). */
void fake_directory_fail(struct hyp *h, int err);

/* ---- core-harness.c ---- */
extern uint64_t core_clock_ms;

/* CONFIG_LINES (may be NULL) go after the harness's own [global] lines. */
void core_setup(const char *config_lines);
void core_teardown(void);
/* A configuration reload (SIGHUP) to the defaults plus CONFIG_LINES. */
void core_reload(const char *config_lines);
void core_run(void);

/* Guest DOMID named NAME appears with its primary console: returns the
 * console, attached and running. */
struct console *core_guest_start(uint32_t domid, const char *name);
/* Guest DOMID is destroyed (its domain leaves the hypervisor's list). */
void core_guest_destroy(uint32_t domid);
/* The guest writes TEXT and the event channel fires. */
void core_guest_says(struct console *c, const char *text);
/* What the guest reads from its input ring now, NUL-terminated (a static
 * buffer: the next call overwrites it). */
const char *core_guest_input(struct console *c);
/* The first 16 KiB of the file at PATH hold NEEDLE (a log, a state file). */
bool core_file_has(const char *path, const char *needle);

struct client {
    int fd;
    struct session *s;
    struct xp_stream st;
    struct xp_frame_hdr hdr;
    struct xp_msg msg;  /* the last frame client_next() returned */
    uint8_t pend[4096]; /* read from the socket, not yet streamed */
    size_t npend, pend_off;
};

/* Connect and say HELLO (the reply is consumed). */
struct client *client_new(void);
/* A connection that has not said HELLO (client_new() says it). */
struct client *client_raw(void);
/* ATTACH to DOMAIN's primary console; returns the ATTACHED frame's
 * mode and flags in *OK (if not NULL), or false on an ERROR. */
bool client_attach(struct client *cl, const char *domain, unsigned mode, unsigned flags,
                   struct xp_attached *ok);
/* The same for console index CONSOLE. */
bool client_attach_console(struct client *cl, const char *domain, uint32_t console, unsigned mode,
                           unsigned flags, struct xp_attached *ok);
void client_send_input(struct client *cl, const char *text);
void client_send(struct client *cl, const uint8_t *frame, ssize_t n);
/* The next frame from the daemon (type), or -1 when none is queued. */
int client_next(struct client *cl);
/* Skip frames until a NOTICE with CODE: true and cl->msg holds it. */
bool client_find_notice(struct client *cl, unsigned code);
/* Skip frames until one of TYPE. */
bool client_find(struct client *cl, unsigned type);
/* Every DATA byte queued, appended to BUF (NUL-terminated); returns the
 * count. Other frames are dropped. */
size_t client_read_data(struct client *cl, char *buf, size_t len);
/* Drop every queued frame. */
void client_drain(struct client *cl);
void client_close(struct client *cl);
/* Make the session a peer of uid (and gid) UID, named "uUID", its admin
 * flag computed as at accept. */
void client_as(struct client *cl, unsigned uid);

#endif
