/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * watch.c — the xenstore watch router (see watch.h).
 */
#include "daemon/watch.h"

#include <stddef.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/hyp.h"

static const struct watch_client *clients[WATCH_MAX_CLIENTS];
static unsigned nclients;

static const struct watch_client *owner(char first)
{
    for (unsigned i = 0; i < nclients; i++)
        if (first && strchr(clients[i]->prefixes, first))
            return clients[i];
    return NULL;
}

int watch_register(const struct watch_client *wc)
{
    for (unsigned i = 0; i < nclients; i++)
        if (clients[i] == wc)
            return 0;
    if (nclients >= WATCH_MAX_CLIENTS)
        return -1;
    for (const char *p = wc->prefixes; *p; p++)
        if (owner(*p))
            return -1;
    clients[nclients++] = wc;
    return 0;
}

void watch_reset(void)
{
    nclients = 0;
}

void watch_dispatch(void)
{
    char path[HYP_PATH_MAX], token[32];
    int budget = WATCH_BATCH_MAX;
    while (budget-- > 0 && hyp_next_watch(xd.hyp, path, sizeof(path), token, sizeof(token)) == 1) {
        const struct watch_client *wc = owner(token[0]);
        if (wc)
            wc->event(path, token);
    }
    for (unsigned i = 0; i < nclients; i++)
        if (clients[i]->batch_end)
            clients[i]->batch_end();
}
