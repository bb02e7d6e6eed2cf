/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * access.c — see access.h: the ACL checks made at attach, at every
 * command that needs more than read, and again at each reload.
 */
#include "daemon/access.h"

#include "daemon/config.h"

bool acl_allows(const struct acl *acl, uid_t uid, gid_t primary, const gid_t *groups, int ngroups)
{
    if (acl->everyone)
        return true;
    for (unsigned i = 0; i < acl->nuids && i < XCMUX_ACL_MAX_ENTRIES; i++)
        if (acl->uids[i] == uid)
            return true;
    for (unsigned i = 0; i < acl->ngids && i < XCMUX_ACL_MAX_ENTRIES; i++) {
        if (acl->gids[i] == primary)
            return true;
        for (int g = 0; groups && g < ngroups; g++)
            if (acl->gids[i] == groups[g])
                return true;
    }
    return false;
}

bool hotkey_access(const struct console_cfg *cc, uid_t uid, gid_t primary, const gid_t *groups,
                   int ngroups)
{
    if (uid == 0 || acl_allows(&cc->admin, uid, primary, groups, ngroups))
        return true;
    return acl_allows(cc->hotkey_acl_set ? &cc->hotkey : &cc->write, uid, primary, groups, ngroups);
}

enum access_level console_access(const struct console_cfg *cc, uid_t uid, gid_t primary,
                                 const gid_t *groups, int ngroups)
{
    if (uid == 0 || acl_allows(&cc->admin, uid, primary, groups, ngroups))
        return ACCESS_ADMIN;
    if (acl_allows(&cc->write, uid, primary, groups, ngroups))
        return ACCESS_WRITE;
    if (acl_allows(&cc->read, uid, primary, groups, ngroups))
        return ACCESS_READ;
    return ACCESS_NONE;
}
