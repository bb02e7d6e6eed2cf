/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config-keys.c — see config-keys.h: the table of config keys, the setter
 * each type uses (with the messages users see) and the defaults.
 */
#include "daemon/config-keys.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "daemon/config.h"
#include "daemon/outbuf.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

#define G_FIELD(f) .off = offsetof(struct config, f), .size = sizeof(((struct config *)0)->f)
#define C_FIELD(f)                                                                                 \
    .off = offsetof(struct console_cfg, f), .size = sizeof(((struct console_cfg *)0)->f)
#define G_FIELD2(f) .off2 = offsetof(struct config, f), .size2 = sizeof(((struct config *)0)->f)
#define C_FIELD2(f)                                                                                \
    .off2 = offsetof(struct console_cfg, f), .size2 = sizeof(((struct console_cfg *)0)->f)
#define WORDS(w) .words = (w), .nwords = sizeof(w) / sizeof((w)[0])

static const struct lex_keyword log_targets[] = {
    {"file", LOG_TARGET_FILE},
    {"journal", LOG_TARGET_JOURNAL},
    {"both", LOG_TARGET_BOTH},
};

static const struct lex_keyword write_policies[] = {
    {"single", WRITE_POLICY_SINGLE},
    {"shared", WRITE_POLICY_SHARED},
};

static const struct lex_keyword pty_modes[] = {
    {"rw", PTY_RW},
    {"ro", PTY_RO},
    {"off", PTY_OFF},
};

