// SPDX-License-Identifier: GPL-2.0-or-later
/* term.c - raw mode, non-blocking descriptors and their guaranteed
 * restoration (term.h). */
#include "client/term.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

/* Saved state lives in statics because the signal handler and atexit hook
 * must reach it; everything touched from the handler is set up before the
 * handler is installed, then only read. */
static struct termios saved_tio;
static int raw_fd = -1;
static volatile sig_atomic_t raw_active;

#define MAX_SAVED_FL 3
static int fl_fd[MAX_SAVED_FL];
static int fl_saved[MAX_SAVED_FL];
static volatile sig_atomic_t fl_count;

static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t caught;
static bool atexit_done;

static void ensure_atexit(void)
{
    if (!atexit_done && atexit(term_restore) == 0)
        atexit_done = true;
}

static void restore_tty(void)
{
    if (raw_active) {
        /* TCSANOW: safe in a handler and never waits on output. */
        tcsetattr(raw_fd, TCSANOW, &saved_tio);
        raw_active = 0;
    }
}

void term_restore(void)
{
    int saved_errno = errno;
    restore_tty();
    for (int i = 0; i < fl_count; i++)
        fcntl(fl_fd[i], F_SETFL, fl_saved[i]);
    fl_count = 0;
    errno = saved_errno;
}

bool term_is_raw(void)
{
    return raw_active;
}

int term_raw(int fd, bool *raw_on)
{
    *raw_on = false;
    if (!isatty(fd))
        return 0;
    if (tcgetattr(fd, &saved_tio) < 0)
        return -1;
    ensure_atexit();
    struct termios raw = saved_tio;
    cfmakeraw(&raw);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    raw_fd = fd;
    raw_active = 1; /* before tcsetattr: a signal in between restores */
    if (tcsetattr(fd, TCSANOW, &raw) < 0) {
        raw_active = 0;
        return -1;
    }
    *raw_on = true;
    return 0;
}

int term_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -1;
    if (fl & O_NONBLOCK)
        return 0;
    if (fl_count >= MAX_SAVED_FL) {
        errno = ENOSPC;
        return -1;
    }
    ensure_atexit();
    fl_fd[fl_count] = fd;
    fl_saved[fl_count] = fl;
    fl_count++;
    return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void on_signal(int sig)
{
    int saved_errno = errno;
    /* The terminal is given back at once, even if the main loop were
     * stuck; descriptor flags stay until the loop has flushed output. */
    restore_tty();
    if (!caught)
        caught = sig;
    if (sig_pipe[1] >= 0) {
        char b = 0;
        ssize_t n = write(sig_pipe[1], &b, 1);
        (void)n;
    }
    errno = saved_errno;
}

int term_catch_signals(void)
{
    if (sig_pipe[0] < 0 && pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        return -1;
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        if (sigaction(sigs[i], &sa, NULL) < 0)
            return -1;
    return sig_pipe[0];
}

int term_signal_fd(void)
{
    return sig_pipe[0];
}

int term_caught_signal(void)
{
    return caught;
}
