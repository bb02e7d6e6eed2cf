/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * runstate.c — the daemon's state file (see runstate.h).
 */
#include "daemon/runstate.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/rules.h"

#define BOOT_ID_MAX 64

static char state_path[PATH_MAX];

static void fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* The kernel's id of this boot, "" when unknown (then records from any
 * boot are taken as this one's: /run is emptied at boot anyway). */
static void boot_id(char out[BOOT_ID_MAX])
{
    out[0] = '\0';
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
    if (!f)
        return;
    if (!fgets(out, BOOT_ID_MAX, f))
        out[0] = '\0';
    fclose(f);
    out[strcspn(out, " \t\r\n")] = '\0';
}

enum runstate_prev runstate_parse(const char *text, const char *boot, long *pid)
{
    *pid = 0;
    if (!text || strnlen(text, RUNSTATE_MAX) >= RUNSTATE_MAX)
        return RUNSTATE_NONE;
    /* "xcmuxd STATE pid PID [boot ID]": words, each bounded by the copy. */
    char line[RUNSTATE_MAX], *save = NULL, *w[6] = {0};
    snprintf(line, sizeof(line), "%s", text);
    unsigned n = 0;
    for (char *t = strtok_r(line, " \t\r\n", &save); t && n < 6;
         t = strtok_r(NULL, " \t\r\n", &save))
        w[n++] = t;
    uint64_t p;
    if (n < 4 || strcmp(w[0], "xcmuxd") != 0 || strcmp(w[2], "pid") != 0 ||
        xr_parse_u64(w[3], LONG_MAX, &p) < 0 || p == 0)
        return RUNSTATE_NONE;
    if (n >= 6 && strcmp(w[4], "boot") == 0 && boot && *boot && strcmp(w[5], boot) != 0)
        return RUNSTATE_NONE; /* another boot's daemon */
    enum runstate_prev prev = strcmp(w[1], "stopped") == 0   ? RUNSTATE_CLEAN
                              : strcmp(w[1], "running") == 0 ? RUNSTATE_UNCLEAN
                                                             : RUNSTATE_NONE;
    if (prev != RUNSTATE_NONE)
        *pid = (long)p;
    return prev;
}

int runstate_path_for(const char *socket, char *out, size_t len)
{
    size_t n = socket ? strlen(socket) : 0;
    if (n == 0)
        return -1;
    const char *sfx = ".sock";
    size_t keep = n > 5 && strcmp(socket + n - 5, sfx) == 0 ? n - 5 : n;
    int w = snprintf(out, len, "%.*s.state", (int)keep, socket);
    return w < 0 || (size_t)w >= len ? -1 : 0;
}

static enum runstate_prev read_previous(const char *path, const char *boot, long *pid)
{
    char text[RUNSTATE_MAX];
    *pid = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return RUNSTATE_NONE;
    struct stat st;
    ssize_t got = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        got = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (got <= 0)
        return RUNSTATE_NONE;
    text[got] = '\0';
    return runstate_parse(text, boot, pid);
}

/* Replace the file at state_path with LINE, atomically. */
static int record(const char *state, char *err, size_t errlen)
{
    char boot[BOOT_ID_MAX], line[RUNSTATE_MAX], tmp[PATH_MAX + 8];
    boot_id(boot);
    int n = snprintf(line, sizeof(line), "xcmuxd %s pid %ld boot %s\n", state, (long)getpid(),
                     *boot ? boot : "-");
    if (n < 0 || (size_t)n >= sizeof(line) ||
        snprintf(tmp, sizeof(tmp), "%s.XXXXXX", state_path) >= (int)sizeof(tmp)) {
        fail(err, errlen, "state file path too long");
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fail(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    bool ok = fchmod(fd, 0644) == 0 && write(fd, line, (size_t)n) == n && fsync(fd) == 0;
    int e = errno;
    if (close(fd) < 0 && ok) {
        ok = false;
        e = errno;
    }
    if (ok && rename(tmp, state_path) == 0)
        return 0;
    if (ok)
        e = errno;
    unlink(tmp);
    fail(err, errlen, "cannot write %s: %s", state_path, strerror(e));
    return -1;
}

int runstate_begin(const char *path, enum runstate_prev *prev, long *prev_pid, char *err,
                   size_t errlen)
{
    char boot[BOOT_ID_MAX];
    boot_id(boot);
    *prev = read_previous(path, boot, prev_pid);
    if (strlen(path) >= sizeof(state_path)) {
        fail(err, errlen, "state file path too long");
        return -1;
    }
    snprintf(state_path, sizeof(state_path), "%s", path);
    return record("running", err, errlen);
}

int runstate_end(char *err, size_t errlen)
{
    if (!state_path[0])
        return 0;
    int rc = record("stopped", err, errlen);
    state_path[0] = '\0';
    return rc;
}

const char *runstate_name(enum runstate_prev prev)
{
    switch (prev) {
    case RUNSTATE_CLEAN:
        return "stopped cleanly";
    case RUNSTATE_UNCLEAN:
        return "did not stop cleanly (killed or crashed)";
    case RUNSTATE_NONE:
        break;
    }
    return "no record";
}
