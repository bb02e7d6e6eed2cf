/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * access.h — who may do what on a console: the runtime ACL checks.
 *
 * Contract
 * - An ACL (struct acl) is resolved at config load (config.h): user and
 *   group names are already ids here, so a check never calls getpwnam or
 *   touches the file system; it is pure, bounded by XCMUX_ACL_MAX_ENTRIES
 *   and safe on any peer credentials.
 * - A peer matches an ACL by "*", by its uid, or by its primary or any
 *   supplementary group.
 * - Levels nest: admin implies write, write implies read. Root (uid 0) is
 *   always ACCESS_ADMIN, whatever the ACLs say.
 * - Hotkeys: root and admin may always fire; otherwise the console's
 *   hotkey ACL decides when the config set one, else the write ACL.
 */
#ifndef XCMUX_DAEMON_ACCESS_H
#define XCMUX_DAEMON_ACCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "daemon/limits.h"

struct acl {
    bool everyone;
    unsigned nuids, ngids;
    uid_t uids[XCMUX_ACL_MAX_ENTRIES];
    gid_t gids[XCMUX_ACL_MAX_ENTRIES];
};

enum access_level {
    ACCESS_NONE,
    ACCESS_READ,
    ACCESS_WRITE,
    ACCESS_ADMIN,
};

struct console_cfg;

bool acl_allows(const struct acl *acl, uid_t uid, gid_t primary, const gid_t *groups, int ngroups);

/* Highest access a peer has to a console (root is always ACCESS_ADMIN). */
enum access_level console_access(const struct console_cfg *cc, uid_t uid, gid_t primary,
                                 const gid_t *groups, int ngroups);

/* May this peer fire hotkeys on the console? (root and admin always may;
 * otherwise the hotkey ACL if set, else the write ACL.) */
bool hotkey_access(const struct console_cfg *cc, uid_t uid, gid_t primary, const gid_t *groups,
                   int ngroups);

#endif /* XCMUX_DAEMON_ACCESS_H */
