/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * events.c — announcements and their listeners (see events.h).
 */
#include "daemon/events.h"

#include <stddef.h>

static struct {
    xd_listener fn[EVENTS_MAX_LISTENERS];
    unsigned n;
} listeners[XE_COUNT];

int events_subscribe(enum xd_event ev, xd_listener fn)
{
    if ((unsigned)ev >= XE_COUNT || listeners[ev].n >= EVENTS_MAX_LISTENERS)
        return -1;
    for (unsigned i = 0; i < listeners[ev].n; i++)
        if (listeners[ev].fn[i] == fn)
            return 0;
    listeners[ev].fn[listeners[ev].n++] = fn;
    return 0;
}

void events_reset(void)
{
    for (unsigned ev = 0; ev < XE_COUNT; ev++)
        listeners[ev].n = 0;
}

void events_emit(enum xd_event ev, const struct xd_event_info *info)
{
    for (unsigned i = 0; i < listeners[ev].n; i++)
        listeners[ev].fn[i](ev, info);
}