const struct config_key config_keys[CONFIG_NKEYS] = {
    /* [global] only */
    {"socket_path", CONFIG_GLOBAL, CT_PATH, 0, 0, 0, "/run/xcmux/xcmux.sock",
     "path of the listening socket", G_FIELD(socket_path)},
    {"socket_mode", CONFIG_GLOBAL, CT_MODE, 0, 0777, 0, "0660", "permissions of the socket (octal)",
     G_FIELD(socket_mode)},
    {"socket_group", CONFIG_GLOBAL, CT_GROUP, 0, 0, 0, NULL,
     "group of the socket, or none; default xcmux when it exists", G_FIELD(socket_group_set),
     G_FIELD2(socket_group)},
    {"log_dir", CONFIG_GLOBAL, CT_PATH, 0, 0, 0, "/var/log/xcmux", "directory of the console logs",
     G_FIELD(log_dir)},
    {"admin", CONFIG_GLOBAL, CT_ACL, 0, 0, 0, NULL,
     "who may do everything on every console; default root", G_FIELD(global.admin)},
    {"max_connections_per_user", CONFIG_GLOBAL, CT_COUNT, 1, XCMUX_MAX_CLIENTS, 0,
     STR(XCMUX_DEFAULT_CONN_PER_USER), "connections one user may hold", G_FIELD(max_conn_per_user)},
    {"max_sessions_per_user", CONFIG_GLOBAL, CT_COUNT, 1, XCMUX_MAX_SESSIONS_PER_CONSOLE, 0,
     STR(XCMUX_DEFAULT_SESSIONS_PER_USER), "sessions one user may hold on one console",
     G_FIELD(max_sessions_per_user)},
    {"reserved_connections", CONFIG_GLOBAL, CT_COUNT, 0, XCMUX_MAX_CLIENTS / 2, 0,
     STR(XCMUX_DEFAULT_RESERVED_CONN), "connections only root and admin may use",
     G_FIELD(reserved_conn)},
    {"reserved_sessions", CONFIG_GLOBAL, CT_COUNT, 0, XCMUX_MAX_SESSIONS_PER_CONSOLE / 2, 0,
     STR(XCMUX_DEFAULT_RESERVED_SESSIONS), "sessions per console only root and admin may use",
     G_FIELD(reserved_sessions)},
    /* per console: [global] and [domain:GLOB] */
    {"log", CONFIG_CONSOLE, CT_BOOL, 0, 0, 0, "on", "log the console's output", C_FIELD(log)},
    {"log_target", CONFIG_CONSOLE, CT_KEYWORD, 0, 0, 0, "file", "file, journal or both",
     C_FIELD(log_target), WORDS(log_targets), .what = "target"},
    {"timestamps", CONFIG_CONSOLE, CT_BOOL, 0, 0, 0, "on", "prefix each logged line with the time",
     C_FIELD(timestamps)},
    {"sanitize", CONFIG_CONSOLE, CT_BOOL, 0, 0, 0, "on", "log control characters in caret notation",
     C_FIELD(sanitize)},
    {"log_max_size", CONFIG_CONSOLE, CT_SIZE, XCMUX_LOG_MAX_SIZE_MIN, XCMUX_LOG_MAX_SIZE_MAX, 0,
     "10M", "rotate the log at this size; 0: never", C_FIELD(log_max_size)},
    {"log_keep", CONFIG_CONSOLE, CT_NUMBER, 0, XCMUX_LOG_KEEP_MAX, 0, "5", "rotated logs kept",
     C_FIELD(log_keep)},
    {"buffer_size", CONFIG_CONSOLE, CT_BUFFER_SIZE, XCMUX_OUTBUF_MIN, XCMUX_OUTBUF_MAX, 0, "64k",
     "output held in memory per console (a power of two)", C_FIELD(buffer_size)},
    {"replay", CONFIG_CONSOLE, CT_SIZE, 0, XCMUX_OUTBUF_MAX, 0, "16k", "output replayed on attach",
     C_FIELD(replay)},
    {"rate", CONFIG_CONSOLE, CT_SIZE, 0, XCMUX_RATE_MAX, 0, "0",
     "bytes per second read from the guest; 0: no limit", C_FIELD(rate)},
    {"burst", CONFIG_CONSOLE, CT_SIZE, 0, XCMUX_RATE_MAX, 0, "0",
     "bytes over the rate; 0: one second of rate", C_FIELD(burst)},
    {"write_policy", CONFIG_CONSOLE, CT_KEYWORD, 0, 0, 0, "single", "single writer or shared",
     C_FIELD(policy), WORDS(write_policies), .what = "policy"},
    {"pty", CONFIG_CONSOLE, CT_KEYWORD, 0, 0, 0, "rw",
     "pty published for xl console: rw, ro or off", C_FIELD(pty), WORDS(pty_modes),
     .what = "pty mode"},
    {"serial", CONFIG_CONSOLE, CT_BOOL, 0, 0, 0, "off",
     "serve the HVM guest's emulated serial ports (serial/N/tty)", C_FIELD(serial)},
    {"escape", CONFIG_CONSOLE, CT_ESCAPE, 0, 0, 0, "^]", "escape character of sessions",
     C_FIELD(escape)},
    {"read", CONFIG_CONSOLE, CT_ACL, 0, 0, 0, NULL,
     "who may watch; default root and the group xcmux", C_FIELD(read)},
    {"write", CONFIG_CONSOLE, CT_ACL, 0, 0, 0, NULL,
     "who may type; default root and the group xcmux", C_FIELD(write)},
    {"hotkey", CONFIG_CONSOLE, CT_ACL, 0, 0, 0, NULL, "who may fire hotkeys; default the write ACL",
     C_FIELD(hotkey), C_FIELD2(hotkey_acl_set)},
    {"guest_hotkeys", CONFIG_CONSOLE, CT_BOOL, 0, 0, 0, "on",
     "offer the hotkeys the guest registers", C_FIELD(guest_hotkeys)},
    {"hotkey_rate", CONFIG_CONSOLE, CT_RATE, 1, XCMUX_HOTKEY_RATE_N_MAX, XCMUX_HOTKEY_RATE_S_MAX,
     "2/10", "fires per seconds, or off", C_FIELD(hotkey_rate_n), C_FIELD2(hotkey_rate_s)},
    {"ack_timeout", CONFIG_CONSOLE, CT_DURATION, XCMUX_ACK_TIMEOUT_MIN_MS, XCMUX_ACK_TIMEOUT_MAX_MS,
     0, "5", "wait for a guest's hotkey ack", C_FIELD(ack_timeout_ms)},
};

const struct config_key *config_key_find(const char *name)
{
    for (size_t i = 0; i < CONFIG_NKEYS; i++)
        if (strcmp(name, config_keys[i].name) == 0)
            return &config_keys[i];
    return NULL;
}

static void store(void *base, size_t off, size_t size, uint64_t v)
{
    unsigned char *p = (unsigned char *)base + off;
    switch (size) {
    case 1: {
        uint8_t x = (uint8_t)v;
        memcpy(p, &x, 1);
        break;
    }
    case 2: {
        uint16_t x = (uint16_t)v;
        memcpy(p, &x, 2);
        break;
    }
    case 4: {
        uint32_t x = (uint32_t)v;
        memcpy(p, &x, 4);
        break;
    }
    default: /* 8, by the table's construction */
        memcpy(p, &v, 8);
        break;
    }
}

bool config_acl_add_uid(struct acl *acl, uid_t uid)
{
    if (acl->nuids >= XCMUX_ACL_MAX_ENTRIES)
        return false;
    acl->uids[acl->nuids++] = uid;
    return true;
}

bool config_acl_add_gid(struct acl *acl, gid_t gid)
{
    if (acl->ngids >= XCMUX_ACL_MAX_ENTRIES)
        return false;
    acl->gids[acl->ngids++] = gid;
    return true;
}

