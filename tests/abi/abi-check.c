/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ABI check: compiled against Debian's Xen headers and linked against
 * Debian's real libraries, then run (by abi.sh) with the drop-in libraries
 * on LD_LIBRARY_PATH. If a symbol, version node or struct layout of the
 * fakes differs from the real ones, this fails to load or fails a check.
 * Prints `N passed, N failed`.
 */
#define XC_WANT_COMPAT_MAP_FOREIGN_API 1 /* xc_map_foreign_range: oxenstored's map */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xenctrl.h>
#include <xen/io/console.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>

static int passed, failed;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (cond) {                                                                                \
            passed++;                                                                              \
        } else {                                                                                   \
            failed++;                                                                              \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: abi-check DOMID RING_GFN PORT\n");
        return 2;
    }
    uint32_t domid = (uint32_t)strtoul(argv[1], NULL, 0);
    xen_pfn_t gfn = strtoull(argv[2], NULL, 0);
    evtchn_port_t gport = (evtchn_port_t)strtoul(argv[3], NULL, 0);

    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    CHECK(xch != NULL, "xc_interface_open: %s", strerror(errno));
    if (!xch)
        goto out;

    xc_domaininfo_t info[4];
    int n = xc_domain_getinfolist(xch, 0, 4, info);
    CHECK(n == 2, "getinfolist returned %d, want dom0 and the guest", n);
    CHECK(n >= 2 && info[0].domain == 0 && info[1].domain == domid, "ids in order");
    CHECK(n >= 2 && (info[1].flags & XEN_DOMINF_running), "guest running");

    xc_dominfo_t old;
    n = xc_domain_getinfo(xch, domid, 1, &old);
    CHECK(n == 1 && old.domid == domid && !old.dying && !old.shutdown, "xc_domain_getinfo(%u) n=%d",
          domid, n);

    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    CHECK(xce != NULL, "xenevtchn_open");
    xengnttab_handle *xgt = xengnttab_open(NULL, 0);
    CHECK(xgt != NULL, "xengnttab_open");
    xenforeignmemory_handle *xfm = xenforeignmemory_open(NULL, 0);
    CHECK(xfm != NULL, "xenforeignmemory_open");
    if (!xce || !xgt || !xfm)
        goto out;

    /* The console ring through both mapping paths is the same page. */
    struct xencons_interface *a = xengnttab_map_grant_ref(xgt, domid, 0, PROT_READ | PROT_WRITE);
    CHECK(a != NULL, "map grant ref 0: %s", strerror(errno));
    struct xencons_interface *b =
        xenforeignmemory_map(xfm, domid, PROT_READ | PROT_WRITE, 1, &gfn, NULL);
    CHECK(b != NULL, "foreign map gfn %#llx: %s", (unsigned long long)gfn, strerror(errno));
    if (a && b) {
        a->out[0] = 'Z';
        CHECK(b->out[0] == 'Z', "grant and foreign mappings alias");
    }
    xen_pfn_t bogus = 7;
    CHECK(xenforeignmemory_map(xfm, domid, PROT_READ, 1, &bogus, NULL) == NULL,
          "a gfn the guest does not own is refused");
    /* oxenstored maps a guest's store page this way (the compat call). */
    struct xencons_interface *c =
        xc_map_foreign_range(xch, domid, XC_PAGE_SIZE, PROT_READ | PROT_WRITE, gfn);
    CHECK(c != NULL, "xc_map_foreign_range gfn %#llx: %s", (unsigned long long)gfn,
          strerror(errno));
    if (a && c) {
        a->out[1] = 'Y';
        CHECK(c->out[1] == 'Y', "xc_map_foreign_range aliases the guest's page");
    }
    if (c)
        munmap(c, XC_PAGE_SIZE);
    CHECK(xc_map_foreign_range(xch, domid, XC_PAGE_SIZE, PROT_READ, 7) == NULL,
          "xc_map_foreign_range refuses a gfn the guest does not own");
    /* oxenstored's error path: the last error and its description. */
    CHECK(xc_domain_pause(xch, domid) < 0, "unsimulated calls fail, not pretend");
    const xc_error *e = xc_get_last_error(xch);
    CHECK(e && e->code != XC_ERROR_NONE && e->message[0], "xc_get_last_error filled");
    CHECK(e && strcmp(xc_error_code_to_desc(e->code), "Internal error") == 0,
          "xc_error_code_to_desc");

    int lport = xenevtchn_bind_interdomain(xce, domid, gport);
    CHECK(lport > 0, "bind_interdomain: %s", strerror(errno));
    xc_evtchn_status_t st = {.dom = DOMID_SELF, .port = (evtchn_port_t)lport};
    CHECK(xc_evtchn_status(xch, &st) == 0 && st.status == EVTCHNSTAT_interdomain &&
              st.u.interdomain.dom == domid && st.u.interdomain.port == gport,
          "evtchn status interdomain");
    CHECK(xenevtchn_pending(xce) == lport, "bind leaves the port pending, as Xen does");
    CHECK(xenevtchn_unmask(xce, (evtchn_port_t)lport) == 0, "unmask");
    CHECK(xenevtchn_notify(xce, (evtchn_port_t)lport) == 0, "notify");

    int vport = xenevtchn_bind_virq(xce, VIRQ_CON_RING);
    CHECK(vport > 0, "bind_virq CON_RING");
    CHECK(xc_send_debug_keys(xch, "q") == 0, "debug keys");
    CHECK(xenevtchn_pending(xce) == vport, "CON_RING raised by debug keys output");
    char ring[4096];
    unsigned int len = sizeof(ring) - 1;
    uint32_t idx = 0;
    CHECK(xc_readconsolering(xch, ring, &len, 0, 1, &idx) == 0, "readconsolering");
    ring[len] = 0;
    CHECK(strstr(ring, "'q' pressed") != NULL, "hypervisor console shows the key");
    CHECK(xc_domain_send_trigger(xch, domid, XEN_DOMCTL_SENDTRIGGER_NMI, 0) == 0, "NMI");
    CHECK(xc_domain_send_trigger(xch, domid, XEN_DOMCTL_SENDTRIGGER_RESET, 0) == -1,
          "unsimulated trigger refused, not faked");

    CHECK(xenevtchn_unbind(xce, (evtchn_port_t)lport) == 0, "unbind");
    st.port = gport;
    st.dom = (domid_t)domid;
    CHECK(xc_evtchn_status(xch, &st) == 0 && st.status == EVTCHNSTAT_unbound,
          "guest port unbound again after unbind");
    if (a)
        xengnttab_unmap(xgt, a, 1);
    if (b)
        xenforeignmemory_unmap(xfm, b, 1);
    xenevtchn_close(xce);
    xengnttab_close(xgt);
    xenforeignmemory_close(xfm);
    xc_interface_close(xch);
out:
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
