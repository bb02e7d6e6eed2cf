/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xswire.h — dom0 requests to xenstored, queued and pipelined over
 * several of its Unix-socket connections ("lanes"), for creating many
 * guests at once.
 *
 * Why: Debian's C xenstored reads at most one message per connection per
 * main-loop pass, and each pass costs it O(domains) (it checks every
 * domain's ring). libxenstore sends one request at a time, in 2-3 writes,
 * and waits for its answer: about 3 passes per request. Queueing a whole
 * batch and spreading it over N lanes lets one pass serve N requests.
 *
 * Contract
 * - xsw_open() connects LANES sockets to xenstored, found as libxenstore
 *   finds it: $XENSTORED_PATH, else $XENSTORED_RUNDIR/socket, else
 *   /var/run/xenstored/socket. Socket connections are privileged (dom0).
 * - xsw_write/xsw_set_perms/xsw_introduce only queue a request on a lane,
 *   tagged by the caller (e.g. a guest's index in its batch). xenstored
 *   executes one lane's requests in queue order; lanes are independent,
 *   so everything that must happen in order goes on one lane.
 * - xsw_run() sends everything queued and waits for every reply. errs[tag]
 *   (tag < ntags) becomes 0 or the errno of the first failed request with
 *   that tag. It returns 0, or -1 when a lane failed (I/O error, EOF, a
 *   malformed or unexpected reply, or no progress for XSW_STALL_MS): every
 *   tag still waiting then gets EIO, and the handle is broken (every later
 *   call fails with EPIPE; close it and open another).
 * - Queueing fails with -1 and errno E2BIG (payload over
 *   XENSTORE_PAYLOAD_MAX), EINVAL (bad lane), ENOMEM or EPIPE (broken).
 * - Replies are checked, not trusted: lengths are bounded, a reply must
 *   carry the req_id of its lane's oldest outstanding request.
 */
#ifndef XENSIM_GUEST_XSWIRE_H
#define XENSIM_GUEST_XSWIRE_H

#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>

#define XSW_MAX_LANES 64u
#define XSW_STALL_MS  120000

struct xsw;

struct xsw *xsw_open(unsigned lanes);
void xsw_close(struct xsw *w);
unsigned xsw_lanes(const struct xsw *w);

int xsw_write(struct xsw *w, unsigned lane, unsigned tag, const char *path, const char *value,
              size_t len);
int xsw_set_perms(struct xsw *w, unsigned lane, unsigned tag, const char *path,
                  const struct xs_permissions *perms, unsigned nperms);
int xsw_introduce(struct xsw *w, unsigned lane, unsigned tag, uint32_t domid, uint64_t gfn,
                  uint32_t port);

int xsw_run(struct xsw *w, int *errs, unsigned ntags);

/* The errno xenstored means by an XS_ERROR payload ("ENOENT"...); EIO for
 * names it does not define. */
int xsw_errno(const char *name, size_t len);

#endif
