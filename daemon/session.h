/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session.h — one client connection on the daemon's Unix socket.
 *
 * Contract
 * - A session speaks protocol/PROTOCOL.md over a libevent bufferevent:
 *   HELLO first, then requests (LIST, ATTACH, WHO, LOG, ...). A malformed
 *   or oversized frame gets ERROR(BAD_FRAME) and the connection is closed;
 *   no other session is touched.
 * - Peer credentials (SO_PEERCRED, supplementary groups from the uid) are
 *   taken once at accept and checked against the console's ACLs on every
 *   request that names a console.
 * - Attached sessions are readers in the console's audience (console.h)
 *   and read its shared buffer through their own 64-bit offset. session_pump() sends DATA while the
 * socket's output buffer is under SESSION_OUT_HIGH; the write callback resumes it. A session left
 * more than a buffer behind gets NOTICE(DROPPED, n).
 * - Escape handling (escape char, then a command key) runs here, per
 *   session, so every client gets it.
 * - Admission (session-admit.h): a connection, and a session on a
 *   console, exists only if the per-user caps and the admin reserve allow
 *   it (possibly after shedding another); refusals carry the reason.
 * - Access is re-checked at every reload (session_access_changed, and
 *   session_config_changed for the admin standing of every connection):
 *   what a user may no longer do ends at once.
 * - Counters (session_behind, session_overrun) are computed when asked,
 *   so WHO and LIST are true while a client is stalled.
 */
#ifndef XCMUX_DAEMON_SESSION_H
#define XCMUX_DAEMON_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <time.h>

#include "daemon/console.h"
#include "daemon/daemon.h"
#include "daemon/escape.h"

#define SESSION_OUT_HIGH   (256u * 1024u)
#define SESSION_DATA_CHUNK (16u * 1024u)

struct bufferevent;
struct console;

enum session_state {
    SESSION_HELLO, /* waiting for the client's HELLO */
    SESSION_IDLE,  /* handshake done, no console */
    SESSION_ATTACHED,
    SESSION_LOGDUMP, /* sending a replay-buffer snapshot */
    SESSION_CLOSING, /* flushing output, then freed */
};

struct session {
    TAILQ_ENTRY(session) link;    /* xd.sessions */
    struct console_reader reader; /* in con's audience (ATTACHED, LOGDUMP) */
    struct bufferevent *bev;
    enum session_state state;

    uid_t uid;
    gid_t gid;
    pid_t pid;
    char user[33];
    gid_t groups[64];
    int ngroups;

    struct console *con;
    uint64_t off;      /* reader offset into con->buf */
    uint64_t dump_end; /* LOGDUMP: stop here */
    int mode;          /* enum xp_mode granted */
    bool can_write;    /* ACL allows writing */
    bool follow;       /* re-attach when the guest reboots */
    time_t attached_at;
    uint64_t bytes_sent;
    uint64_t dropped;
    uint64_t refused_input;
    bool refused_notified;
    bool break_armed;      /* escape b: next key goes as SysRq */
    bool end_when_drained; /* domain gone: end once caught up */
    char gone_why[64];     /* ... with this reason */
    struct escape esc;
    void *hotkey_wait; /* TRIGGER in flight: no request read until it ends */
    uint32_t proto;    /* protocol version the client speaks */
    bool admin;        /* root or admin ACL (session-admit.h) */
    bool granted;      /* some request of it was allowed */
};

/* The session R is, or NULL when R is another kind of reader. */
struct session *session_of_reader(struct console_reader *r);
/* Every session in C's audience (other readers skipped); the body must
 * not remove the current one. */
#define CONSOLE_FOREACH_SESSION(s, c)                                                              \
    for (struct console_reader *s##_r = TAILQ_FIRST(&(c)->readers); s##_r;                         \
         s##_r = TAILQ_NEXT(s##_r, link))                                                          \
        if (((s) = session_of_reader(s##_r)) == NULL) {                                            \
        } else

/* Take over an accepted connection FD (credentials read here). */
struct session *session_new(int fd);
void session_free(struct session *s);
/* Every connection (shutdown, or a test between two setups). */
void session_free_all(void);
/* Refuse an accepted connection FD: ERROR(LIMIT, WHY), then close it. */
void session_refuse_fd(int fd, const char *why);
/* Send console output the session has not seen yet (flow-controlled). */
void session_pump(struct session *s);
/* Send a NOTICE to one session. */
void session_notice(struct session *s, unsigned code, uint64_t count, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Detach with NOTICE(DETACHED or DOMAIN_GONE ...) and close after flush. */
void session_end(struct session *s, unsigned code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The domain of S's console is gone but S has not read all its output
 * yet (a replay in flight, say the guest's last words): end S with
 * DOMAIN_GONE once it has caught up, as session_end would now. */
void session_end_when_drained(struct session *s, const char *why);
/* The outcome of S's TRIGGER (XP_TR_*): TRIGGER_RESULT, then S reads
 * requests again. */
void session_trigger_result(struct session *s, unsigned code, const char *text);
/* Listen to consoles (events.h): a reconfigured console re-checks the
 * access of its sessions (session_access_changed). */
void session_subscribe(void);
/* C's ACLs may have changed (reload): a session that may no longer read
 * C is ended (NOTICE DETACHED saying why; a LOG dump gets ERROR
 * PERMISSION), one that may no longer write loses the write seat and its
 * read-write mode and is told; one that may now write is told so. */
void session_access_changed(struct console *c);
/* The configuration was reloaded: every connection's admin standing
 * (session-admit.h) is computed again, attached or idle, so a narrowed
 * admin ACL applies to the next request of every connection. */
void session_config_changed(void);
/* Counters true at every moment, even while the client is stalled:
 * console bytes S has not been delivered yet (not yet taken from the
 * buffer, plus what is queued in its socket buffer), and bytes the buffer
 * has already overwritten under it (moved past at its next read, and
 * not yet counted in s->dropped). */
uint64_t session_behind(const struct session *s);
uint64_t session_overrun(const struct session *s);
/* Name for notices and logs: "user (uid N, pid P)". */
const char *session_who(const struct session *s);

#endif
