/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv.c — the simulated hypervisor's state machine (see hv.h for the
 * contract). Everything below runs in whichever process calls it; the only
 * shared things are the two mapped files and the abstract-namespace
 * datagram sockets that wake receivers.
 */
#include "sim/hv.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define HV_MAGIC 0x78656e73696d3031ull /* "xensim01" */

struct hv_state {
    uint64_t magic;
    uint64_t size;
    uint64_t token; /* names this host's receiver sockets */
    pthread_mutex_t lock;
    uint32_t next_domid;
    uint32_t dom0_port_hwm; /* highest dom0 port ever allocated */
    uint32_t dom0_port_hint;
    uint32_t page_hint;
    uint64_t next_recv_id;
    uint64_t conring_prod;
    char conring[HV_CONRING_SIZE];
    int16_t domid_slot[HV_MAX_DOMID + 1]; /* -1 = no such domain */
    uint32_t page_owner[HV_MAX_PAGES];    /* domid + 1, 0 = free */
    struct hv_receiver recv[HV_MAX_RECEIVERS];
    struct hv_port dom0_ports[HV_DOM0_PORTS];
    struct hv_domain dom[HV_MAX_DOMAINS];
};

static struct hv_state *S;
static int pages_fd = -1;
static char host_dir[4096];
static int recv_fd[HV_MAX_RECEIVERS]; /* this process's receiver sockets */
static int send_fd = -1;
static pthread_once_t attach_once = PTHREAD_ONCE_INIT;
static int attach_err;

/* ---- helpers -------------------------------------------------------- */

static void recv_addr(uint64_t id, struct sockaddr_un *sun, socklen_t *len)
{
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    int n = snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1, "xensim-%016llx-%llu",
                     (unsigned long long)S->token, (unsigned long long)id);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static int slot_of(uint32_t domid)
{
    if (domid > HV_MAX_DOMID)
        return -1;
    return S->domid_slot[domid];
}

static uint32_t nports(int slot)
{
    return slot == 0 ? HV_DOM0_PORTS : HV_GUEST_PORTS;
}

static struct hv_port *port_at(int slot, uint32_t port)
{
    if (slot < 0 || port == 0 || port >= nports(slot))
        return NULL;
    return slot == 0 ? &S->dom0_ports[port] : &S->dom[slot].ports[port];
}

static struct hv_port *port_by_key(uint32_t key, int *slot_out)
{
    uint32_t k = key - 1;
    int slot = (int)(k >> 17);
    if ((unsigned)slot >= HV_MAX_DOMAINS)
        return NULL;
    if (slot_out)
        *slot_out = slot;
    return port_at(slot, k & 0x1ffff);
}

void hv_key_split(uint32_t key, uint32_t *domid, uint32_t *port)
{
    uint32_t k = key - 1;
    uint32_t slot = k >> 17;
    *domid = slot < HV_MAX_DOMAINS ? S->dom[slot].domid : UINT32_MAX;
    *port = k & 0x1ffff;
}

/* The wakes of one critical section, sent once the lock is released:
 * a sendto that wakes another process, made under the one lock every
 * process of the host shares, kept them all waiting for it. Sending
 * late only ever adds a spurious wake (a datagram for a queue its
 * receiver has emptied meanwhile, which hv_recv_pending drains), never
 * loses one: the queue's 0 -> 1 step that asked for it always sends it. */
#define WAKES_DEFERRED_MAX 8
static __thread uint64_t wakes_deferred[WAKES_DEFERRED_MAX];
static __thread unsigned nwakes_deferred;

static void send_wake(uint64_t recv_id);

void hv_lock(void)
{
    int rc = pthread_mutex_lock(&S->lock);
    if (rc == EOWNERDEAD)
        pthread_mutex_consistent(&S->lock); /* a holder died: state is
                                               word-consistent, carry on */
}

void hv_unlock(void)
{
    uint64_t ids[WAKES_DEFERRED_MAX];
    unsigned n = nwakes_deferred;
    memcpy(ids, wakes_deferred, n * sizeof(ids[0]));
    nwakes_deferred = 0;
    pthread_mutex_unlock(&S->lock);
    for (unsigned i = 0; i < n; i++)
        send_wake(ids[i]);
}

/* ---- attaching -------------------------------------------------------- */

