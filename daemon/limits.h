/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * limits.h — every hard limit of xcmuxd in one place.
 *
 * Contract: each limit below is a compile-time constant that bounds memory,
 * file descriptors or CPU that a guest, a client or a config file could
 * otherwise make unbounded. Next to each is the invariant it protects; code
 * that relies on a limit names it rather than repeating the number. Raising
 * a limit is safe only if the stated invariant still holds.
 */
#ifndef XCMUX_DAEMON_LIMITS_H
#define XCMUX_DAEMON_LIMITS_H

/* --- guests and consoles ------------------------------------------------ */

/* Bytes of a guest name we keep (without NUL). xenstore lets a guest's
 * toolstack write a name of any length; everything derived from it (log file
 * names, event lines, list output) is bounded by this. */
#define XCMUX_NAME_MAX 64

/* Longest sanitised file name component derived from a guest name (without
 * ".conN.log" and rotation suffixes). Keeps <name>.con<N>.log.<K> under
 * NAME_MAX (255) of every Linux filesystem. */
#define XCMUX_LOG_NAME_MAX 64

/* Secondary consoles per domain (device/console/<n>, n >= 1) we attach.
 * Bounds the consoles (and fds, buffers) one guest can make us create. */
#define XCMUX_MAX_CONSOLES_PER_DOMAIN 8

/* An HVM guest's emulated serial ports (serial/<n>/tty, n < this; an ISA
 * PC has four) are consoles XCMUX_SERIAL_INDEX_BASE + n, apart from the
 * PV console indices (= XP_CONSOLE_SERIAL_BASE, protocol/xcmux-proto.h). */
#define XCMUX_MAX_SERIAL_PER_DOMAIN 4
#define XCMUX_SERIAL_INDEX_BASE     256u

/* --- clients -------------------------------------------------------------- */

/* Concurrent client connections to the daemon socket. Bounds fds and
 * per-session memory; further connections are accepted and closed at once
 * with an error, so the listening socket never stays readable in a loop. */
#define XCMUX_MAX_CLIENTS 4096

/* Sessions attached to one console (including its pty). Bounds the fan-out
 * work done per byte of guest output. */
#define XCMUX_MAX_SESSIONS_PER_CONSOLE 64

/* Defaults of the per-user limits (xcmuxd.conf keys max_connections_per_user,
 * max_sessions_per_user, reserved_connections, reserved_sessions). Root and
 * the admin ACL are exempt from the per-user caps and alone may use the
 * reserved part of XCMUX_MAX_CLIENTS and of XCMUX_MAX_SESSIONS_PER_CONSOLE,
 * so no other local user (nor several of them together) can take what the
 * administrator needs to list, attach and trigger. */
#define XCMUX_DEFAULT_CONN_PER_USER     256
#define XCMUX_DEFAULT_SESSIONS_PER_USER 8
#define XCMUX_DEFAULT_RESERVED_CONN     64
#define XCMUX_DEFAULT_RESERVED_SESSIONS 8

/* A refusal or shedding episode (one reason, one uid) is logged when it
 * starts and summarised once no refusal of that kind came for this long,
 * so a flood of connections costs a few log lines, not one per attempt. */
#define XCMUX_REFUSAL_EPISODE_MS 5000
/* Episodes tracked at once; past that the oldest is summarised early. */
#define XCMUX_REFUSAL_EPISODES 32

/* --- output buffer -------------------------------------------------------- */

/* Per-console replay/output buffer capacity bounds (power of two). The lower
 * bound keeps a useful replay; the upper bound keeps 1000 guests from
 * asking for more memory than dom0 has (64 MiB * consoles is the worst case
 * a config can request). */
#define XCMUX_OUTBUF_MIN (4u * 1024u)
#define XCMUX_OUTBUF_MAX (64u * 1024u * 1024u)

/* --- logs ----------------------------------------------------------------- */

/* Rotated files kept per console log (name.log.1 .. name.log.N). Bounds the
 * renames done per rotation and the disk a console can consume:
 * (keep + 1) * max_size. */
