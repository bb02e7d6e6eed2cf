/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fake-hyp.c — the xen port (daemon/hyp.h) in memory, linked instead of
 * hyp.c by the core's unit tests (core-harness.h).
 *
 * Contract
 * - Rings are zeroed heap pages the test plays the guest on
 *   (fake_guest_write / fake_guest_read); local ports count up from 1 and
 *   are never pending: the test calls console_event() itself.
 * - xenstore is a flat table of path -> value; watches succeed and fire
 *   only when the test queues an event (fake_watch_fire); the store is
 *   always up.
 * - Every notify is counted per port (fake_notified), every NMI and
 *   debug-key call too; hyp_directory lists the children the flat table
 *   implies (or fails as told: fake_directory_fail).
 * - Jobs run at once on the flat table when submitted; their DONE
 *   callbacks run from the loop (hyp_jobs_fd is a real pipe), as the
 *   real port's do. A job's watch and directory requests succeed with
 *   nothing.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/io/console.h>

#include "daemon/hyp.h"
#include "tests/unit/core-harness.h"

#define FAKE_NODES   256
#define FAKE_PORTS   64
#define FAKE_DOMAINS 16
#define FAKE_WATCHES 16

struct hyp {
    struct {
        char path[HYP_PATH_MAX];
        char value[256];
    } node[FAKE_NODES];
    bool bound[FAKE_PORTS];
    unsigned notified[FAKE_PORTS];
    int next_port;
    uint32_t domid[FAKE_DOMAINS];
    unsigned ndomains;
    struct {
        char path[HYP_PATH_MAX];
        char token[32];
    } watch[FAKE_WATCHES];
    unsigned nwatch;
    unsigned nmi[FAKE_DOMAINS]; /* NMIs sent, by domid (< FAKE_DOMAINS) */
    unsigned debug_keys;        /* debug-key calls */
    char last_debug_keys[64];
    int directory_errno; /* nonzero: hyp_directory fails with it */
    int jobs_pipe[2];
    struct hyp_job *done_head, *done_tail;
};