static int map_state(const char *dir, int create)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/hv.state", dir);
    int fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0600);
    if (fd < 0)
        return -1;
    if (create && ftruncate(fd, sizeof(struct hv_state)) < 0)
        goto fail;
    struct stat st;
    if (fstat(fd, &st) < 0)
        goto fail;
    if ((size_t)st.st_size < sizeof(struct hv_state)) {
        errno = EINVAL;
        goto fail;
    }
    void *p = mmap(NULL, sizeof(struct hv_state), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        goto fail;
    close(fd);
    S = p;

    snprintf(path, sizeof(path), "%s/hv.pages", dir);
    pages_fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0600);
    if (pages_fd < 0)
        return -1;
    if (create && ftruncate(pages_fd, (off_t)HV_MAX_PAGES * HV_PAGE_SIZE) < 0)
        return -1;
    snprintf(host_dir, sizeof(host_dir), "%s", dir);
    for (unsigned i = 0; i < HV_MAX_RECEIVERS; i++)
        recv_fd[i] = -1;
    return 0;
fail:
    close(fd);
    return -1;
}

static void attach_once_fn(void)
{
    const char *dir = getenv("XENSIM_DIR");
    if (!dir || !*dir) {
        attach_err = ENOENT;
        return;
    }
    if (map_state(dir, 0) < 0) {
        attach_err = errno;
        return;
    }
    if (S->magic != HV_MAGIC || S->size != sizeof(struct hv_state)) {
        attach_err = EPROTO;
        return;
    }
}

int hv_attach(void)
{
    if (S && S->magic == HV_MAGIC)
        return 0;
    pthread_once(&attach_once, attach_once_fn);
    if (attach_err) {
        errno = attach_err;
        return -1;
    }
    return 0;
}

const char *hv_dir(void)
{
    return host_dir;
}

static int write_file(const char *dir, const char *name, const char *text)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

int hv_host_create(const char *dir)
{
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return -1;
    if (map_state(dir, 1) < 0)
        return -1;
    memset(S, 0, sizeof(*S));
    S->size = sizeof(struct hv_state);
    if (getrandom(&S->token, sizeof(S->token), 0) != sizeof(S->token))
        S->token = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);

    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&S->lock, &a);
    pthread_mutexattr_destroy(&a);

    for (unsigned i = 0; i <= HV_MAX_DOMID; i++)
        S->domid_slot[i] = -1;
    S->next_domid = 1;
    S->dom0_port_hint = 1;
    S->page_hint = 1; /* page 0 is dom0's xenstore page (xsd_kva) */
    S->next_recv_id = 1;

    struct hv_domain *d0 = &S->dom[0];
    d0->in_use = 1;
    d0->domid = 0;
    snprintf(d0->name, sizeof(d0->name), "Domain-0");
    for (unsigned g = 0; g < HV_GRANTS; g++)
        d0->grant[g] = -1;
    S->domid_slot[0] = 0;
    S->page_owner[0] = 1;
    S->magic = HV_MAGIC;

    /* Xen's first words, which a real host's console ring holds before any
     * dom0 daemon runs (what `xl dmesg` shows first). */
    static const char boot[] =
        "(XEN) Xen version 4.17 (xensim) (gcc 12.2.0) debug=n\n"
        "(XEN) Command line: placeholder console=com1 loglvl=all guest_loglvl=all\n"
        "(XEN) Brought up 2 CPUs\n"
        "(XEN) *** LOADING DOMAIN 0 ***\n"
        "(XEN) Initial low memory virq threshold set at 0x4000 pages.\n"
        "(XEN) Freed 664kB init memory\n";
    memcpy(S->conring, boot, sizeof(boot) - 1);
    S->conring_prod = sizeof(boot) - 1;

    /* dom0's xenstore channel: an unbound dom0 port xenstored binds. */
    int port = hv_evtchn_alloc_unbound(0, 0, -1);
    if (port < 0)
        return -1;
    /* What dom0's kernel shows xenstored in /proc/xen (see preload.c):
     * the store port, and the store page, which is page 0 of the pool. */
    char buf[4200];
    snprintf(buf, sizeof(buf), "%s/proc-xen", dir);
    if (mkdir(buf, 0755) < 0 && errno != EEXIST)
        return -1;
    snprintf(buf, sizeof(buf), "%s/proc-xen/xsd_kva", dir);
    unlink(buf);
    if (symlink("../hv.pages", buf) < 0)
        return -1;
    /* As Linux shows it: the number, no newline (oxenstored's
     * int_of_string refuses one; the C xenstored would not notice). */
    snprintf(buf, sizeof(buf), "%d", port);
    return write_file(dir, "proc-xen/xsd_port", buf);
}

/* ---- receivers --------------------------------------------------------- */

