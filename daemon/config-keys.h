/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config-keys.h — the schema of xcmuxd.conf(5): one row per key.
 *
 * Contract
 * - config_keys[] is the only list of keys: config.c looks names up in
 *   it, sets values through config_key_set(), fills the defaults from it
 *   and merges [domain:] sections with config_key_merge(). Adding a key is
 *   one row here (plus its field in struct config or struct console_cfg,
 *   and its test); tests/unit/test-config-keys.c checks that the man page
 *   and conf/xcmuxd.conf name every row and that every default is valid.
 * - Scope: CONFIG_GLOBAL keys are allowed in [global] only and their field
 *   is in struct config; CONFIG_CONSOLE keys may also appear in
 *   [domain:GLOB] and their field is in struct console_cfg.
 * - A row's index is its bit in a section's "set" and "seen" masks, so
 *   there are at most 32 rows (CONFIG_NKEYS).
 * - def is the default as written in the file and goes through the same
 *   setter as a value read from it; NULL means the default depends on the
 *   host (user and group names) and is set by config.c (see help).
 * - The hotkey.<K> and guest_hotkey.<K> families are not rows: their
 *   language is the hotkey subsystem's (hotkey-config.h).
 */
#ifndef XCMUX_DAEMON_CONFIG_KEYS_H
#define XCMUX_DAEMON_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/config-lex.h"

enum config_scope {
    CONFIG_GLOBAL,  /* [global] only; field in struct config */
    CONFIG_CONSOLE, /* [global] and [domain:GLOB]; field in struct console_cfg */
};

enum config_type {
    CT_PATH,   /* absolute path, shorter than the field */
    CT_MODE,   /* octal file mode, at most 0777 */
    CT_GROUP,  /* group name or "none"; field2 = the gid, field = set flag */
    CT_ACL,    /* ACL (config.h); field2, if any: a flag set to true */
    CT_COUNT,  /* decimal in min..max ("bad count" / "out of range") */
    CT_NUMBER, /* decimal in min..max (one "bad count" message) */
    CT_BOOL,
    CT_KEYWORD,     /* one of words[]; stored as an int */
    CT_SIZE,        /* size with k/M/G: 0, or min..max */
    CT_BUFFER_SIZE, /* size, a power of two in min..max (outbuf) */
    CT_ESCAPE,      /* escape character (common/rules.h) */
    CT_RATE,        /* N/SECONDS or off: N in min..max, SECONDS 1..max2;
                     * field = N, field2 = SECONDS */
    CT_DURATION,    /* seconds, or N ms: milliseconds in min..max */
};

struct config_key {
    const char *name;
    enum config_scope scope;
    enum config_type type;
    uint64_t min, max;
    uint64_t max2;                   /* CT_RATE: the SECONDS bound */
    const char *def;                 /* as in the file; NULL: see help */
    const char *help;                /* one line, for humans */
    size_t off, size;                /* the field */
    size_t off2, size2;              /* a second field the key sets; size2 0: none */
    const struct lex_keyword *words; /* CT_KEYWORD */
    size_t nwords;
    const char *what; /* CT_KEYWORD: noun in messages */
};

#define CONFIG_NKEYS 29
extern const struct config_key config_keys[CONFIG_NKEYS];

/* The row named NAME, or NULL. */
const struct config_key *config_key_find(const char *name);

/* Parses VALUE into the field(s) of K in BASE (a struct config for
 * CONFIG_GLOBAL, a struct console_cfg for CONFIG_CONSOLE). 0, or -1 with
 * the reason in WHY ("<name>: what"); the fields may then be partly set. */
int config_key_set(const struct config_key *k, void *base, const char *value, char *why,
                   size_t whylen);

/* Copies the field(s) of console key K from FROM into INTO. */
void config_key_merge(const struct config_key *k, void *into, const void *from);

/* Sets every key of CFG (already zeroed) to its default: the rows' def
 * through config_key_set(), then the host-dependent ones (socket group,
 * read, write and admin ACLs). 0, or -1 if a row's def is invalid (a bug
 * the unit tests catch). */
struct config;
int config_keys_defaults(struct config *cfg, char *why, size_t whylen);

/* Adds an id to an ACL; false when it is full. */
struct acl;
bool config_acl_add_uid(struct acl *acl, uid_t uid);
bool config_acl_add_gid(struct acl *acl, gid_t gid);

#endif /* XCMUX_DAEMON_CONFIG_KEYS_H */