/* User and group names are resolved here, once per load. */
static int set_acl(const char *key, const char *value, struct acl *acl, char *why, size_t whylen)
{
    char buf[XCMUX_CONFIG_LINE_MAX + 1];
    char *save = NULL;

    memset(acl, 0, sizeof(*acl));
    snprintf(buf, sizeof(buf), "%s", value);
    if (strcasecmp(buf, "none") == 0)
        return 0;
    for (char *tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
        bool ok;
        uint64_t id;

        if (strcmp(tok, "*") == 0) {
            acl->everyone = true;
            continue;
        }
        if (strncmp(tok, "uid:", 4) == 0) {
            if (lex_id(tok + 4, &id) < 0) {
                snprintf(why, whylen, "%s: bad uid '%s'", key, tok);
                return -1;
            }
            ok = config_acl_add_uid(acl, (uid_t)id);
        } else if (strncmp(tok, "gid:", 4) == 0) {
            if (lex_id(tok + 4, &id) < 0) {
                snprintf(why, whylen, "%s: bad gid '%s'", key, tok);
                return -1;
            }
            ok = config_acl_add_gid(acl, (gid_t)id);
        } else if (tok[0] == '@') {
            errno = 0;
            struct group *gr = getgrnam(tok + 1);
            if (!gr) {
                snprintf(why, whylen, "%s: unknown group '%s'", key, tok + 1);
                return -1;
            }
            ok = config_acl_add_gid(acl, gr->gr_gid);
        } else {
            errno = 0;
            struct passwd *pw = getpwnam(tok);
            if (!pw) {
                snprintf(why, whylen, "%s: unknown user '%s'", key, tok);
                return -1;
            }
            ok = config_acl_add_uid(acl, pw->pw_uid);
        }
        if (!ok) {
            snprintf(why, whylen, "%s: more than %d users or groups", key, XCMUX_ACL_MAX_ENTRIES);
            return -1;
        }
    }
    return 0;
}

static int set_size(const struct config_key *k, const char *v, uint64_t *out, char *why,
                    size_t whylen)
{
    uint64_t n;
    bool parsed = config_parse_size(v, &n) == 0;
    if (!parsed && !lex_size_syntax(v, true)) {
        snprintf(why, whylen, "%s: bad size '%s' (expected a number with optional k, M or G)",
                 k->name, v);
        return -1;
    }
    if (!parsed || (n != 0 && (n < k->min || n > k->max))) {
        snprintf(why, whylen, "%s: %s out of range (%llu..%llu, or 0)", k->name, v,
                 (unsigned long long)k->min, (unsigned long long)k->max);
        return -1;
    }
    *out = n;
    return 0;
}

static int set_buffer_size(const struct config_key *k, const char *v, uint64_t *out, char *why,
                           size_t whylen)
{
    uint64_t n;
    unsigned lo = (unsigned)(k->min >> 10), hi = (unsigned)(k->max >> 20);
    if (lex_size_syntax(v, true) && (config_parse_size(v, &n) < 0 || n > k->max)) {
        /* Too large to hold, or past the maximum: a range error,
         * whatever its bits look like. */
        snprintf(why, whylen, "%s: '%s' out of range (%uk..%uM, a power of two)", k->name, v, lo,
                 hi);
        return -1;
    }
    if (config_parse_size(v, &n) < 0 || n > SIZE_MAX || n < k->min ||
        !outbuf_capacity_valid((size_t)n)) {
        snprintf(why, whylen, "%s: '%s' is not a power of two in %uk..%uM", k->name, v, lo, hi);
        return -1;
    }
    *out = n;
    return 0;
}