/* The socket notifications are sent from: one per process, opened with
 * its first event-channel handle (hv_recv_open) rather than at its first
 * notification, so a backend's descriptor count does not change with
 * when it first happens to notify (as /dev/xen/evtchn, open from the
 * start, does not). */
static void open_send_fd(void)
{
    if (send_fd < 0)
        send_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
}

static void send_wake(uint64_t recv_id)
{
    open_send_fd();
    struct sockaddr_un sun;
    socklen_t len;
    recv_addr(recv_id, &sun, &len);
    char b = 1;
    /* ECONNREFUSED: the receiver's process is gone; hv_reap frees it. */
    (void)sendto(send_fd, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&sun, len);
}

static void wake(unsigned r)
{
    if (nwakes_deferred < WAKES_DEFERRED_MAX)
        wakes_deferred[nwakes_deferred++] = S->recv[r].id;
    else
        send_wake(S->recv[r].id);
}

static void enqueue(int slot, uint32_t portno, struct hv_port *p)
{
    if (p->queued || p->receiver == 0)
        return;
    unsigned r = p->receiver - 1;
    struct hv_receiver *rc = &S->recv[r];
    uint32_t key = hv_key((uint32_t)slot, portno);
    p->queued = 1;
    p->next = 0;
    if (rc->tail) {
        struct hv_port *t = port_by_key(rc->tail, NULL);
        if (t)
            t->next = key;
    } else {
        rc->head = key;
    }
    rc->tail = key;
    if (rc->count++ == 0)
        wake(r);
}

static void unqueue(struct hv_port *p, uint32_t key)
{
    if (!p->queued || p->receiver == 0)
        return;
    struct hv_receiver *rc = &S->recv[p->receiver - 1];
    uint32_t prev = 0, cur = rc->head;
    while (cur) {
        struct hv_port *c = port_by_key(cur, NULL);
        if (!c)
            break;
        if (cur == key) {
            if (prev) {
                struct hv_port *pp = port_by_key(prev, NULL);
                if (pp)
                    pp->next = c->next;
            } else {
                rc->head = c->next;
            }
            if (rc->tail == key)
                rc->tail = prev;
            rc->count--;
            break;
        }
        prev = cur;
        cur = c->next;
    }
    p->queued = 0;
    p->next = 0;
    /* The owner drains its wake datagram in hv_recv_pending when it finds
     * the queue empty; nothing to do here from another process. */
}

/* Deliver an event to a port: Xen sets pending; the receiver sees it once
 * until it unmasks. */
static void deliver(int slot, uint32_t portno)
{
    struct hv_port *p = port_at(slot, portno);
    if (!p || p->state == HV_PORT_FREE)
        return;
    if (p->masked || p->receiver == 0) {
        p->pending = 1;
        return;
    }
    p->masked = 1;
    p->pending = 0;
    enqueue(slot, portno, p);
}

static int receiver_alive(unsigned r)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 1;
    struct sockaddr_un sun;
    socklen_t len;
    recv_addr(S->recv[r].id, &sun, &len);
    int rc = connect(fd, (struct sockaddr *)&sun, len);
    int err = errno;
    close(fd);
    return rc == 0 || err != ECONNREFUSED;
}

static void close_port_locked(int slot, uint32_t portno);

static void release_receiver_locked(unsigned r)
{
    uint32_t owner = r + 1;
    /* A dom0 handle's ports die with it, as when the Linux evtchn device
     * is closed; a guest's ports stay, merely undelivered. */
    for (uint32_t p = 1; p <= S->dom0_port_hwm && p < HV_DOM0_PORTS; p++)
        if (S->dom0_ports[p].receiver == owner)
            close_port_locked(0, p);
    for (unsigned s = 1; s < HV_MAX_DOMAINS; s++) {
        if (!S->dom[s].in_use)
            continue;
        for (uint32_t p = 1; p < HV_GUEST_PORTS; p++) {
            struct hv_port *q = &S->dom[s].ports[p];
            if (q->receiver == owner) {
                q->receiver = 0;
                q->queued = 0;
                q->next = 0;
            }
        }
    }
    memset(&S->recv[r], 0, sizeof(S->recv[r]));
}

void hv_reap(void)
{
    hv_lock();
    for (unsigned r = 0; r < HV_MAX_RECEIVERS; r++)
        if (S->recv[r].in_use && recv_fd[r] < 0 && !receiver_alive(r))
            release_receiver_locked(r);
    hv_unlock();
}

