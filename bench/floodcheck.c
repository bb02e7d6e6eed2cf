/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * floodcheck — a counting, verifying reader for xensim flood output.
 *
 * Reads a console stream on stdin (e.g. `xcmux console -r NAME | floodcheck
 * NAME`) and checks every line of the flood that guest NAME emits
 * ("NAME 000000001 <filler>\n", 80 bytes, filler letter i is
 * 'a' + (seq + i) % 26). Because each line's bytes are a function of its
 * sequence number alone, a reader whose lines all verify and whose
 * sequence numbers are consecutive received exactly the bytes the guest
 * wrote; two such readers are byte-identical over the range they share.
 *
 * Lines before the first flood line (boot text, a replay that starts
 * mid-line) are skipped. Afterwards:
 *   lines          intact flood lines (every byte as the guest wrote it),
 *   gaps/missing   sequence jumps and the lines they skipped (a reader
 *                  moved forward by the daemon: a counted drop),
 *   cuts           gaps with a partial line at the cut (a drop that
 *                  happened mid-line, as it usually does),
 *   corrupt        lines with wrong bytes where nothing was skipped.
 * At EOF, SIGTERM or SIGINT it prints one line:
 *   bytes=B lines=N first=F last=L gaps=G missing=M cuts=K corrupt=C
 * and exits 1 when a line was corrupt, else 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINE_LEN     80u
#define NAME_MAX_LEN 48u

static volatile sig_atomic_t stop;
static const char *name;
static size_t name_len;

static struct {
    uint64_t bytes, lines, first, last, gaps, missing, cuts, corrupt, pending_bad;
    bool started, pending_cut;
} st;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* Sequence number of a well-formed flood line, or 0 when LINE (LEN bytes,
 * newline included) is not one; *bad is set when it has the header but
 * wrong bytes after it. */
static uint64_t parse_line(const char *line, size_t len, bool *bad)
{
    *bad = false;
    size_t head = name_len + 1 + 9 + 1;
    if (len < head || memcmp(line, name, name_len) != 0 || line[name_len] != ' ' ||
        line[head - 1] != ' ')
        return 0;
    uint64_t seq = 0;
    for (size_t i = name_len + 1; i < head - 1; i++) {
        if (line[i] < '0' || line[i] > '9')
            return 0;
        seq = seq * 10 + (uint64_t)(line[i] - '0');
    }
    if (len != LINE_LEN) {
        *bad = true;
        return seq;
    }
    for (size_t i = head; i < LINE_LEN - 1; i++)
        if (line[i] != (char)('a' + (seq + i) % 26)) {
            *bad = true;
            return seq;
        }
    return seq;
}

/* A line that is not an intact flood line waits in `pending_bad` until
 * the next intact one tells what it was. A drop cuts the stream at an
 * arbitrary byte, so the line at the cut joins the start of one line to
 * the end of another: its length is not LINE_LEN (a skip of whole lines
 * leaves no bad line at all, only a jump). So a bad line of the right
 * length, in a place where the sequence numbers go on as if it were
 * intact, is corruption; anything else is the cut of a drop. */
static void account(const char *line, size_t len)
{
    bool bad;
    uint64_t seq = parse_line(line, len, &bad);
    if (!st.started) {
        if (!seq || bad)
            return;
        st.started = true;
        st.first = seq;
        st.last = seq - 1;
    }
    if (!seq || bad) {
        st.pending_bad++;
        if (len != LINE_LEN)
            st.pending_cut = true;
        return;
    }
    uint64_t skipped = seq > st.last + 1 ? seq - st.last - 1 : 0;
    if (st.pending_bad && !st.pending_cut && seq == st.last + 1 + st.pending_bad) {
        st.corrupt += st.pending_bad;
    } else if (seq != st.last + 1) {
        st.gaps++;
        st.missing += skipped;
        if (st.pending_bad)
            st.cuts++;
    }
    st.pending_bad = 0;
    st.pending_cut = false;
    st.last = seq;
    st.lines++;
}

int main(int argc, char **argv)
{
    if (argc != 2 || strlen(argv[1]) == 0 || strlen(argv[1]) > NAME_MAX_LEN) {
        fprintf(stderr, "usage: floodcheck NAME < stream\n");
        return 2;
    }
    name = argv[1];
    name_len = strlen(name);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    /* Lines are at most LINE_LEN bytes when intact; anything longer is
     * accounted as broken without being kept whole. */
    static char buf[1 << 16];
    static char carry[LINE_LEN * 2];
    size_t carry_len = 0;
    bool carry_overflow = false;
    while (!stop) {
        ssize_t n = read(0, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("floodcheck: read");
            break;
        }
        if (n == 0)
            break;
        st.bytes += (uint64_t)n;
        size_t pos = 0;
        while (pos < (size_t)n) {
            char *nl = memchr(buf + pos, '\n', (size_t)n - pos);
            size_t end = nl ? (size_t)(nl - buf) + 1 : (size_t)n;
            size_t chunk = end - pos;
            if (!nl) {
                /* Partial line: keep it for the next read. */
                if (carry_len + chunk <= sizeof(carry)) {
                    memcpy(carry + carry_len, buf + pos, chunk);
                    carry_len += chunk;
                } else {
                    carry_overflow = true;
                }
                break;
            }
            if (carry_len || carry_overflow) {
                if (!carry_overflow && carry_len + chunk <= sizeof(carry)) {
                    memcpy(carry + carry_len, buf + pos, chunk);
                    account(carry, carry_len + chunk);
                } else if (st.started) {
                    st.pending_bad++;
                    st.pending_cut = true;
                }
                carry_len = 0;
                carry_overflow = false;
            } else {
                account(buf + pos, chunk);
            }
            pos = end;
        }
    }
    printf("bytes=%llu lines=%llu first=%llu last=%llu gaps=%llu missing=%llu "
           "cuts=%llu corrupt=%llu\n",
           (unsigned long long)st.bytes, (unsigned long long)st.lines, (unsigned long long)st.first,
           (unsigned long long)st.last, (unsigned long long)st.gaps, (unsigned long long)st.missing,
           (unsigned long long)st.cuts, (unsigned long long)st.corrupt);
    return st.corrupt ? 1 : 0;
}
