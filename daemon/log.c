/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/rules.h"
#include "daemon/limits.h"

/* "[2026-11-26T10:22:31.123Z] " is 27 bytes; leave room. */
#define STAMP_MAX 40

/* Room a single input byte may need in a chunk: a stamp and two bytes. */
#define PER_BYTE_WORST (STAMP_MAX + 2)

struct log {
    char *path;          /* exactly as long as needed: 1000 consoles */
    char *dir;           /* with PATH_MAX arrays cost 8 MiB */
    int fd;              /* -1 while closed (idle, or failing) */
    uint64_t last_io_ms; /* when the file was last opened or written */
    struct log_options opt;
    uint64_t size;           /* bytes in the current file, as we know it */
    bool at_line_start;      /* logical stream: next byte starts a line */
    bool file_at_line_start; /* last byte that reached the file was '\n' */
    bool failing;
    int error;
    uint64_t lost_pending; /* lost since the last successful write */
    uint64_t next_retry_ms;
    uint64_t next_rotate_ms; /* rotation failed: do not retry before */
    struct log_stats stats;
    bool episode;          /* failing since the last report (log.h) */
    int episode_error;     /* the errno that began it */
    uint64_t episode_lost; /* log bytes lost in it */
    log_report_fn report;
    void *report_arg;
    log_write_fn write_fn;
    log_clock_fn clock_fn;
};

struct chunk {
    size_t len;
    char buf[XCMUX_LOG_CHUNK + 2 * XCMUX_LOG_EVENT_MAX + STAMP_MAX + 64];
};

static void realtime_now(struct timespec *now)
{
    clock_gettime(CLOCK_REALTIME, now);
}

static bool safe_name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '+' || c == '@';
}

size_t log_sanitize_name(const char *name, char *out, size_t outlen)
{
    size_t n = 0;

    if (outlen == 0)
        return 0;
    for (; name[n] && n < XCMUX_LOG_NAME_MAX && n + 1 < outlen; n++) {
        unsigned char c = (unsigned char)name[n];
        out[n] = safe_name_char(c) ? (char)c : '_';
    }
    if (n == 0 && outlen > 1)
        out[n++] = '_';
    /* A leading dot would hide the file and "." / ".." are not files. */
    if (out[0] == '.')
        out[0] = '_';
    out[n] = '\0';
    return n;
}

static int mkdir_p(const char *dir);

int log_mkdir_p(const char *dir)
{
    return mkdir_p(dir);
}

static int mkdir_p(const char *dir)
{
    char tmp[PATH_MAX];
    size_t len = strlen(dir);

    if (len == 0 || len >= sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(tmp, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char saved = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0750) < 0 && errno != EEXIST)
            return -1;
        tmp[i] = saved;
    }
    return 0;
}

static int open_append(const char *path)
{
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
}