int hv_recv_open(void)
{
    if (hv_attach() < 0)
        return -1;
    hv_reap();
    open_send_fd();
    /* Blocking, as /dev/xen/evtchn is when opened: hv_recv_pending then
     * waits for an event, so a backend that forgets O_NONBLOCK hangs here
     * exactly as it would on real Xen. */
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    hv_lock();
    int r = -1;
    for (unsigned i = 0; i < HV_MAX_RECEIVERS; i++)
        if (!S->recv[i].in_use) {
            r = (int)i;
            break;
        }
    if (r < 0) {
        hv_unlock();
        close(fd);
        errno = EMFILE;
        return -1;
    }
    struct hv_receiver *rc = &S->recv[r];
    memset(rc, 0, sizeof(*rc));
    rc->id = S->next_recv_id++;
    rc->pid = getpid();
    struct sockaddr_un sun;
    socklen_t len;
    recv_addr(rc->id, &sun, &len);
    if (bind(fd, (struct sockaddr *)&sun, len) < 0) {
        int e = errno;
        hv_unlock();
        close(fd);
        errno = e;
        return -1;
    }
    rc->in_use = 1;
    recv_fd[r] = fd;
    hv_unlock();
    return r;
}

static int own_receiver(int slot)
{
    if (slot < 0 || (unsigned)slot >= HV_MAX_RECEIVERS || recv_fd[slot] < 0 ||
        !S->recv[slot].in_use) {
        errno = EBADF;
        return 0;
    }
    return 1;
}

int hv_recv_close(int slot)
{
    if (!own_receiver(slot))
        return -1;
    hv_lock();
    release_receiver_locked((unsigned)slot);
    hv_unlock();
    close(recv_fd[slot]);
    recv_fd[slot] = -1;
    return 0;
}

int hv_recv_fd(int slot)
{
    if (!own_receiver(slot))
        return -1;
    return recv_fd[slot];
}

int64_t hv_recv_pending(int slot)
{
    if (!own_receiver(slot))
        return -1;
    hv_lock();
    struct hv_receiver *rc = &S->recv[slot];
    uint32_t key = rc->head;
    struct hv_port *p = key ? port_by_key(key, NULL) : NULL;
    while (!p) {
        rc->head = rc->tail = 0;
        rc->count = 0;
        char b;
        while (recv(recv_fd[slot], &b, 1, MSG_DONTWAIT) > 0)
            ;
        hv_unlock();
        if (fcntl(recv_fd[slot], F_GETFL) & O_NONBLOCK) {
            errno = EAGAIN;
            return -1;
        }
        /* Blocking fd: wait for the next event, as a read of the Linux
         * evtchn device does. */
        struct pollfd pfd = {.fd = recv_fd[slot], .events = POLLIN};
        if (poll(&pfd, 1, -1) < 0)
            return -1; /* EINTR: a signal interrupts the wait, as read(2) */
        hv_lock();
        key = rc->head;
        p = key ? port_by_key(key, NULL) : NULL;
    }
    rc->head = p->next;
    if (!rc->head)
        rc->tail = 0;
    p->queued = 0;
    p->next = 0;
    if (--rc->count == 0) {
        char b;
        /* Drain the one wake datagram: readable iff queue non-empty. */
        while (recv(recv_fd[slot], &b, 1, MSG_DONTWAIT) > 0)
            ;
    }
    hv_unlock();
    return key;
}

/* ---- domains ----------------------------------------------------------- */

struct hv_domain *hv_domain_locked(uint32_t domid)
{
    int s = slot_of(domid);
    return s < 0 ? NULL : &S->dom[s];
}

int hv_domain_create(const char *name, uint32_t flags)
{
    if (hv_attach() < 0)
        return -1;
    hv_lock();
    int slot = -1;
    for (unsigned s = 1; s < HV_MAX_DOMAINS; s++)
        if (!S->dom[s].in_use) {
            slot = (int)s;
            break;
        }
    uint32_t domid = 0;
    for (unsigned tries = 0; slot >= 0 && tries < HV_MAX_DOMID; tries++) {
        domid = S->next_domid;
        S->next_domid = domid >= HV_MAX_DOMID ? 1 : domid + 1;
        if (S->domid_slot[domid] < 0)
            break;
        domid = 0;
    }
    if (slot < 0 || domid == 0) {
        hv_unlock();
        errno = ENOSPC;
        return -1;
    }
    struct hv_domain *d = &S->dom[slot];
    memset(d, 0, sizeof(*d));
    d->in_use = 1;
    d->domid = domid;
    d->flags = flags & (HV_DOM_HVM | HV_DOM_PAUSED);
    d->tot_pages = 32768;
    for (unsigned g = 0; g < HV_GRANTS; g++)
        d->grant[g] = -1;
    for (unsigned i = 0; i < 16; i++)
        d->handle[i] = (uint8_t)(S->token >> (i % 8 * 8)) ^ (uint8_t)(domid * 31 + i);
    snprintf(d->name, sizeof(d->name), "%s", name ? name : "");
    S->domid_slot[domid] = (int16_t)slot;
    hv_unlock();
    return (int)domid;
}