#define XCMUX_LOG_KEEP_MAX 99

/* Bounds of log_max_size. The minimum is larger than one log write chunk
 * (XCMUX_LOG_CHUNK plus a timestamp), which is what makes "a log file never
 * exceeds max_size" hold: rotation happens between chunks. */
#define XCMUX_LOG_MAX_SIZE_MIN (64ull * 1024u)
#define XCMUX_LOG_MAX_SIZE_MAX (1ull << 40)

/* Bytes of log output built per write(2). Bounds the stack used by the log
 * writer; sanitising can double a byte, and a timestamp prefixes a line. */
#define XCMUX_LOG_CHUNK 4096

/* Minimum milliseconds between two attempts to write a failing log (ENOSPC,
 * EIO, unopenable file). A full disk must not cost a syscall per guest byte. */
#define XCMUX_LOG_RETRY_MS 1000

/* A console log file not written for this long is closed; the next write
 * opens it again (O_APPEND). Invariant: a guest quiet for longer than
 * XCMUX_LOG_IDLE_MS + XCMUX_LOG_SWEEP_MIN_MS holds no log fd, so 1000
 * quiet guests cost no fds for logs. 10 s keeps the fd of a console that
 * prints at least every few seconds (a busy or chatty guest never pays a
 * reopen), while a reopen after a quiet spell costs about five syscalls
 * (open, fstat, and open/pread/close of the last byte), noise next to
 * the write that caused it. */
#define XCMUX_LOG_IDLE_MS 10000

/* Least delay between two runs of the sweep that closes idle logs. The
 * sweep runs only while some log is open, at the earliest idle deadline
 * but no sooner than this, so logs written at staggered times cost at
 * most one daemon wakeup per this many ms, and none once every log is
 * closed (quiet guests: 0 wakeups). */
#define XCMUX_LOG_SWEEP_MIN_MS 1000

/* Longest event line message (before sanitising). Event text contains guest
 * names and client names: hostile, so bounded. */
#define XCMUX_LOG_EVENT_MAX 512

/* --- rate limit ----------------------------------------------------------- */

/* Upper bound of a rate or burst, bytes (per second). Keeps the token
 * arithmetic (tokens * 1000 + rate * elapsed_ms) inside 64 bits. */
#define XCMUX_RATE_MAX (1ull << 40)

/* A throttled guest is woken at most this many times a second: the refill
 * timer waits for rate / N bytes of tokens, not for a single byte. */
#define XCMUX_RATE_MAX_WAKEUPS_PER_SEC 50

/* --- configuration -------------------------------------------------------- */

/* Longest line of the config file (bytes, without newline). Longer lines
 * are a load error, never silently truncated. */
#define XCMUX_CONFIG_LINE_MAX 1024

/* [domain:GLOB] sections in a config. Bounds per-console config resolution
 * work (each is an fnmatch on every attach). */
#define XCMUX_CONFIG_MAX_DOMAIN_SECTIONS 1024

/* Distinct resolved hotkey tables one config holds (one per set of
 * matching [domain:] sections that define hotkeys). Guests with new names
 * can only add tables up to this, whatever their names match; 1024 * 10 KiB
 * at worst. */
#define XCMUX_CONFIG_HOTKEY_TABLES_MAX 1024

/* Longest GLOB in [domain:GLOB]. */
#define XCMUX_CONFIG_GLOB_MAX 256

/* Entries (users, groups, uids, gids) in one ACL line. ACLs are stored by
 * value in every console config, so this bounds their size. */
#define XCMUX_ACL_MAX_ENTRIES 32

/* sun_path is 108 bytes on Linux including the NUL. */
#define XCMUX_SOCKET_PATH_MAX 107

/* Longest log directory path. Leaves room for a file name below PATH_MAX. */
#define XCMUX_LOG_DIR_MAX 3800

#endif /* XCMUX_DAEMON_LIMITS_H */
