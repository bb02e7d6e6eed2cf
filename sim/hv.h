/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv.h — the simulated hypervisor: state shared by every process of one
 * simulated Xen host (xenstored, xenconsoled, xcmuxd, the guest host).
 *
 * Contract
 * - The state lives in two files in the host directory ($XENSIM_DIR):
 *   `hv.state` (domain table, event channels, receivers, the hypervisor
 *   console ring) and `hv.pages` (the page pool: one 4 KiB page per
 *   guest-visible page). Both are mapped MAP_SHARED, so a ring page mapped
 *   by the daemon and by the guest is the same memory.
 * - Every mutation happens under one process-shared robust mutex
 *   (hv_lock/hv_unlock). A process that dies holding it leaves state that
 *   the next locker marks consistent; receivers of dead processes are
 *   reclaimed lazily (hv_reap), so a crashed client breaks nothing.
 * - Event channels follow Xen: ports are per domain; an interdomain channel
 *   joins two ports; notify sets the remote port pending. A port bound to a
 *   receiver (an open xenevtchn handle, or the guest host) is delivered at
 *   most once until unmasked: delivery masks it, a notify while masked only
 *   sets pending, and unmask of a pending port delivers it again. So bursts
 *   coalesce and a receiver's queue never holds a port twice.
 * - A receiver's fd is a Unix datagram socket (abstract namespace) that is
 *   readable exactly while its queue is non-empty: one datagram is sent when
 *   the queue goes from empty to non-empty and consumed when it goes back to
 *   empty. hv_recv_pending() therefore never fails after poll() said
 *   readable, which Debian's xenstored depends on. Like /dev/xen/evtchn the
 *   fd starts blocking: on an empty queue hv_recv_pending() waits for an
 *   event unless the owner set O_NONBLOCK on the fd.
 * - Domain ids grow from 1 and are not reused (as in Xen, until wrap).
 * - Functions return -1 with errno set on failure unless stated otherwise.
 *   Functions named *_locked must be called with the lock held; all others
 *   take it themselves.
 */
#ifndef XENSIM_HV_H
#define XENSIM_HV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HV_PAGE_SIZE     4096u
#define HV_MAX_DOMAINS   8192u  /* slots, dom0 included */
#define HV_MAX_DOMID     32751u /* DOMID_FIRST_RESERVED - 1 */
#define HV_DOM0_PORTS    65536u /* dom0 event channel ports */
#define HV_GUEST_PORTS   32u    /* ports per guest */
#define HV_GRANTS        16u    /* grant refs per domain */
#define HV_MAX_PAGES     65536u /* page pool */
#define HV_MAX_RECEIVERS 2048u
#define HV_GFN_BASE      0x100000u /* gfn = HV_GFN_BASE + page index */
#define HV_CONRING_SIZE  16384u    /* hypervisor console ring (power of 2) */
#define HV_NAME_MAX      64u

/* hv_domain.flags */
#define HV_DOM_DYING    0x01u
#define HV_DOM_SHUTDOWN 0x02u
#define HV_DOM_CRASHED  0x04u
#define HV_DOM_PAUSED   0x08u
#define HV_DOM_HVM      0x10u

/* hv_port.state */
enum hv_port_state {
    HV_PORT_FREE = 0,
    HV_PORT_UNBOUND,
    HV_PORT_INTERDOMAIN,
    HV_PORT_VIRQ,
};

/* VIRQ numbers as in xen/include/public/xen.h */
#define HV_VIRQ_CON_RING 8
#define HV_VIRQ_DEBUG    1
#define HV_VIRQ_DOM_EXC  3
/* Not a Xen VIRQ: how the simulated hypervisor tells a guest it received
 * an NMI (xc_domain_send_trigger); a real guest sees a vCPU NMI. */
#define HV_VIRQ_SIM_NMI 31

struct hv_port {
    uint8_t state; /* enum hv_port_state */
    uint8_t pending;
    uint8_t masked;      /* delivered and not yet unmasked */
    uint8_t queued;      /* on its receiver's queue */
    uint16_t remote_dom; /* UNBOUND: who may bind; INTERDOMAIN: peer */
    uint16_t virq;
    uint32_t remote_port;
    uint32_t receiver; /* receiver slot + 1; 0 = none */
    uint32_t next;     /* queue link: hv_key(), 0 = end */
};

struct hv_domain {
    uint32_t in_use;
    uint32_t domid;
    uint32_t flags; /* HV_DOM_* */
    uint32_t shutdown_reason;
    uint8_t handle[16]; /* uuid */
    uint64_t tot_pages;
    uint64_t nmi_count;                   /* xc_domain_send_trigger(NMI) received */
    uint64_t debug_count;                 /* VIRQ_DEBUG raised for this domain */
    int32_t grant[HV_GRANTS];             /* grant ref -> page index, -1 none */
    char name[HV_NAME_MAX];               /* informative; xenstore holds the real one */
    struct hv_port ports[HV_GUEST_PORTS]; /* unused for dom0 */
};

struct hv_receiver {
    uint32_t in_use;
    pid_t pid;
    uint64_t id;         /* unique for the life of the host */
    uint32_t head, tail; /* hv_key() of first/last queued port, 0 = empty */
    uint32_t count;
};

/*
 * Queue keys name a port across domains: slot << 17 | port, plus one so
 * that 0 means "none".
 */
static inline uint32_t hv_key(uint32_t slot, uint32_t port)
{
    return ((slot << 17) | port) + 1;
}