int hv_domain_get(uint32_t domid, struct hv_domain *out)
{
    if (hv_attach() < 0)
        return -1;
    hv_lock();
    struct hv_domain *d = hv_domain_locked(domid);
    if (d)
        memcpy(out, d, offsetof(struct hv_domain, ports));
    hv_unlock();
    if (!d) {
        errno = ESRCH;
        return -1;
    }
    return 0;
}

int hv_domain_list(uint32_t first, struct hv_domain *out, unsigned max)
{
    if (hv_attach() < 0)
        return -1;
    unsigned n = 0;
    hv_lock();
    for (uint32_t id = first; id <= HV_MAX_DOMID && n < max; id++) {
        int s = S->domid_slot[id];
        if (s >= 0)
            memcpy(&out[n++], &S->dom[s], offsetof(struct hv_domain, ports));
    }
    hv_unlock();
    return (int)n;
}

static void raise_virq_locked(uint32_t virq)
{
    for (uint32_t p = 1; p <= S->dom0_port_hwm && p < HV_DOM0_PORTS; p++)
        if (S->dom0_ports[p].state == HV_PORT_VIRQ && S->dom0_ports[p].virq == virq)
            deliver(0, p);
}

void hv_raise_virq(uint32_t virq)
{
    if (hv_attach() < 0)
        return;
    hv_lock();
    raise_virq_locked(virq);
    hv_unlock();
}

static void raise_guest_virq_locked(int slot, uint32_t virq)
{
    struct hv_domain *d = &S->dom[slot];
    if (virq == HV_VIRQ_DEBUG)
        d->debug_count++;
    for (uint32_t p = 1; p < HV_GUEST_PORTS; p++)
        if (d->ports[p].state == HV_PORT_VIRQ && d->ports[p].virq == virq)
            deliver(slot, p);
}

void hv_raise_guest_virq(uint32_t domid, uint32_t virq)
{
    if (hv_attach() < 0)
        return;
    hv_lock();
    if (domid == UINT32_MAX) {
        for (unsigned s = 1; s < HV_MAX_DOMAINS; s++)
            if (S->dom[s].in_use && !(S->dom[s].flags & HV_DOM_DYING))
                raise_guest_virq_locked((int)s, virq);
    } else {
        int s = slot_of(domid);
        if (s > 0)
            raise_guest_virq_locked(s, virq);
    }
    hv_unlock();
}

int hv_domain_shutdown(uint32_t domid, uint32_t reason, int crashed)
{
    if (hv_attach() < 0)
        return -1;
    hv_lock();
    struct hv_domain *d = hv_domain_locked(domid);
    if (!d || domid == 0) {
        hv_unlock();
        errno = ESRCH;
        return -1;
    }
    d->flags |= HV_DOM_SHUTDOWN | (crashed ? HV_DOM_CRASHED : 0);
    d->shutdown_reason = reason;
    raise_virq_locked(HV_VIRQ_DOM_EXC);
    hv_unlock();
    return 0;
}

int hv_domain_destroy(uint32_t domid)
{
    if (hv_attach() < 0)
        return -1;
    hv_lock();
    int slot = slot_of(domid);
    if (slot <= 0) {
        hv_unlock();
        errno = ESRCH;
        return -1;
    }
    struct hv_domain *d = &S->dom[slot];
    d->flags |= HV_DOM_DYING;
    for (uint32_t p = 1; p < HV_GUEST_PORTS; p++)
        if (d->ports[p].state != HV_PORT_FREE)
            close_port_locked(slot, p);
    /* dom0 ports still waiting for this domain to bind them are dead too. */
    for (uint32_t p = 1; p <= S->dom0_port_hwm && p < HV_DOM0_PORTS; p++) {
        struct hv_port *q = &S->dom0_ports[p];
        if (q->state == HV_PORT_UNBOUND && q->remote_dom == domid)
            q->remote_dom = (uint16_t)0x7ff4; /* DOMID_INVALID-ish: unbindable */
    }
    /* Pages are not reused until the pool wraps, so a stale mapping in a
     * backend never sees another guest's data. */
    for (unsigned i = 0; i < HV_MAX_PAGES; i++)
        if (S->page_owner[i] == domid + 1)
            S->page_owner[i] = 0;
    S->domid_slot[domid] = -1;
    memset(d, 0, sizeof(*d));
    raise_virq_locked(HV_VIRQ_DOM_EXC);
    hv_unlock();
    return 0;
}

