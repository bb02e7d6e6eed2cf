/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.h — xcmuxd configuration (INI file, see xcmuxd.conf(5)).
 *
 * Contract:
 * - config_load(path) parses the whole file or fails: unknown sections,
 *   unknown keys, duplicate keys in one section, bad values, over-long lines
 *   and unknown user or group names are errors. The message is
 *   "FILE:LINE: what" (or "FILE: what" when the file cannot be read) and the
 *   return is -1 with *out untouched, so a SIGHUP reload keeps the old
 *   config and a start-up load refuses to start. path NULL means built-in
 *   defaults only (no file); a missing file is an error.
 * - User and group names in ACLs and socket_group are resolved to ids at
 *   load time (getpwnam/getgrnam); a later rename does not change access
 *   until the next reload.
 * - Per-console settings resolve as: [global] values, then every
 *   [domain:GLOB] section whose glob matches the guest name (fnmatch(3),
 *   no flags), in file order; later sections override earlier ones, key by
 *   key. Secondary consoles of a guest use the guest's settings.
 * - Defaults are the "def" column of config-keys.c (also in
 *   conf/xcmuxd.conf, which test-config checks loads as the defaults, and
 *   in the man page). Those that depend on the host: read and write ACLs
 *   are "root" plus the group "xcmux" if that group exists when the config
 *   is loaded; admin is "root"; root (uid 0) is always allowed everything.
 *   The socket group is "xcmux" when it exists (otherwise unchanged). Write
 *   implies read; admin implies write.
 * - Hotkeys (xcmuxd.conf(5), protocol/HOTKEYS.md): "hotkey.<K>" and
 *   "guest_hotkey.<K>" are per-console keys with a key suffix, checked for
 *   duplicates per section like the others; a [domain:] section overrides
 *   or ("off") removes hotkeys key by key. A resolved console_cfg holds at
 *   most XCMUX_CONFIG_HOTKEYS_MAX hotkeys, none of them "off". The hotkey
 *   ACL defaults to the write ACL; root and admin may always fire.
 * - The resolved hotkey table is shared, not copied (it is 10 KiB): a
 *   console_cfg points at a table owned by the config it was resolved
 *   from, valid until that config is freed, so a reload re-resolves every
 *   console (console_reconfigure) before the old config goes. Consoles
 *   matching no [domain:] section with hotkeys share the [global] table;
 *   the others share one table per set of such sections they match, at
 *   most XCMUX_CONFIG_HOTKEY_TABLES_MAX per config (past that, and when
 *   out of memory, a console gets no config hotkeys).
 * - Loading is not thread-safe (inih's option globals are set here).
 * - Layout: config.c drives inih and resolves; the keys, their types,
 *   bounds, defaults and setters are one table (config-keys.h); value
 *   lexers are config-lex.h; the hotkey language is hotkey-config.h; the
 *   runtime ACL checks are access.h (all included or declared here, so
 *   callers keep including config.h alone).
 */
#ifndef XCMUX_DAEMON_CONFIG_H
#define XCMUX_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/access.h"        /* struct acl, the ACL checks */
#include "daemon/hotkey-config.h" /* hotkey definitions and tables */
#include "daemon/limits.h"

/* The group whose members get read/write by default, if it exists. */
#define XCMUX_DEFAULT_GROUP "xcmux"

enum write_policy {
    WRITE_POLICY_SINGLE, /* one writer, others read-only; force takes the seat */
    WRITE_POLICY_SHARED, /* every session with write access may write */
};

enum pty_mode {
    PTY_RW,  /* publish a pty that may read and write */
    PTY_RO,  /* publish a pty whose input is discarded */
    PTY_OFF, /* no pty (xl create then waits for console/tty in vain) */
};

/* Where console output is logged (log = off disables both). */
enum log_target {
    LOG_TARGET_FILE,    /* DIR/<name>.log (the default) */
    LOG_TARGET_JOURNAL, /* the systemd journal, one entry per line */
    LOG_TARGET_BOTH,
};

/* Escape character value meaning "no escape character". */
#define XCMUX_ESCAPE_NONE (-1) /* = XR_ESCAPE_NONE (common/rules.h) */

struct console_cfg {
    bool log;
    enum log_target log_target;
    bool timestamps;
    bool sanitize;
    uint64_t log_max_size; /* 0 = no rotation */
    unsigned log_keep;
    size_t buffer_size; /* power of two, XCMUX_OUTBUF_MIN..MAX */
    uint64_t replay;    /* bytes replayed on attach (clamped to held) */
    uint64_t rate;      /* bytes/s; 0 = off */
    uint64_t burst;     /* bytes; 0 = one second of rate */
    enum write_policy policy;
    enum pty_mode pty;
    bool serial; /* serve the emulated serial ports (serial.h) */
    int escape;  /* 0..127, or XCMUX_ESCAPE_NONE */
    struct acl read;
    struct acl write;
    struct acl admin; /* global only; copied here for convenience */
    /* hotkeys */
    struct acl hotkey;      /* who may fire hotkeys; used when hotkey_acl_set */
    bool hotkey_acl_set;    /* false: the write ACL decides (the default) */
    bool guest_hotkeys;     /* expose guest-registered hotkeys */
    unsigned hotkey_rate_n; /* fires per hotkey_rate_s seconds; 0 = off */
    unsigned hotkey_rate_s;
    unsigned ack_timeout_ms;
    /* resolved: no HK_ACT_OFF entries; shared, owned by the config;
     * never NULL once resolved */
    const struct hotkey_cfg *hotkeys;
};

struct domain_section;
struct hotkey_tables;

struct config {
    char socket_path[XCMUX_SOCKET_PATH_MAX + 1];
    mode_t socket_mode;
    bool socket_group_set;
    gid_t socket_group;
    char log_dir[XCMUX_LOG_DIR_MAX + 1];
    /* per-user limits (root and admin are exempt; see limits.h) */
    unsigned max_conn_per_user;     /* connections of one uid */
    unsigned max_sessions_per_user; /* sessions of one uid on one console */
    unsigned reserved_conn;         /* connections only root/admin may use */
    unsigned reserved_sessions;     /* per console, only root/admin may use */
    struct console_cfg global;      /* the [global] values of per-console keys */
    size_t ndomains;
    struct domain_section *domains;
    struct hotkey_cfg *global_hotkeys;   /* NULL: [global] defines none */
    struct hotkey_tables *hotkey_tables; /* tables resolved for consoles */
};

int config_load(const char *path, struct config **out, char *err, size_t errlen);
void config_free(struct config *cfg);

/* Resolves the settings of guest NAME. out->hotkeys points into CFG: the
 * result must not outlive it. */
void config_for_domain(const struct config *cfg, const char *name, struct console_cfg *out);

/* `serial` as resolved for guest NAME, without resolving the rest; and
 * whether any guest at all can have it on (no [domain:] section or
 * [global] sets it: discovery skips serial ports without a round trip). */
bool config_serial(const struct config *cfg, const char *name);
bool config_serial_anywhere(const struct config *cfg);

/* Parsers shared with the command line (config-lex.c); 0 on success, -1
 * on a bad value. */
int config_parse_size(const char *s, uint64_t *out);
int config_parse_escape(const char *s, int *out);

#endif /* XCMUX_DAEMON_CONFIG_H */