int config_key_set(const struct config_key *k, void *base, const char *v, char *why, size_t whylen)
{
    const char *key = k->name;
    uint64_t n = 0;
    bool b;
    int i;
    unsigned u, u2;

    switch (k->type) {
    case CT_PATH: {
        size_t len = strlen(v);
        if (v[0] != '/') {
            snprintf(why, whylen, "%s: '%s' is not an absolute path", key, v);
            return -1;
        }
        if (len >= k->size) {
            snprintf(why, whylen, "%s: path longer than %zu bytes", key, k->size - 1);
            return -1;
        }
        memcpy((char *)base + k->off, v, len + 1);
        return 0;
    }
    case CT_MODE:
        if (lex_mode(v, &n) < 0 || n > k->max) {
            snprintf(why, whylen, "%s: bad mode '%s' (expected octal, e.g. 0660)", key, v);
            return -1;
        }
        break;
    case CT_GROUP: {
        if (v[0] == '\0' || strcasecmp(v, "none") == 0) {
            store(base, k->off, k->size, false);
            return 0;
        }
        struct group *gr = getgrnam(v);
        if (!gr) {
            snprintf(why, whylen, "%s: unknown group '%s'", key, v);
            return -1;
        }
        store(base, k->off, k->size, true);
        store(base, k->off2, k->size2, gr->gr_gid);
        return 0;
    }
    case CT_ACL:
        if (k->size2)
            store(base, k->off2, k->size2, true);
        return set_acl(key, v, (struct acl *)(void *)((char *)base + k->off), why, whylen);
    case CT_COUNT:
    case CT_NUMBER:
        /* CT_COUNT tells bad syntax from a bad value; CT_NUMBER has
         * one message for both. */
        if (k->type == CT_COUNT && !lex_size_syntax(v, false)) {
            snprintf(why, whylen, "%s: bad count '%s' (expected a number)", key, v);
            return -1;
        }
        if (lex_count(v, &n) == 0 && n >= k->min && n <= k->max)
            break;
        if (k->type == CT_COUNT)
            snprintf(why, whylen, "%s: %s out of range (%u..%u)", key, v, (unsigned)k->min,
                     (unsigned)k->max);
        else
            snprintf(why, whylen, "%s: bad count '%s' (%u..%u)", key, v, (unsigned)k->min,
                     (unsigned)k->max);
        return -1;
    case CT_BOOL:
        if (lex_bool(v, &b) < 0) {
            snprintf(why, whylen, "%s: bad boolean '%s' (expected on or off)", key, v);
            return -1;
        }
        n = b;
        break;
    case CT_KEYWORD:
        if (lex_keyword(v, k->words, k->nwords, &i) < 0) {
            char expected[128];
            lex_keyword_list(k->words, k->nwords, expected, sizeof(expected));
            snprintf(why, whylen, "%s: bad %s '%s' (expected %s)", key, k->what, v, expected);
            return -1;
        }
        n = (uint64_t)(unsigned)i;
        break;
    case CT_SIZE:
        if (set_size(k, v, &n, why, whylen) < 0)
            return -1;
        break;
    case CT_BUFFER_SIZE:
        if (set_buffer_size(k, v, &n, why, whylen) < 0)
            return -1;
        break;
    case CT_ESCAPE:
        if (config_parse_escape(v, &i) < 0) {
            snprintf(why, whylen, "%s: bad escape '%s' (expected ^X, one character, or none)", key,
                     v);
            return -1;
        }
        n = (uint64_t)(uint32_t)i;
        break;
    case CT_RATE:
        if (lex_rate(v, (unsigned)k->max, (unsigned)k->max2, &u, &u2) < 0) {
            snprintf(why, whylen,
                     "%s: bad rate '%s' (expected N/SECONDS, N %u..%u, SECONDS 1..%u, or off)", key,
                     v, (unsigned)k->min, (unsigned)k->max, (unsigned)k->max2);
            return -1;
        }
        store(base, k->off, k->size, u);
        store(base, k->off2, k->size2, u2);
        return 0;
    case CT_DURATION:
        if (lex_duration_ms(v, (unsigned)k->min, (unsigned)k->max, &u) < 0) {
            snprintf(why, whylen, "%s: bad timeout '%s' (seconds, or N ms; %ums..%us)", key, v,
                     (unsigned)k->min, (unsigned)k->max / 1000);
            return -1;
        }
        n = u;
        break;
    }
    store(base, k->off, k->size, n);
    return 0;
}

void config_key_merge(const struct config_key *k, void *into, const void *from)
{
    memcpy((char *)into + k->off, (const char *)from + k->off, k->size);
    if (k->size2)
        memcpy((char *)into + k->off2, (const char *)from + k->off2, k->size2);
}

int config_keys_defaults(struct config *cfg, char *why, size_t whylen)
{
    struct group *gr = getgrnam(XCMUX_DEFAULT_GROUP);
    struct console_cfg *cc = &cfg->global;

    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        const struct config_key *k = &config_keys[i];
        void *base = k->scope == CONFIG_GLOBAL ? (void *)cfg : (void *)cc;
        if (k->def && config_key_set(k, base, k->def, why, whylen) < 0)
            return -1;
    }
    /* The defaults that depend on the host's users and groups. */
    if (gr) {
        cfg->socket_group_set = true;
        cfg->socket_group = gr->gr_gid;
    }
    memset(&cc->read, 0, sizeof(cc->read));
    config_acl_add_uid(&cc->read, 0);
    if (gr)
        config_acl_add_gid(&cc->read, gr->gr_gid);
    cc->write = cc->read;
    memset(&cc->admin, 0, sizeof(cc->admin));
    config_acl_add_uid(&cc->admin, 0);
    cc->hotkey_acl_set = false;
    return 0;
}