/* ---- memory ------------------------------------------------------------ */

int hv_page_alloc(uint32_t domid)
{
    if (hv_attach() < 0)
        return -1;
    static const char zero[HV_PAGE_SIZE];
    hv_lock();
    int page = -1;
    for (unsigned n = 0; n < HV_MAX_PAGES; n++) {
        unsigned i = (S->page_hint + n) % HV_MAX_PAGES;
        if (i != 0 && S->page_owner[i] == 0) {
            page = (int)i;
            break;
        }
    }
    if (page >= 0) {
        S->page_owner[page] = domid + 1;
        S->page_hint = (unsigned)page + 1;
    }
    hv_unlock();
    if (page < 0) {
        errno = ENOMEM;
        return -1;
    }
    if (pwrite(pages_fd, zero, sizeof(zero), (off_t)page * HV_PAGE_SIZE) != (ssize_t)sizeof(zero))
        return -1;
    return page;
}

uint64_t hv_page_gfn(int page)
{
    return HV_GFN_BASE + (uint64_t)page;
}

int hv_gfn_page(uint32_t domid, uint64_t gfn)
{
    if (hv_attach() < 0)
        return -1;
    if (gfn < HV_GFN_BASE || gfn - HV_GFN_BASE >= HV_MAX_PAGES) {
        errno = EINVAL;
        return -1;
    }
    int page = (int)(gfn - HV_GFN_BASE);
    hv_lock();
    int ok = S->page_owner[page] == domid + 1;
    hv_unlock();
    if (!ok) {
        errno = EINVAL;
        return -1;
    }
    return page;
}

int hv_grant_set(uint32_t domid, uint32_t ref, int page)
{
    if (hv_attach() < 0)
        return -1;
    hv_lock();
    struct hv_domain *d = hv_domain_locked(domid);
    int ok = d && ref < HV_GRANTS && page >= 0 && (unsigned)page < HV_MAX_PAGES;
    if (ok)
        d->grant[ref] = page;
    hv_unlock();
    if (!ok) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

int hv_grant_page(uint32_t domid, uint32_t ref)
{
    if (hv_attach() < 0)
        return -1;
    hv_lock();
    struct hv_domain *d = hv_domain_locked(domid);
    int page = (d && ref < HV_GRANTS) ? d->grant[ref] : -1;
    if (d && (d->flags & HV_DOM_DYING))
        page = -1;
    hv_unlock();
    if (page < 0)
        errno = EINVAL;
    return page;
}

void *hv_page_map(int page)
{
    if (hv_attach() < 0)
        return NULL;
    if (page < 0 || (unsigned)page >= HV_MAX_PAGES) {
        errno = EINVAL;
        return NULL;
    }
    void *p = mmap(NULL, HV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, pages_fd,
                   (off_t)page * HV_PAGE_SIZE);
    return p == MAP_FAILED ? NULL : p;
}

void *hv_pages_map(const int *pages, size_t n, void *addr)
{
    if (hv_attach() < 0)
        return NULL;
    if (n == 0 || n > HV_MAX_PAGES) {
        errno = EINVAL;
        return NULL;
    }
    void *base = mmap(addr, n * HV_PAGE_SIZE, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | (addr ? MAP_FIXED : 0), -1, 0);
    if (base == MAP_FAILED)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (pages[i] < 0 || (unsigned)pages[i] >= HV_MAX_PAGES)
            continue;
        void *at = (char *)base + i * HV_PAGE_SIZE;
        if (mmap(at, HV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, pages_fd,
                 (off_t)pages[i] * HV_PAGE_SIZE) == MAP_FAILED) {
            int e = errno;
            munmap(base, n * HV_PAGE_SIZE);
            errno = e;
            return NULL;
        }
    }
    return base;
}

int hv_page_unmap(void *addr)
{
    return munmap(addr, HV_PAGE_SIZE);
}

/* ---- event channels ----------------------------------------------------- */