static int open_file(struct log *log)
{
    /* The directory usually exists: an idle log reopened on its next write
     * costs no mkdir calls. */
    int fd = open_append(log->path);
    if (fd < 0 && errno == ENOENT) {
        if (mkdir_p(log->dir) < 0)
            return -1;
        fd = open_append(log->path);
    }
    if (fd < 0)
        return -1;
    struct stat st;
    log->size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    log->file_at_line_start = true;
    if (log->size > 0) {
        /* A writer that died mid-line (daemon killed) left a partial
         * line: the next event line must start on a line of its own. */
        int rfd = open(log->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        char last;
        if (rfd >= 0) {
            if (pread(rfd, &last, 1, (off_t)log->size - 1) == 1)
                log->file_at_line_start = last == '\n';
            close(rfd);
        }
    }
    log->fd = fd;
    return 0;
}

/* Closed for being idle (not failing): the next write opens it again. */
static bool reopen_if_idle_closed(struct log *log, uint64_t now_ms)
{
    if (log->fd >= 0 || log->failing)
        return true;
    if (open_file(log) < 0)
        return false;
    log->last_io_ms = now_ms;
    return true;
}

static void mark_failing(struct log *log, int err, uint64_t now_ms)
{
    if (!log->episode) {
        log->episode = true;
        log->episode_error = err;
        log->episode_lost = 0;
        if (log->report)
            log->report(log->report_arg, LOG_REPORT_FAILING, err, 0);
    }
    log->failing = true;
    log->error = err;
    log->stats.last_error = err;
    log->next_retry_ms = now_ms + XCMUX_LOG_RETRY_MS;
}

static void lose(struct log *log, uint64_t n)
{
    log->episode_lost += n;
    log->lost_pending += n;
    log->stats.bytes_lost += n;
}

/* Writes all of buf unless an error occurs; returns bytes written, with
 * errno set when short. */
static size_t write_all(struct log *log, const char *buf, size_t n)
{
    size_t done = 0;

    while (done < n) {
        ssize_t r = log->write_fn(log->fd, buf + done, n - done);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (r == 0) {
            errno = EIO;
            break;
        }
        done += (size_t)r;
    }
    if (done > 0) {
        log->size += done;
        log->stats.bytes_written += done;
        log->file_at_line_start = buf[done - 1] == '\n';
    }
    return done;
}

static size_t format_stamp(struct log *log, char *out)
{
    struct timespec ts;
    struct tm tm;

    log->clock_fn(&ts);
    if (!gmtime_r(&ts.tv_sec, &tm))
        memset(&tm, 0, sizeof(tm));
    size_t n = strftime(out, STAMP_MAX, "[%Y-%m-%dT%H:%M:%S", &tm);
    int m = snprintf(out + n, STAMP_MAX - n, ".%03ldZ] ", (long)(ts.tv_nsec / 1000000) % 1000);
    return m > 0 ? n + (size_t)m : n;
}

/* `keep_layout` lets \t \r \n through (guest text); event text is one
 * line, so it escapes them too. */
static void append_sanitized(struct chunk *c, unsigned char ch, bool keep_layout)
{
    bool layout = ch == '\t' || ch == '\r' || ch == '\n';
    if (xr_is_control(ch) && !(layout && keep_layout)) {
        xr_caret(ch, &c->buf[c->len]);
        c->len += 2;
    } else {
        c->buf[c->len++] = (char)ch;
    }
}

/* Writes the gap notice; true if it (and so the file) works again. */
static bool try_recover(struct log *log)
{
    if (log->fd < 0 && open_file(log) < 0) {
        log->error = errno;
        log->stats.last_error = errno;
        return false;
    }
    if (log->lost_pending == 0) {
        /* Nothing lost (e.g. the file was missing before any write): the
         * write that follows is the real test. */
        log->failing = false;
        return true;
    }
    char line[256 + STAMP_MAX];
    size_t n = 0;
    if (!log->file_at_line_start)
        line[n++] = '\n';
    if (log->opt.timestamps)
        n += format_stamp(log, line + n);
    int m = snprintf(line + n, sizeof(line) - n, "--- xcmux: log gap: %llu bytes lost (%s) ---\n",
                     (unsigned long long)log->lost_pending, strerror(log->error));
    if (m < 0)
        return false;
    n += (size_t)m < sizeof(line) - n ? (size_t)m : sizeof(line) - n - 1;
    size_t done = write_all(log, line, n);
    if (done < n) {
        log->error = errno;
        log->stats.last_error = errno;
        return false;
    }
    log->failing = false;
    log->lost_pending = 0;
    return true;
}

static bool file_would_overflow(struct log *log, size_t incoming)
{
    if (log->opt.max_size == 0 || log->size == 0 || log->size + incoming <= log->opt.max_size)
        return false;
    /* Our count may be stale after an external truncate (copytruncate). */
    struct stat st;
    if (fstat(log->fd, &st) == 0) {
        log->size = (uint64_t)st.st_size;
        if (log->size == 0 || log->size + incoming <= log->opt.max_size)
            return false;
    }
    return true;
}

static void rotation_suffix_path(const struct log *log, unsigned k, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s.%u", log->path, k);
}

static void rotate(struct log *log, uint64_t now_ms)
{
    if (now_ms < log->next_rotate_ms)
        return;
    if (log->opt.keep == 0) {
        if (ftruncate(log->fd, 0) < 0) {
            log->next_rotate_ms = now_ms + XCMUX_LOG_RETRY_MS;
            return;
        }
        log->size = 0;
        log->file_at_line_start = true;
        log->stats.rotations++;
        return;
    }
    char from[PATH_MAX + 16], to[PATH_MAX + 16];
    for (unsigned k = log->opt.keep - 1; k >= 1; k--) {
        rotation_suffix_path(log, k, from, sizeof(from));
        rotation_suffix_path(log, k + 1, to, sizeof(to));
        if (rename(from, to) < 0 && errno != ENOENT)
            goto failed;
    }
    rotation_suffix_path(log, 1, to, sizeof(to));
    if (rename(log->path, to) < 0)
        goto failed;
    close(log->fd);
    log->fd = -1;
    log->stats.rotations++;
    if (open_file(log) < 0)
        mark_failing(log, errno, now_ms);
    return;
failed:
    /* Keep appending past max_size rather than lose output. */
    log->next_rotate_ms = now_ms + XCMUX_LOG_RETRY_MS;
}

static void flush(struct log *log, uint64_t now_ms, struct chunk *c)
{
    size_t n = c->len;

    c->len = 0;
    if (n == 0)
        return;
    if (!reopen_if_idle_closed(log, now_ms)) {
        mark_failing(log, errno, now_ms);
        lose(log, n);
        return;
    }
    log->last_io_ms = now_ms;
    if (log->failing) {
        if (now_ms < log->next_retry_ms) {
            lose(log, n);
            return;
        }
        log->next_retry_ms = now_ms + XCMUX_LOG_RETRY_MS;
        if (!try_recover(log)) {
            lose(log, n);
            return;
        }
    }
    if (file_would_overflow(log, n)) {
        rotate(log, now_ms);
        if (log->failing) {
            lose(log, n);
            return;
        }
    }
    size_t done = write_all(log, c->buf, n);
    if (done < n) {
        mark_failing(log, errno, now_ms);
        lose(log, n - done);
        return;
    }
    /* Output written whole, not only the gap line: a disk with room for
     * the one but not the other stays in the same episode. */
    if (log->episode) {
        log->episode = false;
        if (log->report)
            log->report(log->report_arg, LOG_REPORT_RESUMED, log->episode_error, log->episode_lost);
    }
}

/* Length of the leading bytes of IN that go to the file unchanged,
 * stopping after the first '\n'; 0 when IN[0] must be sanitised. */
static size_t plain_run(const unsigned char *in, size_t len, bool sanitize)
{
    if (!sanitize) {
        const unsigned char *nl = memchr(in, '\n', len);
        return nl ? (size_t)(nl - in) + 1 : len;
    }
    size_t n = 0;
    /* Eight bytes at a time while none is a control character or DEL
     * (classic "has a byte less than" / "has a byte equal to" tests);
     * a word that has one is looked at byte by byte below. */
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (n + 8 <= len) {
        uint64_t w;
        memcpy(&w, in + n, sizeof(w));
        uint64_t below_space = (w - ones * 0x20) & ~w & highs;
        uint64_t x = w ^ (ones * 0x7f);
        uint64_t is_del = (x - ones) & ~x & highs;
        if (below_space | is_del)
            break;
        n += 8;
    }
    while (n < len) {
        unsigned char ch = in[n];
        if (ch == '\n')
            return n + 1;
        if (xr_is_control(ch) && ch != '\t' && ch != '\r')
            return n;
        n++;
    }
    return n;
}

void log_write(struct log *log, uint64_t now_ms, const void *data, size_t len)
{
    const unsigned char *in = data;
    struct chunk c = {.len = 0};
    char stamp[STAMP_MAX];
    size_t stamp_len = 0;
    size_t i = 0;

    while (i < len) {
        if (c.len + PER_BYTE_WORST > XCMUX_LOG_CHUNK)
            flush(log, now_ms, &c);
        if (log->at_line_start && log->opt.timestamps) {
            /* One clock read per call: lines of one write share it. */
            if (stamp_len == 0)
                stamp_len = format_stamp(log, stamp);
            memcpy(c.buf + c.len, stamp, stamp_len);
            c.len += stamp_len;
        }
        /* Copy a run of bytes that pass unchanged in one go (byte by byte,
         * this loop was a quarter of the daemon's CPU under a flood). A run
         * ends after a '\n' (the next byte gets a stamp) and where the
         * byte-wise loop flushed, so chunks, and with them the rotation
         * points, stay exactly where they were. */
        size_t run = plain_run(in + i, len - i, log->opt.sanitize);
        if (run == 0) {
            append_sanitized(&c, in[i], true);
            log->at_line_start = false;
            i++;
            continue;
        }
        size_t limit = c.len + PER_BYTE_WORST > XCMUX_LOG_CHUNK
                           ? 1
                           : XCMUX_LOG_CHUNK - PER_BYTE_WORST - c.len + 1;
        if (run > limit)
            run = limit;
        memcpy(c.buf + c.len, in + i, run);
        c.len += run;
        log->at_line_start = in[i + run - 1] == '\n';
        i += run;
    }
    flush(log, now_ms, &c);
}

void log_event(struct log *log, uint64_t now_ms, const char *fmt, ...)
{
    char msg[XCMUX_LOG_EVENT_MAX + 1];
    struct chunk c = {.len = 0};
    va_list ap;

    va_start(ap, fmt);
    int m = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (m < 0)
        return;
    if (!log->at_line_start)
        c.buf[c.len++] = '\n';
    if (log->opt.timestamps)
        c.len += format_stamp(log, c.buf + c.len);
    static const char open_tag[] = "--- xcmux: ";
    static const char close_tag[] = " ---\n";
    memcpy(c.buf + c.len, open_tag, sizeof(open_tag) - 1);
    c.len += sizeof(open_tag) - 1;
    for (size_t i = 0; msg[i]; i++)
        append_sanitized(&c, (unsigned char)msg[i], false);
    memcpy(c.buf + c.len, close_tag, sizeof(close_tag) - 1);
    c.len += sizeof(close_tag) - 1;
    log->at_line_start = true;
    flush(log, now_ms, &c);
}

struct log *log_open(const char *dir, const char *name, unsigned console_index,
                     const struct log_options *opt, uint64_t now_ms)
{
    char safe[XCMUX_LOG_NAME_MAX + 1];
    char suffix[32];

    if (!dir || !name || !opt || dir[0] == '\0' || opt->keep > XCMUX_LOG_KEEP_MAX) {
        errno = EINVAL;
        return NULL;
    }
    log_sanitize_name(name, safe, sizeof(safe));
    if (console_index == 0)
        snprintf(suffix, sizeof(suffix), ".log");
    else if (console_index >= XCMUX_SERIAL_INDEX_BASE)
        snprintf(suffix, sizeof(suffix), ".serial%u.log", console_index - XCMUX_SERIAL_INDEX_BASE);
    else
        snprintf(suffix, sizeof(suffix), ".con%u.log", console_index);
    size_t dir_len = strlen(dir);
    size_t path_len = dir_len + 1 + strlen(safe) + strlen(suffix);
    /* Leave room for ".K" rotation suffixes within PATH_MAX. */
    if (dir_len >= PATH_MAX || path_len >= PATH_MAX - 8) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    struct log *log = calloc(1, sizeof(*log));
    if (!log)
        return NULL;
    log->dir = strdup(dir);
    log->path = malloc(path_len + 1);
    if (!log->dir || !log->path) {
        free(log->dir);
        free(log->path);
        free(log);
        return NULL;
    }
    char *at = log->path;
    at = mempcpy(at, dir, dir_len);
    *at++ = '/';
    at = stpcpy(at, safe);
    stpcpy(at, suffix);
    log->fd = -1;
    log->last_io_ms = now_ms;
    log->opt = *opt;
    log->at_line_start = true;
    log->file_at_line_start = true;
    log->write_fn = write;
    log->clock_fn = realtime_now;
    if (open_file(log) < 0) {
        mark_failing(log, errno, now_ms);
        /* Nothing was lost yet: the first retry comes with the first write. */
        log->next_retry_ms = now_ms;
    } else {
        /* Continue a partial last line rather than stamp into its middle. */
        log->at_line_start = log->file_at_line_start;
    }
    return log;
}

void log_close(struct log *log)
{
    if (!log)
        return;
    if (log->episode && log->report)
        log->report(log->report_arg, LOG_REPORT_CLOSED, log->episode_error, log->episode_lost);
    if (log->fd >= 0)
        close(log->fd);
    free(log->path);
    free(log->dir);
    free(log);
}

const char *log_path(const struct log *log)
{
    return log->path;
}

int log_reopen(struct log *log, uint64_t now_ms)
{
    log->next_rotate_ms = 0;
    /* Closed for being idle: the next write opens the new file anyway. */
    if (log->fd < 0 && !log->failing)
        return 0;
    if (log->fd >= 0)
        close(log->fd);
    log->fd = -1;
    if (open_file(log) < 0) {
        int err = errno;
        mark_failing(log, err, now_ms);
        errno = err;
        return -1;
    }
    /* A failing log gets its gap line on the next write, not a second later. */
    if (log->failing)
        log->next_retry_ms = now_ms;
    log->next_rotate_ms = 0;
    return 0;
}

uint64_t log_idle_deadline(const struct log *log)
{
    if (log->fd < 0)
        return UINT64_MAX;
    return log->last_io_ms + XCMUX_LOG_IDLE_MS;
}

bool log_close_if_idle(struct log *log, uint64_t now_ms)
{
    if (log->fd < 0 || now_ms < log_idle_deadline(log))
        return false;
    /* Nothing is buffered here: every write(2) already happened, so
     * closing loses nothing. size and the line state are re-read from the
     * file when it is opened again (it may have been rotated meanwhile). */
    close(log->fd);
    log->fd = -1;
    return true;
}

bool log_is_open(const struct log *log)
{
    return log->fd >= 0;
}

void log_get_stats(const struct log *log, struct log_stats *out)
{
    *out = log->stats;
    out->failing = log->failing;
}

void log_set_report_fn(struct log *log, log_report_fn fn, void *arg)
{
    log->report = fn;
    log->report_arg = arg;
    if (fn && log->episode)
        fn(arg, LOG_REPORT_FAILING, log->episode_error, 0);
}

void log_set_write_fn(struct log *log, log_write_fn fn)
{
    log->write_fn = fn ? fn : write;
}

void log_set_clock_fn(struct log *log, log_clock_fn fn)
{
    log->clock_fn = fn ? fn : realtime_now;
}
