/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h — per-console log writer.
 *
 * Contract:
 * - One file per console: <dir>/<name>.log for the primary console and
 *   <dir>/<name>.con<N>.log for secondary console N. <name> is the guest
 *   name sanitised by log_sanitize_name() (safe characters only, no '/',
 *   no leading '.', at most XCMUX_LOG_NAME_MAX bytes). Two guest names can
 *   sanitise to the same file; O_APPEND keeps such writes whole, and the
 *   domid in the caller's event lines tells them apart.
 * - The directory is created (mkdir -p, mode 0750) when missing; files are
 *   created 0640.
 * - Options: UTC timestamps with milliseconds at the start of every line
 *   (the line state carries across writes, so a line split over two writes
 *   gets one stamp, taken when its first byte arrives); sanitising, which
 *   replaces C0 controls other than \t \r \n, and DEL, by caret notation
 *   (ESC -> "^[", DEL -> "^?") so `cat`ing a log cannot drive a terminal;
 *   size-based rotation: before a chunk would take name.log past max_size,
 *   name.log.K is renamed to name.log.K+1 (K = keep-1 .. 1), name.log to
 *   name.log.1, and a new name.log is started. The newest bytes are always
 *   in name.log; keep = 0 truncates name.log instead. A file never exceeds
 *   max_size when max_size >= XCMUX_LOG_MAX_SIZE_MIN (config enforces it).
 * - Event lines: log_event() writes "[stamp] --- xcmux: <msg> ---" on a line
 *   of its own (ending a partial guest line first); the message is always
 *   sanitised, \t \r \n included, because it carries guest and client
 *   names and must stay one line.
 * - Errors never reach the caller: log_write() and log_event() return
 *   nothing. On a write or open error (ENOSPC, EIO, EACCES...) the writer
 *   counts the log bytes lost (bytes of log output, stamps included) and
 *   retries at most once per XCMUX_LOG_RETRY_MS of the monotonic clock the
 *   caller passes in; when writing works again it first writes
 *   "--- xcmux: log gap: N bytes lost (<strerror>) ---".
 * - Idle close: a file not written (nor opened) for XCMUX_LOG_IDLE_MS of
 *   the caller's monotonic clock may be closed with log_close_if_idle();
 *   log_idle_deadline() says when that will be due (UINT64_MAX while the
 *   file is closed, so the caller's timer can stop). The next write or
 *   event opens the file again with O_APPEND (creating it, and the
 *   directory, if it went away), re-reading its size and whether its last
 *   byte ends a line. Nothing is buffered across a close, so nothing is
 *   lost or written twice; the logical line state (the next byte's stamp,
 *   a partial guest line) carries across like across any two writes;
 *   rotation works on the reopened file like on one held open; a file that
 *   cannot be reopened puts the log in the failing state (bytes counted,
 *   the gap line when it works again). The writer has no timer of its own
 *   (it is unit-tested with a plain clock): the caller drives the close.
 * - log_reopen() closes and reopens the file (SIGHUP after an external
 *   rotation); the caller invokes it on every log. A log closed for being
 *   idle stays closed (its next write opens the current file anyway), so
 *   a reload does not make every quiet guest hold an fd again.
 * - I/O is plain write(2) on an O_APPEND fd from the event loop: console
 *   logs are small writes that land in the page cache. A log on a slow or
 *   hung filesystem (NFS) can stall the loop; keep log_dir local.
 */
#ifndef XCMUX_DAEMON_LOG_H
#define XCMUX_DAEMON_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct log_options {
    bool timestamps;
    bool sanitize;
    uint64_t max_size; /* bytes; 0 = never rotate */
    unsigned keep;     /* rotated files kept, <= XCMUX_LOG_KEEP_MAX */
};

struct log_stats {
    uint64_t bytes_written; /* log bytes that reached the file */
    uint64_t bytes_lost;    /* log bytes lost since the log was opened */
    uint64_t rotations;
    bool failing;   /* currently unable to write */
    int last_error; /* errno of the last failure, 0 if none */
};

/* Failure episodes: one starts with the first write (or open) that fails
 * (ENOSPC, EDQUOT, EIO, a short write...) and ends with the first chunk
 * of output written whole again (after the gap line). The report function
 * hears of each start once (LOG_REPORT_FAILING, the errno, 0) and each end
 * once (LOG_REPORT_RESUMED, the errno that began it, the log bytes lost
 * during the episode), however many writes fail or retry in between, so
 * the caller can say it in the daemon's log without flooding it. A log
 * closed during an episode ends it with LOG_REPORT_CLOSED (same
 * arguments), so the count is never left untold. */
enum log_report {
    LOG_REPORT_FAILING,
    LOG_REPORT_RESUMED,
    LOG_REPORT_CLOSED,
};
typedef void (*log_report_fn)(void *arg, enum log_report what, int err, uint64_t lost);

/* Test seams: replace the write(2) and the wall clock of one log. */
typedef ssize_t (*log_write_fn)(int fd, const void *buf, size_t len);
typedef void (*log_clock_fn)(struct timespec *now);

struct log;

/*
 * Writes the sanitised form of `name` (NUL-terminated) into out[outlen] and
 * returns its length. outlen must be > XCMUX_LOG_NAME_MAX.
 */
size_t log_sanitize_name(const char *name, char *out, size_t outlen);

/*
 * Opens (creating dir and file as needed) the log of console `console_index`
 * (0 = primary) of guest `name`: name.log, name.conN.log, and for an
 * emulated serial port (XCMUX_SERIAL_INDEX_BASE + N) name.serialN.log. Returns NULL only for
 * invalid arguments (EINVAL, ENAMETOOLONG) or ENOMEM; a file that cannot be opened yet puts the log
 * in the failing state, retried like a write error.
 */
struct log *log_open(const char *dir, const char *name, unsigned console_index,
                     const struct log_options *opt, uint64_t now_ms);
void log_close(struct log *log);

/* mkdir -p DIR, each missing component with mode 0750; 0 or -1 (errno). */
int log_mkdir_p(const char *dir);

/* Path of the current log file (owned by the log). */
const char *log_path(const struct log *log);

void log_write(struct log *log, uint64_t now_ms, const void *data, size_t len);

__attribute__((format(printf, 3, 4))) void log_event(struct log *log, uint64_t now_ms,
                                                     const char *fmt, ...);

/* 0 on success; -1 (errno set) if the file could not be reopened, in which
 * case the log is failing and later writes retry. */
int log_reopen(struct log *log, uint64_t now_ms);

/* Monotonic ms at which log_close_if_idle() will close the file;
 * UINT64_MAX while it is closed. */
uint64_t log_idle_deadline(const struct log *log);
/* Closes the file if NOW_MS >= log_idle_deadline(); true if it did. */
bool log_close_if_idle(struct log *log, uint64_t now_ms);
/* Whether the log holds its file open (an fd) now. */
bool log_is_open(const struct log *log);

void log_get_stats(const struct log *log, struct log_stats *out);

/* Hear of failure episodes (NULL: nobody). An episode already under way
 * (the file could not be opened by log_open) is reported at once. */
void log_set_report_fn(struct log *log, log_report_fn fn, void *arg);

void log_set_write_fn(struct log *log, log_write_fn fn);
void log_set_clock_fn(struct log *log, log_clock_fn fn);

#endif /* XCMUX_DAEMON_LOG_H */