static int alloc_port_locked(int slot)
{
    uint32_t n = nports(slot);
    uint32_t start = slot == 0 ? S->dom0_port_hint : 1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t p = start + i;
        if (p >= n)
            p = p - n + 1;
        if (p == 0 || p >= n)
            continue;
        struct hv_port *q = port_at(slot, p);
        if (q->state == HV_PORT_FREE) {
            memset(q, 0, sizeof(*q));
            if (slot == 0) {
                S->dom0_port_hint = p + 1 < n ? p + 1 : 1;
                if (p > S->dom0_port_hwm)
                    S->dom0_port_hwm = p;
            }
            return (int)p;
        }
    }
    errno = ENOSPC;
    return -1;
}

static int valid_receiver(int recv)
{
    return recv == -1 || ((unsigned)recv < HV_MAX_RECEIVERS && S->recv[recv].in_use);
}

int hv_evtchn_alloc_unbound(uint32_t domid, uint32_t remote_dom, int recv)
{
    if (hv_attach() < 0)
        return -1;
    hv_lock();
    int slot = slot_of(domid);
    int p = -1;
    if (slot < 0 || !valid_receiver(recv))
        errno = slot < 0 ? ESRCH : EBADF;
    else if ((p = alloc_port_locked(slot)) >= 0) {
        struct hv_port *q = port_at(slot, (uint32_t)p);
        q->state = HV_PORT_UNBOUND;
        q->remote_dom = (uint16_t)remote_dom;
        q->receiver = recv >= 0 ? (uint32_t)recv + 1 : 0;
    }
    hv_unlock();
    return p;
}