struct hyp *hyp_open(char *err, size_t errlen)
{
    struct hyp *h = calloc(1, sizeof(*h));
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->next_port = 1;
    if (pipe2(h->jobs_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        snprintf(err, errlen, "pipe");
        free(h);
        return NULL;
    }
    return h;
}

void hyp_close(struct hyp *h)
{
    struct hyp_job *j, *next;
    for (j = h->done_head; j; j = next) {
        next = j->next;
        hyp_job_free(j);
    }
    close(h->jobs_pipe[0]);
    close(h->jobs_pipe[1]);
    free(h);
}

int hyp_watch_fd(struct hyp *h)
{
    return -1;
}
int hyp_watch(struct hyp *h, const char *path, const char *token)
{
    return 0;
}
int hyp_unwatch(struct hyp *h, const char *path, const char *token)
{
    return 0;
}
bool hyp_watch_pending(struct hyp *h)
{
    return false; /* hyp_next_watch() serves every queued event */
}
int hyp_next_watch(struct hyp *h, char *path, size_t pathlen, char *token, size_t toklen)
{
    if (h->nwatch == 0)
        return 0;
    snprintf(path, pathlen, "%s", h->watch[0].path);
    snprintf(token, toklen, "%s", h->watch[0].token);
    h->nwatch--;
    memmove(&h->watch[0], &h->watch[1], h->nwatch * sizeof(h->watch[0]));
    return 1;
}

static int find_node(struct hyp *h, const char *path)
{
    for (int i = 0; i < FAKE_NODES; i++)
        if (h->node[i].path[0] && strcmp(h->node[i].path, path) == 0)
            return i;
    return -1;
}

ssize_t hyp_read(struct hyp *h, const char *path, char *buf, size_t buflen)
{
    int i = find_node(h, path);
    if (i < 0) {
        errno = ENOENT;
        return -1;
    }
    size_t n = strlen(h->node[i].value);
    if (n >= buflen) {
        errno = E2BIG;
        return -1;
    }
    memcpy(buf, h->node[i].value, n + 1);
    return (ssize_t)n;
}

int hyp_write(struct hyp *h, const char *path, const char *value)
{
    int i = find_node(h, path);
    for (int j = 0; i < 0 && j < FAKE_NODES; j++)
        if (!h->node[j].path[0])
            i = j;
    if (i < 0) {
        errno = ENOSPC;
        return -1;
    }
    snprintf(h->node[i].path, sizeof(h->node[i].path), "%s", path);
    snprintf(h->node[i].value, sizeof(h->node[i].value), "%s", value);
    return 0;
}

int hyp_rm(struct hyp *h, const char *path)
{
    int i = find_node(h, path);
    if (i >= 0)
        h->node[i].path[0] = '\0';
    return 0;
}

/* Children of PATH: the next component of every node below it, once. */
int hyp_directory(struct hyp *h, const char *path, char *buf, size_t buflen)
{
    if (h->directory_errno) {
        errno = h->directory_errno;
        return -1;
    }
    size_t plen = strlen(path), used = 0;
    int n = 0;
    for (int i = 0; i < FAKE_NODES; i++) {
        const char *p = h->node[i].path;
        if (!p[0] || strncmp(p, path, plen) != 0 || p[plen] != '/')
            continue;
        const char *name = p + plen + 1;
        size_t len = strcspn(name, "/");
        bool seen = false;
        for (const char *e = buf; e < buf + used; e += strlen(e) + 1)
            if (strlen(e) == len && strncmp(e, name, len) == 0)
                seen = true;
        if (seen || used + len + 1 > buflen)
            continue;
        memcpy(buf + used, name, len);
        buf[used + len] = '\0';
        used += len + 1;
        n++;
    }
    if (n == 0 && find_node(h, path) < 0) {
        errno = ENOENT;
        return -1;
    }
    return n;
}
bool hyp_store_up(struct hyp *h)
{
    return true;
}
bool hyp_store_check_due(struct hyp *h, unsigned idle_ms)
{
    return false;
}
int hyp_store_check(struct hyp *h)
{
    return 0;
}
uint64_t hyp_store_requests(struct hyp *h)
{
    return 0;
}
void hyp_store_drop(struct hyp *h)
{
}
int hyp_store_fd(struct hyp *h)
{
    return -1;
}
void hyp_store_on_suspect(struct hyp *h, void (*cb)(void))
{
}
int hyp_store_reconnect(struct hyp *h)
{
    return 0;
}

int hyp_domain_path(struct hyp *h, uint32_t domid, char *buf, size_t buflen)
{
    snprintf(buf, buflen, "/local/domain/%u", domid);
    return 0;
}

int hyp_list_domains(struct hyp *h, struct hyp_dominfo *out, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < h->ndomains && n < max; i++)
        out[n++] = (struct hyp_dominfo){.domid = h->domid[i]};
    return (int)n;
}

void *hyp_map_console(struct hyp *h, uint32_t domid, uint64_t ring_ref, bool primary, bool *granted)
{
    *granted = true;
    return calloc(1, 4096);
}

void hyp_unmap_console(struct hyp *h, void *page, bool granted)
{
    free(page);
}

int hyp_evtchn_fd(struct hyp *h)
{
    return -1;
}

int hyp_bind(struct hyp *h, uint32_t domid, uint32_t remote_port)
{
    if (h->next_port >= FAKE_PORTS) {
        errno = ENOSPC;
        return -1;
    }
    h->bound[h->next_port] = true;
    return h->next_port++;
}

int hyp_unbind(struct hyp *h, int local_port)
{
    if (local_port > 0 && local_port < FAKE_PORTS)
        h->bound[local_port] = false;
    return 0;
}

int hyp_notify(struct hyp *h, int local_port)
{
    if (local_port > 0 && local_port < FAKE_PORTS)
        h->notified[local_port]++;
    return 0;
}

int hyp_pending(struct hyp *h)
{
    errno = EAGAIN;
    return -1;
}

int hyp_unmask(struct hyp *h, int local_port)
{
    return 0;
}

bool hyp_port_connected(struct hyp *h, int local_port, uint32_t domid)
{
    return local_port > 0 && local_port < FAKE_PORTS && h->bound[local_port];
}

int hyp_conring_bind(struct hyp *h)
{
    errno = EBUSY;
    return -1;
}

ssize_t hyp_conring_read(struct hyp *h, char *buf, size_t len, uint32_t *index)
{
    return 0;
}
int hyp_send_nmi(struct hyp *h, uint32_t domid)
{
    if (domid < FAKE_DOMAINS)
        h->nmi[domid]++;
    return 0;
}
int hyp_debug_keys(struct hyp *h, const char *keys)
{
    h->debug_keys++;
    snprintf(h->last_debug_keys, sizeof(h->last_debug_keys), "%s", keys);
    return 0;
}

