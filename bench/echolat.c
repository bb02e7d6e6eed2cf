/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * echolat — keystroke echo latency through xcmuxd.
 *
 * Runs the real client, `XCMUX console --replay 0 DOMAIN`, on two pipes
 * (no tty: the client is a plain pipe), waits for the guest's shell
 * prompt, then types SAMPLES keystrokes one at a time: a letter, then
 * DEL, alternately (so the guest's line never grows). A sample is the
 * time from writing the byte to reading its complete echo ("x", or
 * "\b \b" for DEL) on the client's stdout: client -> daemon -> ring ->
 * guest -> ring -> daemon -> client. Between samples it waits GAP_US.
 *
 * usage: echolat XCMUX SOCKET DOMAIN SAMPLES [GAP_US]
 * Prints: samples=N p50_us=.. p90_us=.. p99_us=.. max_us=.. timeouts=T
 * A sample whose echo does not come within 2 s is a timeout (and ends
 * the run: the stream is then out of step).
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES_MAX     100000
#define ECHO_TIMEOUT_MS 2000
/* A daemon that has just attached to many guests may still be busy with
 * xenstore for a while before it serves a new session. */
#define PROMPT_TIMEOUT_MS 120000

static int to_client = -1, from_client = -1;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Read until the stream ends with WANT (WANT_LEN bytes) or TIMEOUT_MS
 * passes; returns 0 when seen. Bytes before it are ignored (prompt, boot
 * text, a replay). */
static int expect(const char *want, size_t want_len, int timeout_ms)
{
    char tail[64] = {0};
    size_t tail_len = 0;
    double deadline = now_us() + timeout_ms * 1000.0;
    for (;;) {
        double left = (deadline - now_us()) / 1000.0;
        if (left <= 0)
            return -1;
        struct pollfd p = {.fd = from_client, .events = POLLIN};
        int r = poll(&p, 1, (int)left + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        char buf[4096];
        ssize_t n = read(from_client, buf, sizeof(buf));
        if (n <= 0)
            return -1;
        for (ssize_t i = 0; i < n; i++) {
            if (tail_len == sizeof(tail)) {
                memmove(tail, tail + 1, sizeof(tail) - 1);
                tail_len--;
            }
            tail[tail_len++] = buf[i];
        }
        if (tail_len >= want_len && memcmp(tail + tail_len - want_len, want, want_len) == 0)
            return 0;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, int n, double p)
{
    int i = (int)(p / 100.0 * (n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: echolat XCMUX SOCKET DOMAIN SAMPLES [GAP_US]\n");
        return 2;
    }
    int samples = atoi(argv[4]);
    long gap_us = argc == 6 ? atol(argv[5]) : 1000;
    if (samples < 1 || samples > SAMPLES_MAX || gap_us < 0) {
        fprintf(stderr, "echolat: SAMPLES in 1..%d, GAP_US >= 0\n", SAMPLES_MAX);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int in[2], out[2];
    if (pipe(in) < 0 || pipe(out) < 0) {
        perror("echolat: pipe");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("echolat: fork");
        return 1;
    }
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execl(argv[1], argv[1], "-S", argv[2], "console", "--replay", "0", argv[3], (char *)NULL);
        perror("echolat: exec");
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_client = in[1];
    from_client = out[0];

    /* A fresh prompt proves the session is attached and writable. */
    char prompt_probe[] = "\r";
    if (write(to_client, prompt_probe, 1) != 1 || expect(":~# ", 4, PROMPT_TIMEOUT_MS) < 0) {
        fprintf(stderr, "echolat: no shell prompt from %s\n", argv[3]);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return 1;
    }

    static double lat[SAMPLES_MAX];
    int got = 0, timeouts = 0;
    for (int i = 0; i < samples; i++) {
        bool letter = i % 2 == 0;
        char key = letter ? 'x' : 0x7f;
        const char *echo = letter ? "x" : "\b \b";
        size_t echo_len = letter ? 1 : 3;
        double t0 = now_us();
        if (write(to_client, &key, 1) != 1 || expect(echo, echo_len, ECHO_TIMEOUT_MS) < 0) {
            timeouts++;
            break;
        }
        lat[got++] = now_us() - t0;
        if (gap_us)
            usleep((useconds_t)gap_us);
    }
    close(to_client);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    if (!got) {
        printf("samples=0 timeouts=%d\n", timeouts);
        return 1;
    }
    qsort(lat, (size_t)got, sizeof(lat[0]), cmp_double);
    printf("samples=%d p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f timeouts=%d\n", got,
           pct(lat, got, 50), pct(lat, got, 90), pct(lat, got, 99), lat[got - 1], timeouts);
    return timeouts ? 1 : 0;
}