/* ---- attaching ---------------------------------------------------- */

/* Create a fresh host in DIR (wiping any previous state there). */
int hv_host_create(const char *dir);
/* Map the host named by $XENSIM_DIR (once per process; later calls are
 * no-ops). Fails with ENOENT when no host is running there. */
int hv_attach(void);
const char *hv_dir(void);

void hv_lock(void);
void hv_unlock(void);

/* ---- domains ------------------------------------------------------ */

/* Create a domain; dom0 exists from hv_host_create. Returns the domid. */
int hv_domain_create(const char *name, uint32_t flags);
/* Mark shut down (reason as SHUTDOWN_* in sched.h), crashed if asked, and
 * raise VIRQ_DOM_EXC. */
int hv_domain_shutdown(uint32_t domid, uint32_t reason, int crashed);
/* Mark dying, close every port of the domain (peers go back to UNBOUND,
 * as Xen's evtchn_close does), raise VIRQ_DOM_EXC, free its pages and then
 * the slot. */
int hv_domain_destroy(uint32_t domid);
/* Copy of a domain's entry (ports left out); -1 ESRCH when absent. */
int hv_domain_get(uint32_t domid, struct hv_domain *out);
/* Fill up to MAX entries with domains whose id >= FIRST, ascending.
 * Returns the count. */
int hv_domain_list(uint32_t first, struct hv_domain *out, unsigned max);
struct hv_domain *hv_domain_locked(uint32_t domid);

/* ---- memory -------------------------------------------------------- */

/* Allocate a zeroed page owned by DOMID; returns its page index. */
int hv_page_alloc(uint32_t domid);
uint64_t hv_page_gfn(int page);
/* gfn -> page index if DOMID owns it, else -1 EINVAL. */
int hv_gfn_page(uint32_t domid, uint64_t gfn);
int hv_grant_set(uint32_t domid, uint32_t ref, int page);
/* grant ref -> page index, -1 EINVAL when not granted. */
int hv_grant_page(uint32_t domid, uint32_t ref);
/* Map/unmap one page of the pool (MAP_SHARED, read-write). */
void *hv_page_map(int page);
int hv_page_unmap(void *addr);
/* Map N pool pages contiguously (at ADDR if non-NULL, MAP_FIXED); an entry
 * of -1 leaves that page inaccessible. Unmap with munmap(base, n * 4096). */
void *hv_pages_map(const int *pages, size_t n, void *addr);

/* ---- receivers (who gets a port's events) ---------------------------- */

/* Open a receiver for this process; returns its slot. */
int hv_recv_open(void);
int hv_recv_close(int slot); /* unbinds every port it owns */
int hv_recv_fd(int slot);    /* pollable; readable iff pending */
/* Pop one delivered port: returns its key (see hv_key); it stays masked
 * until unmasked. On an empty queue: -1 EAGAIN if the fd is non-blocking,
 * otherwise waits for the next event. */
int64_t hv_recv_pending(int slot);
/* Decode a key. */
void hv_key_split(uint32_t key, uint32_t *domid, uint32_t *port);

/* ---- event channels ------------------------------------------------ */

/* A new UNBOUND port of DOMID that REMOTE_DOM may bind, delivered to
 * receiver RECV (-1: none yet, set by hv_evtchn_set_receiver). */
int hv_evtchn_alloc_unbound(uint32_t domid, uint32_t remote_dom, int recv);
int hv_evtchn_set_receiver(uint32_t domid, uint32_t port, int recv);
/* Bind a new port of LOCAL_DOM to REMOTE_DOM's unbound REMOTE_PORT, which
 * must allow LOCAL_DOM. Returns the local port. */
int hv_evtchn_bind_interdomain(uint32_t local_dom, int recv, uint32_t remote_dom,
                               uint32_t remote_port);
/* Bind a dom0 port to a global VIRQ (DOM_EXC, CON_RING) or, for a guest,
 * to that guest's VIRQ_DEBUG. */
int hv_evtchn_bind_virq(uint32_t domid, int recv, uint32_t virq);
int hv_evtchn_close(uint32_t domid, uint32_t port);
int hv_evtchn_notify(uint32_t domid, uint32_t port);
int hv_evtchn_unmask(uint32_t domid, uint32_t port);
/* Status of one port: fills state, remote dom/port, virq. */
int hv_evtchn_status(uint32_t domid, uint32_t port, struct hv_port *out);
/* Raise VIRQ on every dom0 port bound to it (global VIRQs). */
void hv_raise_virq(uint32_t virq);
/* Raise VIRQ_DEBUG in one guest (or every guest if domid == UINT32_MAX). */
void hv_raise_guest_virq(uint32_t domid, uint32_t virq);

/* ---- hypervisor console -------------------------------------------- */

void hv_console_write(const char *buf, size_t len);
/* Copy bytes from *INDEX on (incremental read); advances *INDEX. Returns
 * the count. Bytes that were overwritten are skipped. */
size_t hv_console_read(char *buf, size_t max, uint64_t *index);

/* ---- triggers ------------------------------------------------------ */

int hv_send_nmi(uint32_t domid);
/* Host-wide debug keys: logged to the hypervisor console, and 'q' raises
 * VIRQ_DEBUG in every guest as Xen does. */
int hv_debug_keys(const char *keys);

/* Free receivers whose process is gone. Called by hv_recv_open. */
void hv_reap(void);

#endif
