// SPDX-License-Identifier: GPL-2.0-or-later
/* Pipelined dom0 xenstore requests; see xswire.h for the contract. */
#include "sim/guest/xswire.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#define HDR_LEN sizeof(struct xsd_sockmsg)

struct pending {
    uint32_t req_id;
    unsigned tag;
};

struct lane {
    int fd;
    unsigned char *out; /* framed requests not yet sent */
    size_t out_len, out_sent, out_cap;
    struct pending *pend; /* requests sent or queued, oldest first */
    size_t pend_head, pend_len, pend_cap;
    unsigned char in[HDR_LEN + XENSTORE_PAYLOAD_MAX];
    size_t in_len;
};

struct xsw {
    unsigned nlanes;
    uint32_t next_req_id;
    bool broken;
    struct lane lane[XSW_MAX_LANES];
};

static const char *socket_path(char *buf, size_t size)
{
    const char *p = getenv("XENSTORED_PATH");
    if (p && *p)
        return p;
    p = getenv("XENSTORED_RUNDIR");
    snprintf(buf, size, "%s/socket", p && *p ? p : "/var/run/xenstored");
    return buf;
}

static int connect_one(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    /* Blocking connect: xenstored accepts one connection per pass. */
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

struct xsw *xsw_open(unsigned lanes)
{
    if (lanes == 0 || lanes > XSW_MAX_LANES) {
        errno = EINVAL;
        return NULL;
    }
    struct xsw *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->next_req_id = 1;
    for (unsigned i = 0; i < XSW_MAX_LANES; i++)
        w->lane[i].fd = -1;
    char buf[256];
    const char *path = socket_path(buf, sizeof(buf));
    for (w->nlanes = 0; w->nlanes < lanes; w->nlanes++) {
        w->lane[w->nlanes].fd = connect_one(path);
        if (w->lane[w->nlanes].fd < 0) {
            int saved = errno;
            xsw_close(w);
            errno = saved;
            return NULL;
        }
    }
    return w;
}

void xsw_close(struct xsw *w)
{
    if (!w)
        return;
    for (unsigned i = 0; i < XSW_MAX_LANES; i++) {
        if (w->lane[i].fd >= 0)
            close(w->lane[i].fd);
        free(w->lane[i].out);
        free(w->lane[i].pend);
    }
    free(w);
}

unsigned xsw_lanes(const struct xsw *w)
{
    return w->nlanes;
}

int xsw_errno(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        if (strlen(xsd_errors[i].errstring) == len &&
            memcmp(xsd_errors[i].errstring, name, len) == 0)
            return xsd_errors[i].errnum;
    return EIO;
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

/* Queue one request whose payload is PARTS, each followed by a NUL except
 * the last when LAST_NUL is false (as XS_WRITE's value). */
static int enqueue(struct xsw *w, unsigned lane, unsigned tag, uint32_t type,
                   const char *const *parts, const size_t *lens, size_t nparts, bool last_nul)
{
    if (w->broken) {
        errno = EPIPE;
        return -1;
    }
    if (lane >= w->nlanes) {
        errno = EINVAL;
        return -1;
    }
    size_t len = 0;
    for (size_t i = 0; i < nparts; i++)
        len += lens[i] + (i + 1 < nparts || last_nul ? 1 : 0);
    if (len > XENSTORE_PAYLOAD_MAX) {
        errno = E2BIG;
        return -1;
    }
    struct lane *l = &w->lane[lane];
    if (!grow((void **)&l->out, &l->out_cap, l->out_len + HDR_LEN + len, 1) ||
        !grow((void **)&l->pend, &l->pend_cap, l->pend_head + l->pend_len + 1, sizeof(*l->pend))) {
        errno = ENOMEM;
        return -1;
    }
    struct xsd_sockmsg hdr = {
        .type = type, .req_id = w->next_req_id++, .tx_id = 0, .len = (uint32_t)len};
    unsigned char *at = l->out + l->out_len;
    memcpy(at, &hdr, HDR_LEN);
    at += HDR_LEN;
    for (size_t i = 0; i < nparts; i++) {
        memcpy(at, parts[i], lens[i]);
        at += lens[i];
        if (i + 1 < nparts || last_nul)
            *at++ = '\0';
    }
    l->out_len += HDR_LEN + len;
    l->pend[l->pend_head + l->pend_len++] = (struct pending){hdr.req_id, tag};
    return 0;
}

int xsw_write(struct xsw *w, unsigned lane, unsigned tag, const char *path, const char *value,
              size_t len)
{
    const char *parts[2] = {path, value};
    size_t lens[2] = {strlen(path), len};
    return enqueue(w, lane, tag, XS_WRITE, parts, lens, 2, false);
}

int xsw_set_perms(struct xsw *w, unsigned lane, unsigned tag, const char *path,
                  const struct xs_permissions *perms, unsigned nperms)
{
    enum {
        MAX_PERMS = 16
    };
    char text[MAX_PERMS][16];
    const char *parts[1 + MAX_PERMS] = {path};
    size_t lens[1 + MAX_PERMS] = {strlen(path)};
    if (nperms == 0 || nperms > MAX_PERMS) {
        errno = EINVAL;
        return -1;
    }
    for (unsigned i = 0; i < nperms; i++) {
        /* xenstored's letters: n(one), r(ead), w(rite), b(oth). */
        static const char letter[4] = {'n', 'r', 'w', 'b'};
        if (perms[i].perms & ~(unsigned)(XS_PERM_READ | XS_PERM_WRITE)) {
            errno = EINVAL;
            return -1;
        }
        snprintf(text[i], sizeof(text[i]), "%c%u", letter[perms[i].perms & 3u], perms[i].id);
        parts[1 + i] = text[i];
        lens[1 + i] = strlen(text[i]);
    }
    return enqueue(w, lane, tag, XS_SET_PERMS, parts, lens, 1 + nperms, true);
}

int xsw_introduce(struct xsw *w, unsigned lane, unsigned tag, uint32_t domid, uint64_t gfn,
                  uint32_t port)
{
    char d[16], g[24], p[16];
    snprintf(d, sizeof(d), "%u", domid);
    snprintf(g, sizeof(g), "%llu", (unsigned long long)gfn);
    snprintf(p, sizeof(p), "%u", port);
    const char *parts[3] = {d, g, p};
    size_t lens[3] = {strlen(d), strlen(g), strlen(p)};
    return enqueue(w, lane, tag, XS_INTRODUCE, parts, lens, 3, true);
}

/* ---- sending and receiving ------------------------------------------------ */

static void fail_tag(int *errs, unsigned ntags, unsigned tag, int err)
{
    if (tag < ntags && errs[tag] == 0)
        errs[tag] = err;
}

/* Consume complete replies in L's input; -1 on a protocol violation. */
static int take_replies(struct lane *l, int *errs, unsigned ntags)
{
    size_t off = 0;
    while (l->in_len - off >= HDR_LEN) {
        struct xsd_sockmsg hdr;
        memcpy(&hdr, l->in + off, HDR_LEN);
        if (hdr.len > XENSTORE_PAYLOAD_MAX)
            return -1;
        if (l->in_len - off < HDR_LEN + hdr.len)
            break;
        const char *payload = (const char *)l->in + off + HDR_LEN;
        off += HDR_LEN + hdr.len;
        if (hdr.type == XS_WATCH_EVENT)
            continue; /* no watches are set on these connections */
        if (l->pend_len == 0 || hdr.req_id != l->pend[l->pend_head].req_id)
            return -1;
        unsigned tag = l->pend[l->pend_head].tag;
        l->pend_head++;
        l->pend_len--;
        if (hdr.type == XS_ERROR) {
            size_t n = strnlen(payload, hdr.len);
            fail_tag(errs, ntags, tag, xsw_errno(payload, n));
        }
    }
    memmove(l->in, l->in + off, l->in_len - off);
    l->in_len -= off;
    return 0;
}

static int lane_io(struct lane *l, short revents, int *errs, unsigned ntags)
{
    if (revents & POLLOUT) {
        ssize_t n = send(l->fd, l->out + l->out_sent, l->out_len - l->out_sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
        if (n > 0)
            l->out_sent += (size_t)n;
    }
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = recv(l->fd, l->in + l->in_len, sizeof(l->in) - l->in_len, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            return -1;
        if (n > 0) {
            l->in_len += (size_t)n;
            if (take_replies(l, errs, ntags) < 0)
                return -1;
        }
    }
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void reset_lane(struct lane *l)
{
    l->out_len = l->out_sent = 0;
    l->pend_head = l->pend_len = 0;
}

static int run_failed(struct xsw *w, int *errs, unsigned ntags)
{
    w->broken = true;
    for (unsigned i = 0; i < w->nlanes; i++) {
        struct lane *l = &w->lane[i];
        for (size_t k = 0; k < l->pend_len; k++)
            fail_tag(errs, ntags, l->pend[l->pend_head + k].tag, EIO);
        reset_lane(l);
    }
    errno = EIO;
    return -1;
}

int xsw_run(struct xsw *w, int *errs, unsigned ntags)
{
    for (unsigned t = 0; t < ntags; t++)
        errs[t] = 0;
    if (w->broken) {
        for (unsigned t = 0; t < ntags; t++)
            errs[t] = EPIPE;
        errno = EPIPE;
        return -1;
    }
    long long last_progress = now_ms();
    for (;;) {
        struct pollfd pfd[XSW_MAX_LANES];
        unsigned map[XSW_MAX_LANES], n = 0;
        for (unsigned i = 0; i < w->nlanes; i++) {
            struct lane *l = &w->lane[i];
            if (!l->pend_len)
                continue;
            pfd[n] = (struct pollfd){.fd = l->fd, .events = POLLIN};
            if (l->out_sent < l->out_len)
                pfd[n].events |= POLLOUT;
            map[n++] = i;
        }
        if (n == 0)
            break;
        long long left = XSW_STALL_MS - (now_ms() - last_progress);
        int r = left > 0 ? poll(pfd, n, (int)left) : 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return run_failed(w, errs, ntags);
        for (unsigned k = 0; k < n; k++) {
            if (!pfd[k].revents)
                continue;
            if (lane_io(&w->lane[map[k]], pfd[k].revents, errs, ntags) < 0)
                return run_failed(w, errs, ntags);
        }
        last_progress = now_ms();
    }
    for (unsigned i = 0; i < w->nlanes; i++)
        reset_lane(&w->lane[i]);
    return 0;
}
