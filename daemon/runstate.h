/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * runstate.h — how the previous daemon ended, from a state file in the
 * runtime directory, not from anything a log says.
 *
 * Contract
 * - The state file sits next to the socket and is named after it
 *   (/run/xcmux/xcmux.sock -> /run/xcmux/xcmux.state; a socket name not
 *   ending in ".sock" gets ".state" appended): one per daemon instance,
 *   in a directory only root writes, emptied at boot (tmpfs).
 * - It holds one line: "xcmuxd running|stopped pid PID boot BOOT_ID".
 *   runstate_begin() reads what the previous daemon left, then records
 *   "running" for this one; runstate_end() records "stopped" after a
 *   clean stop (every session told, every log written). A daemon killed
 *   or crashed leaves "running".
 * - Every write is atomic: a temporary file in the same directory
 *   (mkstemp, so nothing another user placed there is followed), fsync,
 *   rename over the state file. A reader sees the old record or the new
 *   one, never a torn line.
 * - A record from another boot (the boot id of /proc/sys/kernel/random/
 *   boot_id differs), an unreadable or malformed one, or none at all is
 *   RUNSTATE_NONE: no xcmuxd ran on this socket since boot, so a ring
 *   found served was served by another backend (xenconsoled, a takeover).
 * - Parsing is pure (runstate_parse) and bounded; the file is read at
 *   most RUNSTATE_MAX bytes. Failures never stop the daemon: they are
 *   reported in ERR for the caller to log.
 */
#ifndef XCMUX_DAEMON_RUNSTATE_H
#define XCMUX_DAEMON_RUNSTATE_H

#include <stddef.h>

#define RUNSTATE_MAX 256

enum runstate_prev {
    RUNSTATE_NONE,    /* no record from this boot */
    RUNSTATE_CLEAN,   /* the previous daemon stopped cleanly */
    RUNSTATE_UNCLEAN, /* it was running and never stopped: killed or crashed */
};

/* What TEXT (a state file's content) says, for the boot BOOT_ID; the
 * previous daemon's pid in *PID (0 if none). */
enum runstate_prev runstate_parse(const char *text, const char *boot_id, long *pid);
/* The state file's path for SOCKET into OUT; -1 if it does not fit. */
int runstate_path_for(const char *socket, char *out, size_t len);
/* Read the previous record of the state file at PATH (*PREV, *PREV_PID),
 * then record this daemon as running. 0, or -1 with ERR filled (the
 * previous record is still returned). */
int runstate_begin(const char *path, enum runstate_prev *prev, long *prev_pid, char *err,
                   size_t errlen);
/* Record a clean stop in the file runstate_begin() wrote. 0, or -1 with
 * ERR filled; a no-op (0) when runstate_begin() never ran. */
int runstate_end(char *err, size_t errlen);
/* The record's meaning, for the daemon's log. */
const char *runstate_name(enum runstate_prev prev);

#endif