/* ---- the test's side ---- */

void fake_domain_add(struct hyp *h, uint32_t domid)
{
    if (h->ndomains < FAKE_DOMAINS)
        h->domid[h->ndomains++] = domid;
}

void fake_domain_remove(struct hyp *h, uint32_t domid)
{
    for (unsigned i = 0; i < h->ndomains; i++)
        if (h->domid[i] == domid)
            h->domid[i] = h->domid[--h->ndomains];
}

unsigned fake_notified(struct hyp *h, int local_port)
{
    return local_port > 0 && local_port < FAKE_PORTS ? h->notified[local_port] : 0;
}

size_t fake_guest_write(void *page, const void *bytes, size_t len)
{
    struct xencons_interface *r = page;
    size_t n = 0;
    const uint8_t *p = bytes;
    while (n < len && r->out_prod - r->out_cons < sizeof(r->out)) {
        r->out[MASK_XENCONS_IDX(r->out_prod, r->out)] = (char)p[n++];
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        r->out_prod++;
    }
    return n;
}

size_t fake_guest_read(void *page, void *buf, size_t max)
{
    struct xencons_interface *r = page;
    size_t n = 0;
    uint8_t *p = buf;
    while (n < max && r->in_cons != r->in_prod) {
        p[n++] = (uint8_t)r->in[MASK_XENCONS_IDX(r->in_cons, r->in)];
        r->in_cons++;
    }
    return n;
}

void fake_ring_corrupt(void *page)
{
    struct xencons_interface *r = page;
    r->out_prod = r->out_cons + 10 * sizeof(r->out);
}

void fake_watch_fire(struct hyp *h, const char *path, const char *token)
{
    if (h->nwatch >= FAKE_WATCHES)
        return;
    snprintf(h->watch[h->nwatch].path, sizeof(h->watch[0].path), "%s", path);
    snprintf(h->watch[h->nwatch].token, sizeof(h->watch[0].token), "%s", token);
    h->nwatch++;
}

unsigned fake_nmi_sent(struct hyp *h, uint32_t domid)
{
    return domid < FAKE_DOMAINS ? h->nmi[domid] : 0;
}

unsigned fake_debug_keys_sent(struct hyp *h, const char **last)
{
    if (last)
        *last = h->last_debug_keys;
    return h->debug_keys;
}

void fake_directory_fail(struct hyp *h, int err)
{
    h->directory_errno = err;
}

/* ---- jobs ---- */

void hyp_job_submit(struct hyp *h, struct hyp_job *j)
{
    if (!j)
        return;
    for (unsigned i = 0; i < j->nops; i++) {
        struct hyp_op *o = &j->op[i];
        char buf[256];
        if (o->kind == HYP_OP_READ) {
            ssize_t n = hyp_read(h, o->path, buf, sizeof(buf));
            o->err = n < 0 ? errno : 0;
            if (n >= 0) {
                o->value = strdup(buf);
                o->len = (size_t)n;
            }
        } else if (o->kind == HYP_OP_WRITE) {
            o->err = hyp_write(h, o->path, o->arg ? o->arg : "") < 0 ? errno : 0;
        } else if (o->kind == HYP_OP_DIRECTORY) {
            o->value = calloc(1, 1);
            o->len = 0;
        }
    }
    j->next = NULL;
    if (h->done_tail)
        h->done_tail->next = j;
    else
        h->done_head = j;
    h->done_tail = j;
    ssize_t r = write(h->jobs_pipe[1], "j", 1);
    (void)r;
}

int hyp_jobs_fd(struct hyp *h)
{
    return h->jobs_pipe[0];
}

unsigned hyp_jobs_complete(struct hyp *h, unsigned max)
{
    char drain[64];
    while (read(h->jobs_pipe[0], drain, sizeof(drain)) > 0)
        ;
    for (unsigned n = 0; n < max && h->done_head; n++) {
        struct hyp_job *j = h->done_head;
        h->done_head = j->next;
        if (!h->done_head)
            h->done_tail = NULL;
        if (j->done)
            j->done(j);
        else
            hyp_job_free(j);
    }
    if (h->done_head) {
        ssize_t r = write(h->jobs_pipe[1], "j", 1);
        (void)r;
        return 1;
    }
    return 0;
}
