/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for daemon/log: names, stamps, sanitising, rotation, reopen,
 * and write errors (injected, and a real full tmpfs when we may mount). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/limits.h"
#include "daemon/log.h"

static char tmpdir[128];

static int setup(void **state)
{
    (void)state;
    umask(022);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/xcmux-test-log.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[PATH_MAX + 32];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1024, len = 0;
    char *buf = malloc(cap + 1);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    fclose(f);
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

static void assert_file_eq(const char *path, const char *expect)
{
    char *got = slurp(path, NULL);
    assert_non_null(got);
    assert_string_equal(got, expect);
    free(got);
}

static void path_in(char *out, size_t outlen, const char *name)
{
    snprintf(out, outlen, "%s/%s", tmpdir, name);
}

/* --- injected clocks and writes ------------------------------------------ */

static struct timespec fake_now;

static void fake_clock(struct timespec *now)
{
    *now = fake_now;
}

static void set_fake_time(int sec, int msec)
{
    /* 2026-11-26T10:22:31Z */
    struct tm tm = {
        .tm_year = 126, .tm_mon = 10, .tm_mday = 26, .tm_hour = 10, .tm_min = 22, .tm_sec = 31};
    fake_now.tv_sec = timegm(&tm) + sec;
    fake_now.tv_nsec = (long)msec * 1000000L + 999; /* sub-ms is truncated */
}

static bool disk_full;
static int write_calls;
static size_t partial_budget = SIZE_MAX;

static ssize_t flaky_write(int fd, const void *buf, size_t len)
{
    write_calls++;
    if (disk_full) {
        errno = ENOSPC;
        return -1;
    }
    if (partial_budget != SIZE_MAX) {
        size_t n = len < partial_budget ? len : partial_budget;
        partial_budget -= n;
        if (n == 0) {
            errno = ENOSPC;
            return -1;
        }
        return write(fd, buf, n);
    }
    return write(fd, buf, len);
}

static void reset_flaky(void)
{
    disk_full = false;
    write_calls = 0;
    partial_budget = SIZE_MAX;
}

static const struct log_options plain = {.timestamps = false, .sanitize = false};

/* --- tests ----------------------------------------------------------------- */

static void test_sanitize_name(void **state)
{
    char out[XCMUX_LOG_NAME_MAX + 1];
    char longname[300];
    (void)state;
    assert_int_equal(log_sanitize_name("web1", out, sizeof(out)), 4);
    assert_string_equal(out, "web1");
    log_sanitize_name("a/b/../c", out, sizeof(out));
    assert_string_equal(out, "a_b_.._c");
    log_sanitize_name(".hidden", out, sizeof(out));
    assert_string_equal(out, "_hidden");
    log_sanitize_name("..", out, sizeof(out));
    assert_string_equal(out, "_.");
    log_sanitize_name("", out, sizeof(out));
    assert_string_equal(out, "_");
    log_sanitize_name("\x1b[31mred\xc3\xa9 x", out, sizeof(out));
    assert_string_equal(out, "__31mred___x");
    log_sanitize_name("Dom-0_v1.2+x@y", out, sizeof(out));
    assert_string_equal(out, "Dom-0_v1.2+x@y");
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(log_sanitize_name(longname, out, sizeof(out)), XCMUX_LOG_NAME_MAX);
    assert_int_equal(strlen(out), XCMUX_LOG_NAME_MAX);
}

static void test_paths_and_mkdir(void **state)
{
    char dir[PATH_MAX], expect[PATH_MAX + 64];
    struct stat st;
    (void)state;
    snprintf(dir, sizeof(dir), "%s/a/b/c", tmpdir);
    struct log *l0 = log_open(dir, "web/1", 0, &plain, 0);
    struct log *l1 = log_open(dir, "web/1", 1, &plain, 0);
    assert_non_null(l0);
    assert_non_null(l1);
    snprintf(expect, sizeof(expect), "%s/web_1.log", dir);
    assert_string_equal(log_path(l0), expect);
    snprintf(expect, sizeof(expect), "%s/web_1.con1.log", dir);
    assert_string_equal(log_path(l1), expect);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0750);
    assert_int_equal(stat(log_path(l0), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    log_event(l0, 0, "attached domid %d name %s", 5, "web/1");
    log_write(l1, 0, "second\n", 7);
    assert_file_eq(log_path(l0), "--- xcmux: attached domid 5 name web/1 ---\n");
    assert_file_eq(log_path(l1), "second\n");
    log_close(l0);
    log_close(l1);
    assert_null(log_open(dir, "x", 0, &(struct log_options){.keep = 1000}, 0));
    assert_null(log_open("", "x", 0, &plain, 0));
}

static void test_timestamps_across_writes(void **state)
{
    struct log_options opt = {.timestamps = true};
    (void)state;
    struct log *l = log_open(tmpdir, "ts", 0, &opt, 0);
    assert_non_null(l);
    log_set_clock_fn(l, fake_clock);
    set_fake_time(0, 123);
    log_write(l, 0, "hel", 3);
    set_fake_time(1, 0);
    log_write(l, 0, "lo\nwor", 6); /* "wor" starts a line now: 32.000 */
    set_fake_time(2, 5);
    log_write(l, 0, "ld\n", 3);
    log_write(l, 0, "\n", 1); /* an empty line still gets a stamp */
    assert_file_eq(log_path(l), "[2026-11-26T10:22:31.123Z] hello\n"
                                "[2026-11-26T10:22:32.000Z] world\n"
                                "[2026-11-26T10:22:33.005Z] \n");
    /* An event in the middle of a line ends the line first. */
    log_write(l, 0, "partial", 7);
    log_event(l, 0, "detached %s", "alice");
    log_write(l, 0, "next\n", 5);
    char *all = slurp(log_path(l), NULL);
    assert_non_null(strstr(all, "[2026-11-26T10:22:33.005Z] partial\n"
                                "[2026-11-26T10:22:33.005Z] --- xcmux: detached alice ---\n"
                                "[2026-11-26T10:22:33.005Z] next\n"));
    free(all);
    log_close(l);
}

static void test_sanitize_controls(void **state)
{
    struct log_options opt = {.sanitize = true};
    static const char in[] = "a\x1b[31mb\x7f\t\r\n\x01\x00z\xc3\xa9\n";
    (void)state;
    struct log *l = log_open(tmpdir, "san", 0, &opt, 0);
    log_write(l, 0, in, sizeof(in) - 1);
    assert_file_eq(log_path(l), "a^[[31mb^?\t\r\n^A^@z\xc3\xa9\n");
    log_close(l);

    /* Off: bytes pass through untouched, but event text is always safe. */
    l = log_open(tmpdir, "raw", 0, &plain, 0);
    log_write(l, 0, "a\x1b[0m\n", 6);
    log_event(l, 0, "name %s", "evil\x1b]0;pwn\x07\n");
    assert_file_eq(log_path(l), "a\x1b[0m\n--- xcmux: name evil^[]0;pwn^G^J ---\n");
    log_close(l);
}

static void test_long_write_is_chunked_intact(void **state)
{
    struct log_options opt = {.sanitize = true};
    size_t n = 3 * XCMUX_LOG_CHUNK + 17, len;
    char *in = malloc(n), *expect = malloc(2 * n + 1), *p = expect;
    (void)state;
    for (size_t i = 0; i < n; i++) {
        in[i] = (char)(i % 3 == 0 ? 0x1b : 'x');
        if (in[i] == 0x1b) {
            *p++ = '^';
            *p++ = '[';
        } else {
            *p++ = 'x';
        }
    }
    *p = '\0';
    struct log *l = log_open(tmpdir, "long", 0, &opt, 0);
    log_write(l, 0, in, n);
    char *got = slurp(log_path(l), &len);
    assert_int_equal(len, strlen(expect));
    assert_string_equal(got, expect);
    free(got);
    free(in);
    free(expect);
    log_close(l);
}

/* Writes `total` bytes as numbered 100-byte lines; returns the stream. */
static char *write_lines(struct log *l, size_t total)
{
    char *stream = malloc(total + 1);
    for (size_t off = 0; off < total; off += 100) {
        snprintf(stream + off, 101, "%098zu\n", off / 100);
        stream[off + 99] = '\n';
        log_write(l, 0, stream + off, 100);
    }
    stream[total] = '\0';
    return stream;
}

static void test_rotation_keeps_tail(void **state)
{
    struct log_options opt = {.max_size = XCMUX_LOG_MAX_SIZE_MIN, .keep = 2};
    char p1[PATH_MAX], p2[PATH_MAX], p3[PATH_MAX];
    size_t total = 300 * 1000, l0, l1, l2;
    struct log_stats st;
    (void)state;
    struct log *l = log_open(tmpdir, "rot", 0, &opt, 0);
    char *stream = write_lines(l, total);
    snprintf(p1, sizeof(p1), "%s.1", log_path(l));
    snprintf(p2, sizeof(p2), "%s.2", log_path(l));
    snprintf(p3, sizeof(p3), "%s.3", log_path(l));
    char *f0 = slurp(log_path(l), &l0), *f1 = slurp(p1, &l1), *f2 = slurp(p2, &l2);
    assert_non_null(f0);
    assert_non_null(f1);
    assert_non_null(f2);
    assert_int_equal(access(p3, F_OK), -1);
    assert_true(l0 <= opt.max_size && l1 <= opt.max_size && l2 <= opt.max_size);
    assert_true(l1 > 0 && l2 > 0);
    /* .2 .1 .log is the newest contiguous tail of the stream. */
    size_t kept = l0 + l1 + l2;
    char *joined = malloc(kept + 1);
    memcpy(joined, f2, l2);
    memcpy(joined + l2, f1, l1);
    memcpy(joined + l2 + l1, f0, l0);
    joined[kept] = '\0';
    assert_string_equal(joined, stream + total - kept);
    log_get_stats(l, &st);
    assert_true(st.rotations >= 4);
    assert_int_equal(st.bytes_lost, 0);
    free(joined);
    free(f0);
    free(f1);
    free(f2);
    free(stream);
    log_close(l);
}

static void test_rotation_keep_zero_truncates(void **state)
{
    struct log_options opt = {.max_size = XCMUX_LOG_MAX_SIZE_MIN, .keep = 0};
    char p1[PATH_MAX];
    size_t total = 100 * 1000, l0;
    (void)state;
    struct log *l = log_open(tmpdir, "trunc", 0, &opt, 0);
    char *stream = write_lines(l, total);
    char *f0 = slurp(log_path(l), &l0);
    snprintf(p1, sizeof(p1), "%s.1", log_path(l));
    assert_int_equal(access(p1, F_OK), -1);
    assert_true(l0 > 0 && l0 <= opt.max_size);
    assert_string_equal(f0, stream + total - l0);
    free(f0);
    free(stream);
    log_close(l);
}

static void test_reopen_after_external_rotation(void **state)
{
    char moved[PATH_MAX];
    (void)state;
    struct log *l = log_open(tmpdir, "hup", 0, &plain, 0);
    log_write(l, 0, "before\n", 7);
    snprintf(moved, sizeof(moved), "%s.old", log_path(l));
    assert_int_equal(rename(log_path(l), moved), 0);
    log_write(l, 0, "still old\n", 10);
    assert_int_equal(log_reopen(l, 0), 0);
    log_write(l, 0, "after\n", 6);
    assert_file_eq(moved, "before\nstill old\n");
    assert_file_eq(log_path(l), "after\n");
    log_close(l);
}

static void test_write_error_counts_and_retries(void **state)
{
    struct log_stats st;
    (void)state;
    reset_flaky();
    struct log *l = log_open(tmpdir, "enospc", 0, &plain, 10000);
    log_set_write_fn(l, flaky_write);
    log_write(l, 10000, "ok\n", 3);
    disk_full = true;
    log_write(l, 10000, "aaa\n", 4);
    log_get_stats(l, &st);
    assert_true(st.failing);
    assert_int_equal(st.bytes_lost, 4);
    assert_int_equal(st.last_error, ENOSPC);
    /* Within the retry interval: lost without even trying. */
    write_calls = 0;
    log_write(l, 10500, "bbbb\n", 5);
    log_event(l, 10999, "ev");
    assert_int_equal(write_calls, 0);
    /* One attempt after a second, still failing: one call only. */
    log_write(l, 11000, "c\n", 2);
    assert_int_equal(write_calls, 1);
    log_write(l, 11001, "d\n", 2);
    assert_int_equal(write_calls, 1);
    log_get_stats(l, &st);
    assert_int_equal(st.bytes_lost, 4 + 5 + 18 + 2 + 2);
    /* Disk back: the gap line comes first, then the data. */
    disk_full = false;
    log_write(l, 11500, "too early\n", 10);
    log_write(l, 12000, "back\n", 5);
    assert_file_eq(log_path(l),
                   "ok\n--- xcmux: log gap: 41 bytes lost (No space left on device) ---\n"
                   "back\n");
    log_get_stats(l, &st);
    assert_false(st.failing);
    assert_int_equal(st.bytes_lost, 41);
    log_close(l);
    reset_flaky();
}

/* SIGHUP on a failing log retries at once instead of waiting a second. */
static void test_reopen_while_failing_retries_now(void **state)
{
    struct log_stats st;
    (void)state;
    reset_flaky();
    struct log *l = log_open(tmpdir, "hupfail", 0, &plain, 0);
    log_set_write_fn(l, flaky_write);
    disk_full = true;
    log_write(l, 0, "x\n", 2);
    disk_full = false;
    assert_int_equal(log_reopen(l, 100), 0);
    log_write(l, 100, "y\n", 2);
    assert_file_eq(log_path(l),
                   "--- xcmux: log gap: 2 bytes lost (No space left on device) ---\ny\n");
    log_get_stats(l, &st);
    assert_false(st.failing);
    log_close(l);
    reset_flaky();
}

static void test_partial_write_mid_line(void **state)
{
    struct log_stats st;
    (void)state;
    reset_flaky();
    struct log *l = log_open(tmpdir, "partial", 0, &plain, 0);
    log_set_write_fn(l, flaky_write);
    partial_budget = 4;
    log_write(l, 0, "abcdefgh\n", 9);
    log_get_stats(l, &st);
    assert_true(st.failing);
    assert_int_equal(st.bytes_lost, 5);
    partial_budget = SIZE_MAX;
    log_write(l, 1000, "ij\n", 3);
    /* The gap line starts on a line of its own. */
    assert_file_eq(log_path(l),
                   "abcd\n--- xcmux: log gap: 5 bytes lost (No space left on device) ---\n"
                   "ij\n");
    log_close(l);
    reset_flaky();
}

/* What the log's report function heard (log.h, failure episodes). */
static struct {
    unsigned failing, resumed, closed;
    int err;
    uint64_t lost;
} heard;

static void hear(void *arg, enum log_report what, int err, uint64_t lost)
{
    assert_ptr_equal(arg, &heard);
    if (what == LOG_REPORT_FAILING)
        heard.failing++;
    else if (what == LOG_REPORT_RESUMED)
        heard.resumed++;
    else
        heard.closed++;
    heard.err = err;
    heard.lost = lost;
}

/* A flood on a full disk is one episode: reported once when it starts,
 * once with the real count when writes work again; a retry that fails
 * again, or a disk with room for the gap line but not the output, does
 * not end it. A second episode is reported again. */
static void test_failure_episode_reported_once(void **state)
{
    struct log_stats st;
    (void)state;
    reset_flaky();
    memset(&heard, 0, sizeof(heard));
    struct log *l = log_open(tmpdir, "episode", 0, &plain, 0);
    log_set_report_fn(l, hear, &heard);
    log_set_write_fn(l, flaky_write);
    log_write(l, 0, "ok\n", 3);
    assert_int_equal(heard.failing + heard.resumed, 0);
    disk_full = true;
    uint64_t now = 0;
    for (int i = 0; i < 5000; i++, now += 3)
        log_write(l, now, "flood line\n", 11);
    log_event(l, now, "an event");
    assert_int_equal(heard.failing, 1);
    assert_int_equal(heard.resumed, 0);
    assert_int_equal(heard.err, ENOSPC);
    /* Room for the gap line only: still the same episode. */
    disk_full = false;
    partial_budget = 70;
    now += 2000;
    log_write(l, now, "0123456789012345678901234567890123456789\n", 41);
    log_get_stats(l, &st);
    assert_true(st.failing);
    assert_int_equal(heard.failing, 1);
    assert_int_equal(heard.resumed, 0);
    /* Space freed: resumed once, with every byte lost in the episode. */
    partial_budget = SIZE_MAX;
    now += 2000;
    log_write(l, now, "back\n", 5);
    log_write(l, now + 1, "more\n", 5);
    log_get_stats(l, &st);
    assert_false(st.failing);
    assert_int_equal(heard.failing, 1);
    assert_int_equal(heard.resumed, 1);
    assert_int_equal(heard.err, ENOSPC);
    assert_int_equal(heard.lost, st.bytes_lost);
    assert_true(heard.lost >= 5000 * 11);
    /* The next failure is a new episode, reported again. */
    partial_budget = 0;
    log_write(l, now + 2, "x\n", 2);
    assert_int_equal(heard.failing, 2);
    assert_int_equal(heard.err, ENOSPC);
    partial_budget = SIZE_MAX;
    log_write(l, now + 5000, "y\n", 2);
    assert_int_equal(heard.resumed, 2);
    assert_int_equal(heard.lost, 2);
    /* Closed outside an episode: nothing to tell. */
    log_close(l);
    assert_int_equal(heard.closed, 0);
    /* Closed inside one: its count is told. */
    memset(&heard, 0, sizeof(heard));
    l = log_open(tmpdir, "episode2", 0, &plain, 0);
    log_set_report_fn(l, hear, &heard);
    log_set_write_fn(l, flaky_write);
    disk_full = true;
    log_write(l, 0, "gone\n", 5);
    log_close(l);
    assert_int_equal(heard.failing, 1);
    assert_int_equal(heard.resumed, 0);
    assert_int_equal(heard.closed, 1);
    assert_int_equal(heard.lost, 5);
    reset_flaky();
}

/* A log whose file cannot be opened at all is an episode from the start,
 * reported when the report function is set. */
static void test_failure_episode_from_open(void **state)
{
    char blocker[PATH_MAX], dir[PATH_MAX + 8];
    (void)state;
    memset(&heard, 0, sizeof(heard));
    path_in(blocker, sizeof(blocker), "blocker2");
    int fd = open(blocker, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    snprintf(dir, sizeof(dir), "%s/sub", blocker);
    struct log *l = log_open(dir, "g", 0, &plain, 0);
    assert_non_null(l);
    log_set_report_fn(l, hear, &heard);
    assert_int_equal(heard.failing, 1);
    assert_int_equal(heard.err, ENOTDIR);
    log_write(l, 0, "lost\n", 5);
    log_write(l, 1000, "lost\n", 5);
    assert_int_equal(heard.failing, 1);
    assert_int_equal(unlink(blocker), 0);
    log_write(l, 2000, "ok\n", 3);
    assert_int_equal(heard.resumed, 1);
    assert_int_equal(heard.lost, 10);
    log_close(l);
}

static void test_unopenable_then_recovers(void **state)
{
    char blocker[PATH_MAX], dir[PATH_MAX + 8];
    struct log_stats st;
    (void)state;
    path_in(blocker, sizeof(blocker), "blocker");
    int fd = open(blocker, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    snprintf(dir, sizeof(dir), "%s/sub", blocker);
    struct log *l = log_open(dir, "g", 0, &plain, 0);
    assert_non_null(l);
    log_write(l, 0, "lost\n", 5);
    log_get_stats(l, &st);
    assert_true(st.failing);
    assert_int_equal(st.last_error, ENOTDIR);
    assert_int_equal(st.bytes_lost, 5);
    assert_int_equal(unlink(blocker), 0);
    log_write(l, 500, "lost2\n", 6);
    log_write(l, 1000, "ok\n", 3);
    assert_file_eq(log_path(l), "--- xcmux: log gap: 11 bytes lost (Not a directory) ---\nok\n");
    log_close(l);
}

/* A real full filesystem: a 64 KiB tmpfs filled by a blocker file. */
static void test_real_enospc_on_tmpfs(void **state)
{
    char mnt[PATH_MAX], filler[PATH_MAX + 16];
    struct log_stats st;
    (void)state;
    path_in(mnt, sizeof(mnt), "tiny");
    assert_int_equal(mkdir(mnt, 0700), 0);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k") < 0) {
        fprintf(stderr, "# cannot mount tmpfs (%s): skipping\n", strerror(errno));
        skip();
    }
    snprintf(filler, sizeof(filler), "%s/filler", mnt);
    struct log *l = log_open(mnt, "full", 0, &plain, 0);
    assert_non_null(l);
    int fd = open(filler, O_CREAT | O_WRONLY, 0600);
    char block[4096];
    memset(block, 'f', sizeof(block));
    while (write(fd, block, sizeof(block)) > 0)
        ;
    close(fd);
    log_write(l, 0, "hello\n", 6);
    log_get_stats(l, &st);
    bool failed = st.failing && st.last_error == ENOSPC && st.bytes_lost == 6;
    unlink(filler);
    log_write(l, 1000, "world\n", 6);
    char *got = slurp(log_path(l), NULL);
    log_close(l);
    umount(mnt);
    assert_true(failed);
    assert_non_null(got);
    assert_string_equal(got,
                        "--- xcmux: log gap: 6 bytes lost (No space left on device) ---\nworld\n");
    free(got);
}

/* --- idle close ------------------------------------------------------------ */

/* fds of this process open on PATH (the log's own file, not a copy). */
static int fds_on(const char *path)
{
    char link[64], target[PATH_MAX];
    int n = 0;
    for (int fd = 0; fd < 1024; fd++) {
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        ssize_t len = readlink(link, target, sizeof(target) - 1);
        if (len < 0)
            continue;
        target[len] = '\0';
        if (strcmp(target, path) == 0)
            n++;
    }
    return n;
}

static void test_idle_close_and_reopen(void **state)
{
    (void)state;
    struct log *l = log_open(tmpdir, "idle", 0, &plain, 5000);
    assert_non_null(l);
    assert_true(log_is_open(l));
    assert_int_equal(fds_on(log_path(l)), 1);
    /* Opening counts as activity. */
    assert_int_equal(log_idle_deadline(l), 5000 + XCMUX_LOG_IDLE_MS);
    log_write(l, 7000, "one\n", 4);
    assert_int_equal(log_idle_deadline(l), 7000 + XCMUX_LOG_IDLE_MS);
    assert_false(log_close_if_idle(l, 7000 + XCMUX_LOG_IDLE_MS - 1));
    assert_true(log_is_open(l));
    assert_true(log_close_if_idle(l, 7000 + XCMUX_LOG_IDLE_MS));
    assert_false(log_is_open(l));
    assert_int_equal(fds_on(log_path(l)), 0);
    assert_int_equal(log_idle_deadline(l), UINT64_MAX);
    /* Closed: nothing more to close, and a reload leaves it closed. */
    assert_false(log_close_if_idle(l, UINT64_MAX - 1));
    assert_int_equal(log_reopen(l, 20000), 0);
    assert_false(log_is_open(l));
    /* The next write opens it again and appends: nothing lost, nothing
     * written twice. */
    log_write(l, 30000, "two\n", 4);
    assert_true(log_is_open(l));
    assert_int_equal(fds_on(log_path(l)), 1);
    assert_int_equal(log_idle_deadline(l), 30000 + XCMUX_LOG_IDLE_MS);
    log_event(l, 30001, "ev");
    assert_true(log_close_if_idle(l, 30001 + XCMUX_LOG_IDLE_MS));
    log_event(l, 50000, "after");
    assert_file_eq(log_path(l), "one\ntwo\n--- xcmux: ev ---\n--- xcmux: after ---\n");
    struct log_stats st;
    log_get_stats(l, &st);
    assert_int_equal(st.bytes_lost, 0);
    assert_false(st.failing);
    assert_int_equal(st.bytes_written,
                     strlen("one\ntwo\n--- xcmux: ev ---\n--- xcmux: after ---\n"));
    log_close(l);
}

/* Stamps and a partial line carry across a close as across two writes. */
static void test_idle_close_keeps_line_state(void **state)
{
    struct log_options opt = {.timestamps = true};
    (void)state;
    struct log *l = log_open(tmpdir, "idlets", 0, &opt, 0);
    log_set_clock_fn(l, fake_clock);
    set_fake_time(0, 1);
    log_write(l, 0, "login: ", 7);
    assert_true(log_close_if_idle(l, XCMUX_LOG_IDLE_MS));
    set_fake_time(60, 2);
    log_write(l, 60000, "root\nnext", 9);
    assert_true(log_close_if_idle(l, 60000 + XCMUX_LOG_IDLE_MS));
    set_fake_time(120, 3);
    log_event(l, 120000, "detached");
    assert_file_eq(log_path(l), "[2026-11-26T10:22:31.001Z] login: root\n"
                                "[2026-11-26T10:23:31.002Z] next\n"
                                "[2026-11-26T10:24:31.003Z] --- xcmux: detached ---\n");
    log_close(l);
}

/* Rotation works on a reopened file: its size is re-read, so it still
 * never exceeds max_size, and the rotated files hold the stream in order. */
static void test_rotation_after_idle_reopen(void **state)
{
    struct log_options opt = {.max_size = XCMUX_LOG_MAX_SIZE_MIN, .keep = 1};
    char p1[PATH_MAX];
    size_t l0, l1;
    (void)state;
    struct log *l = log_open(tmpdir, "idlerot", 0, &opt, 0);
    size_t half = XCMUX_LOG_MAX_SIZE_MIN / 100 / 2 * 100 + 100;
    char *stream = malloc(2 * half + 1);
    for (size_t off = 0; off < 2 * half; off += 100) {
        snprintf(stream + off, 101, "%098zu\n", off / 100);
        stream[off + 99] = '\n';
        if (off == half) {
            /* Idle in the middle: closed and reopened. */
            assert_true(log_close_if_idle(l, 1000 + XCMUX_LOG_IDLE_MS));
            assert_false(log_is_open(l));
        }
        log_write(l, off < half ? 1000 : 100000, stream + off, 100);
    }
    stream[2 * half] = '\0';
    snprintf(p1, sizeof(p1), "%s.1", log_path(l));
    char *f0 = slurp(log_path(l), &l0), *f1 = slurp(p1, &l1);
    assert_non_null(f0);
    assert_non_null(f1);
    assert_true(l0 <= opt.max_size && l1 <= opt.max_size);
    assert_int_equal(l0 + l1, 2 * half);
    char *joined = malloc(l0 + l1 + 1);
    memcpy(joined, f1, l1);
    memcpy(joined + l1, f0, l0);
    joined[l0 + l1] = '\0';
    assert_string_equal(joined, stream);
    struct log_stats st;
    log_get_stats(l, &st);
    assert_int_equal(st.rotations, 1);
    free(joined);
    free(f0);
    free(f1);
    free(stream);
    log_close(l);
}

/* Moved away while closed (external rotation without SIGHUP): the next
 * write starts the new file; the directory gone too: it is made again. */
static void test_idle_reopen_after_external_changes(void **state)
{
    char dir[PATH_MAX], moved[PATH_MAX + 8], cmd[PATH_MAX + 16];
    (void)state;
    path_in(dir, sizeof(dir), "gone/sub");
    struct log *l = log_open(dir, "g", 0, &plain, 0);
    log_write(l, 0, "old\n", 4);
    assert_true(log_close_if_idle(l, XCMUX_LOG_IDLE_MS));
    snprintf(moved, sizeof(moved), "%s.old", log_path(l));
    assert_int_equal(rename(log_path(l), moved), 0);
    log_write(l, 20000, "new\n", 4);
    assert_file_eq(moved, "old\n");
    assert_file_eq(log_path(l), "new\n");
    assert_true(log_close_if_idle(l, 20000 + XCMUX_LOG_IDLE_MS));
    path_in(dir, sizeof(dir), "gone");
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    log_write(l, 40000, "again\n", 6);
    assert_file_eq(log_path(l), "again\n");
    log_close(l);
}

/* Cannot reopen: the bytes are counted as lost, retried like any write
 * error, and the gap line comes first when it works again. */
static void test_idle_reopen_fails_then_gap(void **state)
{
    char dir[PATH_MAX], cmd[PATH_MAX + 16];
    struct log_stats st;
    (void)state;
    path_in(dir, sizeof(dir), "blocked");
    struct log *l = log_open(dir, "b", 0, &plain, 0);
    log_write(l, 0, "first\n", 6);
    assert_true(log_close_if_idle(l, XCMUX_LOG_IDLE_MS));
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    int fd = open(dir, O_CREAT | O_WRONLY, 0600); /* a file where the dir was */
    assert_true(fd >= 0);
    close(fd);
    log_write(l, 20000, "lost\n", 5);
    log_get_stats(l, &st);
    assert_true(st.failing);
    assert_int_equal(st.bytes_lost, 5);
    assert_false(log_is_open(l));
    assert_int_equal(unlink(dir), 0);
    log_write(l, 20000 + XCMUX_LOG_RETRY_MS, "back\n", 5);
    log_get_stats(l, &st);
    assert_false(st.failing);
    char *got = slurp(log_path(l), NULL);
    assert_non_null(got);
    assert_non_null(strstr(got, "--- xcmux: log gap: 5 bytes lost ("));
    assert_non_null(strstr(got, ") ---\nback\n"));
    free(got);
    log_close(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sanitize_name),
        cmocka_unit_test(test_paths_and_mkdir),
        cmocka_unit_test(test_timestamps_across_writes),
        cmocka_unit_test(test_sanitize_controls),
        cmocka_unit_test(test_long_write_is_chunked_intact),
        cmocka_unit_test(test_rotation_keeps_tail),
        cmocka_unit_test(test_rotation_keep_zero_truncates),
        cmocka_unit_test(test_reopen_after_external_rotation),
        cmocka_unit_test(test_write_error_counts_and_retries),
        cmocka_unit_test(test_reopen_while_failing_retries_now),
        cmocka_unit_test(test_partial_write_mid_line),
        cmocka_unit_test(test_unopenable_then_recovers),
        cmocka_unit_test(test_real_enospc_on_tmpfs),
        cmocka_unit_test(test_idle_close_and_reopen),
        cmocka_unit_test(test_idle_close_keeps_line_state),
        cmocka_unit_test(test_rotation_after_idle_reopen),
        cmocka_unit_test(test_idle_reopen_after_external_changes),
        cmocka_unit_test(test_idle_reopen_fails_then_gap),
        cmocka_unit_test(test_failure_episode_reported_once),
        cmocka_unit_test(test_failure_episode_from_open),
    };
    return cmocka_run_group_tests_name("log", tests, setup, teardown);
}