int hv_evtchn_set_receiver(uint32_t domid, uint32_t port, int recv)
{
    if (hv_attach() < 0)
        return -1;
    hv_lock();
    int slot = slot_of(domid);
    struct hv_port *q = port_at(slot, port);
    int ok = q && q->state != HV_PORT_FREE && valid_receiver(recv);
    if (ok) {
        unqueue(q, hv_key((uint32_t)slot, port));
        q->receiver = recv >= 0 ? (uint32_t)recv + 1 : 0;
        q->masked = 0;
        if (q->pending) {
            q->pending = 0;
            deliver(slot, port);
        }
    }
    hv_unlock();
    if (!ok) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

int hv_evtchn_bind_interdomain(uint32_t local_dom, int recv, uint32_t remote_dom,
                               uint32_t remote_port)
{
    if (hv_attach() < 0)
        return -1;
    hv_lock();
    int ls = slot_of(local_dom), rs = slot_of(remote_dom);
    struct hv_port *r = port_at(rs, remote_port);
    int p = -1;
    if (ls < 0 || rs < 0) {
        errno = ESRCH;
    } else if (!r || r->state != HV_PORT_UNBOUND || r->remote_dom != local_dom ||
               (S->dom[rs].flags & HV_DOM_DYING) || !valid_receiver(recv)) {
        errno = EINVAL;
    } else if ((p = alloc_port_locked(ls)) >= 0) {
        struct hv_port *l = port_at(ls, (uint32_t)p);
        l->state = HV_PORT_INTERDOMAIN;
        l->remote_dom = (uint16_t)remote_dom;
        l->remote_port = remote_port;
        l->receiver = recv >= 0 ? (uint32_t)recv + 1 : 0;
        r->state = HV_PORT_INTERDOMAIN;
        r->remote_dom = (uint16_t)local_dom;
        r->remote_port = (uint32_t)p;
        /* Xen marks the new local port pending so no event is lost. */
        deliver(ls, (uint32_t)p);
    }
    hv_unlock();
    return p;
}

int hv_evtchn_bind_virq(uint32_t domid, int recv, uint32_t virq)
{
    if (hv_attach() < 0)
        return -1;
    hv_lock();
    int slot = slot_of(domid);
    int p = -1;
    if (slot < 0 || !valid_receiver(recv) || virq >= 32)
        errno = EINVAL;
    else if ((p = alloc_port_locked(slot)) >= 0) {
        struct hv_port *q = port_at(slot, (uint32_t)p);
        q->state = HV_PORT_VIRQ;
        q->virq = (uint16_t)virq;
        q->receiver = recv >= 0 ? (uint32_t)recv + 1 : 0;
    }
    hv_unlock();
    return p;
}

static void close_port_locked(int slot, uint32_t portno)
{
    struct hv_port *p = port_at(slot, portno);
    if (!p || p->state == HV_PORT_FREE)
        return;
    if (p->state == HV_PORT_INTERDOMAIN) {
        int rs = slot_of(p->remote_dom);
        struct hv_port *r = port_at(rs, p->remote_port);
        if (r && r->state == HV_PORT_INTERDOMAIN) {
            /* As Xen's evtchn_close: the peer may be bound again by us. */
            r->state = HV_PORT_UNBOUND;
            r->remote_dom = (uint16_t)S->dom[slot].domid;
            r->remote_port = 0;
        }
    }
    unqueue(p, hv_key((uint32_t)slot, portno));
    memset(p, 0, sizeof(*p));
}

int hv_evtchn_close(uint32_t domid, uint32_t port)
{
    if (hv_attach() < 0)
        return -1;
    hv_lock();
    int slot = slot_of(domid);
    struct hv_port *p = port_at(slot, port);
    int ok = p && p->state != HV_PORT_FREE;
    if (ok)
        close_port_locked(slot, port);
    hv_unlock();
    if (!ok) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

int hv_evtchn_notify(uint32_t domid, uint32_t port)
{
    if (hv_attach() < 0)
        return -1;
    hv_lock();
    int slot = slot_of(domid);
    struct hv_port *p = port_at(slot, port);
    int rc = 0;
    if (!p || p->state == HV_PORT_FREE || p->state == HV_PORT_VIRQ) {
        errno = EINVAL;
        rc = -1;
    } else if (p->state == HV_PORT_INTERDOMAIN) {
        deliver(slot_of(p->remote_dom), p->remote_port);
    } /* UNBOUND: Xen drops the event silently */
    hv_unlock();
    return rc;
}

int hv_evtchn_unmask(uint32_t domid, uint32_t port)
{
    if (hv_attach() < 0)
        return -1;
    hv_lock();
    int slot = slot_of(domid);
    struct hv_port *p = port_at(slot, port);
    int rc = 0;
    if (!p || p->state == HV_PORT_FREE) {
        errno = EINVAL;
        rc = -1;
    } else if (p->masked) {
        p->masked = 0;
        if (p->pending) {
            p->pending = 0;
            deliver(slot, port);
        }
    }
    hv_unlock();
    return rc;
}

int hv_evtchn_status(uint32_t domid, uint32_t port, struct hv_port *out)
{
    if (hv_attach() < 0)
        return -1;
    hv_lock();
    int slot = slot_of(domid);
    struct hv_port *p = port_at(slot, port);
    if (p)
        *out = *p;
    hv_unlock();
    if (!p) {
        errno = slot < 0 ? ESRCH : EINVAL;
        return -1;
    }
    return 0;
}

/* ---- hypervisor console ------------------------------------------------- */

void hv_console_write(const char *buf, size_t len)
{
    if (hv_attach() < 0)
        return;
    hv_lock();
    for (size_t i = 0; i < len; i++)
        S->conring[(S->conring_prod + i) & (HV_CONRING_SIZE - 1)] = buf[i];
    S->conring_prod += len;
    raise_virq_locked(HV_VIRQ_CON_RING);
    hv_unlock();
}

size_t hv_console_read(char *buf, size_t max, uint64_t *index)
{
    if (hv_attach() < 0)
        return 0;
    hv_lock();
    uint64_t prod = S->conring_prod;
    if (*index > prod)
        *index = prod;
    if (prod - *index > HV_CONRING_SIZE)
        *index = prod - HV_CONRING_SIZE;
    size_t n = 0;
    while (*index < prod && n < max) {
        buf[n++] = S->conring[*index & (HV_CONRING_SIZE - 1)];
        (*index)++;
    }
    hv_unlock();
    return n;
}

/* ---- triggers ------------------------------------------------------------ */

int hv_send_nmi(uint32_t domid)
{
    if (hv_attach() < 0)
        return -1;
    hv_lock();
    int slot = slot_of(domid);
    if (slot <= 0) {
        hv_unlock();
        errno = ESRCH;
        return -1;
    }
    S->dom[slot].nmi_count++;
    raise_guest_virq_locked(slot, HV_VIRQ_SIM_NMI);
    hv_unlock();
    return 0;
}

int hv_debug_keys(const char *keys)
{
    if (hv_attach() < 0)
        return -1;
    for (const char *k = keys; *k; k++) {
        char line[96];
        int n = snprintf(line, sizeof(line), "(XEN) '%c' pressed -> %s\n", *k,
                         *k == 'q' ? "dumping domain info (now = 0x0)" : "key handler");
        hv_console_write(line, (size_t)n);
        if (*k == 'q')
            hv_raise_guest_virq(UINT32_MAX, HV_VIRQ_DEBUG);
    }
    return 0;
}
